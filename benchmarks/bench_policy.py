"""
Throughput and peak memory of applying a policy, against validating the same file.

Goals (docs/performance.md), on synthetic contacts through the built-in
``partner-share`` policy, read from CSV:

- the peak memory of ``custdata apply`` under 300 MB, at 100 000 and at 1 000 000 rows;
- ``custdata apply`` at least 0.7x the speed (rows/s) of ``custdata validate``.

The baseline is ``custdata validate FILE -o OUT.csv`` on the same file, timed in
the same run. Applying a policy normalises every row first, as validating does,
so the ratio shows what protection adds (and what writing 9 columns instead of
21 saves). The library side is measured the same way in a fresh process each:
the rows of ``custdata.io.open_reader`` through ``BoundPolicy.apply_many``,
against the same rows through ``parse_batch`` and ``validate_many`` (what the
``validate`` command does), and reading alone.

Every measure runs in a child process of its own: its peak memory is that
process's maximum resident set size (``os.wait4``), and its CPU time (user +
system) is printed beside the elapsed time, which is the figure to compare when
other jobs share the machine. The contacts are written once per size by
``custdata.io.write_synthetic`` (seed 2024, ``fr_FR``, 5% dirty values, 3%
near-duplicates), with a fresh key ring, in a temporary directory (or in
``--data DIR``, where they are kept and reused).

Run: ``.venv/bin/python benchmarks/bench_policy.py [--rows 100000 1000000] [--rounds 1]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

_POLICY = "partner-share"
_TODAY = "2025-01-01"  # the generator's "as of" day: ages and birth dates are checked against it
_CACHE_SIZE = 20_000  # as custdata validate keeps (src/custdata/cli/validate.py)
_MEMORY_GOAL_MB = 300
_SPEED_GOAL = 0.7


class Measure(NamedTuple):
    """One child process: elapsed seconds, CPU seconds (user + system), peak resident MB."""

    elapsed: float
    cpu: float
    peak_mb: float


def _peak_mb(maxrss: int) -> float:
    """``ru_maxrss`` in megabytes (10**6 bytes): kibibytes on Linux, bytes on macOS."""
    return maxrss / 1e6 if sys.platform == "darwin" else maxrss * 1024 / 1e6


def _run(command: list[str], log: Path) -> tuple[Measure, str]:
    """Run a child to completion: its measure (from ``os.wait4``) and its standard output."""
    with log.open("wb") as stderr, tempfile.TemporaryFile() as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        out = stdout.read().decode()
    if process.returncode not in (0, 3):  # 3: rows were rejected, which dirty data does
        sys.exit(f"{' '.join(command)} exited with {process.returncode}; see {log}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(elapsed, cpu, _peak_mb(usage.ru_maxrss)), out


def _command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "custdata.cli", *arguments]


def _library(kind: str, path: Path, keys: Path) -> list[str]:
    return [sys.executable, __file__, "--child", kind, str(path), str(keys)]


def _child(kind: str, path: str, keys_path: str) -> None:
    """In a child process: read the CSV and run one library measure; print its own timing."""
    from custdata import Contact, KeyRing, Policy
    from custdata.io import open_reader, parse_batch
    from custdata.validation import validate_many

    today = dt.date.fromisoformat(_TODAY)
    bound = Policy.builtin(_POLICY).bind(keys=KeyRing.load(keys_path), today=today)
    count = 0
    start, cpu = time.perf_counter(), time.process_time()
    with open_reader(path, record_type=Contact) as reader:
        if kind == "read":
            for batch in reader:
                count += len(batch)
        elif kind == "validate_many":
            records = (record for batch in reader for record in parse_batch(batch, Contact).records)
            for _ in validate_many(records, today=today, cache_size=_CACHE_SIZE):
                count += 1
        else:
            for _ in bound.apply_many(row for batch in reader for row in batch):
                count += 1
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "count": count}))


def _data(directory: Path, rows: int) -> tuple[Path, Path]:
    """The contacts file of ``rows`` contacts and a key file, written if missing."""
    from custdata import KeyRing
    from custdata.io import write_synthetic

    where = directory / f"contacts-{rows}"
    contacts, keys = where / "contacts.csv", directory / "keys.json"
    if not keys.exists():
        KeyRing.generate().dump(keys)
    if not (where / "manifest.json").exists():
        start = time.perf_counter()
        write_synthetic(where, rows, workers=min(2, os.cpu_count() or 1))
        seconds = time.perf_counter() - start
        print(f"wrote {rows:,} contacts (and the rest of the dataset) in {seconds:.0f} s")
    return contacts, keys


def _size(directory: Path, rows: int, rounds: int) -> dict[str, list[Measure]]:
    """Every measure of one size, ``rounds`` times, interleaved so that noise hits all alike."""
    contacts, keys = _data(directory, rows)
    out = directory / "out"
    out.mkdir(exist_ok=True)
    common = ["--today", _TODAY]
    commands = {
        "custdata validate": _command("validate", str(contacts), "-o", str(out / "v.csv"), *common),
        "custdata apply": _command(
            "apply",
            "--policy",
            _POLICY,
            "--keys",
            str(keys),
            str(contacts),
            "-o",
            str(out / "a.csv"),
            *common,
        ),
        "read CSV only": _library("read", contacts, keys),
        "validate_many": _library("validate_many", contacts, keys),
        "apply_many": _library("apply_many", contacts, keys),
    }
    results: dict[str, list[Measure]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            measure, printed = _run(command, out / "stderr.log")
            if printed.startswith("{"):  # a library child times itself, without interpreter start
                own = json.loads(printed)
                measure = measure._replace(elapsed=own["seconds"], cpu=own["cpu"])
            results[name].append(measure)
    return results


def _report(rows: int, results: dict[str, list[Measure]]) -> list[bool]:
    """Print one size's table and goals; return whether each goal is met."""

    def median(name: str, field: str) -> float:
        return statistics.median(getattr(measure, field) for measure in results[name])

    peak = {
        name: max(measure.peak_mb for measure in measures) for name, measures in results.items()
    }
    baseline = {"custdata apply": "custdata validate", "apply_many": "validate_many"}
    rounds = len(results["apply_many"])
    print(f"\n{rows:,} contacts, CSV, policy {_POLICY}; medians of {rounds} round(s)")
    header = f"{'measure':<22}{'elapsed':>9}{'rows/s':>10}{'CPU':>9}{'peak':>9}"
    print(f"  {header}   ratio to baseline (elapsed, CPU)")
    for name in results:
        elapsed, cpu = median(name, "elapsed"), median(name, "cpu")
        line = f"  {name:<22}{elapsed:8.1f}s{rows / elapsed:10,.0f}{cpu:8.1f}s{peak[name]:6.0f} MB"
        if name in baseline:
            base = baseline[name]
            line += f"   {median(base, 'elapsed') / elapsed:.2f}x, {median(base, 'cpu') / cpu:.2f}x"
        elif name in baseline.values():
            line += "   baseline"
        print(line)
    read = median("read CSV only", "elapsed")
    alone = median("apply_many", "elapsed") - read
    print(f"  apply_many alone (minus reading): {rows / alone:,.0f} rows/s")
    speed = median("custdata validate", "elapsed") / median("custdata apply", "elapsed")
    memory = peak["custdata apply"]
    met = [speed >= _SPEED_GOAL, memory < _MEMORY_GOAL_MB]
    verdict = ["ok" if goal else "MISSED" for goal in met]
    print(f"  goal: custdata apply >= {_SPEED_GOAL}x custdata validate: {speed:.2f}x {verdict[0]}")
    print(f"  goal: custdata apply peak < {_MEMORY_GOAL_MB} MB: {memory:.0f} MB {verdict[1]}")
    return met


def main() -> None:
    """Write the contacts, run every measure at each size and print the ratios and goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[100_000, 1_000_000], help="contacts per file"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="timed rounds per size; medians reported"
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the contacts here and reuse them (default: a temporary directory)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    met: list[bool] = []
    with tempfile.TemporaryDirectory() as temporary:
        directory = args.data or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            met += _report(rows, _size(directory, rows, args.rounds))
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}; goals met: {sum(met)} of {len(met)}")


if __name__ == "__main__":
    main()
