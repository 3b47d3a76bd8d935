"""Builders of purchases and feedback for the insights tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from custdata import Feedback, LineItem, Money, Purchase

UTC = dt.UTC


def money(amount: str, currency: str = "EUR") -> Money:
    """An amount."""
    return Money(amount=Decimal(amount), currency=currency)


_count = iter(range(10**9))


def buy(  # one keyword per field a test sets
    contact: str,
    day: dt.date | dt.datetime,
    total: str,
    *,
    status: str = "completed",
    currency: str = "EUR",
    discount: str | None = None,
    lines: tuple[LineItem, ...] = (),
) -> Purchase:
    """A purchase of ``contact`` at noon UTC on ``day`` (or at the moment given)."""
    moment = (
        day
        if isinstance(day, dt.datetime)
        else dt.datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    )
    return Purchase(
        purchase_id=f"P{next(_count)}",
        contact_id=contact,
        purchased_at=moment,
        total=money(total, currency),
        status=status,
        discount=None if discount is None else money(discount, currency),
        lines=lines,
    )


def line(quantity: int, price: str, category: str | None, currency: str = "EUR") -> LineItem:
    """A line of a basket."""
    return LineItem(
        sku="SKU", quantity=quantity, unit_price=money(price, currency), category=category
    )


def answer(  # one keyword per field a test sets
    contact: str = "C1",
    *,
    kind: str = "survey",
    nps: int | None = None,
    score: int | None = None,
    channel: str | None = None,
    at: dt.datetime | None = None,
) -> Feedback:
    """A piece of feedback."""
    return Feedback(
        feedback_id=f"F{next(_count)}",
        contact_id=contact,
        received_at=at or dt.datetime(2024, 5, 1, 12, tzinfo=UTC),
        kind=kind,
        nps=nps,
        satisfaction=score,
        channel=channel,
    )
