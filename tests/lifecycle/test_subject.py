"""Data-subject requests: access export, erasure plan, rectification."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.lifecycle.records import TODAY, at, consent, contact, feedback, purchase

from custdata import Contact, KeyRing, Policy, PolicyError, ValidationError
from custdata.lifecycle import (
    ARCHIVED_FIELDS,
    Action,
    access_export,
    apply_plan,
    default_rules,
    erasure_plan,
    rectify,
)
from custdata.transforms.fpe import FormatPreserving
from custdata.transforms.tokenise import Tokenise

RULES = default_rules()
PURPOSES = {
    "contact": "customer relationship",
    "purchase": "order fulfilment and accounting",
    "feedback": "service quality",
    "consent": "proof of consent",
}
KEYS = KeyRing.from_mapping({"k1": bytes(range(32)), "k2": bytes(range(1, 33))}, active="k2")
POLICY = Policy.loads(
    'name = "crm-share"\nversion = 1\nrecord_type = "contact"\ndefault = "drop"\n'
    '[fields.email]\ntransform = "pseudonymise"\n'
    '[fields.contact_id]\ntransform = "pseudonymise"\n'
    '[fields.phone]\ntransform = "tokenise"\n'
)

REVERSIBLE = Policy.loads(
    'name = "support-copy"\nversion = 1\nrecord_type = "contact"\ndefault = "drop"\n'
    '[fields.email]\ntransform = "tokenise"\n'
    '[fields.phone]\ntransform = "format_preserving"\n'
)


def _records() -> dict[str, list[object]]:
    return {
        "contacts": [
            contact("C-1", created_at=at(2020, 1, 1), last_interaction_at=at(2026, 2, 1)),
            contact("C-2", created_at=at(2020, 1, 1)),
        ],
        "purchases": [
            purchase("O-1", "C-1", at(2025, 6, 1)),
            purchase("O-2", "C-1", at(2012, 6, 1)),
            purchase("O-3", "C-2", at(2025, 6, 1)),
        ],
        "consents": [
            consent("C-1", at(2020, 1, 1)),
            consent("C-1", at(2024, 1, 1), status="withdrawn"),
        ],
        "feedback": [feedback("F-1", "C-1", at(2026, 1, 5))],
    }


class TestAccessExport:
    """Everything held about one person, with categories, purposes and the portable subset."""

    def test_bundle(self) -> None:
        """The bundle holds the person's records only, is JSON, and flags portable fields."""
        bundle = access_export(
            "C-1",
            **_records(),
            processing_purposes=PURPOSES,
            rules=RULES,  # type: ignore[arg-type]
        )
        json.dumps(bundle)
        records = bundle["records"]
        assert isinstance(records, dict)
        assert 2 == len(records["purchase"])
        email = records["contact"][0]["email"]
        assert {
            "value": "c-1@example.org",
            "category": "direct_identifier",
            "portable": True,
        } == email
        assert records["contact"][0]["created_at"]["portable"] is False
        assert "personal" == records["purchase"][0]["lines"]["category"]
        assert 2 == len(bundle["consent_history"])  # type: ignore[arg-type]
        assert "customer relationship" == bundle["purposes"]["contact"]  # type: ignore[index]
        assert "invoice-10-years" == bundle["retention"]["purchase"][0]["rule"]  # type: ignore[index]
        portable = bundle["portable"]
        assert isinstance(portable, dict)
        assert "created_at" not in portable["contact"][0]
        assert "c-1@example.org" == portable["contact"][0]["email"]

    def test_purpose_required(self) -> None:
        """A record type held without a declared purpose is refused."""
        with pytest.raises(PolicyError, match="feedback"):
            access_export(
                "C-1",
                **_records(),  # type: ignore[arg-type]
                processing_purposes={"contact": "x", "purchase": "y", "consent": "z"},
                rules=RULES,
            )


