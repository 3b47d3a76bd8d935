"""
The table of file formats, and opening a reader or a writer by path and format.

A new format is a module that defines a `custdata.io._base.FileFormat`, plus
its suffixes in `_BY_SUFFIX`. The format modules import only
``custdata.io._base`` and the text helpers; this module imports them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Final

from custdata.errors import UsageError
from custdata.io._base import (
    DEFAULT_BATCH_SIZE,
    FileFormat,
    Reader,
    ReadOptions,
    Shaper,
    WriteOptions,
    Writer,
    is_stdio,
)
from custdata.io._csv import CSV, check_delimiter
from custdata.io._jsonl import JSONL
from custdata.io._parquet import PARQUET
from custdata.io._text import normalise_encoding
from custdata.model import flat_columns

__all__ = ["FORMATS", "file_format", "infer_format", "open_reader", "open_writer"]

_BY_SUFFIX: Final[Mapping[str, FileFormat]] = MappingProxyType(
    {
        ".csv": CSV,
        ".tsv": CSV,
        ".txt": CSV,
        ".jsonl": JSONL,
        ".ndjson": JSONL,
        ".parquet": PARQUET,
        ".pq": PARQUET,
    }
)
"""The one table of formats: file suffix -> format (its reader and its writer)."""

_BY_NAME: Final[Mapping[str, FileFormat]] = MappingProxyType(
    {kind.name: kind for kind in _BY_SUFFIX.values()}
)

FORMATS: Final[Mapping[str, str]] = MappingProxyType(
    {suffix: kind.name for suffix, kind in _BY_SUFFIX.items()}
)
"""File suffixes and the format each implies."""


def _choices(values: Sequence[str]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


def file_format(path: str | os.PathLike[str], format: str | None = None) -> FileFormat:
    """
    Return the format of a file, from its name or the one given.

    Args:
        path: The file's path, or ``-`` for standard input or output.
        format: A format's name to override the suffix; required for ``-``.

    Returns:
        The format, with its reader and writer.

    Raises:
        UsageError: If the format is unknown or cannot be inferred.
    """
    if format is not None:
        found = _BY_NAME.get(format)
        if found is None:
            raise UsageError(f"unknown format {format[:20]!r}: use {_choices(list(_BY_NAME))}")
        return found
    if is_stdio(os.fspath(path)):
        msg = (
            "standard input and output have no suffix to tell the format by: give it "
            "(--format for an input, --output-format for an output)"
        )
        raise UsageError(msg)
    suffix = Path(path).suffix.lower()
    inferred = _BY_SUFFIX.get(suffix)
    if inferred is None:
        raise UsageError(
            f"cannot tell the format of {Path(path).name!r} from its suffix: "
            f"use {_choices(list(_BY_SUFFIX))} (an input file may also take --format)"
        )
    return inferred


def infer_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """
    Return the format of a file: the one given, or the one its suffix implies.

    Args:
        path: The file's path, or ``-`` for standard input or output.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"`` to override the suffix;
            required for ``-``.

    Returns:
        ``"csv"``, ``"jsonl"`` or ``"parquet"``.

    Raises:
        UsageError: If the format is unknown or cannot be inferred.
    """
    return file_format(path, format).name


def open_reader(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    record_type: type | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    unescape_formulas: bool = True,
    keep_extra: bool = False,
) -> Reader:
    """
    Open a CSV, JSONL or Parquet input for reading in batches.

    With a ``record_type``, the header is checked at once: missing required
    columns and repeated columns raise `custdata.InputError`, and columns that
    are not fields of the type are dropped (see `Reader.ignored_columns`), or
    with ``keep_extra`` kept apart on each row (`Row.extra`, never among the
    values a record is built from; see `Reader.extra_columns`).

    The input may be a file, a named pipe (FIFO), ``/dev/stdin`` or ``-`` for
    standard input: nothing seeks. Parquet from a pipe is first copied to a
    private temporary file, removed when the reader closes.

    Args:
        path: The file, or ``-`` for standard input.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``; by default inferred
            from the suffix (``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``,
            ``.parquet``); required for ``-``.
        delimiter: The CSV delimiter; by default tab for ``.tsv``, otherwise
            sniffed among ``,`` ``;`` tab and ``|`` from the first 64 KiB.
        encoding: ``utf-8`` (the default), ``utf-8-sig`` or ``cp1252``, for
            CSV and JSONL. A UTF-8 byte order mark is always skipped.
        mapping: Foreign column name -> dotted field name (``{"Nom": "family_name"}``).
        record_type: The record class rows are meant for, such as `custdata.Contact`.
        batch_size: Rows per batch.
        unescape_formulas: Undo the formula escaping of `custdata.io.escape_formula`
            in CSV cells (the default, so that round trips are exact).
        keep_extra: Keep the columns that are not fields of ``record_type``
            as each row's `Row.extra`, cells as read (default: dropped).

    Returns:
        An open `Reader`.

    Raises:
        UsageError: For an unknown format or encoding, a bad delimiter or batch
            size, or a mapping onto an unknown field.
        InputError: If the file cannot be opened, is empty, or its header does not fit.
        MissingDependencyError: For Parquet without pyarrow (extra ``arrow``).
    """
    kind = file_format(path, format)
    encoding = normalise_encoding(encoding)
    if batch_size < 1:
        msg = "the batch size must be at least 1"
        raise UsageError(msg)
    if delimiter is not None:
        check_delimiter(delimiter)
    shaper = Shaper(record_type, mapping, keep_extra=keep_extra)
    options = ReadOptions(
        path=Path(path),
        delimiter=delimiter,
        encoding=encoding,
        batch_size=batch_size,
        unescape_formulas=unescape_formulas,
    )
    return kind.read(options, shaper)


def open_writer(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    record_type: type | None = None,
    columns: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    escape_formulas: bool = True,
    row_group_size: int = 10_000,
    column_types: Mapping[str, str] | None = None,
) -> Writer:
    """
    Open an output file, written atomically (temporary name, renamed on success).

    ``-`` is standard output: it is written as it goes, without the atomic
    rename (a failed run may leave part of the output in the pipe; the exit
    code says so), and needs the ``format``.

    Args:
        path: The final path, or ``-``; its directory must exist.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``; by default from the
            suffix; required for ``-``.
        record_type: The record class written; gives the columns and the
            Parquet column types.
        columns: The dotted columns, when writing dicts without a record type
            (required then for CSV and Parquet).
        delimiter: The CSV delimiter; by default tab for ``.tsv``, otherwise ``,``.
        encoding: ``utf-8`` or ``utf-8-sig`` (a byte order mark, for spreadsheets).
        escape_formulas: Escape the CSV cells a spreadsheet would run as
            formulas (`custdata.io.escape_formula`); on by default.
        row_group_size: Rows per Parquet row group.
        column_types: Parquet type per column, one of
            `custdata.io.PARQUET_TYPES` (``"string"``, ``"int64"``,
            ``"bool"``, ``"decimal128(18, 4)"``, ``"date32"``,
            ``"timestamp[us, UTC]"``...); by default from the record type (the
            typed schema of `custdata.frames.arrow_schema`), else ``"string"``.

    Returns:
        An open `Writer`; use it as a context manager.

    Raises:
        UsageError: For an unknown format or encoding, a bad delimiter, missing
            columns or an output directory that does not exist.
        MissingDependencyError: For Parquet without pyarrow (extra ``arrow``).
    """
    kind = file_format(path, format)
    if columns is None:
        if record_type is None and kind.needs_columns:
            msg = f"writing {kind.name} needs a record type or the columns"
            raise UsageError(msg)
        columns = flat_columns(record_type) if record_type is not None else ()
    options = WriteOptions(
        path=Path(path),
        columns=tuple(columns),
        record_type=record_type,
        delimiter=delimiter,
        encoding=encoding,
        escape_formulas=escape_formulas,
        row_group_size=row_group_size,
        column_types=column_types,
    )
    return kind.write(options)
