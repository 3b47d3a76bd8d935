"""
Columns of a file as a pyarrow table, for the commands that work on whole tables (risk, anonymise).

Cells are read as they are: no record type, so that a birth_date column holding
"30-39" stays a band. An empty CSV cell is a missing value. A Parquet file named
on the command line is read as Arrow reads it, without building rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence
from typing import Any, Final

from custdata.cli._common import UsageError, number_type, parquet_batches

__all__ = [
    "arrow_array",
    "check_columns",
    "chunked_column",
    "comma_columns",
    "pyarrow",
    "quasi_and_sensitive",
    "read_parquet_columns",
    "share",
]

share: Final = number_type(float, low=0.0, high=1.0, expected="expected a number from 0 to 1")
"""The type of ``--max-risk``, ``--t`` and ``--max-suppression``: a share from 0 to 1."""


def comma_columns(text: str) -> tuple[str, ...]:
    """
    Read comma-separated column names: the type of ``--quasi`` and ``--sensitive``.

    Args:
        text: The option's value.

    Returns:
        The names, stripped.

    Raises:
        argparse.ArgumentTypeError: If a name is empty.
    """
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        msg = "expected column names separated by commas"
        raise argparse.ArgumentTypeError(msg)
    return names


def quasi_and_sensitive(args: argparse.Namespace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """
    Return the columns of ``--quasi`` and ``--sensitive`` (none without it).

    Args:
        args: The parsed arguments.

    Returns:
        The quasi-identifiers and the sensitive attributes.

    Raises:
        UsageError: If a column is in both.
    """
    quasi: tuple[str, ...] = args.quasi
    sensitive: tuple[str, ...] = args.sensitive or ()
    if set(quasi) & set(sensitive):
        msg = "--sensitive: a column is also in --quasi"
        raise UsageError(msg)
    return quasi, sensitive


def pyarrow() -> Any:
    """
    Return pyarrow, or raise `MissingDependencyError` naming the ``arrow`` extra.

    Returns:
        The pyarrow module.
    """
    from custdata.anonymity._encode import pyarrow as load

    return load()


def check_columns(needed: Sequence[str], present: Collection[str], what: str) -> None:
    """
    Refuse a file without one of the columns a command needs.

    Args:
        needed: The columns needed.
        present: The file's columns.
        what: The file, as the error names it (``INPUT``, ``--population``).

    Raises:
        UsageError: Naming every missing column (exit code 2).
    """
    missing = [name for name in needed if name not in present]
    if missing:
        raise UsageError(f"{what}: no column {', '.join(map(repr, missing))}")


def arrow_array(pa: Any, values: list[object]) -> Any:
    """
    Return one batch of a column as an Arrow array; mixed cells as text.

    Args:
        pa: The pyarrow module.
        values: The cells.

    Returns:
        The array.
    """
    try:
        return pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def chunked_column(pa: Any, parts: list[Any]) -> Any:
    """
    Return one column from its batches; batches of different types are compared as text.

    Args:
        pa: The pyarrow module.
        parts: The column's arrays, one a batch.

    Returns:
        A chunked array.
    """
    kinds = {part.type for part in parts if not pa.types.is_null(part.type)}
    if not parts:
        return pa.chunked_array([], pa.string())
    if len(kinds) <= 1:
        kind = kinds.pop() if kinds else pa.null()
        return pa.chunked_array([part.cast(kind) for part in parts], kind)
    return pa.chunked_array([part.cast(pa.string()) for part in parts], pa.string())


def read_parquet_columns(
    args: argparse.Namespace, columns: Sequence[str], what: str, *, desc: str
) -> Any:
    """
    Read only the named columns of a Parquet file, as Arrow reads them (no row is built).

    Args:
        args: The parsed arguments (``input`` and ``batch_size``).
        columns: The columns read, in the table's order.
        what: The file, as errors name it.
        desc: The progress bar's label: the command's name.

    Returns:
        A pyarrow table.

    Raises:
        UsageError: If the file lacks a column.
    """
    from custdata.io._parquet import open_parquet

    pa = pyarrow()
    parquet = open_parquet(args.input)
    check_columns(columns, parquet.schema_arrow.names, what)
    batches = parquet_batches(parquet, args.batch_size, desc)
    selected = [batch.select(list(columns)) for batch in batches]
    if not selected:
        schema = pa.schema([parquet.schema_arrow.field(name) for name in columns])
        return schema.empty_table()
    return pa.Table.from_batches(selected)
