"""ConsentLedger's parameters, anomalies, expiry, columns and frames."""

from __future__ import annotations

import datetime as dt

import pytest

from custdata import Consent, Contact, PolicyError
from custdata.consent import (
    ALL_PURPOSES,
    ALLOWING_REASONS,
    ConsentLedger,
    Reason,
    order_key,
)

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def event(
    contact_id: str = "C-1",
    purpose: str = "newsletter",
    channel: str = "email",
    status: str = "granted",
    days: int = 0,
) -> Consent:
    """A consent event ``days`` after T0."""
    return Consent(
        contact_id=contact_id,
        purpose=purpose,
        channel=channel,
        status=status,
        recorded_at=T0 + dt.timedelta(days=days),
    )


class TestParameters:
    """Bad parameters fail when the ledger is built or asked, naming the parameter."""

    @pytest.mark.parametrize(
        ("arguments", "parameter"),
        [
            ({"withdrawal_scope": "contact"}, "withdrawal_scope"),
            ({"expiry_months": 0}, "expiry_months"),
            ({"expiry_months": True}, "expiry_months"),
            ({"purposes": "newsletter"}, "purposes"),
            ({"purposes": ["newsletter", ALL_PURPOSES]}, "purposes"),
            ({"regime": "FR"}, "regime"),
        ],
    )
    def test_refused(self, arguments: dict[str, object], parameter: str) -> None:
        """Each bad parameter is a PolicyError naming it."""
        with pytest.raises(PolicyError, match=parameter):
            ConsentLedger([], **arguments)  # type: ignore[arg-type]  # wrong on purpose

    def test_naive_at(self) -> None:
        """A naive moment is refused: the answer would depend on the machine's time zone."""
        with pytest.raises(PolicyError, match="at must be an aware datetime"):
            ConsentLedger([]).allows("C-1", "newsletter", "email", at=dt.datetime(2026, 1, 1))  # noqa: DTZ001  # naive on purpose

    def test_unknown_purpose_question(self) -> None:
        """With purposes given, a question about another purpose is an error."""
        ledger = ConsentLedger([], purposes=["newsletter"])
        with pytest.raises(PolicyError, match="purpose"):
            ledger.allows("C-1", "newsletter_typo", "email", at=T0)

    def test_reserved_purpose_question(self) -> None:
        """The reserved purpose cannot be asked about."""
        with pytest.raises(PolicyError, match="reserved"):
            ConsentLedger([]).allows("C-1", ALL_PURPOSES, "email", at=T0)

    def test_unknown_channel(self) -> None:
        """A channel that is not a Channel value is an error."""
        with pytest.raises(PolicyError, match="channel"):
            ConsentLedger([]).allows("C-1", "newsletter", "fax", at=T0)

    def test_column_of_the_wrong_length(self) -> None:
        """A column shorter than the contact ids is an error naming it."""
        with pytest.raises(PolicyError, match="is_business"):
            ConsentLedger([]).allows_many(
                ["C-1", "C-2"], "newsletter", "email", at=T0, is_business=[True]
            )

    def test_add_refuses_other_objects(self) -> None:
        """Only Consent events are added."""
        with pytest.raises(TypeError, match="Consent"):
            ConsentLedger([]).add({"contact_id": "C-1"})  # type: ignore[arg-type]  # on purpose

    def test_repr_holds_no_customer_value(self) -> None:
        """The repr counts events and names the options, never a contact id."""
        text = repr(ConsentLedger([event(contact_id="C-SECRET")]))
        assert ("C-SECRET" in text, "events=1" in text) == (False, True)


