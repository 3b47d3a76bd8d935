"""The strategies of `custdata.testing` (hypothesis is imported here, on import of the package)."""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, TypeVar

import attrs

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
    PaymentMethod,
    Purchase,
    PurchaseStatus,
)
from custdata.model._record import Record
from custdata.synthetic._phones import PHONE_PLANS
from custdata.validation.postal import canonical_postal_code

try:
    from hypothesis import strategies as st
except ImportError:
    _PACKAGE = "hypothesis"
    raise MissingDependencyError(_PACKAGE, "testing") from None

__all__ = [
    "ISSUE_CODES",
    "addresses",
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
    "money",
    "names",
    "phones",
    "postal_codes",
    "purchases",
    "records",
]

SearchStrategy = st.SearchStrategy
R = TypeVar("R")
T = TypeVar("T")

_COUNTRIES: Final = ("FR", "BE", "DE", "GB", "US")
_CURRENCIES: Final = ("EUR", "GBP", "USD", "CHF")
_DOMAINS: Final = ("example.com", "example.org", "example.net", "mail.example", "shop.example")
_LETTERS: Final = string.ascii_lowercase + "éèêëàâäîïôöùûüçñß"
_LOCAL_CHARS: Final = string.ascii_lowercase + string.digits
_OFFSETS: Final = tuple(dt.timezone(dt.timedelta(hours=hours)) for hours in (0, 1, 2, -5, 9))
_WORDS: Final = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=20).filter(
    lambda word: word.strip("_") == word
)

ISSUE_CODES: Final = frozenset(
    {
        "blank_identifier",
        "consent_purpose_missing",
        "consent_source_missing",
        "invalid_characters",
        "invalid_country",
        "invalid_email",
        "invalid_phone",
        "invalid_postal_code",
        "invalid_text",
        "name_contains_digits",
        "negative_amount",
        "non_positive_quantity",
        "nps_out_of_range",
        "satisfaction_out_of_range",
        "unknown_currency",
    }
)
"""Every issue code the ``invalid_*`` strategies tag their values with."""


# Strategy factories are cached (functools.cache): building a hypothesis strategy
# costs far more than drawing from it, and the record strategies below draw from
# the same value strategies on every example. Strategies are immutable, so one
# instance serves every caller and thread; functools.cache is thread-safe, and at
# worst two threads build the same strategy once each.


@functools.cache
def _optional(strategy: SearchStrategy[T]) -> SearchStrategy[T | None]:
    """``None`` or a value of ``strategy``, built once per strategy."""
    return st.none() | strategy


# --- values ------------------------------------------------------------------------------


@functools.cache
def emails() -> SearchStrategy[str]:
    """
    Valid, normalised email addresses on domains reserved for examples (RFC 2606).

    Returns:
        A strategy of strings such as ``"k3.x9@example.org"``.
    """
    part = st.text(alphabet=_LOCAL_CHARS, min_size=1, max_size=12)
    local = st.lists(part, min_size=1, max_size=3).map(".".join)
    return st.builds(lambda lp, domain: f"{lp}@{domain}", local, st.sampled_from(_DOMAINS))


@functools.cache
def phones(region: str | None = None) -> SearchStrategy[str]:
    """
    Valid phone numbers in E.164 from ranges reserved for fiction.

    Args:
        region: ``"FR"``, ``"GB"``, ``"US"``, ``"DE"`` or ``"BE"`` (Belgium has no
            fiction range: French ones are used); any of them when ``None``.

    Returns:
        A strategy of strings such as ``"+33199001234"``.

    Raises:
        ValueError: For another region.
    """
    regions = _COUNTRIES if region is None else (region,)
    if any(code not in PHONE_PLANS for code in regions):
        msg = f"no fiction phone range for region {region!r}"
        raise ValueError(msg)
    choices = []
    for code in regions:
        plan = PHONE_PLANS[code]
        digits = st.text(
            alphabet=string.digits, min_size=plan.free_digits, max_size=plan.free_digits
        )
        choices.append(
            st.builds(
                lambda block, tail, plan=plan: plan.e164(block + tail),
                st.sampled_from(plan.blocks),
                digits,
            )
        )
    return st.one_of(choices)


_POSTAL_PATTERNS: Final = {
    "FR": r"[0-9]{5}",
    "DE": r"[0-9]{5}",
    "BE": r"[1-9][0-9]{3}",
    "US": r"[0-9]{5}(-[0-9]{4})?",
    "GB": r"[A-PR-UWYZ][A-HK-Y]?[0-9][0-9]? [0-9][ABD-HJLNP-UW-Z]{2}",
}


