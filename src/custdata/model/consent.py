"""`Consent`: one event of a person granting or withdrawing consent."""

from __future__ import annotations

import datetime as dt

import attrs

from custdata.model._record import Record, aware
from custdata.model.categories import Category, category_field
from custdata.model.enums import Channel, ConsentStatus

__all__ = ["Consent"]


@attrs.frozen(kw_only=True)
class Consent(Record):
    """
    A consent event: granted or withdrawn, for one purpose on one channel.

    A person's current consent is the latest event per purpose and channel
    (the consent ledger computes it); events are never edited, only appended.

    Attributes:
        contact_id: Whose consent.
        purpose: What for (``"newsletter"``, ``"partners"``, ``"profiling"``...).
        channel: On which channel.
        status: ``granted`` or ``withdrawn``.
        recorded_at: When it was given or withdrawn (time zone aware).
        source: Where it was collected (``"checkout_form"``, ``"store_tablet"``...).
        policy_version: The version of the privacy notice shown.
        proof: A reference to the proof kept by the host (form id, signed record...).
    """

    contact_id: str = category_field(Category.DIRECT_IDENTIFIER)
    purpose: str = category_field(Category.PERSONAL)
    channel: Channel = category_field(Category.PERSONAL, converter=Channel)
    status: ConsentStatus = category_field(Category.PERSONAL, converter=ConsentStatus)
    recorded_at: dt.datetime = category_field(Category.PERSONAL, validator=aware)
    source: str | None = category_field(Category.PERSONAL, default=None)
    policy_version: str | None = category_field(Category.NOT_PERSONAL, default=None)
    proof: str | None = category_field(Category.PERSONAL, default=None)
