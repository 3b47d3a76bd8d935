"""
`ConsentLedger`: may we contact this person, for this purpose, on this channel, now, and why.

The ledger holds the consent events the host hands it, indexed per contact,
purpose and channel, each index sorted in the ledger's order (`order_key`).
A question is answered from the latest event in force at the moment asked
about, then from the regime's rule for the channel. Nothing here reads the
clock, a file or the network.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import enum
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

import attrs

from custdata.consent._regime import FRENCH_REGIME, Basis, Regime, Rule
from custdata.errors import Issue, PolicyError, Severity
from custdata.model import Channel, Consent, ConsentStatus

if TYPE_CHECKING:
    from custdata.model import Contact, Purchase

__all__ = [
    "ALLOWING_REASONS",
    "ALL_PURPOSES",
    "Audience",
    "ConsentLedger",
    "Decision",
    "DecisionColumns",
    "Reason",
    "WithdrawalScope",
    "merge_consents",
    "order_key",
]

ALL_PURPOSES: Final = "all"
"""The reserved purpose of a global opt-out: it withdraws every purpose on every channel."""

WithdrawalScope: TypeAlias = Literal["purpose", "channel"]

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO: Final = dt.timedelta(microseconds=1)
_NEVER: Final = -(1 << 62)
_EVER: Final = 1 << 62
_FINAL_CACHE_SIZE: Final = 32
_GRANTED: Final = ConsentStatus.GRANTED
_WITHDRAWN: Final = ConsentStatus.WITHDRAWN


class Reason(enum.StrEnum):
    """Why a decision came out the way it did: a stable code, counted by `Audience`."""

    CONSENT_GRANTED = "consent_granted"
    """Allowed: a grant for this purpose and channel is in force."""
    SOFT_OPT_IN = "soft_opt_in"
    """Allowed without consent: an existing customer, a completed purchase within the window."""
    ONGOING_CONTRACT = "ongoing_contract"
    """Allowed without consent: a call about the subject of an ongoing contract."""
    NO_OBJECTION = "no_objection"
    """Allowed: the channel is opt-out and the person has not objected."""
    WITHDRAWN = "withdrawn"
    """Denied: the person withdrew this purpose (on this channel, or any with purpose scope)."""
    GLOBAL_OPT_OUT = "global_opt_out"
    """Denied: the person withdrew every purpose (`ALL_PURPOSES`), after their last grant."""
    CONSENT_EXPIRED = "consent_expired"
    """Denied: the grant is older than ``expiry_months`` of inactivity."""
    NO_CONSENT = "no_consent"
    """Denied: the channel needs prior consent and none is recorded."""


ALLOWING_REASONS: Final = frozenset(
    {Reason.CONSENT_GRANTED, Reason.SOFT_OPT_IN, Reason.ONGOING_CONTRACT, Reason.NO_OBJECTION}
)
"""The reasons of a decision that allows contact; every other reason denies it."""

_ALLOWS: Final = {reason: reason in ALLOWING_REASONS for reason in Reason}


def _micros(moment: dt.datetime) -> int:
    """An aware moment as whole microseconds since 1970 UTC (exact, unlike a float)."""
    return (moment - _EPOCH) // _MICRO


def order_key(event: Consent) -> tuple[int, int, str, str, str, str, str, str, int]:
    """
    Return the ledger's total order of an event: later events decide.

    The order is: the moment recorded (as an instant, whatever its offset);
    at the same instant a withdrawal after a grant (so the withdrawal wins);
    then contact id, purpose, channel, source, notice version, proof and UTC
    offset, compared as text (a missing one as ``""``). Events equal on all of
    these are equal records, so the answer never depends on the order events
    were given in.

    Args:
        event: A consent event.

    Returns:
        The sort key.
    """
    moment = event.recorded_at
    offset = moment.utcoffset()
    return (
        _micros(moment),
        1 if event.status is _WITHDRAWN else 0,
        event.contact_id,
        event.purpose,
        event.channel.value,
        event.source or "",
        event.policy_version or "",
        event.proof or "",
        int(offset.total_seconds()) if offset is not None else 0,
    )


_Key: TypeAlias = tuple[int, int, str, str, str, str, str, str, int]


class _Timeline:
    """One sorted run of events: their instants, their order keys, the events."""

    __slots__ = ("events", "keys", "last", "tail_withdrawn", "times")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.keys: list[_Key] = []
        self.events: list[Consent] = []
        self.last = _NEVER
        self.tail_withdrawn = False  # whether the last event is a withdrawal

    def add(self, key: _Key, event: Consent) -> None:
        if key >= (self.keys[-1] if self.keys else key):
            self.keys.append(key)
            self.times.append(key[0])
            self.events.append(event)
        else:
            index = bisect.bisect_right(self.keys, key)
            self.keys.insert(index, key)
            self.times.insert(index, key[0])
            self.events.insert(index, event)
        self.last = self.times[-1]
        self.tail_withdrawn = self.events[-1].status is _WITHDRAWN

    def at(self, when: int) -> int:
        """The index of the latest event at or before ``when``, or -1."""
        if when >= self.last:
            return len(self.times) - 1
        return bisect.bisect_right(self.times, when) - 1


@attrs.frozen(kw_only=True)
class Decision:
    """
    The answer to "may we contact this person, for this purpose, on this channel, now?".

    Attributes:
        allowed: The answer.
        reason: Why, as a stable code.
        rule: The regime's rule for the channel at that moment.
        event: The event that decided, or ``None`` when none did ("no consent
            recorded", or an opt-out channel with no objection).
        contact_id: Who.
        purpose: For what.
        channel: On which channel.
        at: The moment asked about.
    """

    allowed: bool
    reason: Reason
    rule: Rule
    event: Consent | None
    contact_id: str
    purpose: str
    channel: Channel
    at: dt.datetime

    @property
    def host_checks(self) -> tuple[str, ...]:
        """What the host must still check before sending (from the rule), if allowed."""
        return self.rule.host_checks if self.allowed else ()

    def explain(self) -> str:
        """
        Return the decision as one line of text for an operator or an audit.

        Returns:
            Such as ``"denied (withdrawn): withdrawn on sms at 2026-03-02T10:00:00+00:00
            via sms_reply; rule fr.email.consumer"``.
        """
        verdict = "allowed" if self.allowed else "denied"
        if self.event is None:
            what = (
                "no consent recorded"
                if self.reason is Reason.NO_CONSENT
                else "no objection recorded"
            )
        else:
            event = self.event
            what = (
                f"{event.status.value} for {event.purpose} on {event.channel.value} at "
                f"{event.recorded_at.isoformat()}"
                + (f" via {event.source}" if event.source else "")
                + (f", notice {event.policy_version}" if event.policy_version else "")
            )
        checks = f"; host must: {'; '.join(self.host_checks)}" if self.host_checks else ""
        return f"{verdict} ({self.reason.value}): {what}; rule {self.rule.name}{checks}"


@attrs.frozen(kw_only=True)
class DecisionColumns:
    """
    The answers of `ConsentLedger.allows_many`, as columns parallel to the contact ids.

    Attributes:
        allowed: One answer per contact id.
        reasons: One `Reason` per contact id.
    """

    allowed: list[bool]
    reasons: list[Reason]

    def __len__(self) -> int:
        return len(self.allowed)

    def counts(self) -> dict[Reason, int]:
        """
        Count the answers by reason.

        Returns:
            Reason -> count, in the `Reason` order, only reasons that occur.
        """
        found: dict[Reason, int] = {}
        for reason in self.reasons:
            found[reason] = found.get(reason, 0) + 1
        return {reason: found[reason] for reason in Reason if reason in found}


@attrs.frozen(kw_only=True)
class Audience:
    """
    Who may be contacted for one purpose on one channel at one moment.

    Attributes:
        contact_ids: The contacts that may be contacted, in the order given.
        counts: How many contacts got each reason, allowing reasons included.
        unreadable: Contact rows of a frame that could not be read (not counted in ``counts``).
    """

    contact_ids: tuple[str, ...]
    counts: Mapping[Reason, int]
    unreadable: int = 0

    @property
    def excluded(self) -> dict[Reason, int]:
        """The counts of the reasons that deny contact: who was left out, and why."""
        return {
            reason: count for reason, count in self.counts.items() if reason not in ALLOWING_REASONS
        }


def _as_list(value: object) -> Sequence[object] | None:
    """A column as Python values: a list or tuple as is; Arrow, pandas, polars converted."""
    if isinstance(value, (list, tuple)):
        return value
    for method in ("to_pylist", "to_list", "tolist"):  # Arrow, polars, pandas and NumPy
        convert = getattr(value, method, None)
        if callable(convert):
            converted = convert()
            return converted if isinstance(converted, list) else list(converted)
    if isinstance(value, Iterable):
        return list(value)
    return None


def _column(value: object, size: int, name: str) -> Sequence[object]:
    """A scalar repeated, or a column of the same length as the contact ids."""
    if isinstance(value, (str, bytes, bool, dt.datetime)) or value is None:
        return [value] * size
    column = _as_list(value)
    if column is None:
        msg = f"ConsentLedger.allows_many: {name} must be a scalar or a column"
        raise PolicyError(msg)
    if len(column) != size:
        msg = f"ConsentLedger.allows_many: {name} must be a scalar or have one value per contact id"
        raise PolicyError(msg)
    return column


def _contact_ids(contact_ids: object) -> Sequence[str]:
    """The contact ids as a sequence of strings; anything else would silently match no event."""
    ids = _as_list(contact_ids) if not isinstance(contact_ids, str) else None
    if ids is None or not all(isinstance(contact_id, str) for contact_id in ids):
        msg = "ConsentLedger.allows_many: contact_ids must be a column of strings"
        raise PolicyError(msg)
    return ids  # type: ignore[return-value]  # checked just above


def _months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same wall time ``months`` calendar months earlier, the day clamped to the month."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    if year < 1:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _aware_micros(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        msg = f"ConsentLedger: {name} must be an aware datetime or None"
        raise PolicyError(msg)
    return _micros(value)


@attrs.frozen
class _Moment:
    """What one ``at`` fixes: its instant, day, and the cut-offs of the windows."""

    at: dt.datetime
    micros: int
    day: dt.date
    soft_cutoff: int
    expiry_cutoff: int


class ConsentLedger:
    """
    Consent events, answering who may be contacted, for what, on which channel, and why.

    Built from `custdata.Consent` events in any order; `add` appends more. The
    latest event in force decides (`order_key`: by ``recorded_at``, a
    withdrawal after a grant at the same instant); with no event, the regime's
    rule for the channel does. Pure and in memory: no I/O, no clock.

    Questions may be asked from several threads at once; `add` must not run
    while another call does.

    Example:
        >>> import datetime as dt
        >>> from custdata import Consent
        >>> from custdata.consent import ConsentLedger
        >>> t = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        >>> ledger = ConsentLedger([Consent(contact_id="C-1", purpose="newsletter",
        ...     channel="email", status="granted", recorded_at=t)])
        >>> ledger.allows("C-1", "newsletter", "email", at=t).reason.value
        'consent_granted'

    Args:
        events: The consent events.
        purposes: The purposes the host knows; an event for another purpose is
            an anomaly (``unknown_purpose``) and is not applied, and a question
            about one is an error. ``None`` accepts any purpose.
        withdrawal_scope: ``"purpose"`` (the default): a withdrawal on any
            channel withdraws its purpose on every channel (a STOP by SMS stops
            the emails too); ``"channel"``: only on its channel. A withdrawal
            of `ALL_PURPOSES` withdraws everything in both scopes.
        regime: The legal rules per channel (`FRENCH_REGIME` by default).
        expiry_months: A grant lapses after this many months without
            interaction (`allows`'s ``last_interaction_at``, or the grant
            itself); ``None`` (the default) never.

    Raises:
        PolicyError: For a bad parameter, naming it.
    """

    def __init__(
        self,
        events: Iterable[Consent] = (),
        *,
        purposes: Iterable[str] | None = None,
        withdrawal_scope: WithdrawalScope = "purpose",
        regime: Regime = FRENCH_REGIME,
        expiry_months: int | None = None,
    ) -> None:
        if withdrawal_scope not in ("purpose", "channel"):
            msg = "ConsentLedger: withdrawal_scope must be 'purpose' or 'channel'"
            raise PolicyError(msg)
        if not isinstance(regime, Regime):
            msg = "ConsentLedger: regime must be a Regime"  # type: ignore[unreachable]  # untyped callers
            raise PolicyError(msg)
        if expiry_months is not None and (
            isinstance(expiry_months, bool)
            or not isinstance(expiry_months, int)
            or expiry_months < 1
        ):
            msg = "ConsentLedger: expiry_months must be a positive int or None"
            raise PolicyError(msg)
        known: frozenset[str] | None = None
        if purposes is not None:
            if isinstance(purposes, str):
                msg = "ConsentLedger: purposes must be a collection of strings, not one string"
                raise PolicyError(msg)
            known = frozenset(purposes)
            if ALL_PURPOSES in known:
                msg = f"ConsentLedger: purposes must not hold the reserved {ALL_PURPOSES!r}"
                raise PolicyError(msg)
        self.purposes = known
        self.withdrawal_scope: WithdrawalScope = withdrawal_scope
        self.regime = regime
        self.expiry_months = expiry_months
        self._events: list[Consent] = []
        self._keys: list[_Key] = []
        # purpose -> channel -> contact -> timeline of that purpose on that channel.
        self._direct: dict[str, dict[Channel, dict[str, _Timeline]]] = {}
        # purpose -> contact -> timeline of that purpose's withdrawals on every channel.
        self._withdrawals: dict[str, dict[str, _Timeline]] = {}
        # contact -> timeline of global opt-outs.
        self._global: dict[str, _Timeline] = {}
        self._by_contact: dict[str, list[int]] = {}
        self._ignored: dict[int, Issue] = {}
        self._issues: tuple[Issue, ...] | None = None
        self._moment: _Moment | None = None
        self._rules: dict[tuple[Channel, bool, dt.date], Rule] = {}
        self._final_cache: dict[tuple[str, Channel], dict[str, tuple[int, Reason | None]]] = {}
        with _collection_paused():
            for event in events:
                self.add(event)

    def __repr__(self) -> str:
        return (
            f"ConsentLedger(events={len(self._events)}, withdrawal_scope="
            f"{self.withdrawal_scope!r}, regime={self.regime.name!r}, "
            f"expiry_months={self.expiry_months!r})"
        )

    def __len__(self) -> int:
        return len(self._events)

    def add(self, event: Consent) -> None:
        """
        Append an event; it takes its place in the order whatever its ``recorded_at``.

        Args:
            event: A consent event.

        Raises:
            TypeError: If ``event`` is not a `custdata.Consent`.
        """
        if not isinstance(event, Consent):
            msg = "ConsentLedger.add: event must be a custdata.Consent"  # type: ignore[unreachable]  # untyped callers
            raise TypeError(msg)
        index = len(self._events)
        key = order_key(event)
        self._events.append(event)
        self._keys.append(key)
        self._by_contact.setdefault(event.contact_id, []).append(index)
        self._issues = None
        if self._final_cache:
            self._final_cache.clear()
        purpose = event.purpose
        if purpose == ALL_PURPOSES:
            if event.status is _GRANTED:
                self._ignored[index] = Issue(
                    path=f"events[{index}]",
                    code="all_purposes_grant",
                    severity=Severity.WARNING,
                    message=f"a grant of the reserved purpose {ALL_PURPOSES!r} is not a specific "
                    "consent: not applied",
                )
                return
            self._global.setdefault(event.contact_id, _Timeline()).add(key, event)
            return
        if self.purposes is not None and purpose not in self.purposes:
            self._ignored[index] = Issue(
                path=f"events[{index}].purpose",
                code="unknown_purpose",
                severity=Severity.WARNING,
                message="the purpose is not among the ledger's purposes: not applied",
            )
            return
        channels = self._direct.setdefault(purpose, {})
        contacts = channels.setdefault(event.channel, {})
        contacts.setdefault(event.contact_id, _Timeline()).add(key, event)
        if event.status is _WITHDRAWN:
            self._withdrawals.setdefault(purpose, {}).setdefault(event.contact_id, _Timeline()).add(
                key, event
            )

    # --- questions ------------------------------------------------------------------------

    def _moment_of(self, at: dt.datetime) -> _Moment:
        moment = self._moment
        if moment is not None and (moment.at is at or moment.at == at):
            return moment
        if not isinstance(at, dt.datetime) or at.utcoffset() is None:
            msg = "ConsentLedger: at must be an aware datetime"
            raise PolicyError(msg)
        # Months are counted on the regime's calendar, so that the same instant given
        # with another offset gives the same windows.
        local = self.regime.local(at)
        soft = _micros(_months_before(local, self.regime.soft_opt_in_months))
        expiry = (
            _micros(_months_before(local, self.expiry_months))
            if self.expiry_months is not None
            else _NEVER
        )
        moment = _Moment(at, _micros(at), self.regime.local_date(at), soft, expiry)
        self._moment = moment
        return moment

    def _rule(self, channel: Channel, business: bool, day: dt.date) -> Rule:
        cache_key = (channel, business, day)
        rule = self._rules.get(cache_key)
        if rule is None:
            if len(self._rules) > 4096:
                self._rules.clear()
            rule = self.regime.rule_for(channel, business=business, day=day)
            self._rules[cache_key] = rule
        return rule

    def _check_purpose(self, purpose: str) -> None:
        if not isinstance(purpose, str) or not purpose:
            msg = "ConsentLedger: purpose must be a non-empty string"
            raise PolicyError(msg)
        if purpose == ALL_PURPOSES:
            msg = f"ConsentLedger: purpose {ALL_PURPOSES!r} is reserved for global opt-outs"
            raise PolicyError(msg)
        if self.purposes is not None and purpose not in self.purposes:
            msg = "ConsentLedger: purpose is not among the ledger's purposes"
            raise PolicyError(msg)

    def _lookups(
        self, purpose: str, channel: Channel
    ) -> tuple[dict[str, _Timeline], dict[str, _Timeline], dict[str, _Timeline]]:
        direct = self._direct.get(purpose, {}).get(channel, {})
        withdrawals = (
            self._withdrawals.get(purpose, {}) if self.withdrawal_scope == "purpose" else {}
        )
        return direct, withdrawals, self._global

    @staticmethod
    def _decisive(
        contact_id: str,
        when: int,
        direct: dict[str, _Timeline],
        withdrawals: dict[str, _Timeline],
        global_: dict[str, _Timeline],
    ) -> tuple[_Key, Consent] | None:
        """The latest event in force at ``when`` for the contact, in the ledger's order."""
        best: tuple[_Key, Consent] | None = None
        for table in (direct, withdrawals, global_):
            timeline = table.get(contact_id)
            if timeline is None:
                continue
            index = timeline.at(when)
            if index < 0:
                continue
            key = timeline.keys[index]
            if best is None or key > best[0]:
                best = (key, timeline.events[index])
        return best

    def _reason(  # noqa: PLR0911  # one return per reason
        self,
        found: tuple[_Key, Consent] | None,
        rule: Rule,
        moment: _Moment,
        *,
        last_purchase: int | None,
        last_interaction: int | None,
        ongoing_contract: bool,
    ) -> tuple[Reason, Consent | None]:
        if found is not None:
            key, event = found
            if event.status is _WITHDRAWN:
                if event.purpose == ALL_PURPOSES:
                    return Reason.GLOBAL_OPT_OUT, event
                return Reason.WITHDRAWN, event
            latest = key[0] if last_interaction is None else max(key[0], last_interaction)
            if latest >= moment.expiry_cutoff:
                return Reason.CONSENT_GRANTED, event
            if (
                rule.basis is Basis.CONSENT
                and not (rule.soft_opt_in and self._recent(last_purchase, moment))
                and not (rule.contract_exception and ongoing_contract)
            ):
                return Reason.CONSENT_EXPIRED, event
        if rule.basis is Basis.OPT_OUT:
            return Reason.NO_OBJECTION, None
        if rule.soft_opt_in and self._recent(last_purchase, moment):
            return Reason.SOFT_OPT_IN, None
        if rule.contract_exception and ongoing_contract:
            return Reason.ONGOING_CONTRACT, None
        return Reason.NO_CONSENT, None

    @staticmethod
    def _recent(last_purchase: int | None, moment: _Moment) -> bool:
        return last_purchase is not None and moment.soft_cutoff <= last_purchase <= moment.micros

    def allows(
        self,
        contact_id: str,
        purpose: str,
        channel: Channel | str,
        *,
        at: dt.datetime,
        is_business: bool = False,
        last_purchase_at: dt.datetime | None = None,
        last_interaction_at: dt.datetime | None = None,
        ongoing_contract: bool = False,
    ) -> Decision:
        """
        Decide whether a contact may be sent a message for a purpose on a channel at a moment.

        Args:
            contact_id: Who.
            purpose: For what, such as ``"newsletter"``.
            channel: On which channel.
            at: The moment of sending (aware); events recorded after it are ignored.
            is_business: Whether the person is a professional contacted about their work.
            last_purchase_at: The person's last completed purchase, for the soft opt-in.
            last_interaction_at: The person's last interaction, for ``expiry_months``.
            ongoing_contract: Whether the message is about the subject of a contract
                in progress with the person (phone rules that allow it).

        Returns:
            The `Decision`: the answer, the reason, the rule and the deciding event.

        Raises:
            PolicyError: For a naive ``at``, an unknown or reserved purpose or an
                unknown channel.
        """
        self._check_purpose(purpose)
        channel = _channel(channel)
        moment = self._moment_of(at)
        rule = self._rule(channel, bool(is_business), moment.day)
        found = self._decisive(contact_id, moment.micros, *self._lookups(purpose, channel))
        reason, event = self._reason(
            found,
            rule,
            moment,
            last_purchase=_aware_micros(last_purchase_at, "last_purchase_at"),
            last_interaction=_aware_micros(last_interaction_at, "last_interaction_at"),
            ongoing_contract=ongoing_contract,
        )
        return Decision(
            allowed=reason in ALLOWING_REASONS,
            reason=reason,
            rule=rule,
            event=event,
            contact_id=contact_id,
            purpose=purpose,
            channel=channel,
            at=at,
        )

    def allows_many(
        self,
        contact_ids: Iterable[str],
        purpose: str,
        channel: Channel | str,
        *,
        at: dt.datetime,
        is_business: bool | Iterable[bool] = False,
        last_purchase_at: dt.datetime | Iterable[dt.datetime | None] | None = None,
        last_interaction_at: dt.datetime | Iterable[dt.datetime | None] | None = None,
        ongoing_contract: bool | Iterable[bool] = False,
    ) -> DecisionColumns:
        """
        Decide for a whole column of contacts at once; the same answers as `allows`.

        Each of the keyword arguments but ``at`` is one value for every contact,
        or a column with one value per contact id.

        Args:
            contact_ids: The contacts.
            purpose: For what.
            channel: On which channel.
            at: The moment of sending (aware).
            is_business: As for `allows`, or a column.
            last_purchase_at: As for `allows`, or a column.
            last_interaction_at: As for `allows`, or a column.
            ongoing_contract: As for `allows`, or a column.

        Returns:
            `DecisionColumns`: one answer and one reason per contact id, in order.

        Raises:
            PolicyError: As for `allows`, or for a column of the wrong length.
        """
        self._check_purpose(purpose)
        channel = _channel(channel)
        ids = _contact_ids(contact_ids)
        size = len(ids)
        moment = self._moment_of(at)
        when = moment.micros
        direct, withdrawals, global_ = self._lookups(purpose, channel)
        business = _column(is_business, size, "is_business")
        purchases = _column(last_purchase_at, size, "last_purchase_at")
        interactions = _column(last_interaction_at, size, "last_interaction_at")
        contracts = _column(ongoing_contract, size, "ongoing_contract")
        rules = {
            False: self._rule(channel, False, moment.day),
            True: self._rule(channel, True, moment.day),
        }
        # Without an event, the answer depends only on the rule and the windows: computed once.
        plain: dict[bool, Reason] = {
            flag: self._reason(
                None,
                rule,
                moment,
                last_purchase=None,
                last_interaction=None,
                ongoing_contract=False,
            )[0]
            for flag, rule in rules.items()
        }
        decisive, reason_of = self._decisive, self._reason

        def slow(index: int, contact_id: str) -> Reason:
            flag = bool(business[index])
            bought = _aware_micros(purchases[index], "last_purchase_at")
            contract = bool(contracts[index])
            if bought is None and not contract and contact_id not in finals:
                return plain[flag]
            return reason_of(
                decisive(contact_id, when, direct, withdrawals, global_),
                rules[flag],
                moment,
                last_purchase=bought,
                last_interaction=_aware_micros(interactions[index], "last_interaction_at"),
                ongoing_contract=contract,
            )[0]

        finals = self._finals(purpose, channel)
        get = finals.get
        reasons: list[Reason] = []
        push = reasons.append
        if (
            isinstance(is_business, bool)
            and last_purchase_at is None
            and isinstance(ongoing_contract, bool)
            and not ongoing_contract
        ):
            # One flag for all, no purchase: a contact without events gets the rule's
            # answer, and one whose last event is before the moment gets that event's.
            none = plain[is_business]
            for index, contact_id in enumerate(ids):
                entry = get(contact_id)
                if entry is None:
                    push(none)
                elif when >= entry[0] and entry[1] is not None:
                    push(entry[1])
                else:
                    push(slow(index, contact_id))
        else:
            for index, contact_id in enumerate(ids):
                entry = get(contact_id)
                if entry is not None and when >= entry[0] and entry[1] is not None:
                    push(entry[1])
                else:
                    push(slow(index, contact_id))
        allowed = list(map(_ALLOWS.__getitem__, reasons))
        return DecisionColumns(allowed=allowed, reasons=reasons)

    def _finals(self, purpose: str, channel: Channel) -> dict[str, tuple[int, Reason | None]]:
        """
        Each contact's last event bearing on a purpose and channel, and what it decides.

        Contact id -> (the instant of the contact's last relevant event, the reason
        it gives to any later moment: granted, withdrawn, global opt-out; ``None``
        for a grant under ``expiry_months``, which depends on the moment). Built on
        first use for each purpose and channel, dropped by `add`.
        """
        cache_key = (purpose, channel)
        cached = self._final_cache.get(cache_key)
        if cached is not None:
            return cached
        direct, withdrawals, global_ = self._lookups(purpose, channel)
        granted = Reason.CONSENT_GRANTED if self.expiry_months is None else None
        withdrawn = Reason.WITHDRAWN
        decisive = self._decisive
        with _collection_paused():
            # Most contacts have events on this purpose and channel only: their last decides.
            finals: dict[str, tuple[int, Reason | None]] = {
                contact_id: (timeline.last, withdrawn if timeline.tail_withdrawn else granted)
                for contact_id, timeline in direct.items()
            }
            # A withdrawal of the purpose decides when it is later than the channel's last event.
            for contact_id, timeline in withdrawals.items():
                if contact_id in global_:
                    continue  # below
                own = direct.get(contact_id)
                if own is None or timeline.keys[-1] > own.keys[-1]:
                    finals[contact_id] = (timeline.last, withdrawn)
            # A global opt-out: in full (rare).
            for contact_id in global_:
                found = decisive(contact_id, _EVER, direct, withdrawals, global_)
                if found is None:  # pragma: no cover  # every timeline holds an event
                    continue
                event = found[1]
                last = max(
                    table[contact_id].last
                    for table in (direct, withdrawals, global_)
                    if contact_id in table
                )
                if event.status is _GRANTED:
                    finals[contact_id] = (last, granted)
                elif event.purpose == ALL_PURPOSES:
                    finals[contact_id] = (last, Reason.GLOBAL_OPT_OUT)
                else:
                    finals[contact_id] = (last, withdrawn)
        if len(self._final_cache) >= _FINAL_CACHE_SIZE:
            self._final_cache.pop(next(iter(self._final_cache)))
        self._final_cache[cache_key] = finals
        return finals

    def audience(
        self,
        contacts: Iterable[Contact] | object,
        purpose: str,
        channel: Channel | str,
        *,
        at: dt.datetime,
        purchases: Iterable[Purchase] | object | None = None,
        is_business: Callable[[Contact], bool] | None = None,
    ) -> Audience:
        """
        Return who among the contacts may be contacted, and why the others may not.

        The business flag and the last interaction come from each contact: a
        contact with a ``company`` is a professional unless ``is_business``
        says otherwise. The last completed purchase at or before ``at`` comes
        from ``purchases``, for the soft opt-in.

        Args:
            contacts: `custdata.Contact` records, or a contacts frame (a pyarrow
                Table or RecordBatch, a pandas or polars DataFrame) with a
                ``contact_id`` column and optionally ``company`` and
                ``last_interaction_at``.
            purpose: For what.
            channel: On which channel.
            at: The moment of sending (aware).
            purchases: `custdata.Purchase` records or a purchases frame
                (``contact_id``, ``purchased_at``, ``status``), or ``None``.
            is_business: The host's own test of a professional contact.

        Returns:
            An `Audience`: the contact ids allowed, in order, and counts by reason.

        Raises:
            PolicyError: As for `allows`.
            TypeError: For contacts that are neither records nor a frame.
        """
        from custdata.consent._frames import contact_columns, last_purchases

        self._check_purpose(purpose)
        moment = self._moment_of(at)
        ids, business, interactions, unreadable = contact_columns(contacts, is_business)
        bought = last_purchases(purchases, moment.micros) if purchases is not None else {}
        columns = self.allows_many(
            ids,
            purpose,
            channel,
            at=at,
            is_business=business,
            last_purchase_at=[bought.get(contact_id) for contact_id in ids] if bought else None,
            last_interaction_at=interactions,
        )
        counts = columns.counts()
        kept = tuple(contact_id for contact_id, ok in zip(ids, columns.allowed, strict=True) if ok)
        return Audience(contact_ids=kept, counts=MappingProxyType(counts), unreadable=unreadable)

    # --- records --------------------------------------------------------------------------

    def history(self, contact_id: str) -> tuple[Consent, ...]:
        """
        Return every event of a contact in the ledger's order, for an access request.

        Events that were not applied (see `issues`) are included: they were received.

        Args:
            contact_id: Who.

        Returns:
            The events, oldest first.
        """
        indices = self._by_contact.get(contact_id, [])
        ordered = sorted(indices, key=self._keys.__getitem__)
        return tuple(self._events[index] for index in ordered)

    def proof(self, contact_id: str, purpose: str) -> tuple[Consent, ...]:
        """
        Return the events that bear on one purpose for a contact: who, when, where, which notice.

        Those of the purpose on every channel and the global opt-outs, oldest first.

        Args:
            contact_id: Who.
            purpose: For what.

        Returns:
            The events, oldest first.
        """
        return tuple(
            event
            for event in self.history(contact_id)
            if event.purpose == purpose
            or (event.purpose == ALL_PURPOSES and event.status is _WITHDRAWN)
        )

    @property
    def events(self) -> tuple[Consent, ...]:
        """Every event, in the order given."""
        return tuple(self._events)

    @property
    def issues(self) -> tuple[Issue, ...]:
        """
        The anomalies found in the events, as warnings, by event position.

        Codes: ``withdrawal_without_grant`` (applied anyway: a person may always
        say no), ``unknown_purpose`` and ``all_purposes_grant`` (not applied).
        """
        if self._issues is None:
            self._issues = self._find_issues()
        return self._issues

    def _find_issues(self) -> tuple[Issue, ...]:
        found: dict[int, Issue] = dict(self._ignored)
        by_purpose = self.withdrawal_scope == "purpose"
        for indices in self._by_contact.values():
            granted: set[tuple[str, Channel] | str] = set()
            any_grant = False
            for index in sorted(indices, key=self._keys.__getitem__):
                if index in self._ignored:
                    continue
                event = self._events[index]
                if event.status is _GRANTED:
                    any_grant = True
                    granted.add(event.purpose)
                    granted.add((event.purpose, event.channel))
                    continue
                if event.purpose == ALL_PURPOSES:
                    had = any_grant
                else:
                    had = (
                        event.purpose if by_purpose else (event.purpose, event.channel)
                    ) in granted
                if not had:
                    found[index] = Issue(
                        path=f"events[{index}]",
                        code="withdrawal_without_grant",
                        severity=Severity.WARNING,
                        message="a withdrawal with no earlier grant: applied (a person may "
                        "always say no)",
                    )
        return tuple(found[index] for index in sorted(found))

    # --- for merge_consents ---------------------------------------------------------------

    def _state(self, contact_id: str, purpose: str, channel: Channel, when: int) -> Consent | None:
        found = self._decisive(contact_id, when, *self._lookups(purpose, channel))
        return None if found is None else found[1]

    def _pairs(self, contact_id: str) -> Iterator[tuple[str, Channel]]:
        for index in self._by_contact.get(contact_id, []):
            event = self._events[index]
            if event.purpose != ALL_PURPOSES and index not in self._ignored:
                yield event.purpose, event.channel


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """
    Pause the cyclic garbage collector while many objects are made, then restore it.

    A ledger of a million events makes a few million objects, none in a cycle;
    each full collection meanwhile walks every object the process holds (the
    host's records too), which tripled the build time in the benchmark.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_CHANNELS: Final[dict[object, Channel]] = {
    **{channel.value: channel for channel in Channel},
    **{channel: channel for channel in Channel},
}


def _channel(channel: Channel | str) -> Channel:
    found = _CHANNELS.get(channel)
    if found is not None:
        return found
    try:
        return Channel(channel)
    except ValueError:
        msg = "ConsentLedger: channel is not a custdata.Channel value"
        raise PolicyError(msg) from None


def merge_consents(
    events: Iterable[Consent],
    id_map: Mapping[str, str],
    *,
    at: dt.datetime,
    withdrawal_scope: WithdrawalScope = "purpose",
) -> list[Consent]:
    """
    Carry the consents of duplicate contacts over to the person they were merged into.

    Each event of a duplicate is given the surviving contact id. At the merge
    moment ``at``, a purpose and channel is withdrawn for the merged person if
    any of the duplicates (or the survivor) had it withdrawn then: a
    withdrawal event is added at ``at`` (source ``"merge"``, with the notice
    version and proof of the withdrawal it carries over) wherever the merged
    events alone would not say so. Events after the merge follow the normal rule.

    Args:
        events: Every consent event, duplicates' and others'.
        id_map: Duplicate contact id -> the contact id it was merged into;
            chains (A -> B -> C) are followed.
        at: The merge moment (aware).
        withdrawal_scope: As for `ConsentLedger`.

    Returns:
        The events, relabelled, with the merge withdrawals, in the ledger's order.

    Raises:
        PolicyError: For a naive ``at`` or a cycle in ``id_map``.
    """
    if not isinstance(at, dt.datetime) or at.utcoffset() is None:
        msg = "merge_consents: at must be an aware datetime"
        raise PolicyError(msg)
    target = _resolved(id_map)
    given = list(events)
    when = _micros(at)
    before = ConsentLedger(
        (event for event in given if _micros(event.recorded_at) <= when),
        withdrawal_scope=withdrawal_scope,
    )
    relabelled = [
        attrs.evolve(event, contact_id=target[event.contact_id])
        if event.contact_id in target
        else event
        for event in given
    ]
    merged = ConsentLedger(
        (event for event in relabelled if _micros(event.recorded_at) <= when),
        withdrawal_scope=withdrawal_scope,
    )
    groups: dict[str, set[str]] = {}
    for duplicate, survivor in target.items():
        groups.setdefault(survivor, {survivor}).add(duplicate)
    added: list[Consent] = []
    for survivor in sorted(groups):
        members = sorted(groups[survivor])
        pairs = sorted(
            {pair for member in members for pair in before._pairs(member)},
            key=lambda pair: (pair[0], pair[1].value),
        )
        for purpose, channel in pairs:
            current = merged._state(survivor, purpose, channel, when)
            if current is not None and current.status is _WITHDRAWN:
                continue
            withdrawn = [
                state
                for member in members
                if (state := before._state(member, purpose, channel, when)) is not None
                and state.status is _WITHDRAWN
            ]
            if not withdrawn:
                continue
            carried = max(withdrawn, key=order_key)
            added.append(
                Consent(
                    contact_id=survivor,
                    purpose=purpose,
                    channel=channel,
                    status=_WITHDRAWN,
                    recorded_at=at,
                    source="merge",
                    policy_version=carried.policy_version,
                    proof=carried.proof,
                )
            )
    return sorted([*relabelled, *added], key=order_key)


def _resolved(id_map: Mapping[str, str]) -> dict[str, str]:
    """Each duplicate id -> its final survivor, following chains; a cycle is an error."""
    final: dict[str, str] = {}
    for start in id_map:
        seen = {start}
        current = id_map[start]
        while current in id_map:
            if current in seen:
                msg = "merge_consents: id_map has a cycle"
                raise PolicyError(msg)
            seen.add(current)
            current = id_map[current]
        if current != start:
            final[start] = current
    return final
