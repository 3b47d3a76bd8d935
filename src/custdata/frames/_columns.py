"""
The rows of a typed frame that certainly become records, found column by column (private).

When a policy is bound with ``validate=False``, records are built only to learn
which rows fit the record type: the values a transform sees are the frame's
own. For a frame whose columns have the typed schema's types (`arrow_schema`,
or types that cast to them without loss), most rows fit whatever their values:
a string is a string, a ``date32`` a date. What can still keep a row from
being a record is looked for here with Arrow compute, over whole columns or
each distinct value once:

- a required field that is null (at the top, or in a nested record that has
  another value);
- an enum value that is not one of the enum's (each distinct value read by
  the model's own parser);
- a null item in a list, a UTC offset out of range;
- any value of a list of records (a purchase's lines): such rows are left to
  the record path whole.

The rows found are not rejected here: they go through `read_rows`, which
builds their records (or finds their issues) as `from_frame` does. A row's
outcome never depends on this module, only how fast it is reached; the tests
hold the two paths to the same results.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any, Final

import attrs

from custdata.frames._arrow import _MAX_OFFSET_MINUTES, OFFSET_SUFFIX, arrow_schema
from custdata.model import schema

__all__ = ["TypedColumns", "sure_records", "typed_columns"]


@attrs.frozen
class TypedColumns:
    """
    A frame's columns cast to the typed schema, and the rows that certainly fit.

    Attributes:
        columns: Every column of the typed schema by name (a column the frame
            lacks is all nulls), each of its schema type, as one array.
        sure: A boolean array, True for the rows that certainly become records.
    """

    columns: dict[str, Any]
    sure: Any


def typed_columns(pa: Any, table: Any, record_type: type) -> TypedColumns | None:
    """
    The frame's columns in the typed schema, and its sure rows; None if a column is not typed.

    Args:
        pa: The pyarrow module.
        table: An Arrow table whose columns are all flat columns of the record type.
        record_type: The record class.
    """
    import pyarrow.compute as pc

    target = arrow_schema(record_type)
    rows = table.num_rows
    columns: dict[str, Any] = {}
    for field in target:
        if field.name in table.column_names:
            cast = _cast(pa, table.column(field.name), field.type)
            if cast is None:
                return None
            columns[field.name] = cast
        else:
            columns[field.name] = pa.nulls(rows, field.type)
    if not _fill_defaults(pa, pc, record_type, columns):
        return None
    walk = _Walk(pa, pc, columns, rows)
    _, unsure = walk.record(record_type, "")
    return TypedColumns(columns=columns, sure=pc.invert(unsure))


def _fill_defaults(pa: Any, pc: Any, record_type: type, columns: dict[str, Any]) -> bool:
    """
    Fill the nulls of top-level fields whose default is not None, as a record would have it.

    A null is an absent value: a contact without interests has ``()``. Returns
    False when a nested record's field has such a default (not read here).
    """
    for field in attrs.fields(record_type):
        default = _default(field)
        spec = schema(record_type).by_name[field.name]
        if spec.kind == "record" and spec.record is not None:
            if any(_default(inner) is not None for inner in attrs.fields(spec.record)):
                return False
            continue
        if default is None:
            continue
        column = columns[field.name]
        if isinstance(default, tuple):
            value: object = [getattr(item, "value", item) for item in default]
        else:
            value = getattr(default, "value", default)
        if spec.kind == "enum":
            filled = pc.fill_null(pc.cast(column, pa.string()), pa.scalar(value, pa.string()))
            columns[field.name] = filled.dictionary_encode().cast(column.type)
        else:
            columns[field.name] = pc.fill_null(column, pa.scalar(value, column.type))
    return True


def _default(field: Any) -> object:
    default = field.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # attrs.Factory is a class
        return default.factory()
    return default


def _string_like(pa: Any, arrow_type: Any) -> bool:
    return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))


def _castable(pa: Any, source: Any, target: Any) -> bool:  # noqa: PLR0911  # one answer per type
    types = pa.types
    if types.is_dictionary(target):
        if types.is_dictionary(source):
            return _string_like(pa, source.value_type)
        return _string_like(pa, source)
    if types.is_string(target):
        return _string_like(pa, source)
    if types.is_date32(target):
        return bool(types.is_date(source))
    if types.is_timestamp(target):
        return bool(types.is_timestamp(source) and source.tz is not None)
    if types.is_integer(target):  # pandas holds nullable integers as floats
        return bool(types.is_integer(source) or types.is_floating(source))
    if types.is_decimal(target):
        return bool(types.is_decimal(source) and source.scale <= target.scale)
    if types.is_list(target) and _string_like(pa, target.value_type):
        return bool(
            (types.is_list(source) or types.is_large_list(source))
            and _string_like(pa, source.value_type)
        )
    return False


def _cast(pa: Any, column: Any, target: Any) -> Any | None:
    """One array of the target type, or None when the column's type is not the field's."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.type == target:
        return array
    if not _castable(pa, array.type, target):
        return None
    try:
        # Nanoseconds are read to the microsecond, as from_frame reads them.
        return array.cast(target, safe=not pa.types.is_timestamp(target))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


