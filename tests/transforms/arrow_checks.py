"""A check the transform tests share: an Arrow kernel gives what apply_many gives."""

from __future__ import annotations

from typing import Any

from custdata import TransformError


def same_as_apply_many(t: Any, array: Any) -> None:
    """apply_arrow equals apply_many, or both raise the same code."""
    values = array.to_pylist()
    try:
        expected: object = t.apply_many(values)
    except TransformError as error:
        expected = error.code
    try:
        actual: object = t.apply_arrow(array).to_pylist()
    except TransformError as error:
        actual = error.code
    assert expected == actual
