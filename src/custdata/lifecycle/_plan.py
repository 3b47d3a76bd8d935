"""Planning retention: for each record, its action, the rule, the reason and when it became due."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from custdata.errors import PolicyError
from custdata.lifecycle._inputs import (
    EPOCH_ORDINAL,
    STATUS_COMPLETED,
    STATUS_OTHER,
    ConsentInputs,
    consent_inputs,
    contact_inputs,
    feedback_inputs,
    iso_moment,
    purchase_inputs,
    values,
)
from custdata.lifecycle._rules import Action, Condition, RetentionRule, RetentionRules, add_months
from custdata.model import Consent, Contact, Feedback, Purchase, to_flat

if TYPE_CHECKING:
    from custdata.keys import KeyRing
    from custdata.policy import Policy

__all__ = [
    "ARCHIVED_FIELDS",
    "PLAN_COLUMNS",
    "AppliedPlan",
    "PlanEntry",
    "RetentionPlan",
    "apply_plan",
    "consent_id",
    "plan_retention",
]

PLAN_COLUMNS: Final = (
    "record_type",
    "record_id",
    "contact_id",
    "action",
    "rule",
    "reason",
    "due",
    "until",
    "policy",
)
"""The columns of a plan written as rows (CSV, JSON, a frame)."""

ARCHIVED_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "purchase": (
        "purchase_id",
        "contact_id",
        "purchased_at",
        "total",
        "lines",
        "discount",
        "payment_method",
        "status",
    ),
    "contact": ("contact_id", "given_name", "family_name", "company", "address"),
}
"""The fields a legal hold keeps: an invoice's, and the identity its customer needs on it."""

_DNC_FIELDS: Final = ("contact_id", "purpose", "channel", "withdrawn_at")


def consent_id(
    contact_id: str, purpose: str, channel: str, status: str, recorded_at: dt.datetime
) -> str:
    """
    Return the plan's id of a consent event: its five identifying fields joined by ``|``.

    Args:
        contact_id: The contact.
        purpose: The purpose.
        channel: The channel.
        status: ``granted`` or ``withdrawn``.
        recorded_at: When it was recorded (aware).

    Returns:
        ``contact_id|purpose|channel|status|recorded_at``, the moment in UTC,
        ISO 8601, so that records and frames give the same id.
    """
    return f"{contact_id}|{purpose}|{channel}|{status}|{recorded_at.astimezone(dt.UTC).isoformat()}"


@attrs.frozen(kw_only=True)
class PlanEntry:
    """
    What to do with one record, and why.

    Attributes:
        record_type: ``contact``, ``purchase``, ``feedback``, ``consent`` or
            ``do_not_contact``.
        record_id: The record's id (a consent event's is `consent_id`; a
            do-not-contact entry's is ``contact_id|purpose|channel``).
        contact_id: The person it is about.
        action: ``keep``, ``archive``, ``pseudonymise`` or ``erase``.
        rule: The rule that decided, or ``""`` when none applies.
        reason: Why, in words.
        due: When the action became due (``None`` for ``keep``).
        until: For ``archive``, the end of the hold; for ``keep``, the day the
            rule falls due, when known.
        policy: For ``pseudonymise``, the policy to apply.
    """

    record_type: str
    record_id: str
    contact_id: str
    action: Action
    rule: str
    reason: str
    due: dt.date | None
    until: dt.date | None
    policy: str | None = None

    def to_row(self) -> dict[str, str]:
        """
        Return the entry as a flat row of strings (dates in ISO 8601, ``""`` for none).

        Returns:
            The row, with the keys of `PLAN_COLUMNS`.
        """
        return {
            "record_type": self.record_type,
            "record_id": self.record_id,
            "contact_id": self.contact_id,
            "action": self.action.value,
            "rule": self.rule,
            "reason": self.reason,
            "due": "" if self.due is None else self.due.isoformat(),
            "until": "" if self.until is None else self.until.isoformat(),
            "policy": self.policy or "",
        }


