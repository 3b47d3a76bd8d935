"""The parameters a policy fills in: domains of keyed value and row transforms."""

from __future__ import annotations

import datetime as dt

from tests.policy.support import KEYS

from custdata import Policy

SHIFT = {"transform": "shift_date", "subject_field": "contact_id", "max_days": 30}
DATES = {
    "contact_id": "C-1",
    "created_at": "2024-05-01T10:00:00+02:00",
    "last_interaction_at": "2024-05-15T10:00:00+02:00",
}


def _policy(**fields: object) -> Policy:
    return Policy(name="p", record_type="contact", fields={"contact_id": "pseudonymise", **fields})


class TestDomains:
    """Keyed value transforms get their field's path; keyed row transforms the fields they read."""

    def test_value_transform_domain_is_the_path(self) -> None:
        """pseudonymise without a domain pseudonymises in its field's dotted path."""
        rule = _policy().fields["contact_id"]
        assert "contact_id" == rule.params["domain"]

    def test_row_transform_domain_is_what_it_reads(self) -> None:
        """shift_date without a domain shifts in the domain of its subject field."""
        policy = _policy(created_at=SHIFT, last_interaction_at=SHIFT)
        assert "contact_id" == policy.fields["created_at"].params["domain"]
        assert "contact_id" == policy.fields["last_interaction_at"].params["domain"]

    def test_one_offset_per_subject(self) -> None:
        """Two dates of one contact move by one offset: the interval between them survives."""
        bound = _policy(created_at=SHIFT, last_interaction_at=SHIFT).bind(keys=KEYS)
        out = bound.apply(DATES)
        assert dt.timedelta(days=14) == out["last_interaction_at"] - out["created_at"]  # type: ignore[operator]
        assert out["created_at"] != dt.datetime.fromisoformat(DATES["created_at"])

    def test_given_domain_kept(self) -> None:
        """A domain the policy gives is kept, and two domains give two offsets."""
        bound = _policy(
            created_at={**SHIFT, "domain": "a"}, last_interaction_at={**SHIFT, "domain": "b"}
        ).bind(keys=KEYS)
        out = bound.apply(DATES)
        assert "a" == bound.policy.fields["created_at"].params["domain"]
        assert dt.timedelta(days=14) != out["last_interaction_at"] - out["created_at"]  # type: ignore[operator]
