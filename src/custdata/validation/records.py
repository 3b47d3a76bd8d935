"""
Record-level validation and normalisation: `validate`, `normalise`, `validate_many`.

One pass over a record computes both its issues and its canonical form, so the
three functions always agree: ``validate_many(records)`` yields exactly
``(normalise(record), validate(record))`` for each record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, Final, TypeVar, cast

import attrs

from custdata.errors import Issue, Severity, ValidationError
from custdata.model import (
    Address,
    Channel,
    Consent,
    Contact,
    Feedback,
    LineItem,
    Money,
    Purchase,
    TimeZone,
    from_flat,
)
from custdata.validation import phone as _phone
from custdata.validation._common import (
    blank_identifier,
    has_surrogates,
    invalid_text,
    wrong_type,
)
from custdata.validation.consent import consent_issues
from custdata.validation.dates import birth_date_issues, oldest_birth_date
from custdata.validation.email import canonical_email, email_value_issue
from custdata.validation.money import money_issues, normalise_currency
from custdata.validation.names import flag_issues, normalise_name, text_flags
from custdata.validation.phone import PhoneResult, PhoneType, check_region, phone_value_issue
from custdata.validation.postal import (
    COUNTRIES,
    canonical_postal_code,
    normalise_country,
    postal_code_value_issue,
)
from custdata.validation.report import Report
from custdata.validation.scores import score_issues

__all__ = ["BatchValidator", "content_issues", "normalise", "validate", "validate_many"]

R = TypeVar("R")

_MISS: Final = object()


# The built-in records whose fields normalise replaces. Those fields have no
# converter and no validator, and the values copied as they are already went
# through the constructor, so setting the slots directly gives the record
# attrs.evolve gives: tests/validation/test_records.py (TestCopies) checks it
# on every copy. It is about twice as fast as evolve, and validate_many needs
# that for its goal in docs/performance.md. Any other class, a host's subclass
# of these included, goes through its constructor.
_SLOTS: Final[dict[type, tuple[str, ...]]] = {
    cls: tuple(field.name for field in attrs.fields(cls))
    for cls in (Address, Consent, Contact, LineItem, Money, Purchase)
}
_new = object.__new__
_set = object.__setattr__


def _evolve(record: R, changes: dict[str, object]) -> R:
    """
    Return a copy of a record with the fields in ``changes`` replaced.

    A built-in record is copied slot by slot (see ``_SLOTS``), which equals
    `attrs.evolve`. Any other record goes through `attrs.evolve`, so that its
    class's converters and validators run (a host's subclass may add its own);
    a record they refuse, because a value was put past its constructor or the
    class refuses a canonical form, is returned as it is: neither `validate`
    nor `normalise` raises on a record.
    """
    names = _SLOTS.get(type(record))
    if names is None:
        try:
            evolved: R = attrs.evolve(cast("Any", record), **changes)  # an attrs record
        except (TypeError, ValueError):
            return record
        return evolved
    new: R = _new(type(record))
    for name in names:
        _set(new, name, getattr(record, name))
    for name, value in changes.items():
        _set(new, name, value)
    return new


_EMPTY_REPORT: Final = Report()
_MOBILE_TYPES: Final = frozenset(
    {PhoneType.MOBILE, PhoneType.FIXED_LINE_OR_MOBILE, PhoneType.PERSONAL_NUMBER}
)


class _Context:
    """The options of one call, and the per-value results computed so far."""

    __slots__ = (
        "emails",
        "lowercase_local_part",
        "oldest_birth_date",
        "phone_regions",
        "phones",
        "postal_codes",
        "region",
        "texts",
        "today",
    )

    def __init__(self, region: str, today: dt.date | None, lowercase_local_part: bool) -> None:
        self.region = check_region(region)
        if today is not None and (not isinstance(today, dt.date) or isinstance(today, dt.datetime)):
            msg = "today must be a datetime.date (not a datetime), or None"
            raise TypeError(msg)
        self.today = today
        self.oldest_birth_date = None if today is None else oldest_birth_date(today)
        self.phone_regions = _phone.supported_regions()
        self.lowercase_local_part = lowercase_local_part
        self.emails: dict[str, str | None] = {}
        self.phones: dict[str, dict[str, PhoneResult | None]] = {}  # region -> value ->
        self.postal_codes: dict[str, dict[str, str | None]] = {}  # country -> value ->
        self.texts: dict[str, tuple[str, bool, bool, bool]] = {}  # value -> canonical, flags

    def email(self, value: str) -> str | None:
        cached = self.emails.get(value, _MISS)
        if cached is _MISS:
            cached = canonical_email(value, lowercase_local_part=self.lowercase_local_part)
            self.emails[value] = cached
        return cached  # type: ignore[return-value]  # _MISS was replaced above

    def phone(self, value: str, region: str) -> PhoneResult | None:
        by_value = self.phones.get(region)
        if by_value is None:
            by_value = self.phones[region] = {}
        cached = by_value.get(value, _MISS)
        if cached is _MISS:
            cached = _phone.phone_result(value, region)
            by_value[value] = cached
        return cached  # type: ignore[return-value]  # _MISS was replaced above

    def text(self, value: str) -> tuple[str, bool, bool, bool]:
        cached = self.texts.get(value)
        if cached is None:
            canonical = normalise_name(value)
            cached = (canonical, *text_flags(canonical))
            self.texts[value] = cached
        return cached

    def postal_code(self, value: str, country: str) -> str | None:
        by_value = self.postal_codes.get(country)
        if by_value is None:
            by_value = self.postal_codes[country] = {}
        cached = by_value.get(value, _MISS)
        if cached is _MISS:
            cached = canonical_postal_code(value, country)
            by_value[value] = cached
        return cached  # type: ignore[return-value]  # _MISS was replaced above

    def trim(self, cache_size: int) -> None:
        """Empty each cache that holds more than ``cache_size`` values."""
        if len(self.emails) > cache_size:
            self.emails.clear()
        if len(self.texts) > cache_size:
            self.texts.clear()
        for nested in (self.phones, self.postal_codes):
            if sum(len(by_value) for by_value in nested.values()) > cache_size:
                nested.clear()


# --- field helpers: return the canonical value, append issues --------------------------


def _identifier(value: object, path: str, issues: list[Issue]) -> None:
    if not isinstance(value, str):
        issues.append(wrong_type(path, "a string identifier"))
    elif not value.strip():
        issues.append(blank_identifier(path))
    elif has_surrogates(value):
        issues.append(invalid_text(path))


def _plain(value: object, path: str, issues: list[Issue]) -> None:
    """Check an optional free text that has no format: text, and valid Unicode."""
    if value is None:
        return
    if not isinstance(value, str):
        issues.append(wrong_type(path, "text"))
    elif has_surrogates(value):
        issues.append(invalid_text(path))


def _text(value: object, path: str, issues: list[Issue], ctx: _Context, *, person: bool) -> object:
    """Return the canonical text (``None`` when blank); the value itself if not text."""
    if not isinstance(value, str):
        issues.append(wrong_type(path, "text"))
        return value
    canonical, control, surrogates, digits = ctx.text(value)
    if not canonical:
        return None
    if control or surrogates or (digits and person):
        issues.extend(
            flag_issues(path, control=control, surrogates=surrogates, digits=digits and person)
        )
    return canonical


def _country(value: object, path: str, issues: list[Issue]) -> object:
    if not isinstance(value, str):
        issues.append(wrong_type(path, "an ISO 3166-1 alpha-2 code"))
        return value
    if not value.strip():
        return None
    canonical = normalise_country(value)
    if canonical is None:
        if has_surrogates(value):
            issues.append(invalid_text(path))
        else:
            issues.append(
                Issue(
                    path=path, code="invalid_country", message="is not an ISO 3166-1 alpha-2 code"
                )
            )
        return value
    return canonical


def _address_country(
    raw: object, prefix: str, changes: dict[str, object], issues: list[Issue], ctx: _Context
) -> str | None:
    """
    Check the country; return the one postal codes are read in.

    That is the address's country, else the default region; ``None`` when the
    address names a country that cannot be read.
    """
    if raw is None:
        return ctx.region
    canonical = _country(raw, prefix + "country", issues)
    if canonical != raw:
        changes["country"] = canonical
    if canonical is None:
        return ctx.region
    return canonical if canonical in COUNTRIES else None


def _address(
    address: Address, prefix: str, issues: list[Issue], ctx: _Context
) -> tuple[Address, str | None]:
    """Return the canonical address and the country its values are read in."""
    changes: dict[str, object] = {}
    for name in ("line1", "line2", "city", "region"):
        value = getattr(address, name)
        if value is not None:
            canonical = _text(value, prefix + name, issues, ctx, person=False)
            if canonical != value:
                changes[name] = canonical
    country = _address_country(address.country, prefix, changes, issues, ctx)
    code: object = address.postal_code
    if code is not None:
        if not isinstance(code, str):
            issues.append(wrong_type(prefix + "postal_code", "text"))
        elif not code.strip():
            changes["postal_code"] = None
        elif country is not None:
            canonical_code = ctx.postal_code(code, country)
            if canonical_code is None:
                issues.append(postal_code_value_issue(prefix + "postal_code", code))
            elif canonical_code != code:
                changes["postal_code"] = canonical_code
        elif has_surrogates(code):  # not checked against its country, but not text either
            issues.append(invalid_text(prefix + "postal_code"))
    if changes:
        address = _evolve(address, changes)
    return address, country


def _email(value: object, path: str, issues: list[Issue], ctx: _Context) -> object:
    if not isinstance(value, str):
        issues.append(wrong_type(path, "text"))
        return value
    canonical = ctx.email(value)
    if canonical is None:
        if not value.strip():
            return None
        issues.append(email_value_issue(path, value))
        return value
    return canonical


def _phone_value(
    value: object,
    path: str,
    issues: list[Issue],
    ctx: _Context,
    *,
    region: str,
    channels: object,
) -> object:
    if not isinstance(value, str):
        issues.append(wrong_type(path, "text"))
        return value
    result = ctx.phone(value, region)
    if result is None:
        if not value.strip():
            return None
        issues.append(phone_value_issue(path, value))
        return value
    if (
        isinstance(channels, tuple)
        and Channel.SMS in channels
        and result.number_type not in _MOBILE_TYPES
    ):
        issues.append(
            Issue(
                path=path,
                code="phone_not_mobile",
                severity=Severity.WARNING,
                message="SMS is a preferred channel but the number is not a mobile number",
            )
        )
    if result.extension is not None:
        issues.append(
            Issue(
                path=path,
                code="phone_has_extension",
                severity=Severity.WARNING,
                message="has an extension, which E.164 cannot hold: left as written",
            )
        )
        return value
    return result.e164


# --- records ---------------------------------------------------------------------------


def _contact_dates(record: Contact, issues: list[Issue], ctx: _Context) -> None:
    birth_date: object = record.birth_date
    if birth_date is not None:
        if isinstance(birth_date, dt.datetime) or not isinstance(birth_date, dt.date):
            issues.append(wrong_type("birth_date", "a date"))
        else:
            oldest = ctx.oldest_birth_date
            if oldest is not None and not oldest <= birth_date <= ctx.today:  # type: ignore[operator]  # today is set with oldest
                issues.extend(birth_date_issues(birth_date, "birth_date", today=ctx.today))
    created: object = record.created_at
    last: object = record.last_interaction_at
    if isinstance(created, dt.datetime) and isinstance(last, dt.datetime):
        try:
            before = last < created
        except TypeError:  # a naive datetime, smuggled past the record's validators
            before = False
        if before:
            issues.append(
                Issue(
                    path="last_interaction_at",
                    code="last_interaction_before_creation",
                    severity=Severity.WARNING,
                    message="is before the contact was created",
                )
            )


def _contact_free_texts(record: Contact, issues: list[Issue]) -> None:
    """Check the texts that have no format: acquisition source, interests, income band."""
    _plain(record.acquisition_source, "acquisition_source", issues)
    interests: object = record.interests
    if isinstance(interests, tuple):
        for index, interest in enumerate(interests):
            _plain(interest, f"interests[{index}]", issues)
    else:
        issues.append(wrong_type("interests", "a tuple of texts"))
    _plain(record.income_band, "income_band", issues)


def _contact(record: Contact, ctx: _Context) -> tuple[Contact, list[Issue]]:
    issues: list[Issue] = []
    changes: dict[str, object] = {}
    _identifier(record.contact_id, "contact_id", issues)
    for name, person in (
        ("given_name", True),
        ("family_name", True),
        ("company", False),
        ("job_title", False),
    ):
        value = getattr(record, name)
        if value is not None:
            canonical = _text(value, name, issues, ctx, person=person)
            if canonical != value:
                changes[name] = canonical
    region = ctx.region
    address: object = record.address
    if isinstance(address, Address):
        canonical_address, country = _address(address, "address.", issues, ctx)
        if canonical_address is not address:
            changes["address"] = canonical_address
        if country is not None and country != region and country in ctx.phone_regions:
            region = country
    elif address is not None:
        issues.append(wrong_type("address", "an Address"))
    email = record.email
    if email is not None:
        canonical = _email(email, "email", issues, ctx)
        if canonical != email:
            changes["email"] = canonical
    phone = record.phone
    if phone is not None:
        canonical = _phone_value(
            phone, "phone", issues, ctx, region=region, channels=record.preferred_channels
        )
        if canonical != phone:
            changes["phone"] = canonical
    _contact_dates(record, issues, ctx)
    _contact_free_texts(record, issues)
    if changes:
        record = _evolve(record, changes)
    return record, issues


def _money(value: object, path: str, issues: list[Issue]) -> object:
    if not isinstance(value, Money):
        issues.append(wrong_type(path, "Money"))
        return value
    issues.extend(money_issues(value, path))
    currency = value.currency
    if isinstance(currency, str):
        canonical = normalise_currency(currency)
        if canonical != currency:
            return _evolve(value, {"currency": canonical})
    return value


def _line_item(item: LineItem, prefix: str, issues: list[Issue]) -> LineItem:
    _identifier(item.sku, prefix + "sku", issues)
    quantity = item.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        issues.append(wrong_type(prefix + "quantity", "an integer"))
    elif quantity <= 0:
        issues.append(
            Issue(
                path=prefix + "quantity",
                code="non_positive_quantity",
                message="must be at least 1",
            )
        )
    price = _money(item.unit_price, prefix + "unit_price", issues)
    _plain(item.name, prefix + "name", issues)
    _plain(item.category, prefix + "category", issues)
    if price is not item.unit_price:
        return _evolve(item, {"unit_price": price})
    return item


def _purchase(record: Purchase, _ctx: _Context) -> tuple[Purchase, list[Issue]]:
    issues: list[Issue] = []
    changes: dict[str, object] = {}
    _identifier(record.purchase_id, "purchase_id", issues)
    _identifier(record.contact_id, "contact_id", issues)
    total = _money(record.total, "total", issues)
    if total is not record.total:
        changes["total"] = total
    monies = [total]
    if record.discount is not None:
        discount = _money(record.discount, "discount", issues)
        if discount is not record.discount:
            changes["discount"] = discount
        monies.append(discount)
    lines: object = record.lines
    if isinstance(lines, tuple):
        new_lines: list[object] = []
        for index, item in enumerate(lines):
            if isinstance(item, LineItem):
                new_item = _line_item(item, f"lines[{index}].", issues)
                monies.append(new_item.unit_price)
            else:
                issues.append(wrong_type(f"lines[{index}]", "a LineItem"))
                new_item = item
            new_lines.append(new_item)
        if any(new is not old for new, old in zip(new_lines, lines, strict=True)):
            changes["lines"] = tuple(new_lines)
    else:
        issues.append(wrong_type("lines", "a tuple of LineItem"))
    currencies = {
        money.currency
        for money in monies
        if isinstance(money, Money) and isinstance(money.currency, str)
    }
    if len(currencies) > 1:
        issues.append(
            Issue(
                path="",
                code="mixed_currencies",
                severity=Severity.WARNING,
                message="the total, discount and lines are not all in one currency",
            )
        )
    if changes:
        record = _evolve(record, changes)
    return record, issues


def _consent(record: Consent, _ctx: _Context) -> tuple[Consent, list[Issue]]:
    issues: list[Issue] = []
    changes: dict[str, object] = {}
    _identifier(record.contact_id, "contact_id", issues)
    issues.extend(consent_issues(record))
    for name in ("purpose", "source"):
        value = getattr(record, name)
        if isinstance(value, str):
            if has_surrogates(value):
                issues.append(invalid_text(name))
            canonical = normalise_name(value)
            if canonical != value and (canonical or name == "source"):
                changes[name] = canonical or None
    _plain(record.policy_version, "policy_version", issues)
    _plain(record.proof, "proof", issues)
    if changes:
        record = _evolve(record, changes)
    return record, issues


def _feedback(record: Feedback, _ctx: _Context) -> tuple[Feedback, list[Issue]]:
    issues: list[Issue] = []
    _identifier(record.feedback_id, "feedback_id", issues)
    _identifier(record.contact_id, "contact_id", issues)
    if record.nps is not None:
        issues.extend(score_issues(record.nps, "nps", kind="nps"))
    if record.satisfaction is not None:
        issues.extend(score_issues(record.satisfaction, "satisfaction", kind="satisfaction"))
    _plain(record.comment, "comment", issues)
    _plain(record.survey_id, "survey_id", issues)
    return record, issues


def _bare_address(record: Address, ctx: _Context) -> tuple[Address, list[Issue]]:
    issues: list[Issue] = []
    canonical, _country_code = _address(record, "", issues, ctx)
    return canonical, issues


def _bare_money(record: Money, _ctx: _Context) -> tuple[Money, list[Issue]]:
    issues: list[Issue] = []
    canonical = _money(record, "", issues)
    return canonical, issues  # type: ignore[return-value]  # a Money in, a Money out


def _bare_line_item(record: LineItem, _ctx: _Context) -> tuple[LineItem, list[Issue]]:
    issues: list[Issue] = []
    canonical = _line_item(record, "", issues)
    return canonical, issues


_HANDLERS: Final[dict[type, Callable[[object, _Context], tuple[object, list[Issue]]]]] = {
    Contact: _contact,  # type: ignore[dict-item]  # each handler takes its own record type
    Purchase: _purchase,  # type: ignore[dict-item]
    Consent: _consent,  # type: ignore[dict-item]
    Feedback: _feedback,  # type: ignore[dict-item]
    Address: _bare_address,  # type: ignore[dict-item]
    Money: _bare_money,  # type: ignore[dict-item]
    LineItem: _bare_line_item,  # type: ignore[dict-item]
}


def _handler(record: object) -> Callable[[object, _Context], tuple[object, list[Issue]]]:
    handler = _HANDLERS.get(type(record))
    if handler is None:
        for cls in type(record).__mro__:
            handler = _HANDLERS.get(cls)
            if handler is not None:
                break
        else:
            msg = (
                "expected a custdata record (Contact, Purchase, Consent, Feedback, "
                f"Address, Money or LineItem), got {type(record).__name__}"
            )
            raise TypeError(msg)
    return handler


def _report(issues: list[Issue]) -> Report:
    return Report(issues=issues) if issues else _EMPTY_REPORT


def validate(record: object, *, region: str = "FR", today: dt.date | None = None) -> Report:
    """
    Check the content of a record, field by field; never raises on a record.

    Checks each value the record holds: emails, phones, names, postal and country
    codes, birth dates, money, survey scores, consent elements (docs/validation.md
    lists every check and its code). Values are judged by what they mean, not how
    they are written: ``"06 12 34 56 78"`` is a valid phone, which `normalise`
    rewrites as ``"+33612345678"``.

    Example:
        >>> import datetime as dt
        >>> from custdata import Contact, validate
        >>> report = validate(
        ...     Contact(contact_id="c1", phone="06 12 34", birth_date=dt.date(2090, 1, 1)),
        ...     today=dt.date(2025, 6, 1),
        ... )
        >>> report.ok, sorted(report.codes())
        (False, ['birth_date_in_future', 'invalid_phone'])

    Args:
        record: A `Contact`, `Purchase`, `Consent` or `Feedback` (or an `Address`,
            `Money` or `LineItem` on its own).
        region: The ISO 3166-1 alpha-2 country assumed when the record does not say:
            national phone numbers are read in the address's country, else in
            ``region``; postal codes are checked against the address's country, else
            ``region``.
        today: The current date, for the birth date checks. custdata never reads
            the clock: when ``today`` is ``None`` those checks are skipped.

    Returns:
        The `Report`: ``ok`` is ``False`` when an error-severity issue was found.

    Raises:
        TypeError: If ``record`` is not a custdata record, or ``today`` not a date.
        ValueError: If ``region`` is not a region libphonenumber knows.
    """
    handler = _handler(record)
    _canonical, issues = handler(record, _Context(region, today, lowercase_local_part=True))
    return _report(issues)


def normalise(record: R, *, region: str = "FR", lowercase_local_part: bool = True) -> R:
    """
    Return the record with canonical values; invalid values are left as they are.

    Emails are normalised (email-validator's form, lower-cased: see
    `custdata.validation.normalise_email`), phones written in E.164, names and other
    short texts in NFC with whitespace collapsed and full-width forms folded,
    postal codes in their national form, country and currency codes upper-cased.
    Blank optional texts become ``None``. A value that `validate` reports as
    invalid is not guessed at: it is kept as written.
    Normalising twice gives the same record as normalising once. A record of a
    host's subclass is copied through its constructor (`attrs.evolve`), so that
    its converters and validators run; one they refuse (a value smuggled past
    the constructor, or a canonical form the subclass refuses) is returned as
    it is.

    Example:
        >>> from custdata import Contact, normalise
        >>> clean = normalise(Contact(contact_id="c1", email="Elodie.Martin@Example.FR ",
        ...                           phone="06 12 34 56 78", given_name=" Élodie  "))
        >>> clean.email, clean.phone, clean.given_name
        ('elodie.martin@example.fr', '+33612345678', 'Élodie')

    Args:
        record: A custdata record (see `validate`).
        region: The country assumed when the record does not say (see `validate`);
            keyword-only, as in `validate`.
        lowercase_local_part: Lower-case the part of emails before the ``@``; pass
            ``False`` to keep its case.

    Returns:
        A record of the same type; the same instance when it was already canonical
        (records are immutable, so this is safe). The input is never modified.

    Raises:
        TypeError: If ``record`` is not a custdata record.
        ValueError: If ``region`` is not a region libphonenumber knows.
    """
    handler = _handler(record)
    canonical, _issues = handler(record, _Context(region, None, lowercase_local_part))
    return canonical  # type: ignore[return-value]  # handlers return their input type


def validate_many(
    records: Iterable[R],
    *,
    batch_size: int = 10_000,
    region: str = "FR",
    today: dt.date | None = None,
    lowercase_local_part: bool = True,
    cache_size: int = 100_000,
) -> Iterator[tuple[R, Report]]:
    """
    Validate and normalise a stream of records, computing each distinct value once.

    Records are read ``batch_size`` at a time, so memory stays flat whatever the
    length of the stream. Within a batch each distinct email and phone number is
    parsed once; the results are also kept for the next batches until more than
    ``cache_size`` distinct values of a kind have been seen, when that cache is
    emptied. Customer files repeat the same people, so this is where the time goes.

    Example:
        >>> from custdata import Contact, validate_many
        >>> rows = [Contact(contact_id=str(i), phone="06 12 34 56 78") for i in range(3)]
        >>> [(record.phone, report.ok) for record, report in validate_many(rows)]
        [('+33612345678', True), ('+33612345678', True), ('+33612345678', True)]

    Args:
        records: Any iterable of custdata records, consumed lazily.
        batch_size: How many records are read before their results are yielded.
        region: The country assumed when a record does not say (see `validate`).
        today: The current date, for the birth date checks (see `validate`).
        lowercase_local_part: Lower-case the part of emails before the ``@``.
        cache_size: How many distinct emails, and distinct phone numbers, are kept
            across batches; ``0`` keeps them for one batch only.

    Yields:
        ``(normalise(record), validate(record))`` for each record, in order.

    Raises:
        TypeError: If an item is not a custdata record.
        ValueError: If ``region`` is unknown or ``batch_size`` is less than 1.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        msg = "batch_size must be a positive integer"
        raise ValueError(msg)
    validator = BatchValidator(
        region=region,
        today=today,
        lowercase_local_part=lowercase_local_part,
        cache_size=cache_size,
    )
    iterator = iter(records)
    while True:
        batch = list(islice(iterator, batch_size))
        if not batch:
            return
        yield from validator.run(batch)