class _Walk:
    """Walks a record type's fields over the typed columns, marking the rows that may not fit."""

    def __init__(self, pa: Any, pc: Any, columns: dict[str, Any], rows: int) -> None:
        self.pa = pa
        self.pc = pc
        self.columns = columns
        self.rows = rows
        self.none = pa.array([False] * rows, pa.bool_())
        self._positions: Any = None

    def _rows_of(self, parents: Any) -> Any:
        """A mask of the rows at the given positions."""
        if self._positions is None:
            self._positions = self.pa.array(range(self.rows), self.pa.int64())
        return self.pc.is_in(self._positions, value_set=parents.unique())

    def record(self, record_type: type, prefix: str) -> tuple[Any, Any]:
        """Which rows have a value in this record, and which may not fit it."""
        pc = self.pc
        present = self.none
        missing = self.none
        unsure = self.none
        for spec in schema(record_type).fields:
            key = prefix + spec.name
            if spec.kind == "record" and spec.record is not None:
                there, doubtful = self.record(spec.record, key + ".")
            else:
                column = self.columns[key]
                there = pc.is_valid(column)
                doubtful = self._values(spec, key, column)
            if spec.required:
                missing = pc.or_(missing, pc.invert(there))
            present = pc.or_(present, there)
            unsure = pc.or_(unsure, doubtful)
        # A nested record that has no value at all is absent, not missing its fields.
        return present, pc.or_(unsure, pc.and_(missing, present) if prefix else missing)

    def _values(self, spec: Any, key: str, column: Any) -> Any:
        pc = self.pc
        if spec.kind == "enum":
            return self._bad_texts(spec, key, pc.cast(column, self.pa.string()))
        if spec.kind == "datetime":
            minutes = self.columns[key + OFFSET_SUFFIX]
            return pc.fill_null(pc.greater(pc.abs(minutes), _MAX_OFFSET_MINUTES), False)
        if spec.kind != "list":
            return self.none
        if spec.item_kind == "record":
            return pc.is_valid(column)  # lines: left to the record path
        items = pc.list_flatten(column)
        parents = pc.list_parent_indices(column)
        bad = pc.is_null(items)
        if spec.item_kind == "enum":
            bad = pc.or_(bad, self._bad_texts(spec, key, items))
        if not pc.any(bad).as_py():
            return self.none
        return self._rows_of(parents.filter(bad))

    def _bad_texts(self, spec: Any, key: str, texts: Any) -> Any:
        """
        The values the model's own parser of the field refuses, each distinct value read once.

        ``texts`` are an enum field's values, or the items of a list of enums
        (each read as a list of one item).
        """
        pc = self.pc
        whole = spec.kind == "list"
        refused = [
            text
            for text in pc.unique(texts).to_pylist()
            if text is not None and spec.parse([text] if whole else text, key, None)[1]
        ]
        if not refused:
            return self.pa.array([False] * len(texts), self.pa.bool_())
        return pc.fill_null(
            pc.is_in(texts, value_set=self.pa.array(refused, self.pa.string())), False
        )


# --- building the records of sure rows ---------------------------------------------------------
#
# The records of sure rows are built from their typed columns, one column at a time: each
# distinct enum text is read once by the field's own parser, other values are the ones
# `from_dict` would be given and return unchanged (a string, an int, a date, a Decimal, a
# date-time in its offset), and the record's own class checks them (its validators run).
# `from_dict` reads every cell of every row through the generic walk of nested mappings,
# which costs five to ten times more on typed frames (docs/performance.md). The tests hold
# both to the same records.


def sure_records(pa: Any, record_type: type, columns: dict[str, Any]) -> list[object | None]:
    """
    The record of each row of typed columns whose rows all certainly fit.

    Args:
        pa: The pyarrow module.
        record_type: The record class.
        columns: The typed columns of the rows (`TypedColumns.columns`, taken
            at the sure rows).

    Returns:
        Each row's record, or None where the record's class refused its values
        (a row to read as `from_frame` reads it, for its issues).
    """
    import pyarrow.compute as pc

    rows = len(next(iter(columns.values()))) if columns else 0
    refused: set[int] = set()
    fields, _present = _field_values(
        pa, pc, record_type, columns, prefix="", rows=rows, refused=refused
    )
    return _construct(record_type, fields, [True] * rows, refused)


