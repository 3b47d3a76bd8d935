"""Properties of the ledger: order independence, global opt-outs, allows_many == allows."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from custdata import Consent
from custdata.consent import ALL_PURPOSES, ConsentLedger, Reason, merge_consents

CONTACTS = ("C-1", "C-2", "C-3")
PURPOSES = ("newsletter", "offers")
CHANNELS = ("email", "sms", "post", "phone")
BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# Few distinct instants, and two offsets for each, so that ties are common.
OFFSETS = (dt.UTC, dt.timezone(dt.timedelta(hours=1)))


@st.composite
def events(draw: st.DrawFn, purposes: tuple[str, ...] = (*PURPOSES, ALL_PURPOSES)) -> Consent:
    """A consent event among few contacts, purposes (global opt-outs too), channels, instants."""
    instant = BASE + dt.timedelta(hours=draw(st.integers(0, 6)))
    return Consent(
        contact_id=draw(st.sampled_from(CONTACTS)),
        purpose=draw(st.sampled_from(purposes)),
        channel=draw(st.sampled_from(CHANNELS)),
        status=draw(st.sampled_from(("granted", "withdrawn"))),
        recorded_at=instant.astimezone(draw(st.sampled_from(OFFSETS))),
        source=draw(st.sampled_from((None, "web", "sms_stop"))),
        proof=draw(st.sampled_from((None, "p-1", "p-2"))),
    )


def answers(ledger: ConsentLedger) -> list[tuple[object, ...]]:
    """Every question over the small world at a few moments, with its full decision."""
    found: list[tuple[object, ...]] = []
    for hours in (0, 2, 4, 7):
        at = BASE + dt.timedelta(hours=hours, minutes=30)
        for contact_id in CONTACTS:
            for purpose in PURPOSES:
                for channel in CHANNELS:
                    decision = ledger.allows(contact_id, purpose, channel, at=at)
                    found.append((decision.allowed, decision.reason, decision.event))
    return found


class TestOrderIndependence:
    """The answer never depends on the order events were given in."""

    @given(st.lists(events(), max_size=25), st.randoms(use_true_random=False))
    def test_shuffled(self, given_events: list[Consent], random: object) -> None:
        """A shuffled list gives the same decisions, deciding events included."""
        shuffled = list(given_events)
        random.shuffle(shuffled)  # type: ignore[attr-defined]  # a hypothesis Random
        assert answers(ConsentLedger(given_events)) == answers(ConsentLedger(shuffled))

    @given(st.lists(events(), max_size=25))
    def test_added_one_by_one_in_reverse(self, given_events: list[Consent]) -> None:
        """Events appended with add, newest first, give the same decisions as built at once."""
        ledger = ConsentLedger()
        for event in reversed(given_events):
            ledger.add(event)
        assert answers(ConsentLedger(given_events)) == answers(ledger)

    @given(st.lists(events(), max_size=25), st.randoms(use_true_random=False))
    def test_same_issue_codes(self, given_events: list[Consent], random: object) -> None:
        """The anomalies found are the same events whatever the order."""
        shuffled = list(given_events)
        random.shuffle(shuffled)  # type: ignore[attr-defined]  # a hypothesis Random

        def flagged(events_: list[Consent]) -> list[tuple[str, tuple[object, ...]]]:
            ledger = ConsentLedger(events_)
            positions = [int(issue.path[7:].split("]")[0]) for issue in ledger.issues]
            return sorted(
                (issue.code, tuple(str(value) for value in events_[index].to_dict().values()))
                for issue, index in zip(ledger.issues, positions, strict=True)
            )

        assert flagged(given_events) == flagged(shuffled)


class TestGlobalOptOut:
    """A global opt-out always wins over every grant before it."""

    @given(st.lists(events(), max_size=25), st.integers(0, 6), st.sampled_from(CHANNELS))
    def test_wins_over_earlier_grants(
        self, given_events: list[Consent], hour: int, channel: str
    ) -> None:
        """Once a contact opts out of everything, nothing recorded before allows contact."""
        when = BASE + dt.timedelta(hours=hour)
        earlier = [event for event in given_events if event.recorded_at <= when]
        opt_out = Consent(
            contact_id="C-1",
            purpose=ALL_PURPOSES,
            channel=channel,
            status="withdrawn",
            recorded_at=when,
        )
        ledger = ConsentLedger([*earlier, opt_out])
        for purpose in PURPOSES:
            for on in CHANNELS:
                decision = ledger.allows("C-1", purpose, on, at=when + dt.timedelta(minutes=1))
                # A withdrawal of the purpose at the same instant may be the one named.
                assert (False, True) == (
                    decision.allowed,
                    decision.reason in {Reason.GLOBAL_OPT_OUT, Reason.WITHDRAWN},
                )


class TestColumns:
    """allows_many answers as allows does, one contact at a time."""

    @given(
        st.lists(events(), max_size=25),
        st.lists(st.sampled_from((*CONTACTS, "C-9")), max_size=8),
        st.lists(st.booleans(), min_size=8, max_size=8),
        st.lists(st.none() | st.integers(-40, 10), min_size=8, max_size=8),
        st.sampled_from(PURPOSES),
        st.sampled_from(CHANNELS),
    )
    def test_same_as_allows(  # noqa: PLR0917  # one argument per drawn column
        self,
        given_events: list[Consent],
        ids: list[str],
        business: list[bool],
        purchase_months: list[int | None],
        purpose: str,
        channel: str,
    ) -> None:
        """Same answers and reasons, with columns of flags and purchase dates."""
        ledger = ConsentLedger(given_events, expiry_months=1)
        at = BASE + dt.timedelta(hours=3)
        flags = business[: len(ids)]
        purchases = [
            None if months is None else at + dt.timedelta(days=30 * months)
            for months in purchase_months[: len(ids)]
        ]
        columns = ledger.allows_many(
            ids, purpose, channel, at=at, is_business=flags, last_purchase_at=purchases
        )
        one_by_one = [
            ledger.allows(
                contact_id,
                purpose,
                channel,
                at=at,
                is_business=flag,
                last_purchase_at=bought,
            )
            for contact_id, flag, bought in zip(ids, flags, purchases, strict=True)
        ]
        assert ([d.allowed for d in one_by_one], [d.reason for d in one_by_one]) == (
            columns.allowed,
            columns.reasons,
        )


class TestMerge:
    """Merging keeps every withdrawal in force."""

    @given(st.lists(events(), max_size=25), st.integers(0, 7))
    def test_withdrawn_for_any_duplicate_stays_withdrawn(
        self, given_events: list[Consent], hour: int
    ) -> None:
        """What any duplicate had withdrawn at the merge is withdrawn for the merged person."""
        at = BASE + dt.timedelta(hours=hour, minutes=15)
        before = ConsentLedger(given_events)
        merged = ConsentLedger(merge_consents(given_events, {"C-2": "C-1", "C-3": "C-1"}, at=at))
        for purpose in PURPOSES:
            for channel in CHANNELS:
                was = [
                    before.allows(contact_id, purpose, channel, at=at).reason
                    for contact_id in CONTACTS
                ]
                now = merged.allows("C-1", purpose, channel, at=at).reason
                if Reason.WITHDRAWN in was or Reason.GLOBAL_OPT_OUT in was:
                    assert now in {Reason.WITHDRAWN, Reason.GLOBAL_OPT_OUT}

    @given(
        st.lists(events(), max_size=25),
        st.lists(st.sampled_from((*CONTACTS, "C-9")), max_size=8),
        st.booleans(),
        st.integers(0, 8),
        st.sampled_from(PURPOSES),
        st.sampled_from(CHANNELS),
    )
    def test_same_as_allows_with_one_flag(  # noqa: PLR0917  # one argument per draw
        self,
        given_events: list[Consent],
        ids: list[str],
        business: bool,
        hours: int,
        purpose: str,
        channel: str,
    ) -> None:
        """Same answers with one flag for all, before, between and after the events."""
        ledger = ConsentLedger(given_events)
        at = BASE + dt.timedelta(hours=hours)
        ledger.allows_many(ids, purpose, channel, at=BASE)  # an earlier question, cached
        columns = ledger.allows_many(ids, purpose, channel, at=at, is_business=business)
        one_by_one = [
            ledger.allows(contact_id, purpose, channel, at=at, is_business=business)
            for contact_id in ids
        ]
        assert [d.reason for d in one_by_one] == columns.reasons
