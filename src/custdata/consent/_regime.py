"""
The legal regime of marketing messages: which basis each channel needs, and from when.

A `Regime` is a set of dated `Rule` objects, one or more per `custdata.Channel`
and audience (consumers, or professionals contacted about their work). The
moment a question is asked picks the rule: the one in force on that day, in the
regime's time zone. `FRENCH_REGIME` encodes French law as the CNIL explains it;
docs/consent.md gives the source of each rule. It is guidance for building a
compliant system, not legal advice.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from custdata.errors import PolicyError
from custdata.model import Channel, check_tz

__all__ = [
    "FRENCH_REGIME",
    "PHONE_OPT_IN_DATE",
    "Basis",
    "Recipient",
    "Regime",
    "Rule",
]


class Basis(enum.StrEnum):
    """What a channel needs before a marketing message may be sent."""

    CONSENT = "consent"
    """Prior consent ("opt-in"): no message without a grant in force, bar the rule's exceptions."""
    OPT_OUT = "opt_out"
    """Allowed unless the person objected ("opt-out"): a withdrawal in force forbids it."""


class Recipient(enum.StrEnum):
    """Who a rule is about."""

    CONSUMER = "consumer"
    """A private person."""
    BUSINESS = "business"
    """A professional contacted at work about their work (B2B)."""


def _error(owner: object, parameter: str, problem: str) -> PolicyError:
    cls = owner if isinstance(owner, type) else type(owner)
    return PolicyError(f"{cls.__name__}: {parameter} {problem}")


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Rule:
    """
    What one channel needs for one audience, from one day on.

    Attributes:
        name: A stable identifier that decisions carry, such as ``"fr.phone.consumer.2026"``.
        channel: The channel it governs.
        audience: Consumers or professionals.
        basis: Prior consent, or opt-out.
        since: The first day it applies, in the regime's time zone; ``None``
            for a rule in force from the start.
        soft_opt_in: Whether an existing customer may be sent messages about
            similar products without consent (a completed purchase within the
            regime's ``soft_opt_in_months`` before the moment asked about).
        contract_exception: Whether a message about an ongoing contract's
            subject needs no consent (``ongoing_contract=True`` in the question).
        host_checks: What the host must still check before sending, such as a
            national opposition list; decisions repeat them.
        conditions: What every message must do under this rule (offer a way to
            object...); decisions repeat them.
        source: The legal text or guidance the rule encodes.
    """

    name: str
    channel: Channel = attrs.field(converter=Channel)
    audience: Recipient = attrs.field(default=Recipient.CONSUMER, converter=Recipient)
    basis: Basis = attrs.field(converter=Basis)
    since: dt.date | None = None
    soft_opt_in: bool = False
    contract_exception: bool = False
    host_checks: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    conditions: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    source: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise _error(self, "name", "must be a non-empty string")
        if self.since is not None and (
            not isinstance(self.since, dt.date) or isinstance(self.since, dt.datetime)
        ):
            raise _error(self, "since", "must be a date or None")
        if self.basis is Basis.OPT_OUT and (self.soft_opt_in or self.contract_exception):
            raise _error(
                self,
                "basis",
                "opt_out needs no exception: soft_opt_in and "
                "contract_exception apply to consent rules only",
            )


