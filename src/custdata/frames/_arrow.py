"""
Records <-> Arrow tables, with one typed schema per record type.

The schema is derived from the model (`custdata.model._codec.flat_specs`): each
flat dotted column of the record type becomes one Arrow column of the type its
field kind calls for, and a date-time column gets an ``int16`` column beside it
holding the value's UTC offset in minutes, so that a value comes back in its own
offset. pyarrow is imported inside the functions, never on import.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs

from custdata.errors import Issue, MissingDependencyError, Severity, ValidationError
from custdata.model import schema
from custdata.model._codec import (
    ABSENT,
    FieldSpec,
    cell_value,
    is_number,
    nest_flat,
    number_as_text,
)

if TYPE_CHECKING:
    import pyarrow

__all__ = [
    "AMOUNT_SCALE",
    "OFFSET_SUFFIX",
    "FrameIssue",
    "FrameRecords",
    "arrow_schema",
    "to_arrow",
]

R = TypeVar("R")

OFFSET_SUFFIX: Final = ".offset_minutes"
"""Suffix of the ``int16`` column that holds a date-time column's UTC offset in minutes."""

AMOUNT_SCALE: Final = 4
"""Decimal places of an amount column: ``decimal128(18, 4)``."""

_AMOUNT_PRECISION: Final = 18
_AMOUNT_LIMIT: Final = Decimal(10) ** (_AMOUNT_PRECISION - AMOUNT_SCALE)
_QUANTUM: Final = Decimal(1).scaleb(-AMOUNT_SCALE)
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_MAX_OFFSET_MINUTES: Final = 24 * 60 - 1
_PANDAS_INDEX_PREFIX: Final = "__index_level_"


def _pyarrow() -> Any:  # the module, typed at its use sites
    try:
        import pyarrow as pa
    except ImportError:
        package = "pyarrow"
        raise MissingDependencyError(package, "arrow") from None
    return pa


# --- the schema ----------------------------------------------------------------------------


def _scalar_type(pa: Any, kind: str) -> Any:  # noqa: PLR0911  # one return per kind
    if kind == "str":
        return pa.string()
    if kind == "int":
        return pa.int64()
    if kind == "bool":
        return pa.bool_()
    if kind == "decimal":
        return pa.decimal128(_AMOUNT_PRECISION, AMOUNT_SCALE)
    if kind == "date":
        return pa.date32()
    if kind == "datetime":
        return pa.timestamp("us", tz="UTC")
    if kind == "enum":
        return pa.dictionary(pa.int32(), pa.string())
    msg = f"no Arrow type for field kind {kind!r}"
    raise TypeError(msg)


def _leaves(record_type: type, prefix: str = "", optional: bool = False) -> list[_Leaf]:
    """The flat columns of a record type, each with whether it may be null."""
    leaves: list[_Leaf] = []
    for spec in schema(record_type).fields:
        name = prefix + spec.name
        may_be_null = optional or spec.nullable
        if spec.kind == "record" and spec.record is not None:
            leaves.extend(_leaves(spec.record, f"{name}.", may_be_null))
        else:
            leaves.append(_Leaf(name=name, spec=spec, nullable=may_be_null))
    return leaves


@attrs.frozen
class _Leaf:
    name: str
    spec: FieldSpec
    nullable: bool


def _fields(pa: Any, record_type: type) -> list[Any]:
    fields: list[Any] = []
    for leaf in _leaves(record_type):
        spec = leaf.spec
        if spec.kind == "list":
            if spec.item_kind == "record" and spec.item_record is not None:
                item = pa.struct(_fields(pa, spec.item_record))
            else:
                item = pa.string()  # lists of strings and of enums alike
            fields.append(pa.field(leaf.name, pa.list_(item), nullable=leaf.nullable))
        else:
            fields.append(pa.field(leaf.name, _scalar_type(pa, spec.kind), nullable=leaf.nullable))
            if spec.kind == "datetime":
                fields.append(
                    pa.field(leaf.name + OFFSET_SUFFIX, pa.int16(), nullable=leaf.nullable)
                )
    return fields


