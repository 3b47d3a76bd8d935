"""
Contacts that reach nobody: email domains reserved for examples, phone ranges reserved for fiction.

Synthetic data (`custdata.synthetic`) and surrogates (`custdata.transforms.surrogate`)
both draw from these, so that no generated address or number reaches a real person;
the module sits below both layers and imports nothing of custdata (private).

Each phone plan lists blocks as (country calling code, national prefix, free digits):
a number is the prefix followed by that many digits. Every clean number is written
in E.164; the local forms are how people type them in their own country.
"""

from __future__ import annotations

import random
from typing import Final

import attrs

__all__ = ["EMAIL_DOMAINS", "PHONE_PLANS", "PhonePlan"]

EMAIL_DOMAINS: Final = (
    "example.com",
    "example.org",
    "example.net",
    "mail.example",
    "inbox.example",
    "post.example",
)
"""Mail domains that deliver to nobody: RFC 2606 and RFC 6761 reserve them for examples."""


@attrs.frozen(kw_only=True)
class PhonePlan:
    """
    The fiction ranges of one country and how its numbers are written locally.

    Attributes:
        country: ISO 3166-1 alpha-2 code of the numbers' country.
        calling_code: Country calling code without ``+``.
        blocks: National significant number prefixes, each followed by
            ``free_digits`` random digits.
        free_digits: How many digits follow each prefix.
        source: Who reserves these ranges, for the documentation.
        mobile: Whether the numbers can be mobile numbers (SMS).
    """

    country: str
    calling_code: str
    blocks: tuple[str, ...]
    free_digits: int
    source: str
    mobile: bool = False

    def draw(self, rng: random.Random) -> str:
        """Return the national significant number of one random fiction number."""
        block = self.blocks[rng.randrange(len(self.blocks))]
        return block + str(rng.randrange(10**self.free_digits)).zfill(self.free_digits)

    def e164(self, nsn: str) -> str:
        """Return a national significant number in E.164 form."""
        return f"+{self.calling_code}{nsn}"

    def local(self, nsn: str, style: int, *, international: bool = False) -> str:
        """
        Return the number as people write it in its own country (not E.164).

        Args:
            nsn: National significant number.
            style: Which of the usual spellings (any integer; taken modulo their count).
            international: Only spellings with the country code (``+33 1 99 ...``),
                which read the same whatever country a reader assumes.

        Returns:
            The number in a non-canonical form that normalisation turns back into E.164.
        """
        forms = _LOCAL_FORMATS[self.country](nsn)
        if international:
            forms = tuple(form for form in forms if form.startswith(("+", "00")))
        return forms[style % len(forms)]


def _fr_local(nsn: str) -> tuple[str, ...]:
    national = "0" + nsn
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    return (
        " ".join(pairs),
        ".".join(pairs),
        national,
        "+33 " + nsn[0] + " " + " ".join(pairs[1:]),
    )


def _gb_local(nsn: str) -> tuple[str, ...]:
    national = "0" + nsn
    if national.startswith("02"):  # 020 7946 0123, 028 9018 0123
        spaced = f"{national[:3]} {national[3:7]} {national[7:]}"
    else:  # 0113 496 0123
        spaced = f"{national[:4]} {national[4:7]} {national[7:]}"
    return (spaced, national, "+44 " + spaced[1:])


def _us_local(nsn: str) -> tuple[str, ...]:
    area, exchange, line = nsn[:3], nsn[3:6], nsn[6:]
    return (
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+1 {area}-{exchange}-{line}",
    )


def _de_local(nsn: str) -> tuple[str, ...]:
    # The area code is 2 digits (30, 40, 69, 89) or 3 (221) in the blocks used here.
    area_length = 3 if nsn.startswith("221") else 2
    area, rest = nsn[:area_length], nsn[area_length:]
    return (f"0{area} {rest}", f"0{area}/{rest}", f"0{area}-{rest}", f"+49 {area} {rest}")


def _intl_fr_local(nsn: str) -> tuple[str, ...]:
    # Belgian profiles use French fiction numbers: written the international way.
    pairs = [nsn[1:][i : i + 2] for i in range(0, 8, 2)]
    return ("+33 " + nsn[0] + " " + " ".join(pairs), "0033 " + nsn[0] + " " + " ".join(pairs))


_LOCAL_FORMATS: Final = {
    "FR": _fr_local,
    "GB": _gb_local,
    "US": _us_local,
    "DE": _de_local,
    "FR-intl": _intl_fr_local,
}

# Area codes of large cities; 555-0100 to 555-0199 is fictional in every one of them.
# fmt: off
_US_AREA_CODES: Final = (
    "201", "202", "206", "212", "213", "214", "215", "303", "305", "310", "312", "313", "404",
    "412", "415", "503", "512", "602", "617", "702", "713", "718", "801", "816", "919",
)
# fmt: on

_FR_BLOCKS: Final = ("19900", "26191", "35301", "46571", "53649", "99900")

PHONE_PLANS: Final[dict[str, PhonePlan]] = {
    "FR": PhonePlan(
        country="FR",
        calling_code="33",
        # ARCEP's ranges for works of fiction: 01 99 00, 02 61 91, 03 53 01, 04 65 71,
        # 05 36 49 and 09 99 00 xx xx. The mobile one (06 39 98) is left out because
        # phonenumbers does not consider it a valid number.
        blocks=_FR_BLOCKS,
        free_digits=4,
        source="ARCEP (France): numbers reserved for works of fiction",
    ),
    "GB": PhonePlan(
        country="GB",
        calling_code="44",
        # Ofcom's drama numbers that phonenumbers accepts: 020 7946 0xxx and the
        # geographic 0xxx 496 0xxx blocks, 0191 498 0xxx, 028 9018 0xxx, 029 2018 0xxx.
        # 07700 900xxx, 0115 496 0xxx and 01632 960xxx are left out: phonenumbers
        # does not consider them valid.
        blocks=(
            "2079460",
            "1134960",
            "1144960",
            "1164960",
            "1174960",
            "1184960",
            "1214960",
            "1314960",
            "1414960",
            "1514960",
            "1614960",
            "1914980",
            "2890180",
            "2920180",
        ),
        free_digits=3,
        source="Ofcom (United Kingdom): numbers reserved for drama",
    ),
    "US": PhonePlan(
        country="US",
        calling_code="1",
        # 555-0100 to 555-0199 are reserved for fictional use in every area code.
        blocks=tuple(f"{area}55501" for area in _US_AREA_CODES),
        free_digits=2,
        mobile=True,  # North American numbers do not tell fixed from mobile
        source="NANPA (United States): 555-0100 to 555-0199, reserved for fiction",
    ),
    "DE": PhonePlan(
        country="DE",
        calling_code="49",
        # Bundesnetzagentur, Mitteilung 148/2021: 1 000 "drama numbers" in each of
        # Berlin, Frankfurt am Main, Hamburg, Köln and München.
        blocks=("3023125", "6990009", "4066969", "2214710", "8999998"),
        free_digits=3,
        source="Bundesnetzagentur (Germany), Mitteilung 148/2021: drama numbers",
    ),
    "BE": PhonePlan(
        # Belgium has no published fiction range: Belgian profiles get French
        # fiction numbers (+33), which never reach a Belgian or French subscriber.
        country="FR-intl",
        calling_code="33",
        blocks=_FR_BLOCKS,
        free_digits=4,
        source="no Belgian fiction range exists: ARCEP's French fiction numbers are used",
    ),
}
"""Fiction phone plans by the country of the locale that uses them."""