class _ListSegment:
    """Entries given column by column as Python values (the small plans of `erasure_plan`)."""

    __slots__ = ("columns",)

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["record_id"])

    def chunks(self, texts: Sequence[str | None]) -> Iterator[dict[str, list[Any]]]:
        del texts
        yield self.columns

    def counts(self) -> Iterator[tuple[str, Action, int]]:
        for record_type, action in zip(
            self.columns["record_type"], self.columns["action"], strict=True
        ):
            yield record_type, action, 1


_ACTIONS: Final = tuple(Action)
_ACTION_CODES: Final = {action: code for code, action in enumerate(_ACTIONS)}
_CHUNK: Final = 65_536


class _CodedSegment:
    """
    The entries of one record type, in input order, coded: one byte or int per entry and column.

    The ids are read from the input's own columns (a list, or the Arrow column)
    when the plan is written; a consent event's id is built from its five
    fields then, not before.
    """

    __slots__ = (
        "action",
        "consents",
        "contact_ids",
        "due",
        "ids",
        "policy",
        "reason",
        "record_type",
        "rows",
        "rule",
        "until",
    )

    def __init__(
        self,
        record_type: str,
        *,
        ids: Sequence[Any] | None,
        contact_ids: Sequence[Any],
        consents: ConsentInputs | None = None,
        rows: array[int] | None = None,
    ) -> None:
        self.record_type = record_type
        self.ids = ids
        self.contact_ids = contact_ids
        self.consents = consents
        self.rows = rows
        self.action = array("b")
        self.rule = array("i")
        self.reason = array("i")
        self.policy = array("i")
        self.due = array("i")
        self.until = array("i")

    def __len__(self) -> int:
        return len(self.action)

    def _ids(self, start: int, stop: int) -> list[Any]:
        if self.ids is not None:
            return values(self.ids, start, stop, self.rows)
        consents = self.consents
        assert consents is not None  # noqa: S101  # a consent or do-not-contact segment
        rows = self.rows
        contact_ids = values(consents.contact_ids, start, stop, rows)
        purposes = values(consents.purposes, start, stop, rows)
        channels = values(consents.channels, start, stop, rows)
        if self.record_type == "do_not_contact":
            return [
                f"{contact_id}|{purpose}|{channel}"
                for contact_id, purpose, channel in zip(
                    contact_ids, purposes, channels, strict=True
                )
            ]
        statuses = values(consents.statuses, start, stop, rows)
        moments = (
            consents.moment[start:stop]
            if rows is None
            else [consents.moment[row] for row in rows[start:stop]]
        )
        return [
            f"{contact_id}|{purpose}|{channel}|{status}|{iso_moment(moment)}"
            for contact_id, purpose, channel, status, moment in zip(
                contact_ids, purposes, channels, statuses, moments, strict=True
            )
        ]

    def chunks(self, texts: Sequence[str | None]) -> Iterator[dict[str, list[Any]]]:
        known: dict[int, dt.date | None] = {0: None}  # one date object per distinct day

        def day(ordinal: int) -> dt.date | None:
            try:
                return known[ordinal]
            except KeyError:
                made = known[ordinal] = dt.date.fromordinal(ordinal)
                return made

        for start in range(0, len(self), _CHUNK):
            stop = min(start + _CHUNK, len(self))
            yield {
                "record_type": [self.record_type] * (stop - start),
                "record_id": self._ids(start, stop),
                "contact_id": values(self.contact_ids, start, stop, self.rows),
                "action": [_ACTIONS[code] for code in self.action[start:stop]],
                "rule": [texts[code] for code in self.rule[start:stop]],
                "reason": [texts[code] for code in self.reason[start:stop]],
                "due": [day(ordinal) for ordinal in self.due[start:stop]],
                "until": [day(ordinal) for ordinal in self.until[start:stop]],
                "policy": [texts[code] for code in self.policy[start:stop]],
            }

    def counts(self) -> Iterator[tuple[str, Action, int]]:
        coded = self.action.tobytes()
        for code, action in enumerate(_ACTIONS):
            yield self.record_type, action, coded.count(code)


