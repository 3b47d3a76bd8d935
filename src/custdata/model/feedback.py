"""`Feedback`: surveys, NPS, satisfaction, complaints and their comments."""

from __future__ import annotations

import datetime as dt

import attrs

from custdata.model._record import Record, aware, optional_enum
from custdata.model.categories import Category, category_field
from custdata.model.enums import Channel, FeedbackKind

__all__ = ["Feedback"]


@attrs.frozen(kw_only=True)
class Feedback(Record):
    """
    A survey answer, a complaint, a question or a review.

    The free-text ``comment`` is personal data and may hold anything the
    person wrote, including their email, phone or health (GDPR article 9
    data): scrub it before it leaves a boundary.

    Attributes:
        feedback_id: The host's identifier of the answer or ticket.
        contact_id: Who gave it.
        received_at: When (time zone aware).
        kind: ``survey``, ``complaint``, ``question`` or ``review``.
        nps: Net Promoter Score answer, 0 to 10 (checked by validation).
        satisfaction: Satisfaction score, 1 to 5 (checked by validation).
        comment: Free text.
        channel: Where it came in.
        survey_id: The survey it answers, if any.
    """

    feedback_id: str = category_field(Category.DIRECT_IDENTIFIER)
    contact_id: str = category_field(Category.DIRECT_IDENTIFIER)
    received_at: dt.datetime = category_field(Category.PERSONAL, validator=aware)
    kind: FeedbackKind = category_field(Category.PERSONAL, converter=FeedbackKind)
    nps: int | None = category_field(Category.PERSONAL, default=None)
    satisfaction: int | None = category_field(Category.PERSONAL, default=None)
    comment: str | None = category_field(Category.PERSONAL, default=None)
    channel: Channel | None = category_field(
        Category.PERSONAL, default=None, converter=optional_enum(Channel)
    )
    survey_id: str | None = category_field(Category.NOT_PERSONAL, default=None)
