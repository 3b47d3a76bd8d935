"""custdata.frames: rows protected from typed columns give what the record path gives, always."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.frames.support import PURCHASES

import custdata.frames._apply as apply_module
from custdata import Consent, Contact, Feedback, Policy, Purchase
from custdata.frames import apply_frame, to_arrow, to_pandas, to_polars
from custdata.keys import KeyRing
from custdata.synthetic import generate
from custdata.testing import contacts, purchases

KEYS: Final = KeyRing.from_mapping({"test-1": bytes(range(32))}, active="test-1")
TODAY: Final = dt.date(2026, 1, 15)
DATASET: Final = generate(300, seed=5, dirty=0.3, duplicates=0.05)

EVERYTHING: Final = """
name = "everything"
version = 1
record_type = "contact"
default = "keep"

[fields.contact_id]
transform = "pseudonymise"
domain = "everything/contact_id"

[fields.birth_date]
transform = "shift_date"
subject_field = "contact_id"
max_days = 30

[fields.email]
transform = "mask_email"

[fields.phone]
transform = "mask_phone"

[fields.created_at]
transform = "truncate_date"
unit = "day"
"""


# Cells a typed frame can hold that may keep a row from being a record.
_SPOILERS: Final = {
    "contact_id": st.none(),
    "gender": st.sampled_from([None, "robot", " Female", "MALE", "prefer_not_to_say"]),
    "preferred_channels": st.none() | st.lists(st.sampled_from(["email", "SMS", "fax", None])),
    "interests": st.none() | st.lists(st.none() | st.text(max_size=5)),
    "address.city": st.none() | st.text(max_size=5),
    "address.line1": st.none(),
    "created_at.offset_minutes": st.none() | st.integers(-2000, 2000),
}

# Up to six (row, column, spoiler) changes to make to a typed table.
_CHANGES: Final = st.lists(
    st.sampled_from(sorted(_SPOILERS)).flatmap(
        lambda name: st.tuples(st.integers(0, 5), st.just(name), _SPOILERS[name])
    ),
    max_size=6,
)


def _spoiled(table: pa.Table, changes: list[tuple[int, str, object]]) -> pa.Table:
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    for row, name, value in changes:
        if table.num_rows:
            columns[name][row % table.num_rows] = value
    arrays = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = pa.string()  # a spoiled enum is plain text
        if field.name == "created_at.offset_minutes":
            kind = pa.int32()
        arrays.append(pa.array(columns[field.name], kind))
    return pa.Table.from_arrays(arrays, names=table.column_names)


def _outcome(bound: Any, table: pa.Table) -> tuple[object, ...]:
    result = apply_frame(bound, table)
    return result.frame.to_pylist(), result.rejects.to_pylist(), result.indices, result.audit


class TestSamePathOutcome:
    """A row's outcome never depends on whether it was read into a record."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(contacts(), max_size=6), _CHANGES)
    def test_contacts(self, records: list[Contact], changes: list[tuple[int, str, object]]) -> None:
        """Spoiled typed contacts: the columns path and the records path agree on everything."""
        bound = Policy.loads(EVERYTHING).bind(
            keys=KEYS, today=TODAY, normalise=False, validate=False
        )
        table = _spoiled(to_arrow(records, Contact), changes)
        fast = _outcome(bound, table)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(apply_module, "_typed", lambda *_: None)
            slow = _outcome(bound, table)
        assert slow == fast

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(purchases(), max_size=4))
    def test_purchases(self, records: list[Purchase]) -> None:
        """Purchases (lines go through records) agree too."""
        bound = Policy.loads(PURCHASES).bind(
            keys=KEYS, today=TODAY, normalise=False, validate=False
        )
        table = to_arrow(records, Purchase)
        fast = _outcome(bound, table)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(apply_module, "_typed", lambda *_: None)
            slow = _outcome(bound, table)
        assert slow == fast


def _cell_by_cell(frame: object, record_type: type) -> Any:
    """read_rows with every row read cell by cell into from_dict (no record built from columns)."""
    import custdata.frames._read as read_module

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read_module, "_typed_rows", lambda *_: None)
        return read_module.read_rows(frame, record_type, start=3)


