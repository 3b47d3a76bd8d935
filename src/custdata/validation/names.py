"""
Names and other short texts: Unicode NFC, whitespace collapsed, full-width forms folded.

Accents are kept: ``Élodie`` stays ``Élodie``, and ``E`` followed by a combining
acute accent becomes the same single ``É``. Full-width forms (U+FF01 to U+FF5E),
which Asian input methods produce, are folded to their ASCII equivalents, and the
ideographic space to a space. Case is never changed: ``McDonald`` and ``de la Tour``
are written as their owners write them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from custdata.errors import Issue, Severity
from custdata.validation._common import invalid_text, raise_value_error, wrong_type

__all__ = ["flag_issues", "name_issues", "normalise_name", "text_flags"]

# U+FF01..U+FF5E are the full-width forms of U+0021..U+007E; U+3000 is the
# ideographic space. NFKC would fold them too, but also ligatures, superscripts
# and other compatibility characters that belong to how a name is written.
_FULL_WIDTH: Final = {0xFF01 + offset: 0x21 + offset for offset in range(0x5E)} | {0x3000: 0x20}
_CONTROL: Final = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_DIGIT: Final = re.compile(r"\d")
_SUSPECT: Final = re.compile(_CONTROL.pattern[:-1] + "\ud800-\udfff" + r"\d]")


def normalise_name(value: object) -> str:
    """
    Return a name in canonical form: full-width folded, NFC, whitespace collapsed.

    Example:
        >>> normalise_name("  \\uff25\\uff4c\\uff4f\\uff44\\uff49\\uff45   Marie ")
        'Elodie Marie'
        >>> normalise_name("E\\u0301lodie") == "Élodie"
        True

    Args:
        value: A name or another short text (company, city, job title). Any text
            is accepted, even with control characters or lone surrogates, which
            only validation reports.

    Returns:
        The canonical text; ``""`` if it held only whitespace.

    Raises:
        ValidationError: With one ``wrong_type`` issue at path ``"name"`` if the
            value is not a string (``None``, a number).
    """
    if not isinstance(value, str):
        raise_value_error([wrong_type("name", "text")])
    if value.isascii():
        return " ".join(value.split())
    folded = value.translate(_FULL_WIDTH)
    return " ".join(unicodedata.normalize("NFC", folded).split())


def text_flags(value: str) -> tuple[bool, bool, bool]:
    """
    Tell whether a text holds control characters, lone surrogates, digits.

    Args:
        value: The text.

    Returns:
        ``(has_control_characters, has_surrogates, has_digits)``.
    """
    if _SUSPECT.search(value) is None:  # one search for the common case: nothing to say
        return False, False, False
    return (
        _CONTROL.search(value) is not None,
        _SURROGATE.search(value) is not None,
        _DIGIT.search(value) is not None,
    )


def name_issues(value: str, path: str, *, person: bool) -> list[Issue]:
    """
    Check a name or short text; return its issues (an empty list when it is fine).

    Args:
        value: The text as found in the data.
        path: The dotted path of the field.
        person: Whether the text is a person's name, in which digits are suspicious.

    Returns:
        ``invalid_characters`` (error) for control characters, ``invalid_text``
        (error) for lone surrogates, ``name_contains_digits`` (warning) for a
        person's name holding digits.
    """
    control, surrogates, digits = text_flags(value)
    return flag_issues(path, control=control, surrogates=surrogates, digits=digits and person)


def flag_issues(path: str, *, control: bool, surrogates: bool, digits: bool) -> list[Issue]:
    """Return the issues that `text_flags` found, for the field at ``path``."""
    issues: list[Issue] = []
    if control:
        issues.append(
            Issue(path=path, code="invalid_characters", message="contains control characters")
        )
    if surrogates:
        issues.append(invalid_text(path))
    if digits:
        issues.append(
            Issue(
                path=path,
                code="name_contains_digits",
                severity=Severity.WARNING,
                message="a person's name rarely contains digits",
            )
        )
    return issues
