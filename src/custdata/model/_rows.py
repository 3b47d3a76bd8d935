"""
Rows as read from a file, rejects, and turning rows into records (private).

They sit in the model layer, below policies and files, which share them: a
`Reject` is the library's one reject type, whether a file reader, a policy or
a command found the problem. Import them from `custdata.io`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, Generic, TypeVar

import attrs

from custdata.errors import Issue, ValidationError
from custdata.model._codec import LIST_SEPARATOR, flat_columns, from_flat, schema
from custdata.model._time import TimeZone, check_tz

__all__ = [
    "NO_EXTRA",
    "ParsedBatch",
    "Reject",
    "Row",
    "flatten",
    "parse_batch",
    "record_prefixes",
    "required_columns",
]

R = TypeVar("R")


MAX_CELL_CHARS: Final = 131_072
"""The longest value a cell may hold, in characters, in every format.

It is Python's default `csv.field_size_limit`, which custdata never changes: a
CSV cell over it makes the file unreadable (exit code 4), and a longer JSONL or
Parquet value of `MAX_CELL_CHARS` characters or more rejects its row as
``field_too_long`` (one character is kept for the formula escape), so that
custdata never writes a CSV file it would then refuse to read.
"""

_MAX_VALUE_CHARS: Final = MAX_CELL_CHARS - 1

NO_EXTRA: Final[Mapping[str, object]] = MappingProxyType({})
"""The extra columns of a row that has none (shared: rows are many)."""


@attrs.frozen(kw_only=True)
class Row:
    """
    One row of an input file, before it becomes a record.

    Attributes:
        number: The 1-based number of the row: the data row for CSV (the header
            is not counted) and Parquet, the line for JSONL.
        values: The row's values by dotted column name, after ``--map``. CSV
            cells are `str` (``""`` means empty); JSONL and Parquet values keep
            their JSON or Arrow types, nested objects flattened to dotted names.
        issues: Problems found while reading (such as ``wrong_column_count``);
            a row with issues always becomes a `Reject`.
        extra: The columns that are not fields of the record type, as read and
            in file order, when the reader keeps them (``keep_extra=True``);
            empty otherwise. Never part of ``values``: records are not built from them.
    """

    number: int
    values: Mapping[str, object]
    issues: tuple[Issue, ...] = ()
    extra: Mapping[str, object] = NO_EXTRA


@attrs.frozen(kw_only=True)
class Reject:
    """
    A row that could not become a record, with every reason.

    Attributes:
        row: The row's number (see `Row.number`).
        values: The row's values as read. They are customer data: rejects files
            are for internal use.
        issues: Every problem found; their messages never contain a value.
        extra: The row's extra columns as read (see `Row.extra`).
    """

    row: int
    values: Mapping[str, object]
    issues: tuple[Issue, ...]
    extra: Mapping[str, object] = NO_EXTRA

    @property
    def issues_text(self) -> str:
        """
        Return the issues as ``path: message [code]`` joined by ``"; "``.

        Returns:
            One line of text, free of customer values.
        """
        return "; ".join(str(issue) for issue in self.issues)


@attrs.frozen(kw_only=True)
class ParsedBatch(Generic[R]):
    """
    What `parse_batch` made of a batch of rows.

    ``len(records) + len(rejects)`` always equals the number of rows given.

    Attributes:
        records: The records built, in input order.
        row_numbers: The row number of each record, parallel to ``records``.
        rejects: The rows that could not be parsed, in input order.
        extras: The extra columns of each record's row, parallel to ``records``
            (see `Row.extra`; empty mappings unless the reader keeps them).
    """

    records: list[R]
    row_numbers: list[int]
    rejects: list[Reject]
    extras: list[Mapping[str, object]] = attrs.field(factory=list)


def parse_batch(
    rows: Iterable[Row], record_type: type[R], *, tz: TimeZone | None = None
) -> ParsedBatch[R]:
    """
    Turn rows into records of one type, rejecting the rows that do not fit.

    Each row goes through `custdata.model.from_flat`, which accepts CSV cells
    (``|`` lists, text numbers and dates) as well as JSON and Arrow values.

    Args:
        rows: Rows from a `custdata.io.Reader`.
        record_type: A record class, such as `custdata.Contact`.
        tz: The time zone of date-times written without an offset, as French
            exports write them (``29/11/2024 18:05``); see `custdata.from_dict`.
            Without it such a date-time is an issue ``naive_datetime``.

    Returns:
        The records and the rejects.

    Raises:
        ValueError: If ``tz`` is not a time zone name (see `custdata.from_dict`).
        TypeError: If ``tz`` is another kind of object.
    """
    # Checked once here, not once per row: a ZoneInfo or a fixed offset from now on.
    zone = typing.cast("TimeZone | None", check_tz(tz))
    records: list[R] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    extras: list[Mapping[str, object]] = []
    for row in rows:
        if row.issues:
            rejects.append(
                Reject(row=row.number, values=row.values, issues=row.issues, extra=row.extra)
            )
            continue
        try:
            record = from_flat(record_type, row.values, tz=zone)
        except ValidationError as error:
            rejects.append(
                Reject(row=row.number, values=row.values, issues=error.issues, extra=row.extra)
            )
        else:
            records.append(record)
            numbers.append(row.number)
            extras.append(row.extra)
    return ParsedBatch(records=records, row_numbers=numbers, rejects=rejects, extras=extras)


def required_columns(record_type: type) -> list[str]:
    """
    Return the dotted columns a file must have to hold records of a type.

    They are the required fields, and the required subfields of required
    nested records (``total.amount`` and ``total.currency`` for a purchase).

    Args:
        record_type: A record class.

    Returns:
        The column names, in field order.
    """
    columns: list[str] = []
    for spec in schema(record_type).fields:
        if not spec.required:
            continue
        if spec.kind == "record" and spec.record is not None:
            columns.extend(f"{spec.name}.{sub}" for sub in required_columns(spec.record))
        else:
            columns.append(spec.name)
    return columns


def record_prefixes(record_type: type) -> frozenset[str]:
    """
    Return the dotted names of a record type's nested records (``address``).

    Args:
        record_type: A record class.

    Returns:
        The prefixes that have no column of their own in the flat form.
    """
    prefixes: set[str] = set()
    for column in flat_columns(record_type):
        parts = column.split(".")
        prefixes.update(".".join(parts[:end]) for end in range(1, len(parts)))
    return frozenset(prefixes)


def flatten(data: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """
    Flatten nested mappings into dotted names; lists and scalars are kept as they are.

    Args:
        data: A JSON object, such as one line of a JSONL file.
        prefix: Prepended to every name (used by the recursion).

    Returns:
        A new dict such as ``{"address.city": ...}``.
    """
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def sized_row(
    number: int,
    values: dict[str, object],
    issues: Iterable[Issue] = (),
    extra: dict[str, object] | None = None,
) -> Row:
    """
    Make a `Row`, rejecting it when a text value would not fit a CSV cell.

    The rejected row keeps its values cut to fit, so that
    its rejects file can be read back.

    Args:
        number: The row's number.
        values: Its values by dotted column name (cut in place when too long).
        issues: Problems already found in the row.
        extra: Its extra columns, if kept (checked and cut the same way).

    Returns:
        The row, with a ``field_too_long`` issue per oversize value.
    """
    found = list(issues)
    _check_sizes(values, found)
    if extra:
        _check_sizes(extra, found)
        return Row(number=number, values=values, issues=tuple(found), extra=extra)
    return Row(number=number, values=values, issues=tuple(found))


def _check_sizes(values: dict[str, object], found: list[Issue]) -> None:
    """Add a ``field_too_long`` issue per oversize value, cutting it in place."""
    for name, value in values.items():
        if isinstance(value, str):
            if len(value) > _MAX_VALUE_CHARS:
                found.append(_too_long(name))
                values[name] = value[:_MAX_VALUE_CHARS]
        elif isinstance(value, list) and (
            len(LIST_SEPARATOR.join(item for item in value if isinstance(item, str)))
            > _MAX_VALUE_CHARS
        ):
            found.append(_too_long(name))
            values[name] = LIST_SEPARATOR.join(str(item) for item in value)[:_MAX_VALUE_CHARS]


def _too_long(name: str) -> Issue:
    return Issue(
        path=name,
        code="field_too_long",
        message=f"longer than the limit of {_MAX_VALUE_CHARS} characters",
    )
