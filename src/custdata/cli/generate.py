"""
Write a fake customer dataset with its ground truth.

It writes contacts, purchases, purchase lines, consents and feedback (CSV, Parquet or
both), the ground truth (near-duplicates, dirty values, emails and phones in
comments) and ``manifest.json``. Every value is fake: emails on reserved
example domains, phone numbers from ranges reserved for fiction.

example:
  custdata generate --rows 100000 --locale fr_FR --seed 7 -o data/
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Final

from custdata._workers import MAX_WORKERS
from custdata.cli._common import EXIT_OK, UsageError, number_type

__all__ = ["HELP", "add_arguments", "run"]

HELP = "write a fake customer dataset (contacts, purchases, consents...) with its ground truth"

_LOCALES = ("de_DE", "en_GB", "en_US", "fr_BE", "fr_FR")


def _whole(text: str) -> int:
    return int(text.replace("_", ""))  # 100_000 as well as 100000


_rows: Final = number_type(_whole, low=0, expected="expected a non-negative integer")
_share: Final = number_type(
    float, low=0.0, high=1.0, expected="expected a share between 0 and 1, such as 0.05"
)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = "expected a date as YYYY-MM-DD"
        raise argparse.ArgumentTypeError(msg) from None


_workers: Final = number_type(
    int, low=1, high=MAX_WORKERS, expected=f"expected a whole number from 1 to {MAX_WORKERS}"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the options of ``custdata generate``.

    Args:
        parser: The ``custdata generate`` parser.
    """
    parser.add_argument(
        "--rows", type=_rows, required=True, help="how many contacts (near-duplicates included)"
    )
    parser.add_argument(
        "--locale",
        choices=_LOCALES,
        default="fr_FR",
        help="names, addresses, phones, currency (default: fr_FR)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="the seed: the same seed gives the same dataset (default: 2024)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="the directory to write (created)"
    )
    parser.add_argument(
        "--format",
        choices=("csv", "parquet", "both"),
        default="csv",
        help="file format; Parquet needs pyarrow (default: csv)",
    )
    parser.add_argument(
        "--today",
        type=_day,
        default=None,
        help="the day the data is 'as of', YYYY-MM-DD (default: 2025-01-01, for reproducibility)",
    )
    parser.add_argument(
        "--dirty",
        type=_share,
        default=0.05,
        help="share of contacts with a spoiled value (default: 0.05)",
    )
    parser.add_argument(
        "--duplicates",
        type=_share,
        default=0.03,
        help="share of contacts that are near-duplicates of another, at most 0.5 (default: 0.03)",
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=min(2, os.cpu_count() or 1),
        help="processes building batches in parallel; the output does not depend on it "
        "(default: 2, or 1 on a one-core machine)",
    )


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata generate``.

    Args:
        args: The parsed arguments.

    Returns:
        0 once every file is written.

    Raises:
        UsageError: For a share of duplicates above 0.5 or an output that is a file.
        MissingDependencyError: Without Faker (extra ``synthetic``), or pyarrow for Parquet.
    """
    from custdata.io import progress, write_synthetic
    from custdata.synthetic import DEFAULT_SEED, DEFAULT_TODAY

    if args.duplicates > 0.5:  # documented in the help
        msg = "--duplicates must be at most 0.5"
        raise UsageError(msg)
    if args.output.exists() and not args.output.is_dir():
        raise UsageError(f"output is not a directory: {args.output}")
    # The generator pushes batch sizes; the bar pulls them one at a time.
    sizes: collections.deque[int] = collections.deque()
    bar = progress(
        iter(sizes.popleft, -1), total=args.rows, desc="generate", unit="contacts", weight=int
    )

    def advance(size: int) -> None:
        sizes.append(size)
        next(bar)

    try:
        manifest = write_synthetic(
            args.output,
            args.rows,
            locale=args.locale,
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            dirty=args.dirty,
            duplicates=args.duplicates,
            today=DEFAULT_TODAY if args.today is None else args.today,
            format=args.format,
            workers=args.workers,
            on_batch=advance,
        )
    finally:
        bar.close()  # type: ignore[attr-defined]  # progress returns a generator
    counts = ", ".join(
        f"{count} {name.replace('_', ' ')}" for name, count in manifest.counts.items()
    )
    sys.stderr.write(
        f"custdata generate: wrote {args.output}: {counts}"
        f" (seed {manifest.seed}, {manifest.locale}, Faker {manifest.faker_version})\n"
    )
    return EXIT_OK