class BatchValidator:
    """
    Validate and normalise successive batches of records, sharing parsed values between them.

    The engine of `validate_many`, for callers that hold their own batches (a
    policy run): each distinct email and phone number is parsed once per
    batch, and the results are kept for the next batches until more than
    ``cache_size`` distinct values of a kind have been seen. Not thread-safe:
    one per stream.

    Args:
        region: The country assumed when a record does not say (see `validate`).
        today: The current date, for the birth date checks (see `validate`).
        lowercase_local_part: Lower-case the part of emails before the ``@``.
        cache_size: How many distinct values of a kind are kept across batches.

    Raises:
        ValueError: If ``region`` is unknown.
        TypeError: If ``today`` is not a date.
    """

    __slots__ = ("_cache_size", "_ctx")

    def __init__(
        self,
        *,
        region: str = "FR",
        today: dt.date | None = None,
        lowercase_local_part: bool = True,
        cache_size: int = 100_000,
    ) -> None:
        self._ctx = _Context(region, today, lowercase_local_part)
        self._cache_size = cache_size

    def run(self, batch: Iterable[R]) -> list[tuple[R, Report]]:
        """
        Validate and normalise one batch.

        Args:
            batch: custdata records.

        Returns:
            ``(normalise(record), validate(record))`` for each record, in order.

        Raises:
            TypeError: If an item is not a custdata record.
        """
        ctx = self._ctx
        handlers = _HANDLERS
        out: list[tuple[R, Report]] = []
        for record in batch:
            handler = handlers.get(type(record)) or _handler(record)
            canonical, issues = handler(record, ctx)
            out.append((canonical, Report(issues=issues) if issues else _EMPTY_REPORT))  # type: ignore[arg-type]  # handlers return their input type
        ctx.trim(self._cache_size)
        return out


