"""
Hand-written hypothesis strategies for messy customer records.

They stand in until ``custdata.testing`` publishes the domain strategies; each
one mixes clean values, the messiness of real files and plain garbage.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

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

UTC = dt.UTC

_messy_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("L", "M", "N", "P", "S", "Z", "Cc"),
    ),
    max_size=30,
)
_full_width = st.text(
    alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=8
)
_spaces = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u3000", "\n"])


@st.composite
def _padded(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    return draw(_spaces) + draw(inner) + draw(_spaces)


def _recase(value: str, how: str) -> str:
    return {"lower": value.lower(), "upper": value.upper(), "title": value.title()}.get(how, value)


names = st.one_of(
    st.sampled_from(["Élodie", "Jean-Noël", "de la Tour", "N'Diaye", "Müller", "E\u0301lodie"]),
    _full_width,
    _messy_text,
).flatmap(lambda value: _padded(st.just(value)))

_ascii_local = st.from_regex(r"[A-Za-z0-9_+\-]{1,12}(\.[A-Za-z0-9_+\-]{1,8}){0,2}", fullmatch=True)
_domains = st.sampled_from(
    [
        "example.com",
        "Example.FR",
        "mail.example.org",
        "exemple.fr",
        "xn--bcher-kva.example",
        "a.test",
    ]
)
_intl = st.sampled_from(
    ["élodie@exemple.fr", "Zoë@Example.com", "用户@例子.广告", "josé@bücher.de"]
)
emails = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", _ascii_local, _domains),
    st.emails().map(str),
    _intl,
    _messy_text,
    st.sampled_from(["", "   ", "a@b", "no-at-sign", "a..b@example.com", "a@example..com"]),
).flatmap(
    lambda value: st.sampled_from(["same", "lower", "upper", "title"]).flatmap(
        lambda how: _padded(st.just(_recase(value, how)))
    )
)

_french_digits = st.from_regex(r"0[1-79][0-9]{8}", fullmatch=True)


def _french_writing(digits: str, style: int) -> str:
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    return [
        digits,
        " ".join(pairs),
        ".".join(pairs),
        "+33 " + digits[1] + " " + " ".join(pairs[1:]),
        "0033" + digits[1:],
        "(0)" + digits[1:],
        digits + " ext. 12",
    ][style]


phones = st.one_of(
    st.builds(_french_writing, _french_digits, st.integers(0, 6)),
    st.sampled_from(
        ["+32 470 12 34 56", "+41 44 668 18 00", "+1 650 253 0000", "+44 20 7946 0958"]
    ),
    st.from_regex(r"\+?[0-9 .\-()]{0,20}", fullmatch=True),
    _messy_text,
)

countries = st.one_of(
    st.sampled_from(
        ["FR", "fr", " Fr ", "BE", "CH", "DE", "ES", "IT", "NL", "GB", "US", "CA", "JP"]
    ),
    st.sampled_from(["France", "XX", "", "  "]),
)
postal_codes = st.one_of(
    st.sampled_from(
        ["75011", "20000", "20200", "2A004", " 13 001 ", "F-59000", "sw1a1aa", "1012ab", "k1a0b1"]
    ),
    st.from_regex(r"[0-9A-Za-z \-]{0,10}", fullmatch=True),
)
addresses = st.builds(
    Address,
    line1=st.none() | names,
    line2=st.none() | names,
    postal_code=st.none() | postal_codes,
    city=st.none() | names,
    region=st.none() | names,
    country=st.none() | countries,
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),  # noqa: DTZ001  # hypothesis bounds are naive
    max_value=dt.datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
identifiers = st.one_of(
    st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True), st.sampled_from(["", " "])
)

contacts = st.builds(
    Contact,
    contact_id=identifiers,
    given_name=st.none() | names,
    family_name=st.none() | names,
    email=st.none() | emails,
    phone=st.none() | phones,
    address=st.none() | addresses,
    birth_date=st.none() | st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 1, 1)),
    gender=st.none() | st.sampled_from(Gender),
    preferred_channels=st.lists(st.sampled_from(Channel), max_size=3).map(tuple),
    company=st.none() | names,
    job_title=st.none() | names,
    created_at=st.none() | aware_datetimes,
    last_interaction_at=st.none() | aware_datetimes,
)

currencies = st.sampled_from(["EUR", "eur", " usd", "GBP", "CHF", "XXX", "EURO", ""])
amounts = st.decimals(min_value=-1000, max_value=100_000, places=2, allow_nan=False)
monies = st.builds(Money, amount=amounts, currency=currencies)
line_items = st.builds(LineItem, sku=identifiers, quantity=st.integers(-2, 5), unit_price=monies)
purchases = st.builds(
    Purchase,
    purchase_id=identifiers,
    contact_id=identifiers,
    purchased_at=aware_datetimes,
    total=monies,
    lines=st.lists(line_items, max_size=3).map(tuple),
    discount=st.none() | monies,
)
consents = st.builds(
    Consent,
    contact_id=identifiers,
    purpose=st.sampled_from(["newsletter", " partners ", "", "  "]),
    channel=st.sampled_from(Channel),
    status=st.sampled_from(ConsentStatus),
    recorded_at=aware_datetimes,
    source=st.none() | st.sampled_from(["checkout_form", " store  tablet ", "", " "]),
)
feedbacks = st.builds(
    Feedback,
    feedback_id=identifiers,
    contact_id=identifiers,
    received_at=aware_datetimes,
    kind=st.sampled_from(FeedbackKind),
    nps=st.none() | st.integers(-3, 13),
    satisfaction=st.none() | st.integers(-1, 7),
    comment=st.none() | _messy_text,
)
records = st.one_of(contacts, purchases, consents, feedbacks)
"""Any top-level record, with messy values."""

__all__ = [
    "addresses",
    "consents",
    "contacts",
    "emails",
    "feedbacks",
    "monies",
    "names",
    "phones",
    "purchases",
    "records",
]