class TestIssues:
    """Anomalies are issues with codes, by event position; never a customer value."""

    def test_withdrawal_without_grant_is_applied(self) -> None:
        """A withdrawal with no earlier grant applies, and is reported."""
        ledger = ConsentLedger([event(status="withdrawn", channel="post")])
        decision = ledger.allows("C-1", "newsletter", "post", at=T0)
        assert (Reason.WITHDRAWN, ["withdrawal_without_grant"], ["events[0]"]) == (
            decision.reason,
            [issue.code for issue in ledger.issues],
            [issue.path for issue in ledger.issues],
        )

    def test_earlier_grant_on_another_channel(self) -> None:
        """With purpose scope, a grant of the purpose on another channel counts as earlier."""
        events = [event(channel="sms"), event(status="withdrawn", days=1)]
        assert ((), ("withdrawal_without_grant",)) == (
            tuple(issue.code for issue in ConsentLedger(events).issues),
            tuple(issue.code for issue in ConsentLedger(events, withdrawal_scope="channel").issues),
        )

    def test_grant_after_the_withdrawal_does_not_count(self) -> None:
        """A grant added later, but recorded after the withdrawal, leaves the anomaly."""
        ledger = ConsentLedger([event(status="withdrawn")])
        ledger.add(event(days=2))
        assert ["withdrawal_without_grant"] == [issue.code for issue in ledger.issues]

    def test_grant_added_later_but_earlier_clears_it(self) -> None:
        """A grant recorded before the withdrawal, added afterwards, clears the anomaly."""
        ledger = ConsentLedger([event(status="withdrawn", days=2)])
        assert 1 == len(ledger.issues)
        ledger.add(event())
        assert () == ledger.issues

    def test_unknown_purpose_not_applied(self) -> None:
        """With purposes given, an event for another purpose is reported and ignored."""
        ledger = ConsentLedger(
            [event(purpose="newsletter"), event(purpose="newsleter")], purposes={"newsletter"}
        )
        assert (["unknown_purpose"], ["events[1].purpose"]) == (
            [issue.code for issue in ledger.issues],
            [issue.path for issue in ledger.issues],
        )

    def test_grant_of_all_purposes_not_applied(self) -> None:
        """A grant of every purpose at once is not a specific consent: ignored and reported."""
        ledger = ConsentLedger([event(purpose=ALL_PURPOSES)])
        decision = ledger.allows("C-1", "newsletter", "email", at=T0)
        assert (Reason.NO_CONSENT, ["all_purposes_grant"]) == (
            decision.reason,
            [issue.code for issue in ledger.issues],
        )

    def test_messages_hold_no_value(self) -> None:
        """No issue message holds the contact id or the purpose."""
        ledger = ConsentLedger(
            [event(contact_id="C-SECRET", purpose="secret", status="withdrawn")],
            purposes={"newsletter"},
        )
        text = " ".join(str(issue) for issue in ledger.issues)
        assert ("C-SECRET" in text, "secret" in text) == (False, False)


class TestOrder:
    """The ledger's order of events."""

    def test_withdrawal_wins_a_tie(self) -> None:
        """At the same instant, a withdrawal decides over a grant, whatever the offsets."""
        grant = event()
        withdrawal = Consent(
            contact_id="C-1",
            purpose="newsletter",
            channel="email",
            status="withdrawn",
            recorded_at=T0.astimezone(dt.timezone(dt.timedelta(hours=-5))),
        )
        for events in ([grant, withdrawal], [withdrawal, grant]):
            assert (
                Reason.WITHDRAWN
                == ConsentLedger(events).allows("C-1", "newsletter", "email", at=T0).reason
            )

    def test_instant_first(self) -> None:
        """An earlier instant sorts first whatever its offset."""
        early = Consent(
            contact_id="C-1",
            purpose="newsletter",
            channel="email",
            status="withdrawn",
            recorded_at=(T0 - dt.timedelta(minutes=1)).astimezone(
                dt.timezone(dt.timedelta(hours=9))
            ),
        )
        assert order_key(early) < order_key(event())

    def test_events_after_the_moment_are_ignored(self) -> None:
        """A withdrawal recorded after the moment asked about does not decide."""
        ledger = ConsentLedger([event(), event(status="withdrawn", days=5)])
        assert (Reason.CONSENT_GRANTED, Reason.WITHDRAWN) == (
            ledger.allows("C-1", "newsletter", "email", at=T0 + dt.timedelta(days=4)).reason,
            ledger.allows("C-1", "newsletter", "email", at=T0 + dt.timedelta(days=5)).reason,
        )


