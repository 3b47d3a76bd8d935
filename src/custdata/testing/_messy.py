"""
Messy strategies: values as customer files hold them, clean, dirty and plain garbage.

The valid and invalid strategies of `custdata.testing` draw values whose verdict is
known in advance. These ones do not: they mix canonical values, the usual
messiness of real files (case, padding, full-width forms, decomposed accents,
national phone writings) and garbage (control characters, lone surrogates, text of
any script), for properties that must hold whatever the value: normalising twice
is normalising once, validation never raises, messages never hold values.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from typing import Final

from custdata.errors import MissingDependencyError
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
from custdata.model._record import Record
from custdata.testing._strategies import (
    _IDENTIFIERS,
    aware_datetimes,
    countries,
    currencies,
    emails,
    names,
    phones,
    postal_codes,
)

try:
    from hypothesis import strategies as st
except ImportError:
    _PACKAGE = "hypothesis"
    raise MissingDependencyError(_PACKAGE, "testing") from None


__all__ = [
    "arbitrary_values",
    "messy_contacts",
    "messy_emails",
    "messy_names",
    "messy_phones",
    "messy_postal_codes",
    "messy_records",
    "messy_text",
]

SearchStrategy = st.SearchStrategy

_SPACES: Final = ("", " ", "  ", "\t", "\u00a0", "\u3000", "\n")
_HUGE_LENGTH: Final = 20_000


def _padded(inner: SearchStrategy[str]) -> SearchStrategy[str]:
    """Surround each drawn string with nothing, spaces, tabs, NBSP, ideographic spaces."""
    return st.builds(
        lambda before, value, after: before + value + after,
        st.sampled_from(_SPACES),
        inner,
        st.sampled_from(_SPACES),
    )


def _recased(inner: SearchStrategy[str]) -> SearchStrategy[str]:
    """Each drawn string as it is, lower-cased, upper-cased or title-cased."""
    hows: tuple[Callable[[str], str], ...] = (str, str.lower, str.upper, str.title)
    return st.builds(lambda value, how: how(value), inner, st.sampled_from(hows))


def _full_width(value: str) -> str:
    """Write the printable ASCII of a string in its full-width forms (U+FF01 to U+FF5E)."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in value)


def _with_surrogate(inner: SearchStrategy[str]) -> SearchStrategy[str]:
    """Insert one lone surrogate somewhere in each drawn string."""
    return st.builds(
        lambda value, where, char: value[:where] + char + value[where:],
        inner,
        st.integers(min_value=0, max_value=40),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    )


def messy_text(max_size: int = 30) -> SearchStrategy[str]:
    """
    Arbitrary short text: any script, marks, digits, punctuation, symbols, whitespace.

    It holds control and format characters, and sometimes one lone surrogate
    (``"\\ud800"``, which a JSON escape can put in a Python string but which is
    not text).

    Args:
        max_size: The most characters drawn, before the lone surrogate.

    Returns:
        A strategy of strings.
    """
    text = st.text(
        alphabet=st.characters(
            codec="utf-8", categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf"]
        ),
        max_size=max_size,
    )
    return st.one_of(text, _with_surrogate(text))


def messy_names() -> SearchStrategy[str]:
    """
    Names as customer files hold them, padded with every kind of space.

    Valid names re-cased or with their accents decomposed (NFD), names in
    full-width forms, tricky real names (``"N'Diaye"``, ``"de la Tour"``) and
    `messy_text`.

    Returns:
        A strategy of strings such as ``"\\u3000E\\u0301lodie  "``.
    """
    return _padded(
        st.one_of(
            st.sampled_from(
                ("Élodie", "Jean-Noël", "de la Tour", "N'Diaye", "Müller", "E\u0301lodie")
            ),
            _recased(names()),
            names().map(lambda name: unicodedata.normalize("NFD", name)),
            names().map(_full_width),
            st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=8),
            messy_text(),
        )
    )


_ASCII_LOCAL: Final = st.from_regex(
    r"[A-Za-z0-9_+\-]{1,12}(\.[A-Za-z0-9_+\-]{1,8}){0,2}", fullmatch=True
)
_DOMAINS: Final = st.sampled_from(
    (
        "example.com",
        "Example.FR",
        "mail.example.org",
        "exemple.fr",
        "xn--bcher-kva.example",
        "ab--cd.example.com",
        "a.test",
        "b.local",
        "c.onion",
        "example.c0m1",
        "b" * 64 + ".com",
    )
)


