"""
Find the least lossy release of a file that meets k (and l, t), and write it with its risk report.

Global recoding (--method global, the default) gives each quasi-identifier
one generalisation level for every record, suppressing at most
--max-suppression of the records; Mondrian (--method mondrian) partitions the
records and gives each part its own ranges. Suppressed records keep their row
with '*' in every quasi-identifier. The release is written to OUTPUT and its
risk report, as measured on it, to OUTPUT.risk.json (see docs/anonymity.md).

Every quasi-identifier needs a hierarchy: a CSV file in the ARX layout
(value;level1;...;*) with --hierarchy column=path.csv, or a built-in one named
with --kind column=age|number|date|postcode. A kind is never guessed from the
cells: 75011 looks like a number and is a postal code.

The exit code is 5, and nothing is written, when no release meets the request.

example:
  custdata anonymise partner.csv --quasi age,zip,sex --k 5 --kind age=age --kind zip=postcode \\
      --hierarchy sex=sex.csv -o release.csv
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from custdata.cli._common import (
    EXIT_OK,
    UsageError,
    add_input_arguments,
    add_output_arguments,
    number_type,
    open_input,
    open_output,
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
    from custdata.anonymity import Hierarchy

HELP = "release a file generalised to meet k (and l, t), with the least information lost"

KINDS: Final = ("age", "number", "date", "postcode")
REPORT_SUFFIX: Final = ".risk.json"
_NUMBERS: Final = ("age", "number")


def _pair(text: str) -> tuple[str, str]:
    column, equals, value = text.partition("=")
    if not equals or not column.strip() or not value.strip():
        msg = "expected COLUMN=VALUE"
        raise argparse.ArgumentTypeError(msg)
    return column.strip(), value.strip()


_number: Final = number_type(float, low=1.0, expected="expected a number of at least 1")
"""The type of ``--l``: NaN and numbers below 1 are refused."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata anonymise``.

    Args:
        parser: The sub-command's parser.
    """
    add_input_arguments(parser, record_type=False)
    group = parser.add_argument_group("request")
    group.add_argument(
        "--quasi",
        type=comma_columns,
        required=True,
        metavar="COLUMNS",
        help="the quasi-identifiers, comma-separated",
    )
    group.add_argument("--k", type=positive_int, default=5, help="the smallest class (default: 5)")
    group.add_argument(
        "--sensitive",
        type=comma_columns,
        metavar="COLUMNS",
        help="sensitive attributes for l and t",
    )
    group.add_argument("--l", type=_number, metavar="L", help="l-diversity of each sensitive one")
    group.add_argument(
        "--l-variant",
        choices=("distinct", "entropy"),
        default="distinct",
        help="distinct or entropy l-diversity (default: distinct)",
    )
    group.add_argument("--t", type=share, metavar="T", help="t-closeness of each sensitive one")
    group.add_argument(
        "--max-suppression",
        type=share,
        default=0.02,
        metavar="P",
        help="the largest share of records suppressed (default: 0.02)",
    )
    group.add_argument(
        "--metric",
        choices=("entropy", "precision", "discernibility"),
        default="entropy",
        help="the information loss minimised (default: entropy)",
    )
    group.add_argument(
        "--method",
        choices=("global", "mondrian"),
        default="global",
        help="global recoding (one level per column) or Mondrian (default: global)",
    )
    group.add_argument(
        "--hierarchy",
        type=_pair,
        action="append",
        default=[],
        metavar="COLUMN=FILE",
        help="a hierarchy for a quasi-identifier: a CSV file, value;level1;...;* (repeatable)",
    )
    group.add_argument(
        "--kind",
        type=_pair,
        action="append",
        default=[],
        metavar="COLUMN=KIND",
        help="a built-in hierarchy for a quasi-identifier: age (5, 10, 20 years), number "
        "(10, 100, 1000), date (month, quarter, year) or postcode (4, 3, 2 characters) "
        "(repeatable)",
    )
    add_output_arguments(parser, rejects=False)


def _hierarchies(args: argparse.Namespace, quasi: tuple[str, ...]) -> dict[str, Hierarchy | str]:
    """Each quasi-identifier's hierarchy, or its kind; a usage error for one with neither."""
    from custdata.anonymity import Hierarchy

    found: dict[str, Hierarchy | str] = {}
    for column, path in args.hierarchy:
        if column not in quasi:
            raise UsageError(f"--hierarchy: {column!r} is not in --quasi")
        if column in found:
            raise UsageError(f"--hierarchy: {column!r} is given twice")
        try:
            found[column] = Hierarchy.from_csv(Path(path), name=column)
        except OSError:
            raise UsageError(f"--hierarchy: the file for {column!r} cannot be read") from None
        except ValueError as exception:
            raise UsageError(f"--hierarchy: {exception}") from None
    for column, kind in args.kind:
        if column not in quasi:
            raise UsageError(f"--kind: {column!r} is not in --quasi")
        if column in found:
            raise UsageError(f"--kind: {column!r} already has a hierarchy")
        if kind not in KINDS:
            raise UsageError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
        found[column] = kind
    missing = [column for column in quasi if column not in found]
    if missing:
        names = ", ".join(map(repr, missing))
        raise UsageError(f"--quasi: {names} has no --hierarchy and no --kind (never guessed)")
    return found


