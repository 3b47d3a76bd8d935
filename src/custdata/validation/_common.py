"""Issues shared by several kinds of value."""

from __future__ import annotations

from custdata.errors import Issue

__all__ = ["blank_identifier", "wrong_type"]


def wrong_type(path: str, expected: str) -> Issue:
    """Return the ``wrong_type`` issue of a field holding a value of the wrong type."""
    return Issue(path=path, code="wrong_type", message=f"expected {expected}")


def blank_identifier(path: str) -> Issue:
    """Return the ``blank_identifier`` issue of an identifier that is empty or blank."""
    return Issue(path=path, code="blank_identifier", message="must not be blank")