_DAY_ZERO: Final = dt.date.min


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Regime:
    """
    The rules of one jurisdiction, checked when built.

    Every channel must have a consumer rule in force from the start
    (``since=None``); a channel without a business rule treats professionals
    as consumers. Two rules of one channel and audience may not share a day.

    Attributes:
        name: The regime's name, such as ``"FR"``.
        rules: The rules.
        timezone: The IANA time zone whose calendar days the rules' ``since`` dates are.
        soft_opt_in_months: How long after a completed purchase the soft opt-in
            lasts (months before the moment asked about).
    """

    name: str
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    timezone: str = "UTC"
    soft_opt_in_months: int = 36
    _zone: dt.tzinfo = attrs.field(init=False, repr=False, eq=False)
    _table: Mapping[tuple[Channel, Recipient], tuple[tuple[dt.date, Rule], ...]] = attrs.field(
        init=False, repr=False, eq=False
    )
    _names: Mapping[str, Rule] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise _error(self, "name", "must be a non-empty string")
        if (
            isinstance(self.soft_opt_in_months, bool)
            or not isinstance(self.soft_opt_in_months, int)
            or self.soft_opt_in_months < 0
        ):
            raise _error(self, "soft_opt_in_months", "must be an int >= 0")
        try:
            zone = check_tz(self.timezone)
        except (ValueError, TypeError):
            raise _error(self, "timezone", "must be an IANA time zone name") from None
        if zone is None:
            raise _error(self, "timezone", "must be an IANA time zone name")
        object.__setattr__(self, "_zone", zone)
        table: dict[tuple[Channel, Recipient], list[tuple[dt.date, Rule]]] = {}
        names: dict[str, Rule] = {}
        for rule in self.rules:
            if not isinstance(rule, Rule):
                raise _error(self, "rules", "must hold Rule objects only")
            if rule.name in names:
                raise _error(self, "rules", f"name the rule {rule.name[:64]!r} twice")
            names[rule.name] = rule
            table.setdefault((rule.channel, rule.audience), []).append(
                (rule.since or _DAY_ZERO, rule)
            )
        for channel in Channel:
            dated = table.get((channel, Recipient.CONSUMER), [])
            if not any(day == _DAY_ZERO for day, _ in dated):
                raise _error(
                    self,
                    "rules",
                    f"have no consumer rule for {channel.value} from the start (since=None)",
                )
        for (channel, audience), dated in table.items():
            days = [day for day, _ in dated]
            if len(set(days)) != len(days):
                raise _error(
                    self,
                    "rules",
                    f"give two {audience.value} rules for {channel.value} from the same day",
                )
            dated.sort(key=lambda item: item[0])
        object.__setattr__(
            self,
            "_table",
            MappingProxyType({key: tuple(value) for key, value in table.items()}),
        )
        object.__setattr__(self, "_names", MappingProxyType(names))

    def local(self, at: dt.datetime) -> dt.datetime:
        """
        Return ``at`` in the regime's time zone: the same instant, on the regime's calendar.

        Args:
            at: An aware moment.

        Returns:
            The moment in the regime's time zone.
        """
        return at.astimezone(self._zone)

    def local_date(self, at: dt.datetime) -> dt.date:
        """
        Return the day ``at`` falls on in the regime's time zone.

        Args:
            at: An aware moment.

        Returns:
            The calendar day.
        """
        return at.astimezone(self._zone).date()

    def rule_for(self, channel: Channel | str, *, business: bool, day: dt.date) -> Rule:
        """
        Return the rule in force for a channel and audience on a day.

        Args:
            channel: The channel.
            business: Whether the person is a professional contacted about their work.
            day: The day, in the regime's time zone (see `local_date`).

        Returns:
            The rule with the latest ``since`` on or before ``day``.
        """
        channel = Channel(channel)
        dated = None
        if business:
            dated = self._table.get((channel, Recipient.BUSINESS))
        if dated is None:
            dated = self._table[(channel, Recipient.CONSUMER)]
        found = dated[0][1]
        for since, rule in dated:
            if since <= day:
                found = rule
            else:
                break
        return found

    def rule(self, name: str) -> Rule:
        """
        Return a rule by its name.

        Args:
            name: The rule's name.

        Returns:
            The rule.

        Raises:
            KeyError: If the regime has no rule of that name.
        """
        return self._names[name]


PHONE_OPT_IN_DATE: Final = dt.date(2026, 8, 11)
"""The day French phone prospecting of consumers needs prior consent (loi n° 2025-594)."""

_L34_5: Final = (
    "Code des postes et des communications électroniques, article L34-5; "
    "CNIL, « La prospection commerciale par courrier électronique » and « par SMS »"
)
_OBJECT: Final = "each message offers a free and simple way to object"
_SOFT: Final = (
    "without consent, only for products or services similar to those the customer "
    "bought from the same company"
)