class TestExpiry:
    """A grant lapses after expiry_months without interaction."""

    def test_off_by_default(self) -> None:
        """Without expiry_months, a ten-year-old grant holds."""
        at = T0 + dt.timedelta(days=3650)
        assert (
            Reason.CONSENT_GRANTED
            == ConsentLedger([event()]).allows("C-1", "newsletter", "email", at=at).reason
        )

    def test_lapses_from_the_grant(self) -> None:
        """With 36 months and no interaction given, the grant lapses 36 months after it."""
        ledger = ConsentLedger([event()], expiry_months=36)
        inside = ledger.allows("C-1", "newsletter", "email", at=T0.replace(year=2029))
        outside = ledger.allows(
            "C-1", "newsletter", "email", at=T0.replace(year=2029) + dt.timedelta(seconds=1)
        )
        assert ((True, Reason.CONSENT_GRANTED), (False, Reason.CONSENT_EXPIRED)) == (
            (inside.allowed, inside.reason),
            (outside.allowed, outside.reason),
        )

    def test_an_interaction_renews_it(self) -> None:
        """A recent interaction keeps the grant alive."""
        ledger = ConsentLedger([event()], expiry_months=36)
        at = T0.replace(year=2030)
        decision = ledger.allows(
            "C-1", "newsletter", "email", at=at, last_interaction_at=at - dt.timedelta(days=30)
        )
        assert Reason.CONSENT_GRANTED == decision.reason

    def test_expired_on_an_opt_out_channel(self) -> None:
        """On an opt-out channel, an expired grant leaves the channel's own rule."""
        ledger = ConsentLedger([event(channel="post")], expiry_months=12)
        decision = ledger.allows("C-1", "newsletter", "post", at=T0.replace(year=2030))
        assert (True, Reason.NO_OBJECTION) == (decision.allowed, decision.reason)


class TestDecision:
    """What a decision says."""

    def test_explain(self) -> None:
        """The explanation names the verdict, the reason, the event and the rule."""
        text = ConsentLedger([event()]).allows("C-1", "newsletter", "email", at=T0).explain()
        assert text.startswith("allowed (consent_granted): granted for newsletter on email at ")
        assert text.endswith("; rule fr.email.consumer")

    def test_reasons_split(self) -> None:
        """Four reasons allow, four deny."""
        assert (4, 4) == (
            len(ALLOWING_REASONS),
            len(set(Reason) - ALLOWING_REASONS),
        )

    def test_counts(self) -> None:
        """allows_many's counts are by reason, in the Reason order."""
        ledger = ConsentLedger([event(), event("C-2", status="withdrawn")])
        columns = ledger.allows_many(["C-1", "C-2", "C-3", "C-4"], "newsletter", "email", at=T0)
        assert {
            Reason.CONSENT_GRANTED: 1,
            Reason.WITHDRAWN: 1,
            Reason.NO_CONSENT: 2,
        } == columns.counts()
        assert 4 == len(columns)

    def test_allows_many_takes_any_iterable(self) -> None:
        """A generator of contact ids works as a list does."""
        ledger = ConsentLedger([event()])
        columns = ledger.allows_many((i for i in ["C-1", "C-2"]), "newsletter", "email", at=T0)
        assert [True, False] == columns.allowed