_Segment = _ListSegment | _CodedSegment


class RetentionPlan:
    """
    A retention plan: a pure value the host executes (custdata erases nothing itself).

    Stored compactly, so a plan over millions of records holds no object per
    entry: one byte or integer per entry for the action, rule, reason, policy
    and dates, and the ids read from the inputs' own columns (a consent event's
    id is built only when the plan is written). Iterating builds `PlanEntry`
    objects a few at a time. Entries come by record type (contacts, purchases,
    feedback, consent events, do-not-contact entries), each in input order.

    Attributes:
        today: The day the plan was made for.
        rules: The rule set's name and version, as ``name@version``.
    """

    __slots__ = ("_segments", "_texts", "rules", "today")

    def __init__(self, columns: dict[str, list[Any]], *, today: dt.date, rules: str) -> None:
        self._segments: tuple[_Segment, ...] = (_ListSegment(columns),)
        self._texts: list[str | None] = []
        self.today = today
        self.rules = rules

    @classmethod
    def _coded(
        cls,
        segments: Sequence[_CodedSegment],
        texts: list[str | None],
        *,
        today: dt.date,
        rules: str,
    ) -> RetentionPlan:
        plan = cls.__new__(cls)
        plan._segments = tuple(segments)
        plan._texts = texts
        plan.today = today
        plan.rules = rules
        return plan

    def __repr__(self) -> str:
        return (
            f"RetentionPlan(today={self.today.isoformat()}, rules={self.rules!r}, "
            f"entries={len(self)})"
        )

    def __len__(self) -> int:
        return sum(len(segment) for segment in self._segments)

    def _chunks(self) -> Iterator[dict[str, list[Any]]]:
        for segment in self._segments:
            yield from segment.chunks(self._texts)

    def __iter__(self) -> Iterator[PlanEntry]:
        for chunk in self._chunks():
            for entry in zip(*(chunk[name] for name in PLAN_COLUMNS), strict=True):
                yield PlanEntry(**dict(zip(PLAN_COLUMNS, entry, strict=True)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetentionPlan):
            return NotImplemented
        return (self.today, self.rules, list(self.rows())) == (
            other.today,
            other.rules,
            list(other.rows()),
        )

    __hash__ = None  # type: ignore[assignment]  # a mutable-looking value: not hashable

    def column(self, name: str) -> list[Any]:
        """
        Return one column of the plan (a copy).

        Args:
            name: One of `PLAN_COLUMNS`.

        Returns:
            Its values, in entry order.
        """
        if name not in PLAN_COLUMNS:
            msg = f"RetentionPlan.column: name: not one of the plan's columns: {name!r}"
            raise KeyError(msg)
        return [value for chunk in self._chunks() for value in chunk[name]]

    def totals(self) -> dict[str, dict[str, int]]:
        """
        Count the entries by record type and action.

        Returns:
            ``{record_type: {action: count}}``, every action present.
        """
        totals: dict[str, dict[Action, int]] = {}
        for segment in self._segments:
            for record_type, action, count in segment.counts():
                counts = totals.setdefault(record_type, dict.fromkeys(Action, 0))
                counts[action] += count
        return {
            kind: {str(a): n for a, n in counts.items()}
            for kind, counts in totals.items()
            if any(counts.values())
        }

    def by_action(self) -> dict[str, int]:
        """
        Count the entries by action, over every record type.

        Returns:
            ``{action: count}``, every action present.
        """
        counts = dict.fromkeys((action.value for action in Action), 0)
        for segment in self._segments:
            for _, action, count in segment.counts():
                counts[action.value] += count
        return counts

    def rows(self) -> Iterator[dict[str, str]]:
        """
        Yield the plan as flat rows of strings, the columns of `PLAN_COLUMNS`.

        Yields:
            One row per entry.
        """
        for chunk in self._chunks():
            for (
                record_type,
                record_id,
                contact_id,
                action,
                rule,
                reason,
                due,
                until,
                policy,
            ) in zip(*(chunk[name] for name in PLAN_COLUMNS), strict=True):
                yield {
                    "record_type": record_type,
                    "record_id": record_id,
                    "contact_id": contact_id,
                    "action": action.value,
                    "rule": rule,
                    "reason": reason,
                    "due": "" if due is None else due.isoformat(),
                    "until": "" if until is None else until.isoformat(),
                    "policy": policy or "",
                }

    def to_dict(self) -> dict[str, object]:
        """
        Return the plan as a JSON-safe dict: its day, its rules, its totals and entries.

        Returns:
            The dict `to_json` writes.
        """
        return {
            "today": self.today.isoformat(),
            "rules": self.rules,
            "totals": self.totals(),
            "entries": list(self.rows()),
        }

    def to_json(self) -> str:
        """
        Return the plan as a JSON document: its day, its rules, its totals and entries.

        Returns:
            The JSON text.
        """
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def to_csv(self) -> str:
        """
        Return the plan as CSV text, with a header of `PLAN_COLUMNS`.

        Returns:
            The CSV text.
        """
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=PLAN_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buffer.getvalue()

    def to_arrow(self) -> Any:
        """
        Return the plan as a `pyarrow.Table` (dates as ``date32``); needs the ``arrow`` extra.

        Built a slice of entries at a time.

        Returns:
            The table, with the columns of `PLAN_COLUMNS`.
        """
        from custdata.frames._arrow import _pyarrow  # the shared optional import

        pa = _pyarrow()
        schema = pa.schema(
            [
                (name, pa.date32() if name in {"due", "until"} else pa.string())
                for name in PLAN_COLUMNS
            ]
        )
        batches = []
        for chunk in self._chunks():
            data = dict(chunk)
            data["action"] = [action.value for action in chunk["action"]]
            batches.append(pa.RecordBatch.from_pydict(data, schema=schema))
        return pa.Table.from_batches(batches, schema=schema)


class _Builder:
    """Entries one by one as Python values (the small plans of `erasure_plan`)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in PLAN_COLUMNS}

    def add(  # noqa: PLR0917  # one argument per plan column, in column order
        self,
        record_type: str,
        record_id: str,
        contact_id: str,
        action: Action,
        rule: str,
        reason: str,
        due: dt.date | None,
        until: dt.date | None,
        policy: str | None = None,
    ) -> None:
        columns = self.columns
        columns["record_type"].append(record_type)
        columns["record_id"].append(record_id)
        columns["contact_id"].append(contact_id)
        columns["action"].append(action)
        columns["rule"].append(rule)
        columns["reason"].append(reason)
        columns["due"].append(due)
        columns["until"].append(until)
        columns["policy"].append(policy)


_NO_RULE: Final = "no rule of the rule set applies: kept"
_CONTACT_REASONS: Final = {
    Condition.PROSPECT_INACTIVE: "prospect (no completed purchase): {months} months after the "
    "later of created_at and last_interaction_at",
    Condition.CUSTOMER_INACTIVE: "customer: {months} months after the end of the commercial "
    "relationship (the later of the last completed purchase and last_interaction_at)",
}
_NO_DATE: Final = "no created_at, last_interaction_at or purchase to reckon from: kept, to review"
_KEEP: Final = _ACTION_CODES[Action.KEEP]
_ARCHIVE: Final = _ACTION_CODES[Action.ARCHIVE]
_ERASE: Final = _ACTION_CODES[Action.ERASE]


class _Texts:
    """The plan's texts (rules, reasons, policies), each stored once; entries hold their index."""

    def __init__(self) -> None:
        self.values: list[str | None] = [None, ""]
        self._index: dict[str | None, int] = {None: 0, "": 1}

    def __call__(self, text: str | None) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self.values)
            self.values.append(text)
        return index


