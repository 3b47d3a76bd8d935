"""Planning retention: for each record, its action, the rule, the reason and when it became due."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from custdata.errors import PolicyError
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
_COMPLETED: Final = "completed"
_INVOICED: Final = frozenset({"completed", "returned"})
_WITHDRAWN: Final = "withdrawn"


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


class RetentionPlan:
    """
    A retention plan: a pure value the host executes (custdata erases nothing itself).

    Stored column by column, so a plan over millions of records holds no
    object per entry; iterating builds `PlanEntry` objects one at a time.

    Attributes:
        today: The day the plan was made for.
        rules: The rule set's name and version, as ``name@version``.
    """

    __slots__ = ("_columns", "rules", "today")

    def __init__(self, columns: dict[str, list[Any]], *, today: dt.date, rules: str) -> None:
        self._columns = columns
        self.today = today
        self.rules = rules

    def __repr__(self) -> str:
        return (
            f"RetentionPlan(today={self.today.isoformat()}, rules={self.rules!r}, "
            f"entries={len(self)})"
        )

    def __len__(self) -> int:
        return len(self._columns["record_id"])

    def __iter__(self) -> Iterator[PlanEntry]:
        columns = self._columns
        for values in zip(*(columns[name] for name in PLAN_COLUMNS), strict=True):
            yield PlanEntry(**dict(zip(PLAN_COLUMNS, values, strict=True)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetentionPlan):
            return NotImplemented
        return (self.today, self.rules, self._columns) == (other.today, other.rules, other._columns)

    __hash__ = None  # type: ignore[assignment]  # a mutable-looking value: not hashable

    def column(self, name: str) -> list[Any]:
        """
        Return one column of the plan (a copy).

        Args:
            name: One of `PLAN_COLUMNS`.

        Returns:
            Its values, in entry order.
        """
        return list(self._columns[name])

    def totals(self) -> dict[str, dict[str, int]]:
        """
        Count the entries by record type and action.

        Returns:
            ``{record_type: {action: count}}``, every action present.
        """
        totals: dict[str, dict[str, int]] = {}
        for record_type, action in zip(
            self._columns["record_type"], self._columns["action"], strict=True
        ):
            counts = totals.setdefault(record_type, dict.fromkeys(Action, 0))
            counts[action] += 1
        return {kind: {str(a): n for a, n in counts.items()} for kind, counts in totals.items()}

    def by_action(self) -> dict[str, int]:
        """
        Count the entries by action, over every record type.

        Returns:
            ``{action: count}``, every action present.
        """
        counts = dict.fromkeys((action.value for action in Action), 0)
        for action in self._columns["action"]:
            counts[action.value] += 1
        return counts

    def rows(self) -> Iterator[dict[str, str]]:
        """
        Yield the plan as flat rows of strings, the columns of `PLAN_COLUMNS`.

        Yields:
            One row per entry.
        """
        for entry in self:
            yield entry.to_row()

    def to_json(self) -> str:
        """
        Return the plan as a JSON document: its day, its rules, its totals and entries.

        Returns:
            The JSON text.
        """
        return json.dumps(
            {
                "today": self.today.isoformat(),
                "rules": self.rules,
                "totals": self.totals(),
                "entries": list(self.rows()),
            },
            ensure_ascii=False,
            indent=1,
        )

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

        Returns:
            The table, with the columns of `PLAN_COLUMNS`.
        """
        from custdata.frames._arrow import _pyarrow  # the shared optional import

        pa = _pyarrow()
        columns = self._columns
        data = {
            name: columns[name]
            if name not in {"action"}
            else [action.value for action in columns[name]]
            for name in PLAN_COLUMNS
        }
        schema = pa.schema(
            [
                (name, pa.date32() if name in {"due", "until"} else pa.string())
                for name in PLAN_COLUMNS
            ]
        )
        return pa.table(data, schema=schema)


def _utc_day(moment: object) -> dt.date | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).date() if moment.tzinfo is not None else moment.date()
    if isinstance(moment, dt.date):
        return moment
    msg = "plan_retention: a date column holds something that is not a date"
    raise TypeError(msg)


def _later(first: dt.date | None, second: dt.date | None) -> dt.date | None:
    if first is None:
        return second
    if second is None:
        return first
    return max(first, second)


_REPEATED: Final = frozenset({"status", "purpose", "channel"})


def _is_frame(value: object) -> bool:
    return not isinstance(value, (list, tuple)) and hasattr(value, "column_names")


