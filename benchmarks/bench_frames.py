"""
Throughput and peak memory of protecting and validating frames, against column-by-column baselines.

Goals (docs/performance.md), on synthetic contacts through the built-in
``partner-share`` policy, bound with ``normalise=False`` and ``validate=False``
(the baseline neither normalises nor validates):

- ``apply_frame`` on an Arrow table at least 2.5x the rows/s of the baseline:
  the same transforms called column by column with pandas ``Series.map``
  (``df[column].map(transform, na_action="ignore")``), in the same run;
- ``validate_frame`` at least as fast as ``validate_many`` on the same rows.

``apply_frame`` on the Arrow table is measured in one process, then with
``workers=2`` (slices of 50 000 rows protected in two forked children), and so
is ``validate_frame`` (slices of 20 000 rows). It is
also measured on a polars frame and on a pandas frame (as
``pandas.read_parquet`` gives it, NumPy-backed). The frames are read from a
typed Parquet file written once per size (``custdata.synthetic.iter_batches``,
seed 2024, ``fr_FR``, 5% dirty values, 3% near-duplicates; ``--data DIR`` keeps
it), outside the timed section: the rows/s are of protecting (or validating) a
frame already in memory. ``validate_many`` is timed on the records of the same
rows (read by ``from_frame`` before the timer starts), and, as a second
baseline, from the table's rows as flat mappings (``from_flat`` then
``validate_many``, what a caller without frames does).

Every measure runs in a child process of its own: its peak memory is that
process's maximum resident set size (``os.wait4``, loading included; the
children of ``workers=2`` are not in it), and the CPU time of the timed section
(the workers' included) is printed beside its elapsed time.

Run: ``.venv/bin/python benchmarks/bench_frames.py [--rows 1000000] [--validate-rows 200000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

_POLICY = "partner-share"
_TODAY = dt.date(2025, 1, 1)  # the generator's "as of" day
_APPLY_GOAL = 2.5
_VALIDATE_GOAL = 1.0
_KEY = bytes(range(32))  # a benchmark key, known to everyone
_WORKERS_BATCH = 50_000  # slices shared by apply_frame(workers=2)


class Measure(NamedTuple):
    """One child: seconds and CPU seconds of the timed section, peak resident MB, rows out."""

    elapsed: float
    cpu: float
    peak_mb: float
    rows: int


def _peak_mb(maxrss: int) -> float:
    return maxrss / 1e6 if sys.platform == "darwin" else maxrss * 1024 / 1e6


def _write_contacts(path: Path, rows: int) -> None:
    """Synthetic contacts as a typed Parquet file, batch by batch."""
    import pyarrow.parquet as pq

    from custdata import Contact
    from custdata.frames import arrow_schema, to_arrow
    from custdata.synthetic import iter_batches

    with pq.ParquetWriter(path, arrow_schema(Contact)) as writer:
        for batch in iter_batches(rows, seed=2024, today=_TODAY):
            writer.write_table(to_arrow(batch.contacts, Contact))


def _bound() -> Any:
    from custdata import KeyRing, Policy

    keys = KeyRing.from_mapping({"bench": _KEY}, active="bench")
    return Policy.builtin(_POLICY).bind(keys=keys, today=_TODAY, normalise=False, validate=False)


def _child(kind: str, path: str, rows: int) -> None:
    """Run one measure in this process and print it as JSON."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if rows < table.num_rows:
        table = table.slice(0, rows)
    prepare, timed = _MEASURES[kind]
    prepared = prepare(table, path, rows)
    start, cpu = time.perf_counter(), _cpu()
    out = timed(prepared)
    elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed, "cpu": _cpu() - cpu, "rows": out}))