class _Rule:
    """A rule with its texts coded, for the planner's loops."""

    __slots__ = ("action", "months", "name", "policy", "reason", "rule")

    def __init__(self, rule: RetentionRule, reason: str, texts: _Texts) -> None:
        self.rule = rule
        self.months = rule.months
        self.action = _ACTION_CODES[rule.action]
        self.name = texts(rule.name)
        self.reason = texts(reason)
        self.policy = texts(rule.policy)


def _add(  # noqa: PLR0917  # one argument per coded column
    segment: _CodedSegment, action: int, rule: int, reason: int, policy: int, due: int, until: int
) -> None:
    segment.action.append(action)
    segment.rule.append(rule)
    segment.reason.append(reason)
    segment.policy.append(policy)
    segment.due.append(due)
    segment.until.append(until)


def _decide(segment: _CodedSegment, rule: _Rule, due: int, today: int) -> None:
    """Add the entry of a record whose rule falls due on ``due`` (``0``: never)."""
    if due == 0:
        _add(segment, _KEEP, rule.name, rule.reason, 0, 0, 0)
    elif due <= today:
        _add(segment, rule.action, rule.name, rule.reason, rule.policy, due, 0)
    else:
        _add(segment, _KEEP, rule.name, rule.reason, 0, 0, due)


