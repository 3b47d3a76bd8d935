"""CSV: a streaming reader and an atomic writer (the format's entry is `CSV`)."""

from __future__ import annotations

import csv
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Final

from custdata.errors import InputError, Issue, UsageError
from custdata.io._base import (
    FileFormat,
    Reader,
    ReadOptions,
    Shaper,
    TextWriter,
    WriteOptions,
    open_binary,
    replayable,
    shown_name,
)
from custdata.io._text import (
    CR_ENDINGS,
    ESCAPE_STARTS,
    SNIFF_BYTES,
    LineSource,
    escape_formula,
    format_cell,
    formula_starts,
    normalise_encoding,
    sniff_delimiter,
    unescape_formula,
)
from custdata.model._rows import Row

__all__ = ["CSV"]

_OUTPUT_ENCODINGS: Final = frozenset({"utf-8", "utf-8-sig"})
_LINE_END: Final = "\r\n"  # the csv module's default line terminator
_PENDING_LINES: Final = 1_000  # lines joined before each write: few calls, bounded memory


def check_delimiter(delimiter: str) -> None:
    """
    Refuse a delimiter the csv module cannot use.

    Args:
        delimiter: The delimiter given.

    Raises:
        UsageError: If it is not one character, or is a quote or a line break.
    """
    if len(delimiter) != 1 or delimiter in '"\r\n':
        msg = "the delimiter must be one character, not a quote or a line break"
        raise UsageError(msg)


def _is_blank(sample: bytes) -> bool:
    return not sample.replace(b"\xef\xbb\xbf", b"").strip()


def _read(options: ReadOptions, shaper: Shaper) -> Reader:
    """Open a CSV input (the `FileFormat.read` of `CSV`)."""
    stream, close = open_binary(options.path)
    try:
        return _reader(stream, close, options, shaper)
    except BaseException:
        close()
        raise


def _reader(
    stream: IO[bytes], close: Callable[[], None], options: ReadOptions, shaper: Shaper
) -> Reader:
    path = options.path
    delimiter = options.delimiter
    if delimiter is None and path.suffix.lower() == ".tsv":
        delimiter = "\t"
    sample, binary = replayable(stream, SNIFF_BYTES)
    if _is_blank(sample):
        raise InputError(f"empty file, no header: {shown_name(path)}")
    if delimiter is None:
        decoder = "utf-8" if options.encoding == "utf-8-sig" else options.encoding
        delimiter = sniff_delimiter(sample.decode(decoder, errors="replace"))
    lines = LineSource(binary, options.encoding)
    cells = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    try:
        for first in cells:
            if first:
                header = first
                break
    except csv.Error as error:
        raise InputError(_csv_problem(lines, error)) from None
    if header is None:
        raise InputError(f"empty file, no header: {shown_name(path)}")
    unescape = options.unescape_formulas
    header = [unescape_formula(name.strip()) if unescape else name.strip() for name in header]
    kept = shaper.plan_header(header, delimiter=delimiter)
    return Reader(
        path=path,
        format="csv",
        batches=_csv_batches(
            cells,
            lines=lines,
            kept=kept,
            extra=shaper.extra_plan,
            width=len(header),
            batch_size=options.batch_size,
            unescape=unescape,
        ),
        close=close,
        shaper=shaper,
        columns=tuple(name for _, name in kept),
        delimiter=delimiter,
    )


def _csv_problem(lines: LineSource, error: csv.Error) -> str:
    # csv's messages are fixed texts, but only their kind is used: never echo parser text.
    line = lines.line
    text = str(error)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        return f"line {line}: a cell is longer than the limit of {limit} characters"
    if "new-line character" in text:
        body = lines.text.removesuffix("\n").removesuffix("\r")
        if "\n" not in lines.text and body.count("\r") > 1:
            return f"line {line}: {CR_ENDINGS}"
        return (
            f"line {line}: a cell holds a carriage return (CR) that does not end the line; "
            "quote the cell, or remove the CR"
        )
    return (
        f"line {line}: malformed CSV: a quoted cell never closes or has text after its "
        "closing quote"
    )


def _csv_batches(
    cells: Iterator[list[str]],
    *,
    lines: LineSource,
    kept: list[tuple[int, str]],
    extra: list[tuple[int, str]],
    width: int,
    batch_size: int,
    unescape: bool,
) -> Iterator[list[Row]]:
    number = 0
    batch: list[Row] = []
    clean: Callable[[str], str] = unescape_formula if unescape else str
    while True:
        try:
            row = next(cells, None)
        except csv.Error as error:
            raise InputError(_csv_problem(lines, error)) from None
        if row is None:
            break
        if not row:
            continue  # a blank line
        number += 1
        if len(row) == width:
            values = {name: clean(row[i]) for i, name in kept}
            if extra:
                kept_extra = {name: clean(row[i]) for i, name in extra}
                batch.append(Row(number=number, values=values, extra=kept_extra))
            else:
                batch.append(Row(number=number, values=values))
        else:
            issue = Issue(
                path="",
                code="wrong_column_count",
                message=f"expected {width} cells, found {len(row)} (line {lines.line})",
            )
            values = {name: clean(row[i]) for i, name in kept if i < len(row)}
            kept_extra = {name: clean(row[i]) for i, name in extra if i < len(row)}
            batch.append(Row(number=number, values=values, issues=(issue,), extra=kept_extra))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


class _NotPlainError(Exception):
    """A cell value that the fast path of the CSV writer does not format."""


def _int_text(value: object) -> str:
    if value.__class__ is not int:  # bool, enums and other subclasses format differently
        raise _NotPlainError
    return str(value)


class CsvWriter(TextWriter):
    """
    CSV through the csv module, with a fast path for rows that are already plain.

    A plain row is a `dict` with exactly the writer's columns whose values are
    `str`, `int` or ``None``, as `custdata.synthetic` and most hosts produce
    them. Its cells are joined with the delimiter directly when the line needs
    no quoting, and only the cells a formula pattern points at go through
    `escape_formula`; any other row, or a line that needs quotes, goes through
    the csv module. Both give the same bytes (a test compares them).

    Args:
        path: The final path, or ``-``.
        columns: The dotted columns.
        delimiter: The delimiter.
        encoding: ``utf-8`` or ``utf-8-sig``.
        escape: Escape formulas.
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

    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:  # documented on Writer
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


def _write(options: WriteOptions) -> CsvWriter:
    """Open a CSV output (the `FileFormat.write` of `CSV`)."""
    encoding = normalise_encoding(options.encoding)
    if encoding not in _OUTPUT_ENCODINGS:
        msg = "outputs are written in utf-8 or utf-8-sig"
        raise UsageError(msg)
    delimiter = options.delimiter
    if delimiter is None:
        delimiter = "\t" if options.path.suffix.lower() == ".tsv" else ","
    check_delimiter(delimiter)
    return CsvWriter(
        options.path,
        options.columns,
        delimiter=delimiter,
        encoding=encoding,
        escape=options.escape_formulas,
    )


CSV: Final = FileFormat(name="csv", read=_read, write=_write, rejects=True)
"""Comma-separated values (and tab- or semicolon-separated ones)."""
