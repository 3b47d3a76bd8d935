"""Shared records for the lifecycle tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from custdata import Consent, Contact, Feedback, Money, Purchase

TODAY = dt.date(2026, 12, 1)


def at(year: int, month: int, day: int) -> dt.datetime:
    """Noon UTC on a day."""
    return dt.datetime(year, month, day, 12, 0, tzinfo=dt.UTC)


def contact(contact_id: str, **fields: object) -> Contact:
    """A contact with a name, an email and a phone, plus ``fields``."""
    base: dict[str, object] = {
        "contact_id": contact_id,
        "given_name": "Élodie",
        "family_name": "Martin",
        "email": f"{contact_id.lower()}@example.org",
        "phone": "+33612345678",
    }
    base.update(fields)
    return Contact(**base)  # type: ignore[arg-type]


def purchase(
    purchase_id: str, contact_id: str, when: dt.datetime, status: str = "completed"
) -> Purchase:
    """A purchase of 10 EUR."""
    return Purchase(
        purchase_id=purchase_id,
        contact_id=contact_id,
        purchased_at=when,
        total=Money(amount=Decimal("10.00"), currency="EUR"),
        status=status,  # type: ignore[arg-type]
    )


def consent(
    contact_id: str, when: dt.datetime, status: str = "granted", purpose: str = "newsletter"
) -> Consent:
    """A consent event by email."""
    return Consent(
        contact_id=contact_id,
        purpose=purpose,
        channel="email",  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        recorded_at=when,
    )


def feedback(feedback_id: str, contact_id: str, when: dt.datetime) -> Feedback:
    """A survey answer."""
    return Feedback(
        feedback_id=feedback_id,
        contact_id=contact_id,
        received_at=when,
        kind="survey",  # type: ignore[arg-type]
        nps=9,
        comment="Très bien",
    )
