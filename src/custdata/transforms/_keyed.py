"""
What every keyed transform shares (private): its key ring, its derived keys, pickling.

`Keyed` is the base of `Pseudonymise`, `Tokenise`, `FormatPreserving`,
`ShiftDate` and the keyed transforms still to come. It declares the ``keys``
and ``domain`` parameters (``keys`` checked to be a `custdata.KeyRing`,
``domain`` to be text), and keeps, per key id, the object a transform builds
from its derived key (an HMAC state, an AES-SIV or FF1 cipher), built on first
use and kept behind a lock, so that outputs made with older keys of the ring
can be read. A keyed transform pickles as its parameters, key ring included:
Spark executors and process pools rebuild it from them (docs/keys.md).

`AsciiResults` is the `BaseTransform` of transforms whose outputs are
non-empty ASCII strings without a newline (pseudonyms, tokens): a worker
process sends its results as lines of one ASCII blob, which the calling process
splits back with one decode and one split.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, ClassVar, Final, Generic, TypeVar, cast

import attrs

from custdata.keys import KeyRing
from custdata.transforms._checks import text_field
from custdata.transforms.base import BaseTransform

__all__ = ["AsciiResults", "Keyed"]

T = TypeVar("T")

_SOME_NONE: Final = "?"
"""Written after the last newline of a worker's blob when some results are ``None``."""


def _check_key_ring(
    _instance: object, _attribute: attrs.Attribute[KeyRing], value: KeyRing
) -> None:
    if not isinstance(cast(object, value), KeyRing):
        msg = "keys must be a custdata.KeyRing"
        raise TypeError(msg)


@attrs.frozen(kw_only=True)
class Keyed(Generic[T]):
    """
    The base of keyed transforms: a key ring, a domain and what each key derives.

    A subclass sets ``key_bytes`` (the derived key's length) and writes
    ``_make(key)``, which builds its primitive from a derived key; `_keyed`
    returns that primitive for a key id, built once per key id.

    Args:
        keys: The key ring; new outputs use its active key.
        domain: Separates uses: two domains derive unrelated keys.

    Raises:
        TypeError: If ``keys`` is not a `custdata.KeyRing` (a programming
            mistake: no policy can write a key ring).
        custdata.PolicyError: If ``domain`` is empty or not valid text.
    """

    name: ClassVar[str]
    key_bytes: ClassVar[int]

    keys: KeyRing = attrs.field(repr=False, eq=False, validator=_check_key_ring)
    domain: str = attrs.field(validator=text_field())
    _derived: dict[str, T] = attrs.field(init=False, repr=False, eq=False, factory=dict)
    _derived_lock: threading.Lock = attrs.field(
        init=False, repr=False, eq=False, factory=threading.Lock
    )

    def _make(self, key: bytes) -> T:
        """Build the primitive of one derived key (an HMAC state, a cipher)."""
        raise NotImplementedError

    def _derive(self, key_id: str | None = None) -> bytes:
        """
        The key of this transform and domain, derived from one master key.

        Raises:
            custdata.KeyRingError: If ``key_id`` is not in the ring.
        """
        return self.keys.derive(self.name, self.domain, self.key_bytes, key_id=key_id)

    def _keyed(self, key_id: str | None = None) -> T:
        """
        The primitive of a key id (the active key by default), built on first use.

        Raises:
            custdata.KeyRingError: If ``key_id`` is not in the ring.
        """
        ident = self.keys.active if key_id is None else key_id
        try:
            return self._derived[ident]
        except (KeyError, TypeError):  # TypeError: an unhashable key id, refused below
            pass
        made = self._make(self._derive(ident))
        with self._derived_lock:
            return self._derived.setdefault(ident, made)

    def __reduce__(self) -> tuple[Any, ...]:
        # The parameters, key ring included, rebuild the transform: derived keys
        # and caches are made again on the other side, never pickled.
        params = {
            field.alias: getattr(self, field.name)
            for field in attrs.fields(type(self))
            if field.init
        }
        return (_rebuild, (type(self), params))


def _rebuild(cls: type[Keyed[Any]], params: dict[str, Any]) -> Keyed[Any]:
    return cls(**params)


class AsciiResults(BaseTransform):
    """
    A `BaseTransform` whose outputs are non-empty ASCII strings that hold no newline.

    A worker process of ``apply_many(workers=n)`` sends its results as one line
    each (an empty line for ``None``); the calling process rebuilds them with
    one decode and one split.
    """

    __slots__ = ()

    def _pack(self, results: list[object]) -> bytes:
        end = ("",)  # a newline after the last line too, without copying the text again
        try:
            text = "\n".join(itertools.chain(cast("list[str]", results), end))
        except TypeError:  # some results are None: empty lines, and a mark after the last
            lines = ["" if result is None else cast("str", result) for result in results]
            text = "\n".join([*lines, _SOME_NONE])
        return text.encode("ascii")

    def _unpack(self, data: bytearray) -> list[object]:
        lines = data.decode("ascii").split("\n")
        if lines.pop() == _SOME_NONE:
            return [line or None for line in lines]
        return cast("list[object]", lines)
