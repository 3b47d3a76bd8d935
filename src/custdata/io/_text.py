"""Text-level helpers shared by the CSV and JSONL formats: encodings, lines, cells."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Final

from custdata.errors import InputError, UsageError
from custdata.model import LIST_SEPARATOR

__all__ = [
    "CR_ENDINGS",
    "DELIMITERS",
    "ENCODINGS",
    "ESCAPE_STARTS",
    "FORMULA_TRIGGERS",
    "MAX_LINE_BYTES",
    "SNIFF_BYTES",
    "LineSource",
    "escape_formula",
    "format_cell",
    "formula_starts",
    "json_default",
    "normalise_encoding",
    "single_column_hint",
    "sniff_delimiter",
    "unescape_formula",
]

ENCODINGS: Final = ("utf-8", "utf-8-sig", "cp1252")
"""The text encodings custdata reads and writes (others are refused: no silent guessing)."""

DELIMITERS: Final = (",", ";", "\t", "|")
"""The delimiters `sniff_delimiter` chooses among."""

SNIFF_BYTES: Final = 64 * 1024
"""How much of a CSV file the delimiter is sniffed from."""

MAX_LINE_BYTES: Final = 16 * 1024 * 1024
"""The longest physical line (16 MiB) read before the file is refused: memory stays bounded."""

FORMULA_TRIGGERS: Final = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet run a cell as a formula."""

ESCAPE_STARTS: Final = FORMULA_TRIGGERS | {"'"}
"""First characters of the cells `escape_formula` may change; it returns any other cell as it is."""

CR_ENDINGS: Final = (
    "the lines seem to end with a carriage return (CR) only; "
    "convert the line endings to LF or CRLF first"
)
"""What a reader says of a file whose lines end with CR alone (old Mac files)."""

_PLAIN_NUMBER: Final = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_BOM: Final = codecs.BOM_UTF8
_ENCODING_ALIASES: Final = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252"}


