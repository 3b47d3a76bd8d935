"""merge and repoint: survivor, survivorship rules, lineage, consents, order independence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.consent import ConsentLedger, merge_consents
from custdata.errors import PolicyError
from custdata.model import Address, Consent, Contact, Money, Purchase
from custdata.quality import MergeRules, find_duplicates, merge, repoint

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PHONE = "+33612345678"


def _cluster() -> list[Contact]:
    return [
        Contact(
            contact_id="C2", given_name="E.", family_name="MARTIN", phone="+33612345678",
            acquisition_source="web", created_at=T0 + dt.timedelta(days=30),
        ),
        Contact(
            contact_id="C1", given_name="Élodie", family_name="Martin",
            acquisition_source="shop", created_at=T0,
            address=Address(line1="12 rue des Lilas", postal_code="75011", city="Paris"),
        ),
        Contact(
            contact_id="C3", given_name="Elodie", family_name="Martin", email="e.m@example.fr",
            acquisition_source="contest", created_at=T0 + dt.timedelta(days=60),
            address=Address(postal_code="75011"),
        ),
    ]  # fmt: skip


class TestMerge:
    """The golden record and its lineage."""

    def test_survivor_oldest(self) -> None:
        """The oldest created_at survives; the others map to it."""
        merged = merge(_cluster())
        assert "C1" == merged.record.contact_id
        assert {"C2": "C1", "C3": "C1"} == merged.id_map

    def test_most_recent_default(self) -> None:
        """By default each field takes the most recent non-empty value, with its lineage."""
        merged = merge(_cluster())
        assert ("Elodie", "C3") == (merged.record.given_name, merged.lineage["given_name"])
        assert ("+33612345678", "C2") == (merged.record.phone, merged.lineage["phone"])
        assert T0 == merged.record.created_at

    def test_most_complete(self) -> None:
        """most_complete keeps the longest name (on a tie the most recent) and fullest address."""
        merged = merge(_cluster(), MergeRules(default="most_complete"))
        assert ("Elodie", "C3") == (merged.record.given_name, merged.lineage["given_name"])
        assert "C1" == merged.lineage["address"]

    def test_most_frequent(self) -> None:
        """most_frequent keeps the value most records hold."""
        merged = merge(_cluster(), MergeRules(fields={"family_name": "most_frequent"}))
        assert "Martin" == merged.record.family_name

    def test_source_priority(self) -> None:
        """source_priority keeps the value of the most trusted source."""
        rules = MergeRules(default="source_priority", source_priority=("web", "shop"))
        merged = merge(_cluster(), rules)
        assert ("E.", "C2") == (merged.record.given_name, merged.lineage["given_name"])

    def test_user_function(self) -> None:
        """A user function chooses the record to take a field from; the survivor too."""
        rules = MergeRules(
            fields={"given_name": lambda candidates: candidates[-1][0]},
            survivor=lambda cluster: max(cluster, key=lambda contact: contact.contact_id),
        )
        merged = merge(_cluster(), rules)
        # Candidates come most recent first: the last is the oldest record's value.
        assert ("C3", "C1") == (merged.record.contact_id, merged.lineage["given_name"])

    def test_bad_rules(self) -> None:
        """An unknown field or rule fails when the rules are built."""
        with pytest.raises(PolicyError, match="shoe_size"):
            MergeRules(fields={"shoe_size": "most_recent"})
        with pytest.raises(PolicyError, match="given_name"):
            MergeRules(fields={"given_name": "loudest"})  # type: ignore[dict-item]

    def test_empty(self) -> None:
        """An empty cluster is refused."""
        with pytest.raises(PolicyError, match="empty"):
            merge([])

    @given(st.permutations(_cluster()))
    def test_order_independent(self, cluster: list[Contact]) -> None:
        """Merging does not depend on the order of the records."""
        assert merge(_cluster()) == merge(cluster)

    @given(st.sampled_from(_cluster()))
    def test_one_merges_to_itself(self, contact: Contact) -> None:
        """A cluster of one merges to the record itself, with no id mapped."""
        merged = merge([contact])
        assert (contact, {}) == (merged.record, dict(merged.id_map))


class TestConsents:
    """A withdrawal on any duplicate holds for the merged person."""

    def test_withdrawal_carried(self) -> None:
        """C1 granted, C2 withdrew: after the merge into C1, C1 may not be sent the newsletter."""
        events = [
            Consent(
                contact_id="C1", purpose="newsletter", channel="email", status="granted",
                recorded_at=T0 + dt.timedelta(days=90),
            ),
            Consent(
                contact_id="C2", purpose="newsletter", channel="email", status="withdrawn",
                recorded_at=T0 + dt.timedelta(days=10),
            ),
        ]  # fmt: skip
        at = T0 + dt.timedelta(days=100)
        merged = merge(_cluster())
        ledger = ConsentLedger(merge_consents(events, merged.id_map, at=at))
        people = [merged.record]
        audience = ledger.audience(people, "newsletter", "email", at=at + dt.timedelta(days=1))
        assert () == tuple(audience.contact_ids)


class TestRepoint:
    """Purchases and feedback follow the surviving id."""

    def test_repoint(self) -> None:
        """Records of merged-away ids point to the survivor; chains are followed."""
        total = Money(amount=Decimal("19.90"), currency="EUR")
        purchase = Purchase(purchase_id="P1", contact_id="C3", purchased_at=T0, total=total)
        other = Purchase(purchase_id="P2", contact_id="C9", purchased_at=T0, total=total)
        moved = repoint([purchase, other], {"C3": "C2", "C2": "C1"})
        assert ["C1", "C9"] == [item.contact_id for item in moved]
        assert "C3" == purchase.contact_id

    def test_cycle(self) -> None:
        """A cycle in the map is refused."""
        with pytest.raises(PolicyError, match="cycle"):
            repoint([], {"A": "B", "B": "A"})


class TestIdMap:
    """DuplicateResult.id_map maps to each cluster's first id."""

    def test_id_map(self) -> None:
        """Every member but the first maps to the first."""
        people = [
            Contact(
                contact_id=name, given_name="Élodie", family_name="Martin", phone="+33612345678"
            )
            for name in ("B", "A", "C")
        ]
        assert {"B": "A", "C": "A"} == find_duplicates(people).id_map()
