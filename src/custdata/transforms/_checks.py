"""
Checks shared by the built-in transforms: their parameters and their text values (private).

A transform checks its parameters when it is built, so that a bad policy fails
when it is loaded. A bad parameter, of the wrong type or the wrong value, is a
`custdata.PolicyError` whose message names the transform class, the parameter
and the problem, never the value given (it could be a key or a customer value
pasted into the wrong place). `TypeError` is left for programming mistakes that
no policy can make, such as a ``keys`` that is not a `custdata.KeyRing`.

A Python ``str`` may hold a lone UTF-16 surrogate (``"\\ud800"``): not text,
and impossible to write in any encoding. `is_text` tells them apart, so that
transforms refuse such values (code ``invalid_text``) and parameters instead of
passing them on to an output nobody can write.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs

from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE, has_surrogates
from custdata.errors import PolicyError, TransformError

__all__ = [
    "INVALID_TEXT",
    "INVALID_TEXT_MESSAGE",
    "boolean",
    "check_text",
    "finite_number",
    "is_finite",
    "is_number",
    "is_text",
    "one_char",
    "one_of",
    "policy_error",
    "text_field",
    "whole",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def policy_error(owner: object, parameter: str, problem: str) -> PolicyError:
    """
    The `custdata.PolicyError` of one bad parameter: ``"<Class>: <parameter> <problem>"``.

    Args:
        owner: The transform instance being built, or its class.
        parameter: The parameter's name.
        problem: What is wrong, without the value, such as ``"must be an int"``.

    Returns:
        The error, to raise.
    """
    cls = owner if isinstance(owner, type) else type(owner)
    return PolicyError(f"{cls.__name__}: {parameter} {problem}")


def is_text(value: str) -> bool:
    """
    Whether a string is valid Unicode text: it holds no lone surrogate, so it encodes as UTF-8.

    Args:
        value: The string.

    Returns:
        ``True`` for text that any Unicode encoding can write.
    """
    return not has_surrogates(value)


def check_text(transform_name: str, value: str) -> None:
    """
    Refuse a string value that is not valid Unicode text.

    Args:
        transform_name: The registry name of the transform, for the error.
        value: The string.

    Raises:
        TransformError: Code ``invalid_text``, if ``value`` holds a lone surrogate.
    """
    if not is_text(value):
        raise TransformError(transform_name, INVALID_TEXT, INVALID_TEXT_MESSAGE)


def is_number(value: object) -> bool:
    """Whether a value is an int or a float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_finite(value: float) -> bool:
    """Whether an int or float is finite as a float: an int too large for one is not."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def whole(low: int, high: int) -> Validator:
    """An attrs validator: an int (not a bool) from ``low`` to ``high``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise policy_error(
                instance, attribute.name, f"must be a whole number from {low} to {high}"
            )

    return check


def boolean(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise policy_error(instance, attribute.name, "must be true or false")


def finite_number(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a finite int or float (not a bool)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not is_finite(value):
        raise policy_error(instance, attribute.name, "must be a finite int or float")


def text_field(*, empty: bool = False) -> Validator:
    """An attrs validator: a string of valid Unicode text, non-empty unless ``empty``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str):
            raise policy_error(instance, attribute.name, "must be a string")
        if not empty and not value:
            raise policy_error(instance, attribute.name, "must be a non-empty string")
        if not is_text(value):
            raise policy_error(
                instance, attribute.name, "must be valid Unicode text (it holds a lone surrogate)"
            )

    return check


def one_char(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: exactly one character of valid text (a mask character)."""
    if not isinstance(value, str) or len(value) != 1:
        raise policy_error(
            instance,
            attribute.name,
            "must be exactly one character (an empty mask hides nothing)",
        )
    if not is_text(value):
        raise policy_error(instance, attribute.name, "must be a character, not a lone surrogate")


def one_of(*choices: str) -> Validator:
    """An attrs validator: one of the given strings."""
    listed = ", ".join(choices)

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or value not in choices:
            raise policy_error(instance, attribute.name, f"must be one of {listed}")

    return check
