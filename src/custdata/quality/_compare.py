"""Records prepared for comparison, and the field-by-field comparison of two of them."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

import attrs

from custdata.errors import ValidationError
from custdata.model import Contact
from custdata.quality._phonetic import fold

__all__ = ["FIELDS", "LEVELS", "Prepared", "compare", "prepare"]

LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "given_name": ("different", "initial", "close", "exact"),
    "family_name": ("different", "close", "exact"),
    "email": ("different", "exact"),
    "phone": ("different", "exact"),
    "birth_date": ("different", "near", "exact"),
    "postal_code": ("different", "exact"),
    "street": ("different", "close", "exact"),
}
"""Each compared field and its agreement levels, from the least to the most agreement."""

FIELDS: Final[tuple[str, ...]] = tuple(LEVELS)
"""The compared fields, in the order of a pair's levels."""

NULL: Final = -1
"""The level of a field missing on either side: it weighs nothing."""

_NAME_CLOSE: Final = 0.88
_STREET_CLOSE: Final = 85.0
_E164: Final = re.compile(r"\+[1-9]\d{6,14}")


@attrs.frozen(slots=True)
class Prepared:
    """
    One contact with its compared values normalised, as comparison and blocking read them.

    Attributes:
        contact_id: The contact's id.
        given: Given name, folded (lower case, no accents, hyphens as spaces).
        family: Family name, folded.
        email: The canonical email; the value as given when it is no valid
            address (a pseudonym compares as it is).
        phone: E.164; the value as given when it cannot be read (a pseudonym).
        birth: Birth date as ``YYYYMMDD``.
        postal: Postal code, spaces removed, upper case.
        street: First address line, folded.
    """

    contact_id: str
    given: str
    family: str
    email: str
    phone: str
    birth: str
    postal: str
    street: str


def _email(value: str | None, normalise_email: Callable[[str], str]) -> str:
    if not value or not value.strip():
        return ""
    try:
        return normalise_email(value)
    except ValidationError:
        return value.strip()


def _phone(value: str | None, region: str, normalise_phone: Callable[[str, str], str]) -> str:
    if not value or not value.strip():
        return ""
    text = value.strip()
    if _E164.fullmatch(text):
        return text
    try:
        return normalise_phone(text, region)
    except (ValidationError, ValueError):
        return text


def prepare(contact: Contact) -> Prepared:
    """
    Normalise the compared fields of a contact (see `Prepared`).

    Args:
        contact: The contact.

    Returns:
        Its prepared form.
    """
    return preparer()(contact)


def preparer() -> Callable[[Contact], Prepared]:
    """`prepare`, its dependencies imported once: for loops over many contacts."""
    from custdata.validation import normalise_email, normalise_phone

    return functools.partial(_prepare, emails=normalise_email, phones=normalise_phone)


def _prepare(
    contact: Contact,
    *,
    emails: Callable[[str], str],
    phones: Callable[[str, str], str],
) -> Prepared:
    address = contact.address
    country = (address.country if address is not None else None) or "FR"
    region = country if len(country) == 2 and country.isalpha() else "FR"
    return Prepared(
        contact_id=contact.contact_id,
        given=fold(contact.given_name or ""),
        family=fold(contact.family_name or ""),
        email=_email(contact.email, emails),
        phone=_phone(contact.phone, region.upper(), phones),
        birth=contact.birth_date.strftime("%Y%m%d") if contact.birth_date is not None else "",
        postal="".join((address.postal_code or "").split()).upper() if address else "",
        street=fold(address.line1 or "") if address else "",
    )


def _is_initial(name: str) -> bool:
    return len(name) == 1


def _given_level(left: str, right: str, similarity: Callable[[str, str], float]) -> int:
    if not left or not right:
        return NULL
    if left == right:
        return 3
    if _is_initial(left) or _is_initial(right):
        return 1 if left[0] == right[0] else 0
    return 2 if similarity(left, right) >= _NAME_CLOSE else 0


def _family_level(left: str, right: str, similarity: Callable[[str, str], float]) -> int:
    if not left or not right:
        return NULL
    if left == right:
        return 2
    return 1 if similarity(left, right) >= _NAME_CLOSE else 0


def _exact(left: str, right: str) -> int:
    if not left or not right:
        return NULL
    return 1 if left == right else 0


def _birth_level(left: str, right: str) -> int:
    if not left or not right:
        return NULL
    if left == right:
        return 2
    differing = [index for index in range(8) if left[index] != right[index]]
    if len(differing) == 1:
        return 1  # one digit mistyped
    if len(differing) == 2 and differing[1] == differing[0] + 1:
        first, second = differing
        if left[first] == right[second] and left[second] == right[first]:
            return 1  # two neighbouring digits swapped
    if left[:4] == right[:4] and left[4:6] == right[6:8] and left[6:8] == right[4:6]:
        return 1  # day and month swapped
    return 0


def _street_level(left: str, right: str, ratio: Callable[[str, str], float]) -> int:
    if not left or not right:
        return NULL
    if left == right:
        return 2
    return 1 if ratio(left, right) >= _STREET_CLOSE else 0


def compare(left: Prepared, right: Prepared) -> tuple[tuple[int, ...], bool]:
    """
    Compare two prepared contacts field by field.

    Names are compared both ways round (given with given, and given with
    family), and the way that agrees more is kept: swapped names are no
    disagreement.

    Args:
        left: One contact.
        right: The other.

    Returns:
        The level of each field of `FIELDS` (an index into its `LEVELS`, or
        ``-1`` when either side misses it), and whether the names were swapped.
    """
    return comparer()(left, right)


Comparer = Callable[[Prepared, Prepared], tuple[tuple[int, ...], bool]]


def comparer() -> Comparer:
    """`compare`, rapidfuzz imported once: for loops over many pairs."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import JaroWinkler

    return functools.partial(
        _compare, similarity=JaroWinkler.normalized_similarity, ratio=fuzz.token_sort_ratio
    )


def _compare(
    left: Prepared,
    right: Prepared,
    *,
    similarity: Callable[[str, str], float],
    ratio: Callable[[str, str], float],
) -> tuple[tuple[int, ...], bool]:
    given = _given_level(left.given, right.given, similarity)
    family = _family_level(left.family, right.family, similarity)
    swapped = False
    if (given < 3 or family < 2) and right.given and right.family:
        crossed_given = _given_level(left.given, right.family, similarity)
        crossed_family = _family_level(left.family, right.given, similarity)
        if crossed_given + crossed_family > given + family:
            given, family, swapped = crossed_given, crossed_family, True
    levels = (
        given,
        family,
        _exact(left.email, right.email),
        _exact(left.phone, right.phone),
        _birth_level(left.birth, right.birth),
        _exact(left.postal, right.postal),
        _street_level(left.street, right.street, ratio),
    )
    return levels, swapped