def arrow_schema(record_type: type) -> pyarrow.Schema:
    """
    Return the typed Arrow schema of a record type.

    One column per flat dotted column of the record type (``address.postal_code``,
    ``total.amount``, ``total.currency``), typed from the model:

    - strings ``string``, integers ``int64``, booleans ``bool``;
    - amounts ``decimal128(18, 4)`` (a `Money` is two columns, amount and currency);
    - dates ``date32``;
    - date-times ``timestamp[us, tz=UTC]``, each followed by an ``int16`` column
      named ``<column>.offset_minutes`` holding the value's UTC offset in minutes;
    - enums ``dictionary<int32, string>`` of their values;
    - lists of strings and lists of enums ``list<string>``;
    - lists of records (a purchase's lines) ``list<struct<...>>`` whose struct
      fields are the item record's own flat columns, typed the same way.

    A column is non-nullable when the model requires a value and no enclosing
    record is optional.

    Args:
        record_type: A custdata record class, such as `custdata.Contact`.

    Returns:
        A `pyarrow.Schema`.

    Raises:
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
        TypeError: If ``record_type`` is not a custdata record class.
    """
    pa = _pyarrow()
    return typing.cast("pyarrow.Schema", pa.schema(_fields(pa, record_type)))


# --- records -> table ----------------------------------------------------------------------


def _issue(problems: list[Issue], where: str, path: str, code: str, message: str) -> None:
    """Note a problem of the value at ``path`` of the record at ``where`` (``[3]``)."""
    problems.append(Issue(path=f"{where}.{path}" if path else where, code=code, message=message))


def _check_str(value: object) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return "wrong_type", "expected a string"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid_text", "is not valid Unicode text (a lone surrogate)"
    return None


def _check_int(value: object) -> tuple[str, str] | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "wrong_type", "expected an integer"
    if not _INT64_MIN <= value <= _INT64_MAX:
        return "out_of_range", "does not fit a 64-bit integer"
    return None


def _check_bool(value: object) -> tuple[str, str] | None:
    return None if isinstance(value, bool) else ("wrong_type", "expected a boolean")


def _check_decimal(value: object) -> tuple[str, str] | None:
    if not isinstance(value, Decimal):
        return "wrong_type", "expected a Decimal"
    return amount_problem(value)


def amount_problem(number: Decimal) -> tuple[str, str] | None:
    """
    Why an amount does not fit a ``decimal128(18, 4)`` column: ``(code, message)``, or None.

    Nothing is rounded: more than 4 decimal places is ``too_many_decimals``,
    15 digits or more before the point ``amount_out_of_range``, a NaN or an
    infinity ``invalid_decimal``. Shared by `to_arrow` and the Parquet writer.
    """
    if not number.is_finite():
        return "invalid_decimal", "expected a finite decimal number"
    if abs(number) >= _AMOUNT_LIMIT:
        return (
            "amount_out_of_range",
            f"has more than {_AMOUNT_PRECISION - AMOUNT_SCALE} digits before the decimal point, "
            f"which a decimal128({_AMOUNT_PRECISION}, {AMOUNT_SCALE}) column cannot hold",
        )
    try:
        exact = number.quantize(_QUANTUM) == number
    except InvalidOperation:
        exact = False
    if not exact:
        return (
            "too_many_decimals",
            f"has more than {AMOUNT_SCALE} decimal places, which a "
            f"decimal128({_AMOUNT_PRECISION}, {AMOUNT_SCALE}) column cannot hold without "
            "rounding: round it first",
        )
    return None


def _check_date(value: object) -> tuple[str, str] | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return "wrong_type", "expected a date"
    return None


def _check_datetime(value: object) -> tuple[str, str] | None:
    if not isinstance(value, dt.datetime):
        return "wrong_type", "expected a date and time"
    offset = value.utcoffset()
    if offset is None:
        return "naive_datetime", "has no time zone offset"
    if offset % dt.timedelta(minutes=1):
        return "offset_not_whole_minutes", "has a UTC offset that is not a whole number of minutes"
    return None


_CHECKS: Final[dict[str, Callable[[object], tuple[str, str] | None]]] = {
    "str": _check_str,
    "int": _check_int,
    "bool": _check_bool,
    "decimal": _check_decimal,
    "date": _check_date,
    "datetime": _check_datetime,
}