def _frame_columns(table: Any, names: Sequence[str], dates: frozenset[str]) -> dict[str, list[Any]]:
    """Read columns of an Arrow table as Python lists, dates as UTC days, without records."""
    from custdata.frames._arrow import _pyarrow  # the shared optional import

    pa = _pyarrow()
    import pyarrow.compute as pc

    columns: dict[str, list[Any]] = {}
    for name in names:
        if name not in table.column_names:
            columns[name] = [None] * table.num_rows
            continue
        column = table.column(name)
        if name in dates and pa.types.is_timestamp(column.type):
            if column.type.tz is not None:
                column = pc.cast(column, pa.timestamp(column.type.unit, "UTC"))
            column = pc.cast(pc.cast(column, pa.timestamp(column.type.unit)), pa.date32())
        elif pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if name in dates or name in _REPEATED:
            # Few distinct values (days, statuses, purposes): one Python object each,
            # shared by the rows, rather than one per row.
            encoded = pc.dictionary_encode(column).combine_chunks()
            values = encoded.dictionary.to_pylist()
            columns[name] = [
                None if index is None else values[index] for index in encoded.indices.to_pylist()
            ]
        else:
            columns[name] = column.to_pylist()
    return columns


def _record_columns(
    records: Iterable[object], record_type: type, names: Sequence[str], dates: frozenset[str]
) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for record in records:
        if not isinstance(record, record_type):
            msg = f"plan_retention: expected {record_type.__name__} records"
            raise TypeError(msg)
        for name in names:
            value = getattr(record, name)
            if name in dates:
                value = _utc_day(value)
            elif hasattr(value, "value"):
                value = value.value
            columns[name].append(value)
    return columns


def _columns(
    value: object, record_type: type, names: Sequence[str], dates: frozenset[str]
) -> dict[str, list[Any]]:
    if _is_frame(value):
        return _frame_columns(value, names, dates)
    if not isinstance(value, Iterable):
        msg = f"plan_retention: expected {record_type.__name__} records or an Arrow table"
        raise TypeError(msg)
    return _record_columns(value, record_type, names, dates)


class _Builder:
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


def _decide(  # noqa: PLR0917  # the entry's columns, in order
    builder: _Builder,
    record_type: str,
    record_id: str,
    contact_id: str,
    rule: RetentionRule,
    due: dt.date | None,
    today: dt.date,
    reason: str,
) -> None:
    if due is None:
        builder.add(record_type, record_id, contact_id, Action.KEEP, rule.name, reason, None, None)
    elif due <= today:
        builder.add(
            record_type,
            record_id,
            contact_id,
            rule.action,
            rule.name,
            reason,
            due,
            None,
            rule.policy,
        )
    else:
        builder.add(record_type, record_id, contact_id, Action.KEEP, rule.name, reason, None, due)