def messy_emails() -> SearchStrategy[str]:
    """
    Email addresses as customer files hold them: valid or not, re-cased, padded.

    Common ASCII addresses, any characters around an ``@`` in the shapes email
    fast paths look for, addresses hypothesis's `hypothesis.strategies.emails`
    draws, internationalised ones (``"用户@例子.广告"``), Punycode, special-use and
    over-long domains, `emails`, broken ones (``"a..b@example.com"``) and
    `messy_text`.

    Returns:
        A strategy of strings.
    """
    return _padded(
        _recased(
            st.one_of(
                st.builds(lambda local, domain: f"{local}@{domain}", _ASCII_LOCAL, _DOMAINS),
                st.builds(
                    lambda local, domain: f"{local}@{domain}",
                    st.from_regex(r"[A-Za-z0-9_+\-.]{1,20}", fullmatch=True),
                    st.from_regex(r"[A-Za-z0-9\-.]{1,30}", fullmatch=True),
                ),
                st.emails().map(str),
                emails(),
                st.sampled_from(
                    ("élodie@exemple.fr", "Zoë@Example.com", "用户@例子.广告", "josé@bücher.de")
                ),
                st.sampled_from(
                    ("", "   ", "a@b", "no-at-sign", "a..b@example.com", "a@example..com")
                ),
                messy_text(),
            )
        )
    )


_FRENCH_DIGITS: Final = st.from_regex(r"0[1-79][0-9]{8}", fullmatch=True)


def _french_writing(digits: str, style: int) -> str:
    """Write ten French digits the ways files do: pairs, dots, +33, 0033, (0), extension."""
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    return [
        digits,
        " ".join(pairs),
        ".".join(pairs),
        "-".join(pairs),
        "+33 " + digits[1] + " " + " ".join(pairs[1:]),
        "+33 (0)" + digits[1] + " " + " ".join(pairs[1:]),
        "0033" + digits[1:],
        "(0)" + digits[1:],
        digits + " ext. 12",
    ][style]


def messy_phones() -> SearchStrategy[str]:
    """
    Phone numbers as customer files hold them: national and international writings.

    French numbers written nine ways (pairs, dots, dashes, ``+33``, ``0033``,
    ``(0)``, an extension), foreign numbers, `phones` (fiction ranges, E.164),
    strings of digits and separators, and `messy_text`.

    Returns:
        A strategy of strings.
    """
    return st.one_of(
        st.builds(_french_writing, _FRENCH_DIGITS, st.integers(0, 8)),
        st.sampled_from(
            ("+32 470 12 34 56", "+41 44 668 18 00", "+1 650 253 0000", "+44 20 7946 0958")
        ),
        phones(),
        st.from_regex(r"\+?[0-9 .\-()]{0,20}", fullmatch=True),
        messy_text(),
    )


def messy_postal_codes() -> SearchStrategy[str]:
    """
    Postal codes as customer files hold them, for any country.

    Canonical codes (`postal_codes`) lower-cased or padded, old country prefixes
    (``"F-59000"``), Corsican department codes (``"2A004"``), codes written
    without their space (``"sw1a1aa"``), letters, digits, spaces and dashes, and
    `messy_text`.

    Returns:
        A strategy of strings.
    """
    return st.one_of(
        st.sampled_from(
            (
                "75011",
                "20000",
                "20200",
                "2A004",
                " 13 001 ",
                "F-59000",
                "CH-1200",
                "sw1a1aa",
                "1012ab",
                "k1a0b1",
                "902101234",
            )
        ),
        _padded(_recased(countries().flatmap(postal_codes))),
        st.from_regex(r"[0-9A-Za-z \-]{0,10}", fullmatch=True),
        messy_text(max_size=10),
    )


def arbitrary_values() -> SearchStrategy[object]:
    """
    Anything a host might pass where a value is expected, for totality tests.

    ``None``, booleans, integers, floats (infinities and NaN included), decimals,
    bytes, dates, datetimes, text with lone surrogates, huge strings, `messy_text`,
    and small lists, tuples and dicts of these.

    Returns:
        A strategy of objects of many types.
    """
    huge = st.builds(
        lambda unit, length: (unit * length)[:length],
        st.text(min_size=1, max_size=3) | st.just("0"),
        st.integers(min_value=1_000, max_value=_HUGE_LENGTH),
    )
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.binary(max_size=20),
        st.dates(),
        st.datetimes(),
        st.text(st.characters(exclude_categories=[]), max_size=20),
        messy_text(),
        huge,
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.lists(scalars, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=5), scalars, max_size=3),
    )


# --- records -------------------------------------------------------------------------------

_MESSY_IDENTIFIERS: Final = st.one_of(_IDENTIFIERS, st.sampled_from(("", " ")), messy_text(10))
_MESSY_COUNTRIES: Final = st.one_of(
    st.sampled_from(("FR", "fr", " Fr ", "BE", "CH", "DE", "ES", "IT", "NL", "GB", "US", "CA")),
    st.sampled_from(("JP", "XK", "France", "XX", "", "  ")),
    messy_text(max_size=3),
)
_MESSY_DATETIMES: Final = st.one_of(
    aware_datetimes(),
    st.datetimes(
        min_value=dt.datetime(1990, 1, 1),  # noqa: DTZ001  # bounds of st.datetimes are naive
        max_value=dt.datetime(2040, 1, 1),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ),
)