@functools.cache
def postal_codes(country: str = "FR") -> SearchStrategy[str]:
    """
    Postal codes well formed for a country, in their canonical form.

    Args:
        country: ``"FR"``, ``"BE"``, ``"DE"``, ``"GB"`` or ``"US"``.

    Returns:
        A strategy of strings such as ``"75011"`` or ``"SW1A 1AA"``.

    Raises:
        ValueError: For another country.
    """
    pattern = _POSTAL_PATTERNS.get(country)
    if pattern is None:
        msg = f"no postal code strategy for country {country!r}"
        raise ValueError(msg)
    return st.from_regex(pattern, fullmatch=True).filter(
        lambda code: canonical_postal_code(code, country) == code
    )


@functools.cache
def names() -> SearchStrategy[str]:
    """
    Person names as validation accepts them: letters with accents, hyphens, apostrophes.

    Returns:
        A strategy of strings such as ``"Zoé-Ana"`` or ``"D'ëlla Mar"``.
    """
    word = st.text(alphabet=_LETTERS, min_size=1, max_size=10).map(str.capitalize)
    joiner = st.sampled_from(("-", " ", "'"))
    return st.builds(
        lambda first, rest: first + "".join(sep + part for sep, part in rest),
        word,
        st.lists(st.tuples(joiner, word), max_size=2),
    )


@functools.cache
def countries() -> SearchStrategy[str]:
    """
    ISO 3166-1 alpha-2 codes of the countries custdata generates data for.

    Returns:
        A strategy of ``"FR"``, ``"BE"``, ``"DE"``, ``"GB"`` or ``"US"``.
    """
    return st.sampled_from(_COUNTRIES)


@functools.cache
def currencies() -> SearchStrategy[str]:
    """
    ISO 4217 currency codes.

    Returns:
        A strategy of ``"EUR"``, ``"GBP"``, ``"USD"`` or ``"CHF"``.
    """
    return st.sampled_from(_CURRENCIES)


@functools.cache
def aware_datetimes() -> SearchStrategy[dt.datetime]:
    """
    Time-zone-aware datetimes between 2000 and 2030, with a few fixed offsets.

    Returns:
        A strategy of aware `datetime.datetime` objects.
    """
    return st.datetimes(
        min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001  # bounds of st.datetimes are naive
        max_value=dt.datetime(2030, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(_OFFSETS),
    )


@functools.cache
def money(currency: str | None = None) -> SearchStrategy[Money]:
    """
    Non-negative amounts with two decimals, below a million.

    Args:
        currency: The currency of every amount; any of `currencies` when ``None``.

    Returns:
        A strategy of `Money`.
    """
    cents = st.integers(min_value=0, max_value=99_999_999)
    return st.builds(
        lambda amount, code: Money(amount=Decimal(amount).scaleb(-2), currency=code),
        cents,
        st.just(currency) if currency is not None else currencies(),
    )


# Optional parts of records, built once (see the note on caching above).
_LINE2: Final = st.none() | st.sampled_from(("Bât. B", "Flat 3", "c/o Martin"))
_BIRTH_DATES: Final = st.none() | st.dates(dt.date(1930, 1, 1), dt.date(2005, 12, 31))
_GENDERS: Final = st.none() | st.sampled_from(tuple(Gender))
_MAYBE_WORD: Final = st.none() | _WORDS
_INCOME_BANDS: Final = st.none() | st.sampled_from(("<20k", "20-35k", "35-50k", "80k+"))
_PAYMENT_METHODS: Final = st.none() | st.sampled_from(tuple(PaymentMethod))
_MAYBE_CHANNEL: Final = st.none() | st.sampled_from(tuple(Channel))
_POLICY_VERSIONS: Final = st.none() | st.sampled_from(("2018-05", "2024-01"))


# --- records -------------------------------------------------------------------------------


@st.composite
def addresses(draw: st.DrawFn, country: str | None = None) -> Address:
    """
    Postal addresses whose postal code fits their country.

    Args:
        draw: Supplied by hypothesis.
        country: The country of every address; any of `countries` when ``None``.

    Returns:
        A strategy of `Address`.
    """
    code = country if country is not None else draw(countries())
    return Address(
        line1=draw(st.builds(lambda n, s: f"{n} {s}", st.integers(1, 300), names())),
        line2=draw(_LINE2),
        postal_code=draw(postal_codes(code)),
        city=draw(names()),
        region=draw(_optional(names())),
        country=code,
    )


_IDENTIFIERS: Final = st.text(
    alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=16
).filter(lambda text: text.strip("-") == text)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    """
    Contacts with valid content: `custdata.validation.validate` reports no issue.

    Birth dates are between 1930 and 2005, so they are valid for any ``today``
    from 2006 to 2049.

    Args:
        draw: Supplied by hypothesis.

    Returns:
        A strategy of `Contact`.
    """
    address = draw(_optional(addresses()))
    region = address.country if address is not None and address.country else "FR"
    created = draw(_optional(aware_datetimes()))
    last = None
    if created is not None:
        last = created + draw(
            st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=900))
        )
    channels = draw(st.lists(st.sampled_from(tuple(Channel)), max_size=3, unique=True))
    if region != "US" and Channel.SMS in channels:
        channels.remove(Channel.SMS)  # fiction ranges outside the US are landlines
    b2b = draw(st.booleans())
    return Contact(
        contact_id=draw(_IDENTIFIERS),
        given_name=draw(_optional(names())),
        family_name=draw(_optional(names())),
        email=draw(_optional(emails())),
        phone=draw(_optional(phones(region))),
        address=address,
        birth_date=draw(_BIRTH_DATES),
        gender=draw(_GENDERS),
        preferred_channels=tuple(channels),
        acquisition_source=draw(_MAYBE_WORD),
        interests=tuple(draw(st.lists(_WORDS, max_size=3, unique=True))),
        income_band=draw(_INCOME_BANDS),
        company=draw(names()) if b2b else None,
        job_title=draw(names()) if b2b else None,
        created_at=created,
        last_interaction_at=last,
    )


