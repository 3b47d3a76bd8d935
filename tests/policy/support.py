"""Keys, dates and test-only transforms shared by the policy tests (registered by conftest.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import attrs

from custdata.keys import KeyRing
from custdata.transforms import register, unregister
from custdata.transforms.base import BaseTransform, Guarantees

TODAY: Final = dt.date(2026, 1, 15)
"""The ``today`` every test binds with unless it tests another."""

KEY_BYTES: Final = bytes(range(32))
"""The fixed master key of `KEYS` (a test key, known to everyone)."""

KEYS: Final = KeyRing.from_mapping({"test-1": KEY_BYTES}, active="test-1")
"""A fixed key ring, so that outputs are the same from run to run."""

OTHER_KEYS: Final = KeyRing.from_mapping({"test-2": bytes(range(32, 64))}, active="test-2")
"""Another fixed key ring."""

MARKER: Final = "REFUSE-ME"
"""A value `RefuseMarker` refuses."""

_PLAIN: Final = Guarantees(
    reversible=False,
    deterministic=True,
    keyed=False,
    format_preserving=False,
    output_is_personal_data=True,
)


@attrs.frozen(kw_only=True)
class RefuseMarker(BaseTransform):
    """Pass values through, but refuse any that holds `MARKER` (code ``marker_refused``)."""

    name: ClassVar[str] = "ptest_refuse_marker"
    guarantees: ClassVar[Guarantees] = _PLAIN
    output_type: ClassVar[type] = str

    def _one(self, value: object) -> object:
        if MARKER in str(value):
            raise self._error(code="marker_refused", message="the marker is refused")
        return str(value)


@attrs.frozen(kw_only=True)
class UpperOf(BaseTransform):
    """Apply another transform (its parameter ``inner``), then upper-case the result."""

    name: ClassVar[str] = "ptest_upper_of"
    guarantees: ClassVar[Guarantees] = _PLAIN
    output_type: ClassVar[type] = str

    inner: Any

    def _one(self, value: object) -> object:
        return str(self.inner(value)).upper()


@attrs.frozen(kw_only=True)
class CopyProtected:
    """A row transform reading the released value of another field (``reads = "protected"``)."""

    name: ClassVar[str] = "ptest_copy_protected"
    guarantees: ClassVar[Guarantees] = _PLAIN
    reads: ClassVar[str] = "protected"

    source: str
    field: str | None = None

    @property
    def requires(self) -> tuple[str, ...]:
        """The field it copies."""
        return (self.source,)

    def apply_row(self, row: Mapping[str, object]) -> object:
        """The released value of ``source``, as text."""
        value = row[self.source]
        return None if value is None else f"copy:{value}"


@attrs.frozen(kw_only=True)
class CopyInput(CopyProtected):
    """The same, reading the input row (``reads = "input"``)."""

    name: ClassVar[str] = "ptest_copy_input"
    reads: ClassVar[str] = "input"


TEST_TRANSFORMS: Final = (RefuseMarker, UpperOf, CopyProtected, CopyInput)


def register_all() -> None:
    """Register the test transforms (idempotent)."""
    for cls in TEST_TRANSFORMS:
        register(cls)


def unregister_all() -> None:
    """Remove the test transforms from the registry."""
    for cls in TEST_TRANSFORMS:
        with contextlib.suppress(KeyError):
            unregister(cls.name)
