"""Atomic writers: CSV, JSONL and Parquet outputs, and the rejects file."""

from __future__ import annotations

import abc
import csv
import io
import json
import operator
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from custdata.io._atomic import AtomicFile
from custdata.io._errors import UsageError
from custdata.io._readers import infer_format
from custdata.io._rows import Reject, flatten
from custdata.io._text import (
    ESCAPE_STARTS,
    escape_formula,
    format_cell,
    formula_starts,
    json_default,
    normalise_encoding,
)
from custdata.model import flat_columns, to_dict, to_flat

__all__ = ["REJECT_COLUMNS", "RejectsWriter", "Writer", "open_rejects_writer", "open_writer"]

REJECT_COLUMNS: Final = ("_row", "_issues")
"""The first two columns of a CSV rejects file: the row number and the issues."""

_OUTPUT_ENCODINGS: Final = frozenset({"utf-8", "utf-8-sig"})
_LINE_END: Final = "\r\n"  # the csv module's default line terminator
_PENDING_LINES: Final = 1_000  # lines joined before each write: few calls, bounded memory


class _NotPlainError(Exception):
    """A cell value that the fast path of the CSV writer does not format."""


def _int_text(value: object) -> str:
    if value.__class__ is not int:  # bool, enums and other subclasses format differently
        raise _NotPlainError
    return str(value)