def _cpu() -> float:
    """CPU seconds of this process and of its children reaped so far (the forked workers)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _map_prepare(table: Any, _path: str, _rows: int) -> Any:
    bound = _bound()
    steps = [step for step in bound._steps if step.kind == "value"]
    return table.to_pandas(), steps


def _map(prepared: Any) -> int:
    frame, steps = prepared
    for step in steps:
        frame[step.path] = frame[step.path].map(step.transform, na_action="ignore")
    return len(frame)


def _frame_prepare(kind: str) -> Any:
    def prepare(table: Any, path: str, rows: int) -> Any:
        if kind == "polars":
            import polars as pl

            return pl.from_arrow(table), _bound()
        if kind == "pandas":
            import pandas as pd

            return pd.read_parquet(path).iloc[:rows], _bound()
        return table, _bound()

    return prepare


def _apply(prepared: Any) -> int:
    from custdata.frames import apply_frame

    frame, bound = prepared
    result = apply_frame(bound, frame, batch_size=max(len(frame), 1))
    return int(result.written + result.rejected)


def _apply_workers(prepared: Any) -> int:
    from custdata.frames import apply_frame

    frame, bound = prepared
    result = apply_frame(bound, frame, batch_size=_WORKERS_BATCH, workers=2)
    return int(result.written + result.rejected)


def _validate_frame(table: Any) -> int:
    from custdata import Contact
    from custdata.frames import validate_frame

    return validate_frame(table, Contact, today=_TODAY).rows


def _validate_frame_workers(table: Any) -> int:
    from custdata import Contact
    from custdata.frames import validate_frame

    return validate_frame(table, Contact, today=_TODAY, workers=2).rows


def _records(table: Any, _path: str, _rows: int) -> Any:
    from custdata import Contact
    from custdata.frames import from_frame

    return from_frame(table, Contact).records


def _validate_many(records: Any) -> int:
    from custdata.validation import validate_many

    return sum(1 for _ in validate_many(records, today=_TODAY))


def _validate_flat(flat: Any) -> int:
    from custdata import Contact, ValidationError
    from custdata.model import from_flat
    from custdata.validation import validate_many

    records = []
    for row in flat:
        try:
            records.append(from_flat(Contact, row))
        except ValidationError:
            continue
    return sum(1 for _ in validate_many(records, today=_TODAY)) + len(flat) - len(records)


_MEASURES: dict[str, tuple[Any, Any]] = {
    "map": (_map_prepare, _map),
    "arrow": (_frame_prepare("arrow"), _apply),
    "arrow_workers": (_frame_prepare("arrow"), _apply_workers),
    "polars": (_frame_prepare("polars"), _apply),
    "pandas": (_frame_prepare("pandas"), _apply),
    "validate_frame": (lambda table, _path, _rows: table, _validate_frame),
    "validate_frame_workers": (lambda table, _path, _rows: table, _validate_frame_workers),
    "validate_many": (_records, _validate_many),
    "validate_flat": (lambda table, _path, _rows: _flat_rows(table), _validate_flat),
}


def _flat_rows(table: Any) -> list[dict[str, object]]:
    """The rows as flat mappings, date-times in their own offset (as a reader would give them)."""
    from custdata.frames._apply import python_rows

    return python_rows(table)


def _measure(kind: str, path: Path, rows: int, log: Path) -> Measure:
    command = [sys.executable, __file__, "--child", kind, str(path), str(rows)]
    with log.open("wb") as stderr, tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        _pid, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"the {kind} measure failed; see {log}")
        stdout.seek(0)
        found = json.loads(stdout.read().decode().strip().splitlines()[-1])
    return Measure(found["elapsed"], found["cpu"], _peak_mb(usage.ru_maxrss), found["rows"])


def _line(name: str, measure: Measure, rows: int) -> str:
    speed = f"{rows / measure.elapsed:_.0f}".replace("_", " ")
    return (
        f"| {name} | {speed} rows/s ({measure.elapsed:.2f} s, CPU {measure.cpu:.2f} s) "
        f"| {measure.peak_mb:.0f} MB |"
    )


def main() -> None:
    """Measure, print a Markdown table and the ratios against the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--validate-rows", type=int, default=200_000)
    parser.add_argument("--data", type=Path, help="keep the generated Parquet file here")
    args = parser.parse_args()
    directory = args.data or Path(tempfile.mkdtemp(prefix="bench-frames-"))
    directory.mkdir(parents=True, exist_ok=True)
    size = max(args.rows, args.validate_rows)
    path = directory / f"contacts-{size}.parquet"
    if not path.exists():
        print(f"writing {size} synthetic contacts to {path}", file=sys.stderr)
        # In a child: the peak memory of each measure's process is its own.
        subprocess.run([sys.executable, __file__, "--write", str(path), str(size)], check=True)
    logs = directory / "logs"
    logs.mkdir(exist_ok=True)
    apply_rows, check_rows = args.rows, args.validate_rows
    results: dict[str, Measure] = {}
    for kind in ("map", "arrow", "arrow_workers", "polars", "pandas"):
        print(f"measuring {kind} on {apply_rows} rows", file=sys.stderr)
        results[kind] = _measure(kind, path, apply_rows, logs / f"{kind}.log")
    for kind in ("validate_many", "validate_flat", "validate_frame", "validate_frame_workers"):
        print(f"measuring {kind} on {check_rows} rows", file=sys.stderr)
        results[kind] = _measure(kind, path, check_rows, logs / f"{kind}.log")
    print(f"| measure ({apply_rows} contacts, {_POLICY}) | speed | peak memory |")
    print("| --- | --- | --- |")
    print(_line("`Series.map`, column by column (baseline)", results["map"], apply_rows))
    for kind, label in (
        ("arrow", "Arrow"),
        ("arrow_workers", f"Arrow, `workers=2`, `batch_size={_WORKERS_BATCH}`"),
        ("polars", "polars"),
        ("pandas", "pandas"),
    ):
        print(_line(f"`apply_frame`, {label}", results[kind], apply_rows))
    print()
    print(f"| measure ({check_rows} contacts) | speed | peak memory |")
    print("| --- | --- | --- |")
    print(_line("`validate_many` on records (baseline)", results["validate_many"], check_rows))
    print(_line("`from_flat` + `validate_many`", results["validate_flat"], check_rows))
    print(_line("`validate_frame`", results["validate_frame"], check_rows))
    print(_line("`validate_frame`, `workers=2`", results["validate_frame_workers"], check_rows))
    print()
    base = results["map"].elapsed
    for kind in ("arrow", "arrow_workers", "polars", "pandas"):
        ratio = base / results[kind].elapsed
        cpu = results["map"].cpu / results[kind].cpu
        goal = " (goal >= 2.5x)" if kind.startswith("arrow") else ""
        print(f"apply_frame {kind} / Series.map: {ratio:.2f}x, CPU {cpu:.2f}x{goal}")
    for kind in ("validate_frame", "validate_frame_workers"):
        ratio = results["validate_many"].elapsed / results[kind].elapsed
        flat = results["validate_flat"].elapsed / results[kind].elapsed
        print(f"{kind} / validate_many: {ratio:.2f}x (goal >= 1.0x)")
        print(f"{kind} / from_flat + validate_many: {flat:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--write":
        _write_contacts(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