@st.composite
def line_items(draw: st.DrawFn, currency: str | None = None) -> LineItem:
    """
    Basket lines with a positive quantity and a non-negative price.

    Args:
        draw: Supplied by hypothesis.
        currency: The currency of the unit price; any when ``None``.

    Returns:
        A strategy of `LineItem`.
    """
    return LineItem(
        sku=draw(_IDENTIFIERS),
        quantity=draw(st.integers(1, 20)),
        unit_price=draw(money(currency)),
        name=draw(_optional(names())),
        category=draw(_MAYBE_WORD),
    )


@st.composite
def purchases(draw: st.DrawFn) -> Purchase:
    """
    Purchases in one currency whose total is the sum of their lines minus the discount.

    Args:
        draw: Supplied by hypothesis.

    Returns:
        A strategy of `Purchase`.
    """
    currency = draw(currencies())
    lines = tuple(draw(st.lists(line_items(currency), max_size=4)))
    subtotal = sum((line.unit_price.amount * line.quantity for line in lines), Decimal("0.00"))
    discount = None
    if subtotal > 0 and draw(st.booleans()):
        discount = Money(amount=(subtotal / 10).quantize(Decimal("0.01")), currency=currency)
    total = subtotal - (discount.amount if discount is not None else 0)
    return Purchase(
        purchase_id=draw(_IDENTIFIERS),
        contact_id=draw(_IDENTIFIERS),
        purchased_at=draw(aware_datetimes()),
        total=Money(amount=total, currency=currency),
        lines=lines,
        payment_method=draw(_PAYMENT_METHODS),
        discount=discount,
        channel=draw(_MAYBE_CHANNEL),
        status=draw(st.sampled_from(tuple(PurchaseStatus))),
    )


@st.composite
def consents(draw: st.DrawFn) -> Consent:
    """
    Provable consent events: a purpose, a channel, a time and a source.

    Args:
        draw: Supplied by hypothesis.

    Returns:
        A strategy of `Consent`.
    """
    return Consent(
        contact_id=draw(_IDENTIFIERS),
        purpose=draw(_WORDS),
        channel=draw(st.sampled_from(tuple(Channel))),
        status=draw(st.sampled_from(tuple(ConsentStatus))),
        recorded_at=draw(aware_datetimes()),
        source=draw(_WORDS),
        policy_version=draw(_POLICY_VERSIONS),
        proof=draw(st.none() | _IDENTIFIERS),
    )


