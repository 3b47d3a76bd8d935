"""Properties of plan_retention on generated records."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.lifecycle.records import TODAY, consent, contact, feedback, purchase

from custdata.lifecycle import Action, default_rules, plan_retention

_START = dt.datetime(2010, 1, 1, 12, tzinfo=dt.UTC)
_MOMENTS = st.integers(min_value=0, max_value=17 * 365).map(lambda d: _START + dt.timedelta(d))
_IDS = st.sampled_from(["C-1", "C-2", "C-3", "C-GONE"])


@st.composite
def _records(draw: st.DrawFn) -> dict[str, list[object]]:
    contacts = [
        contact(
            contact_id,
            created_at=draw(st.none() | _MOMENTS),
            last_interaction_at=draw(st.none() | _MOMENTS),
        )
        for contact_id in ("C-1", "C-2", "C-3")
    ]
    purchases = [
        purchase(
            f"O-{index}",
            draw(_IDS),
            draw(_MOMENTS),
            status=draw(st.sampled_from(["completed", "returned", "cancelled", "abandoned"])),
        )
        for index in range(draw(st.integers(0, 6)))
    ]
    consents = [
        consent(draw(_IDS), draw(_MOMENTS), status=draw(st.sampled_from(["granted", "withdrawn"])))
        for _ in range(draw(st.integers(0, 4)))
    ]
    feedbacks = [
        feedback(f"F-{index}", draw(_IDS), draw(_MOMENTS))
        for index in range(draw(st.integers(0, 3)))
    ]
    return {
        "contacts": contacts,
        "purchases": purchases,
        "consents": consents,
        "feedback": feedbacks,
    }


class TestPlanProperties:
    """Every record is planned once, and no action is due before its date."""

    @given(_records())
    def test_each_record_once(self, records: dict[str, list[object]]) -> None:
        """The plan has one entry per record, plus the do-not-contact entries."""
        plan = plan_retention(**records, rules=default_rules(), today=TODAY)  # type: ignore[arg-type]
        counted = {
            kind: count
            for kind, counts in plan.totals().items()
            for count in [sum(counts.values())]
        }
        expected = {
            "contact": len(records["contacts"]),
            "purchase": len(records["purchases"]),
            "consent": len(records["consents"]),
            "feedback": len(records["feedback"]),
        }
        assert {k: v for k, v in expected.items() if v} == {
            k: v for k, v in counted.items() if k != "do_not_contact"
        }

    @given(_records())
    def test_dates_agree_with_actions(self, records: dict[str, list[object]]) -> None:
        """A due date is never after today; a kept record's next date is after today."""
        plan = plan_retention(**records, rules=default_rules(), today=TODAY)  # type: ignore[arg-type]
        for entry in plan:
            if entry.action is Action.KEEP:
                assert entry.due is None
                assert entry.until is None or entry.until > TODAY
            else:
                assert entry.due is not None
                assert entry.due <= TODAY
            if entry.action is Action.ARCHIVE:
                assert entry.until is not None
                assert entry.until > TODAY


class TestFramePathProperties:
    """The frame path plans generated records exactly as the record path does."""

    @given(_records())
    def test_same_plan_from_tables(self, records: dict[str, list[object]]) -> None:
        """Arrow tables of the same records give the same rows, totals and columns."""
        pytest.importorskip("pyarrow")
        from custdata import Consent, Contact, Feedback, Purchase
        from custdata.frames import to_arrow

        kinds = {
            "contacts": Contact,
            "purchases": Purchase,
            "consents": Consent,
            "feedback": Feedback,
        }
        tables = {name: to_arrow(records[name], kind) for name, kind in kinds.items()}
        expected = plan_retention(**records, rules=default_rules(), today=TODAY)  # type: ignore[arg-type]
        actual = plan_retention(**tables, rules=default_rules(), today=TODAY)
        assert list(expected.rows()) == list(actual.rows())
        assert expected.totals() == actual.totals()
        assert expected == actual
