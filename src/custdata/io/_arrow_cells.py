"""
Python values to and from the cells of a typed Arrow column, for the Parquet format.

Writers receive values in many forms: model values from records (dates, enum
members, tuples of records), their flat text forms (`custdata.model.to_flat`:
ISO dates, ``|``-joined lists, lines as a JSON array) and the plain values of
protected rows (`custdata.policy.BoundPolicy.output_types`: enum values, lists,
lines as `custdata.model.to_dict` dicts). `cell_converter` turns any of them
into the value pyarrow takes for a column's type, or raises `Unfit`: nothing is
rounded or guessed. `fold_offset` (from `custdata.frames`) puts a date-time
read from a file back in its own UTC offset. The rules are those of
`custdata.frames.to_arrow` and `custdata.frames.from_frame`, shared with them
(`amount_problem`: amounts at most 4 decimal places; offsets in whole minutes,
less than a day); pyarrow is passed in, never imported here.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

from custdata.frames import OFFSET_SUFFIX
from custdata.frames._arrow import amount_problem, fold_offset
from custdata.io._text import format_cell
from custdata.model import LIST_SEPARATOR, to_dict

__all__ = [
    "Convert",
    "Unfit",
    "cell_converter",
    "fold_offset",
    "offset_minutes",
    "text",
]  # fold_offset: from frames

_MINUTE: Final = dt.timedelta(minutes=1)


class Unfit(Exception):  # noqa: N818  # not an error of its own: turned into an Issue
    """A value a typed column cannot hold as it is; ``where`` is its place inside the cell."""

    def __init__(self, *, code: str, message: str, where: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = where


Convert = Callable[[object], object]
"""Turns one non-missing value into what pyarrow takes for a column, or raises `Unfit`."""


def _identity(value: object) -> object:
    return value


def text(value: object) -> object:
    """A value as the text of a ``string`` column: what `custdata.model.to_flat` writes."""
    if isinstance(value, str):
        return value
    if isinstance(value, tuple | list) and any(attrs.has(type(item)) for item in value):
        items = [to_dict(item) if attrs.has(type(item)) else item for item in value]
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"), default=str)
    return format_cell(value)


def _date(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise Unfit(code="wrong_type", message="expected a date, got a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise Unfit(code="invalid_date", message="expected an ISO 8601 date") from None
    raise Unfit(code="wrong_type", message="expected a date")


def _timestamp(value: object) -> object:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise Unfit(
                code="invalid_datetime", message="expected an ISO 8601 date and time"
            ) from None
    if not isinstance(value, dt.datetime):
        raise Unfit(code="wrong_type", message="expected a date and time")
    offset = value.utcoffset()
    if offset is None:
        raise Unfit(code="naive_datetime", message="has no time zone offset")
    if offset % _MINUTE:
        raise Unfit(
            code="offset_not_whole_minutes",
            message="has a UTC offset that is not a whole number of minutes",
        )
    return value


def offset_minutes(moment: object) -> object:
    """The UTC offset in minutes of a date-time `cell_converter` accepted (None for None)."""
    if not isinstance(moment, dt.datetime):
        return None
    offset = moment.utcoffset()
    return None if offset is None else offset // _MINUTE


def _decimal(value: object) -> object:
    if isinstance(value, bool):
        raise Unfit(code="wrong_type", message="expected a decimal number, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that round-trips, as the model reads
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise Unfit(code="invalid_decimal", message="expected a decimal number") from None
    else:
        raise Unfit(code="wrong_type", message="expected a decimal number")
    problem = amount_problem(number)
    if problem is not None:
        code, message = problem
        raise Unfit(code=code, message=message)
    return number


def _enum_text(value: object) -> object:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return value
    raise Unfit(code="wrong_type", message="expected a string")


def _strings(value: object) -> object:
    if isinstance(value, str):  # the flat form: items joined with |
        return [item for item in value.split(LIST_SEPARATOR) if item.strip()]
    if not isinstance(value, list | tuple):
        raise Unfit(code="wrong_type", message="expected a list")
    items: list[object] = []
    for index, item in enumerate(value):
        if item is None:
            items.append(None)
            continue
        try:
            items.append(_enum_text(item))
        except Unfit as unfit:
            raise Unfit(code=unfit.code, message=unfit.message, where=f"[{index}]") from None
    return items


def _leaf(item: object, name: str) -> object:
    """A dotted field of a list item: a record, a nested (`to_dict`) or a flat (struct) mapping."""
    if isinstance(item, Mapping):
        if name in item:
            return item[name]
        value: object = item
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value
    value = item
    for part in name.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _records(pa: Any, item_type: Any) -> Convert:
    """The converter of a ``list<struct>`` column: each item a dict by struct field."""
    fields = list(item_type)
    names = {field.name for field in fields}
    plan = [
        (
            field.name,
            field.nullable,
            None if _is_offset(pa, field, names, fields) else cell_converter(pa, field.type),
        )
        for field in fields
    ]

    def convert(value: object) -> object:
        if isinstance(value, str):  # the flat form: a JSON array
            try:
                value = json.loads(value)
            except ValueError:
                raise Unfit(code="wrong_type", message="expected a JSON array") from None
        if not isinstance(value, list | tuple):
            raise Unfit(code="wrong_type", message="expected a list")
        items: list[object] = []
        for index, item in enumerate(value):
            if not (isinstance(item, Mapping) or attrs.has(type(item))):
                raise Unfit(code="wrong_type", message="expected a record", where=f"[{index}]")
            struct: dict[str, object] = {}
            for name, nullable, convert_leaf in plan:
                if convert_leaf is None:  # an offset column: from its date-time, done before
                    struct[name] = offset_minutes(struct.get(name[: -len(OFFSET_SUFFIX)]))
                    continue
                leaf = _leaf(item, name)
                if leaf is None:
                    if not nullable:
                        raise Unfit(
                            code="null", message="must not be empty", where=f"[{index}].{name}"
                        )
                    struct[name] = None
                    continue
                try:
                    struct[name] = convert_leaf(leaf)
                except Unfit as unfit:
                    raise Unfit(
                        code=unfit.code,
                        message=unfit.message,
                        where=f"[{index}].{name}{unfit.where}",
                    ) from None
            items.append(struct)
        return items

    return convert


def _is_offset(pa: Any, field: Any, names: set[str], fields: list[Any]) -> bool:
    """Whether a struct field is the offset column of a date-time field beside it."""
    if not field.name.endswith(OFFSET_SUFFIX):
        return False
    base = field.name[: -len(OFFSET_SUFFIX)]
    return base in names and any(
        other.name == base and pa.types.is_timestamp(other.type) for other in fields
    )


def cell_converter(pa: Any, arrow_type: Any) -> Convert:  # noqa: PLR0911  # one return per type
    """
    Return what turns a value into what pyarrow takes for a column of ``arrow_type``.

    Args:
        pa: The pyarrow module.
        arrow_type: The column's Arrow type.

    Returns:
        The converter; it raises `Unfit` for a value the type cannot hold as it is.
    """
    types = pa.types
    if types.is_string(arrow_type) or types.is_large_string(arrow_type):
        return text
    if types.is_dictionary(arrow_type):
        return _enum_text
    if types.is_date32(arrow_type):
        return _date
    if types.is_timestamp(arrow_type):
        return _timestamp
    if types.is_decimal(arrow_type):
        return _decimal
    if types.is_list(arrow_type):
        if types.is_struct(arrow_type.value_type):
            return _records(pa, arrow_type.value_type)
        return _strings
    return _identity  # integers and booleans, as pyarrow takes them