def plan_retention(  # noqa: PLR0912, PLR0915  # one pass per record type, in order
    *,
    contacts: object,
    purchases: object = (),
    feedback: object = (),
    consents: object = (),
    rules: RetentionRules,
    today: dt.date,
) -> RetentionPlan:
    """
    Decide, for each record, whether to keep, archive, pseudonymise or erase it, and why.

    Records or Arrow tables (the frame path reads only the columns it needs,
    as Arrow arrays, without building a Python object per row; dates are
    compared as UTC days). Contacts come first: a purchase, feedback or
    consent event follows its contact's end; a contact whose invoices are
    under legal hold is archived (its identity only) until the last hold
    ends. See docs/lifecycle.md.

    Args:
        contacts: `Contact` records or an Arrow table of contacts.
        purchases: `Purchase` records or an Arrow table.
        feedback: `Feedback` records or an Arrow table.
        consents: `Consent` events or an Arrow table.
        rules: The rule set (`default_rules()` for the documented default).
        today: The day of the plan; custdata never reads the clock.

    Returns:
        The plan: entries by record type, each in input order.

    Raises:
        PolicyError: If ``rules`` is not a `RetentionRules`.
        TypeError: If an input is neither records of its type nor a table.
    """
    given: object = rules
    if not isinstance(given, RetentionRules):
        msg = "plan_retention: rules must be a RetentionRules (default_rules() for the default)"
        raise PolicyError(msg)
    if not isinstance(today, dt.date) or isinstance(today, dt.datetime):
        msg = "plan_retention: today must be a date"
        raise TypeError(msg)
    people = contact_inputs(contacts)
    bought = purchase_inputs(purchases, people)
    now = today.toordinal()
    texts = _Texts()

    @functools.cache
    def shift(ordinal: int, months: int) -> int:
        return add_months(dt.date.fromordinal(ordinal), months).toordinal()

    @functools.cache
    def year_close(ordinal: int) -> int:
        return rules.fiscal_year_close(dt.date.fromordinal(ordinal)).toordinal()

    count = len(people.created)
    # The last completed purchase of each contact: who is a customer, and since when.
    last_purchase = array("i", bytes(4 * count))
    for row, day, status in zip(bought.contact, bought.day, bought.status, strict=True):
        if status == STATUS_COMPLETED and row >= 0 and day > last_purchase[row]:
            last_purchase[row] = day

    prospect = rules.first("contact", Condition.PROSPECT_INACTIVE)
    customer = rules.first("contact", Condition.CUSTOMER_INACTIVE)
    invoice_rule = rules.first("purchase", Condition.INVOICE)
    with_contact_rule = rules.first("purchase", Condition.WITH_CONTACT)
    coded = {
        id(rule): _Rule(rule, _CONTACT_REASONS[rule.condition].format(months=rule.months), texts)
        for rule in (prospect, customer)
        if rule is not None
    }

    # When each contact's rule falls due (0: never, or not reckonable).
    contact_due = array("i", bytes(4 * count))
    for row in range(count):
        start = last_purchase[row]
        rule = customer if start else prospect
        if rule is None:
            continue
        start = max(start or people.created[row], people.interaction[row])
        if start:
            contact_due[row] = shift(start, rule.months)

    # Invoices: each hold's end, and the last hold of each contact.
    hold_end = array("i", bytes(4 * len(bought.day)))
    last_hold = array("i", bytes(4 * count))
    if invoice_rule is not None:
        months = invoice_rule.months
        for index, (row, day, status) in enumerate(
            zip(bought.contact, bought.day, bought.status, strict=True)
        ):
            if status != STATUS_OTHER and day:
                end = hold_end[index] = shift(year_close(day), months)
                if row >= 0 and end > now and end > last_hold[row]:
                    last_hold[row] = end

    segment = _CodedSegment("contact", ids=people.ids, contact_ids=people.ids)
    no_rule = texts(_NO_RULE)
    no_date = texts(_NO_DATE)
    invoice_name = 0 if invoice_rule is None else texts(invoice_rule.name)
    held_reasons: dict[int, int] = {}
    for row in range(count):
        rule = customer if last_purchase[row] else prospect
        if rule is None:
            _add(segment, _KEEP, 1, no_rule, 0, 0, 0)
            continue
        code = coded[id(rule)]
        due = contact_due[row]
        if due == 0:
            _add(segment, _KEEP, code.name, no_date, 0, 0, 0)
            continue
        held = last_hold[row]
        if due <= now and code.action == _ERASE and held and invoice_rule is not None:
            reason = held_reasons.get(code.reason)
            if reason is None:
                reason = held_reasons[code.reason] = texts(
                    f"{texts.values[code.reason]}; its identity is held while "
                    f"its invoices are ({invoice_rule.legal_reason}), then erased"
                )
            _add(segment, _ARCHIVE, invoice_name, reason, 0, due, held)
            continue
        _decide(segment, code, due, now)
    segments = [segment]

    segment = _CodedSegment("purchase", ids=bought.ids, contact_ids=bought.contact_ids)
    invoice_reason = (
        0
        if invoice_rule is None
        else texts(
            f"invoice: kept with its contact, then held {invoice_rule.months} months from the "
            f"close of its financial year ({invoice_rule.legal_reason}), then erased"
        )
    )
    with_contact = (
        None
        if with_contact_rule is None
        else _Rule(with_contact_rule, "follows its contact's retention", texts)
    )
    for row, hold in zip(bought.contact, hold_end, strict=True):
        ended = contact_due[row] if row >= 0 else now
        if hold and invoice_rule is not None:
            if ended == 0 or ended > now:
                _add(segment, _KEEP, invoice_name, invoice_reason, 0, 0, ended)
            elif hold > now:
                _add(segment, _ARCHIVE, invoice_name, invoice_reason, 0, ended, hold)
            else:
                _add(segment, _ERASE, invoice_name, invoice_reason, 0, max(hold, ended), 0)
        elif with_contact is not None:
            _decide(segment, with_contact, ended, now)
        else:
            _add(segment, _KEEP, 1, no_rule, 0, 0, 0)
    segments.append(segment)

    said = feedback_inputs(feedback, people)
    feedback_rule = rules.first("feedback", Condition.RECEIVED)
    segment = _CodedSegment("feedback", ids=said.ids, contact_ids=said.contact_ids)
    if feedback_rule is None:
        for _ in said.day:
            _add(segment, _KEEP, 1, no_rule, 0, 0, 0)
    else:
        code = _Rule(
            feedback_rule,
            f"{feedback_rule.months} months after received_at, or with its contact if sooner",
            texts,
        )
        for row, received in zip(said.contact, said.day, strict=True):
            due = shift(received, code.months) if received else 0
            ended = contact_due[row] if row >= 0 else now
            if ended:
                due = min(due, ended) if due else ended
            _decide(segment, code, due, now)
    segments.append(segment)

    segments.extend(
        _plan_consents(consent_inputs(consents, people), rules, contact_due, now, shift, texts)
    )
    return RetentionPlan._coded(  # the plan's own constructor
        [segment for segment in segments if len(segment)],
        texts.values,
        today=today,
        rules=f"{rules.name}@{rules.version}",
    )


