"""The consent ledger as a CRM lives it: sign-ups, purchases, STOP replies, B2B, merges."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from custdata import Consent, Contact, Purchase
from custdata.consent import (
    ALL_PURPOSES,
    FRENCH_REGIME,
    ConsentLedger,
    Reason,
    merge_consents,
)
from custdata.model import Money

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def moment(text: str) -> dt.datetime:
    """A Paris wall time, such as ``2026-03-01 09:00``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


def consent(
    contact_id: str,
    purpose: str,
    channel: str,
    status: str,
    when: str,
    *,
    source: str = "web_signup_form",
    version: str | None = "2026-01",
    proof: str | None = None,
) -> Consent:
    """A consent event at a Paris wall time."""
    return Consent(
        contact_id=contact_id,
        purpose=purpose,
        channel=channel,
        status=status,
        recorded_at=moment(when),
        source=source,
        policy_version=version,
        proof=proof,
    )


def purchase(number: str, contact_id: str, when: str, status: str = "completed") -> Purchase:
    """A purchase of 25 euros at a Paris wall time."""
    return Purchase(
        purchase_id=number,
        contact_id=contact_id,
        purchased_at=moment(when),
        total=Money(amount=Decimal("25.00"), currency="EUR"),
        status=status,
    )


class TestNewsletterCustomer:
    """A customer subscribes on a web form, buys twice, replies STOP to an SMS, asks for history."""

    @pytest.fixture
    def ledger(self) -> ConsentLedger:
        """Élodie's events as the CRM recorded them, given out of order."""
        return ConsentLedger(
            [
                consent(
                    "C-001",
                    "newsletter",
                    "sms",
                    "withdrawn",
                    "2026-06-10 18:02",
                    source="sms_stop",
                    version=None,
                    proof="sms-reply-77",
                ),
                consent(
                    "C-001", "newsletter", "email", "granted", "2026-01-15 10:00", proof="form-123"
                ),
                consent(
                    "C-001",
                    "newsletter",
                    "sms",
                    "granted",
                    "2026-02-01 12:00",
                    source="checkout_form",
                ),
            ]
        )

    def test_subscribed_newsletter_by_email(self, ledger: ConsentLedger) -> None:
        """After the web form, the newsletter may go by email, and the grant is the proof."""
        decision = ledger.allows("C-001", "newsletter", "email", at=moment("2026-03-01 09:00"))
        assert (True, Reason.CONSENT_GRANTED, "form-123") == (
            decision.allowed,
            decision.reason,
            decision.event.proof if decision.event else None,
        )
        assert "fr.email.consumer" == decision.rule.name

    def test_stop_by_sms_stops_the_emails(self, ledger: ConsentLedger) -> None:
        """A STOP reply to an SMS withdraws the newsletter on every channel."""
        decision = ledger.allows("C-001", "newsletter", "email", at=moment("2026-06-11 09:00"))
        assert (False, Reason.WITHDRAWN, "sms-reply-77") == (
            decision.allowed,
            decision.reason,
            decision.event.proof if decision.event else None,
        )

    def test_stop_with_channel_scope(self, ledger: ConsentLedger) -> None:
        """With channel scope, the STOP stops the SMS only."""
        scoped = ConsentLedger(ledger.events, withdrawal_scope="channel")
        at = moment("2026-06-11 09:00")
        assert (True, False) == (
            scoped.allows("C-001", "newsletter", "email", at=at).allowed,
            scoped.allows("C-001", "newsletter", "sms", at=at).allowed,
        )

    def test_purchases_do_not_override_a_withdrawal(self, ledger: ConsentLedger) -> None:
        """Two purchases after the STOP do not bring the soft opt-in back."""
        purchases = [
            purchase("P-1", "C-001", "2026-06-20 15:00"),
            purchase("P-2", "C-001", "2026-07-03 11:00"),
        ]
        contacts = [Contact(contact_id="C-001")]
        audience = ledger.audience(
            contacts, "newsletter", "email", at=moment("2026-07-10 09:00"), purchases=purchases
        )
        assert ((), {Reason.WITHDRAWN: 1}) == (audience.contact_ids, audience.excluded)

    def test_history_for_an_access_request(self, ledger: ConsentLedger) -> None:
        """The history lists every event, oldest first, with source, notice and proof."""
        history = ledger.history("C-001")
        assert [
            ("granted", "email", "web_signup_form", "2026-01"),
            ("granted", "sms", "checkout_form", "2026-01"),
            ("withdrawn", "sms", "sms_stop", None),
        ] == [(e.status.value, e.channel.value, e.source, e.policy_version) for e in history]

    def test_proof_of_one_purpose(self, ledger: ConsentLedger) -> None:
        """The proof of the newsletter holds its three events, and no other purpose's."""
        extra = consent("C-001", "partners", "email", "granted", "2026-01-15 10:00")
        ledger.add(extra)
        assert 3 == len(ledger.proof("C-001", "newsletter"))
        assert (extra,) == ledger.proof("C-001", "partners")

    def test_no_anomaly(self, ledger: ConsentLedger) -> None:
        """Each withdrawal follows a grant: no issue."""
        assert () == ledger.issues


