"""Streaming readers: CSV, JSONL and Parquet files as batches of `Row`."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Final, Self

from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE, has_surrogates, replace_surrogates
from custdata.errors import InputError, Issue
from custdata.io._errors import UsageError
from custdata.io._rows import Row, flatten, record_prefixes, required_columns, sized_row
from custdata.io._text import (
    SNIFF_BYTES,
    LineSource,
    normalise_encoding,
    single_column_hint,
    sniff_delimiter,
    unescape_formula,
)
from custdata.model import flat_columns

__all__ = ["DEFAULT_BATCH_SIZE", "FORMATS", "Reader", "infer_format", "open_reader"]

DEFAULT_BATCH_SIZE: Final = 10_000
"""Rows per batch unless told otherwise: memory stays flat whatever the file size."""

FORMATS: Final[Mapping[str, str]] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""File suffixes and the format each implies."""

_FORMAT_NAMES: Final = frozenset({"csv", "jsonl", "parquet"})
_MAX_NAMES_SHOWN: Final = 10


def infer_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """
    Return the format of a file: the one given, or the one its suffix implies.

    Args:
        path: The file's path.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"`` to override the suffix.

    Returns:
        ``"csv"``, ``"jsonl"`` or ``"parquet"``.

    Raises:
        UsageError: If the format is unknown or cannot be inferred.
    """
    if format is not None:
        if format not in _FORMAT_NAMES:
            raise UsageError(f"unknown format {format[:20]!r}: use csv, jsonl or parquet")
        return format
    suffix = Path(path).suffix.lower()
    inferred = FORMATS.get(suffix)
    if inferred is None:
        raise UsageError(
            f"cannot tell the format of {Path(path).name!r} from its suffix: "
            "use .csv, .tsv, .jsonl, .ndjson or .parquet (an input file may also take --format)"
        )
    return inferred


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(name[:64]) for name in names[:_MAX_NAMES_SHOWN])
    if len(names) > _MAX_NAMES_SHOWN:
        shown += f" and {len(names) - _MAX_NAMES_SHOWN} more"
    return shown


class _Shaper:
    """Applies ``--map``, keeps the columns of the record type and notes the others."""

    def __init__(self, record_type: type | None, mapping: Mapping[str, str] | None) -> None:
        self.record_type = record_type
        self.mapping = dict(mapping or {})
        self.known: frozenset[str] | None = None
        self.prefixes: frozenset[str] = frozenset()
        self.ignored: dict[str, None] = {}  # an ordered set
        targets = list(self.mapping.values())
        doubled = sorted({target for target in targets if targets.count(target) > 1})
        if doubled:
            raise UsageError(f"--map gives several columns the same field: {_names(doubled)}")
        if record_type is not None:
            self.known = frozenset(flat_columns(record_type))
            self.prefixes = record_prefixes(record_type)
            unknown = [target for target in targets if target not in self.known]
            if unknown:
                raise UsageError(
                    f"--map names unknown fields of {record_type.__name__}: {_names(unknown)}"
                )

    def rename(self, name: str) -> str:
        return self.mapping.get(name, name)

    def plan_header(
        self, header: Sequence[str], *, delimiter: str | None = None
    ) -> list[tuple[int, str]]:
        """Check a header and return the (index, dotted name) of the columns kept."""
        names = [self.rename(name) for name in header]
        seen: set[str] = set()
        doubled: list[str] = []
        for name in names:
            if name and name in seen and name not in doubled:
                doubled.append(name)
            seen.add(name)
        if doubled:
            raise InputError(f"the header repeats the columns {_names(doubled)}")
        absent = [source for source in self.mapping if source not in header]
        if absent:
            raise UsageError(f"--map names columns that are not in the header: {_names(absent)}")
        if self.known is None or self.record_type is None:
            return [(index, name) for index, name in enumerate(names) if name]
        kept = [(index, name) for index, name in enumerate(names) if name in self.known]
        hint = single_column_hint(list(header), delimiter) if delimiter is not None else ""
        what = self.record_type.__name__
        missing = [name for name in required_columns(self.record_type) if name not in seen]
        if not kept:
            # Header cells are not listed: without a header row they would be customer values.
            raise InputError(
                f"no column of the header is a field of {what} (missing required columns: "
                f"{_names(missing)}): is the first line a header, and the delimiter right?{hint}"
            )
        if missing:
            raise InputError(f"missing required columns for {what}: {_names(missing)}{hint}")
        for name in names:
            if name and name not in self.known:
                self.ignored[name[:64]] = None
        return kept

    def shape(self, values: Mapping[str, object]) -> dict[str, object]:
        """Rename, and drop the names that are not columns of the record type."""
        flat = flatten(values)
        if self.mapping:
            flat = {self.rename(name): value for name, value in flat.items()}
        if self.known is None:
            return flat
        shaped: dict[str, object] = {}
        for name, value in flat.items():
            if name in self.known:
                shaped[name] = value
            elif not (name in self.prefixes and value in (None, "")):
                self.ignored[name[:64]] = None
        return shaped


