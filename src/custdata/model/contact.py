"""`Contact` and its `Address`: who a customer is and how to reach them."""

from __future__ import annotations

import datetime as dt

import attrs

from custdata.model._record import Record, aware, enum_tuple, optional_enum
from custdata.model.categories import Category, category_field
from custdata.model.enums import Channel, Gender

__all__ = ["Address", "Contact"]


@attrs.frozen(kw_only=True)
class Address(Record):
    """
    A postal address.

    Attributes:
        line1: Street and number (``"12 rue des Lilas"``).
        line2: Building, floor, "lieu-dit", c/o.
        postal_code: As written locally (``"75011"``, ``"SW1A 1AA"``, ``"20000"``).
        city: City or commune.
        region: Region, state or province.
        country: ISO 3166-1 alpha-2 code, such as ``"FR"``.
    """

    line1: str | None = category_field(Category.DIRECT_IDENTIFIER, default=None)
    line2: str | None = category_field(Category.DIRECT_IDENTIFIER, default=None)
    postal_code: str | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    city: str | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    region: str | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    country: str | None = category_field(Category.QUASI_IDENTIFIER, default=None)


@attrs.frozen(kw_only=True)
class Contact(Record):
    """
    A customer or prospect, as a CRM keeps them.

    Only ``contact_id`` is required: customer files are rarely complete.

    Attributes:
        contact_id: The host's identifier of the person.
        given_name: First name(s), accents kept.
        family_name: Last name(s).
        email: Email address.
        phone: Phone number, E.164 once normalised.
        address: Postal address.
        birth_date: Date of birth.
        gender: Gender as declared.
        preferred_channels: Channels the person prefers to be contacted on.
        acquisition_source: Where the person came from (``"salon"``, ``"web_ads"``...).
        interests: Declared or inferred interests.
        income_band: Income band label, as the host defines its bands.
        company: Employer or company (B2B).
        job_title: Job title (B2B).
        created_at: When the contact was created (time zone aware).
        last_interaction_at: The last interaction (time zone aware).
    """

    contact_id: str = category_field(Category.DIRECT_IDENTIFIER)
    given_name: str | None = category_field(Category.DIRECT_IDENTIFIER, default=None)
    family_name: str | None = category_field(Category.DIRECT_IDENTIFIER, default=None)
    email: str | None = category_field(Category.DIRECT_IDENTIFIER, default=None)
    phone: str | None = category_field(Category.DIRECT_IDENTIFIER, default=None)
    address: Address | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    birth_date: dt.date | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    gender: Gender | None = category_field(
        Category.QUASI_IDENTIFIER, default=None, converter=optional_enum(Gender)
    )
    preferred_channels: tuple[Channel, ...] = category_field(
        Category.PERSONAL, default=(), converter=enum_tuple(Channel)
    )
    acquisition_source: str | None = category_field(Category.PERSONAL, default=None)
    interests: tuple[str, ...] = category_field(Category.PERSONAL, default=(), converter=tuple)
    income_band: str | None = category_field(Category.PERSONAL, default=None)
    company: str | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    job_title: str | None = category_field(Category.QUASI_IDENTIFIER, default=None)
    created_at: dt.datetime | None = category_field(
        Category.PERSONAL, default=None, validator=aware
    )
    last_interaction_at: dt.datetime | None = category_field(
        Category.PERSONAL, default=None, validator=aware
    )
