"""
How long ``import custdata`` takes in a fresh interpreter.

Goal (docs/performance.md): under 150 ms on the reference machine (2 cores).
Prints the median over several runs of a fresh ``python -c "import custdata"``
against the same interpreter starting with nothing to import, measured in the
same run, and the import's own cost (the difference).

Run: ``.venv/bin/python benchmarks/bench_import.py [--runs 15]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _time_command(code: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    """Measure and print the import time of custdata."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    _time_command("import custdata", 2)  # warm the file cache and bytecode
    bare = _time_command("pass", args.runs)
    full = _time_command("import custdata", args.runs)
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, custdata; print(sorted(m for m in ('faker', 'pyarrow', 'numpy', "
            "'pandas', 'polars', 'pyspark', 'hypothesis', 'matplotlib', 'phonenumbers', "
            "'email_validator', 'tqdm') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"bare interpreter start      : {bare * 1000:7.1f} ms (median of {args.runs})")
    print(f"start + import custdata     : {full * 1000:7.1f} ms")
    print(f"import custdata alone       : {(full - bare) * 1000:7.1f} ms (goal < 150 ms)")
    print(f"ratio to bare start         : {full / bare:7.2f}x")
    print(f"optional/slow modules loaded: {heavy}")


if __name__ == "__main__":
    main()
