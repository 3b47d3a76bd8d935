"""The records the figures are given as, one class per table (public in `custdata.insights`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, TypeVar

import attrs

__all__ = [
    "CategoryRow",
    "LoyaltyRow",
    "MonthRow",
    "RfmRow",
    "SatisfactionRow",
    "SeasonRow",
    "Trends",
    "ValueRow",
]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class RfmRow:
    """
    Recency, frequency and monetary value of one contact, their scores and segment.

    Attributes:
        contact_id: The contact (a pseudonym if the purchases were pseudonymised).
        recency_days: Days from the last completed purchase to ``today``.
        frequency: Completed purchases.
        monetary: Their total.
        currency: The currency of ``monetary``.
        r_score: 1 to ``bins``: recent buyers score high.
        f_score: 1 to ``bins``: frequent buyers score high.
        m_score: 1 to ``bins``: big spenders score high.
        segment: ``champions``, ``loyal``, ``promising``, ``new``, ``at_risk``,
            ``hibernating`` or ``lost`` (docs/insights.md gives the table).
    """

    contact_id: str
    recency_days: int
    frequency: int
    monetary: Decimal
    currency: str
    r_score: int
    f_score: int
    m_score: int
    segment: str


@attrs.frozen(kw_only=True)
class LoyaltyRow:
    """
    The loyalty status of one contact.

    Attributes:
        contact_id: The contact.
        status: ``new``, ``occasional``, ``regular`` or ``lapsed``.
        orders: Completed purchases up to ``today``.
        orders_in_window: Completed purchases in the last ``window_days``.
        days_since_first: Days from the first completed purchase to ``today``.
        days_since_last: Days from the last completed purchase to ``today``.
    """

    contact_id: str
    status: str
    orders: int
    orders_in_window: int
    days_since_first: int
    days_since_last: int


@attrs.frozen(kw_only=True)
class ValueRow:
    """
    What one contact is worth (docs/insights.md gives every formula).

    Attributes:
        contact_id: The contact.
        currency: The currency of every amount of the row.
        revenue: Total of the completed purchases.
        orders: Completed purchases.
        average_basket: ``revenue / orders``, half-even to the minor unit; None without orders.
        discounts: Discounts of the completed purchases.
        discount_share: ``discounts / (revenue + discounts)``; None when both are zero.
        returns: Returned purchases.
        return_rate: ``returns / (orders + returns)``; None when both are zero.
        abandoned: Abandoned purchases.
        cancelled: Cancelled purchases.
        abandonment_rate: ``abandoned / all purchases``.
        tenure_days: Days from the first completed purchase to ``today``; None without orders.
        tenure_months: Calendar months from the first completed purchase's month to
            ``today``'s, both counted; None without orders.
        projected_value: ``revenue * horizon_months / tenure_months``, half-even;
            None without orders.
    """

    contact_id: str
    currency: str | None
    revenue: Decimal
    orders: int
    average_basket: Decimal | None
    discounts: Decimal
    discount_share: Decimal | None
    returns: int
    return_rate: Decimal | None
    abandoned: int
    cancelled: int
    abandonment_rate: Decimal | None
    tenure_days: int | None
    tenure_months: int | None
    projected_value: Decimal | None


@attrs.frozen(kw_only=True)
class SatisfactionRow:
    """
    NPS, CSAT and complaint rate of one group of feedback.

    Attributes:
        group: The month (``"2024-03"``), channel or segment; None for all feedback,
            or for feedback without a channel or a segment.
        feedback: Pieces of feedback.
        complaints: Those of kind ``complaint``.
        complaint_rate: ``complaints / feedback``.
        nps_answers: Answers with an NPS score.
        promoters: Scores 9 and 10.
        detractors: Scores 0 to 6.
        nps: ``100 * (promoters - detractors) / nps_answers``, in points, two decimals.
        csat_answers: Answers with a satisfaction score.
        satisfied: Scores 4 and 5.
        csat: ``satisfied / csat_answers``.
    """

    group: str | None
    feedback: int
    complaints: int
    complaint_rate: Decimal | None
    nps_answers: int
    promoters: int
    detractors: int
    nps: Decimal | None
    csat_answers: int
    satisfied: int
    csat: Decimal | None


@attrs.frozen(kw_only=True)
class MonthRow:
    """Revenue and completed orders of one month (``"2024-03"``, in each purchase's own offset)."""

    month: str
    currency: str | None
    revenue: Decimal
    orders: int


@attrs.frozen(kw_only=True)
class CategoryRow:
    """Revenue and completed orders of one line category in one month."""

    month: str
    category: str
    currency: str | None
    revenue: Decimal
    orders: int


@attrs.frozen(kw_only=True)
class SeasonRow:
    """
    The seasonality of one calendar month.

    Attributes:
        calendar_month: 1 (January) to 12.
        months: How many months of the period fall on it.
        average_revenue: Their average revenue, half-even to the minor unit.
        currency: Its currency.
        index: ``average_revenue / average over all months``, four decimals;
            None when the period has no revenue.
    """

    calendar_month: int
    months: int
    average_revenue: Decimal
    currency: str | None
    index: Decimal | None


@attrs.frozen(kw_only=True)
class Trends(Generic[T]):
    """
    The three tables of `trends`, each a list of records or a frame of the input's kind.

    Attributes:
        months: `MonthRow` for every month from the first to the last purchase, empty ones included.
        categories: `CategoryRow` for each month and category with revenue or orders.
        seasonality: `SeasonRow` for each calendar month of the period.
    """

    months: T
    categories: T
    seasonality: T
