"""
Planning retention on the synthetic dataset of 1 000 000 contacts, from its Parquet files.

Goal (docs/performance.md): `custdata.lifecycle.plan_retention` on the contacts
`custdata.synthetic` generates (seed 2024), with their purchases (about 1.8
million) and consent events, read from Parquet through the frame path (only
the columns the rules read, no record per row), under 60 s and 2 GB of peak
memory on the 2-core reference machine.

The Parquet files are written once into ``--data`` (kept for later runs). The
measure runs in a child process of its own, so that its peak resident memory
(``ru_maxrss``) is the planning's alone: reading the files, planning, and
counting the plan's actions. CPU time (user + system) is printed beside the
elapsed time; the load average at the start and the end.

Run: ``.venv/bin/python benchmarks/bench_lifecycle.py [--contacts 1000000] [--data DIR]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_TIME_GOAL_S = 60.0
_MEMORY_GOAL_MB = 2000.0
_TODAY = dt.date(2026, 12, 1)
_COLUMNS = {
    "contacts": ["contact_id", "created_at", "last_interaction_at"],
    "purchases": ["purchase_id", "contact_id", "purchased_at", "status"],
    "consents": ["contact_id", "purpose", "channel", "status", "recorded_at"],
}


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def _write(directory: Path, contacts: int) -> None:
    """Generate the dataset batch by batch into three Parquet files."""
    import pyarrow.parquet as pq

    from custdata import Consent, Contact, Purchase
    from custdata.frames import arrow_schema, to_arrow
    from custdata.synthetic import iter_batches

    kinds = (("contacts", Contact), ("purchases", Purchase), ("consents", Consent))
    writers = {
        name: pq.ParquetWriter(directory / f"{name}.parquet", arrow_schema(record_type))
        for name, record_type in kinds
    }
    try:
        for batch in iter_batches(contacts, seed=2024):
            for name, record_type in kinds:
                writers[name].write_table(to_arrow(getattr(batch, name), record_type))
    finally:
        for writer in writers.values():
            writer.close()


def _child(directory: str) -> None:
    """Read the files and plan, in this process; print the figures as JSON."""
    import pyarrow.parquet as pq

    from custdata.lifecycle import default_rules, plan_retention

    start, cpu = time.perf_counter(), time.process_time()
    tables = {
        name: pq.read_table(Path(directory) / f"{name}.parquet", columns=columns)
        for name, columns in _COLUMNS.items()
    }
    read = time.perf_counter() - start
    plan = plan_retention(**tables, rules=default_rules(), today=_TODAY)
    totals = plan.by_action()
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": {name: table.num_rows for name, table in tables.items()},
                "entries": len(plan),
                "totals": totals,
                "read": read,
                "elapsed": elapsed,
                "cpu": time.process_time() - cpu,
                "peak_mb": _peak_mb(),
            }
        )
    )


def main() -> None:
    """Write the dataset if needed, then time the planning in a child process ``--rounds`` times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", type=Path, default=None, help="keep the Parquet files here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        _child(options.child)
        return

    print(f"load average at start: {_load()} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as temporary:
        directory = options.data or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        if not (directory / "consents.parquet").exists():
            start = time.perf_counter()
            _write(directory, options.contacts)
            print(f"wrote the dataset in {time.perf_counter() - start:.1f} s to {directory}")
        runs = []
        for _ in range(options.rounds):
            done = subprocess.run(  # this interpreter and this script
                [sys.executable, __file__, "--child", str(directory)],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(done.stdout))
    best = min(runs, key=lambda run: run["elapsed"])
    rows = ", ".join(f"{name} {count}" for name, count in best["rows"].items())
    print(f"rows: {rows}; plan entries: {best['entries']}; totals: {best['totals']}")
    for run in runs:
        print(
            f"round: {run['elapsed']:.1f} s elapsed ({run['read']:.1f} s reading), "
            f"{run['cpu']:.1f} s CPU, peak {run['peak_mb']:.0f} MB"
        )
    met = best["elapsed"] < _TIME_GOAL_S and best["peak_mb"] < _MEMORY_GOAL_MB
    print(
        f"best: {best['elapsed']:.1f} s (goal < {_TIME_GOAL_S:.0f} s), peak "
        f"{best['peak_mb']:.0f} MB (goal < {_MEMORY_GOAL_MB:.0f} MB): "
        f"{'met' if met else 'NOT met'}"
    )
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