_DAY_MICROSECONDS: Final = 86_400_000_000


def _plan_consents(  # noqa: PLR0912, PLR0917  # the planner's state, passed on
    events: ConsentInputs,
    rules: RetentionRules,
    contact_due: array[int],
    now: int,
    shift: Callable[[int, int], int],
    texts: _Texts,
) -> list[_CodedSegment]:
    consent_rule = rules.first("consent", Condition.CONSENT_LIFE)
    opposition_rule = rules.first("do_not_contact", Condition.OPPOSITION)
    segment = _CodedSegment("consent", ids=None, contact_ids=events.contact_ids, consents=events)
    if not len(events.group):
        return []
    # One consent per contact, purpose and channel: its last event (the later in
    # input order of two at the same moment) says whether it was withdrawn.
    moment = events.moment
    last = array("i", [-1]) * events.groups
    for index, group in enumerate(events.group):
        known = last[group]
        if known < 0 or moment[index] >= moment[known]:
            last[group] = index
    # When each consent ended (0: it has not).
    end = array("i", bytes(4 * events.groups))
    for group, index in enumerate(last):
        last_day = moment[index] // _DAY_MICROSECONDS + EPOCH_ORDINAL
        row = events.contact[index]
        if events.withdrawn[index]:
            end[group] = last_day
        elif row >= 0:
            due = contact_due[row]
            end[group] = due if due and due <= now else 0
        else:
            end[group] = last_day  # the contact is gone already: the consent ended with it
    if consent_rule is None:
        for _ in events.group:
            _add(segment, _KEEP, 1, texts(_NO_RULE), 0, 0, 0)
    else:
        code = _Rule(
            consent_rule,
            f"proof of consent: the life of the consent (until its withdrawal or its "
            f"contact's end) plus {consent_rule.months} months",
            texts,
        )
        months = code.months
        for group in events.group:
            ended = end[group]
            _decide(segment, code, shift(ended, months) if ended else 0, now)
    segments = [segment]
    if opposition_rule is not None:
        code = _Rule(
            opposition_rule,
            f"opposition: a minimal do-not-contact entry ({', '.join(_DNC_FIELDS)}) kept "
            f"{opposition_rule.months} months after the withdrawal; it survives erasure",
            texts,
        )
        rows = array("i", [index for index in last if events.withdrawn[index]])
        entries = _CodedSegment(
            "do_not_contact", ids=None, contact_ids=events.contact_ids, consents=events, rows=rows
        )
        for index in rows:
            withdrawn_day = moment[index] // _DAY_MICROSECONDS + EPOCH_ORDINAL
            _decide(entries, code, shift(withdrawn_day, code.months), now)
        segments.append(entries)
    return segments


