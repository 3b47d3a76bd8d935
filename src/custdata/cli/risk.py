"""
Measure how identifiable a file's records are, given the quasi-identifiers an attacker could know.

Records equal on every quasi-identifier form an equivalence class. The report
gives k (the smallest class), the class sizes, the share of unique records,
prosecutor and marketer re-identification risk, journalist risk and k-map when
a population file is given, and l-diversity and t-closeness of the sensitive
attributes (see docs/anonymity.md). It holds counts and class sizes, never a
record's values. Columns are read as they are (a birth_date column holding
"30-39" is a band) and need no record type; empty cells are one missing value.

The exit code is 5 when --min-k or --max-risk is not met, so that a pipeline
can refuse a risky export; the report is printed either way.

example:
  custdata risk partner.csv --quasi birth_date,address.postal_code,gender --min-k 5
  custdata risk partner.parquet --quasi birth_date,gender --sensitive income_band --json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from custdata.cli._common import (
    EXIT_OK,
    UsageError,
    add_input_arguments,
    open_input,
    positive_int,
    reader_batches,
    reads_parquet_directly,
)
from custdata.cli._tables import (
    arrow_array,
    check_columns,
    chunked_column,
    comma_columns,
    pyarrow,
    quasi_and_sensitive,
    read_parquet_columns,
    share,
)

if TYPE_CHECKING:
    from custdata.anonymity import RiskReport

HELP = "measure re-identification risk (k, uniques, l, t) against quasi-identifiers"

_DEFAULT_THRESHOLD: Final = 0.2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata risk``.

    Args:
        parser: The sub-command's parser.
    """
    add_input_arguments(parser, record_type=False)
    group = parser.add_argument_group("measure")
    group.add_argument(
        "--quasi",
        type=comma_columns,
        required=True,
        metavar="COLUMNS",
        help="the quasi-identifiers, comma-separated dotted columns, such as "
        "birth_date,address.postal_code,gender",
    )
    group.add_argument(
        "--sensitive",
        type=comma_columns,
        metavar="COLUMNS",
        help="sensitive attributes for l-diversity and t-closeness, comma-separated "
        "(default: none)",
    )
    group.add_argument(
        "--population",
        type=Path,
        metavar="FILE",
        help="a CSV, JSONL or Parquet file of the quasi-identifier columns and a count "
        "column (people in the population with each combination): gives journalist risk "
        "and k-map",
    )
    group.add_argument(
        "--json", action="store_true", help="print the report as JSON (default: text)"
    )
    gates = parser.add_argument_group("gates (exit code 5 when one is not met)")
    gates.add_argument(
        "--min-k",
        type=positive_int,
        metavar="K",
        help="the smallest equivalence class must hold at least K records",
    )
    gates.add_argument(
        "--max-risk",
        type=share,
        metavar="P",
        help="the highest re-identification risk (journalist with --population, "
        "prosecutor otherwise) must be at most P; also the threshold of the records "
        f"counted above it (default threshold: {_DEFAULT_THRESHOLD})",
    )


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata risk``.

    Args:
        args: The parsed arguments.

    Returns:
        0 when the gates are met.

    Raises:
        UsageError: For a column the file does not have, or a bad population.
        PrivacyRequirementError: When ``--min-k`` or ``--max-risk`` is not met (exit 5).
    """
    from custdata.anonymity import assess
    from custdata.errors import PrivacyRequirementError

    quasi, sensitive = quasi_and_sensitive(args)
    table = _read(args, args.input, (*quasi, *sensitive), "INPUT")
    population = None
    if args.population is not None:
        population = _read(args, args.population, (*quasi, "count"), "--population")
        population = _counts(population)
    threshold = _DEFAULT_THRESHOLD if args.max_risk is None else args.max_risk
    try:
        report = assess(
            table, quasi, sensitive=sensitive, population=population, risk_threshold=threshold
        )
    except ValueError as exception:
        raise UsageError(str(exception)) from None
    sys.stdout.write(report.to_json() + "\n" if args.json else report.to_text())
    sys.stdout.flush()
    failures = _failures(report, args.min_k, args.max_risk)
    if failures:
        raise PrivacyRequirementError("; ".join(failures))
    return EXIT_OK


def _failures(report: RiskReport, min_k: int | None, max_risk: float | None) -> list[str]:
    failures = []
    if min_k is not None and report.k < min_k:
        failures.append(f"k = {report.k} is below --min-k {min_k}")
    if max_risk is not None and report.highest_risk > max_risk:
        failures.append(
            f"the highest risk {report.highest_risk:.4g} is above --max-risk {max_risk}"
        )
    return failures


def _read(args: argparse.Namespace, path: Path, columns: Sequence[str], what: str) -> Any:
    """Read the named columns of a file into a pyarrow table, a batch at a time."""
    pa = pyarrow()
    reading = argparse.Namespace(**vars(args))
    reading.input = path
    if what != "INPUT":  # the population's own format and delimiter
        reading.format = None
        reading.delimiter = None
        reading.map = []
    if reads_parquet_directly(reading):
        return read_parquet_columns(reading, columns, what, desc="risk")
    chunks: list[list[Any]] = [[] for _ in columns]
    found = [False] * len(columns)
    with open_input(reading, None) as reader:
        if reader.columns is not None:
            check_columns(columns, reader.columns, what)
        text = reader.format == "csv"
        for batch in reader_batches(reader, "risk"):
            for index, name in enumerate(columns):
                values = []
                for row in batch:
                    value = row.values.get(name)
                    if name in row.values:
                        found[index] = True
                    values.append(None if text and value == "" else value)
                chunks[index].append(arrow_array(pa, values))
    if any(len(part) for part in chunks[0]):  # JSONL: no header to check first
        check_columns(
            columns, [name for name, seen in zip(columns, found, strict=True) if seen], what
        )
    return pa.table(
        {name: chunked_column(pa, parts) for name, parts in zip(columns, chunks, strict=True)}
    )


def _counts(population: Any) -> Any:
    """The population with its count column as whole numbers (CSV cells are text)."""
    pa = pyarrow()
    counts = population.column("count")
    try:
        whole = counts.cast(pa.int64())
    except (pa.ArrowException, TypeError, ValueError):
        msg = "--population: the count column must hold whole numbers"
        raise UsageError(msg) from None
    if whole.null_count:
        msg = "--population: the count column must hold whole numbers"
        raise UsageError(msg)
    return population.set_column(population.schema.get_field_index("count"), "count", whole)
