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
from custdata import Contact, Policy, Purchase
from custdata.frames import apply_frame, to_arrow
from custdata.keys import KeyRing
from custdata.testing import contacts, purchases

KEYS: Final = KeyRing.from_mapping({"test-1": bytes(range(32))}, active="test-1")
TODAY: Final = dt.date(2026, 1, 15)

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
    @given(
        st.lists(contacts(), max_size=6),
        st.lists(
            st.sampled_from(sorted(_SPOILERS)).flatmap(
                lambda name: st.tuples(st.integers(0, 5), st.just(name), _SPOILERS[name])
            ),
            max_size=6,
        ),
    )
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
