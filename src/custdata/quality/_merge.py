"""Merging a cluster of duplicates into one golden record, with the lineage of each field."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, Literal, TypeVar

import attrs

from custdata.errors import PolicyError
from custdata.model import Address, Contact

__all__ = [
    "MERGED_FIELDS",
    "STRATEGIES",
    "MergeRules",
    "Merged",
    "Strategy",
    "merge",
    "oldest_survivor",
    "repoint",
]

Strategy = Literal["most_recent", "most_frequent", "most_complete", "source_priority"]
"""A named survivorship rule (see `MergeRules`)."""

STRATEGIES: Final[tuple[str, ...]] = (
    "most_recent",
    "most_frequent",
    "most_complete",
    "source_priority",
)
"""The named survivorship rules."""

Chooser = Callable[[Sequence[tuple[Contact, object]]], Contact]
"""A user rule: given each record holding a non-empty value and that value, return the record
to take it from."""

MERGED_FIELDS: Final[tuple[str, ...]] = tuple(
    field.name
    for field in attrs.fields(Contact)
    if field.name not in {"contact_id", "created_at", "last_interaction_at"}
)
"""The fields chosen by survivorship; ``created_at`` is the oldest and
``last_interaction_at`` the latest of the cluster."""

_EPOCH: Final = dt.datetime(1, 1, 2, tzinfo=dt.UTC)

R = TypeVar("R")


def _recency(contact: Contact) -> tuple[dt.datetime, str]:
    return (contact.created_at or _EPOCH, contact.contact_id)


def oldest_survivor(cluster: Sequence[Contact]) -> Contact:
    """
    Choose the surviving record: the oldest ``created_at``, then the smallest id.

    A record without ``created_at`` counts as older than any with one.

    Args:
        cluster: The duplicates.

    Returns:
        The survivor.
    """
    return min(cluster, key=_recency)


def _check_fields(rules: Mapping[str, object]) -> dict[str, object]:
    checked = dict(rules)
    for field, rule in checked.items():
        if field not in MERGED_FIELDS:
            msg = f"MergeRules: fields names {field!r}, which is not a merged Contact field"
            raise PolicyError(msg)
        if not callable(rule) and rule not in STRATEGIES:
            msg = f"MergeRules: the rule of {field} must be one of {list(STRATEGIES)} or a function"
            raise PolicyError(msg)
    return checked


@attrs.frozen(kw_only=True)
class MergeRules:
    """
    How a cluster becomes one record: which id survives, which value each field keeps.

    Named rules, ties broken by recency then by the smallest id, so that the
    result never depends on the order of the records:

    - ``most_recent``: the value of the most recently created record that has one.
    - ``most_frequent``: the value most records hold.
    - ``most_complete``: the longest value (for an address, the one with the
      most parts filled in).
    - ``source_priority``: the value of the record whose ``acquisition_source``
      comes first in ``source_priority`` (sources not listed come last).

    Attributes:
        default: The rule of every field not in ``fields``.
        fields: A rule per field: a name above or a `Chooser` function.
        source_priority: The sources, most trusted first, for ``source_priority``.
        survivor: Chooses the record whose id survives (default `oldest_survivor`).
    """

    default: Strategy = attrs.field(
        default="most_recent", validator=attrs.validators.in_(STRATEGIES)
    )
    fields: Mapping[str, Strategy | Chooser] = attrs.field(
        factory=dict,
        converter=_check_fields,
    )
    source_priority: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    survivor: Callable[[Sequence[Contact]], Contact] = attrs.field(
        default=oldest_survivor, eq=False
    )


@attrs.frozen(kw_only=True)
class Merged:
    """
    The golden record of a cluster, and where each of its values came from.

    Attributes:
        record: The merged contact, under the surviving id.
        lineage: Each field that has a value -> the id of the record it came from.
        id_map: Each merged-away id -> the surviving id (the survivor is not a key).
    """

    record: Contact
    lineage: Mapping[str, str]
    id_map: Mapping[str, str]


def _empty(value: object) -> bool:
    return value is None or value in {"", ()}


def _size(value: object) -> int:
    if isinstance(value, Address):
        return sum(not _empty(part) for part in attrs.astuple(value, recurse=False))
    if isinstance(value, tuple):
        return len(value)
    return len(str(value))


def _choose(
    rule: str | Chooser, candidates: Sequence[tuple[Contact, object]], priority: Sequence[str]
) -> Contact:
    # Candidates are sorted most recent first, so max/min keep the most recent on ties.
    if callable(rule):
        chosen = rule(candidates)
        if all(chosen is not contact for contact, _ in candidates):
            msg = "MergeRules: a field function must return one of the records it was given"
            raise PolicyError(msg)
        return chosen
    if rule == "most_frequent":
        counts = Counter(repr(value) for _, value in candidates)
        return max(candidates, key=lambda item: counts[repr(item[1])])[0]
    if rule == "most_complete":
        return max(candidates, key=lambda item: _size(item[1]))[0]
    if rule == "source_priority":
        rank = {source: index for index, source in enumerate(priority)}
        return min(
            candidates, key=lambda item: rank.get(item[0].acquisition_source or "", len(rank))
        )[0]
    return candidates[0][0]


def merge(cluster: Sequence[Contact], rules: MergeRules | None = None) -> Merged:
    """
    Merge the contacts of one cluster into a golden record, with the lineage of each field.

    Example:
        >>> from custdata.model import Address, Contact
        >>> merged = merge([
        ...     Contact(contact_id="C2", given_name="E.", family_name="MARTIN",
        ...             phone="+33612345678"),
        ...     Contact(contact_id="C1", given_name="Élodie", family_name="Martin"),
        ... ], MergeRules(default="most_complete"))
        >>> merged.record.contact_id, merged.record.given_name, merged.record.phone
        ('C1', 'Élodie', '+33612345678')
        >>> merged.lineage["phone"], merged.id_map
        ('C2', {'C2': 'C1'})

    Args:
        cluster: The duplicates (at least one record; ids distinct).
        rules: The survivorship rules; by default `MergeRules()`.

    Returns:
        The `Merged` record.

    Raises:
        PolicyError: For an empty cluster, repeated ids, or a rule function
            that returns a record it was not given.
    """
    rules = rules if rules is not None else MergeRules()
    if not cluster:
        msg = "merge: the cluster is empty"
        raise PolicyError(msg)
    ids = [contact.contact_id for contact in cluster]
    if len(set(ids)) != len(ids):
        msg = "merge: the cluster holds the same contact id twice"
        raise PolicyError(msg)
    ordered = sorted(cluster, key=_recency, reverse=True)  # most recent first
    survivor = rules.survivor(sorted(cluster, key=_recency))
    changes: dict[str, object] = {}
    lineage: dict[str, str] = {}
    for field in MERGED_FIELDS:
        candidates = [
            (contact, value) for contact in ordered if not _empty(value := getattr(contact, field))
        ]
        if not candidates:
            continue
        source = _choose(rules.fields.get(field, rules.default), candidates, rules.source_priority)
        changes[field] = getattr(source, field)
        lineage[field] = source.contact_id
    created = [contact for contact in ordered if contact.created_at is not None]
    if created:
        oldest = min(created, key=_recency)
        changes["created_at"], lineage["created_at"] = oldest.created_at, oldest.contact_id
    touched = [contact for contact in ordered if contact.last_interaction_at is not None]
    if touched:
        latest = max(touched, key=lambda contact: (contact.last_interaction_at, contact.contact_id))
        changes["last_interaction_at"] = latest.last_interaction_at
        lineage["last_interaction_at"] = latest.contact_id
    record = Contact(contact_id=survivor.contact_id, **changes)  # type: ignore[arg-type]
    id_map = {
        contact_id: survivor.contact_id
        for contact_id in sorted(ids)
        if contact_id != survivor.contact_id
    }
    return Merged(record=record, lineage=dict(sorted(lineage.items())), id_map=id_map)


def repoint(records: Iterable[R], id_map: Mapping[str, str]) -> list[R]:
    """
    Point purchases, feedback or consents of merged-away contacts to the surviving id.

    A pure function: the records are not changed, new ones are returned.
    Chains (A -> B -> C) are followed. For consents, prefer
    `custdata.consent.merge_consents`, which also carries withdrawals over.

    Example:
        >>> from custdata.model import Feedback
        >>> import datetime as dt
        >>> note = Feedback(feedback_id="F1", contact_id="C2", kind="complaint",
        ...                 received_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
        >>> [item.contact_id for item in repoint([note], {"C2": "C1"})]
        ['C1']

    Args:
        records: Records with a ``contact_id`` (attrs classes).
        id_map: Merged-away id -> surviving id.

    Returns:
        The records in the same order, re-pointed where needed.

    Raises:
        PolicyError: For a cycle in ``id_map``.
    """
    resolved: dict[str, str] = {}
    for start in id_map:
        seen = {start}
        target = id_map[start]
        while target in id_map:
            if target in seen:
                msg = "repoint: id_map holds a cycle"
                raise PolicyError(msg)
            seen.add(target)
            target = id_map[target]
        resolved[start] = target
    out: list[R] = []
    for record in records:
        contact_id = getattr(record, "contact_id", None)
        if isinstance(contact_id, str) and contact_id in resolved:
            out.append(attrs.evolve(record, contact_id=resolved[contact_id]))  # type: ignore[misc]
        else:
            out.append(record)
    return out