def normalise_encoding(encoding: str) -> str:
    """
    Return the canonical name of a supported encoding.

    Args:
        encoding: ``utf-8``, ``utf-8-sig`` or ``cp1252``, or an alias Python
            knows for one of them (``utf8``, ``windows-1252``).

    Returns:
        ``"utf-8"``, ``"utf-8-sig"`` or ``"cp1252"``.

    Raises:
        UsageError: For any other encoding.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = ""
    canonical = _ENCODING_ALIASES.get(name)
    if canonical is None:
        raise UsageError(
            f"unsupported encoding {encoding[:40]!r}: use one of {', '.join(ENCODINGS)}"
        )
    return canonical


def _needs_escape(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_TRIGGERS and not _PLAIN_NUMBER.fullmatch(text)


def escape_formula(text: str) -> str:
    """
    Prefix a cell a spreadsheet would run as a formula with ``'``.

    A cell is escaped when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return, unless it is a plain number (``+33612345678``, ``-12.5``,
    ``-3,5``), which a spreadsheet only displays. So that `unescape_formula`
    can undo the escape exactly, a cell made of quotes followed by such a
    start (``'=x``) gets one more quote as well.

    Args:
        text: The cell.

    Returns:
        The cell, escaped if needed.
    """
    if not text or text[0] not in ESCAPE_STARTS:
        return text  # the common case, decided on the first character
    return "'" + text if _needs_escape(text.lstrip("'")) else text


def formula_starts(delimiter: str) -> re.Pattern[str]:
    """
    Return a pattern that finds the cells of a joined line that `escape_formula` may change.

    In a line made of cells joined with ``delimiter``, none of which holds the
    delimiter, the pattern matches the delimiter before every cell but the
    first that starts with a formula trigger or ``'`` (a match is only a reason
    to check the cell: `escape_formula` leaves plain numbers alone). The cell
    after a match at ``start`` is the one after ``line.count(delimiter, 0,
    start) + 1`` delimiters. Starting with the delimiter, the pattern is
    searched for quickly.

    Args:
        delimiter: One character.

    Returns:
        The compiled pattern.
    """
    starts = re.escape("".join(sorted(ESCAPE_STARTS)))
    return re.compile(f"{re.escape(delimiter)}(?=[{starts}])")


def unescape_formula(text: str) -> str:
    """
    Undo `escape_formula`: ``unescape_formula(escape_formula(s)) == s`` for every string.

    Args:
        text: A cell as written by `escape_formula`.

    Returns:
        The original cell.
    """
    if text.startswith("'") and _needs_escape(text.lstrip("'")):
        return text[1:]
    return text


def json_default(value: object) -> object:
    """
    Convert the values `json.dumps` does not know (dates, decimals, enums, tuples).

    Args:
        value: A value met while serialising.

    Returns:
        A JSON-safe equivalent.

    Raises:
        TypeError: For any other type (a programming mistake).
    """
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(value, key=str)
    msg = f"cannot write a value of type {type(value).__name__} to JSON"
    raise TypeError(msg)


def format_cell(value: object) -> str:  # noqa: PLR0911  # one return per kind of value
    """
    Turn one value into the text of a CSV cell (before formula escaping).

    ``None`` is empty, booleans are ``true``/``false``, dates are ISO 8601,
    lists of scalars are joined with ``|``, objects and lists of objects are
    JSON.

    Args:
        value: A flat value, as `custdata.model.to_flat` returns them.

    Returns:
        The cell text.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return format_cell(value.value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        if any(isinstance(item, Mapping | list | tuple) for item in value):
            return json.dumps(value, ensure_ascii=False, default=json_default)
        return LIST_SEPARATOR.join(format_cell(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=json_default)
    return str(value)


def sniff_delimiter(sample: str) -> str:
    """
    Guess a CSV file's delimiter among ``,`` ``;`` tab and ``|``.

    Each candidate splits the sample's complete lines; the one that gives the
    header the most columns while keeping the rows as wide as the header
    wins. A file of one column gets ``,``.

    Args:
        sample: The beginning of the file (64 KiB is plenty).

    Returns:
        The delimiter.
    """
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line short
    lines = [line for line in lines if line.strip()][:200]
    best = ","
    best_score = (0.0, 1)
    for candidate in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=candidate))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        body = rows[1:]
        consistent = sum(len(row) == width for row in body) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def single_column_hint(header: list[str], delimiter: str) -> str:
    """
    Return a hint when a header of one column holds another delimiter.

    Args:
        header: The header cells.
        delimiter: The delimiter used to split it.

    Returns:
        ``" (the delimiter looks wrong: try --delimiter ';')"`` or ``""``.
    """
    if len(header) != 1:
        return ""
    for candidate in DELIMITERS:
        if candidate != delimiter and candidate in header[0]:
            shown = "\\t" if candidate == "\t" else candidate
            return (
                f" (the delimiter looks wrong: the header holds {shown!r}; "
                f"try --delimiter {shown!r})"
            )
    return ""


class LineSource:
    """
    The decoded lines of a binary text file, counting them, for `csv.reader` or JSONL.

    A UTF-8 byte order mark at the start is dropped (for ``utf-8`` as well as
    ``utf-8-sig``). Lines keep their line endings, as `csv` expects.

    Args:
        binary: The file, opened in binary mode.
        encoding: A name returned by `normalise_encoding`.

    Attributes:
        line: The number of the last line read (1-based).
        text: The last line read, for the reader to explain a parse error.
    """

    def __init__(self, binary: IO[bytes], encoding: str) -> None:
        self._binary = binary
        self._encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self._shown = encoding
        self.line = 0
        self.text = ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._binary.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        if len(raw) > MAX_LINE_BYTES:
            hint = f": {CR_ENDINGS}" if b"\r" in raw and b"\n" not in raw else ""
            raise InputError(f"line {self.line}: longer than {MAX_LINE_BYTES} bytes{hint}")
        if self.line == 1 and raw.startswith(_BOM) and self._encoding == "utf-8":
            raw = raw[len(_BOM) :]
        try:
            self.text = raw.decode(self._encoding)
        except UnicodeDecodeError as error:
            other = "utf-8" if self._encoding == "cp1252" else "cp1252"
            raise InputError(
                f"line {self.line}: not valid {self._shown} text (byte {error.start + 1} "
                f"of the line); try --encoding {other}"
            ) from None
        return self.text