class TestBusinessContact:
    """A B2B contact with no consent recorded."""

    def test_email_is_opt_out_with_information(self) -> None:
        """A professional may be emailed about their work without consent; a consumer not."""
        ledger = ConsentLedger([])
        at = moment("2026-09-01 09:00")
        business = ledger.allows("B-7", "offers", "email", at=at, is_business=True)
        consumer = ledger.allows("B-7", "offers", "email", at=at)
        assert (True, Reason.NO_OBJECTION, "fr.email.business") == (
            business.allowed,
            business.reason,
            business.rule.name,
        )
        assert (False, Reason.NO_CONSENT, None) == (
            consumer.allowed,
            consumer.reason,
            consumer.event,
        )
        assert any("profession" in condition for condition in business.rule.conditions)

    def test_company_means_business_in_an_audience(self) -> None:
        """In an audience, a contact with a company is a professional unless the host says not."""
        contacts = [
            Contact(contact_id="B-7", company="Ateliers Durand"),
            Contact(contact_id="C-8"),
        ]
        ledger = ConsentLedger([])
        at = moment("2026-09-01 09:00")
        assert ("B-7",) == ledger.audience(contacts, "offers", "email", at=at).contact_ids
        assert () == (
            ledger.audience(
                contacts, "offers", "email", at=at, is_business=lambda contact: False
            ).contact_ids
        )

    def test_business_objection_is_honoured(self) -> None:
        """A professional who objected is not emailed."""
        ledger = ConsentLedger(
            [
                consent(
                    "B-7",
                    "offers",
                    "email",
                    "withdrawn",
                    "2026-05-01 09:00",
                    source="unsubscribe_link",
                )
            ]
        )
        decision = ledger.allows(
            "B-7", "offers", "email", at=moment("2026-09-01 09:00"), is_business=True
        )
        assert (False, Reason.WITHDRAWN) == (decision.allowed, decision.reason)


class TestSoftOptIn:
    """A customer without consent, mailed on the soft opt-in until the window lapses."""

    def test_within_the_window(self) -> None:
        """A completed purchase 35 months before allows similar offers by email."""
        ledger = ConsentLedger([])
        decision = ledger.allows(
            "C-002",
            "offers",
            "email",
            at=moment("2026-12-01 09:00"),
            last_purchase_at=moment("2024-01-02 10:00"),
        )
        assert (True, Reason.SOFT_OPT_IN, None) == (
            decision.allowed,
            decision.reason,
            decision.event,
        )

    def test_window_lapses(self) -> None:
        """Thirty-six months and a day after the purchase, consent is needed again."""
        ledger = ConsentLedger([])
        decision = ledger.allows(
            "C-002",
            "offers",
            "email",
            at=moment("2026-12-02 09:00"),
            last_purchase_at=moment("2023-12-01 10:00"),
        )
        assert (False, Reason.NO_CONSENT) == (decision.allowed, decision.reason)

    def test_window_is_configurable(self) -> None:
        """A regime with a 12-month window refuses a purchase 13 months old."""
        import attrs

        regime = attrs.evolve(FRENCH_REGIME, soft_opt_in_months=12)
        ledger = ConsentLedger([], regime=regime)
        decision = ledger.allows(
            "C-002",
            "offers",
            "sms",
            at=moment("2026-12-01 09:00"),
            last_purchase_at=moment("2025-11-01 10:00"),
        )
        assert Reason.NO_CONSENT == decision.reason

    def test_a_purchase_after_the_moment_does_not_count(self) -> None:
        """A purchase after the moment asked about is not yet a purchase."""
        ledger = ConsentLedger([])
        decision = ledger.allows(
            "C-002",
            "offers",
            "email",
            at=moment("2026-12-01 09:00"),
            last_purchase_at=moment("2026-12-05 10:00"),
        )
        assert Reason.NO_CONSENT == decision.reason

    def test_audience_takes_the_last_completed_purchase(self) -> None:
        """A returned purchase and one after the moment are not the last completed one."""
        ledger = ConsentLedger([])
        purchases = [
            purchase("P-1", "C-002", "2022-06-01 10:00"),
            purchase("P-2", "C-002", "2026-06-01 10:00", status="returned"),
            purchase("P-3", "C-002", "2027-01-01 10:00"),
            purchase("P-4", "C-003", "2026-11-01 10:00"),
        ]
        contacts = [Contact(contact_id="C-002"), Contact(contact_id="C-003")]
        audience = ledger.audience(
            contacts, "offers", "email", at=moment("2026-12-01 09:00"), purchases=purchases
        )
        assert (("C-003",), {Reason.SOFT_OPT_IN: 1, Reason.NO_CONSENT: 1}) == (
            audience.contact_ids,
            dict(audience.counts),
        )