_CONSENT_CHANNELS_NOTE: Final = (
    "no rule of French law lets these messages go without consent; the CNIL asks consent "
    "for targeted messages on web, app, social networks and marketplaces (cookies and "
    "trackers, CPCE L34-5 and article 82 of the loi Informatique et Libertés), and a "
    "message through a store or a partner's platform reuses data for a new purpose"
)

FRENCH_REGIME: Final = Regime(
    name="FR",
    timezone="Europe/Paris",
    soft_opt_in_months=36,
    rules=(
        Rule(
            name="fr.email.consumer",
            channel=Channel.EMAIL,
            basis=Basis.CONSENT,
            soft_opt_in=True,
            conditions=(_OBJECT, "the sender is identified"),
            source=_L34_5,
        ),
        Rule(
            name="fr.email.business",
            channel=Channel.EMAIL,
            audience=Recipient.BUSINESS,
            basis=Basis.OPT_OUT,
            conditions=(
                "the person was told their address would be used for prospecting, "
                "and could object, when it was collected",
                "the message is about the person's profession",
                _OBJECT,
            ),
            source="CNIL, « La prospection commerciale par courrier électronique » "
            "(business to business); CPCE L34-5",
        ),
        Rule(
            name="fr.sms.consumer",
            channel=Channel.SMS,
            basis=Basis.CONSENT,
            soft_opt_in=True,
            conditions=(_OBJECT, "the sender is identified"),
            source=_L34_5,
        ),
        Rule(
            name="fr.push.consumer",
            channel=Channel.PUSH,
            basis=Basis.CONSENT,
            soft_opt_in=True,
            conditions=(_OBJECT,),
            source=_L34_5 + "; the device's own permission is needed as well",
        ),
        Rule(
            name="fr.post.consumer",
            channel=Channel.POST,
            basis=Basis.OPT_OUT,
            conditions=("the person was told and could object when the address was collected",),
            source="CNIL, « La prospection commerciale par courrier postal »; RGPD article 21 "
            "(right to object to direct marketing)",
        ),
        Rule(
            name="fr.phone.consumer",
            channel=Channel.PHONE,
            basis=Basis.OPT_OUT,
            host_checks=(
                "screen the number against the national opposition list (Bloctel) "
                "before calling, unless the person is a customer under an ongoing contract",
            ),
            conditions=("the person was told and could object when the number was collected",),
            source="Code de la consommation, article L223-1 (before loi n° 2025-594); "
            "CNIL, « La prospection commerciale par téléphone »",
        ),
        Rule(
            name="fr.phone.consumer.2026",
            channel=Channel.PHONE,
            basis=Basis.CONSENT,
            since=PHONE_OPT_IN_DATE,
            contract_exception=True,
            conditions=("without consent, only calls about the subject of a contract in progress",),
            source="Code de la consommation, article L223-1 as amended by loi n° 2025-594 "
            "du 30 juin 2025 (in force on 11 August 2026)",
        ),
        Rule(
            name="fr.phone.business",
            channel=Channel.PHONE,
            audience=Recipient.BUSINESS,
            basis=Basis.OPT_OUT,
            conditions=("the call is about the person's profession",),
            source="Code de la consommation, article L223-1 protects consumers only; CNIL, "
            "« La prospection commerciale par téléphone »",
        ),
        *(
            Rule(
                name=f"fr.{channel.value}.consumer",
                channel=channel,
                basis=Basis.CONSENT,
                conditions=(_OBJECT,),
                source=_CONSENT_CHANNELS_NOTE,
            )
            for channel in (
                Channel.WEB,
                Channel.APP,
                Channel.STORE,
                Channel.SOCIAL,
                Channel.MARKETPLACE,
            )
        ),
    ),
)
"""
French law on marketing messages, as the CNIL explains it (guidance, not legal advice).

Consumers: email, SMS and push need prior consent, except the soft opt-in
(a completed purchase within 36 months, for similar products); post is
opt-out; phone is opt-out screened against Bloctel until 10 August 2026, and
needs prior consent from 11 August 2026, except calls about an ongoing
contract's subject. Web, app, store, social and marketplace messages need
prior consent. Professionals: email and phone are opt-out with information;
other channels as for consumers. See docs/consent.md for each rule's source.
"""
