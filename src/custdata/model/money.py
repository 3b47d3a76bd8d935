"""`Money`: an exact amount in a currency."""

from __future__ import annotations

from decimal import Decimal

import attrs

from custdata.model._record import Record
from custdata.model.categories import Category, category_field

__all__ = ["Money"]


@attrs.frozen(kw_only=True)
class Money(Record):
    """
    An exact amount of money.

    Example:
        >>> Money(amount=Decimal("19.90"), currency="EUR").to_dict()
        {'amount': '19.90', 'currency': 'EUR'}

    Attributes:
        amount: The amount as a `Decimal`; never a float.
        currency: The ISO 4217 code, such as ``"EUR"`` (checked by validation).
    """

    amount: Decimal = category_field(Category.PERSONAL)
    currency: str = category_field(Category.NOT_PERSONAL)