class TestErasurePlan:
    """A customer with invoices under legal hold asks for erasure."""

    def _plan(self) -> dict[tuple[str, str], tuple[Action, dt.date | None]]:
        plan = erasure_plan(
            "C-1",
            **_records(),
            policies=[POLICY],
            keys=KEYS,
            rules=RULES,
            today=TODAY,  # type: ignore[arg-type]
        )
        return {(e.record_type, e.record_id): (e.action, e.until) for e in plan.plan}

    def test_invoice_held_old_one_erased(self) -> None:
        """The 2025 invoice is held until 2035-12-31; the 2012 one is erased."""
        plan = self._plan()
        assert (Action.ARCHIVE, dt.date(2035, 12, 31)) == plan["purchase", "O-1"]
        assert (Action.ERASE, None) == plan["purchase", "O-2"]

    def test_identity_held_until_the_last_hold(self) -> None:
        """The contact's identity is held as long as its last invoice."""
        assert (Action.ARCHIVE, dt.date(2035, 12, 31)) == self._plan()["contact", "C-1"]

    def test_feedback_erased_opposition_kept(self) -> None:
        """Feedback is erased; the opposition's do-not-contact entry survives."""
        plan = self._plan()
        assert (Action.ERASE, None) == plan["feedback", "F-1"]
        assert (Action.KEEP, dt.date(2027, 1, 1)) == plan["do_not_contact", "C-1|newsletter|email"]

    def test_pseudonyms_under_every_key(self) -> None:
        """Pseudonyms and tokens are given for each key id of the ring."""
        plan = erasure_plan(
            "C-1",
            **_records(),
            policies=[POLICY],
            keys=KEYS,
            rules=RULES,
            today=TODAY,  # type: ignore[arg-type]
        )
        found = {(p.field, p.key_id) for p in plan.pseudonyms}
        expected = {
            (field, key) for field in ("email", "contact_id", "phone") for key in ("k1", "k2")
        }
        assert expected == found
        assert all(p.value not in repr(p) for p in plan.pseudonyms)

    def test_tokens_made_under_an_old_key_are_found(self) -> None:
        """Tokens and format-preserving outputs made before a rotation are listed, and reverse."""
        old_ring = KeyRing(keys=KEYS.keys[:1], active="k1")
        person = _records()["contacts"][0]
        assert isinstance(person, Contact)
        copy = REVERSIBLE.bind(keys=old_ring, today=TODAY).apply(person)
        plan = erasure_plan(
            "C-1",
            **_records(),
            policies=[REVERSIBLE],
            keys=KEYS,
            rules=RULES,
            today=TODAY,  # type: ignore[arg-type]
        )
        found = {(p.field, p.key_id): p.value for p in plan.pseudonyms}
        assert copy["email"] == found["email", "k1"]
        assert copy["phone"] == found["phone", "k1"]
        assert found["email", "k1"] != found["email", "k2"]
        assert person.email == Tokenise(keys=KEYS, domain="email").reverse(found["email", "k1"])
        phone = FormatPreserving(keys=KEYS, domain="phone", key_id="k1")
        assert person.phone == phone.reverse(found["phone", "k1"])
        # The transforms' own key_id= gives the same values as the plan.
        assert found["phone", "k1"] == phone(person.phone)
        email = Tokenise(keys=KEYS, domain="email", key_id="k1")
        assert found["email", "k1"] == email(person.email)

    def test_keyed_policy_needs_keys(self) -> None:
        """A keyed policy without the ring names the parameter."""
        with pytest.raises(PolicyError, match="keys"):
            erasure_plan("C-1", **_records(), policies=[POLICY], rules=RULES, today=TODAY)  # type: ignore[arg-type]


_DAYS = st.integers(min_value=0, max_value=20 * 365)
_START = dt.datetime(2008, 1, 1, 12, tzinfo=dt.UTC)


