"""
The planner's inputs: the columns the rules read, as compact arrays, from records or tables.

Days are proleptic ordinals (`datetime.date.toordinal`, ``0`` for none), the
moments of consent events microseconds since the epoch in UTC, links to the
contacts row numbers (``-1`` for a contact not given). The id columns stay
as given (a list, or the Arrow column itself): the plan reads them only when
it is written, so the frame path builds no Python object per row.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Sequence
from typing import Any, Final

import attrs

from custdata.model import Consent, Contact, Feedback, Purchase

__all__ = [
    "EPOCH_ORDINAL",
    "ConsentInputs",
    "ContactInputs",
    "LinkedInputs",
    "consent_inputs",
    "contact_inputs",
    "feedback_inputs",
    "purchase_inputs",
    "values",
]

EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND: Final = dt.timedelta(microseconds=1)
_COMPLETED: Final = "completed"
_INVOICED: Final = frozenset({"completed", "returned"})
_WITHDRAWN: Final = "withdrawn"

#: A purchase's status, coded: 0 other, 1 completed, 2 returned (an invoice too).
STATUS_OTHER: Final = 0
STATUS_COMPLETED: Final = 1
STATUS_RETURNED: Final = 2


@attrs.frozen(kw_only=True)
class ContactInputs:
    """The contacts: their ids (as given) and the two days the rules read."""

    ids: Sequence[Any]
    created: array[int]
    interaction: array[int]
    index: dict[str, int] | None  # the record path's row of each id (the first one)


@attrs.frozen(kw_only=True)
class LinkedInputs:
    """Purchases or feedback: their ids and contact ids (as given), row links, days, statuses."""

    ids: Sequence[Any]
    contact_ids: Sequence[Any]
    contact: array[int]
    day: array[int]
    status: array[int]


@attrs.frozen(kw_only=True)
class ConsentInputs:
    """Consent events: the five identifying columns (as given), links, groups, moments."""

    contact_ids: Sequence[Any]
    purposes: Sequence[Any]
    channels: Sequence[Any]
    statuses: Sequence[Any]
    moment: array[int]  # microseconds since the epoch, UTC
    contact: array[int]
    group: array[int]  # one consent (contact, purpose, channel): numbered in order of appearance
    withdrawn: array[int]
    groups: int


def values(source: Sequence[Any], start: int, stop: int, rows: array[int] | None) -> list[Any]:
    """Return the Python values of ``source[start:stop]``, or of ``source`` at those ``rows``."""
    if isinstance(source, (list, tuple)):
        if rows is None:
            return list(source[start:stop])
        return [source[row] for row in rows[start:stop]]
    if rows is None:
        result: list[Any] = source.slice(start, stop - start).to_pylist()  # type: ignore[attr-defined]
        return result
    import pyarrow as pa

    taken: list[Any] = source.take(pa.array(rows[start:stop], type=pa.int64())).to_pylist()  # type: ignore[attr-defined]
    return taken


def iso_moment(micros: int) -> str:
    """The ISO 8601 text of a moment in UTC, as `datetime.datetime.isoformat` writes it."""
    return (_EPOCH + micros * _MICROSECOND).isoformat()


def is_frame(value: object) -> bool:
    """Whether ``value`` is a table (it has columns) rather than records."""
    return not isinstance(value, (list, tuple)) and hasattr(value, "column_names")


# -- records ----------------------------------------------------------------------------------


def _day(moment: object) -> int:
    if moment is None:
        return 0
    if isinstance(moment, dt.datetime):
        day = moment.astimezone(dt.UTC).date() if moment.tzinfo is not None else moment.date()
        return day.toordinal()
    if isinstance(moment, dt.date):
        return moment.toordinal()
    msg = "plan_retention: a date column holds something that is not a date"
    raise TypeError(msg)


def _records(value: object, record_type: type) -> list[Any]:
    if not isinstance(value, Iterable):
        msg = f"plan_retention: expected {record_type.__name__} records or an Arrow table"
        raise TypeError(msg)
    records = list(value)
    for record in records:
        if not isinstance(record, record_type):
            msg = f"plan_retention: expected {record_type.__name__} records"
            raise TypeError(msg)
    return records


def _text(value: object) -> object:
    return getattr(value, "value", value)


def _links(contact_ids: Sequence[Any], contacts: ContactInputs) -> array[int]:
    index = contacts.index
    if index is None:  # contacts from a table, the others records: link through the ids
        index = {}
        for row, contact_id in enumerate(values(contacts.ids, 0, len(contacts.ids), None)):
            index.setdefault(contact_id, row)
    return array("i", [index.get(contact_id, -1) for contact_id in contact_ids])


# -- Arrow ------------------------------------------------------------------------------------


def _column(table: Any, name: str) -> Any:
    """A column as given; nulls when it is absent."""
    import pyarrow as pa

    if name not in table.column_names:
        return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    return table.column(name)


def _plain(table: Any, name: str) -> Any:
    """A column as a plain (not dictionary-encoded) chunked array; nulls when it is absent."""
    import pyarrow as pa

    column = _column(table, name)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column


def _ints(column: Any, typecode: str) -> array[int]:
    """Copy an Arrow integer column (no nulls) into an `array.array`, without Python objects."""
    import pyarrow as pa

    arrow_type = pa.int64() if typecode == "q" else pa.int32() if typecode == "i" else pa.int8()
    combined = column.cast(arrow_type)
    if isinstance(combined, pa.ChunkedArray):
        combined = combined.combine_chunks() if combined.num_chunks else pa.array([], arrow_type)
    result = array(typecode)
    if len(combined):
        width = result.itemsize
        buffer = combined.buffers()[1]
        start = combined.offset * width
        result.frombytes(memoryview(buffer)[start : start + len(combined) * width])
    return result


def _days(table: Any, name: str) -> array[int]:
    """A date or timestamp column as UTC day ordinals, ``0`` for none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if name not in table.column_names:
        return array("i", bytes(4 * table.num_rows))
    column = table.column(name)
    if pa.types.is_timestamp(column.type):
        if column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit, "UTC"))
        column = pc.cast(pc.cast(column, pa.timestamp(column.type.unit)), pa.date32())
    elif pa.types.is_date64(column.type):
        column = pc.cast(column, pa.date32())
    elif not pa.types.is_date32(column.type):
        msg = "plan_retention: a date column holds something that is not a date"
        raise TypeError(msg)
    days = pc.add(column.cast(pa.int32()), EPOCH_ORDINAL).fill_null(0)
    return _ints(days, "i")