@st.composite
def feedback(draw: st.DrawFn) -> Feedback:
    """
    Feedback with scores in range (NPS 0-10, satisfaction 1-5) and free-text comments.

    Args:
        draw: Supplied by hypothesis.

    Returns:
        A strategy of `Feedback`.
    """
    comment = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1)
    return Feedback(
        feedback_id=draw(_IDENTIFIERS),
        contact_id=draw(_IDENTIFIERS),
        received_at=draw(aware_datetimes()),
        kind=draw(st.sampled_from(tuple(FeedbackKind))),
        nps=draw(st.none() | st.integers(0, 10)),
        satisfaction=draw(st.none() | st.integers(1, 5)),
        comment=draw(st.none() | comment.filter(lambda text: text.strip() == text)),
        channel=draw(_MAYBE_CHANNEL),
        survey_id=draw(st.none() | _IDENTIFIERS),
    )


def records() -> SearchStrategy[Record]:
    """
    Any top-level record: a contact, a purchase, a consent event or feedback.

    Returns:
        A strategy of records.
    """
    return st.one_of(contacts(), purchases(), consents(), feedback())


# --- invalid values, each with the issue code it must produce ------------------------------


def invalid_emails() -> SearchStrategy[tuple[str, str]]:
    """
    Malformed email addresses, tagged ``"invalid_email"``.

    Returns:
        A strategy of ``(value, "invalid_email")``.
    """
    spoiled = emails().flatmap(
        lambda email: st.sampled_from(
            (
                email.replace("@", ""),
                email.replace("@", "@@"),
                email.split("@")[0] + "@example",
                email.replace(".", ",", 1)
                if "." in email.split("@")[0]
                else email.replace("@", " @"),
                email.split("@")[0] + "..x@" + email.split("@")[1],
                "@" + email.split("@")[1],
            )
        )
    )
    return st.tuples(spoiled, st.just("invalid_email"))


def invalid_phones(region: str | None = None) -> SearchStrategy[tuple[str, str]]:
    """
    Phone numbers with too few or too many digits, tagged ``"invalid_phone"``.

    Args:
        region: As for `phones`.

    Returns:
        A strategy of ``(value, "invalid_phone")``.
    """
    spoiled = phones(region).flatmap(
        lambda phone: st.sampled_from((phone[:6], phone + "12345678", phone[:6] + " 1"))
    )
    return st.tuples(spoiled, st.just("invalid_phone"))


def invalid_postal_codes(country: str = "FR") -> SearchStrategy[tuple[str, str]]:
    """
    Postal codes malformed for their country, tagged ``"invalid_postal_code"``.

    Args:
        country: As for `postal_codes`.

    Returns:
        A strategy of ``(value, "invalid_postal_code")``.
    """
    spoiled = postal_codes(country).flatmap(
        lambda code: st.sampled_from((code[:-1], code + "9", "ABC-" + code))
    )
    return st.tuples(spoiled, st.just("invalid_postal_code"))