class Reader:
    """
    An open input file, read as batches of `Row`.

    Iterate over it once to get the batches (lists of at most ``batch_size``
    rows); use it as a context manager, or call `close`. Problems with the
    whole file raise `custdata.InputError`: at `open_reader` when they are in
    the header, during iteration otherwise (invalid text on line 90 000).

    Attributes:
        path: The file.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``.
        delimiter: The CSV delimiter used (given or sniffed); ``None`` for other formats.
        columns: The dotted columns kept, in file order, after ``--map``;
            ``None`` for JSONL, which has no header.
        total_rows: The number of rows when the format tells it up front (Parquet).
        rows_read: Rows yielded so far.
    """

    def __init__(
        self,
        *,
        path: Path,
        format: str,
        batches: Iterator[list[Row]],
        close: Callable[[], None],
        shaper: _Shaper,
        columns: tuple[str, ...] | None = None,
        delimiter: str | None = None,
        total_rows: int | None = None,
    ) -> None:
        self.path = path
        self.format = format
        self.columns = columns
        self.delimiter = delimiter
        self.total_rows = total_rows
        self.rows_read = 0
        self._batches = batches
        self._close = close
        self._shaper = shaper

    @property
    def ignored_columns(self) -> list[str]:
        """
        Columns (or JSON keys) that are not fields of the record type, seen so far.

        They are ignored. Only names are kept, never values.

        Returns:
            The names, in the order first met.
        """
        return list(self._shaper.ignored)

    def __iter__(self) -> Iterator[list[Row]]:
        for batch in self._batches:
            self.rows_read += len(batch)
            yield batch

    def close(self) -> None:
        """Close the file."""
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


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
) -> Reader:
    """
    Open a CSV, JSONL or Parquet file for reading in batches.

    With a ``record_type``, the header is checked at once: missing required
    columns and repeated columns raise `custdata.InputError`, and columns that
    are not fields of the type are dropped (see `Reader.ignored_columns`).

    Args:
        path: The file.
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``; by default inferred
            from the suffix (``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``, ``.parquet``).
        delimiter: The CSV delimiter; by default tab for ``.tsv``, otherwise
            sniffed among ``,`` ``;`` tab and ``|`` from the first 64 KiB.
        encoding: ``utf-8`` (the default), ``utf-8-sig`` or ``cp1252``, for
            CSV and JSONL. A UTF-8 byte order mark is always skipped.
        mapping: Foreign column name -> dotted field name (``{"Nom": "family_name"}``).
        record_type: The record class rows are meant for, such as `custdata.Contact`.
        batch_size: Rows per batch.
        unescape_formulas: Undo the formula escaping of `custdata.io.escape_formula`
            in CSV cells (the default, so that round trips are exact).

    Returns:
        An open `Reader`.

    Raises:
        UsageError: For an unknown format or encoding, a bad delimiter or batch
            size, or a mapping onto an unknown field.
        InputError: If the file cannot be opened, is empty, or its header does not fit.
        MissingDependencyError: For Parquet without pyarrow (extra ``arrow``).
    """
    kind = infer_format(path, format)
    encoding = normalise_encoding(encoding)
    if batch_size < 1:
        msg = "the batch size must be at least 1"
        raise UsageError(msg)
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        msg = "the delimiter must be one character, not a quote or a line break"
        raise UsageError(msg)
    shaper = _Shaper(record_type, mapping)
    file_path = Path(path)
    if kind == "parquet":
        from custdata.io._parquet import open_parquet

        return open_parquet(file_path, shaper=shaper, batch_size=batch_size)
    binary = _open_binary(file_path)
    try:
        if kind == "jsonl":
            return _open_jsonl(file_path, binary, encoding, shaper, batch_size)
        if delimiter is None and file_path.suffix.lower() == ".tsv":
            delimiter = "\t"
        return _open_csv(
            file_path,
            binary=binary,
            encoding=encoding,
            delimiter=delimiter,
            shaper=shaper,
            batch_size=batch_size,
            unescape=unescape_formulas,
        )
    except BaseException:
        binary.close()
        raise


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a file: {path}") from None
    except OSError as error:
        raise InputError(f"cannot open {path}: {error.strerror}") from None


def _is_blank(sample: bytes) -> bool:
    return not sample.replace(b"\xef\xbb\xbf", b"").strip()


