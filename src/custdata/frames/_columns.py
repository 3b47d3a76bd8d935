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

from typing import Any

import attrs

from custdata.frames._arrow import _MAX_OFFSET_MINUTES, OFFSET_SUFFIX, arrow_schema
from custdata.model import schema

__all__ = ["TypedColumns", "typed_columns"]


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
