"""Data-subject requests: access (art. 15, portability: 20), erasure (17), rectification (16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from custdata.errors import Issue, PolicyError, Severity, ValidationError
from custdata.keys import KeyRing
from custdata.lifecycle._plan import (
    RetentionPlan,
    _Builder,
    consent_id,
)
from custdata.lifecycle._rules import Action, Condition, RetentionRules, add_months
from custdata.model import (
    Consent,
    Contact,
    Feedback,
    Purchase,
    categories,
    from_dict,
    to_dict,
    to_flat,
)

if TYPE_CHECKING:
    from custdata.policy import Policy

__all__ = [
    "PORTABLE_FIELDS",
    "ChangeLogEntry",
    "ErasurePlan",
    "Pseudonym",
    "access_export",
    "erasure_plan",
    "rectify",
]

PORTABLE_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "contact": frozenset(
        {
            "given_name",
            "family_name",
            "email",
            "phone",
            "address",
            "birth_date",
            "gender",
            "preferred_channels",
            "interests",
            "company",
            "job_title",
        }
    ),
    "purchase": frozenset(
        {
            "purchase_id",
            "purchased_at",
            "total",
            "lines",
            "payment_method",
            "discount",
            "channel",
            "status",
        }
    ),
    "feedback": frozenset({"received_at", "kind", "nps", "satisfaction", "comment", "channel"}),
    "consent": frozenset(),
}
"""
The fields the person provided, or their use of the service produced (art. 20), by record type.