class TestGlobalOptOut:
    """A customer calls the call centre: "never contact me again"."""

    @pytest.fixture
    def ledger(self) -> ConsentLedger:
        """Grants on two purposes, then a global opt-out taken by phone."""
        return ConsentLedger(
            [
                consent("C-003", "newsletter", "email", "granted", "2025-05-01 10:00"),
                consent("C-003", "offers", "sms", "granted", "2025-05-01 10:00"),
                consent(
                    "C-003",
                    ALL_PURPOSES,
                    "phone",
                    "withdrawn",
                    "2026-02-03 14:30",
                    source="call_centre",
                    proof="call-991",
                ),
            ]
        )

    def test_every_purpose_and_channel_is_closed(self, ledger: ConsentLedger) -> None:
        """Email, SMS and post, under every purpose, are refused with global_opt_out."""
        at = moment("2026-03-01 09:00")
        reasons = {
            (purpose, channel): ledger.allows("C-003", purpose, channel, at=at).reason
            for purpose, channel in [
                ("newsletter", "email"),
                ("offers", "sms"),
                ("catalogue", "post"),
            ]
        }
        assert set(reasons.values()) == {Reason.GLOBAL_OPT_OUT}

    def test_also_with_channel_scope(self, ledger: ConsentLedger) -> None:
        """A global opt-out ignores the withdrawal scope."""
        scoped = ConsentLedger(ledger.events, withdrawal_scope="channel")
        decision = scoped.allows("C-003", "newsletter", "email", at=moment("2026-03-01 09:00"))
        assert Reason.GLOBAL_OPT_OUT == decision.reason

    def test_a_later_grant_reopens_its_purpose(self, ledger: ConsentLedger) -> None:
        """A grant after the opt-out reopens its own purpose and channel, no other."""
        ledger.add(consent("C-003", "newsletter", "email", "granted", "2026-04-01 10:00"))
        at = moment("2026-05-01 09:00")
        assert (Reason.CONSENT_GRANTED, Reason.GLOBAL_OPT_OUT) == (
            ledger.allows("C-003", "newsletter", "email", at=at).reason,
            ledger.allows("C-003", "offers", "sms", at=at).reason,
        )

    def test_before_the_call(self, ledger: ConsentLedger) -> None:
        """Before the call, the grants held."""
        decision = ledger.allows("C-003", "offers", "sms", at=moment("2026-02-03 14:29"))
        assert Reason.CONSENT_GRANTED == decision.reason