_NO_RULE: Final = "no rule of the rule set applies: kept"
_CONTACT_REASONS: Final = {
    Condition.PROSPECT_INACTIVE: "prospect (no completed purchase): {months} months after the "
    "later of created_at and last_interaction_at",
    Condition.CUSTOMER_INACTIVE: "customer: {months} months after the end of the commercial "
    "relationship (the later of the last completed purchase and last_interaction_at)",
}
_NO_DATE: Final = "no created_at, last_interaction_at or purchase to reckon from: kept, to review"


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
    without building a record per row; dates are compared as UTC days).
    Contacts come first: a purchase, feedback or consent event follows its
    contact's end; a contact whose invoices are under legal hold is archived
    (its identity only) until the last hold ends. See docs/lifecycle.md.

    Args:
        contacts: `Contact` records or an Arrow table of contacts.
        purchases: `Purchase` records or an Arrow table.
        feedback: `Feedback` records or an Arrow table.
        consents: `Consent` events or an Arrow table.
        rules: The rule set (`default_rules()` for the documented default).
        today: The day of the plan; custdata never reads the clock.

    Returns:
        The plan.

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
    contact_columns = _columns(
        contacts,
        Contact,
        ("contact_id", "created_at", "last_interaction_at"),
        frozenset({"created_at", "last_interaction_at"}),
    )
    purchase_columns = _columns(
        purchases,
        Purchase,
        ("purchase_id", "contact_id", "purchased_at", "status"),
        frozenset({"purchased_at"}),
    )
    builder = _Builder()
    # One date object per distinct (day, months), shared by the entries: a plan of
    # millions of records holds few distinct days.
    shift = functools.cache(add_months)

    # The last completed purchase of each contact: who is a customer, and since when.
    last_purchase: dict[str, dt.date] = {}
    for contact_id, day, status in zip(
        purchase_columns["contact_id"],
        purchase_columns["purchased_at"],
        purchase_columns["status"],
        strict=True,
    ):
        if status == _COMPLETED:
            known = last_purchase.get(contact_id)
            if known is None or day > known:
                last_purchase[contact_id] = day

    prospect_rule = rules.first("contact", Condition.PROSPECT_INACTIVE)
    customer_rule = rules.first("contact", Condition.CUSTOMER_INACTIVE)
    invoice_rule = rules.first("purchase", Condition.INVOICE)
    with_contact_rule = rules.first("purchase", Condition.WITH_CONTACT)

    # When each contact's rule falls due (None: never, or not reckonable), and its action.
    contact_due: dict[str, dt.date | None] = {}
    contact_rule: dict[str, RetentionRule | None] = {}
    for contact_id, created, interaction in zip(
        contact_columns["contact_id"],
        contact_columns["created_at"],
        contact_columns["last_interaction_at"],
        strict=True,
    ):
        bought = last_purchase.get(contact_id)
        rule = customer_rule if bought is not None else prospect_rule
        contact_rule[contact_id] = rule
        if rule is None:
            contact_due[contact_id] = None
            continue
        start = _later(bought, interaction) if bought is not None else _later(created, interaction)
        contact_due[contact_id] = None if start is None else shift(start, rule.months)

    # Invoices: each hold's end, and the last hold of each contact.
    hold_end: list[dt.date | None] = []
    last_hold: dict[str, dt.date] = {}
    for contact_id, day, status in zip(
        purchase_columns["contact_id"],
        purchase_columns["purchased_at"],
        purchase_columns["status"],
        strict=True,
    ):
        if invoice_rule is not None and status in _INVOICED:
            end = shift(rules.fiscal_year_close(day), invoice_rule.months)
            hold_end.append(end)
            if end > today and end > last_hold.get(contact_id, today):
                last_hold[contact_id] = end
        else:
            hold_end.append(None)

    contact_reasons: dict[str, str] = {}
    for contact_id in contact_columns["contact_id"]:
        rule = contact_rule[contact_id]
        due = contact_due[contact_id]
        if rule is None:
            builder.add("contact", contact_id, contact_id, Action.KEEP, "", _NO_RULE, None, None)
            continue
        reason = contact_reasons.get(rule.name)
        if reason is None:
            reason = _CONTACT_REASONS[rule.condition].format(months=rule.months)
            contact_reasons[rule.name] = reason
        if due is None:
            builder.add(
                "contact", contact_id, contact_id, Action.KEEP, rule.name, _NO_DATE, None, None
            )
            continue
        held = last_hold.get(contact_id)
        if due <= today and rule.action is Action.ERASE and held is not None and invoice_rule:
            builder.add(
                "contact",
                contact_id,
                contact_id,
                Action.ARCHIVE,
                invoice_rule.name,
                f"{reason}; its identity is held while its invoices are "
                f"({invoice_rule.legal_reason}), then erased",
                due,
                held,
            )
            continue
        _decide(builder, "contact", contact_id, contact_id, rule, due, today, reason)

    invoice_reason = (
        ""
        if invoice_rule is None
        else f"invoice: kept with its contact, then held {invoice_rule.months} months from the "
        f"close of its financial year ({invoice_rule.legal_reason}), then erased"
    )
    ended: dt.date | None
    for purchase_id, contact_id, hold in zip(
        purchase_columns["purchase_id"], purchase_columns["contact_id"], hold_end, strict=True
    ):
        ended = contact_due.get(contact_id, today) if contact_id in contact_due else today
        if hold is not None and invoice_rule is not None:
            if ended is None or ended > today:
                builder.add(
                    "purchase",
                    purchase_id,
                    contact_id,
                    Action.KEEP,
                    invoice_rule.name,
                    invoice_reason,
                    None,
                    ended,
                )
            elif hold > today:
                builder.add(
                    "purchase",
                    purchase_id,
                    contact_id,
                    Action.ARCHIVE,
                    invoice_rule.name,
                    invoice_reason,
                    ended,
                    hold,
                )
            else:
                builder.add(
                    "purchase",
                    purchase_id,
                    contact_id,
                    Action.ERASE,
                    invoice_rule.name,
                    invoice_reason,
                    max(hold, ended),
                    None,
                )
        elif with_contact_rule is not None:
            _decide(
                builder,
                "purchase",
                purchase_id,
                contact_id,
                with_contact_rule,
                ended,
                today,
                "follows its contact's retention",
            )
        else:
            builder.add("purchase", purchase_id, contact_id, Action.KEEP, "", _NO_RULE, None, None)

    feedback_rule = rules.first("feedback", Condition.RECEIVED)
    feedback_columns = _columns(
        feedback,
        Feedback,
        ("feedback_id", "contact_id", "received_at"),
        frozenset({"received_at"}),
    )
    reason = (
        ""
        if feedback_rule is None
        else f"{feedback_rule.months} months after received_at, or with its contact if sooner"
    )
    for feedback_id, contact_id, received in zip(
        feedback_columns["feedback_id"],
        feedback_columns["contact_id"],
        feedback_columns["received_at"],
        strict=True,
    ):
        if feedback_rule is None:
            builder.add("feedback", feedback_id, contact_id, Action.KEEP, "", _NO_RULE, None, None)
            continue
        due = shift(received, feedback_rule.months)
        ended = contact_due.get(contact_id, today) if contact_id in contact_due else today
        if ended is not None:
            due = min(due, ended)
        _decide(builder, "feedback", feedback_id, contact_id, feedback_rule, due, today, reason)

    _plan_consents(builder, consents, rules, contact_due, today, shift)
    return RetentionPlan(builder.columns, today=today, rules=f"{rules.name}@{rules.version}")


