"""
Strings that are not text (private): one definition for validation, transforms and files.

A Python ``str`` may hold a lone UTF-16 surrogate (``"\\ud800"``, as a JSON
escape or a ``surrogateescape`` decode leaves it). It is not Unicode text and no
encoding can write it, so every layer of custdata reports it with the same
code, ``invalid_text``, instead of passing it on to an output nobody can write.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["INVALID_TEXT", "INVALID_TEXT_MESSAGE", "has_surrogates", "replace_surrogates"]

INVALID_TEXT: Final = "invalid_text"
"""The issue and error code of a string holding lone surrogates."""

INVALID_TEXT_MESSAGE: Final = "holds unpaired surrogates, which are not valid Unicode text"
"""The message that goes with it; it never contains the value."""

_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    """
    Tell whether a string holds lone (unpaired) surrogates.

    Args:
        text: Any string.

    Returns:
        ``True`` if it holds a code point between U+D800 and U+DFFF.
    """
    return not text.isascii() and _SURROGATE.search(text) is not None


def replace_surrogates(text: str) -> str:
    """
    Replace each lone surrogate by U+FFFD, so that the text can be written (in a rejects file).

    Args:
        text: Any string.

    Returns:
        The string, with U+FFFD for every code point between U+D800 and U+DFFF.
    """
    return _SURROGATE.sub("\ufffd", text)
