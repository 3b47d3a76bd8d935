"""
The French numbering plan's overseas prefixes: which national numbers are not ``+33``.

France, Guadeloupe, Saint-Barthélemy, Saint-Martin, Martinique, Guyane, La Réunion
and Mayotte share one ten-digit national plan (the "plan national de numérotation" that
ARCEP, the French telecoms regulator, publishes), but not one country calling
code: a number written nationally as ``0590 27 12 34`` is ``+590 590 27 12 34``
in E.164, never ``+33 590 27 12 34``. libphonenumber reads a national number in
one region's metadata only, and France's accepts some overseas numbers
(``0596``, ``0263``, ``0269``) as metropolitan ones: the overseas prefixes must be
mapped before the metropolitan check.

This module holds the table and nothing else (it does not load phonenumbers), so
that phone validation and free-text phone matching share it. Whether the mapped number is
valid is libphonenumber's decision, not this table's.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["OVERSEAS_PREFIXES", "OverseasPrefix", "overseas_e164", "overseas_prefix"]


@attrs.frozen(kw_only=True)
class OverseasPrefix:
    """
    One overseas prefix of the French national plan.

    Attributes:
        prefix: The first four digits of the national number, trunk ``0`` included
            (``"0590"``).
        calling_code: The country calling code of the territory (``590``).
        territories: The territories the prefix serves, by ISO 3166-1 alpha-2 code
            (``("GP", "BL", "MF")``); libphonenumber tells which one a number is in.
        mobile: Whether the prefix is a mobile one (``06``) rather than a landline.
    """

    prefix: str
    calling_code: int
    territories: tuple[str, ...]
    mobile: bool


def _table(*entries: OverseasPrefix) -> Mapping[str, OverseasPrefix]:
    return types.MappingProxyType({entry.prefix: entry for entry in entries})


_ANTILLES_NORTH: Final = ("GP", "BL", "MF")  # Guadeloupe, Saint-Barthélemy, Saint-Martin

OVERSEAS_PREFIXES: Final[Mapping[str, OverseasPrefix]] = _table(
    # Guadeloupe, Saint-Barthélemy, Saint-Martin: +590
    OverseasPrefix(prefix="0590", calling_code=590, territories=_ANTILLES_NORTH, mobile=False),
    OverseasPrefix(prefix="0690", calling_code=590, territories=_ANTILLES_NORTH, mobile=True),
    OverseasPrefix(prefix="0691", calling_code=590, territories=_ANTILLES_NORTH, mobile=True),
    # Martinique: +596
    OverseasPrefix(prefix="0596", calling_code=596, territories=("MQ",), mobile=False),
    OverseasPrefix(prefix="0696", calling_code=596, territories=("MQ",), mobile=True),
    OverseasPrefix(prefix="0697", calling_code=596, territories=("MQ",), mobile=True),
    # Guyane: +594
    OverseasPrefix(prefix="0594", calling_code=594, territories=("GF",), mobile=False),
    OverseasPrefix(prefix="0694", calling_code=594, territories=("GF",), mobile=True),
    # La Réunion: +262
    OverseasPrefix(prefix="0262", calling_code=262, territories=("RE",), mobile=False),
    OverseasPrefix(prefix="0263", calling_code=262, territories=("RE",), mobile=False),
    OverseasPrefix(prefix="0692", calling_code=262, territories=("RE",), mobile=True),
    OverseasPrefix(prefix="0693", calling_code=262, territories=("RE",), mobile=True),
    # Mayotte: +262, shared with La Réunion
    OverseasPrefix(prefix="0269", calling_code=262, territories=("YT",), mobile=False),
    OverseasPrefix(prefix="0639", calling_code=262, territories=("YT",), mobile=True),
)
"""The overseas prefixes of the French national plan, by their four digits (``"0590"``)."""


def overseas_prefix(national: str) -> OverseasPrefix | None:
    """
    Return the overseas prefix a French national number starts with, if any.

    Example:
        >>> overseas_prefix("0590271234").calling_code
        590
        >>> overseas_prefix("0612345678") is None
        True

    Args:
        national: The national number as digits only, trunk ``0`` included
            (``"0590271234"``); spaces and dots must already be removed.

    Returns:
        The `OverseasPrefix`, or ``None`` for a metropolitan (or not a) number.
    """
    return OVERSEAS_PREFIXES.get(national[:4])


def overseas_e164(national: str) -> str | None:
    """
    Return the E.164 form of an overseas French national number, unchecked.

    The number is not validated: pass the result to libphonenumber (as
    `custdata.validation.parse_phone` does) before trusting it.

    Example:
        >>> overseas_e164("0262161234")
        '+262262161234'

    Args:
        national: The national number as digits only, trunk ``0`` included.

    Returns:
        ``+``, the territory's calling code and the national number without its
        trunk ``0``; ``None`` if the number is not an overseas one or not all digits.
    """
    found = overseas_prefix(national)
    if found is None or not national.isdigit() or not national.isascii():
        return None
    return f"+{found.calling_code}{national[1:]}"
