"""
Protecting synthetic contacts on Spark in local mode, against `apply_frame` on the same rows.

On the contacts of ``benchmarks/bench_frames.py`` (``custdata.synthetic``, seed
2024, written once per size to a typed Parquet file; ``--data DIR`` keeps it,
and shares it with that benchmark), through the built-in ``partner-share``
policy bound with ``normalise=False`` and ``validate=False``:

- ``apply_frame`` on the table read from the file, in a child process of its
  own, the table read before the timer starts (as ``bench_frames.py`` does);
- ``apply_spark`` in a second child: a ``local[N]`` session started and timed
  on its own, then the file read by Spark and the protected frame computed
  (written to Spark's ``noop`` sink) twice, the first time with Python workers
  still to start, then ``audit()``, which runs the policy again and sums the
  partitions' counts. The share of the first run spent starting the session
  is printed.

``--check`` also collects the Spark frame and compares it, cell by cell, with
``apply_frame``'s (outside the timed sections).

No goal on two cores: the figure is one users can compare with their cluster.

Run: ``.venv/bin/python benchmarks/bench_spark.py [--rows 1000000] [--cores 2]
[--batch-rows 10000] [--data DIR] [--check]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_frames import _TODAY, _bound, _write_contacts  # the same data

_POLICY = "partner-share"


def _local(path: str, rows: int) -> dict[str, Any]:
    """apply_frame on the table read from the file: seconds, rows written and rejected."""
    import pyarrow.parquet as pq

    from custdata.frames import apply_frame

    table = pq.read_table(path).slice(0, rows)
    bound = _bound()
    start = time.perf_counter()
    result = apply_frame(bound, table, batch_size=max(table.num_rows, 1))
    elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "written": result.written, "rejected": result.rejected}


def _session(cores: int, partition_bytes: int, batch_rows: int) -> Any:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("custdata-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.files.maxPartitionBytes", str(partition_bytes))
        .config("spark.driver.memory", "4g")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
        .getOrCreate()
    )


def _spark(path: str, rows: int, cores: int, batch_rows: int, check: bool) -> dict[str, Any]:
    """apply_spark in local mode: session start, two runs, the audit, optionally the cells."""
    from bench_frames import _KEY
    from custdata import KeyRing, Policy
    from custdata.frames.spark import apply_spark

    size = Path(path).stat().st_size
    start = time.perf_counter()
    spark = _session(cores, max(size // (2 * cores), 1 << 20), batch_rows)
    session = time.perf_counter() - start
    spark.sparkContext.setLogLevel("ERROR")
    frame = spark.read.parquet(path)  # a file of ``rows`` rows
    partitions = frame.rdd.getNumPartitions()
    keys = KeyRing.from_mapping({"bench": _KEY}, active="bench")
    result = apply_spark(
        Policy.builtin(_POLICY),
        frame,
        keys=keys,
        id_column="contact_id",
        today=_TODAY,
        normalise=False,
        validate=False,
    )
    runs = []
    for _ in range(2):
        start = time.perf_counter()
        result.frame.write.format("noop").mode("overwrite").save()
        runs.append(time.perf_counter() - start)
    start = time.perf_counter()
    audit = result.audit()
    audit_time = time.perf_counter() - start
    out: dict[str, Any] = {
        "session": session,
        "runs": runs,
        "audit": audit_time,
        "partitions": partitions,
        "read": audit.rows_read,
        "written": audit.rows_written,
        "rejected": audit.rows_rejected,
    }
    if check:
        out["same_cells"] = _same_cells(path, rows, result.frame.toArrow())
    spark.stop()
    return out


def _same_cells(path: str, rows: int, actual: Any) -> bool:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from custdata.frames import apply_frame

    expected = apply_frame(_bound(), pq.read_table(path).slice(0, rows)).frame
    if expected.column_names != actual.column_names or expected.num_rows != actual.num_rows:
        return False
    for name in expected.column_names:
        column = expected.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        if column.to_pylist() != actual.column(name).to_pylist():
            return False
    return True


def _child(arguments: list[str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", *arguments]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode("utf-8", "replace")[-4000:])
        sys.exit(f"the {arguments[0]} measure failed")
    found: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return found


def main() -> None:
    """Measure, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cores", type=int, default=2, help="local[N] threads")
    parser.add_argument("--data", type=Path, help="keep the generated Parquet file here")
    parser.add_argument(
        "--batch-rows", type=int, default=10_000, help="Arrow batch rows (Spark's default)"
    )
    parser.add_argument("--check", action="store_true", help="compare every cell too")
    args = parser.parse_args()
    directory = args.data or Path(tempfile.mkdtemp(prefix="bench-spark-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"contacts-{args.rows}.parquet"
    if not path.exists():
        print(f"writing {args.rows} synthetic contacts to {path}", file=sys.stderr)
        _write_contacts(path, args.rows)
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    local = _child(["local", str(path), str(args.rows)])
    spark = _child(
        [
            "spark",
            str(path),
            str(args.rows),
            str(args.cores),
            str(args.batch_rows),
            "1" if args.check else "0",
        ]
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    rows = args.rows
    first, second = spark["runs"]

    def rate(seconds: float) -> str:
        return f"{rows / seconds:_.0f}".replace("_", " ") + " rows/s"

    print(f"| measure ({rows} contacts, {_POLICY}) | time | speed |")
    print("| --- | --- | --- |")
    print(f"| `apply_frame`, one process | {local['elapsed']:.2f} s | {rate(local['elapsed'])} |")
    print(f"| starting the Spark session (`local[{args.cores}]`) | {spark['session']:.2f} s | |")
    print(
        f"| `apply_spark`, first run ({spark['partitions']} partitions, batches of "
        f"{args.batch_rows} rows, workers starting) "
        f"| {first:.2f} s | {rate(first)} |"
    )
    print(f"| `apply_spark`, second run | {second:.2f} s | {rate(second)} |")
    print(f"| `SparkResult.audit()` (the policy again, and the sum) | {spark['audit']:.2f} s | |")
    print()
    share = spark["session"] / (spark["session"] + first)
    print(f"share of session start in start + first run: {share:.0%}")
    print(f"apply_spark second run / apply_frame: {local['elapsed'] / second:.2f}x")
    same = (spark["written"], spark["rejected"]) == (local["written"], local["rejected"])
    print(
        f"rows read {spark['read']}, written {spark['written']}, rejected {spark['rejected']}; "
        f"counts equal to apply_frame's: {same}"
    )
    if "same_cells" in spark:
        print(f"every cell equal to apply_frame's: {spark['same_cells']}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        kind, file, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
        if kind == "local":
            found = _local(file, count)
        else:
            found = _spark(file, count, int(sys.argv[5]), int(sys.argv[6]), sys.argv[7] == "1")
        print(json.dumps(found))
    else:
        main()