def content_issues(
    values: Mapping[str, object],
    shape_issues: Iterable[Issue],
    record_type: type,
    *,
    region: str = "FR",
    today: dt.date | None = None,
    tz: TimeZone | None = None,
    build: Callable[[Mapping[str, object]], object] | None = None,
) -> tuple[Issue, ...]:
    """
    The content issues of the other fields of a row that does not fit its record type.

    A row with a date that cannot be read and an invalid email reports both:
    the columns with shape issues are left out, the rest is built into a
    record and validated. When even that cannot be built (a required field is
    the bad one), there is nothing more to report.

    Args:
        values: The row's values by dotted column (a flat row, as files give them).
        shape_issues: The issues `custdata.model.from_flat` found in the row.
        record_type: The record class the row was read as.
        region: The country assumed when the row does not say (see `validate`).
        today: The current date, for the birth date checks (see `validate`).
        tz: The time zone of date-times written without an offset.
        build: How the other cells become a record, raising `ValidationError`
            if they cannot: `custdata.model.from_flat` (file cells) by default;
            frames read typed cells their own way.

    Returns:
        The issues of the other fields, in `validate`'s order; empty if none.
    """
    bad = {_column_root(issue.path) for issue in shape_issues}
    kept = {
        column: value
        for column, value in values.items()
        if _column_root(column) not in bad and column.partition(".")[0] not in bad
    }
    try:
        record: object = from_flat(record_type, kept, tz=tz) if build is None else build(kept)
    except ValidationError:
        return ()
    return tuple(
        issue
        for issue in validate(record, region=region, today=today).issues
        if _column_root(issue.path) not in bad
    )


def _column_root(path: str) -> str:
    """The column an issue path points into: ``lines[2].quantity`` -> ``lines``."""
    return path.partition("[")[0]