def _open_csv(
    path: Path,
    *,
    binary: IO[bytes],
    encoding: str,
    delimiter: str | None,
    shaper: _Shaper,
    batch_size: int,
    unescape: bool,
) -> Reader:
    sample = binary.read(SNIFF_BYTES)
    binary.seek(0)
    if _is_blank(sample):
        raise InputError(f"empty file, no header: {path.name}")
    if delimiter is None:
        decoder = "utf-8" if encoding == "utf-8-sig" else encoding
        delimiter = sniff_delimiter(sample.decode(decoder, errors="replace"))
    lines = LineSource(binary, encoding)
    cells = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    try:
        for first in cells:
            if first:
                header = first
                break
    except csv.Error as error:
        raise InputError(_csv_problem(lines.line, error)) from None
    if header is None:
        raise InputError(f"empty file, no header: {path.name}")
    header = [unescape_formula(name.strip()) if unescape else name.strip() for name in header]
    kept = shaper.plan_header(header, delimiter=delimiter)
    width = len(header)
    return Reader(
        path=path,
        format="csv",
        batches=_csv_batches(
            cells, lines=lines, kept=kept, width=width, batch_size=batch_size, unescape=unescape
        ),
        close=binary.close,
        shaper=shaper,
        columns=tuple(name for _, name in kept),
        delimiter=delimiter,
    )


def _csv_problem(line: int, error: csv.Error) -> str:
    # csv's messages are fixed texts, but only their kind is used: never echo parser text.
    if "field larger than field limit" in str(error):
        limit = csv.field_size_limit()
        return f"line {line}: a cell is longer than the limit of {limit} characters"
    return (
        f"line {line}: malformed CSV: a quoted cell never closes or has text after its "
        "closing quote"
    )


def _csv_batches(
    cells: Iterator[list[str]],
    *,
    lines: LineSource,
    kept: list[tuple[int, str]],
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
            raise InputError(_csv_problem(lines.line, error)) from None
        if row is None:
            break
        if not row:
            continue  # a blank line
        number += 1
        if len(row) == width:
            batch.append(Row(number=number, values={name: clean(row[i]) for i, name in kept}))
        else:
            issue = Issue(
                path="",
                code="wrong_column_count",
                message=f"expected {width} cells, found {len(row)} (line {lines.line})",
            )
            values = {name: clean(row[i]) for i, name in kept if i < len(row)}
            batch.append(Row(number=number, values=values, issues=(issue,)))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _open_jsonl(
    path: Path, binary: IO[bytes], encoding: str, shaper: _Shaper, batch_size: int
) -> Reader:
    if _is_blank(binary.read(SNIFF_BYTES)):
        # A file of more than 64 KiB of blank lines is caught at the end of the reading.
        raise InputError(f"empty file: {path.name}")
    binary.seek(0)
    lines = LineSource(binary, encoding)
    return Reader(
        path=path,
        format="jsonl",
        batches=_jsonl_batches(path, lines, shaper, batch_size),
        close=binary.close,
        shaper=shaper,
    )


def _jsonl_batches(
    path: Path, lines: LineSource, shaper: _Shaper, batch_size: int
) -> Iterator[list[Row]]:
    batch: list[Row] = []
    seen = False
    for line in lines:
        if not line.strip():
            continue
        seen = True
        number = lines.line
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            data = _NOT_JSON
        if isinstance(data, dict) and _SURROGATE_ESCAPE.search(line):
            values = shaper.shape(data)
            batch.append(sized_row(number, values, _surrogate_issues(values)))
        elif isinstance(data, dict):
            batch.append(sized_row(number, shaper.shape(data)))
        else:
            message = "not valid JSON" if data is _NOT_JSON else "not a JSON object"
            issue = Issue(path="", code="invalid_json", message=message)
            # The line's text is kept for the rejects file (a JSONL one shows it as "_line").
            raw: dict[str, object] = {RAW_LINE: line.rstrip("\r\n")}
            batch.append(sized_row(number, raw, (issue,)))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if not seen:
        raise InputError(f"empty file: {path.name}")
    if batch:
        yield batch


_NOT_JSON: Final = object()

RAW_LINE: Final = "_line"
"""The value name under which a JSONL line that is not a JSON object keeps its text."""

_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate: a pair is a character, a lone one is not text."""


def _surrogate_issues(values: dict[str, object]) -> list[Issue]:
    """
    Report each value holding a lone surrogate, which no encoding can write.

    Each such value is replaced in place, lone surrogates by U+FFFD, so that
    the rejects file the row goes to can be written.
    """
    issues: list[Issue] = []
    for name, value in values.items():
        if isinstance(value, str) and has_surrogates(value):
            issues.append(_surrogate_issue(name))
            values[name] = replace_surrogates(value)
        elif isinstance(value, list) and any(
            isinstance(item, str) and has_surrogates(item) for item in value
        ):
            issues.append(_surrogate_issue(name))
            values[name] = [
                replace_surrogates(item) if isinstance(item, str) else item for item in value
            ]
    return issues


def _surrogate_issue(name: str) -> Issue:
    return Issue(path=name, code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE)