def _same_rows(want: Any, got: Any) -> None:
    """The same rows, issues and records, date-times in the same offsets and time zone objects."""
    assert want.count == got.count
    assert [row[0] for row in want.rows] == [row[0] for row in got.rows]
    assert [row[2] for row in want.rows] == [row[2] for row in got.rows]
    assert [repr(row[1]) for row in want.rows] == [repr(row[1]) for row in got.rows]
    assert [row[1] for row in want.rows] == [row[1] for row in got.rows]


class TestSureRecords:
    """Records built from typed columns are those from_dict builds from the same cells."""

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(contacts(), max_size=6), _CHANGES)
    def test_contacts(self, records: list[Contact], changes: list[tuple[int, str, object]]) -> None:
        """Spoiled typed contacts: every row read as from_dict reads it."""
        from custdata.frames._read import read_rows

        table = _spoiled(to_arrow(records, Contact), changes)
        _same_rows(_cell_by_cell(table, Contact), read_rows(table, Contact, start=3))

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(purchases(), max_size=4))
    def test_purchases(self, records: list[Purchase]) -> None:
        """Purchases: their money and their lines."""
        from custdata.frames._read import read_rows

        table = to_arrow(records, Purchase)
        _same_rows(_cell_by_cell(table, Purchase), read_rows(table, Purchase, start=3))

    @pytest.mark.parametrize("convert", [to_arrow, to_pandas, to_polars])
    @pytest.mark.parametrize("record_type", [Contact, Consent, Feedback])
    def test_synthetic(self, convert: Any, record_type: type) -> None:
        """Synthetic records of each type, as Arrow, pandas and polars frames."""
        from custdata.frames._read import read_rows

        records = {Contact: DATASET.contacts, Consent: DATASET.consents, Feedback: DATASET.feedback}
        frame = convert(list(records[record_type]), record_type)
        fast = read_rows(frame, record_type, start=3)
        assert fast.count == len(records[record_type])
        _same_rows(_cell_by_cell(frame, record_type), fast)

    def test_columns_are_read_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Rows of a typed frame that fit are not read cell by cell; the others are."""
        import custdata.frames._read as read_module

        calls: list[int] = []
        original = read_module._read_cells

        def counting(pa_: Any, frame: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(pa_, frame, *args, **kwargs)
            calls.append(out.count)
            return out

        monkeypatch.setattr(read_module, "_read_cells", counting)
        table = to_arrow(DATASET.contacts)
        assert len(DATASET.contacts) == len(read_module.read_rows(table, Contact).rows)
        assert [] == calls
        spoiled = _spoiled(table, [(1, "contact_id", None), (4, "gender", "robot")])
        rows = read_module.read_rows(spoiled, Contact).rows
        assert [2] == calls
        assert [1, 4] == [index for index, record, _, _ in rows if record is None]


class TestColumnValues:
    """Dates and date-times counted from the epoch are pyarrow's own values."""

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.none() | st.dates(), max_size=20))
    def test_dates(self, dates: list[dt.date | None]) -> None:
        """Every date32 value, nulls included."""
        from custdata.frames._columns import _dates

        column = pa.array(dates, pa.date32())
        assert column.to_pylist() == _dates(pa, column)

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.none()
                | st.datetimes(
                    min_value=dt.datetime(1, 1, 2),  # noqa: DTZ001  # hypothesis takes naive bounds
                    max_value=dt.datetime(9999, 12, 30),  # noqa: DTZ001  # and a time zone below
                    timezones=st.just(dt.UTC),
                ),
                st.none() | st.integers(-1439, 1439),
            ),
            max_size=20,
        )
    )
    def test_moments(self, cells: list[tuple[dt.datetime | None, int | None]]) -> None:
        """Every timestamp in its offset, as fold_offset puts it; in pyarrow's UTC without one."""
        from custdata.frames._arrow import fold_offset
        from custdata.frames._columns import _moments

        column = pa.array([moment for moment, _ in cells], pa.timestamp("us", tz="UTC"))
        minutes = pa.array([offset for _, offset in cells], pa.int16())
        want = [
            fold_offset(moment, offset)[0]
            for moment, offset in zip(column.to_pylist(), minutes.to_pylist(), strict=True)
        ]
        got = _moments(pa, column, minutes)
        assert [repr(value) for value in want] == [repr(value) for value in got]