def _plan_consents(  # noqa: PLR0917  # the planner's state, passed on
    builder: _Builder,
    consents: object,
    rules: RetentionRules,
    contact_due: Mapping[str, dt.date | None],
    today: dt.date,
    shift: Callable[[dt.date, int], dt.date],
) -> None:
    consent_rule = rules.first("consent", Condition.CONSENT_LIFE)
    opposition_rule = rules.first("do_not_contact", Condition.OPPOSITION)
    columns = _columns(
        consents,
        Consent,
        ("contact_id", "purpose", "channel", "status", "recorded_at"),
        frozenset(),
    )
    if not columns["contact_id"]:
        return
    # One consent per contact, purpose and channel: its events in time order.
    groups: dict[tuple[str, str, str], list[int]] = {}
    for index, key in enumerate(
        zip(columns["contact_id"], columns["purpose"], columns["channel"], strict=True)
    ):
        groups.setdefault(key, []).append(index)
    recorded = columns["recorded_at"]
    statuses = columns["status"]
    reason = (
        ""
        if consent_rule is None
        else f"proof of consent: the life of the consent (until its withdrawal or its "
        f"contact's end) plus {consent_rule.months} months"
    )
    dnc_reason = (
        ""
        if opposition_rule is None
        else f"opposition: a minimal do-not-contact entry ({', '.join(_DNC_FIELDS)}) kept "
        f"{opposition_rule.months} months after the withdrawal; it survives erasure"
    )
    for (contact_id, purpose, channel), indexes in groups.items():
        indexes.sort(key=lambda index: recorded[index])
        last = indexes[-1]
        last_day = _utc_day(recorded[last])
        assert last_day is not None  # noqa: S101  # recorded_at is required
        withdrawn = statuses[last] == _WITHDRAWN
        if withdrawn:
            end: dt.date | None = last_day
        elif contact_id in contact_due:
            due = contact_due[contact_id]
            end = due if due is not None and due <= today else None
        else:
            end = last_day  # the contact is gone already: the consent ended with it
        for index in indexes:
            record_id = consent_id(contact_id, purpose, channel, statuses[index], recorded[index])
            if consent_rule is None:
                builder.add("consent", record_id, contact_id, Action.KEEP, "", _NO_RULE, None, None)
                continue
            due = None if end is None else shift(end, consent_rule.months)
            _decide(builder, "consent", record_id, contact_id, consent_rule, due, today, reason)
        if withdrawn and opposition_rule is not None:
            due = shift(last_day, opposition_rule.months)
            _decide(
                builder,
                "do_not_contact",
                f"{contact_id}|{purpose}|{channel}",
                contact_id,
                opposition_rule,
                due,
                today,
                dnc_reason,
            )


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
