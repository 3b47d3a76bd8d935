"""Applying a retention plan to Arrow tables, column-wise, without a record per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from custdata.errors import PolicyError
from custdata.lifecycle._plan import ARCHIVED_FIELDS, RetentionPlan, consent_id
from custdata.lifecycle._rules import Action

if TYPE_CHECKING:
    from custdata.keys import KeyRing
    from custdata.policy import Policy

__all__ = ["AppliedFrames", "apply_plan_frames"]


@attrs.frozen(kw_only=True)
class AppliedFrames:
    """
    A plan applied to Arrow tables: what the host keeps, archives, pseudonymises and erases.

    Attributes:
        kept: The rows kept (and the unplanned ones), by record type, as given.
        archived: The held rows by record type: the held columns only, with
            ``record_id``, ``until`` and ``reason``.
        pseudonymised: The pseudonymised rows by record type and policy name,
            as `custdata.frames.apply_frame` returns them (still personal data).
        erased: The ids erased, by record type.
        unplanned: Ids the plan does not cover, by record type: kept, to plan again.
    """

    kept: dict[str, Any]
    archived: dict[str, Any]
    pseudonymised: dict[str, dict[str, Any]]
    erased: dict[str, list[str]]
    unplanned: dict[str, list[str]]


def _ids(table: Any, record_type: str) -> list[str]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if record_type != "consent":
        return [str(value) for value in table.column(f"{record_type}_id").to_pylist()]
    columns = []
    for name in ("contact_id", "purpose", "channel", "status"):
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column.to_pylist())
    recorded = table.column("recorded_at")
    if recorded.type.tz is None:
        recorded = pc.assume_timezone(recorded, "UTC")
    moments: list[dt.datetime] = recorded.to_pylist()
    return [
        consent_id(contact_id, purpose, channel, status, moment)
        for contact_id, purpose, channel, status, moment in zip(*columns, moments, strict=True)
    ]


def apply_plan_frames(
    plan: RetentionPlan,
    *,
    contacts: object = None,
    purchases: object = None,
    feedback: object = None,
    consents: object = None,
    policies: Mapping[str, Policy] | Iterable[Policy] = (),
    keys: KeyRing | None = None,
    today: dt.date,
    region: str = "FR",
) -> AppliedFrames:
    """
    Apply a plan to Arrow tables (the frames' typed tables), returning each part separately.

    The frame path of `apply_plan`: rows are selected with Arrow filters, held
    columns with a projection, and pseudonymised with
    `custdata.frames.apply_frame`; the tables given are never changed.

    Args:
        plan: The plan, from `plan_retention`.
        contacts: An Arrow table of contacts, or ``None``.
        purchases: An Arrow table of purchases, or ``None``.
        feedback: An Arrow table of feedback, or ``None``.
        consents: An Arrow table of consent events, or ``None``.
        policies: The policies the plan's ``pseudonymise`` entries name.
        keys: The key ring of keyed policies.
        today: The reference day of dated policies.
        region: The country assumed for phones and postal codes.

    Returns:
        What is kept, archived (held columns only), pseudonymised and erased.

    Raises:
        PolicyError: If an entry names a policy that is not given.
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
    """
    from custdata.frames import apply_frame
    from custdata.frames._arrow import _pyarrow

    pa = _pyarrow()
    by_name = dict(policies) if isinstance(policies, Mapping) else {p.name: p for p in policies}
    decided = {
        (entry.record_type, entry.record_id): entry
        for entry in plan
        if entry.record_type != "do_not_contact"
    }
    result = AppliedFrames(kept={}, archived={}, pseudonymised={}, erased={}, unplanned={})
    inputs: tuple[tuple[str, Any], ...] = (
        ("contact", contacts),
        ("purchase", purchases),
        ("feedback", feedback),
        ("consent", consents),
    )
    table: Any
    for record_type, table in inputs:
        if table is None:
            continue
        ids = _ids(table, record_type)
        entries = [decided.get((record_type, record_id)) for record_id in ids]
        actions = [Action.KEEP if entry is None else entry.action for entry in entries]
        unplanned = [record_id for record_id, e in zip(ids, entries, strict=True) if e is None]
        if unplanned:
            result.unplanned[record_type] = unplanned
        result.kept[record_type] = table.filter(pa.array([a is Action.KEEP for a in actions]))
        erased = [i for i, a in zip(ids, actions, strict=True) if a is Action.ERASE]
        if erased:
            result.erased[record_type] = erased
        held_rows = [index for index, action in enumerate(actions) if action is Action.ARCHIVE]
        if held_rows:
            held = ARCHIVED_FIELDS.get(record_type, ())
            columns = [name for name in table.column_names if name.split(".", 1)[0] in held]
            archived = table.take(pa.array(held_rows, type=pa.int64())).select(columns)
            archived = archived.append_column("record_id", pa.array([ids[i] for i in held_rows]))
            chosen = [entries[i] for i in held_rows]
            archived = archived.append_column(
                "until", pa.array([e.until if e else None for e in chosen], type=pa.date32())
            )
            archived = archived.append_column(
                "reason", pa.array([e.reason if e else "" for e in chosen])
            )
            result.archived[record_type] = archived
        names = sorted(
            {
                entry.policy or ""
                for entry in entries
                if entry is not None and entry.action is Action.PSEUDONYMISE
            }
        )
        for name in names:
            policy = by_name.get(name)
            if policy is None:
                msg = f"apply_plan_frames: policies: no policy named {name!r} is given"
                raise PolicyError(msg)
            mask = [
                entry is not None and entry.action is Action.PSEUDONYMISE and entry.policy == name
                for entry in entries
            ]
            bound = policy.bind(keys=keys, today=today, region=region)
            done = apply_frame(bound, table.filter(pa.array(mask)))
            result.pseudonymised.setdefault(record_type, {})[name] = done.frame
    return result
