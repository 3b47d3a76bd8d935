"""
Email addresses: syntax checks and the canonical form that later transforms hash.

Validation is email-validator's, with DNS deliverability checks off: custdata
never goes to the network. Internationalised addresses (``élodie@exemple.fr``,
``用户@例子.广告``) are accepted and normalised: Unicode NFC, and the domain in
its canonical internationalised form, lower-cased.

The local part (before the ``@``) is lower-cased too by default, although RFC 5321
lets a mail server treat it as case-sensitive: in customer files
``Elodie.Martin@Example.FR`` and ``elodie.martin@example.fr`` are one person, and no
mainstream provider distinguishes them. Pass ``lowercase_local_part=False`` to keep
its case (email-validator's own normalisation then applies unchanged).
"""

from __future__ import annotations

import re
from typing import Final

from custdata.errors import Issue
from custdata.validation._common import has_surrogates, invalid_text, raise_value_error, wrong_type

__all__ = ["INVALID_EMAIL", "email_value_issue", "is_valid_email", "normalise_email"]

INVALID_EMAIL: Final = "invalid_email"
"""The issue code of a value that is not a valid email address."""

_MAX_LENGTH: Final = 254

# The fast path: an ASCII address built only from the most common characters, whose
# email-validator normal form is provably the lower-cased input (the property test
# tests/validation/test_email.py::TestFastPath checks it against email-validator).
# It excludes every case email-validator treats specially: Punycode or "--" labels,
# special-use top-level domains, numeric top-level domains, over-long labels.
_FAST_EMAIL: Final = re.compile(
    r"[a-z0-9_+\-]+(?:\.[a-z0-9_+\-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_SPECIAL_USE_TLDS: Final = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
_DOMAIN_MAX_LENGTH: Final = 253


def _fast(text: str) -> str | None:
    """Return the normal form of a common ASCII address, or None to ask email-validator."""
    if not text.isascii() or len(text) > _MAX_LENGTH:
        return None
    lowered = text.lower()
    if _FAST_EMAIL.fullmatch(lowered) is None:
        return None
    domain = lowered[lowered.index("@") + 1 :]
    if (
        "--" in domain
        or len(domain) > _DOMAIN_MAX_LENGTH
        or domain[domain.rindex(".") + 1 :] in _SPECIAL_USE_TLDS
    ):
        return None
    return lowered


def _slow(text: str, lowercase_local_part: bool) -> str | None:
    """Return email-validator's normal form, or None when the address is invalid."""
    from email_validator import EmailNotValidError, validate_email

    if lowercase_local_part:
        text = text.lower()
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def canonical_email(value: str, *, lowercase_local_part: bool = True) -> str | None:
    """
    Return the canonical form of an email address, or ``None`` when it is invalid.

    The non-raising core of `normalise_email`, used by record validation.

    Args:
        value: The address as found in the data.
        lowercase_local_part: Lower-case the part before the ``@`` (the default).

    Returns:
        The canonical address, or ``None``.
    """
    text = value.strip()
    if lowercase_local_part:
        fast = _fast(text)
        if fast is not None:
            return fast
    if has_surrogates(text):  # not text: email-validator could not encode it
        return None
    return _slow(text, lowercase_local_part)


def normalise_email(value: object, *, lowercase_local_part: bool = True) -> str:
    """
    Return the canonical form of an email address: the form that transforms hash.

    Surrounding whitespace is removed; the address is checked by email-validator
    (syntax only, no DNS); its normalised form is returned, with the domain
    lower-cased and, by default, the local part too.

    Example:
        >>> normalise_email("  Elodie.Martin@Example.FR ")
        'elodie.martin@example.fr'
        >>> normalise_email("Élodie@Exemple.FR", lowercase_local_part=False)
        'Élodie@exemple.fr'

    Args:
        value: The address as found in the data.
        lowercase_local_part: Lower-case the part before the ``@``; pass ``False``
            to keep its case, as RFC 5321 allows a server to distinguish it.

    Returns:
        The canonical address.

    Raises:
        ValidationError: With one issue at path ``"email"``: ``invalid_email`` if the
            value is not a valid address, ``invalid_text`` if it holds lone
            surrogates, ``wrong_type`` if it is not a string (``None``, a number).
            The message never contains the value.
    """
    if not isinstance(value, str):
        raise_value_error([wrong_type("email", "text")])
    canonical = canonical_email(value, lowercase_local_part=lowercase_local_part)
    if canonical is None:
        raise_value_error([email_value_issue("email", value)])
    return canonical


def is_valid_email(value: object) -> bool:
    """
    Tell whether a value is a valid email address (syntax only, no DNS).

    Args:
        value: The address as found in the data; surrounding whitespace is ignored.
            Anything but a string (``None``, a number) is not an address.

    Returns:
        ``True`` if `normalise_email` accepts it, ``False`` otherwise.
    """
    return isinstance(value, str) and canonical_email(value) is not None


def email_issue(path: str) -> Issue:
    """Return the ``invalid_email`` issue for the field at ``path``."""
    return Issue(path=path, code=INVALID_EMAIL, message="is not a valid email address")


def email_value_issue(path: str, value: str) -> Issue:
    """Return the issue of an address `canonical_email` refused: invalid text or email."""
    return invalid_text(path) if has_surrogates(value) else email_issue(path)
