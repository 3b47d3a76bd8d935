"""
How fast custdata.synthetic writes a million contacts with their purchases.

Goal (docs/performance.md): 1 000 000 contacts with their purchases, consents
and feedback, written as CSV, in under 2 minutes on the reference machine
(2 cores). Prints the elapsed time, contacts per second and rows per second of
`custdata.io.write_synthetic`, against a baseline measured in the same run:
contacts built by calling Faker for every field of every row (10 000 rows,
extrapolated), which is how fake data is usually made.

Run: ``.venv/bin/python benchmarks/bench_synthetic.py [--rows 1000000] [--workers 2]``
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time


def _faker_per_row(rows: int) -> float:
    """Seconds to build ``rows`` contacts calling Faker for each field (no file written)."""
    from faker import Faker

    fake = Faker("fr_FR")
    fake.seed_instance(1)
    start = time.perf_counter()
    for index in range(rows):
        {
            "contact_id": f"C{index:08d}",
            "given_name": fake.first_name(),
            "family_name": fake.last_name(),
            "email": fake.email(domain="example.com"),
            "phone": fake.phone_number(),
            "address.line1": fake.street_address(),
            "address.postal_code": fake.postcode(),
            "address.city": fake.city(),
            "birth_date": fake.date_of_birth().isoformat(),
            "created_at": fake.date_time_this_decade().isoformat(),
        }
    return time.perf_counter() - start


def _cpu_seconds() -> float:
    """User and system time of this process and of its waited-for children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    """Measure and print the generation speed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--baseline-rows", type=int, default=10_000)
    args = parser.parse_args()

    from custdata.io import write_synthetic

    baseline = _faker_per_row(args.baseline_rows)
    baseline_total = baseline * args.rows / args.baseline_rows
    with tempfile.TemporaryDirectory() as directory:
        cpu_start = _cpu_seconds()
        start = time.perf_counter()
        manifest = write_synthetic(directory, args.rows, seed=1, workers=args.workers)
        elapsed = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu_start
        size = sum(entry.stat().st_size for entry in os.scandir(directory))
    rows = sum(manifest.counts.values())
    print(f"custdata.io.write_synthetic, {args.rows:,} contacts, CSV, {args.workers} workers")
    for name, count in manifest.counts.items():
        print(f"  {name:15} {count:>12,}")
    print(f"  files           {size / 2**20:>10,.0f} MiB")
    print(f"elapsed:          {elapsed:8.1f} s (goal < 120 s)")
    print(f"CPU time:         {cpu:8.1f} s, all processes (wall time on idle cores ~ CPU / cores)")
    print(f"contacts/s:       {args.rows / elapsed:10,.0f}")
    print(f"rows/s (all):     {rows / elapsed:10,.0f}")
    print(
        f"baseline, Faker per field per row, contacts only: {baseline:.2f} s"
        f" for {args.baseline_rows:,} -> {baseline_total:.0f} s for {args.rows:,} (extrapolated)"
    )
    print(f"ratio (baseline contacts only / custdata everything): {baseline_total / elapsed:.1f}x")
    print(f"ratio per CPU second: {baseline_total / cpu:.1f}x")


if __name__ == "__main__":
    main()
