"""
Keyed pseudonymisation: `Pseudonymise` (HMAC-SHA256 with a derived key).

The exact construction is in docs/transforms.md; a test recomputes a pseudonym
from that text with only `hmac` and `hashlib`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Final, cast

import attrs

from custdata import _crypto
from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE
from custdata.transforms import _checks
from custdata.transforms._keyed import AsciiResults, Keyed
from custdata.transforms.base import Guarantees

__all__ = ["Pseudonymise"]

_PREFIX: Final = re.compile(r"[A-Za-z0-9_-]{0,16}")
_SAFE_BITS: Final = 128
_MAX_BITS: Final = 256
_MIN_UNSAFE_BITS: Final = 32


def _check_prefix(instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, str) or _PREFIX.fullmatch(value) is None:
        raise _checks.policy_error(
            instance, "prefix", "must be at most 16 ASCII letters, digits, '_' or '-'"
        )


def _check_bits(instance: Pseudonymise, _attribute: object, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value % 8:
        raise _checks.policy_error(
            instance, "bits", "must be a whole number of bytes (a multiple of 8)"
        )
    low = _MIN_UNSAFE_BITS if instance.unsafe_allow_short else _SAFE_BITS
    if not low <= value <= _MAX_BITS:
        raise _checks.policy_error(
            instance,
            "bits",
            f"must be between {_SAFE_BITS} and {_MAX_BITS}"
            " (fewer only with unsafe_allow_short=True, and never fewer than 32)",
        )


@attrs.frozen(kw_only=True)
class Pseudonymise(Keyed[_crypto.MacState], AsciiResults):
    """
    Replace a string by a keyed pseudonym: the same value, key and domain always give the same one.

    Example:
        >>> from custdata import KeyRing
        >>> ring = KeyRing.generate(key_id="k1")
        >>> pseudo = Pseudonymise(keys=ring, domain="email")
        >>> p = pseudo("jean.dupont@example.fr")
        >>> p.startswith("pse_k1_"), len(p)
        (True, 39)
        >>> pseudo("jean.dupont@example.fr") == p
        True

    **Guarantees**: not reversible; deterministic across calls, processes and
    runs for the same key ring, domain and parameters; keyed; the output is
    still personal data (it links every record of the person).

    **Does not protect against**: linkage between datasets pseudonymised with
    the same key and domain (that is the point); anyone who holds the key and
    can guess candidate values (a dictionary attack on emails or phone numbers);
    inference from the other fields of the record.

    **Algorithm**: ``k = HKDF-SHA256(ikm=master key, salt=b"custdata/v1",
    info=b"pseudonymise" + b"\\x00" + NFC(domain) in UTF-8, length=32)``;
    ``tag = HMAC-SHA256(k, NFC(value) in UTF-8)``; output ``prefix + key_id +
    "_" + tag[:bits // 8].hex()``.

    Args:
        keys: The key ring; the active key makes pseudonyms unless ``key_id`` is given.
        domain: Separates uses: the same value in two domains gives unrelated
            pseudonyms (``"email"``, ``"customer_id"``...).
        prefix: Put before the key id (ASCII letters, digits, ``_`` or ``-``,
            at most 16); ``"pse_"`` by default.
        bits: Bits of the tag kept, a multiple of 8 from 128 to 256.
        key_id: Use this key of the ring instead of the active one (to
            recompute pseudonyms made before a rotation).
        unsafe_allow_short: Allow ``bits`` down to 32. Short pseudonyms
            collide: at 64 bits, one collision is expected among about four
            billion values.

    Raises:
        ValueError: If a parameter is invalid.
        custdata.KeyRingError: If ``key_id`` is not in the ring.
    """

    name: ClassVar[str] = "pseudonymise"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=False,
        deterministic=True,
        keyed=True,
        format_preserving=False,
        output_is_personal_data=True,
    )
    output_type: ClassVar[type] = str
    key_bytes: ClassVar[int] = _crypto.HMAC_KEY_BYTES

    prefix: str = attrs.field(default="pse_", validator=_check_prefix)
    unsafe_allow_short: bool = attrs.field(default=False, validator=_checks.boolean)
    bits: int = attrs.field(default=_SAFE_BITS, validator=_check_bits)
    key_id: str | None = attrs.field(default=None)
    _mac: _crypto.MacState = attrs.field(init=False, repr=False, eq=False)
    _head: str = attrs.field(init=False, repr=False, eq=False)
    _size: int = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_mac", self._keyed(self.key_id))
        object.__setattr__(self, "_head", f"{self.prefix}{self.used_key_id}_")
        object.__setattr__(self, "_size", self.bits // 8)

    def _make(self, key: bytes) -> _crypto.MacState:
        return _crypto.MacState(key)

    @property
    def used_key_id(self) -> str:
        """The id of the key this instance makes pseudonyms with."""
        return self.keys.active if self.key_id is None else self.key_id

    def _one(self, value: object) -> object:
        if not isinstance(value, str):
            raise self._error(
                code="wrong_type", message=f"expected str, got {type(value).__name__}"
            )
        try:
            data = unicodedata.normalize("NFC", value).encode("utf-8")
        except UnicodeEncodeError:
            raise self._error(code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE) from None
        return self._head + self._mac.digest(data)[: self._size].hex()

    def _many(self, values: list[object]) -> list[object]:
        # The batch loop (MacState.hexdigests); any surprise falls back to _one,
        # which raises the right error for the first bad value.
        try:
            return self._fast(values)
        except (AttributeError, TypeError, UnicodeEncodeError):
            return super()._many(values)

    def _fast(self, values: Sequence[Any]) -> list[object]:
        # One join, one NFC pass and one encode for the whole batch instead of two
        # calls per value. NFC never reorders or composes across U+0000 (a starter
        # that composes with nothing), so normalising the joined text equals
        # normalising each value; values holding U+0000 take the per-value path.
        # join raises TypeError on a value that is not a str (None included), so
        # no separate pass checks types.
        if not values:
            return []
        joined = "\x00".join(values)
        if joined.count("\x00") != len(values) - 1:
            messages = [unicodedata.normalize("NFC", value).encode() for value in values]
        else:
            messages = unicodedata.normalize("NFC", joined).encode().split(b"\x00")
        return cast("list[object]", self._mac.hexdigests(messages, 2 * self._size, self._head))

    def _unmerged(self, values: Sequence[object]) -> list[object] | None:
        # The batch loop straight on the batch: it skips the pass that checks types,
        # since joining raises TypeError on anything but a str (None included).
        try:
            return self._fast(values)
        except (AttributeError, TypeError, UnicodeEncodeError):
            return None

    def repseudonymise(
        self, originals: Iterable[str], *, from_key_ids: Iterable[str] | None = None
    ) -> dict[str, str]:
        """
        Map pseudonyms made with older keys to this instance's, given the original values.

        After `custdata.KeyRing.rotate`, a host that still has the original
        values can re-key stored pseudonyms: for each value and each old key,
        the old pseudonym maps to the new one.

        Args:
            originals: The original values.
            from_key_ids: The old key ids; every other key of the ring by default.

        Returns:
            Old pseudonym -> pseudonym with this instance's key.

        Raises:
            custdata.TransformError: If a value cannot be pseudonymised.
            custdata.KeyRingError: If a key id is unknown.
        """
        values = list(originals)
        new = self.apply_many(values)
        current = self.used_key_id
        ids = [i for i in self.keys.ids if i != current] if from_key_ids is None else from_key_ids
        mapping: dict[str, str] = {}
        for key_id in ids:
            old = attrs.evolve(self, key_id=key_id).apply_many(values)
            mapping.update((str(o), str(n)) for o, n in zip(old, new, strict=True) if o is not None)
        return mapping