def _built_in(kind: str, column: str) -> Hierarchy:
    from custdata.anonymity import Hierarchy

    if kind == "age":
        return Hierarchy.numbers(widths=(5, 10, 20), name=column)
    if kind == "number":
        return Hierarchy.numbers(widths=(10, 100, 1000), name=column)
    if kind == "date":
        return Hierarchy.dates(name=column)
    return Hierarchy.postcodes(name=column)


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata anonymise``.

    Args:
        args: The parsed arguments.

    Returns:
        0 when the release was written.

    Raises:
        UsageError: For a bad argument or a column the file does not have.
        PrivacyRequirementError: When no release meets the request (exit 5).
    """
    from custdata.anonymity import k_anonymise, mondrian

    quasi, sensitive = quasi_and_sensitive(args)
    if (args.l is not None or args.t is not None) and not sensitive:
        msg = "--l and --t need --sensitive"
        raise UsageError(msg)
    if str(args.output) == "-" and args.output_format is None:
        msg = "-o -: give --output-format"
        raise UsageError(msg)
    chosen = _hierarchies(args, quasi)
    table = _read_all(args, (*quasi, *sensitive))
    table = _numbers(table, chosen, args.method)
    hierarchies: dict[str, Hierarchy] = {}
    for column, given in chosen.items():
        if isinstance(given, str):
            if args.method == "mondrian" and given in _NUMBERS:
                continue  # Mondrian's own ranges
            hierarchies[column] = _built_in(given, column)
        else:
            hierarchies[column] = given
    options: dict[str, Any] = {
        "k": args.k,
        "sensitive": sensitive or None,
        "l": args.l,
        "l_variant": args.l_variant,
        "t": args.t,
        "max_suppression": args.max_suppression,
        "metric": args.metric,
    }
    search = k_anonymise if args.method == "global" else mondrian
    try:
        release = search(table, quasi, hierarchies, **options)
    except ValueError as exception:
        raise UsageError(str(exception)) from None
    _write(args, release.data, release.report.to_json())
    summary = (
        f"{release.records} records: {release.released} released, {release.suppressed} "
        f"suppressed; k = {release.report.k}; {release.metric} loss "
        f"{release.information_loss:.6g}"
    )
    if release.levels:
        levels = ", ".join(f"{name}={level}" for name, level in release.levels.items())
        summary += f"; levels {levels}"
    sys.stderr.write(f"custdata anonymise: {summary}\n")
    return EXIT_OK


def _numbers(table: Any, chosen: Mapping[str, object], method: str) -> Any:
    """Number columns read as text (CSV, JSONL) as numbers, for Mondrian's ranges."""
    pa = pyarrow()
    if method != "mondrian":
        return table
    for column, kind in chosen.items():
        if kind not in _NUMBERS:
            continue
        values = table.column(column)
        if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
            continue
        try:
            cast = values.cast(pa.int64())
        except (pa.ArrowException, ValueError, TypeError):
            try:
                cast = values.cast(pa.float64())
            except (pa.ArrowException, ValueError, TypeError):
                raise UsageError(f"--kind: {column!r} holds values that are not numbers") from None
        table = table.set_column(table.schema.get_field_index(column), column, cast)
    return table


def _read_all(args: argparse.Namespace, needed: tuple[str, ...]) -> Any:
    """Every column of the input as a pyarrow table; empty CSV cells are missing."""
    pa = pyarrow()
    if reads_parquet_directly(args):
        from custdata.io._parquet import open_parquet

        names = list(open_parquet(args.input).schema_arrow.names)
        check_columns(needed, names, "INPUT")
        return read_parquet_columns(args, names, "INPUT", desc="anonymise")
    chunks: dict[str, list[Any]] = {}
    rows_read = 0
    with open_input(args, None) as reader:
        if reader.columns is not None:
            check_columns(needed, reader.columns, "INPUT")
            chunks = {name: [] for name in reader.columns}
        text = reader.format == "csv"
        for batch in reader_batches(reader, "anonymise"):
            for row in batch:
                for name in row.values:
                    if name not in chunks:  # JSONL: a column first seen now
                        chunks[name] = [pa.nulls(rows_read)] if rows_read else []
            for name, parts in chunks.items():
                values = [row.values.get(name) for row in batch]
                if text:
                    values = [None if value == "" else value for value in values]
                parts.append(arrow_array(pa, values))
            rows_read += len(batch)
    check_columns(needed, chunks, "INPUT")
    return pa.table({name: chunked_column(pa, parts) for name, parts in chunks.items()})


def _write(args: argparse.Namespace, table: Any, report: str) -> None:
    """Write the release and its report; both or neither (each renamed into place at the end)."""
    from custdata._workers import signals_deferred
    from custdata.cli._common import _committed

    columns = list(table.column_names)
    standard = str(args.output) == "-"
    with contextlib.ExitStack() as stack:
        report_file = None
        with signals_deferred():
            if not standard:
                report_file = stack.enter_context(_committed(Path(f"{args.output}{REPORT_SUFFIX}")))
            writer = stack.enter_context(
                open_output(args, None, columns=columns, column_types=_types(table))
            )
        for batch in table.to_batches(max_chunksize=args.batch_size):
            writer.write_rows(batch.to_pylist())
        if report_file is None:
            sys.stderr.write(report + "\n")
        else:
            report_file.file.write((report + "\n").encode("utf-8"))


def _types(table: Any) -> dict[str, str]:
    """Parquet types of the release's columns: numbers and booleans kept, the rest text."""
    pa = pyarrow()
    types = {}
    for field in table.schema:
        if pa.types.is_integer(field.type):
            types[field.name] = "int64"
        elif pa.types.is_boolean(field.type):
            types[field.name] = "bool"
        else:
            types[field.name] = "string"
    return types