def _optional(inner: SearchStrategy[object]) -> SearchStrategy[object]:
    return st.none() | inner


def _messy_addresses() -> SearchStrategy[Address]:
    return st.builds(
        Address,
        line1=_optional(messy_names()),
        line2=_optional(messy_names()),
        postal_code=_optional(messy_postal_codes()),
        city=_optional(messy_names()),
        region=_optional(messy_names()),
        country=_optional(_MESSY_COUNTRIES),
    )


def messy_contacts() -> SearchStrategy[Contact]:
    """
    Contacts as customer files hold them: every field messy, invalid or garbage.

    Names, emails, phones and addresses from the messy strategies above, blank or
    odd identifiers, birth dates from 1850 to 2100, preferred channels repeated,
    the last interaction before the creation, free texts from `messy_text`. The
    constructor accepts them all; `custdata.validation.validate` may report anything.

    Returns:
        A strategy of `Contact`.
    """
    return st.builds(
        Contact,
        contact_id=_MESSY_IDENTIFIERS,
        given_name=_optional(messy_names()),
        family_name=_optional(messy_names()),
        email=_optional(messy_emails()),
        phone=_optional(messy_phones()),
        address=_optional(_messy_addresses()),
        birth_date=_optional(
            st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 1, 1))
        ),
        gender=_optional(st.sampled_from(tuple(Gender))),
        preferred_channels=st.lists(st.sampled_from(tuple(Channel)), max_size=3).map(tuple),
        acquisition_source=_optional(messy_text()),
        interests=st.lists(messy_text(10), max_size=3).map(tuple),
        income_band=_optional(messy_text(8)),
        company=_optional(messy_names()),
        job_title=_optional(messy_names()),
        created_at=_optional(_MESSY_DATETIMES),
        last_interaction_at=_optional(_MESSY_DATETIMES),
    )


_MESSY_CURRENCIES: Final = st.one_of(
    currencies(),
    st.sampled_from(("eur", " usd", "Gbp ", "XXX", "XTS", "EURO", "", "€")),
    messy_text(max_size=4),
)
_MESSY_MONEY: Final = st.builds(
    Money,
    amount=st.decimals(min_value=-1000, max_value=100_000, places=2, allow_nan=False),
    currency=_MESSY_CURRENCIES,
)
_MESSY_LINES: Final = st.builds(
    LineItem,
    sku=_MESSY_IDENTIFIERS,
    quantity=st.integers(-2, 5),
    unit_price=_MESSY_MONEY,
    name=_optional(messy_names()),
    category=_optional(messy_text(10)),
)


def _messy_purchases() -> SearchStrategy[Purchase]:
    return st.builds(
        Purchase,
        purchase_id=_MESSY_IDENTIFIERS,
        contact_id=_MESSY_IDENTIFIERS,
        purchased_at=_MESSY_DATETIMES,
        total=_MESSY_MONEY,
        lines=st.lists(_MESSY_LINES, max_size=3).map(tuple),
        discount=_optional(_MESSY_MONEY),
    )


def _messy_consents() -> SearchStrategy[Consent]:
    words = st.one_of(
        st.sampled_from(("newsletter", " partners ", "checkout_form", " store  tablet ", "", " ")),
        messy_text(15),
    )
    return st.builds(
        Consent,
        contact_id=_MESSY_IDENTIFIERS,
        purpose=words,
        channel=st.sampled_from(tuple(Channel)),
        status=st.sampled_from(tuple(ConsentStatus)),
        recorded_at=_MESSY_DATETIMES,
        source=_optional(words),
        policy_version=_optional(messy_text(8)),
        proof=_optional(messy_text(10)),
    )


def _messy_feedback() -> SearchStrategy[Feedback]:
    return st.builds(
        Feedback,
        feedback_id=_MESSY_IDENTIFIERS,
        contact_id=_MESSY_IDENTIFIERS,
        received_at=_MESSY_DATETIMES,
        kind=st.sampled_from(tuple(FeedbackKind)),
        nps=_optional(st.integers(-3, 13)),
        satisfaction=_optional(st.integers(-1, 7)),
        comment=_optional(messy_text()),
        survey_id=_optional(messy_text(8)),
    )


def messy_records() -> SearchStrategy[Record]:
    """
    Any top-level record as customer files hold it, every field messy.

    `messy_contacts`, and purchases, consent events and feedback in the same
    spirit: negative amounts, currencies in any case or unknown, quantities of
    zero or less, blank purposes and sources, scores out of range.

    Returns:
        A strategy of records.
    """
    return st.one_of(messy_contacts(), _messy_purchases(), _messy_consents(), _messy_feedback())
