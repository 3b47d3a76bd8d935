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

from custdata.cli._common import EXIT_OK, UsageError, add_input_arguments, open_input

if TYPE_CHECKING:
    from custdata.anonymity import RiskReport

HELP = "measure re-identification risk (k, uniques, l, t) against quasi-identifiers"

_DEFAULT_THRESHOLD: Final = 0.2


def _columns(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        msg = "expected column names separated by commas"
        raise argparse.ArgumentTypeError(msg)
    return names


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        msg = "expected a number from 0 to 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = "expected a positive integer"
        raise argparse.ArgumentTypeError(msg)
    return value


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
        type=_columns,
        required=True,
        metavar="COLUMNS",
        help="the quasi-identifiers, comma-separated dotted columns, such as "
        "birth_date,address.postal_code,gender",
    )
    group.add_argument(
        "--sensitive",
        type=_columns,
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
        type=_positive,
        metavar="K",
        help="the smallest equivalence class must hold at least K records",
    )
    gates.add_argument(
        "--max-risk",
        type=_share,
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

    quasi: tuple[str, ...] = args.quasi
    sensitive: tuple[str, ...] = args.sensitive or ()
    if set(quasi) & set(sensitive):
        msg = "--sensitive: a column is also in --quasi"
        raise UsageError(msg)
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
    from custdata.io import progress

    pa = _pyarrow()
    reading = argparse.Namespace(**vars(args))
    reading.input = path
    if what != "INPUT":  # the population's own format and delimiter
        reading.format = None
        reading.delimiter = None
        reading.map = []
    if _parquet_columns(reading):
        return _read_parquet(reading, columns, what)
    chunks: list[list[Any]] = [[] for _ in columns]
    found = [False] * len(columns)
    with open_input(reading, None) as reader:
        if reader.columns is not None:
            missing = [name for name in columns if name not in reader.columns]
            if missing:
                raise UsageError(f"{what}: no column {', '.join(map(repr, missing))}")
        text = reader.format == "csv"
        batches = progress(reader, total=reader.total_rows, desc="risk", weight=len)
        for batch in batches:
            for index, name in enumerate(columns):
                values = []
                for row in batch:
                    value = row.values.get(name)
                    if name in row.values:
                        found[index] = True
                    values.append(None if text and value == "" else value)
                chunks[index].append(_array(pa, values))
    missing = [name for name, seen in zip(columns, found, strict=True) if not seen]
    if missing and any(len(part) for part in chunks[0]):  # JSONL: no header to check first
        raise UsageError(f"{what}: no column {', '.join(map(repr, missing))}")
    return pa.table(
        {name: _chunked(pa, parts) for name, parts in zip(columns, chunks, strict=True)}
    )


def _parquet_columns(args: argparse.Namespace) -> bool:
    """Whether the input is a Parquet file whose columns can be read as they are."""
    from custdata.io import infer_format

    if str(args.input) == "-" or args.map:
        return False  # standard input and --map go through the row reader
    return infer_format(args.input, args.format) == "parquet"


def _read_parquet(args: argparse.Namespace, columns: Sequence[str], what: str) -> Any:
    """Only the named columns of a Parquet file, as Arrow reads them (no row is built)."""
    from custdata.io import progress
    from custdata.io._parquet import open_parquet, record_batches

    pa = _pyarrow()
    parquet = open_parquet(args.input)
    names = parquet.schema_arrow.names
    missing = [name for name in columns if name not in names]
    if missing:
        raise UsageError(f"{what}: no column {', '.join(map(repr, missing))}")
    batches = progress(
        record_batches(parquet, args.batch_size),
        total=parquet.metadata.num_rows,
        desc="risk",
        weight=lambda batch: batch.num_rows,
    )
    selected = [batch.select(list(columns)) for batch in batches]
    if not selected:
        schema = pa.schema([parquet.schema_arrow.field(name) for name in columns])
        return schema.empty_table()
    return pa.Table.from_batches(selected)


def _pyarrow() -> Any:
    """pyarrow, or `MissingDependencyError` naming the ``arrow`` extra."""
    from custdata.anonymity._encode import pyarrow

    return pyarrow()


def _array(pa: Any, values: list[object]) -> Any:
    try:
        return pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _chunked(pa: Any, parts: list[Any]) -> Any:
    """One column from its batches; batches of different types are compared as text."""
    kinds = {part.type for part in parts if not pa.types.is_null(part.type)}
    if not parts:
        return pa.chunked_array([], pa.string())
    if len(kinds) <= 1:
        kind = kinds.pop() if kinds else pa.null()
        return pa.chunked_array([part.cast(kind) for part in parts], kind)
    return pa.chunked_array([part.cast(pa.string()) for part in parts], pa.string())


def _counts(population: Any) -> Any:
    """The population with its count column as whole numbers (CSV cells are text)."""
    pa = _pyarrow()
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
