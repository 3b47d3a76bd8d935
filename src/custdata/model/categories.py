"""
The personal-data category of every field of the domain model.

Each field of a record declares exactly one `Category` in its attrs metadata;
`categories` reads them back by dotted path. The categories drive defaults
later on (which fields a policy must cover, which are quasi-identifiers for
anonymity) and are listed in docs/model.md.
"""

from __future__ import annotations

import attrs

from custdata.model._category import CATEGORY_KEY, Category, category_field
from custdata.model._codec import schema

__all__ = ["CATEGORY_KEY", "Category", "categories", "category_field"]


def categories(record_type: type) -> dict[str, Category]:
    """
    Return the category of every field of a record type, by dotted path.

    Nested records are flattened: ``Contact`` yields ``"address.postal_code"``;
    the items of a list of records appear without an index (``"lines.sku"``).

    Args:
        record_type: A custdata record class such as `custdata.Contact`.

    Returns:
        An ordered mapping from dotted path to `Category`, in field order.

    Raises:
        TypeError: If ``record_type`` is not an attrs class with categorised fields.
    """
    if not (isinstance(record_type, type) and attrs.has(record_type)):
        msg = "categories() takes a custdata record class, such as custdata.Contact"
        raise TypeError(msg)
    result: dict[str, Category] = {}
    for spec in schema(record_type).fields:
        nested = spec.record or spec.item_record
        if nested is not None:
            for sub_path, sub_category in categories(nested).items():
                result[f"{spec.name}.{sub_path}"] = sub_category
        else:
            result[spec.name] = spec.category
    return result
