"""The legal regime: dated rules per channel, checked when built."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from custdata import Channel, PolicyError
from custdata.consent import (
    FRENCH_REGIME,
    PHONE_OPT_IN_DATE,
    Basis,
    ConsentLedger,
    Reason,
    Recipient,
    Regime,
    Rule,
)


def consumer_rules(basis: Basis = Basis.CONSENT) -> list[Rule]:
    """One consumer rule per channel, from the start."""
    return [Rule(name=f"x.{channel.value}", channel=channel, basis=basis) for channel in Channel]


class TestFrenchRegime:
    """The default regime's rules."""

    @pytest.mark.parametrize(
        ("channel", "business", "day", "name", "basis"),
        [
            ("email", False, dt.date(2026, 1, 1), "fr.email.consumer", Basis.CONSENT),
            ("email", True, dt.date(2026, 1, 1), "fr.email.business", Basis.OPT_OUT),
            ("sms", False, dt.date(2026, 1, 1), "fr.sms.consumer", Basis.CONSENT),
            ("sms", True, dt.date(2026, 1, 1), "fr.sms.consumer", Basis.CONSENT),
            ("push", False, dt.date(2026, 1, 1), "fr.push.consumer", Basis.CONSENT),
            ("post", False, dt.date(2026, 1, 1), "fr.post.consumer", Basis.OPT_OUT),
            ("phone", False, dt.date(2026, 8, 10), "fr.phone.consumer", Basis.OPT_OUT),
            ("phone", False, dt.date(2026, 8, 11), "fr.phone.consumer.2026", Basis.CONSENT),
            ("phone", True, dt.date(2026, 8, 11), "fr.phone.business", Basis.OPT_OUT),
            ("web", False, dt.date(2026, 1, 1), "fr.web.consumer", Basis.CONSENT),
            ("marketplace", True, dt.date(2026, 1, 1), "fr.marketplace.consumer", Basis.CONSENT),
        ],
    )
    def test_rule_for(
        self, channel: str, business: bool, day: dt.date, name: str, basis: Basis
    ) -> None:
        """Each channel, audience and day picks its rule."""
        rule = FRENCH_REGIME.rule_for(channel, business=business, day=day)
        assert (name, basis) == (rule.name, rule.basis)

    def test_soft_opt_in_channels(self) -> None:
        """The soft opt-in applies to consumer email, SMS and push only."""
        day = dt.date(2026, 1, 1)
        assert {Channel.EMAIL, Channel.SMS, Channel.PUSH} == {
            channel
            for channel in Channel
            if FRENCH_REGIME.rule_for(channel, business=False, day=day).soft_opt_in
        }

    def test_every_rule_has_a_source(self) -> None:
        """Every rule says where it comes from."""
        assert all(rule.source for rule in FRENCH_REGIME.rules)

    def test_phone_date(self) -> None:
        """Phone prospecting needs consent from 11 August 2026."""
        assert dt.date(2026, 8, 11) == PHONE_OPT_IN_DATE

    def test_day_is_read_in_paris(self) -> None:
        """22:30 UTC on 10 August 2026 is already 11 August in Paris."""
        at = dt.datetime(2026, 8, 10, 22, 30, tzinfo=dt.UTC)
        assert dt.date(2026, 8, 11) == FRENCH_REGIME.local_date(at)

    def test_rule_by_name(self) -> None:
        """A rule can be found by its name."""
        assert Channel.POST == FRENCH_REGIME.rule("fr.post.consumer").channel


class TestCustomRegime:
    """A host's own regime."""

    def test_post_needs_consent(self) -> None:
        """A regime may ask consent for post; the ledger then refuses without one."""
        regime = Regime(name="strict", rules=consumer_rules())
        decision = ConsentLedger([], regime=regime).allows(
            "C-1", "catalogue", "post", at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        )
        assert (False, Reason.NO_CONSENT, "x.post") == (
            decision.allowed,
            decision.reason,
            decision.rule.name,
        )

    def test_dated_rule(self) -> None:
        """A dated rule applies from its day on, in the regime's time zone."""
        rules = [
            *consumer_rules(Basis.OPT_OUT),
            Rule(name="later", channel="sms", basis="consent", since=dt.date(2027, 1, 1)),
        ]
        regime = Regime(name="dated", rules=rules, timezone="Pacific/Auckland")
        before = regime.rule_for("sms", business=False, day=dt.date(2026, 12, 31))
        moment = dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)  # 1 January in Auckland
        after = regime.rule_for("sms", business=False, day=regime.local_date(moment))
        assert ("x.sms", "later") == (before.name, after.name)

    def test_business_rule_falls_back_to_consumer(self) -> None:
        """Without a business rule, a professional is treated as a consumer."""
        regime = Regime(name="plain", rules=consumer_rules())
        rule = regime.rule_for("email", business=True, day=dt.date(2026, 1, 1))
        assert Recipient.CONSUMER == rule.audience


class TestChecks:
    """A bad regime fails when built, naming the class and the parameter."""

    def test_missing_channel(self) -> None:
        """Every channel needs a consumer rule from the start."""
        rules = [rule for rule in consumer_rules() if rule.channel is not Channel.STORE]
        with pytest.raises(PolicyError, match=r"Regime: rules have no consumer rule for store"):
            Regime(name="gap", rules=rules)

    def test_same_day_twice(self) -> None:
        """Two rules of one channel and audience cannot start the same day."""
        rules = [*consumer_rules(), Rule(name="again", channel="sms", basis="opt_out")]
        with pytest.raises(PolicyError, match="same day"):
            Regime(name="twice", rules=rules)

    def test_same_name_twice(self) -> None:
        """Rule names are unique."""
        rules = [*consumer_rules(), attrs.evolve(consumer_rules()[0], audience="business")]
        with pytest.raises(PolicyError, match="twice"):
            Regime(name="names", rules=rules)

    @pytest.mark.parametrize(
        ("arguments", "parameter"),
        [
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"soft_opt_in_months": -1}, "soft_opt_in_months"),
            ({"name": ""}, "name"),
        ],
    )
    def test_bad_parameters(self, arguments: dict[str, object], parameter: str) -> None:
        """A bad time zone, window or name is refused."""
        with pytest.raises(PolicyError, match=f"Regime: {parameter}"):
            Regime(**{"name": "x", "rules": consumer_rules(), **arguments})  # type: ignore[arg-type]

    def test_opt_out_with_exception(self) -> None:
        """An opt-out rule has no soft opt-in to grant."""
        with pytest.raises(PolicyError, match="Rule: basis"):
            Rule(name="odd", channel="post", basis="opt_out", soft_opt_in=True)

    def test_since_must_be_a_date(self) -> None:
        """A rule's since is a date, not a datetime."""
        with pytest.raises(PolicyError, match="Rule: since"):
            Rule(
                name="odd",
                channel="post",
                basis="consent",
                since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
