"""
Exact money for the figures: integer minor units per currency, half-even rounding (private).

Every amount is counted in its currency's minor unit (cents for EUR, yen for JPY,
fils for BHD) as an integer, so sums are exact; a `Decimal` is made only for the
result. A currency without a minor unit (XAU, XDR) cannot be counted so and is
refused, as is an amount finer than its currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from custdata.errors import Issue, UsageError, ValidationError
from custdata.validation import CURRENCIES, MINOR_UNITS

__all__ = [
    "Rates",
    "currency_error",
    "div_half_even",
    "from_minor",
    "minor_unit",
    "ratio",
]

RATIO_PLACES: Final = 4
"""Decimal places of every share and index (a return rate of ``0.3333``)."""


def minor_unit(currency: str, path: str) -> int:
    """
    Return the ISO 4217 minor unit of a currency, or raise naming the column.

    Raises:
        ValidationError: ``no_minor_unit`` for a code such as XAU, ``unknown_currency``
            for a code that is not ISO 4217.
    """
    code = currency.strip().upper()
    unit = MINOR_UNITS.get(code)
    if unit is not None:
        return unit
    if code in CURRENCIES:
        raise ValidationError(
            [
                Issue(
                    path=path,
                    code="no_minor_unit",
                    message=f"{code} has no minor unit in ISO 4217: its amounts cannot be counted",
                )
            ]
        )
    raise ValidationError(
        [
            Issue(
                path=path,
                code="unknown_currency",
                message="is not an active ISO 4217 currency code",
            )
        ]
    )


def currency_error(currencies: list[str], path: str) -> ValidationError:
    """The error for amounts in several currencies and no ``rates=`` to convert them."""
    names = ", ".join(sorted(currencies))
    return ValidationError(
        [
            Issue(
                path=path,
                code="mixed_currencies",
                message=f"amounts are in {len(currencies)} currencies ({names}): "
                "pass rates= and currency= to convert them, they are never summed as they are",
            )
        ]
    )


def from_minor(units: int, unit: int) -> Decimal:
    """``1990`` cents as ``Decimal("19.90")``."""
    return Decimal(units).scaleb(-unit)


def div_half_even(numerator: Any, denominator: Any) -> Any:
    """
    Divide integers (or NumPy integer arrays) rounding half to even; the denominator is positive.

    ``numerator = q * denominator + r`` with ``0 <= r < denominator`` (floor division),
    then ``q`` goes up by one when ``2r`` is more than the denominator, or equal to it
    and ``q`` is odd.
    """
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    return quotient + ((twice > denominator) | ((twice == denominator) & (quotient % 2 == 1)))


def ratio(numerator: int, denominator: int, places: int = RATIO_PLACES) -> Decimal | None:
    """``numerator / denominator`` rounded half-even to ``places`` decimals; None for 0/0."""
    if denominator == 0:
        return None
    return Decimal(int(div_half_even(numerator * 10**places, denominator))).scaleb(-places)


class Rates:
    """
    Conversion of every amount to one currency, exactly, each amount rounded half-even.

    Args:
        rates: For each currency, the value of one of its units in ``currency``
            (``{"USD": Decimal("0.92")}`` with ``currency="EUR"``).
        currency: The currency of the results.

    Raises:
        UsageError: For a rate that is not a positive finite number, or a code
            without a minor unit (naming the parameter).
    """

    def __init__(self, rates: Mapping[str, object], currency: str) -> None:
        self.currency = currency.strip().upper()
        self.unit = _parameter_unit(self.currency, "currency")
        self.fractions: dict[str, Fraction] = {self.currency: Fraction(1)}
        for code, value in rates.items():
            name = str(code).strip().upper()
            _parameter_unit(name, "rates")
            try:
                rate = Decimal(str(value)) if not isinstance(value, Decimal) else value
            except InvalidOperation:
                rate = Decimal("NaN")
            if not rate.is_finite() or rate <= 0:
                msg = f"insights: parameter 'rates' must give a positive number for {name}"
                raise UsageError(msg)
            self.fractions[name] = Fraction(rate)

    def factor(self, currency: str, path: str) -> tuple[int, int]:
        """
        ``(numerator, denominator)`` turning minor units of ``currency`` into the target's.

        Raises:
            ValidationError: ``no_rate`` if ``rates=`` gives no rate for the currency.
        """
        unit = minor_unit(currency, path)
        rate = self.fractions.get(currency.strip().upper())
        if rate is None:
            raise ValidationError(
                [Issue(path=path, code="no_rate", message=f"rates= gives no rate for {currency}")]
            )
        exact = rate * Fraction(10**self.unit, 10**unit)
        return exact.numerator, exact.denominator


def _parameter_unit(code: str, parameter: str) -> int:
    unit = MINOR_UNITS.get(code)
    if unit is None:
        msg = f"insights: parameter {parameter!r}: {code} is no ISO 4217 currency with a minor unit"
        raise UsageError(msg)
    return unit
