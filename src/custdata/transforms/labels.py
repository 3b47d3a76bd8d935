"""
The labels of generalised values: one scheme for the transforms and the anonymity hierarchies.

One format per kind of label, chosen by the generalisation's parameters and
never by the Python type of the value: ``42``, ``42.0`` and ``Decimal("42")``
always get the same label (pandas turns an integer column with a gap into
floats, and a label must not change with it).

======================  ===============  ===============================================
kind                    example          meaning
======================  ===============  ===============================================
closed range            ``"30-39"``      whole bounds: from 30 included to 40 excluded
single value            ``"24"``         a closed range of width 1: from 24 to 25 excluded
half-open range         ``"[0.5, 1)"``   bounds that are not all whole: 0.5 <= x < 1
open top                ``"90+"``        90 and above
open bottom             ``"<18"``        below 18
fully generalised       ``"*"``          any value
date                    ``"2024-05-17"``, ``"2024-05"``, ``"2024-Q2"``, ``"2024"``
======================  ===============  ===============================================

A closed range ``"lo-hi"`` names the values from ``lo`` included to ``hi + 1``
excluded: ``"30-39"`` holds an age of 39 years and a half, as it does in any
statistical table. It is used when every bound is whole (an integral ``int``,
``float`` or ``Decimal``: a width of ``10.0`` is whole); other bounds give
half-open ranges. Negative bounds keep their sign (``"-10--1"``).

Numbers are written in plain decimal notation, without exponent and without
trailing zeros (``format_number``). A float is read as the decimal Python
prints for it (its ``repr``), so that ``0.3`` is 0.3 and not the binary number
nearest to it; an integral float is read as the integer it equals.

Bands of widths that divide one another nest: with the same origin, the band
of width 20 holding a value contains exactly the bands of width 10 (and 5)
below it, so a hierarchy can climb from one to the next.

Changing a label is a breaking change: policies publish them and anonymity
hierarchies match them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Final, Literal

__all__ = [
    "DATE_UNITS",
    "SUPPRESSED",
    "at_least",
    "band",
    "below",
    "closed_range",
    "date_label",
    "edge_labels",
    "format_number",
    "half_open_range",
    "is_whole",
]

Number = int | float | Decimal
DateUnit = Literal["day", "month", "quarter", "year"]

SUPPRESSED: Final = "*"
"""The label of a fully generalised value: the top of every hierarchy."""

DATE_UNITS: Final[tuple[DateUnit, ...]] = ("day", "month", "quarter", "year")
"""The units of `date_label`, finest first."""


def _exact(value: Number) -> int | Decimal:
    """The number a label stands for: integral values as ``int``, a float as its ``repr``."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        msg = f"expected an int, float or Decimal, got {type(value).__name__}"
        raise TypeError(msg)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = "expected a finite number"
            raise ValueError(msg)
        return int(value) if value.is_integer() else Decimal(repr(value))
    if not value.is_finite():
        msg = "expected a finite number"
        raise ValueError(msg)
    return value


def is_whole(value: Number) -> bool:
    """
    Whether a finite number has an integral value: ``10``, ``10.0`` and ``Decimal("10.00")`` do.

    Args:
        value: An int, float or Decimal.

    Returns:
        ``True`` when the value is finite and integral.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return value.is_finite() and value == value.to_integral_value()


def format_number(value: Number) -> str:
    """
    Write a number as labels do: plain decimal notation, no exponent, no trailing zero.

    Example:
        >>> [format_number(v) for v in (42, 42.0, Decimal("42.50"), 1e-05, -0.0)]
        ['42', '42', '42.5', '0.00001', '0']

    Args:
        value: A finite int, float or Decimal.

    Returns:
        The number's text.

    Raises:
        TypeError: If ``value`` is not an int, float or Decimal (or is a bool).
        ValueError: If it is not finite.
    """
    exact = _exact(value)
    if isinstance(exact, int):
        return str(exact)
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def closed_range(low: int, high: int) -> str:
    """
    The label of the whole numbers from ``low`` to ``high``: ``"30-39"``, or ``"24"`` for one.

    It names the values from ``low`` included to ``high + 1`` excluded.

    Example:
        >>> closed_range(30, 39), closed_range(24, 24), closed_range(-10, -1)
        ('30-39', '24', '-10--1')

    Args:
        low: The first whole number of the range.
        high: The last, at least ``low``.

    Returns:
        The label.

    Raises:
        ValueError: If ``high`` is below ``low``.
    """
    if high < low:
        msg = "high must be at least low"
        raise ValueError(msg)
    if low == high:
        return str(low)
    return f"{low}-{high}"


def half_open_range(low: Number, high: Number) -> str:
    """
    The label of the numbers from ``low`` included to ``high`` excluded: ``"[0.5, 0.75)"``.

    Example:
        >>> half_open_range(0.5, 0.75), half_open_range(1.5, 10.0)
        ('[0.5, 0.75)', '[1.5, 10)')

    Args:
        low: The lower bound, included.
        high: The upper bound, excluded.

    Returns:
        The label.
    """
    return f"[{format_number(low)}, {format_number(high)})"


def at_least(low: Number) -> str:
    """
    The label of an open top: ``low`` and above, such as ``"90+"``.

    Args:
        low: The lower bound, included.

    Returns:
        The label.
    """
    return f"{format_number(low)}+"


def below(high: Number) -> str:
    """
    The label of an open bottom: below ``high``, such as ``"<18"``.

    Args:
        high: The upper bound, excluded.

    Returns:
        The label.
    """
    return f"<{format_number(high)}"


def _digits(value: Decimal, scale: int) -> int:
    """``value * 10**scale`` as an int, exactly (``scale`` is large enough)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # noqa: S101  # finite: checked by _exact
    mantissa = int("".join(map(str, digits)) or "0")
    scaled: int = mantissa * 10 ** (exponent + scale)
    return -scaled if sign else scaled


