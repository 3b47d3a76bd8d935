"""`Audit`: what one run of a policy did, counted; never a value or a key (private module)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Audit", "FieldCount"]


@attrs.frozen(kw_only=True)
class FieldCount:
    """
    What one released field went through in a run.

    Attributes:
        rule: The transform's registry name, or ``"keep"``.
        values: Values protected (or kept) in rows written.
        empty: Empty values (``None``) in rows written.
    """

    rule: str
    values: int = 0
    empty: int = 0


@attrs.frozen(kw_only=True)
class Audit:
    """
    The account of one run of a bound policy: counts, codes and names, never a value or key byte.

    Counts reconcile: ``rows_read == rows_written + rows_rejected``.

    Attributes:
        policy: The policy's name.
        version: The policy's version.
        fingerprint: The policy's fingerprint (`custdata.Policy.fingerprint`).
        record_type: ``"contact"``, ``"purchase"``, ``"consent"`` or ``"feedback"``.
        key_ids: The ids of the keys the run's keyed transforms used, sorted.
        today: The ``today`` the policy was bound with, if any.
        reference: The reference date of dated rules, if any.
        region: The region values were read in.
        normalised: Whether records were normalised before protection.
        reject_invalid: Whether rows with an invalid value were rejected.
        validated: Whether records were validated; when not (``validate=False``
            in `custdata.Policy.bind`), ``invalid`` counts nothing.
        rows_read: Rows given to the run.
        rows_written: Protected rows returned.
        rows_rejected: Rejects returned.
        fields: Per released field, its rule and counts, in output order.
        dropped: The fields not released, in column order.
        invalid: Values that failed validation, by released field and code (they
            were protected as given, or rejected their row with ``reject_invalid``).
        rejects: The issues that rejected rows, by code (a reject also lists the
            validation errors of its released fields, counted in ``invalid``).
        rejects_by_field: The issues that rejected rows, by field and code.
        columns_not_passed: Input columns that are not fields of the record type,
            and how many rows had them; none of them is released.
        started_at: When the run started, as the caller gave it (the command
            line does); custdata never reads the clock.
        ended_at: When the run ended, as the caller gave it.
    """

    policy: str
    version: int
    fingerprint: str
    record_type: str
    key_ids: tuple[str, ...]
    today: dt.date | None
    reference: dt.date | None
    region: str
    normalised: bool
    reject_invalid: bool
    validated: bool
    rows_read: int
    rows_written: int
    rows_rejected: int
    fields: Mapping[str, FieldCount]
    dropped: tuple[str, ...]
    invalid: Mapping[str, Mapping[str, int]]
    rejects: Mapping[str, int]
    rejects_by_field: Mapping[str, Mapping[str, int]]
    columns_not_passed: Mapping[str, int]
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None

    def with_times(
        self, *, started_at: dt.datetime | None = None, ended_at: dt.datetime | None = None
    ) -> Audit:
        """
        The same audit with the start and end times the caller measured.

        Args:
            started_at: When the run started (time zone aware).
            ended_at: When it ended (time zone aware).

        Returns:
            A new audit.

        Raises:
            TypeError: If a time is not a time zone aware datetime.
        """
        for name, value in (("started_at", started_at), ("ended_at", ended_at)):
            if value is not None and (
                not isinstance(value, dt.datetime) or value.utcoffset() is None
            ):
                msg = f"{name} must be a time zone aware datetime"
                raise TypeError(msg)
        return attrs.evolve(self, started_at=started_at, ended_at=ended_at)

    def to_dict(self) -> dict[str, Any]:
        """
        The audit as a JSON-safe dict (dates in ISO 8601).

        Returns:
            The dict, keys in a stable order.
        """

        def iso(value: dt.date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "policy": {
                "name": self.policy,
                "version": self.version,
                "fingerprint": self.fingerprint,
                "record_type": self.record_type,
            },
            "key_ids": list(self.key_ids),
            "today": iso(self.today),
            "reference": iso(self.reference),
            "region": self.region,
            "normalised": self.normalised,
            "reject_invalid": self.reject_invalid,
            "validated": self.validated,
            "rows": {
                "read": self.rows_read,
                "written": self.rows_written,
                "rejected": self.rows_rejected,
            },
            "fields": {
                path: {"rule": count.rule, "values": count.values, "empty": count.empty}
                for path, count in self.fields.items()
            },
            "dropped": list(self.dropped),
            "invalid": {path: dict(codes) for path, codes in self.invalid.items()},
            "rejects": dict(self.rejects),
            "rejects_by_field": {
                path: dict(codes) for path, codes in self.rejects_by_field.items()
            },
            "columns_not_passed": dict(self.columns_not_passed),
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """
        The audit as JSON text (`to_dict`).

        Args:
            indent: JSON indentation; ``None`` for one line.

        Returns:
            The JSON document.
        """
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