@attrs.frozen(kw_only=True)
class AppliedPlan:
    """
    A plan applied to records: what the host keeps, archives, pseudonymises and erases.

    Attributes:
        kept: The records kept, by record type, unchanged.
        archived: The held rows: ``record_type``, ``record_id``, ``until``,
            ``legal_reason`` and the held fields only, flat.
        pseudonymised: The pseudonymised rows by record type, flat, as
            policies return them (still personal data).
        erased: The ids erased, by record type.
        do_not_contact: The minimal opposition entries to keep, erasure or not.
        unplanned: Ids the plan does not cover, by record type: kept, to plan again.
    """

    kept: dict[str, list[object]]
    archived: list[dict[str, object]]
    pseudonymised: dict[str, list[dict[str, object]]]
    erased: dict[str, list[str]]
    do_not_contact: list[dict[str, object]]
    unplanned: dict[str, list[str]]


def _record_id(record_type: str, record: Any) -> str:
    if record_type == "consent":
        return consent_id(
            record.contact_id,
            record.purpose,
            record.channel.value,
            record.status.value,
            record.recorded_at,
        )
    return str(getattr(record, f"{record_type}_id"))


def apply_plan(  # noqa: PLR0912  # one branch per action
    plan: RetentionPlan,
    *,
    contacts: Iterable[Contact] = (),
    purchases: Iterable[Purchase] = (),
    feedback: Iterable[Feedback] = (),
    consents: Iterable[Consent] = (),
    policies: Mapping[str, Policy] | Iterable[Policy] = (),
    keys: KeyRing | None = None,
    today: dt.date,
    region: str = "FR",
) -> AppliedPlan:
    """
    Apply a plan to records, returning each part separately; the inputs are never changed.

    Args:
        plan: The plan, from `plan_retention`.
        contacts: The contacts.
        purchases: Their purchases.
        feedback: Their feedback.
        consents: Their consent events.
        policies: The policies the plan's ``pseudonymise`` entries name, by
            name (a mapping, or policies whose ``name`` is used).
        keys: The key ring of keyed policies.
        today: The reference day of dated policies.
        region: The country assumed for phones and postal codes.

    Returns:
        What is kept, archived (held fields only), pseudonymised and erased.

    Raises:
        PolicyError: If an entry names a policy that is not given, or one for
            another record type.
    """
    by_name = dict(policies) if isinstance(policies, Mapping) else {p.name: p for p in policies}
    decided: dict[tuple[str, str], PlanEntry] = {}
    dnc: list[dict[str, object]] = []
    for planned in plan:
        if planned.record_type == "do_not_contact":
            if planned.action is Action.KEEP:
                contact_id, purpose, channel = planned.record_id.split("|")[-3:]
                dnc.append(
                    {
                        "contact_id": contact_id,
                        "purpose": purpose,
                        "channel": channel,
                        "until": planned.until,
                    }
                )
            continue
        decided[planned.record_type, planned.record_id] = planned
    bound: dict[str, Any] = {}
    kept: dict[str, list[object]] = {}
    archived: list[dict[str, object]] = []
    pseudonymised: dict[str, list[dict[str, object]]] = {}
    erased: dict[str, list[str]] = {}
    unplanned: dict[str, list[str]] = {}
    inputs: tuple[tuple[str, Iterable[Any]], ...] = (
        ("contact", contacts),
        ("purchase", purchases),
        ("feedback", feedback),
        ("consent", consents),
    )
    for record_type, records in inputs:
        for record in records:
            record_id = _record_id(record_type, record)
            entry = decided.get((record_type, record_id))
            if entry is None:
                unplanned.setdefault(record_type, []).append(record_id)
                kept.setdefault(record_type, []).append(record)
            elif entry.action is Action.KEEP:
                kept.setdefault(record_type, []).append(record)
            elif entry.action is Action.ERASE:
                erased.setdefault(record_type, []).append(record_id)
            elif entry.action is Action.ARCHIVE:
                held = ARCHIVED_FIELDS.get(record_type, ())
                row: dict[str, object] = {
                    "record_type": record_type,
                    "record_id": record_id,
                    "until": entry.until,
                    "reason": entry.reason,
                }
                for column, value in to_flat(record).items():
                    if column.split(".", 1)[0] in held:
                        row[column] = value
                archived.append(row)
            else:
                name = entry.policy or ""
                if name not in bound:
                    policy = by_name.get(name)
                    if policy is None:
                        msg = f"apply_plan: policies: no policy named {name!r} is given"
                        raise PolicyError(msg)
                    bound[name] = policy.bind(keys=keys, today=today, region=region)
                if bound[name].policy.record_class is not type(record):
                    msg = f"apply_plan: policies: {name!r} is not for {record_type} records"
                    raise PolicyError(msg)
                pseudonymised.setdefault(record_type, []).append(bound[name].apply(record))
    return AppliedPlan(
        kept=kept,
        archived=archived,
        pseudonymised=pseudonymised,
        erased=erased,
        do_not_contact=dnc,
        unplanned=unplanned,
    )
