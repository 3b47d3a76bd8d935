"""`Purchase` and its `LineItem`s."""

from __future__ import annotations

import datetime as dt

import attrs

from custdata.model._record import Record, aware, optional_enum
from custdata.model.categories import Category, category_field
from custdata.model.enums import Channel, PaymentMethod, PurchaseStatus
from custdata.model.money import Money

__all__ = ["LineItem", "Purchase"]


@attrs.frozen(kw_only=True)
class LineItem(Record):
    """
    One line of a basket.

    What a person bought is personal data once linked to them, so every field
    is `Category.PERSONAL` but the currency.

    Attributes:
        sku: Product code.
        quantity: Units bought.
        unit_price: Price of one unit, before the purchase's discount.
        name: Product name.
        category: Product category (``"shoes"``, ``"books"``...).
    """

    sku: str = category_field(Category.PERSONAL)
    quantity: int = category_field(Category.PERSONAL)
    unit_price: Money = category_field(Category.PERSONAL)
    name: str | None = category_field(Category.PERSONAL, default=None)
    category: str | None = category_field(Category.PERSONAL, default=None)


@attrs.frozen(kw_only=True)
class Purchase(Record):
    """
    An order, a basket or a return.

    Attributes:
        purchase_id: The host's order number.
        contact_id: Who bought.
        purchased_at: When (time zone aware).
        total: Amount paid, after discount.
        lines: The basket.
        payment_method: How it was paid.
        discount: Discount granted on the whole purchase.
        channel: Where it was bought (``web``, ``store``, ``app``...).
        status: ``completed`` (the default), ``returned``, ``cancelled`` or ``abandoned``.
    """

    purchase_id: str = category_field(Category.DIRECT_IDENTIFIER)
    contact_id: str = category_field(Category.DIRECT_IDENTIFIER)
    purchased_at: dt.datetime = category_field(Category.QUASI_IDENTIFIER, validator=aware)
    total: Money = category_field(Category.PERSONAL)
    lines: tuple[LineItem, ...] = category_field(Category.PERSONAL, default=(), converter=tuple)
    payment_method: PaymentMethod | None = category_field(
        Category.PERSONAL, default=None, converter=optional_enum(PaymentMethod)
    )
    discount: Money | None = category_field(Category.PERSONAL, default=None)
    channel: Channel | None = category_field(
        Category.PERSONAL, default=None, converter=optional_enum(Channel)
    )
    status: PurchaseStatus = category_field(
        Category.PERSONAL, default=PurchaseStatus.COMPLETED, converter=PurchaseStatus
    )
