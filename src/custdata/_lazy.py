"""Names a package resolves on first access (PEP 562), so that `import custdata` stays fast."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(
    package: str, lazy: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """
    Make a package's module-level ``__getattr__`` and ``__dir__`` for lazily imported names.

    Args:
        package: The package's ``__name__``.
        lazy: Each lazy name and the module that defines it.

    Returns:
        ``(__getattr__, __dir__)``: the first imports the defining module on first
        access and keeps the value in the package's namespace, so later accesses
        are plain lookups; the second lists the lazy names with the loaded ones.
    """

    def __getattr__(name: str) -> object:  # noqa: N807  # the PEP 562 hook's own name
        module = lazy.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        # Safe under threads without a lock: Python serialises the import, and threads
        # that arrive at once all bind the same object, so the last write changes nothing.
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807  # the PEP 562 hook's own name
        return sorted(set(vars(sys.modules[package])) | set(lazy))

    return __getattr__, __dir__
