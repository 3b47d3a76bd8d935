"""
The domain model: typed customer records, each field with its personal-data category.

Records are frozen, slotted, keyword-only attrs classes. ``from_dict`` checks
shape and types and raises `custdata.ValidationError` listing every problem;
``to_dict`` gives a JSON-safe dict that ``from_dict`` reverses exactly.
"""

from __future__ import annotations

from typing import Final

from custdata.model._codec import (
    LIST_SEPARATOR,
    flat_columns,
    from_dict,
    from_flat,
    schema,
    to_dict,
    to_flat,
)
from custdata.model._record import Record
from custdata.model._time import TimeZone, check_tz
from custdata.model.categories import Category, categories
from custdata.model.consent import Consent
from custdata.model.contact import Address, Contact
from custdata.model.enums import (
    Channel,
    ConsentStatus,
    FeedbackKind,
    Gender,
    PaymentMethod,
    PurchaseStatus,
)
from custdata.model.feedback import Feedback
from custdata.model.money import Money
from custdata.model.purchase import LineItem, Purchase

__all__ = [
    "LIST_SEPARATOR",
    "RECORD_TYPES",
    "Address",
    "Category",
    "Channel",
    "Consent",
    "ConsentStatus",
    "Contact",
    "Feedback",
    "FeedbackKind",
    "Gender",
    "LineItem",
    "Money",
    "PaymentMethod",
    "Purchase",
    "PurchaseStatus",
    "Record",
    "TimeZone",
    "categories",
    "check_tz",
    "flat_columns",
    "from_dict",
    "from_flat",
    "schema",
    "to_dict",
    "to_flat",
]

RECORD_TYPES: Final[dict[str, type[Record]]] = {
    "contact": Contact,
    "purchase": Purchase,
    "consent": Consent,
    "feedback": Feedback,
}
"""The top-level record types by the name the command line uses (``--type contact``)."""