def invalid_names() -> SearchStrategy[tuple[str, str]]:
    """
    Names with a control character, a lone surrogate or a digit.

    Tagged ``"invalid_characters"`` (an error), ``"invalid_text"`` (an error) or
    ``"name_contains_digits"`` (a warning).

    Returns:
        A strategy of ``(value, code)``.
    """
    control = st.builds(
        lambda name, char: name + char + name, names(), st.sampled_from("\x00\x07\x1b")
    )
    surrogate = st.builds(
        lambda name, char: name + char,
        names(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    )
    digits = st.builds(lambda name, digit: name + str(digit), names(), st.integers(0, 99))
    return st.one_of(
        st.tuples(control, st.just("invalid_characters")),
        st.tuples(surrogate, st.just("invalid_text")),
        st.tuples(digits, st.just("name_contains_digits")),
    )


def invalid_currencies() -> SearchStrategy[tuple[str, str]]:
    """
    Codes that are not ISO 4217 currencies, tagged ``"unknown_currency"``.

    Returns:
        A strategy of ``(value, "unknown_currency")``.
    """
    return st.tuples(st.sampled_from(("EURO", "XYZ", "QQQ", "E", "€")), st.just("unknown_currency"))


def invalid_contacts() -> SearchStrategy[tuple[Contact, str]]:
    """
    Contacts with exactly one invalid value, tagged with the issue code it produces.

    Returns:
        A strategy of ``(contact, code)``.
    """

    def spoil(contact: Contact, change: tuple[str, object, str]) -> tuple[Contact, str]:
        field, value, code = change
        return _evolve(contact, **{field: value}), code

    def address_change(pair: tuple[str, str], country: str) -> tuple[str, object, str]:
        return "address", Address(postal_code=pair[0], country=country), pair[1]

    changes = st.one_of(
        invalid_emails().map(lambda pair: ("email", pair[0], pair[1])),
        invalid_phones("FR").map(lambda pair: ("phone", pair[0], pair[1])),
        invalid_names().map(lambda pair: ("given_name", pair[0], pair[1])),
        st.just(("contact_id", "   ", "blank_identifier")),
        st.just(("address", Address(country="QQ"), "invalid_country")),
        countries().flatmap(
            lambda country: invalid_postal_codes(country).map(
                lambda pair: address_change(pair, country)
            )
        ),
    )
    clean = contacts().map(lambda contact: _evolve(contact, address=None, phone=None, email=None))
    return st.builds(spoil, clean, changes)


def invalid_line_items() -> SearchStrategy[tuple[LineItem, str]]:
    """
    Basket lines with one invalid value, tagged with the issue code it produces.

    Returns:
        A strategy of ``(line, code)``.
    """
    return st.one_of(
        st.builds(
            lambda line, quantity: (_evolve(line, quantity=quantity), "non_positive_quantity"),
            line_items(),
            st.integers(-5, 0),
        ),
        st.builds(
            lambda line, cents: (
                _evolve(line, unit_price=Money(amount=Decimal(-cents).scaleb(-2), currency="EUR")),
                "negative_amount",
            ),
            line_items("EUR"),
            st.integers(1, 10_000),
        ),
        st.builds(
            lambda line, pair: (
                _evolve(line, unit_price=Money(amount=line.unit_price.amount, currency=pair[0])),
                pair[1],
            ),
            line_items(),
            invalid_currencies(),
        ),
    )


def invalid_purchases() -> SearchStrategy[tuple[Purchase, str]]:
    """
    Purchases with one invalid value, tagged with the issue code it produces.

    Returns:
        A strategy of ``(purchase, code)``.
    """
    one_line = st.builds(
        lambda purchase, pair: (
            _evolve(
                purchase,
                lines=(pair[0],),
                discount=None,
                total=Money(amount=Decimal("0.00"), currency="EUR"),
            ),
            pair[1],
        ),
        purchases(),
        invalid_line_items(),
    )
    negative_total = st.builds(
        lambda purchase, cents: (
            _evolve(
                purchase,
                lines=(),
                discount=None,
                total=Money(amount=Decimal(-cents).scaleb(-2), currency="EUR"),
            ),
            "negative_amount",
        ),
        purchases(),
        st.integers(1, 10_000),
    )
    blank = purchases().map(
        lambda purchase: (_evolve(purchase, purchase_id=" "), "blank_identifier")
    )
    return st.one_of(one_line, negative_total, blank)


def invalid_consents() -> SearchStrategy[tuple[Consent, str]]:
    """
    Consent events missing their purpose or their source, tagged accordingly.

    Returns:
        A strategy of ``(consent, code)``.
    """
    return st.one_of(
        consents().map(lambda consent: (_evolve(consent, purpose=" "), "consent_purpose_missing")),
        consents().map(lambda consent: (_evolve(consent, source=None), "consent_source_missing")),
    )


def invalid_feedback() -> SearchStrategy[tuple[Feedback, str]]:
    """
    Feedback with a score out of range.

    Tagged ``"nps_out_of_range"`` or ``"satisfaction_out_of_range"``.

    Returns:
        A strategy of ``(feedback, code)``.
    """
    return st.one_of(
        st.builds(
            lambda item, nps: (_evolve(item, nps=nps), "nps_out_of_range"),
            feedback(),
            st.integers(11, 1000) | st.integers(-1000, -1),
        ),
        st.builds(
            lambda item, score: (_evolve(item, satisfaction=score), "satisfaction_out_of_range"),
            feedback(),
            st.integers(6, 100) | st.integers(-100, 0),
        ),
    )


# --- arbitrary data --------------------------------------------------------------------------


def json_like(keys: Sequence[str] = ()) -> SearchStrategy[object]:
    """
    Arbitrary JSON-like data: ``None``, booleans, numbers, text, lists and string-keyed dicts.

    Floats include infinities and NaN, as ``json.loads`` may return them.

    Args:
        keys: Keys to use often in dicts besides arbitrary text, such as a record's
            field names, so that parsers get past their first check.

    Returns:
        A strategy of JSON-like values.
    """
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    key = st.sampled_from(tuple(keys)) | st.text(max_size=10) if keys else st.text(max_size=10)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(key, children, max_size=6)
        ),
        max_leaves=20,
    )


def _evolve(record: R, **changes: object) -> R:
    return attrs.evolve(record, **changes)  # type: ignore[misc]  # always an attrs record
