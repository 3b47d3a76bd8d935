"""Hand-made records (all fake) shared by the io tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from custdata.model import (
    Address,
    Channel,
    Consent,
    ConsentStatus,
    Contact,
    Feedback,
    FeedbackKind,
    Gender,
    LineItem,
    Money,
    Purchase,
)

PARIS = dt.timezone(dt.timedelta(hours=2))


def contacts() -> list[Contact]:
    """Contacts with the awkward cases: formulas, phones, lists, accents, nested records."""
    return [
        Contact(
            contact_id="C-0001",
            given_name="Élodie",
            family_name="Martin",
            email="elodie.martin@example.com",
            phone="+33612345678",
            address=Address(
                line1="12 rue des Lilas", postal_code="75011", city="Paris", country="FR"
            ),
            birth_date=dt.date(1985, 7, 14),
            gender=Gender.FEMALE,
            preferred_channels=(Channel.EMAIL, Channel.SMS),
            interests=("randonnée", "cuisine"),
            created_at=dt.datetime(2024, 3, 1, 9, 30, tzinfo=PARIS),
        ),
        Contact(
            contact_id="C-0002",
            given_name='=HYPERLINK("http://example.org")',
            family_name="-Durand",
            company="@acme",
            job_title="+chef",
            phone="-12.5",
            income_band="'=already quoted",
            acquisition_source='line\nbreak; and, "quotes"',
        ),
        Contact(contact_id="C-0003"),
    ]


def purchases() -> list[Purchase]:
    """Purchases with lines, a discount and exact decimals."""
    eur = "EUR"
    return [
        Purchase(
            purchase_id="P-1001",
            contact_id="C-0001",
            purchased_at=dt.datetime(2024, 5, 18, 15, 4, tzinfo=PARIS),
            total=Money(amount=Decimal("49.90"), currency=eur),
            lines=(
                LineItem(
                    sku="TSHIRT-M",
                    quantity=2,
                    unit_price=Money(amount=Decimal("19.95"), currency=eur),
                    name="T-shirt « bio »",
                ),
            ),
            discount=Money(amount=Decimal("10.00"), currency=eur),
            channel=Channel.WEB,
        )
    ]


def consents() -> list[Consent]:
    """One consent event."""
    return [
        Consent(
            contact_id="C-0001",
            purpose="newsletter",
            channel=Channel.EMAIL,
            status=ConsentStatus.GRANTED,
            recorded_at=dt.datetime(2024, 3, 1, 9, 31, tzinfo=dt.UTC),
            policy_version="2024-01",
        )
    ]


def feedbacks() -> list[Feedback]:
    """One feedback with a comment holding a formula-like start."""
    return [
        Feedback(
            feedback_id="F-0042",
            contact_id="C-0002",
            received_at=dt.datetime(2024, 6, 2, 11, 0, tzinfo=dt.UTC),
            kind=FeedbackKind.SURVEY,
            nps=9,
            comment="-- très bien --",
        )
    ]


@pytest.fixture
def sample_contacts() -> list[Contact]:
    """Contacts with formulas, phones, lists and nested records."""
    return contacts()


@pytest.fixture
def sample_feedbacks() -> list[Feedback]:
    """One feedback."""
    return feedbacks()


@pytest.fixture(
    params=[
        (Contact, contacts),
        (Purchase, purchases),
        (Consent, consents),
        (Feedback, feedbacks),
    ],
    ids=["contact", "purchase", "consent", "feedback"],
)
def records(request: pytest.FixtureRequest) -> tuple[type, list[object]]:
    """A record type and a few records of it."""
    record_type, make = request.param
    return record_type, make()
