"""Issues shared by several kinds of value, and the checks behind them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, NoReturn

from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE, has_surrogates
from custdata.errors import Issue, ValidationError

__all__ = [
    "INVALID_TEXT",
    "WRONG_TYPE",
    "blank_identifier",
    "has_surrogates",
    "invalid_text",
    "raise_value_error",
    "wrong_type",
]

WRONG_TYPE: Final = "wrong_type"
"""The issue code of a value of the wrong type (a number where text was expected)."""


def wrong_type(path: str, expected: str) -> Issue:
    """Return the ``wrong_type`` issue of a field holding a value of the wrong type."""
    return Issue(path=path, code=WRONG_TYPE, message=f"expected {expected}")


def invalid_text(path: str) -> Issue:
    """Return the ``invalid_text`` issue of a field whose text holds lone surrogates."""
    return Issue(
        path=path,
        code=INVALID_TEXT,
        message=INVALID_TEXT_MESSAGE,
    )


def blank_identifier(path: str) -> Issue:
    """Return the ``blank_identifier`` issue of an identifier that is empty or blank."""
    return Issue(path=path, code="blank_identifier", message="must not be blank")


def raise_value_error(issues: Iterable[Issue]) -> NoReturn:
    """
    Raise the `ValidationError` of a value-level helper.

    Its issues have the kind of value as their path (``"email"``, ``"phone"``), so
    the message reads ``invalid value: 1 problem: email: ...``.

    Raises:
        ValidationError: Always.
    """
    raise ValidationError(issues, record_type="value")
