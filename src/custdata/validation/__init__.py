"""
Validation and normalisation: messy values in, canonical values and a report out.

``"06 12 34 56 78"`` and ``"+33612345678"`` are one phone; ``"Elodie.Martin@Example.FR"``
and ``"elodie.martin@example.fr"`` one address. `normalise` rewrites a record with
canonical values; `validate` reports, field by field, what cannot be trusted;
`validate_many` does both on a stream, computing each distinct email and phone once.

One module per kind of value holds its checks and its value-level helpers:
`email`, `phone`, `names`, `postal`, `dates`, `money`, `scores`, `consent`.
email-validator and phonenumbers load on first use, not on import.
"""

from __future__ import annotations

from custdata.validation.dates import MAX_AGE_YEARS
from custdata.validation.email import is_valid_email, normalise_email
from custdata.validation.money import CURRENCIES, MINOR_UNITS, normalise_currency
from custdata.validation.names import normalise_name
from custdata.validation.phone import PhoneResult, PhoneType, normalise_phone, parse_phone
from custdata.validation.postal import (
    COUNTRIES,
    POSTAL_CODE_COUNTRIES,
    french_department,
    normalise_country,
    normalise_postal_code,
)
from custdata.validation.records import (
    BatchValidator,
    content_issues,
    normalise,
    validate,
    validate_many,
)
from custdata.validation.report import Issue, Report
from custdata.validation.scores import NPS_RANGE, SATISFACTION_RANGE

__all__ = [
    "COUNTRIES",
    "CURRENCIES",
    "MAX_AGE_YEARS",
    "MINOR_UNITS",
    "NPS_RANGE",
    "POSTAL_CODE_COUNTRIES",
    "SATISFACTION_RANGE",
    "BatchValidator",
    "Issue",
    "PhoneResult",
    "PhoneType",
    "Report",
    "content_issues",
    "french_department",
    "is_valid_email",
    "normalise",
    "normalise_country",
    "normalise_currency",
    "normalise_email",
    "normalise_name",
    "normalise_phone",
    "normalise_postal_code",
    "parse_phone",
    "validate",
    "validate_many",
]