class TestMergedDuplicates:
    """Two records of one person are merged; one of them had unsubscribed."""

    EVENTS = (
        consent("D-1", "newsletter", "email", "granted", "2025-01-10 10:00"),
        consent(
            "D-1",
            "newsletter",
            "email",
            "withdrawn",
            "2025-09-01 08:00",
            source="unsubscribe_link",
            proof="unsub-1",
        ),
        consent(
            "D-2", "newsletter", "email", "granted", "2025-11-20 19:00", source="checkout_form"
        ),
        consent("D-2", "offers", "sms", "granted", "2025-11-20 19:00", source="checkout_form"),
    )

    def test_withdrawn_if_any_duplicate_withdrew(self) -> None:
        """The merged person is not emailed, though the other record's grant is more recent."""
        merged = merge_consents(self.EVENTS, {"D-2": "D-1"}, at=moment("2026-01-05 12:00"))
        ledger = ConsentLedger(merged)
        decision = ledger.allows("D-1", "newsletter", "email", at=moment("2026-01-06 09:00"))
        assert (False, Reason.WITHDRAWN, "merge", "unsub-1") == (
            decision.allowed,
            decision.reason,
            decision.event.source if decision.event else None,
            decision.event.proof if decision.event else None,
        )

    def test_other_purposes_carry_over(self) -> None:
        """The duplicate's SMS offers grant is now the merged person's."""
        merged = merge_consents(self.EVENTS, {"D-2": "D-1"}, at=moment("2026-01-05 12:00"))
        decision = ConsentLedger(merged).allows(
            "D-1", "offers", "sms", at=moment("2026-01-06 09:00")
        )
        assert (True, "D-1") == (
            decision.allowed,
            decision.event.contact_id if decision.event else None,
        )

    def test_events_after_the_merge_follow_the_normal_rule(self) -> None:
        """A grant after the merge reopens the newsletter."""
        later = consent("D-1", "newsletter", "email", "granted", "2026-02-01 10:00")
        merged = merge_consents(
            [*self.EVENTS, later], {"D-2": "D-1"}, at=moment("2026-01-05 12:00")
        )
        decision = ConsentLedger(merged).allows(
            "D-1", "newsletter", "email", at=moment("2026-02-02 09:00")
        )
        assert Reason.CONSENT_GRANTED == decision.reason

    def test_no_one_left_under_the_old_id(self) -> None:
        """Every event of the duplicate now belongs to the survivor."""
        merged = merge_consents(self.EVENTS, {"D-2": "D-1"}, at=moment("2026-01-05 12:00"))
        assert {"D-1"} == {event.contact_id for event in merged}

    def test_nothing_added_when_already_withdrawn(self) -> None:
        """When the merged events already say withdrawn, no merge event is added."""
        events = [
            consent("D-1", "newsletter", "email", "granted", "2025-01-10 10:00"),
            consent("D-2", "newsletter", "email", "withdrawn", "2025-09-01 08:00"),
        ]
        merged = merge_consents(events, {"D-2": "D-1"}, at=moment("2026-01-05 12:00"))
        assert 2 == len(merged)

    def test_chains_are_followed(self) -> None:
        """A -> B -> C merges A into C."""
        merged = merge_consents(
            [consent("A", "newsletter", "email", "granted", "2025-01-10 10:00")],
            {"A": "B", "B": "C"},
            at=moment("2026-01-05 12:00"),
        )
        assert ["C"] == [event.contact_id for event in merged]


class TestPhoneRuleChange:
    """Phone prospecting of consumers before and after 11 August 2026."""

    def test_before_the_change_opt_out_with_bloctel(self) -> None:
        """On 10 August 2026 a call needs no consent, but the host screens against Bloctel."""
        decision = ConsentLedger([]).allows(
            "C-004", "offers", "phone", at=moment("2026-08-10 23:59")
        )
        assert (True, Reason.NO_OBJECTION, "fr.phone.consumer") == (
            decision.allowed,
            decision.reason,
            decision.rule.name,
        )
        assert any("Bloctel" in check for check in decision.host_checks)

    def test_from_the_change_prior_consent(self) -> None:
        """From 11 August 2026 (Paris time), a call needs prior consent."""
        decision = ConsentLedger([]).allows(
            "C-004", "offers", "phone", at=moment("2026-08-11 00:00")
        )
        assert (False, Reason.NO_CONSENT, "fr.phone.consumer.2026") == (
            decision.allowed,
            decision.reason,
            decision.rule.name,
        )

    def test_ongoing_contract_exception(self) -> None:
        """A call about an ongoing contract's subject needs no consent."""
        decision = ConsentLedger([]).allows(
            "C-004", "renewal", "phone", at=moment("2026-09-01 10:00"), ongoing_contract=True
        )
        assert (True, Reason.ONGOING_CONTRACT) == (decision.allowed, decision.reason)

    def test_post_is_opt_out(self) -> None:
        """A catalogue by post needs no consent; an objection stops it."""
        ledger = ConsentLedger(
            [
                consent(
                    "C-005", "catalogue", "post", "withdrawn", "2026-01-01 10:00", source="letter"
                )
            ]
        )
        at = moment("2026-03-01 09:00")
        assert (Reason.NO_OBJECTION, Reason.WITHDRAWN) == (
            ledger.allows("C-004", "catalogue", "post", at=at).reason,
            ledger.allows("C-005", "catalogue", "post", at=at).reason,
        )