def _construct(
    record_type: type, fields: dict[str, list[object]], present: list[bool], refused: set[int]
) -> list[object | None]:
    """
    The records of the rows that have a value in them (None for the others).

    A row whose values the class refuses (its own validators) is added to
    ``refused``, and so is left out of every record that holds it.
    """
    names = list(fields)
    out: list[object | None] = []
    append = out.append
    columns = zip(*fields.values(), strict=True) if names else iter(((),) * len(present))
    for row, (values, there) in enumerate(zip(columns, present, strict=True)):
        if not there or row in refused:
            append(None)
            continue
        try:
            append(record_type(**dict(zip(names, values, strict=True))))
        except (TypeError, ValueError):  # the class's own checks: read_rows reports them
            refused.add(row)
            append(None)
    return out


def _field_values(
    pa: Any,
    pc: Any,
    record_type: type,
    columns: dict[str, Any],
    *,
    prefix: str,
    rows: int,
    refused: set[int],
) -> tuple[dict[str, list[object]], list[bool]]:
    """Each field's values over the rows, and which rows have a value in this record."""
    fields: dict[str, list[object]] = {}
    present = [False] * rows
    for spec in schema(record_type).fields:
        key = prefix + spec.name
        if spec.kind == "record" and spec.record is not None:
            inner, there = _field_values(
                pa, pc, spec.record, columns, prefix=key + ".", rows=rows, refused=refused
            )
            fields[spec.name] = _construct(spec.record, inner, there, refused)
        else:
            values = _values(pa, pc, spec, key, columns)
            fields[spec.name] = values
            there = [value is not None for value in values]
        present = [a or b for a, b in zip(present, there, strict=True)]
    return fields, present


def _values(pa: Any, pc: Any, spec: Any, key: str, columns: dict[str, Any]) -> list[object]:
    """One field's values as `from_dict` gives them, None where the cell is null."""
    column = columns[key]
    if spec.kind == "enum":
        return _enum_values(pa, pc, spec, key, column)
    if spec.kind == "datetime":
        return _moments(pa, column, columns[key + OFFSET_SUFFIX])
    if spec.kind == "date":
        return _dates(pa, column)
    if spec.kind != "list":
        return typing.cast("list[object]", column.to_pylist())
    valid = column.is_valid().to_pylist()
    offsets = column.offsets.to_pylist()
    items: list[Any] = column.values.to_pylist()
    if spec.item_kind == "enum":
        members = _members(spec, key, items, whole=True)
        items = [None if item is None else members[item] for item in items]
    return [
        tuple(items[offsets[row] : offsets[row + 1]]) if there else None
        for row, there in enumerate(valid)
    ]


def _enum_values(pa: Any, pc: Any, spec: Any, key: str, column: Any) -> list[object]:
    """An enum column's members: each dictionary (or distinct) text read once."""
    if pa.types.is_dictionary(column.type):
        texts = column.dictionary.to_pylist()
        members = _members(spec, key, texts, whole=False)
        by_index = [members.get(text) for text in texts]
        return [None if index is None else by_index[index] for index in column.indices.to_pylist()]
    values = pc.cast(column, pa.string()).to_pylist()
    members = _members(spec, key, values, whole=False)
    return [None if text is None else members[text] for text in values]


def _members(spec: Any, key: str, texts: list[Any], *, whole: bool) -> dict[str, object]:
    """Each distinct text's enum member, read by the field's own parser (sure rows: no refusal)."""
    members: dict[str, object] = {}
    for text in set(texts):
        if text is not None:
            parsed, _issues = spec.parse([text] if whole else text, key, None)
            members[text] = parsed[0] if whole else parsed
    return members


# pyarrow's to_pylist builds each date-time through a time zone object, 5 to 6 us a value, and
# each date at about 1 us: counted from the epoch here, they cost a tenth of that. The tests
# hold both to to_pylist.

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()


def _moments(pa: Any, column: Any, minutes: Any) -> list[object]:
    """
    A ``timestamp[us, UTC]`` column's date-times, each in its offset column's offset.

    As `fold_offset` puts them (sure rows: every offset in range); a date-time
    whose offset is null is pyarrow's own, in its UTC time zone object.
    """
    micros = column.cast(pa.int64()).to_pylist()
    offsets = minutes.to_pylist()
    starts: dict[int, dt.datetime] = {}
    out: list[object] = []
    append = out.append
    own: list[Any] | None = None
    for row, (value, offset) in enumerate(zip(micros, offsets, strict=True)):
        if value is None:
            append(None)
        elif offset is None:
            if own is None:
                own = column.to_pylist()
            append(own[row])
        else:
            start = starts.get(offset)
            if start is None:
                start = starts[offset] = _EPOCH.astimezone(_zone(offset))
            append(start + dt.timedelta(microseconds=value))
    return out


def _zone(minutes: int) -> dt.tzinfo:
    return dt.timezone(dt.timedelta(minutes=minutes))


def _dates(pa: Any, column: Any) -> list[object]:
    """A ``date32`` column's dates."""
    fromordinal = dt.date.fromordinal
    return [
        None if days is None else fromordinal(days + _EPOCH_ORDINAL)
        for days in column.cast(pa.int32()).to_pylist()
    ]
