"""
The columns `ConsentLedger.audience` needs, from records or from a frame.

A frame (pyarrow, pandas or polars) is read as Arrow; only the columns the
answer needs are read, so a frame may hold any other column. pyarrow loads
only when a frame is given.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from typing import Any

from custdata.errors import MissingDependencyError
from custdata.model import Contact, Purchase, PurchaseStatus

__all__ = ["contact_columns", "last_purchases"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)
_COMPLETED = PurchaseStatus.COMPLETED


def _frame_kind(value: object) -> str | None:
    """``"arrow"``, ``"pandas"`` or ``"polars"`` for a frame of a loaded library, else None."""
    module = type(value).__module__.split(".", 1)[0]
    if module == "pyarrow":
        pa = sys.modules.get("pyarrow")
        if pa is not None and isinstance(value, (pa.Table, pa.RecordBatch)):
            return "arrow"
    if module == "pandas":
        return "pandas"
    if module == "polars":
        return "polars"
    return None


def _arrow(frame: Any, kind: str) -> Any:
    try:
        import pyarrow as pa
    except ImportError:
        package = "pyarrow"
        raise MissingDependencyError(package, "arrow") from None
    if kind == "arrow":
        return frame if isinstance(frame, pa.Table) else pa.Table.from_batches([frame])
    if kind == "pandas":
        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame.to_arrow()


def _column(table: Any, name: str) -> list[object] | None:
    if name not in table.column_names:
        return None
    return list(table.column(name).to_pylist())


def _moment(value: object) -> dt.datetime | None:
    """A cell as an aware datetime; text in ISO 8601; a naive or unreadable cell as None."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return value
    return None


def _company(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def contact_columns(
    contacts: object, is_business: Callable[[Contact], bool] | None
) -> tuple[list[str], list[bool], list[dt.datetime | None], int]:
    """
    Read contact ids, business flags and last interactions from records or a frame.

    Args:
        contacts: `custdata.Contact` records, or a frame.
        is_business: The host's test of a professional; by default, a non-empty ``company``.

    Returns:
        The ids, the flags, the last interactions, and how many frame rows had no id.

    Raises:
        TypeError: For anything else.
    """
    kind = _frame_kind(contacts)
    if kind is None:
        if not isinstance(contacts, Iterable) or isinstance(contacts, (str, bytes)):
            msg = "contacts must be Contact records or a pyarrow, pandas or polars frame"
            raise TypeError(msg)
        records = list(contacts)
        for record in records:
            if not isinstance(record, Contact):
                msg = "contacts must be Contact records or a pyarrow, pandas or polars frame"
                raise TypeError(msg)
        test = is_business or (lambda contact: _company(contact.company))
        return (
            [record.contact_id for record in records],
            [bool(test(record)) for record in records],
            [record.last_interaction_at for record in records],
            0,
        )
    table = _arrow(contacts, kind)
    if is_business is not None:
        from custdata.frames import from_frame

        read = from_frame(table, Contact)
        found = contact_columns(read.records, is_business)
        return found[0], found[1], found[2], read.rejected
    raw_ids = _column(table, "contact_id")
    if raw_ids is None:
        msg = "the contacts frame has no contact_id column"
        raise ValueError(msg)
    companies = _column(table, "company") or [None] * len(raw_ids)
    interactions = _column(table, "last_interaction_at") or [None] * len(raw_ids)
    ids: list[str] = []
    business: list[bool] = []
    last: list[dt.datetime | None] = []
    unreadable = 0
    for contact_id, company, moment in zip(raw_ids, companies, interactions, strict=True):
        if not isinstance(contact_id, str) or not contact_id:
            unreadable += 1
            continue
        ids.append(contact_id)
        business.append(_company(company))
        last.append(_moment(moment))
    return ids, business, last, unreadable


def last_purchases(purchases: object, until: int) -> dict[str, dt.datetime]:
    """
    Return each contact's last completed purchase at or before ``until`` (microseconds).

    Args:
        purchases: `custdata.Purchase` records, or a frame with ``contact_id``,
            ``purchased_at`` and optionally ``status`` (completed when absent).
        until: The moment asked about, in microseconds since 1970 UTC.

    Returns:
        Contact id -> moment of the last completed purchase.

    Raises:
        TypeError: For anything else than records or a frame.
    """
    limit = _EPOCH + until * _MICRO
    found: dict[str, dt.datetime] = {}
    kind = _frame_kind(purchases)
    if kind is None:
        if not isinstance(purchases, Iterable) or isinstance(purchases, (str, bytes)):
            msg = "purchases must be Purchase records or a pyarrow, pandas or polars frame"
            raise TypeError(msg)
        for purchase in purchases:
            if not isinstance(purchase, Purchase):
                msg = "purchases must be Purchase records or a pyarrow, pandas or polars frame"
                raise TypeError(msg)
            if purchase.status is not _COMPLETED:
                continue
            moment = purchase.purchased_at
            if moment <= limit:
                best = found.get(purchase.contact_id)
                if best is None or moment > best:
                    found[purchase.contact_id] = moment
        return found
    table = _arrow(purchases, kind)
    ids = _column(table, "contact_id")
    moments = _column(table, "purchased_at")
    if ids is None or moments is None:
        msg = "the purchases frame needs contact_id and purchased_at columns"
        raise ValueError(msg)
    statuses = _column(table, "status") or [None] * len(ids)
    for contact_id, raw, status in zip(ids, moments, statuses, strict=True):
        if not isinstance(contact_id, str) or status not in (None, "completed"):
            continue
        when = _moment(raw)
        if when is None or when > limit:
            continue
        best = found.get(contact_id)
        if best is None or when > best:
            found[contact_id] = when
    return found