class TestAudienceFrames:
    """audience reads a contacts frame as it reads records."""

    def test_arrow_and_pandas(self) -> None:
        """An Arrow table and a pandas frame give the records' audience."""
        pa = pytest.importorskip("pyarrow")
        pd = pytest.importorskip("pandas")
        ledger = ConsentLedger([event(), event("C-2", status="withdrawn")])
        contacts = [
            Contact(contact_id="C-1"),
            Contact(contact_id="C-2"),
            Contact(contact_id="C-3", company="Durand SA"),
        ]
        table = pa.table(
            {
                "contact_id": ["C-1", "C-2", "C-3", None],
                "company": [None, None, "Durand SA", None],
                "email": ["a@example.org", None, None, None],
            }
        )
        expected = ledger.audience(contacts, "newsletter", "email", at=T0, is_business=None)
        from_arrow = ledger.audience(table, "newsletter", "email", at=T0)
        from_pandas = ledger.audience(table.to_pandas(), "newsletter", "email", at=T0)
        assert isinstance(table.to_pandas(), pd.DataFrame)
        assert (expected.contact_ids, expected.contact_ids, 1) == (
            from_arrow.contact_ids,
            from_pandas.contact_ids,
            from_arrow.unreadable,
        )
        assert ("C-1", "C-3") == expected.contact_ids  # C-3's company: B2B email is opt-out
        assert {Reason.CONSENT_GRANTED: 1, Reason.NO_OBJECTION: 1, Reason.WITHDRAWN: 1} == dict(
            expected.counts
        )

    def test_purchases_frame(self) -> None:
        """A purchases frame gives the soft opt-in as records do."""
        pa = pytest.importorskip("pyarrow")
        purchases = pa.table(
            {
                "contact_id": ["C-1", "C-2"],
                "purchased_at": [T0 - dt.timedelta(days=10), T0 - dt.timedelta(days=10)],
                "status": ["completed", "cancelled"],
            }
        )
        audience = ConsentLedger([]).audience(
            [Contact(contact_id="C-1"), Contact(contact_id="C-2")],
            "offers",
            "email",
            at=T0,
            purchases=purchases,
        )
        assert (("C-1",), {Reason.SOFT_OPT_IN: 1, Reason.NO_CONSENT: 1}) == (
            audience.contact_ids,
            dict(audience.counts),
        )

    def test_not_contacts(self) -> None:
        """Anything else than contacts or a frame is a TypeError."""
        with pytest.raises(TypeError, match="Contact records"):
            ConsentLedger([]).audience([event()], "newsletter", "email", at=T0)


class TestColumnsOfFrames:
    """allows_many reads Arrow, pandas and polars columns as Python values."""

    def test_arrow_columns(self) -> None:
        """An Arrow array of ids and of flags gives the list's answers."""
        pa = pytest.importorskip("pyarrow")
        ledger = ConsentLedger([event(channel="post", status="withdrawn")])
        ids = ["C-1", "C-2"]
        expected = ledger.allows_many(ids, "newsletter", "post", at=T0, is_business=[False, True])
        actual = ledger.allows_many(
            pa.array(ids), "newsletter", "post", at=T0, is_business=pa.array([False, True])
        )
        assert (expected.reasons, [Reason.WITHDRAWN, Reason.NO_OBJECTION]) == (
            actual.reasons,
            expected.reasons,
        )

    def test_pandas_series(self) -> None:
        """A pandas Series of ids gives the list's answers."""
        pd = pytest.importorskip("pandas")
        ledger = ConsentLedger([event(channel="post", status="withdrawn")])
        actual = ledger.allows_many(pd.Series(["C-1", "C-2"]), "newsletter", "post", at=T0)
        assert [Reason.WITHDRAWN, Reason.NO_OBJECTION] == actual.reasons

    def test_ids_must_be_text(self) -> None:
        """A null or a number among the ids is an error, not a silent non-match."""
        with pytest.raises(PolicyError, match="contact_ids"):
            ConsentLedger([]).allows_many(["C-1", None], "newsletter", "post", at=T0)  # type: ignore[list-item]  # on purpose


class TestOffsets:
    """The same instant with another UTC offset gives the same answers."""

    def test_soft_opt_in_window_on_the_regime_calendar(self) -> None:
        """Months are counted on the regime's calendar, whatever the offset of the moment."""
        import attrs

        from custdata.consent import FRENCH_REGIME

        regime = attrs.evolve(FRENCH_REGIME, soft_opt_in_months=1)
        paris = dt.datetime(2026, 3, 31, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        utc = paris.astimezone(dt.UTC)  # 30 March, 22:30 UTC
        bought = dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)  # a month before, in Paris
        answers = [
            ConsentLedger([], regime=regime)
            .allows("C-1", "offers", "email", at=at, last_purchase_at=bought)
            .reason
            for at in (paris, utc)
        ]
        assert [Reason.SOFT_OPT_IN, Reason.SOFT_OPT_IN] == answers