@st.composite
def _person(draw: st.DrawFn) -> dict[str, list[object]]:
    purchases = [
        purchase(
            f"O-{index}",
            "C-1",
            _START + dt.timedelta(days=draw(_DAYS)),
            status=draw(st.sampled_from(["completed", "returned", "cancelled", "abandoned"])),
        )
        for index in range(draw(st.integers(0, 4)))
    ]
    consents = [
        consent(
            "C-1",
            _START + dt.timedelta(days=draw(_DAYS)),
            status=draw(st.sampled_from(["granted", "withdrawn"])),
            purpose=draw(st.sampled_from(["newsletter", "offers"])),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    feedbacks = [
        feedback(f"F-{index}", "C-1", _START + dt.timedelta(days=draw(_DAYS)))
        for index in range(draw(st.integers(0, 2)))
    ]
    return {
        "contacts": [contact("C-1"), contact("C-2")],
        "purchases": [*purchases, purchase("O-X", "C-2", _START)],
        "consents": [*consents, consent("C-2", _START)],
        "feedback": feedbacks,
    }


class TestErasureProperty:
    """After an erasure plan, nothing of the person remains outside legal holds."""

    @given(_person())
    def test_nothing_left_outside_holds(self, records: dict[str, list[object]]) -> None:
        """Kept and pseudonymised records never name the person; held rows keep held fields only."""
        plan = erasure_plan("C-1", **records, rules=RULES, today=TODAY)  # type: ignore[arg-type]
        applied = apply_plan(plan.plan, **records, today=TODAY)  # type: ignore[arg-type]
        for kept in applied.kept.values():
            assert all(getattr(record, "contact_id", None) != "C-1" for record in kept)
        assert {} == applied.pseudonymised
        person = records["contacts"][0]
        assert isinstance(person, Contact)
        for row in applied.archived:
            if row["record_type"] == "contact":
                assert set(ARCHIVED_FIELDS["contact"]) >= {c.split(".")[0] for c in row} - {
                    "record_type",
                    "record_id",
                    "until",
                    "reason",
                }
                assert person.email not in row.values()
                assert person.phone not in row.values()

    @given(_person(), st.booleans())
    def test_pseudonyms_find_every_copy(self, records: dict[str, list[object]], old: bool) -> None:
        """Copies made under any key of the ring hold only values the plan lists."""
        ring = KeyRing(keys=KEYS.keys, active="k1" if old else "k2")
        bound = POLICY.bind(keys=ring, today=TODAY)
        copy = bound.apply(records["contacts"][0])
        plan = erasure_plan(
            "C-1",
            **records,
            policies=[POLICY],
            keys=KEYS,
            rules=RULES,
            today=TODAY,  # type: ignore[arg-type]
        )
        values = {p.value for p in plan.pseudonyms}
        assert {copy["email"], copy["contact_id"], copy["phone"]} <= values


class TestRectify:
    """Rectification validates, normalises and logs the fields changed, never a value."""

    def test_changes_normalised_and_logged(self) -> None:
        """A new phone in national form is stored in E.164; the log names the field."""
        old = contact("C-1")
        new, entry = rectify(
            old, {"phone": "06 98 76 54 32", "given_name": "Élodie"}, today=TODAY, request_id="R-7"
        )
        assert "+33698765432" == new.phone
        assert ("phone",) == entry.fields
        assert {
            "contact_id": "C-1",
            "request_id": "R-7",
            "changed_at": "2026-12-01",
            "fields": ["phone"],
        } == entry.to_dict()
        assert "+33612345678" == old.phone

    def test_log_holds_no_value(self) -> None:
        """Neither the old nor the new email appears in the log."""
        _, entry = rectify(
            contact("C-1"), {"email": "new@example.org"}, today=TODAY, request_id="R"
        )
        text = json.dumps(entry.to_dict())
        assert "example.org" not in text

    def test_invalid_change_refused(self) -> None:
        """A bad email is refused, naming the field, not the value."""
        with pytest.raises(ValidationError) as raised:
            rectify(contact("C-1"), {"email": "not-an-email"}, today=TODAY, request_id="R")
        assert "not-an-email" not in str(raised.value)
        assert ["email"] == [issue.path for issue in raised.value.issues]

    def test_fixed_and_unknown_fields(self) -> None:
        """The id cannot be rectified; an unknown field is named."""
        with pytest.raises(ValidationError) as raised:
            rectify(contact("C-1"), {"contact_id": "C-9", "shoe": 42}, today=TODAY, request_id="R")
        assert {"not_rectifiable", "unknown_field"} == {i.code for i in raised.value.issues}

    def test_request_id_required(self) -> None:
        """An empty request id is refused."""
        with pytest.raises(PolicyError, match="request_id"):
            rectify(contact("C-1"), {}, today=TODAY, request_id=" ")
