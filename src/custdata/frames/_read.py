"""
Reading frames into records: `from_frame` and the reading every frame path shares (private).

`read_rows` reads each row of a frame as `from_frame` documents. The rows of a
typed frame that certainly fit (`custdata.frames._columns.typed_columns`) are
built into records from their columns (`sure_records`), each column read once;
every other row is read cell by cell into `custdata.from_dict`, which names its
issues. The tests hold both readings to the same records and issues.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic

import attrs

from custdata.errors import Issue, ValidationError
from custdata.frames._arrow import (
    _PANDAS_INDEX_PREFIX,
    OFFSET_SUFFIX,
    FrameIssue,
    FrameRecords,
    R,
    _check_unique_columns,
    _is_minutes,
    _known_columns,
    _loaded,
    _nest,
    _offset_issues,
    _pyarrow,
    _read_columns,
    frame_issues,
)
from custdata.frames._columns import sure_records, typed_columns
from custdata.model import from_dict
from custdata.model._time import check_tz

if TYPE_CHECKING:
    from custdata.model._time import TimeZone

__all__ = ["ReadRows", "from_frame", "read_rows", "record_from_cells"]


def from_frame(
    frame: object, record_type: type[R], *, tz: TimeZone | None = None
) -> FrameRecords[R]:
    """
    Read the rows of a frame as records, keeping the rows that do not fit apart.

    Reads the typed tables `to_arrow`, `to_pandas` and `to_polars` give, and also
    frames whose columns are all text in the flat (CSV) form: ``|``-joined lists,
    lines as a JSON array. Struct columns are read as their dotted columns
    (``address`` holding ``city`` is ``address.city``). A null, a pandas ``NaN``,
    ``None``, ``NA`` or ``NaT``, and a float ``NaN`` are missing values. Cells are
    read as `custdata.from_dict` reads values; a whole number in a text column as
    its digits, unless it is a phone number or a postal code too short for its
    country, whose leading zeros may have been lost (``leading_zeros_lost``).
    Rows are counted by position: a pandas index is not read.

    Args:
        frame: A `pyarrow.Table` or `pyarrow.RecordBatch`, a pandas or a polars
            ``DataFrame``.
        record_type: The record class of each row.
        tz: The time zone of date-times without an offset (a timestamp column
            without a time zone), as for `custdata.from_dict`.

    Returns:
        A `FrameRecords`: the records of the rows that fit, and the issues of the
        others, each with its 0-based row ``index``; ``rows == len(records) + rejected``.

    Raises:
        ValidationError: If a column belongs to no field of the record type
            (``unknown_field``) or is given twice (``duplicate_column``), naming
            the column; no row is read.
        TypeError: If ``frame`` is none of the frames above.
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
    """
    records: list[R] = []
    indices: list[int] = []
    issues: list[FrameIssue] = []
    read = read_rows(frame, record_type, tz=tz)
    for index, record, problems, _ in read.rows:
        if record is not None:
            records.append(record)
            indices.append(index)
        else:
            issues.extend(frame_issues(index, problems))
    return FrameRecords(
        records=tuple(records), indices=tuple(indices), issues=tuple(issues), rows=read.count
    )


@attrs.frozen
class ReadRows(Generic[R]):
    """
    Every row of a frame as `read_rows` read it (private to custdata.frames).

    ``rows`` holds ``(index, record, issues, flat)`` per row: the record, or
    ``None`` and the issues that kept the row from being one, with its flat
    cells (for `content_issues`); ``count`` is the number of rows.
    """

    rows: list[tuple[int, R | None, list[Issue], dict[str, object]]]
    count: int


def read_rows(
    frame: object, record_type: type[R], *, tz: TimeZone | None = None, start: int = 0
) -> ReadRows[R]:
    """
    Read every row of a frame, as `from_frame` documents; rows are numbered from ``start``.

    Raises as `from_frame` does, before any row is read.
    """
    pa = _pyarrow()
    check_tz(tz)  # a bad time zone fails before any row is read
    _check_unique_columns(pa, frame, record_type)
    typed = _typed_rows(pa, frame, record_type, start)
    if typed is None:
        return _read_cells(pa, frame, record_type, tz=tz, start=start)
    table, built, unsure = typed
    if not unsure:
        return ReadRows(rows=built, count=table.num_rows)
    cells = _read_cells(pa, table.take(pa.array(unsure, pa.int64())), record_type, tz=tz, start=0)
    rows = built + [
        (start + unsure[index], record, problems, flat)
        for index, record, problems, flat in cells.rows
    ]
    rows.sort(key=lambda row: row[0])
    return ReadRows(rows=rows, count=table.num_rows)


def _typed_rows(
    pa: Any, frame: object, record_type: type[R], start: int
) -> tuple[Any, list[tuple[int, R | None, list[Issue], dict[str, object]]], list[int]] | None:
    """
    The rows of a typed frame that certainly fit, built from its columns (`sure_records`).

    Returns the frame as a flat Arrow table, the rows built, and the positions of
    the others (for `_read_cells`); None when the frame is not typed, or has
    columns of no field (its rows are then all read cell by cell, which names them).
    """
    table = _flat_table(pa, frame)
    if table is None or not table.num_rows:
        return None
    known = _known_columns(record_type)
    if any(name not in known for name in table.column_names):
        return None
    typed = typed_columns(pa, table, record_type)
    if typed is None:
        return None
    import pyarrow.compute as pc

    sure = pc.indices_nonzero(typed.sure)
    if not len(sure):
        return None
    columns = typed.columns
    if len(sure) < table.num_rows:
        columns = {name: column.take(sure) for name, column in columns.items()}
    records = sure_records(pa, record_type, columns)
    built: list[tuple[int, R | None, list[Issue], dict[str, object]]] = []
    unsure = pc.indices_nonzero(pc.invert(typed.sure)).to_pylist()
    no_problems: list[Issue] = []
    no_cells: dict[str, object] = {}
    for position, record in zip(sure.to_pylist(), records, strict=True):
        if record is None:  # refused by the record's own class: read cell by cell
            unsure.append(position)
        else:
            built.append((start + position, typing.cast("R", record), no_problems, no_cells))
    unsure.sort()
    return table, built, unsure


def _flat_table(pa: Any, frame: object) -> Any | None:
    """The frame as an Arrow table of flat (dotted) columns; None if Arrow cannot type it."""
    pandas_frame = _loaded("pandas", "DataFrame")
    if pandas_frame is not None and isinstance(frame, pandas_frame):
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            return None  # columns of mixed objects: read value by value
    elif isinstance(frame, pa.RecordBatch):
        table = pa.Table.from_batches([frame])
    elif isinstance(frame, pa.Table):
        table = frame
    else:
        polars_frame = _loaded("polars", "DataFrame")
        if polars_frame is None or not isinstance(frame, polars_frame):
            return None  # not a frame: _read_cells says so
        table = typing.cast("Any", frame).to_arrow()
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


def _read_cells(
    pa: Any, frame: object, record_type: type[R], *, tz: TimeZone | None, start: int
) -> ReadRows[R]:
    """Read every row of a frame cell by cell into `from_dict`: the reading of `read_rows`."""
    read, count = _read_columns(pa, frame)
    known = _known_columns(record_type)
    names = [name for name in read if not name.startswith(_PANDAS_INDEX_PREFIX)]
    unknown = [
        Issue(path=name[:64], code="unknown_field", message="unknown column")
        for name in names
        if name not in known
    ]
    if unknown:
        raise ValidationError(unknown, record_type=record_type.__name__)
    columns = {name: read[name] for name in names}
    # Only rows with an offset out of range are searched for it.
    bad_offsets = {
        position
        for name in names
        if name.endswith(OFFSET_SUFFIX)
        for position, minutes in enumerate(columns[name])
        if minutes is not None and not _is_minutes(minutes)
    }
    rows: list[tuple[int, R | None, list[Issue], dict[str, object]]] = []
    no_problems: list[Issue] = []
    no_cells: dict[str, object] = {}
    for position in range(count):
        flat = {name: values[position] for name, values in columns.items()}
        problems: list[Issue] = []
        nested = _nest(record_type, flat)
        if position in bad_offsets:
            problems.extend(_offset_issues(nested))
        if not problems:
            try:
                record = from_dict(record_type, nested, tz=tz)
            except ValidationError as error:
                problems = list(error.issues)
            else:
                rows.append((start + position, record, no_problems, no_cells))
                continue
        rows.append((start + position, None, problems, flat))
    return ReadRows(rows=rows, count=count)


def record_from_cells(
    record_type: type[R], flat: Mapping[str, object], *, tz: TimeZone | None = None
) -> R:
    """
    Build a record from a frame row's flat cells, as `read_rows` does (private helper).

    Raises:
        ValidationError: If the cells do not fit the record type.
    """
    return from_dict(record_type, _nest(record_type, flat), tz=tz)
