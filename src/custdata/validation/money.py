"""
Money: amounts that are not negative, in a currency that exists.

Currency codes are compared upper-cased (``eur`` is EUR); `custdata.normalise`
writes them upper-cased.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from custdata.errors import Issue
from custdata.model import Money
from custdata.validation._common import (
    has_surrogates,
    invalid_text,
    raise_value_error,
    wrong_type,
)

__all__ = ["CURRENCIES", "MINOR_UNITS", "money_issues", "normalise_currency"]

# ISO 4217 List One, the active codes as of 2025 (XCG has replaced ANG, ZWG has
# replaced ZWL, SLE has replaced SLL), as published by SIX Financial Information,
# the ISO 4217 maintenance agency:
# https://www.six-group.com/en/products-services/financial-information/data-standards.html
# XTS (reserved for testing) and XXX ("no currency") are left out: they never
# price a purchase.
CURRENCIES: Final[frozenset[str]] = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL
    BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF
    DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
    HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
    TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA
    XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905  # a table of codes reads best as a block
)
"""The currency codes validation accepts: ISO 4217 active codes but XTS and XXX."""

# The minor unit of each code of CURRENCIES, from the same ISO 4217 List One:
# the number of decimal places of the currency's smallest unit. Codes whose
# minor unit is "N.A." (precious metals, bond-market units, the SDR) are absent.
_NO_MINOR_UNIT: Final = frozenset("XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XUA".split())  # noqa: SIM905  # a table of codes
_ZERO_DECIMALS: Final = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_MINOR_UNIT_EXCEPTIONS: Final = {
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),  # noqa: SIM905  # a table of codes
    **dict.fromkeys("CLF UYW".split(), 4),  # noqa: SIM905  # a table of codes
}
MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {code: _MINOR_UNIT_EXCEPTIONS.get(code, 2) for code in sorted(CURRENCIES - _NO_MINOR_UNIT)}
)
"""
The ISO 4217 minor unit of each currency that has one (JPY 0, EUR 2, BHD 3, CLF 4).

Codes without a minor unit, such as XAU (gold), are absent: they price no purchase.
"""

_ZERO: Final = Decimal(0)


def normalise_currency(value: object) -> str:
    """
    Return a currency code trimmed and upper-cased (``" eur"`` becomes ``"EUR"``).

    Args:
        value: A currency code as found in the data.

    Returns:
        The upper-case code; whether it exists is checked by validation.

    Raises:
        ValidationError: With one ``wrong_type`` issue at path ``"currency"`` if the
            value is not a string (``None``, a number).
    """
    if not isinstance(value, str):
        raise_value_error([wrong_type("currency", "an ISO 4217 code")])
    return value.strip().upper()


def money_issues(value: Money, path: str) -> list[Issue]:
    """
    Check an amount of money.

    Args:
        value: The `Money`.
        path: The dotted path of the field, such as ``"total"`` (``""`` for a bare Money).

    Returns:
        ``negative_amount`` (at ``path.amount``) and ``unknown_currency`` (at
        ``path.currency``) as they apply; ``wrong_type`` for values of the wrong type,
        ``invalid_text`` for a currency holding lone surrogates.
    """
    issues: list[Issue] = []
    prefix = f"{path}." if path else ""
    amount: object = value.amount
    if (
        isinstance(amount, bool)
        or not isinstance(amount, Decimal | int)
        or (isinstance(amount, Decimal) and not amount.is_finite())
    ):
        issues.append(wrong_type(prefix + "amount", "a finite decimal amount"))
    elif amount < _ZERO:
        issues.append(
            Issue(path=prefix + "amount", code="negative_amount", message="must not be negative")
        )
    currency: object = value.currency
    if not isinstance(currency, str):
        issues.append(wrong_type(prefix + "currency", "an ISO 4217 code"))
    elif currency.strip().upper() not in CURRENCIES:
        if has_surrogates(currency):
            issues.append(invalid_text(prefix + "currency"))
            return issues
        issues.append(
            Issue(
                path=prefix + "currency",
                code="unknown_currency",
                message="is not an active ISO 4217 currency code",
            )
        )
    return issues