Computed and internal fields (ids, dates of the file, acquisition source,
income band) are not portable.
"""

_CLASSES: Final[Mapping[str, type]] = {
    "contact": Contact,
    "purchase": Purchase,
    "feedback": Feedback,
    "consent": Consent,
}
_FORMAT: Final = "custdata.access/1"


def _mine(
    records: Iterable[object], contact_id: str, record_class: type, parameter: str
) -> list[Any]:
    mine = []
    for record in records:
        if not isinstance(record, record_class):
            msg = f"expected {record_class.__name__} records in {parameter}"
            raise TypeError(msg)
        if getattr(record, "contact_id", None) == contact_id:
            mine.append(record)
    return mine


def _retention_of(rules: RetentionRules) -> dict[str, list[dict[str, object]]]:
    retention: dict[str, list[dict[str, object]]] = {}
    for rule in rules.rules:
        retention.setdefault(rule.record_type, []).append(
            {
                "rule": rule.name,
                "condition": rule.condition.value,
                "months": rule.months,
                "action": rule.action.value,
                "source": rule.source,
                **({"legal_reason": rule.legal_reason} if rule.legal_reason else {}),
            }
        )
    return retention


def access_export(
    contact_id: str,
    *,
    contacts: Iterable[Contact],
    purchases: Iterable[Purchase] = (),
    consents: Iterable[Consent] = (),
    feedback: Iterable[Feedback] = (),
    processing_purposes: Mapping[str, str],
    rules: RetentionRules,
) -> dict[str, object]:
    """
    Gather everything held about one person in one machine-readable bundle (RGPD art. 15).

    The bundle is JSON-safe (``json.dumps`` writes it as is). Each record
    lists its fields with their category (``direct_identifier``...) and
    whether they are portable (art. 20); ``portable`` repeats the portable
    subset alone, by record type; ``consent_history`` is the ledger's history
    of the person, oldest first; ``purposes`` and ``retention`` say why each
    record type is held and for how long.

    Args:
        contact_id: The person.
        contacts: The contacts (only the person's are read).
        purchases: The purchases.
        consents: The consent events.
        feedback: The feedback.
        processing_purposes: The declared purpose of each record type held
            (``{"contact": "customer relationship", ...}``); every record type
            the person has records of needs one.
        rules: The retention rules, quoted per record type.

    Returns:
        The bundle.

    Raises:
        PolicyError: If a record type held has no declared purpose.
    """
    from custdata.consent import ConsentLedger

    held = {
        "contact": _mine(contacts, contact_id, Contact, "contacts"),
        "purchase": _mine(purchases, contact_id, Purchase, "purchases"),
        "feedback": _mine(feedback, contact_id, Feedback, "feedback"),
        "consent": _mine(consents, contact_id, Consent, "consents"),
    }
    missing = sorted(
        kind for kind, records in held.items() if records and kind not in processing_purposes
    )
    if missing:
        msg = f"access_export: processing_purposes: no purpose declared for {', '.join(missing)}"
        raise PolicyError(msg)
    records: dict[str, list[dict[str, object]]] = {}
    portable: dict[str, list[dict[str, object]]] = {}
    for kind, mine in held.items():
        if not mine:
            continue
        category = categories(_CLASSES[kind])
        fields_portable = PORTABLE_FIELDS[kind]
        for record in mine:
            fields: dict[str, object] = {}
            for column, value in to_flat(record).items():
                top = column.split(".", 1)[0]
                found = category.get(column) or category.get(top)
                if found is None:  # a list of records in one cell: its items' category
                    found = next(
                        (kind for path, kind in category.items() if path.startswith(f"{top}.")),
                        None,
                    )
                fields[column] = {
                    "value": value,
                    "category": None if found is None else found.value,
                    "portable": top in fields_portable,
                }
            records.setdefault(kind, []).append(fields)
            if fields_portable:
                data = to_dict(record)
                portable.setdefault(kind, []).append(
                    {name: value for name, value in data.items() if name in fields_portable}
                )
    history = ConsentLedger(held["consent"]).history(contact_id) if held["consent"] else ()
    return {
        "format": _FORMAT,
        "contact_id": contact_id,
        "records": records,
        "purposes": {kind: processing_purposes[kind] for kind in held if held[kind]},
        "retention": _retention_of(rules),
        "consent_history": [to_dict(event) for event in history],
        "portable": portable,
    }


@attrs.frozen(kw_only=True)
class Pseudonym:
    """
    One of the person's pseudonyms or tokens: what to look for in pseudonymised copies.

    Attributes:
        policy: The policy that makes it.
        record_type: The record type of the policy.
        field: The output column.
        key_id: The key of the ring it was made with.
        value: The pseudonym or token (still personal data: treat it as such).
    """

    policy: str
    record_type: str
    field: str
    key_id: str
    value: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class ErasurePlan:
    """
    What to erase for one person, what to hold and why, and how to find their pseudonymised copies.

    Attributes:
        contact_id: The person.
        plan: The entries: ``erase`` for what goes, ``archive`` for what a
            legal hold keeps (held fields, end date, legal reason), ``keep``
            for the do-not-contact entries that survive erasure.
        pseudonyms: The person's pseudonyms and tokens under each policy and
            every key of the ring.
    """

    contact_id: str
    plan: RetentionPlan
    pseudonyms: tuple[Pseudonym, ...]

    def to_dict(self) -> dict[str, object]:
        """
        Return the plan as a JSON-safe dict (the pseudonyms with their values).

        Returns:
            ``contact_id``, ``totals``, ``entries`` and ``pseudonyms``.
        """
        return {
            "contact_id": self.contact_id,
            "today": self.plan.today.isoformat(),
            "totals": self.plan.by_action(),
            "entries": list(self.plan.rows()),
            "pseudonyms": [attrs.asdict(pseudonym) for pseudonym in self.pseudonyms],
        }


def _pseudonyms(
    records: Mapping[str, Sequence[Any]],
    policies: Iterable[Policy],
    keys: KeyRing | None,
    today: dt.date,
    region: str,
) -> list[Pseudonym]:
    found: list[Pseudonym] = []
    for policy in policies:
        linkable = [
            path
            for path, resolved in policy.resolved().items()
            if resolved.keyed
            and resolved.cls is not None
            and getattr(getattr(resolved.cls, "guarantees", None), "deterministic", False)
        ]
        if not linkable:
            continue
        if keys is None:
            msg = f"erasure_plan: keys: policy {policy.name!r} is keyed and needs the key ring"
            raise PolicyError(msg)
        mine = records.get(policy.record_type, ())
        for key_id in keys.ids:
            ring = KeyRing(keys=keys.keys, active=key_id)
            bound = policy.bind(keys=ring, today=today, region=region)
            seen: set[tuple[str, str]] = set()
            for record in mine:
                row = bound.apply(record)
                for path in linkable:
                    value = row.get(path)
                    if isinstance(value, str) and (path, value) not in seen:
                        seen.add((path, value))
                        found.append(
                            Pseudonym(
                                policy=policy.name,
                                record_type=policy.record_type,
                                field=path,
                                key_id=key_id,
                                value=value,
                            )
                        )
    return found


def erasure_plan(  # noqa: PLR0912  # one branch per record type and hold
    contact_id: str,
    *,
    contacts: Iterable[Contact],
    purchases: Iterable[Purchase] = (),
    consents: Iterable[Consent] = (),
    feedback: Iterable[Feedback] = (),
    policies: Iterable[Policy] = (),
    keys: KeyRing | None = None,
    rules: RetentionRules,
    today: dt.date,
    region: str = "FR",
) -> ErasurePlan:
    """
    Plan the erasure of one person's data (RGPD art. 17): erase, or hold, and why.

    Everything is erased but what a legal obligation holds: invoices (the
    rule set's ``invoice`` rule) until their hold ends, with the identity of
    the contact they name (`ARCHIVED_FIELDS`); the proof of consent events
    (the ``consent_life`` rule: the request ends the consent, the proof is
    held for the rule's period, art. 17(3)(e)); and the minimal
    do-not-contact entry of each opposition, kept as the ``opposition`` rule
    says. The pseudonyms and tokens of the person under each policy and
    every key of the ring let the host find their pseudonymised copies.

    Args:
        contact_id: The person.
        contacts: The contacts (only the person's are read).
        purchases: The purchases.
        consents: The consent events.
        feedback: The feedback.
        policies: The policies the host has released copies under.
        keys: The key ring of those policies (every key id is tried).
        rules: The retention rules.
        today: The day of the request.
        region: The country assumed for phones and postal codes.

    Returns:
        The erasure plan.

    Raises:
        PolicyError: If a keyed policy is given without a key ring.
    """
    mine = {
        "contact": _mine(contacts, contact_id, Contact, "contacts"),
        "purchase": _mine(purchases, contact_id, Purchase, "purchases"),
        "feedback": _mine(feedback, contact_id, Feedback, "feedback"),
        "consent": _mine(consents, contact_id, Consent, "consents"),
    }
    builder = _Builder()
    invoice = rules.first("purchase", Condition.INVOICE)
    consent_rule = rules.first("consent", Condition.CONSENT_LIFE)
    opposition = rules.first("do_not_contact", Condition.OPPOSITION)
    request = "erasure requested (RGPD art. 17)"
    last_hold: dt.date | None = None
    for purchase in mine["purchase"]:
        day = purchase.purchased_at.astimezone(dt.UTC).date()
        if invoice is not None and purchase.status.value in {"completed", "returned"}:
            end = add_months(rules.fiscal_year_close(day), invoice.months)
            if end > today:
                last_hold = end if last_hold is None else max(last_hold, end)
                builder.add(
                    "purchase",
                    purchase.purchase_id,
                    contact_id,
                    Action.ARCHIVE,
                    invoice.name,
                    f"{request}; invoice held ({invoice.legal_reason})",
                    today,
                    end,
                )
                continue
        builder.add(
            "purchase", purchase.purchase_id, contact_id, Action.ERASE, "", request, today, None
        )
    for contact in mine["contact"]:
        if last_hold is not None and invoice is not None:
            builder.add(
                "contact",
                contact.contact_id,
                contact_id,
                Action.ARCHIVE,
                invoice.name,
                f"{request}; the identity on its invoices is held until the last hold ends "
                f"({invoice.legal_reason}); its other fields are erased",
                today,
                last_hold,
            )
        else:
            builder.add(
                "contact", contact.contact_id, contact_id, Action.ERASE, "", request, today, None
            )
    for item in mine["feedback"]:
        builder.add(
            "feedback", item.feedback_id, contact_id, Action.ERASE, "", request, today, None
        )
    groups: dict[tuple[str, str], list[Consent]] = {}
    for event in mine["consent"]:
        groups.setdefault((event.purpose, event.channel.value), []).append(event)
    for (purpose, channel), events in groups.items():
        events.sort(key=lambda event: event.recorded_at)
        for event in events:
            record_id = consent_id(
                contact_id, purpose, channel, event.status.value, event.recorded_at
            )
            if consent_rule is not None and consent_rule.months > 0:
                builder.add(
                    "consent",
                    record_id,
                    contact_id,
                    Action.ARCHIVE,
                    consent_rule.name,
                    f"{request}; the proof of consent is held for the defence of legal claims "
                    "(art. 17(3)(e))",
                    today,
                    add_months(today, consent_rule.months),
                )
            else:
                builder.add(
                    "consent", record_id, contact_id, Action.ERASE, "", request, today, None
                )
        last = events[-1]
        if last.status.value == "withdrawn" and opposition is not None:
            withdrawn = last.recorded_at.astimezone(dt.UTC).date()
            until = add_months(withdrawn, opposition.months)
            builder.add(
                "do_not_contact",
                f"{contact_id}|{purpose}|{channel}",
                contact_id,
                Action.KEEP if until > today else Action.ERASE,
                opposition.name,
                "the opposition is honoured after erasure: a minimal do-not-contact entry",
                None if until > today else until,
                until if until > today else None,
            )
    plan = RetentionPlan(builder.columns, today=today, rules=f"{rules.name}@{rules.version}")
    pseudonyms = _pseudonyms(mine, policies, keys, today, region)
    return ErasurePlan(contact_id=contact_id, plan=plan, pseudonyms=tuple(pseudonyms))


@attrs.frozen(kw_only=True)
class ChangeLogEntry:
    """
    The record of one rectification (RGPD art. 16): what changed, when, at whose request.

    Attributes:
        contact_id: The person.
        request_id: The request's id.
        changed_at: When (the ``today`` given).
        fields: The fields changed, sorted; no value, old or new.
    """

    contact_id: str
    request_id: str
    changed_at: dt.date
    fields: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """
        Return the entry as a JSON-safe dict.

        Returns:
            Its attributes, the date in ISO 8601.
        """
        return {
            "contact_id": self.contact_id,
            "request_id": self.request_id,
            "changed_at": self.changed_at.isoformat(),
            "fields": list(self.fields),
        }


_NOT_RECTIFIABLE: Final = frozenset({"contact_id", "created_at", "last_interaction_at"})


def rectify(
    contact: Contact,
    changes: Mapping[str, object],
    *,
    today: dt.date,
    region: str = "FR",
    request_id: str,
) -> tuple[Contact, ChangeLogEntry]:
    """
    Apply a person's corrections to their contact record (RGPD art. 16), validated and normalised.

    The changes are top-level fields with values as ``from_dict`` reads them
    (``None`` clears an optional field); the new record is validated and
    normalised as `custdata.validate` does. The log entry names the fields
    changed and never holds a value.

    Args:
        contact: The current record (not changed).
        changes: The fields to change, by name.
        today: The day of the request (birth date checks, the log).
        region: The country assumed for phones and postal codes.
        request_id: The request's id, kept in the log.

    Returns:
        The new record and the log entry.

    Raises:
        ValidationError: Listing every problem of the changes (unknown or
            fixed fields, bad values), never a value.
        PolicyError: If ``request_id`` is empty.
    """
    from custdata.validation import normalise, validate

    if not isinstance(request_id, str) or not request_id.strip():
        msg = "rectify: request_id must be a non-empty string"
        raise PolicyError(msg)
    given: object = contact
    if not isinstance(given, Contact):
        msg = "rectify: contact must be a Contact"
        raise TypeError(msg)
    known = {field.name for field in attrs.fields(Contact)}
    problems = [
        Issue(
            path=name,
            code="not_rectifiable" if name in known else "unknown_field",
            severity=Severity.ERROR,
            message="this field is not changed by a rectification"
            if name in known
            else "not a field of a contact",
        )
        for name in changes
        if name not in known or name in _NOT_RECTIFIABLE
    ]
    if problems:
        raise ValidationError(problems)
    data = to_dict(contact)
    data.update(changes)
    new = from_dict(Contact, data)
    report = validate(new, today=today, region=region)
    errors = [issue for issue in report.errors if issue.path.split(".", 1)[0] in changes]
    if errors:
        raise ValidationError(errors)
    normalised = normalise(new, region=region)
    changed = tuple(
        sorted(
            field.name
            for field in attrs.fields(Contact)
            if getattr(normalised, field.name) != getattr(contact, field.name)
        )
    )
    entry = ChangeLogEntry(
        contact_id=contact.contact_id, request_id=request_id, changed_at=today, fields=changed
    )
    return normalised, entry