def _undigits(scaled: int, scale: int) -> Decimal:
    """The Decimal ``scaled / 10**scale``, exactly."""
    digits = tuple(int(d) for d in str(abs(scaled)))
    return Decimal((int(scaled < 0), digits, -scale))


def band(value: Number, width: Number, *, origin: Number = 0, top: Number | None = None) -> str:
    """
    The label of the band of ``width`` that holds a number, bands starting at ``origin``.

    The band is ``[lo, lo + width)`` with ``lo = origin + floor((value - origin) / width)
    * width``, computed exactly. With a whole ``width`` and ``origin`` it is written
    as a closed range (``"30-39"``, or ``"24"`` when ``width`` is 1), otherwise as a
    half-open range (``"[0.5, 0.75)"``). Values from ``top`` on share ``at_least(top)``.

    Example:
        >>> band(42, 10), band(42.0, 10), band(42, 1), band(0.6, 0.25), band(97, 5, top=90)
        ('40-49', '40-49', '42', '[0.5, 0.75)', '90+')

    Args:
        value: A finite int, float or Decimal.
        width: The width of the bands, positive and finite.
        origin: Where one band starts (every other one starts a multiple of
            ``width`` away).
        top: Values from this one on share one open band, if given.

    Returns:
        The label.

    Raises:
        TypeError: If a number is not an int, float or Decimal.
        ValueError: If a number is not finite, or ``width`` is not positive.
    """
    exact_width = _exact(width)
    if exact_width <= 0:
        msg = "width must be positive"
        raise ValueError(msg)
    exact_origin = _exact(origin)
    exact_value = _exact(value)
    if top is not None and exact_value >= _exact(top):
        return at_least(top)
    if isinstance(exact_width, int) and isinstance(exact_origin, int):
        first = exact_origin + (math.floor(exact_value) - exact_origin) // exact_width * exact_width
        return closed_range(first, first + exact_width - 1)
    numbers = [Decimal(n) if isinstance(n, int) else n for n in (exact_width, exact_origin)]
    numbers.append(Decimal(exact_value) if isinstance(exact_value, int) else exact_value)
    exponents = [n.as_tuple().exponent for n in numbers]
    scale = max([0, *(-e for e in exponents if isinstance(e, int))])
    scaled_width, scaled_origin, scaled_value = (_digits(n, scale) for n in numbers)
    scaled_low = scaled_origin + (scaled_value - scaled_origin) // scaled_width * scaled_width
    low, high = _undigits(scaled_low, scale), _undigits(scaled_low + scaled_width, scale)
    return half_open_range(low, high)


def edge_labels(edges: Sequence[Number]) -> tuple[str, ...]:
    """
    The labels of the intervals that increasing edges cut: ``len(edges) + 1`` of them.

    ``below(e0)``, then one range per pair of neighbouring edges, then
    ``at_least(en)``. When every edge is whole the ranges are closed
    (``"18-29"``), otherwise half-open (``"[0, 1.5)"``).

    Example:
        >>> edge_labels((18, 30, 50))
        ('<18', '18-29', '30-49', '50+')
        >>> edge_labels((0, 1.5, 10))
        ('<0', '[0, 1.5)', '[1.5, 10)', '10+')

    Args:
        edges: At least one finite number, strictly increasing.

    Returns:
        The labels, lowest interval first.

    Raises:
        ValueError: If ``edges`` is empty or not strictly increasing.
    """
    if not edges or any(a >= b for a, b in itertools.pairwise(edges)):
        msg = "edges must be at least one number, strictly increasing"
        raise ValueError(msg)
    if all(map(is_whole, edges)):
        middle = [closed_range(int(a), int(b) - 1) for a, b in itertools.pairwise(edges)]
    else:
        middle = [half_open_range(a, b) for a, b in itertools.pairwise(edges)]
    return (below(edges[0]), *middle, at_least(edges[-1]))


def date_label(day: date, unit: DateUnit) -> str:
    """
    The label of the day, month, quarter or year of a date; years on 4 digits.

    Example:
        >>> [date_label(date(2024, 5, 17), unit) for unit in DATE_UNITS]
        ['2024-05-17', '2024-05', '2024-Q2', '2024']

    Args:
        day: A `datetime.date` (a `datetime.datetime` gives its own calendar date).
        unit: ``"day"``, ``"month"``, ``"quarter"`` or ``"year"``.

    Returns:
        The label.

    Raises:
        ValueError: If ``unit`` is not one of these.
    """
    if unit == "day":
        return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if unit == "quarter":
        return f"{day.year:04d}-Q{(day.month + 2) // 3}"
    if unit == "year":
        return f"{day.year:04d}"
    msg = f"unit must be one of {', '.join(DATE_UNITS)}"  # type: ignore[unreachable]  # untyped callers
    raise ValueError(msg)