def _moments(table: Any, name: str) -> array[int]:
    """A timestamp column as microseconds since the epoch in UTC (a naive one is UTC)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(name)
    if not pa.types.is_timestamp(column.type):
        msg = f"plan_retention: {name} is not a timestamp column"
        raise TypeError(msg)
    column = pc.cast(column, pa.timestamp("us", column.type.tz), safe=False)
    return _ints(column.cast(pa.int64()).fill_null(0), "q")


def _table_links(column: Any, contacts: ContactInputs) -> array[int]:
    import pyarrow as pa
    import pyarrow.compute as pc

    known: Any = contacts.ids
    if isinstance(known, (list, tuple)):
        known = pa.array(known, type=pa.string())
    elif isinstance(known, pa.ChunkedArray):
        known = known.combine_chunks() if known.num_chunks else pa.array([], pa.string())
    if not len(column):
        return array("i")
    if not pa.types.is_string(known.type) or column.type != known.type:
        known = known.cast(column.type)
    links = pc.index_in(column, value_set=known).fill_null(-1)
    return _ints(links, "i")


# -- per record type --------------------------------------------------------------------------


def contact_inputs(value: object) -> ContactInputs:
    """Read the contacts' ids and days, from records or a table."""
    if is_frame(value):
        table: Any = value
        return ContactInputs(
            ids=_plain(table, "contact_id"),
            created=_days(table, "created_at"),
            interaction=_days(table, "last_interaction_at"),
            index=None,
        )
    records = _records(value, Contact)
    index: dict[str, int] = {}
    for row, record in enumerate(records):
        index.setdefault(record.contact_id, row)
    return ContactInputs(
        ids=[record.contact_id for record in records],
        created=array("i", [_day(record.created_at) for record in records]),
        interaction=array("i", [_day(record.last_interaction_at) for record in records]),
        index=index,
    )


def _status_code(status: object) -> int:
    text = _text(status)
    if text == _COMPLETED:
        return STATUS_COMPLETED
    return STATUS_RETURNED if text in _INVOICED else STATUS_OTHER


