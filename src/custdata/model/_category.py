"""
The vocabulary of personal-data categories (private): what a record field declares.

`Category` and `category_field` live here, below the record codec that reads
them, so that `custdata.model.categories` can read the compiled schema without
an import cycle. Import them from `custdata.model.categories` or `custdata.model`.
"""

from __future__ import annotations

import enum
from typing import Any, Final

import attrs

__all__ = ["CATEGORY_KEY", "Category", "category_field"]

CATEGORY_KEY: Final = "custdata.category"
"""The attrs metadata key under which a field's `Category` is stored."""


class Category(enum.StrEnum):
    """The personal-data category of a field (GDPR vocabulary)."""

    DIRECT_IDENTIFIER = "direct_identifier"
    """Identifies a person on its own: name, email, phone, street address, customer id."""
    QUASI_IDENTIFIER = "quasi_identifier"
    """Identifies a person in combination: birth date, postal code, gender, job title."""
    SPECIAL_CATEGORY = "special_category"
    """GDPR article 9 data: health, religion, political opinion, sexual orientation..."""
    PERSONAL = "personal"
    """Other personal data: purchases, interests, consents, comments."""
    NOT_PERSONAL = "not_personal"
    """Not about a person: product codes, currencies, policy versions."""


def category_field(category: Category, **kwargs: Any) -> Any:  # mirrors attrs.field
    """
    Declare an attrs field together with its personal-data category.

    Args:
        category: The field's `Category`.
        **kwargs: Passed to `attrs.field`.

    Returns:
        The attrs field definition.
    """
    metadata = dict(kwargs.pop("metadata", {}))
    metadata[CATEGORY_KEY] = category
    return attrs.field(metadata=metadata, **kwargs)


# Pickles name the public module, as they did before this one existed.
Category.__module__ = "custdata.model.categories"
