"""
Postal codes and country codes.

Postal codes are checked and put in their national written form for France
(Corsica included), Belgium, Switzerland, Germany, Spain, Italy, the Netherlands,
the United Kingdom, the United States and Canada. For other countries they are
only trimmed and upper-cased. A code that does not fit its country's format is
reported, never completed: ``1000`` is not silently turned into ``01000``.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Mapping
from typing import Final

from custdata.errors import Issue
from custdata.model._postal import POSTAL_CODE_COUNTRIES, canonical_postal_code
from custdata.validation._common import has_surrogates, invalid_text, raise_value_error, wrong_type

__all__ = [
    "COUNTRIES",
    "POSTAL_CODE_COUNTRIES",
    "canonical_postal_code",
    "french_department",
    "french_departments",
    "normalise_country",
    "normalise_postal_code",
    "postal_code_value_issue",
]

# ISO 3166-1 alpha-2, the 249 officially assigned codes (ISO 3166 Maintenance
# Agency, https://www.iso.org/obp/ui/#search), plus XK, the user-assigned code
# that the European Commission and libphonenumber use for Kosovo.
COUNTRIES: Final[frozenset[str]] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM
    BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX
    CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG
    GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
    IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
    LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE
    NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
    RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF
    WS YE YT ZA ZM ZW XK
    """.split()  # noqa: SIM905  # a table of codes reads best as a block
)
"""The country codes `normalise_country` accepts: ISO 3166-1 alpha-2, plus ``XK``."""


def normalise_postal_code(value: object, country: object = "FR") -> str:
    """
    Return a postal code in its national written form.

    Example:
        >>> normalise_postal_code(" 75011 ")
        '75011'
        >>> normalise_postal_code("sw1a1aa", "GB")
        'SW1A 1AA'
        >>> normalise_postal_code("F-20000", "FR")
        '20000'

    Args:
        value: The code as found in the data.
        country: The ISO 3166-1 alpha-2 code of the address's country, as found
            in the data (case and surrounding spaces are ignored).

    Returns:
        The canonical code.

    Raises:
        ValidationError: With one issue: ``invalid_postal_code`` at path
            ``"postal_code"`` if it does not fit the country's format (only for
            countries in `POSTAL_CODE_COUNTRIES`); ``invalid_text`` if it holds lone
            surrogates; ``wrong_type`` at ``"postal_code"`` or ``"country"`` if
            either is not a string. The message never contains the value.
    """
    if not isinstance(value, str):
        raise_value_error([wrong_type("postal_code", "text")])
    if not isinstance(country, str):
        raise_value_error([wrong_type("country", "an ISO 3166-1 alpha-2 code")])
    canonical = canonical_postal_code(value, country.strip().upper())
    if canonical is None:
        raise_value_error([postal_code_value_issue("postal_code", value)])
    return canonical


_CORSICA_DEPARTMENT: Final = re.compile(r"2\s*[AB]", re.IGNORECASE)


def postal_code_issue(path: str, value: str) -> Issue:
    """Return the ``invalid_postal_code`` issue for the field at ``path``."""
    message = "does not match the postal code format of the address's country"
    if _CORSICA_DEPARTMENT.match(value.strip()):
        # 2A and 2B number Corsica's departments (and INSEE commune codes such as
        # 2A004), not its postal codes, which are 20000 to 20999.
        message = "2A and 2B are Corsican department codes; Corsican postal codes are 20xxx"
    return Issue(path=path, code="invalid_postal_code", message=message)


_DEPARTMENTS_FILE: Final = "fr_departments.csv"


# Safe under threads: functools.cache of a mapping nobody changes; racing builds are equal.
@functools.cache
def french_departments() -> Mapping[str, str]:
    """
    The table of French postal codes and their departments, read once from the package.

    The file ``custdata/validation/fr_departments.csv`` names its source: the
    postal code file of Base Adresse Nationale (package ``codes-postaux`` 4.1.2,
    MIT licence), built from INSEE's *Code officiel géographique* and the DGFiP's
    FIMOCT, where the department of a postal code is that of its communes' INSEE
    codes. A postal code shared by communes of two departments maps to the one its
    first characters name; 97133 (Saint-Barthélemy, 977) and 97150 (Saint-Martin,
    978), which the source leaves out, are added from La Poste's assignments.

    Returns:
        Postal code -> department code (``"75"``, ``"2A"``, ``"971"``, ``"977"``).
    """
    text = importlib.resources.files(__package__).joinpath(_DEPARTMENTS_FILE).read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "postal_code,")):
            code, _, department = line.partition(",")
            table[code] = department
    return table


def french_department(postal_code: object) -> str | None:
    """
    Return the French department of a canonical French postal code.

    The department comes from a table of every postal code of the French
    communes (`french_departments`, whose source it names): Corsica's codes
    are 20xxx but its departments are ``"2A"`` and ``"2B"``; overseas
    departments and collectivities have three digits (``"971"``), and 97133
    and 97150 are Saint-Barthélemy (``"977"``) and Saint-Martin (``"978"``),
    not Guadeloupe. Codes the table does not list (CEDEX codes, French
    Polynesia, New Caledonia, Wallis and Futuna) get the department their first
    characters name: two, three from 97 on, Corsica split at 20200; Monaco
    (980xx) has none.

    Example:
        >>> french_department("20000"), french_department("20200"), french_department("97110")
        ('2A', '2B', '971')
        >>> french_department("97133"), french_department("97150")
        ('977', '978')

    Args:
        postal_code: A French postal code as `normalise_postal_code` returns it.

    Returns:
        The department code, or ``None`` for Monaco or a value that is not a
        canonical French postal code (including anything but a string).
    """
    if not isinstance(postal_code, str) or canonical_postal_code(postal_code, "FR") != postal_code:
        return None
    listed = french_departments().get(postal_code)
    if listed is not None:
        return listed
    if postal_code.startswith("20"):
        return "2A" if postal_code < "20200" else "2B"
    if postal_code.startswith("980"):
        return None
    if postal_code.startswith(("97", "98")):
        return postal_code[:3]
    return postal_code[:2]


def normalise_country(value: object) -> str | None:
    """
    Return a country code upper-cased, or ``None`` if it is not an ISO 3166-1 code.

    Example:
        >>> normalise_country(" fr "), normalise_country("France")
        ('FR', None)

    Args:
        value: A country code as found in the data.

    Returns:
        The upper-case alpha-2 code, or ``None`` (also for anything but a string).
    """
    if not isinstance(value, str):
        return None
    upper = value.strip().upper()
    return upper if upper in COUNTRIES else None


def postal_code_value_issue(path: str, value: str) -> Issue:
    """Return the issue of a code `canonical_postal_code` refused: invalid text or code."""
    return invalid_text(path) if has_surrogates(value) else postal_code_issue(path, value)
