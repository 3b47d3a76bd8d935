"""
Postal code formats of the countries whose codes are checked (private).

The formats live beside the model, below validation, so that reading a number
found in a postal code column (`custdata.model._codec.number_as_text`) and
validating a postal code (`custdata.validation.postal`) use the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from custdata._text import has_surrogates

__all__ = ["POSTAL_CODE_COUNTRIES", "canonical_postal_code"]

_SPACES: Final = re.compile(r"[\s\-]+")


def _compact(pattern: str) -> Callable[[str], str | None]:
    """A format whose written form is its compact form (spaces and dashes removed)."""
    compiled = re.compile(pattern)

    def check(compact: str) -> str | None:
        return compact if compiled.fullmatch(compact) else None

    return check


def _split(pattern: str, inward: int, separator: str = " ") -> Callable[[str], str | None]:
    """A format written with a separator before its last ``inward`` characters."""
    compiled = re.compile(pattern)

    def check(compact: str) -> str | None:
        if compiled.fullmatch(compact) is None:
            return None
        return f"{compact[:-inward]}{separator}{compact[-inward:]}"

    return check


def _us(compact: str) -> str | None:
    if _US.fullmatch(compact) is None:
        return None
    return compact if len(compact) == 5 else f"{compact[:5]}-{compact[5:]}"


_US: Final = re.compile(r"\d{5}(?:\d{4})?")

# Formats from each postal operator (La Poste, bpost, Swiss Post, Deutsche Post,
# Correos, Poste Italiane, PostNL, Royal Mail, USPS, Canada Post), checked on the
# compact form: upper case, spaces and dashes removed.
_FORMATS: Final[dict[str, Callable[[str], str | None]]] = {
    # 01-95 for mainland departments, 20xxx for Corsica (2A and 2B), 97/98 overseas
    # and Monaco. 00xxx and 99xxx do not exist.
    "FR": _compact(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3}"),
    "BE": _compact(r"[1-9]\d{3}"),
    "CH": _compact(r"[1-9]\d{3}"),
    "DE": _compact(r"(?!00)\d{5}"),
    # The first two digits are the province, 01 to 52.
    "ES": _compact(r"(?:0[1-9]|[1-4]\d|5[0-2])\d{3}"),
    "IT": _compact(r"\d{5}"),
    # Four digits, then two letters other than SA, SD and SS.
    "NL": _split(r"[1-9]\d{3}(?!SA|SD|SS)[A-Z]{2}", 2),
    # Royal Mail: outward code, then the inward code (a digit and two letters).
    "GB": _split(
        r"(?:GIR0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d[\dABEHMNPRV-Y]?|\d[A-HJKPS-UW])"
        r"\d[ABD-HJLNP-UW-Z]{2})",
        3,
    ),
    "US": _us,
    # Canada Post: no D, F, I, O, Q or U; no W or Z in first position.
    "CA": _split(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d", 3),
}

POSTAL_CODE_COUNTRIES: Final[frozenset[str]] = frozenset(_FORMATS)
"""The countries whose postal code format is checked."""

# Country prefixes still found on old European addresses: "F-75011", "CH-1200".
_PREFIXES: Final[dict[str, re.Pattern[str]]] = {
    "FR": re.compile(r"(?:FR?)\s*-\s*"),
    "BE": re.compile(r"(?:BE?)\s*-\s*"),
    "CH": re.compile(r"CH\s*-\s*"),
    "DE": re.compile(r"(?:DE?)\s*-\s*"),
    "ES": re.compile(r"(?:ES?)\s*-\s*"),
    "IT": re.compile(r"(?:IT?)\s*-\s*"),
    "NL": re.compile(r"NL\s*-\s*"),
}


def canonical_postal_code(value: str, country: str) -> str | None:
    """
    Return the written form of a postal code, or ``None`` if it does not fit.

    The non-raising core of `normalise_postal_code`.

    Args:
        value: The code as found in the data.
        country: An upper-case ISO 3166-1 alpha-2 code.

    Returns:
        The canonical code, or ``None``. For a country whose format is not
        checked, the trimmed, upper-cased value with whitespace collapsed;
        ``None`` whatever the country if it holds lone surrogates.
    """
    if has_surrogates(value):
        return None
    text = value.strip().upper()
    check = _FORMATS.get(country)
    if check is None:
        return " ".join(text.split())
    prefix = _PREFIXES.get(country)
    if prefix is not None:
        found = prefix.match(text)
        if found is not None:
            text = text[found.end() :]
    return check(_SPACES.sub("", text))
