"""The closed vocabularies of the domain model."""

from __future__ import annotations

import enum

__all__ = [
    "Channel",
    "ConsentStatus",
    "FeedbackKind",
    "Gender",
    "PaymentMethod",
    "PurchaseStatus",
]


class Channel(enum.StrEnum):
    """A channel through which a customer is contacted, buys or answers."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"
    PUSH = "push"
    WEB = "web"
    APP = "app"
    STORE = "store"
    SOCIAL = "social"
    MARKETPLACE = "marketplace"


class Gender(enum.StrEnum):
    """Gender as the customer declared it."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


class PaymentMethod(enum.StrEnum):
    """How a purchase was paid."""

    CARD = "card"
    PAYPAL = "paypal"
    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    CASH = "cash"
    CHEQUE = "cheque"
    GIFT_CARD = "gift_card"
    VOUCHER = "voucher"
    OTHER = "other"


class PurchaseStatus(enum.StrEnum):
    """What became of a purchase."""

    COMPLETED = "completed"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


class ConsentStatus(enum.StrEnum):
    """Whether a consent event grants or withdraws consent."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class FeedbackKind(enum.StrEnum):
    """What a piece of feedback is."""

    SURVEY = "survey"
    COMPLAINT = "complaint"
    QUESTION = "question"
    REVIEW = "review"