def purchase_inputs(value: object, contacts: ContactInputs) -> LinkedInputs:
    """Read the purchases' ids, contacts, days and statuses, from records or a table."""
    return _linked(value, contacts, Purchase, "purchase_id", "purchased_at", with_status=True)


def feedback_inputs(value: object, contacts: ContactInputs) -> LinkedInputs:
    """Read the feedback's ids, contacts and days, from records or a table."""
    return _linked(value, contacts, Feedback, "feedback_id", "received_at", with_status=False)


def _linked(
    value: object,
    contacts: ContactInputs,
    record_type: type,
    id_name: str,
    day_name: str,
    *,
    with_status: bool,
) -> LinkedInputs:
    if is_frame(value):
        import pyarrow as pa
        import pyarrow.compute as pc

        table: Any = value
        contact_ids = _plain(table, "contact_id")
        status = array("b", bytes(table.num_rows))
        if with_status and "status" in table.column_names and table.num_rows:
            column = _plain(table, "status")
            coded = pc.add(
                pc.equal(column, pa.scalar(_COMPLETED)).cast(pa.int8()),
                pc.multiply(pc.equal(column, pa.scalar("returned")).cast(pa.int8()), 2),
            ).fill_null(0)
            status = _ints(coded, "b")
        return LinkedInputs(
            ids=_plain(table, id_name),
            contact_ids=contact_ids,
            contact=_table_links(contact_ids, contacts),
            day=_days(table, day_name),
            status=status,
        )
    records = _records(value, record_type)
    contact_ids = [record.contact_id for record in records]
    return LinkedInputs(
        ids=[getattr(record, id_name) for record in records],
        contact_ids=contact_ids,
        contact=_links(contact_ids, contacts),
        day=array("i", [_day(getattr(record, day_name)) for record in records]),
        status=array(
            "b",
            [_status_code(record.status) for record in records]
            if with_status
            else bytes(len(records)),
        ),
    )


def consent_inputs(value: object, contacts: ContactInputs) -> ConsentInputs:
    """Read the consent events' identifying columns, links, groups and moments."""
    if is_frame(value):
        import pyarrow as pa
        import pyarrow.compute as pc

        table: Any = value
        # Kept as given (dictionary-encoded or not) for the ids the plan writes.
        contact_ids = _plain(table, "contact_id")
        purposes = _column(table, "purpose")
        channels = _column(table, "channel")
        statuses = _column(table, "status")
        if table.num_rows:
            # One consent per (contact, purpose, channel): dictionary codes number the
            # distinct keys in order of first appearance, as the record path does.
            key = pc.binary_join_element_wise(
                contact_ids.cast(pa.string()),
                purposes.cast(pa.string()),
                channels.cast(pa.string()),
                "\x1f",
                null_handling="replace",
                null_replacement="",
            ).combine_chunks()
            encoded = pc.dictionary_encode(key)
            group = _ints(encoded.indices, "i")
            groups = len(encoded.dictionary)
            withdrawn = pc.equal(_plain(table, "status"), pa.scalar(_WITHDRAWN)).cast(pa.int8())
            withdrawn = _ints(withdrawn.fill_null(0), "b")
        else:
            group, groups, withdrawn = array("i"), 0, array("b")
        return ConsentInputs(
            contact_ids=contact_ids,
            purposes=purposes,
            channels=channels,
            statuses=statuses,
            moment=_moments(table, "recorded_at") if table.num_rows else array("q"),
            contact=_table_links(contact_ids, contacts),
            group=group,
            withdrawn=withdrawn,
            groups=groups,
        )
    records = _records(value, Consent)
    numbers: dict[tuple[object, ...], int] = {}
    group = array("i")
    for record in records:
        key = (record.contact_id, record.purpose, _text(record.channel))
        group.append(numbers.setdefault(key, len(numbers)))
    contact_ids = [record.contact_id for record in records]
    statuses = [_text(record.status) for record in records]
    return ConsentInputs(
        contact_ids=contact_ids,
        purposes=[record.purpose for record in records],
        channels=[_text(record.channel) for record in records],
        statuses=statuses,
        moment=array("q", [(record.recorded_at - _EPOCH) // _MICROSECOND for record in records]),
        contact=_links(contact_ids, contacts),
        group=group,
        withdrawn=array("b", [status == _WITHDRAWN for status in statuses]),
        groups=len(numbers),
    )