def _enum_check(enum_type: type[enum.Enum]) -> Callable[[object], tuple[str, str] | None]:
    def check(value: object) -> tuple[str, str] | None:
        if isinstance(value, enum_type):
            return None
        return "wrong_type", f"expected a member of {enum_type.__name__}"

    return check


def _get(value: object, names: Sequence[str]) -> tuple[object, str | None]:
    """The value at a dotted path, or ``(None, prefix)`` if a record on the way is not one."""
    for depth, name in enumerate(names):
        if value is None:
            return None, None
        if depth and not attrs.has(type(value)):
            return None, ".".join(names[:depth])
        value = getattr(value, name)
    return value, None


class _Builder:
    """Builds the Arrow columns of a list of records (or of list items), noting problems."""

    def __init__(self, pa: Any, problems: list[Issue]) -> None:
        self.pa = pa
        self.problems = problems
        self.blanked: set[str] = set()  # where records are not records: reported once

    def _blank(self, where: str) -> None:
        if where not in self.blanked:
            self.blanked.add(where)
            _issue(self.problems, where, "", "wrong_type", "expected a record")

    def _is_blanked(self, where: str) -> bool:
        return any(where.startswith(blanked + ".") for blanked in self.blanked)

    def columns(
        self, record_type: type, records: Sequence[object], wheres: Sequence[str]
    ) -> list[Any]:
        """One array per field of ``_fields(record_type)``, in order."""
        arrays: list[Any] = []
        found: dict[str, list[object]] = {}
        for leaf in _leaves(record_type):
            values = self._values_at(leaf.name, records, wheres, found)
            arrays.extend(self._leaf(leaf, values, wheres, leaf.name))
        return arrays

    def _values_at(
        self,
        path: str,
        records: Sequence[object],
        wheres: Sequence[str],
        found: dict[str, list[object]],
    ) -> list[object]:
        """
        The value at a dotted path of each record, as `_get` reads it, one path at a time.

        The values of each nested record are read once for all its columns
        (``found``); one that is not a record is noted, and its fields are None.
        """
        cached = found.get(path)
        if cached is not None:
            return cached
        parent, _, name = path.rpartition(".")
        values: list[object]
        if not parent:
            values = [None if record is None else getattr(record, name) for record in records]
        else:
            values = []
            append = values.append
            holders = self._values_at(parent, records, wheres, found)
            is_record: dict[type, bool] = {}
            for row, holder in enumerate(holders):
                if holder is None:
                    append(None)
                    continue
                kind = type(holder)
                known = is_record.get(kind)
                if known is None:
                    known = is_record[kind] = attrs.has(kind)
                if known:
                    append(getattr(holder, name))
                else:
                    self._blank(f"{wheres[row]}.{parent}")
                    append(None)
        found[path] = values
        return values

    def _nulls(self, leaf: _Leaf, values: list[object], wheres: Sequence[str], path: str) -> None:
        if not leaf.nullable:
            for row, value in enumerate(values):
                if value is None:
                    where = wheres[row]
                    if not (self.blanked and self._is_blanked(f"{where}.{path}")):
                        _issue(self.problems, where, path, "null", "must not be empty")

    def _checked(
        self,
        check: Callable[[object], tuple[str, str] | None],
        values: list[object],
        wheres: Sequence[str],
        path: str,
    ) -> list[object]:
        """The values, with each one that fails its check noted and replaced by None."""
        checked: list[object] = []
        for row, value in enumerate(values):
            problem = None if value is None else check(value)
            if problem is None:
                checked.append(value)
            else:
                _issue(self.problems, wheres[row], path, *problem)
                checked.append(None)
        return checked

    def _leaf(
        self, leaf: _Leaf, values: list[object], wheres: Sequence[str], path: str
    ) -> list[Any]:
        pa = self.pa
        spec = leaf.spec
        self._nulls(leaf, values, wheres, path)
        if spec.kind == "list":
            return [self._list(spec, values, wheres, path)]
        if spec.kind == "enum":
            enum_type = typing.cast("type[enum.Enum]", spec.enum_type)
            checked = self._checked(_enum_check(enum_type), values, wheres, path)
            members = list(enum_type)
            position: dict[object, int] = {member: index for index, member in enumerate(members)}
            indices = pa.array(
                [None if value is None else position[value] for value in checked], pa.int32()
            )
            dictionary = pa.array([str(member.value) for member in members], pa.string())
            return [pa.DictionaryArray.from_arrays(indices, dictionary)]
        if spec.kind == "str" and all(type(value) is str or value is None for value in values):
            # The common case, checked in one pass: only lone surrogates remain to find.
            try:
                return [pa.array(values, pa.string())]
            except UnicodeEncodeError:
                pass
        if spec.kind == "datetime":
            return self._moments(values, wheres, path)
        checked = self._checked(_CHECKS[spec.kind], values, wheres, path)
        return [pa.array(checked, _scalar_type(pa, spec.kind))]

    def _moments(self, values: list[object], wheres: Sequence[str], path: str) -> list[Any]:
        """A date-time column and its offsets column, each value checked by `_check_datetime`."""
        pa = self.pa
        minute = dt.timedelta(minutes=1)
        checked: list[object] = []
        offsets: list[int | None] = []
        for row, value in enumerate(values):
            problem = None if value is None else _check_datetime(value)
            if value is None or problem is not None:
                if problem is not None:
                    _issue(self.problems, wheres[row], path, *problem)
                checked.append(None)
                offsets.append(None)
                continue
            checked.append(value)
            offsets.append(typing.cast("dt.timedelta", value.utcoffset()) // minute)  # type: ignore[attr-defined]
        return [pa.array(checked, _scalar_type(pa, "datetime")), pa.array(offsets, pa.int16())]

    def _list(self, spec: FieldSpec, values: list[object], wheres: Sequence[str], path: str) -> Any:
        pa = self.pa
        offsets: list[int | None] = [0]
        items: list[object] = []
        item_wheres = _ItemWheres(wheres, path)
        item_record = spec.item_record
        for row, value in enumerate(values):
            if value is None:
                offsets.append(None)
                continue
            if not isinstance(value, tuple | list):
                _issue(self.problems, wheres[row], path, "wrong_type", "expected a tuple")
                offsets.append(None)
                continue
            for index, item in enumerate(value):
                item_wheres.add(row, index)
                if item_record is not None and not isinstance(item, item_record):
                    self._blank(item_wheres[-1])
                    item = None  # noqa: PLW2901  # reported: its fields are not read
                items.append(item)
            offsets.append(len(items))
        # A null list has no offset of its own: it repeats the previous end.
        ends: list[int] = []
        valid: list[bool] = []
        last = 0
        for offset in offsets[1:]:
            valid.append(offset is not None)
            last = last if offset is None else offset
            ends.append(last)
        mask = pa.array([not ok for ok in valid], pa.bool_())
        offset_array = pa.array([0, *ends], pa.int32())
        if spec.item_kind == "record" and spec.item_record is not None:
            item_type = pa.struct(_fields(pa, spec.item_record))
            children = self.columns(spec.item_record, items, item_wheres)
            flat = pa.StructArray.from_arrays(children, fields=list(item_type))
        else:
            if spec.item_kind == "enum":
                enum_type = typing.cast("type[enum.Enum]", spec.enum_type)
                checked = self._checked(_enum_check(enum_type), items, item_wheres, "")
                texts: list[object] = [
                    None if item is None else str(typing.cast("enum.Enum", item).value)
                    for item in checked
                ]
            else:
                texts = self._checked(_check_str, items, item_wheres, "")
            flat = pa.array(texts, pa.string())
        return pa.ListArray.from_arrays(offset_array, flat, mask=mask)


class _ItemWheres(Sequence[str]):
    """
    Where each item of a list column is (``[3].lines[1]``), written only when asked.

    A problem's place is needed for the few values that have one, not for every item.
    """

    def __init__(self, wheres: Sequence[str], path: str) -> None:
        self._wheres = wheres
        self._path = path
        self._rows: list[int] = []
        self._indexes: list[int] = []

    def add(self, row: int, index: int) -> None:
        self._rows.append(row)
        self._indexes.append(index)

    def __len__(self) -> int:
        return len(self._rows)

    @typing.overload
    def __getitem__(self, position: int) -> str: ...

    @typing.overload
    def __getitem__(self, position: slice) -> Sequence[str]: ...

    def __getitem__(self, position: int | slice) -> str | Sequence[str]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        return f"{self._wheres[self._rows[position]]}.{self._path}[{self._indexes[position]}]"


def _position(problem: Issue) -> int:
    """The row of a problem noted at ``[i].path`` by a `_Builder`."""
    return int(problem.path[1 : problem.path.index("]")])


def leaf_arrays(
    record_type: type, name: str, records: Sequence[object]
) -> tuple[list[Any], dict[int, list[Issue]]]:
    """
    The typed arrays of one flat column of some records (private to custdata.frames).

    One array, or two for a date-time (its offsets beside it), as `to_arrow`
    builds them; with the problems of the values the schema cannot hold, by
    position (the value is null in the array).
    """
    pa = _pyarrow()
    leaf = next(leaf for leaf in _leaves(record_type) if leaf.name == name)
    problems: list[Issue] = []
    builder = _Builder(pa, problems)
    names = name.split(".")
    wheres = [f"[{row}]" for row in range(len(records))]
    values = [_get(record, names)[0] for record in records]
    arrays = builder._leaf(leaf, values, wheres, name)  # the same module
    return arrays, _by_position(problems)


def value_arrays(
    spec: FieldSpec, kind: str, values: Sequence[object]
) -> tuple[list[Any], dict[int, list[Issue]]]:
    """
    Plain Python values of one kind (``str``, ``date``, ``decimal``...) as typed arrays.

    As `leaf_arrays`, for values that are not in records (a transform's
    outputs): a nullable column of ``kind``, its problems by position.
    """
    pa = _pyarrow()
    problems: list[Issue] = []
    builder = _Builder(pa, problems)
    leaf = _Leaf(name=spec.name, spec=attrs.evolve(spec, kind=kind), nullable=True)
    wheres = [f"[{row}]" for row in range(len(values))]
    arrays = builder._leaf(leaf, list(values), wheres, spec.name)  # the same module
    return arrays, _by_position(problems)


def _by_position(problems: Sequence[Issue]) -> dict[int, list[Issue]]:
    found: dict[int, list[Issue]] = {}
    for problem in problems:
        path = problem.path.partition(".")[2]
        found.setdefault(_position(problem), []).append(
            Issue(path=path, code=problem.code, severity=problem.severity, message=problem.message)
        )
    return found


def column_type(kind: str) -> Any:
    """The Arrow type of a scalar kind (private to custdata.frames)."""
    return _scalar_type(_pyarrow(), kind)


def to_arrow(records: Iterable[object], record_type: type | None = None) -> pyarrow.Table:
    """
    Convert records to an Arrow table of the record type's typed schema (`arrow_schema`).

    Example:
        >>> table = to_arrow([Contact(contact_id="C-1")])  # doctest: +SKIP

    `from_frame` reverses it exactly: amounts come back equal (``19.90`` as
    ``19.9000``), date-times at the same instant in their own UTC offset (a fixed
    `datetime.timezone`, not the zone they were built with).

    Args:
        records: Records of one type.
        record_type: Their class; taken from the first record when ``None``.

    Returns:
        A `pyarrow.Table` with one row per record, in order.

    Raises:
        ValidationError: Listing every value the schema cannot hold without loss,
            each at ``[row].column`` (``[3].total.amount``): an amount with more
            than 4 decimal places or 15 digits before the point, a date-time whose
            offset is not whole minutes, a value of the wrong type, an empty
            required value. Nothing is rounded silently.
        TypeError: If a record is not of ``record_type``, or there are no records
            and no ``record_type``.
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
    """
    rows = list(records)
    if record_type is None:
        if not rows:
            msg = "to_arrow: no records and no record_type"
            raise TypeError(msg)
        record_type = type(rows[0])
    for record in rows:
        if type(record) is not record_type:
            msg = f"to_arrow: expected {record_type.__name__} records, got {type(record).__name__}"
            raise TypeError(msg)
    pa = _pyarrow()
    target = arrow_schema(record_type)
    problems: list[Issue] = []
    arrays = _Builder(pa, problems).columns(
        record_type, rows, [f"[{row}]" for row in range(len(rows))]
    )
    if problems:
        raise ValidationError(problems, record_type=record_type.__name__)
    return typing.cast("pyarrow.Table", pa.Table.from_arrays(arrays, schema=target))


# --- table -> records ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FrameIssue:
    """
    A problem of one row of a frame: why it could not become a record.

    Attributes:
        index: The row's 0-based position in the frame.
        path: The field, as in `custdata.Issue` (``"address.postal_code"``,
            ``"lines[1].quantity"``); ``""`` for the row as a whole.
        code: A stable snake_case code, such as ``"missing"`` or ``"invalid_date"``.
        severity: `Severity.ERROR` or `Severity.WARNING`.
        message: A human explanation that never contains the value.
    """

    index: int
    path: str
    code: str
    severity: Severity = Severity.ERROR
    message: str


@attrs.frozen(kw_only=True)
class FrameRecords(Generic[R]):
    """
    What `from_frame` read: the records, and the issues of the rows that did not fit.

    Attributes:
        records: One record per accepted row, in the frame's order.
        indices: The 0-based row position of each record, parallel to ``records``.
        issues: Every problem of the rejected rows, by row then column.
        rows: The number of rows read.
    """

    records: tuple[R, ...]
    indices: tuple[int, ...]
    issues: tuple[FrameIssue, ...]
    rows: int

    @property
    def rejected(self) -> int:
        """The number of rows that did not become a record: ``rows - len(records)``."""
        return self.rows - len(self.records)


def _loaded(module: str, name: str) -> type | None:
    """A class of a frame library if the host imported it; never imports it."""
    loaded = sys.modules.get(module)
    found = getattr(loaded, name, None) if loaded is not None else None
    return found if isinstance(found, type) else None


def _read_columns(pa: Any, frame: object) -> tuple[dict[str, list[object]], int]:
    """
    The frame's columns as lists of Python values by dotted name, and its row count.

    An Arrow table or record batch, a pandas or a polars DataFrame; struct
    columns are read as their dotted columns (``address`` -> ``address.city``).
    """
    pandas_frame = _loaded("pandas", "DataFrame")
    if pandas_frame is not None and isinstance(frame, pandas_frame):
        return _pandas_columns(pa, frame)
    polars_frame = _loaded("polars", "DataFrame")
    if polars_frame is not None and isinstance(frame, polars_frame):
        frame = typing.cast("Any", frame).to_arrow()
    if isinstance(frame, pa.RecordBatch):
        frame = pa.Table.from_batches([frame])
    if not isinstance(frame, pa.Table):
        msg = (
            "from_frame: expected a pyarrow Table or RecordBatch, a pandas or a polars "
            f"DataFrame, got {type(frame).__name__}"
        )
        raise TypeError(msg)
    table = frame
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    columns = {name: _python_values(pa, table.column(name)) for name in table.column_names}
    return columns, table.num_rows


def _pandas_columns(pa: Any, frame: Any) -> tuple[dict[str, list[object]], int]:
    """
    A pandas frame's columns, through Arrow where a column converts (NaN, None, NA: null).

    A column of mixed Python objects that Arrow cannot type (numbers and text
    together) is read value by value, its missing values as None.
    """
    import pandas as pd  # loaded: the frame is one of its DataFrames

    columns: dict[str, list[object]] = {}
    for name in frame.columns:
        series = frame[name]
        try:
            array = pa.Array.from_pandas(series)
        except (pa.ArrowException, TypeError, ValueError):
            columns[str(name)] = [
                None if _is_scalar_missing(pd, value) else value for value in series.tolist()
            ]
        else:
            columns[str(name)] = _python_values(pa, pa.chunked_array([array]))
    return columns, len(frame)


def _is_scalar_missing(pd: Any, value: object) -> bool:
    if isinstance(value, list | tuple | dict) or hasattr(value, "__array__"):
        return False
    return bool(pd.isna(value))


def _check_unique_columns(pa: Any, frame: object, record_type: type) -> None:
    """Refuse a frame that names a column twice: which of the two would be the field?"""
    names: list[object] = []
    if isinstance(frame, pa.Table | pa.RecordBatch):
        names = list(frame.schema.names)
    elif hasattr(frame, "columns"):  # pandas and polars frames
        names = list(typing.cast("Any", frame).columns)
    seen: set[str] = set()
    twice: list[str] = []
    for name in (str(name) for name in names):
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    if twice:
        raise ValidationError(
            [
                Issue(path=name[:64], code="duplicate_column", message="column given twice")
                for name in twice
            ],
            record_type=record_type.__name__,
        )


def _known_columns(record_type: type) -> dict[str, FieldSpec]:
    known: dict[str, FieldSpec] = {}
    for leaf in _leaves(record_type):
        known[leaf.name] = leaf.spec
        if leaf.spec.kind == "datetime":
            known[leaf.name + OFFSET_SUFFIX] = leaf.spec
    return known


def _python_values(pa: Any, column: Any) -> list[object]:
    """
    A column's values as Python objects, a float NaN as None (missing).

    Nanosecond timestamps (pandas') are read to the microsecond, as Python holds them.
    """
    if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
        column = column.cast(pa.timestamp("us", tz=column.type.tz), safe=False)
    values = typing.cast("list[object]", column.to_pylist())
    if pa.types.is_floating(column.type):
        values = [None if value != value else value for value in values]  # noqa: PLR0124  # NaN
    return values


class _Offset:
    """A date-time's offset column value that is out of range; reported by `_nest`."""


def _with_offset(moment: object, minutes: object) -> object:
    folded, valid = fold_offset(moment, minutes)
    return folded if valid else _Offset()


def fold_offset(moment: object, minutes: object) -> tuple[object, bool]:
    """
    Put a date-time read from a timestamp column back in its own UTC offset.

    The one reading of ``.offset_minutes`` columns, for frames and Parquet files.

    Args:
        moment: The value of a timestamp column (an aware `datetime` in UTC), or None.
        minutes: The value of its offset column, or None (a whole float, as
            pandas holds nullable integers, counts as its integer).

    Returns:
        The date-time in its offset (as it was when ``minutes`` is None), and
        whether ``minutes`` was a valid offset: a whole number of minutes, less
        than a day either way.
    """
    if minutes is None or not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        return moment, True
    if not _is_minutes(minutes):
        return moment, False
    zone = dt.timezone(dt.timedelta(minutes=int(typing.cast("float", minutes))))
    return moment.astimezone(zone), True


def _is_minutes(minutes: object) -> bool:
    """Whether an offset column's value is whole minutes, less than a day either way."""
    if isinstance(minutes, float) and minutes.is_integer():  # a nullable int read by pandas
        minutes = int(minutes)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        return False
    return -_MAX_OFFSET_MINUTES <= minutes <= _MAX_OFFSET_MINUTES


def _nest(record_type: type, flat: Mapping[str, object]) -> dict[str, object]:
    """Rebuild the nested mapping `from_dict` reads from one flat row; None means absent."""
    return nest_flat(record_type, flat, _frame_cell)


def _frame_cell(spec: FieldSpec, key: str, flat: Mapping[str, object]) -> object:
    """
    A field's value as a frame gives it: None is absent, an empty string is a value.

    A date-time comes back in its offset column's offset; other cells are read
    by `custdata.model._codec.cell_value`, as files' cells are.
    """
    value = flat.get(key)
    if value is None:
        return ABSENT
    if spec.kind == "datetime":
        return _with_offset(value, flat.get(key + OFFSET_SUFFIX))
    if spec.kind == "str" and is_number(value):
        return number_as_text(spec, key, value, flat)
    return cell_value(spec, value, _frame_cell)


def _offset_issues(nested: Mapping[str, object], prefix: str = "") -> list[Issue]:
    return [
        Issue(
            path=prefix + key + OFFSET_SUFFIX,
            code="invalid_offset",
            message="expected a UTC offset in whole minutes, less than a day either way",
        )
        for key, value in nested.items()
        if isinstance(value, _Offset)
    ] + [
        issue
        for key, value in nested.items()
        if isinstance(value, Mapping)
        for issue in _offset_issues(value, f"{prefix}{key}.")
    ]


def frame_issues(index: int, problems: Iterable[Issue]) -> list[FrameIssue]:
    """The issues of one row as `FrameIssue` objects at its 0-based ``index``."""
    return [
        FrameIssue(
            index=index,
            path=problem.path,
            code=problem.code,
            severity=problem.severity,
            message=problem.message,
        )
        for problem in problems
    ]
