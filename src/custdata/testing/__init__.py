"""
Hypothesis strategies for custdata's domain types, valid and deliberately invalid.

Use them in your own property tests::

    from hypothesis import given
    from custdata.testing import contacts, invalid_emails

    @given(contacts())
    def test_export_keeps_every_contact(contact): ...

Valid strategies (`contacts`, `emails`, `phones`...) draw values that
`custdata.validation.validate` accepts without any issue: emails on reserved
example domains, phones from the ranges reserved for fiction (as
`custdata.synthetic` uses). Invalid strategies (`invalid_emails`,
`invalid_contacts`...) draw pairs ``(value, code)``: a value spoiled in one way
and the validation issue code it must produce. Messy strategies (`messy_names`,
`messy_emails`, `messy_records`...) draw values as customer files hold them, clean,
dirty or garbage, for properties that hold whatever the value (normalising is
idempotent, validation never raises). `json_like` draws arbitrary JSON-like data
and `arbitrary_values` anything at all, for totality tests.

Needs the ``testing`` extra (hypothesis): ``pip install 'custdata[testing]'``.
"""

from __future__ import annotations

from custdata.testing._messy import (
    arbitrary_values,
    messy_contacts,
    messy_emails,
    messy_names,
    messy_phones,
    messy_postal_codes,
    messy_records,
    messy_text,
)
from custdata.testing._strategies import (
    ISSUE_CODES,
    addresses,
    aware_datetimes,
    consents,
    contacts,
    countries,
    currencies,
    emails,
    feedback,
    invalid_consents,
    invalid_contacts,
    invalid_currencies,
    invalid_emails,
    invalid_feedback,
    invalid_line_items,
    invalid_names,
    invalid_phones,
    invalid_postal_codes,
    invalid_purchases,
    json_like,
    line_items,
    money,
    names,
    phones,
    postal_codes,
    purchases,
    records,
)

__all__ = [
    "ISSUE_CODES",
    "addresses",
    "arbitrary_values",
    "aware_datetimes",
    "consents",
    "contacts",
    "countries",
    "currencies",
    "emails",
    "feedback",
    "invalid_consents",
    "invalid_contacts",
    "invalid_currencies",
    "invalid_emails",
    "invalid_feedback",
    "invalid_line_items",
    "invalid_names",
    "invalid_phones",
    "invalid_postal_codes",
    "invalid_purchases",
    "json_like",
    "line_items",
    "messy_contacts",
    "messy_emails",
    "messy_names",
    "messy_phones",
    "messy_postal_codes",
    "messy_records",
    "messy_text",
    "money",
    "names",
    "phones",
    "postal_codes",
    "purchases",
    "records",
]