class Writer(abc.ABC):
    """
    An output file being written under a temporary name.

    Use it as a context manager: on a normal exit the file is renamed to its
    final name (`commit`); on an exception it is removed (`abort`), so a failed
    run leaves no file that looks complete.

    Attributes:
        path: The final path.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``.
        columns: The dotted columns written (CSV and Parquet), in order.
        rows_written: Rows written so far.
    """

    def __init__(self, path: Path, format: str, columns: Sequence[str]) -> None:
        self.path = path
        self.format = format
        self.columns = tuple(columns)
        self.rows_written = 0
        self._column_set = frozenset(self.columns)

    @abc.abstractmethod
    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:
        """
        Write rows given as dicts.

        CSV and Parquet flatten nested dicts to dotted names and take the values
        of `columns` (missing ones are empty); JSONL writes each dict as it is.

        Args:
            rows: The rows.

        Raises:
            ValueError: If a row has a column that is not in `columns` (CSV, Parquet).
        """

    def write_records(self, records: Iterable[object]) -> None:
        """
        Write records: their flat form (`custdata.model.to_flat`) to CSV and Parquet.

        Args:
            records: custdata records of the type the writer was opened for.
        """
        self.write_rows(to_flat(record) for record in records)

    @abc.abstractmethod
    def commit(self) -> None:
        """
        Finish the file and give it its final name.

        Raises:
            OSError: If the file cannot be written; nothing is left behind.
        """

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop the file: the final path is left as it was."""

    def _flat(self, row: Mapping[str, object]) -> Mapping[str, object]:
        if any(isinstance(value, Mapping) for value in row.values()):
            row = flatten(row)
        if not self._column_set.issuperset(row):
            extra = sorted(set(row) - self._column_set)[:5]
            msg = f"row has columns that are not in the output's columns: {extra}"
            raise ValueError(msg)
        return row

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class _TextWriter(Writer):
    """A writer of text (CSV, JSONL) over an `AtomicFile`."""

    def __init__(
        self,
        path: Path,
        format: str,
        columns: Sequence[str],
        encoding: str,
    ) -> None:
        super().__init__(path, format, columns)
        self._atomic = AtomicFile(path)
        newline = "" if format == "csv" else "\n"
        self._text = io.TextIOWrapper(self._atomic.file, encoding=encoding, newline=newline)

    def commit(self) -> None:  # documented on Writer
        try:
            self._text.detach()  # flushes; the atomic file closes the bytes
        except BaseException:
            self._atomic.abort()
            raise
        self._atomic.commit()

    def abort(self) -> None:  # documented on Writer
        self._atomic.abort()


class _CsvWriter(_TextWriter):
    """
    CSV through the csv module, with a fast path for rows that are already plain.

    A plain row is a `dict` with exactly the writer's columns whose values are
    `str`, `int` or ``None``, as `custdata.synthetic` and most hosts produce
    them. Its cells are joined with the delimiter directly when the line needs
    no quoting, and only the cells a formula pattern points at go through
    `escape_formula`; any other row, or a line that needs quotes, goes through
    the csv module. Both give the same bytes (a test compares them).
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        delimiter: str,
        encoding: str,
        escape: bool,
    ) -> None:
        super().__init__(path, "csv", columns, encoding)
        self._escape = escape
        self._delimiter = delimiter
        self._csv = csv.writer(self._text, delimiter=delimiter)
        self._csv.writerow([self._cell(column) for column in self.columns])
        # itemgetter of one column returns the value, not a 1-tuple; and the csv
        # module quotes a line made of one empty cell: such files take the csv path.
        self._fast = len(self.columns) > 1
        self._values = operator.itemgetter(*self.columns)
        self._formulas = formula_starts(delimiter)

    def _cell(self, value: object) -> str:
        text = format_cell(value)
        return escape_formula(text) if self._escape else text

    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:
        if not self._fast:
            for row in rows:
                self._write_general(row)
            return
        # One loop with local names: this runs once per row of million-row files.
        values_of = self._values
        keys = len(self._column_set)
        delimiter = self._delimiter
        separators = len(self.columns) - 1
        formula = self._formulas.search if self._escape else None
        lines: list[str] = []
        try:
            for row in rows:
                cells = None
                if row.__class__ is dict and len(row) == keys:
                    try:
                        cells = [
                            value
                            if value.__class__ is str
                            else ""
                            if value is None
                            else _int_text(value)
                            for value in values_of(row)
                        ]
                    except (KeyError, _NotPlainError):
                        cells = None
                if cells is not None:
                    line = delimiter.join(cells)
                    # Without a delimiter, quote or line break in a cell, no quotes are needed.
                    if (
                        line.count(delimiter) == separators
                        and '"' not in line
                        and "\n" not in line
                        and "\r" not in line
                    ):
                        if formula is not None and (cells[0][:1] in ESCAPE_STARTS or formula(line)):
                            line = self._escaped_line(line, cells)
                        lines.append(line)
                        if len(lines) >= _PENDING_LINES:
                            self._write_lines(lines)
                        self.rows_written += 1
                        continue
                self._write_lines(lines)  # keep the rows in order
                self._write_general(row, cells)
        finally:
            self._write_lines(lines)

    def _write_general(self, row: Mapping[str, object], cells: list[str] | None = None) -> None:
        """Write one row through the csv module (``cells``: its unescaped cells, if known)."""
        if cells is None:
            flat = self._flat(row)
            cells = [format_cell(flat.get(column)) for column in self.columns]
        if self._escape:
            cells = [escape_formula(text) for text in cells]
        self._csv.writerow(cells)
        self.rows_written += 1

    def _escaped_line(self, line: str, cells: list[str]) -> str:
        """Return the line with the cells `escape_formula` changes escaped."""
        delimiter = self._delimiter
        indexes = [0]
        indexes.extend(
            line.count(delimiter, 0, match.start()) + 1 for match in self._formulas.finditer(line)
        )
        changed = False
        for index in indexes:
            escaped = escape_formula(cells[index])
            if escaped != cells[index]:
                cells[index] = escaped
                changed = True
        return delimiter.join(cells) if changed else line

    def _write_lines(self, lines: list[str]) -> None:
        if lines:
            lines.append("")  # the last line's terminator
            self._text.write(_LINE_END.join(lines))
            lines.clear()


