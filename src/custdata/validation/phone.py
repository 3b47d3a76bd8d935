"""
Phone numbers: E.164, the number type, and invalid numbers reported, not guessed.

Parsing and validation are libphonenumber's (the ``phonenumbers`` package). A
number written in national form (``06 12 34 56 78``) is read in a region, ``"FR"``
by default; a number in international form (``+33 6 12 34 56 78``,
``0033 6 12 34 56 78`` from France) carries its own country. A number that does
not match its country's numbering plan is reported, never completed or corrected.

French overseas numbers written nationally (``0590 27 12 34``, ``0692 12 34 56``) are
read in the region ``"FR"`` as the French plan reads them: with their territory's
calling code (``+590``, ``+262``...), never ``+33``; the prefixes are in
`custdata.validation._fr_numbering`.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from custdata.errors import Issue
from custdata.validation._common import has_surrogates, invalid_text, raise_value_error, wrong_type
from custdata.validation._fr_numbering import overseas_prefix

__all__ = [
    "INVALID_PHONE",
    "PhoneResult",
    "PhoneType",
    "check_region",
    "normalise_phone",
    "parse_phone",
    "phone_value_issue",
    "supported_regions",
]

INVALID_PHONE: Final = "invalid_phone"
"""The issue code of a value that is not a valid phone number."""


class PhoneType(enum.StrEnum):
    """The kind of line a phone number belongs to, as libphonenumber classifies it."""

    FIXED_LINE = "fixed_line"
    MOBILE = "mobile"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    """Some countries (the US, Canada) do not tell the two apart."""
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    """Universal access number: a company number routed to one of its offices."""
    VOICEMAIL = "voicemail"


@attrs.frozen(kw_only=True)
class PhoneResult:
    """
    A valid phone number in canonical form.

    Attributes:
        e164: The number in E.164 form, such as ``"+33612345678"``.
        number_type: Mobile, fixed line, toll free...
        region: The ISO 3166-1 alpha-2 region the number belongs to (``"FR"``), or
            ``"001"`` for non-geographic numbers (satellite, international services).
        extension: The extension written after the number, if any; E.164 has no
            place for it.
    """

    e164: str
    number_type: PhoneType
    region: str
    extension: str | None = None


class _Lib:
    """The phonenumbers functions and constants, imported on first use (it is slow to load)."""

    def __init__(self) -> None:
        import phonenumbers
        from phonenumbers import phonenumberutil

        self.parse = phonenumbers.parse
        self.phone_number = phonenumbers.PhoneNumber
        self.from_default_country = phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
        self.number_type = phonenumbers.number_type
        self.region_code_for_number = phonenumbers.region_code_for_number
        self.nsn = phonenumbers.national_significant_number
        self.error = phonenumbers.NumberParseException
        self.regions = frozenset(phonenumberutil.SUPPORTED_REGIONS)
        names = phonenumbers.PhoneNumberType
        self.types: dict[int, PhoneType] = {
            names.FIXED_LINE: PhoneType.FIXED_LINE,
            names.MOBILE: PhoneType.MOBILE,
            names.FIXED_LINE_OR_MOBILE: PhoneType.FIXED_LINE_OR_MOBILE,
            names.TOLL_FREE: PhoneType.TOLL_FREE,
            names.PREMIUM_RATE: PhoneType.PREMIUM_RATE,
            names.SHARED_COST: PhoneType.SHARED_COST,
            names.VOIP: PhoneType.VOIP,
            names.PERSONAL_NUMBER: PhoneType.PERSONAL_NUMBER,
            names.PAGER: PhoneType.PAGER,
            names.UAN: PhoneType.UAN,
            names.VOICEMAIL: PhoneType.VOICEMAIL,
        }


# The phonenumbers table, built on first use: process-wide, safe under threads without
# a lock. It is never changed once built; threads that find it missing at once each
# build an equal table (the import itself is serialised by Python) and one is kept.
_LIB: _Lib | None = None


def _lib() -> _Lib:
    global _LIB  # noqa: PLW0603  # a lazily built, immutable, process-wide table
    if _LIB is None:
        _LIB = _Lib()
    return _LIB


def supported_regions() -> frozenset[str]:
    """
    Return the regions libphonenumber knows (ISO 3166-1 alpha-2 codes, and a few more).

    Returns:
        A frozenset such as ``{"FR", "BE", ...}``.
    """
    return _lib().regions


def check_region(region: str) -> str:
    """
    Check a default region code, as given by a caller (not by the data).

    Args:
        region: An ISO 3166-1 alpha-2 code that libphonenumber knows, such as ``"FR"``.

    Returns:
        The region, upper-cased.

    Raises:
        ValueError: If libphonenumber does not know the region.
    """
    upper = region.strip().upper() if isinstance(region, str) else ""
    if upper not in _lib().regions:
        msg = "region must be an ISO 3166-1 alpha-2 code known to libphonenumber, such as 'FR'"
        raise ValueError(msg)
    return upper


def phone_result(value: str, region: str) -> PhoneResult | None:
    """
    Return the canonical form of a phone number, or ``None`` when it is invalid.

    The non-raising core of `parse_phone`; ``region`` must already be checked.

    Args:
        value: The number as found in the data.
        region: The region in which a national number is read (upper case).

    Returns:
        A `PhoneResult`, or ``None``.
    """
    lib = _LIB or _lib()
    if has_surrogates(value):  # libphonenumber would skip them and read the digits around
        return None
    french = region == "FR"
    try:
        # The raw input tells a national number from one written with +33 or 0033.
        number = lib.parse(value, region, keep_raw_input=french)
    except lib.error:
        return None
    if french and number.country_code_source == lib.from_default_country:
        # Overseas prefixes first: France's metadata accepts some of them as +33.
        overseas = overseas_prefix(f"0{lib.nsn(number)}")
        if overseas is not None:
            number = lib.phone_number(
                country_code=overseas.calling_code,
                national_number=number.national_number,
                extension=number.extension,
            )
    # number_type is UNKNOWN exactly when is_valid_number is false (both test the
    # national number against the metadata of the number's region): one call, not two.
    kind = lib.types.get(lib.number_type(number))
    if kind is None:
        return None
    return PhoneResult(
        e164=f"+{number.country_code}{lib.nsn(number)}",
        number_type=kind,
        region=lib.region_code_for_number(number) or "001",
        extension=number.extension or None,
    )


def parse_phone(value: object, region: str = "FR") -> PhoneResult:
    """
    Parse and validate a phone number.

    Example:
        >>> result = parse_phone("06 12 34 56 78")
        >>> result.e164, result.number_type.value, result.region
        ('+33612345678', 'mobile', 'FR')
        >>> parse_phone("+32 470 12 34 56", region="FR").region
        'BE'

    Args:
        value: The number as found in the data: spaces, dots, dashes, brackets,
            ``+`` or ``00`` prefixes are all accepted. A number (an ``int`` from a
            spreadsheet, which has lost its leading zero) is not.
        region: The ISO 3166-1 alpha-2 region in which a national number is read.

    Returns:
        The `PhoneResult`: E.164 form, number type, region, extension.

    Raises:
        ValidationError: With one issue at path ``"phone"``: ``invalid_phone`` if
            the value is not a valid number, ``invalid_text`` if it holds lone
            surrogates, ``wrong_type`` if it is not a string (``None``, a number).
            The message never contains the value.
        ValueError: If ``region`` is not a region libphonenumber knows.
    """
    checked = check_region(region)
    if not isinstance(value, str):
        raise_value_error([wrong_type("phone", "text")])
    result = phone_result(value, checked)
    if result is None:
        raise_value_error([phone_value_issue("phone", value)])
    return result


def normalise_phone(value: object, region: str = "FR") -> str:
    """
    Return a phone number in E.164 form (``"+33612345678"``).

    An extension, if any, is dropped: use `parse_phone` to keep it.

    Args:
        value: The number as found in the data.
        region: The ISO 3166-1 alpha-2 region in which a national number is read.

    Returns:
        The E.164 form.

    Raises:
        ValidationError: As `parse_phone`: ``invalid_phone``, ``invalid_text`` or
            ``wrong_type``, at path ``"phone"``.
        ValueError: If ``region`` is not a region libphonenumber knows.
    """
    return parse_phone(value, region).e164


def phone_issue(path: str) -> Issue:
    """Return the ``invalid_phone`` issue for the field at ``path``."""
    return Issue(
        path=path,
        code=INVALID_PHONE,
        message="is not a valid phone number for its country",
    )


def phone_value_issue(path: str, value: str) -> Issue:
    """Return the issue of a number `phone_result` refused: invalid text or phone."""
    return invalid_text(path) if has_surrogates(value) else phone_issue(path)
