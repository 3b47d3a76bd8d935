"""
Conversion between records and JSON-safe dicts or flat rows.

Each record class is compiled once into a `Schema`: one `FieldSpec` per field
with a parse and a dump function, so converting a million rows does not
re-inspect types. Parsing never raises anything but `ValidationError`, which
lists every problem found. Date-times without an offset are read in the time zone
the caller gives (``tz=``), never in one guessed (see `custdata.model._time`).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import re
import threading
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar

import attrs

from custdata.errors import Issue, ValidationError
from custdata.model._category import CATEGORY_KEY, Category
from custdata.model._postal import POSTAL_CODE_COUNTRIES, canonical_postal_code
from custdata.model._time import LocalTimeError, TimeZone, check_tz, localise

__all__ = [
    "ABSENT",
    "LIST_SEPARATOR",
    "Cell",
    "FieldSpec",
    "Schema",
    "cell_value",
    "flat_columns",
    "flat_specs",
    "from_dict",
    "from_flat",
    "nest_flat",
    "schema",
    "to_dict",
    "to_flat",
]

R = TypeVar("R")

LIST_SEPARATOR: Final = "|"
"""Separator of list items in a flat (CSV) cell: ``email|sms``."""

_MISSING: Final = object()


class _ParseError(Exception):
    """A scalar value that cannot be parsed; turned into an `Issue` by the caller."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Parse = Callable[[object, str, dt.tzinfo | None], tuple[object, list[Issue]]]
"""Parses a value at a path, reading naive date-times in the time zone (if any)."""
Dump = Callable[[object], object]


@attrs.frozen(kw_only=True)
class FieldSpec:
    """
    How one field of a record is parsed and dumped.

    Attributes:
        name: The attribute name.
        category: Its personal-data category.
        required: Whether ``from_dict`` reports it ``missing`` when absent.
        nullable: Whether ``None`` is a valid value.
        kind: ``str``, ``int``, ``bool``, ``decimal``, ``date``, ``datetime``,
            ``enum``, ``record`` or ``list``.
        record: The nested record class, for ``record`` fields.
        item_kind: The kind of the items of a ``list`` field.
        item_record: The record class of the items of a list of records.
        enum_type: The enum class of ``enum`` fields and of lists of enums.
    """

    name: str
    category: Category
    required: bool
    nullable: bool
    kind: str
    record: type | None = None
    item_kind: str | None = None
    item_record: type | None = None
    enum_type: type[enum.Enum] | None = None
    parse: Parse = attrs.field(repr=False, eq=False)
    dump: Dump = attrs.field(repr=False, eq=False)


@attrs.frozen(kw_only=True)
class Schema:
    """The compiled description of a record class."""

    record_type: type
    fields: tuple[FieldSpec, ...]
    by_name: Mapping[str, FieldSpec] = attrs.field(repr=False, eq=False)


# --- scalar parsers: value -> value, raising _ParseError ---------------------------------

_INT_RE: Final = re.compile(r"[+-]?\d{1,18}")
_DAY_FIRST_RE: Final = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_DAY_FIRST_TIME_RE: Final = re.compile(
    r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}) +(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII
)
_DATETIME_FORMS: Final = "expected an ISO 8601 date and time or DD/MM/YYYY HH:MM[:SS]"
_NAIVE_MESSAGE: Final = (
    "has no time zone offset: pass tz= to read it in a time zone (--timezone on the command line)"
)
_TRUE: Final = frozenset({"true", "1", "yes", "y", "oui", "vrai"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "non", "faux"})


def _parse_str(value: object) -> object:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, _LostZeros):
        raise _ParseError("leading_zeros_lost", _LOST_ZEROS_MESSAGE)
    raise _ParseError("wrong_type", "expected a string")


def _parse_int(value: object) -> object:
    if isinstance(value, bool):
        raise _ParseError("wrong_type", "expected an integer, got a boolean")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INT_RE.fullmatch(text):
            return int(text)
        raise _ParseError("invalid_integer", "expected an integer")
    raise _ParseError("wrong_type", "expected an integer")


def _parse_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _ParseError("invalid_boolean", "expected true or false")
    raise _ParseError("wrong_type", "expected a boolean")