class _JsonlWriter(_TextWriter):
    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        super().__init__(path, "jsonl", columns, "utf-8")

    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:
        for row in rows:
            self._text.write(json.dumps(row, ensure_ascii=False, default=json_default))
            self._text.write("\n")
            self.rows_written += 1

    def write_records(self, records: Iterable[object]) -> None:
        """
        Write records in their JSON form (`custdata.model.to_dict`), one per line.

        Args:
            records: custdata records.
        """
        self.write_rows(to_dict(record) for record in records)


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

    Args:
        path: The final path; its directory must exist.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``; by default from the suffix.
        record_type: The record class written; gives the columns and the
            Parquet column types.
        columns: The dotted columns, when writing dicts without a record type
            (required then for CSV and Parquet).
        delimiter: The CSV delimiter; by default tab for ``.tsv``, otherwise ``,``.
        encoding: ``utf-8`` or ``utf-8-sig`` (a byte order mark, for spreadsheets).
        escape_formulas: Escape the CSV cells a spreadsheet would run as
            formulas (`custdata.io.escape_formula`); on by default.
        row_group_size: Rows per Parquet row group.
        column_types: Parquet type per column, ``"string"``, ``"int64"`` or
            ``"bool"``; by default from the record type, else ``"string"``.

    Returns:
        An open `Writer`; use it as a context manager.

    Raises:
        UsageError: For an unknown format or encoding, a bad delimiter, missing
            columns or an output directory that does not exist.
        MissingDependencyError: For Parquet without pyarrow (extra ``arrow``).
    """
    kind = infer_format(path, format)
    target = Path(path)
    if columns is None:
        if record_type is None and kind != "jsonl":
            msg = "writing CSV or Parquet needs a record type or the columns"
            raise UsageError(msg)
        columns = flat_columns(record_type) if record_type is not None else ()
    if kind == "parquet":
        from custdata.io._parquet import ParquetWriter

        return ParquetWriter(
            target,
            columns,
            record_type=record_type,
            row_group_size=row_group_size,
            column_types=column_types,
        )
    if kind == "jsonl":
        return _JsonlWriter(target, columns)
    encoding = normalise_encoding(encoding)
    if encoding not in _OUTPUT_ENCODINGS:
        msg = "outputs are written in utf-8 or utf-8-sig"
        raise UsageError(msg)
    if delimiter is None:
        delimiter = "\t" if target.suffix.lower() == ".tsv" else ","
    if len(delimiter) != 1 or delimiter in '"\r\n':
        msg = "the delimiter must be one character, not a quote or a line break"
        raise UsageError(msg)
    return _CsvWriter(
        target, columns, delimiter=delimiter, encoding=encoding, escape=escape_formulas
    )


class RejectsWriter:
    """
    The rejects file: each rejected row with its number, its issues and its values.

    CSV rejects have the columns ``_row``, ``_issues`` (``path: message [code]``
    joined by ``"; "``), then the row's columns; JSONL rejects are objects
    ``{"row": 12, "issues": [...], "values": {...}}``. Values are customer
    data: a rejects file is for internal use, to fix and reload the rows.
    Written atomically like every output.

    Attributes:
        path: The final path.
        count: Rejects written so far.
    """

    def __init__(self, path: Path, columns: Sequence[str], *, format: str) -> None:
        self.path = path
        self.count = 0
        self._columns = tuple(columns)
        self._format = format
        self._atomic = AtomicFile(path)
        self._text = io.TextIOWrapper(
            self._atomic.file, encoding="utf-8", newline="" if format == "csv" else "\n"
        )
        self._csv = csv.writer(self._text)
        if format == "csv":
            self._csv.writerow([*REJECT_COLUMNS, *(escape_formula(c) for c in self._columns)])

    def write(self, rejects: Iterable[Reject]) -> None:
        """
        Write rejects.

        Args:
            rejects: From `custdata.io.parse_batch` or a later step.
        """
        for reject in rejects:
            if self._format == "csv":
                cells = [format_cell(reject.values.get(column)) for column in self._columns]
                self._csv.writerow(
                    [
                        str(reject.row),
                        escape_formula(reject.issues_text),
                        *(escape_formula(cell) for cell in cells),
                    ]
                )
            else:
                line = {
                    "row": reject.row,
                    "issues": [str(issue) for issue in reject.issues],
                    "values": dict(reject.values),
                }
                self._text.write(json.dumps(line, ensure_ascii=False, default=json_default))
                self._text.write("\n")
            self.count += 1

    def commit(self) -> None:
        """
        Finish the file and give it its final name.

        Raises:
            OSError: If the file cannot be written; nothing is left behind.
        """
        try:
            self._text.detach()
        except BaseException:
            self._atomic.abort()
            raise
        self._atomic.commit()

    def abort(self) -> None:
        """Drop the file."""
        self._atomic.abort()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def open_rejects_writer(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str],
    format: str | None = None,
) -> RejectsWriter:
    """
    Open a rejects file, CSV or JSONL by its suffix.

    Args:
        path: The final path.
        columns: The value columns of the CSV form, usually `Reader.columns`
            or the record type's flat columns.
        format: ``"csv"`` or ``"jsonl"``; by default from the suffix.

    Returns:
        An open `RejectsWriter`; use it as a context manager.

    Raises:
        UsageError: For another format or a directory that does not exist.
    """
    kind = infer_format(path, format)
    if kind not in {"csv", "jsonl"}:
        msg = "rejects are written as CSV or JSONL (.csv, .jsonl)"
        raise UsageError(msg)
    return RejectsWriter(Path(path), columns, format=kind)
