"""
What the transforms of strings share: the check of a value, and of a pyarrow array, as text.

A transform of strings refuses any other type (code ``wrong_type``) and a
string holding a lone surrogate (code ``invalid_text``); its pyarrow kernel
covers ``string`` and ``large_string`` arrays, and leaves any other array to
`BaseTransform.apply_arrow` (`apply_many` on the distinct values).
"""

from __future__ import annotations

from typing import Any

from custdata.transforms._checks import check_text
from custdata.transforms.base import BaseTransform

__all__ = ["TextInput", "holds_text"]


class TextInput(BaseTransform):
    """The mixin of transforms whose values are strings."""

    __slots__ = ()

    def _text(self, value: object) -> str:
        """
        Return the value, a string of valid text, or raise this transform's error.

        Raises:
            TransformError: Code ``wrong_type`` for a value that is not a
                string, ``invalid_text`` for one holding a lone surrogate.
        """
        if not isinstance(value, str):
            raise self._error(
                code="wrong_type", message=f"expected str, got {type(value).__name__}"
            )
        if not value.isascii():  # ASCII is always text: the common case skips the call
            check_text(self.name, value)
        return value


def holds_text(pa: Any, array: Any) -> bool:
    """
    Whether a pyarrow array holds strings that a pyarrow.compute string kernel takes.

    Args:
        pa: The pyarrow module.
        array: A pyarrow array (not chunked).

    Returns:
        True for ``string`` and ``large_string`` arrays.
    """
    return bool(pa.types.is_string(array.type) or pa.types.is_large_string(array.type))