def _parse_decimal(value: object) -> object:
    if isinstance(value, bool):
        raise _ParseError("wrong_type", "expected a decimal number, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr gives the shortest text that round-trips: 12.5, not 12.5000000000000001
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # French exports: 12,50
        if len(text) > 64:
            raise _ParseError("invalid_decimal", "expected a decimal number")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _ParseError("invalid_decimal", "expected a decimal number") from None
    else:
        raise _ParseError("wrong_type", "expected a decimal number")
    if not number.is_finite():
        raise _ParseError("invalid_decimal", "expected a finite decimal number")
    return number


def _parse_date(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise _ParseError("wrong_type", "expected a date, got a datetime")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        day_first = _DAY_FIRST_RE.fullmatch(text)
        try:
            if day_first:
                day, month, year = (int(part) for part in day_first.groups())
                return dt.date(year, month, day)
            if len(text) == 10:
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        raise _ParseError("invalid_date", "expected a date as YYYY-MM-DD or DD/MM/YYYY")
    raise _ParseError("wrong_type", "expected a date")


def _is_date_alone(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _text_datetime(text: str) -> dt.datetime:
    """Read ``29/11/2024 18:05[:33]`` (day first) or an ISO 8601 date and time."""
    if len(text) > 64:
        raise _ParseError("invalid_datetime", _DATETIME_FORMS)
    day_first = _DAY_FIRST_TIME_RE.fullmatch(text)
    try:
        if day_first:
            day, month, year, hour, minute, second = (int(p or 0) for p in day_first.groups())
            return dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001  # zone added by the caller
        # datetime.fromisoformat reads a date alone as midnight, a guess; every ISO date
        # alone has at most 10 characters, every date and time more.
        if len(text) <= 10 and _is_date_alone(text):
            raise _ParseError("invalid_datetime", "expected a date and time, not a date alone")
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise _ParseError("invalid_datetime", _DATETIME_FORMS) from None


def _parse_datetime(value: object, tz: dt.tzinfo | None) -> object:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        moment = _text_datetime(value.strip())
    else:
        raise _ParseError("wrong_type", "expected a date and time")
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment
    if tz is None:
        raise _ParseError("naive_datetime", _NAIVE_MESSAGE)
    try:
        return localise(moment.replace(tzinfo=None), tz)
    except LocalTimeError as problem:
        raise _ParseError(problem.code, problem.message) from None


def _enum_parser(enum_type: type[enum.Enum]) -> Callable[[object], object]:
    lookup: dict[str, enum.Enum] = {}
    for member in enum_type:
        lookup[str(member.value)] = member
        lookup[str(member.value).lower()] = member
    choices = ", ".join(str(member.value) for member in enum_type)

    def parse(value: object) -> object:
        if isinstance(value, enum_type):
            return value
        if isinstance(value, str):
            member = lookup.get(value) or lookup.get(value.strip().lower().replace(" ", "_"))
            if member is not None:
                return member
            raise _ParseError("invalid_choice", f"expected one of: {choices}")
        raise _ParseError("wrong_type", f"expected one of: {choices}")

    return parse


_SCALAR_PARSERS: Final[dict[str, Callable[[object], object]]] = {
    "str": _parse_str,
    "int": _parse_int,
    "bool": _parse_bool,
    "decimal": _parse_decimal,
    "date": _parse_date,
}


def _dump_identity(value: object) -> object:
    return value


def _dump_str(value: object) -> object:
    return str(value)


def _dump_isoformat(value: object) -> object:
    return value.isoformat()  # type: ignore[attr-defined]  # only dates and datetimes get here


def _dump_enum(value: object) -> object:
    return value.value  # type: ignore[attr-defined]  # only enum members get here


_SCALAR_DUMPERS: Final[dict[str, Dump]] = {
    "str": _dump_identity,
    "int": _dump_identity,
    "bool": _dump_identity,
    "decimal": _dump_str,
    "date": _dump_isoformat,
    "datetime": _dump_isoformat,
    "enum": _dump_enum,
}


# --- compiling a record class ------------------------------------------------------------

# Compiled schemas by record class: a process-wide cache, safe under threads. A
# schema depends only on its class; it is compiled under the lock (attrs.resolve_types
# writes to the class) and checked again there, so every thread gets the same object;
# reads need no lock, as a dict read sees a schema whole or not at all.
_SCHEMAS: dict[type, Schema] = {}
_SCHEMAS_LOCK: Final = threading.Lock()


def _is_attrs_class(tp: object) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _kind_of(tp: object) -> tuple[str, type | None]:  # noqa: PLR0911  # one return per kind
    """Return the kind of a non-optional, non-list type, and its class if enum or record."""
    if tp is str:
        return "str", None
    if tp is bool:
        return "bool", None
    if tp is int:
        return "int", None
    if tp is Decimal:
        return "decimal", None
    if tp is dt.datetime:
        return "datetime", None
    if tp is dt.date:
        return "date", None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "enum", tp
    if _is_attrs_class(tp):
        return "record", typing.cast("type", tp)
    msg = f"unsupported field type in a custdata record: {tp!r}"
    raise TypeError(msg)


def _scalar_parser(kind: str, cls: type | None) -> Callable[[object], object]:
    if kind == "enum":
        return _enum_parser(typing.cast("type[enum.Enum]", cls))
    return _SCALAR_PARSERS[kind]


def _missing_value(path: str, nullable: bool) -> tuple[object, list[Issue]]:
    """What parsing ``None`` gives: ``None``, with the issue ``null`` where a value is needed."""
    if nullable:
        return None, []
    return None, [Issue(path=path, code="null", message="must not be empty")]


def _wrap_scalar(kind: str, cls: type | None, nullable: bool) -> Parse:
    if kind == "datetime":
        return _wrap_datetime(nullable)
    parse_one = _scalar_parser(kind, cls)

    def parse(value: object, path: str, _tz: dt.tzinfo | None) -> tuple[object, list[Issue]]:
        if value is None:
            return _missing_value(path, nullable)
        try:
            return parse_one(value), []
        except _ParseError as problem:
            return None, [Issue(path=path, code=problem.code, message=problem.message)]

    return parse


def _wrap_datetime(nullable: bool) -> Parse:
    # Apart from _wrap_scalar so that the other scalars pay no call for the time zone.
    def parse(value: object, path: str, tz: dt.tzinfo | None) -> tuple[object, list[Issue]]:
        if value is None:
            return _missing_value(path, nullable)
        try:
            return _parse_datetime(value, tz), []
        except _ParseError as problem:
            return None, [Issue(path=path, code=problem.code, message=problem.message)]

    return parse


def _record_parser(record_type: type, nullable: bool) -> Parse:
    def parse(value: object, path: str, tz: dt.tzinfo | None) -> tuple[object, list[Issue]]:
        if value is None:
            return _missing_value(path, nullable)
        return _parse_record(record_type, value, path, tz)

    return parse


def _list_parser(item_parse: Parse, nullable: bool) -> Parse:
    def parse(value: object, path: str, tz: dt.tzinfo | None) -> tuple[object, list[Issue]]:
        if value is None:
            if nullable:
                return None, []
            return (), []
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
            return None, [Issue(path=path, code="wrong_type", message="expected a list")]
        items: list[object] = []
        issues: list[Issue] = []
        for index, item in enumerate(value):
            parsed, item_issues = item_parse(item, f"{path}[{index}]", tz)
            items.append(parsed)
            issues.extend(item_issues)
        return tuple(items), issues

    return parse


def _unwrap_optional(tp: object) -> tuple[object, bool]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:  # X | None
            return args[0], True
        msg = f"unsupported union in a custdata record: {tp!r}"
        raise TypeError(msg)
    return tp, False


def _compile_field(field: attrs.Attribute[Any]) -> FieldSpec:
    category = field.metadata.get(CATEGORY_KEY)
    if not isinstance(category, Category):
        msg = f"field {field.name!r} declares no personal-data category"
        raise TypeError(msg)
    tp, nullable = _unwrap_optional(field.type)
    # What every spec takes from the field itself, whatever its kind.
    spec = functools.partial(
        FieldSpec,
        name=field.name,
        category=category,
        required=field.default is attrs.NOTHING,
        nullable=nullable,
    )
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis:  # tuple[X, ...]
            msg = f"field {field.name!r}: only tuple[X, ...] lists are supported"
            raise TypeError(msg)
        item_kind, item_cls = _kind_of(args[0])
        if item_kind == "record":
            item_record = typing.cast("type", item_cls)
            item_parse = _record_parser(item_record, nullable=False)

            def dump_list(value: object) -> object:
                return [to_dict(item) for item in typing.cast("tuple[object, ...]", value)]

            return spec(
                kind="list",
                item_kind="record",
                item_record=item_record,
                parse=_list_parser(item_parse, nullable),
                dump=dump_list,
            )
        item_parse = _wrap_scalar(item_kind, item_cls, nullable=False)
        item_dump = _SCALAR_DUMPERS[item_kind]
        return spec(
            kind="list",
            item_kind=item_kind,
            enum_type=typing.cast("type[enum.Enum] | None", item_cls),
            parse=_list_parser(item_parse, nullable),
            dump=lambda value: [
                item_dump(item) for item in typing.cast("tuple[object, ...]", value)
            ],
        )
    kind, cls = _kind_of(tp)
    if kind == "record":
        record_type = typing.cast("type", cls)
        return spec(
            kind="record",
            record=record_type,
            parse=_record_parser(record_type, nullable),
            dump=to_dict,
        )
    return spec(
        kind=kind,
        enum_type=typing.cast("type[enum.Enum] | None", cls),
        parse=_wrap_scalar(kind, cls, nullable),
        dump=_SCALAR_DUMPERS[kind],
    )


def schema(record_type: type) -> Schema:
    """
    Return the compiled `Schema` of a record class (built once, then cached).

    Args:
        record_type: An attrs class whose fields all declare a category.

    Returns:
        The `Schema`.

    Raises:
        TypeError: If the class is not an attrs class or a field is unsupported.
    """
    cached = _SCHEMAS.get(record_type)
    if cached is not None:
        return cached
    if not _is_attrs_class(record_type):
        msg = f"{record_type!r} is not a custdata record class"
        raise TypeError(msg)
    with _SCHEMAS_LOCK:
        cached = _SCHEMAS.get(record_type)
        if cached is not None:  # another thread compiled it while this one waited
            return cached
        attrs.resolve_types(record_type)
        specs = tuple(_compile_field(field) for field in attrs.fields(record_type))
        compiled = Schema(
            record_type=record_type,
            fields=specs,
            by_name=types.MappingProxyType({spec.name: spec for spec in specs}),
        )
        _SCHEMAS[record_type] = compiled
    return compiled


# --- records <-> dicts -------------------------------------------------------------------


def _parse_record(
    record_type: type, data: object, path: str, tz: dt.tzinfo | None
) -> tuple[object, list[Issue]]:
    if not isinstance(data, Mapping):
        return None, [Issue(path=path, code="wrong_type", message="expected an object")]
    compiled = schema(record_type)
    issues: list[Issue] = []
    kwargs: dict[str, object] = {}
    prefix = f"{path}." if path else ""
    for key in data:
        if not isinstance(key, str):
            issues.append(
                Issue(path=path, code="wrong_type", message="field names must be strings")
            )
        elif key not in compiled.by_name:
            # The key is a header, not a customer value: naming it is safe and useful.
            issues.append(
                Issue(path=f"{prefix}{key[:64]}", code="unknown_field", message="unknown field")
            )
    for spec in compiled.fields:
        raw = data.get(spec.name, _MISSING)
        if raw is _MISSING:
            if spec.required:
                issues.append(
                    Issue(path=f"{prefix}{spec.name}", code="missing", message="is required")
                )
            continue
        value, field_issues = spec.parse(raw, f"{prefix}{spec.name}", tz)
        if field_issues:
            issues.extend(field_issues)
        else:
            kwargs[spec.name] = value
    if issues:
        return None, issues
    try:
        return record_type(**kwargs), []
    except (TypeError, ValueError) as error:
        # A record's own validators (such as a time zone check) refused the values.
        message = str(error) if isinstance(error, ValidationError) else "inconsistent values"
        return None, [Issue(path=path, code="invalid_record", message=message)]


def from_dict(record_type: type[R], data: object, *, tz: TimeZone | None = None) -> R:
    """
    Build a record from a JSON-like mapping, checking shape and types.

    Accepts what `to_dict` produces, and also native Python values (`datetime`,
    `Decimal`, enum members) and, for scalars, their text forms: integers and
    booleans as text, decimals with a comma (``12,50``), dates as ``DD/MM/YYYY``,
    date-times as ``DD/MM/YYYY HH:MM[:SS]``.

    A date-time with no offset (``29/11/2024 18:05``, ``2024-11-29T18:05``, a naive
    `datetime`) is read in ``tz``; without ``tz`` it is a ``naive_datetime`` issue.
    A date-time with an offset keeps its own.

    Args:
        record_type: The record class, such as `custdata.Contact`.
        data: A mapping, typically from ``json.loads`` or `to_dict`.
        tz: The time zone of date-times written without an offset: an IANA name
            (``"Europe/Paris"``), a `zoneinfo.ZoneInfo` or a `datetime.timezone`.
            A wall time that the clocks skip or show twice in it, at a
            daylight-saving change, is a ``nonexistent_time`` or ``ambiguous_time``
            issue, never a guess.

    Returns:
        The record.

    Raises:
        ValidationError: Listing every problem found in the data; never another
            exception for the data.
        ValueError: If ``tz`` is not a time zone name of the IANA database.
        TypeError: If ``tz`` is neither a name, a ``ZoneInfo`` nor a ``timezone``.
    """
    record, issues = _parse_record(record_type, data, "", check_tz(tz))
    if issues:
        raise ValidationError(issues, record_type=record_type.__name__)
    return typing.cast("R", record)


def to_dict(record: object) -> dict[str, object]:
    """
    Convert a record to a JSON-safe dict (ISO 8601 dates, decimals as strings).

    Every field is present, ``None`` included; `from_dict` reverses it exactly.

    Args:
        record: A custdata record.

    Returns:
        A dict of JSON-safe values.
    """
    compiled = schema(type(record))
    result: dict[str, object] = {}
    for spec in compiled.fields:
        value = getattr(record, spec.name)
        result[spec.name] = None if value is None else spec.dump(value)
    return result


# --- records <-> flat rows (CSV, Parquet) ------------------------------------------------


def flat_columns(record_type: type) -> list[str]:
    """
    Return the dotted column names of a record type's flat form, in field order.

    Args:
        record_type: A custdata record class.

    Returns:
        Column names such as ``["contact_id", ..., "address.postal_code", ...]``.
    """
    return list(flat_specs(record_type))


def flat_specs(record_type: type) -> dict[str, FieldSpec]:
    """
    Return the `FieldSpec` of each column of a record type's flat form, by dotted name.

    Nested records are flattened (``address.postal_code``); a list of records
    (a purchase's lines) is one column, with the spec of the list field.

    Args:
        record_type: A custdata record class.

    Returns:
        Column name -> spec, in field order.
    """
    specs: dict[str, FieldSpec] = {}
    for spec in schema(record_type).fields:
        if spec.kind == "record" and spec.record is not None:
            for sub, inner in flat_specs(spec.record).items():
                specs[f"{spec.name}.{sub}"] = inner
        else:
            specs[spec.name] = spec
    return specs


def to_flat(record: object) -> dict[str, object]:
    """
    Convert a record to one flat row: dotted keys for nested records, ``|``-joined lists.

    Lists of records (a purchase's lines) become a JSON array in one cell.

    Args:
        record: A custdata record.

    Returns:
        A dict from dotted column name to a scalar (`str`, `int`, `bool` or ``None``).
    """
    row: dict[str, object] = {}
    _flatten_into(row, record, "")
    return row


def _flatten_into(row: dict[str, object], record: object, prefix: str) -> None:
    for spec in schema(type(record)).fields:
        value = getattr(record, spec.name)
        key = prefix + spec.name
        if spec.kind == "record" and spec.record is not None:
            if value is None:
                for column in flat_columns(spec.record):
                    row[f"{key}.{column}"] = None
            else:
                _flatten_into(row, value, key + ".")
        elif value is None:
            row[key] = None
        elif spec.kind == "list":
            dumped = typing.cast("list[object]", spec.dump(value))
            if spec.item_kind == "record":
                row[key] = json.dumps(dumped, ensure_ascii=False, separators=(",", ":"))
            else:
                row[key] = LIST_SEPARATOR.join(str(item) for item in dumped)
        else:
            row[key] = spec.dump(value)


ABSENT: Final = object()
"""What a `Cell` returns for a column that gives its field no value."""

Cell = Callable[[FieldSpec, str, Mapping[str, object]], object]
"""Reads one field's value from a flat row: ``(spec, dotted column, row) -> value or ABSENT``."""


def nest_flat(
    record_type: type, row: Mapping[str, object], cell: Cell, prefix: str = ""
) -> dict[str, object]:
    """
    Rebuild the nested mapping `from_dict` reads from one flat row, one field at a time.

    Nested records are walked to their dotted columns; a nested record none of
    whose fields has a value is absent. The shared walk of `from_flat` (file
    cells) and of frames (Arrow values).

    Args:
        record_type: The record class.
        row: The flat row, by dotted column.
        cell: Reads a field's value from the row, or returns `ABSENT`.
        prefix: The dotted path of the enclosing record (``""`` at the top).

    Returns:
        The nested mapping.
    """
    data: dict[str, object] = {}
    for spec in schema(record_type).fields:
        key = prefix + spec.name
        if spec.kind == "record" and spec.record is not None:
            nested = nest_flat(spec.record, row, cell, key + ".")
            if nested:
                data[spec.name] = nested
            continue
        value = cell(spec, key, row)
        if value is not ABSENT:
            data[spec.name] = value
    return data


def cell_value(spec: FieldSpec, value: object, cell: Cell) -> object:  # noqa: PLR0911  # one return per form
    """
    Read a field's value from one cell of a flat row, in its text form or typed.

    How `from_flat` reads a cell, whether a CSV reader, JSON or Arrow gave it:
    a list as text is split on ``|``, or for a list of records read as a JSON
    array; a list of records whose items are flat mappings (an Arrow
    ``list<struct>``, whose fields are the item record's dotted columns) has
    each item nested with ``cell``, its other names kept for the record's
    parsing to report; a naive datetime at midnight in a date field is its date
    (a date that a writer such as pandas stored as a timestamp). Other values
    are returned as they are, for the field's parser to read.

    Args:
        spec: The field.
        value: The cell, neither missing nor empty.
        cell: How an item's flat row is read (as for `nest_flat`).

    Returns:
        The value for `from_dict`.
    """
    if spec.kind == "list":
        if isinstance(value, str):
            if spec.item_kind == "record":
                try:
                    return json.loads(value)
                except ValueError:
                    return _BadJson()
            return [item for item in value.split(LIST_SEPARATOR) if item.strip()]
        if spec.item_record is not None and isinstance(value, list | tuple):
            return [_nested_item(spec.item_record, item, cell) for item in value]
        return value
    if (
        spec.kind == "date"
        and isinstance(value, dt.datetime)
        and value.tzinfo is None
        and value.time() == dt.time()
    ):
        return value.date()
    return value


def _nested_item(item_record: type, item: object, cell: Cell) -> object:
    """An item of a list of records: a flat mapping (dotted names) nested, others as they are."""
    if not isinstance(item, Mapping) or not any(
        isinstance(name, str) and "." in name for name in item
    ):
        return item
    known = _known_columns(item_record)
    nested = nest_flat(item_record, item, cell)
    nested.update((name, value) for name, value in item.items() if name not in known)
    return nested


def _file_cell(spec: FieldSpec, key: str, row: Mapping[str, object]) -> object:
    """A field's value as files give it: empty is absent, otherwise read by `cell_value`."""
    value = row.get(key)
    if value is None or value == "":
        return ABSENT
    if spec.kind == "str" and is_number(value):
        return number_as_text(spec, key, value, row)
    return cell_value(spec, value, _file_cell)


class _BadJson:
    """Marks a cell that should hold a JSON array and does not; parsed as ``wrong_type``."""


# Numbers where text is expected: a reader (pandas, a typed Parquet or JSON file) took
# the column for numbers. Files (`from_flat`) and frames read them by the same rule.

_ZERO_SENSITIVE: Final = frozenset({"phone", "postal_code"})
"""Text fields whose leading zeros (or +) a reader that took them for numbers may have lost."""

_SHORTEST_UNKNOWN_POSTAL_CODE: Final = 5
"""Shorter postal codes, read as numbers in an unknown country, may have lost zeros."""

_LOST_ZEROS_MESSAGE: Final = (
    "was read as a number, so leading zeros (or a +) may have been lost: "
    "read the column as text (pandas: dtype=str)"
)


class _LostZeros:
    """Marks a phone number or postal code read as a number; parsed as ``leading_zeros_lost``."""


def is_number(value: object) -> bool:
    """Whether a cell is a number (an int or a float, not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_as_text(spec: FieldSpec, key: str, value: object, row: Mapping[str, object]) -> object:
    """
    Read a number found in a text field's cell (a reader took the column for numbers).

    An integral number becomes its digits (``75011.0`` -> ``"75011"``); a phone
    number, or a postal code too short for its country, is marked so that its
    parsing reports ``leading_zeros_lost``, since the leading zeros (or the
    ``+``) may have been lost; any other number is left for its parsing to
    report as ``wrong_type``.

    Args:
        spec: The text field.
        key: Its dotted column.
        value: The number (see `is_number`).
        row: The flat row, for the country of a postal code.

    Returns:
        The text, a marker of lost zeros, or the value as it was.
    """
    if isinstance(value, float) and not value.is_integer():
        return value
    text = str(int(typing.cast("float", value)))
    if spec.name not in _ZERO_SENSITIVE:
        return text
    if spec.name == "phone" or _postal_code_short(key, text, row):
        return _LostZeros()
    return text


def _postal_code_short(key: str, text: str, row: Mapping[str, object]) -> bool:
    """Whether the digits of a postal code read as a number lack leading zeros."""
    country = row.get(key.rpartition(".")[0] + ".country" if "." in key else "country")
    country = country.strip().upper() if isinstance(country, str) else None
    if country in POSTAL_CODE_COUNTRIES:
        if canonical_postal_code(text, country) is not None:
            return False
        return any(canonical_postal_code("0" * zeros + text, country) for zeros in (1, 2))
    return len(text) < _SHORTEST_UNKNOWN_POSTAL_CODE


def from_flat(record_type: type[R], row: Mapping[str, object], *, tz: TimeZone | None = None) -> R:
    """
    Build a record from one flat row as `to_flat` writes it (or a CSV reader reads it).

    Empty cells are absent values. Columns that belong to no field are reported
    as ``unknown_field``. Cells are read as `from_dict` reads values, in their
    text form or typed as JSON and Arrow give them (see `cell_value`): a typed
    Parquet file's dates, date-times, decimals, lists and lines.

    Args:
        record_type: The record class.
        row: A mapping from dotted column name to cell.
        tz: The time zone of date-times written without an offset, as for `from_dict`.

    Returns:
        The record.

    Raises:
        ValidationError: Listing every problem found in the data; never another
            exception for the data.
        ValueError: If ``tz`` is not a time zone name of the IANA database.
        TypeError: If ``tz`` is neither a name, a ``ZoneInfo`` nor a ``timezone``.
    """
    zone = check_tz(tz)
    known = _known_columns(record_type)
    unknown = [
        Issue(path=str(column)[:64], code="unknown_field", message="unknown column")
        for column in row
        if column not in known
    ]
    data = nest_flat(record_type, row, _file_cell)
    record, issues = _parse_record(record_type, data, "", zone)
    issues = unknown + issues
    if issues:
        raise ValidationError(issues, record_type=record_type.__name__)
    return typing.cast("R", record)


# The flat columns of each record class: a process-wide cache, safe under threads
# without a lock. The value depends only on the class and is immutable; threads that
# miss at once compute equal sets and the last write wins, which changes nothing.
_KNOWN_COLUMNS: dict[type, frozenset[str]] = {}


def _known_columns(record_type: type) -> frozenset[str]:
    known = _KNOWN_COLUMNS.get(record_type)
    if known is None:
        known = frozenset(flat_columns(record_type))
        _KNOWN_COLUMNS[record_type] = known
    return known
