"""What differs from one locale to another: Faker sources, country, currency, language."""

from __future__ import annotations

from typing import Final

import attrs

from custdata._reserved import PHONE_PLANS, PhonePlan

__all__ = ["LOCALES", "LocaleProfile"]


@attrs.frozen(kw_only=True)
class LocaleProfile:
    """
    How to build people of one locale.

    Attributes:
        locale: The public locale name, such as ``"fr_FR"``.
        country: ISO 3166-1 alpha-2 code written in addresses.
        currency: ISO 4217 code of purchases.
        language: ``"fr"``, ``"de"`` or ``"en"``: comments and product names.
        names: Faker locale of given and family names.
        places: Faker locale of postal codes, cities and regions.
        streets: Faker locale of street names.
        work: Faker locale of companies and job titles.
        region_method: The Faker method that gives a region, state or county.
        number_first: Whether the building number comes before the street name.
        phones: The fiction phone plan.
    """

    locale: str
    country: str
    currency: str
    language: str
    names: str
    places: str
    streets: str
    work: str
    region_method: str
    number_first: bool
    phones: PhonePlan


LOCALES: Final[dict[str, LocaleProfile]] = {
    "fr_FR": LocaleProfile(
        locale="fr_FR",
        country="FR",
        currency="EUR",
        language="fr",
        names="fr_FR",
        places="fr_FR",
        streets="fr_FR",
        work="fr_FR",
        region_method="region",
        number_first=True,
        phones=PHONE_PLANS["FR"],
    ),
    "fr_BE": LocaleProfile(
        # Faker's fr_BE has Belgian names but no Belgian addresses: places come from
        # nl_BE (Belgian postal codes, communes, provinces), street names from fr_FR.
        locale="fr_BE",
        country="BE",
        currency="EUR",
        language="fr",
        names="fr_BE",
        places="nl_BE",
        streets="fr_FR",
        work="fr_FR",
        region_method="province",
        number_first=False,
        phones=PHONE_PLANS["BE"],
    ),
    "de_DE": LocaleProfile(
        locale="de_DE",
        country="DE",
        currency="EUR",
        language="de",
        names="de_DE",
        places="de_DE",
        streets="de_DE",
        work="de_DE",
        region_method="state",
        number_first=False,
        phones=PHONE_PLANS["DE"],
    ),
    "en_GB": LocaleProfile(
        locale="en_GB",
        country="GB",
        currency="GBP",
        language="en",
        names="en_GB",
        places="en_GB",
        streets="en_GB",
        work="en_GB",
        region_method="county",
        number_first=True,
        phones=PHONE_PLANS["GB"],
    ),
    "en_US": LocaleProfile(
        locale="en_US",
        country="US",
        currency="USD",
        language="en",
        names="en_US",
        places="en_US",
        streets="en_US",
        work="en_US",
        region_method="state_abbr",
        number_first=True,
        phones=PHONE_PLANS["US"],
    ),
}
"""The supported locales."""
