"""
Key derivation and keyed hashing shared by the keyed transforms (private).

Everything here works on raw bytes and the standard library only, so that the
constructions documented in docs/keys.md and docs/transforms.md can be checked
against an independent implementation (``cryptography``) and against the
published vectors of RFC 5869 (HKDF) and RFC 4231 (HMAC-SHA256).

- `hkdf_sha256` is RFC 5869 HKDF with SHA-256.
- `derive_key` pins the custdata derivation: salt ``b"custdata/v1"``, info =
  the transform name, a zero byte and the NFC-normalised UTF-8 domain.
- `MacState` is HMAC-SHA256 with the keyed inner and outer SHA-256 states
  computed once: each message then costs two state copies instead of the four
  compression-function calls and the padding work of `hmac.digest`.

No function here ever puts key bytes in a repr, a message or a log.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

from custdata.errors import PolicyError

if TYPE_CHECKING:
    from custdata.keys import Key, KeyRing

__all__ = [
    "AES_SIV_KEY_BYTES",
    "FF1_KEY_BYTES",
    "HMAC_KEY_BYTES",
    "SALT",
    "MacState",
    "derive_key",
    "hkdf_sha256",
    "info_for",
    "mac_state",
]

SALT: Final = b"custdata/v1"
"""The HKDF salt of every custdata derivation (its version is part of the construction)."""

HMAC_KEY_BYTES: Final = 32
"""Derived key length for HMAC-SHA256 (Pseudonymise, Surrogate, ShiftDate)."""

FF1_KEY_BYTES: Final = 32
"""Derived key length for FF1 (AES-256)."""

AES_SIV_KEY_BYTES: Final = 64
"""Derived key length for AES-SIV (two AES-256 keys)."""


def _sha256_constructor() -> Callable[[bytes], Any]:
    # CPython's own SHA-256 (``_sha2`` from 3.12, ``_sha256`` before) copies its
    # state with a plain memcpy, where OpenSSL's EVP copy allocates: about 20 %
    # faster per short message. Same function, checked against RFC 4231.
    for module in ("_sha2", "_sha256"):
        try:
            constructor: Callable[[bytes], Any] = importlib.import_module(module).sha256
        except (ImportError, AttributeError):
            continue
        return constructor
    return hashlib.sha256


_sha256 = _sha256_constructor()

_HASH_LEN: Final = 32
_BLOCK: Final = 64
_IPAD: Final = bytes(x ^ 0x36 for x in range(256))
_OPAD: Final = bytes(x ^ 0x5C for x in range(256))


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """
    RFC 5869 HKDF with SHA-256: extract, then expand.

    Args:
        ikm: The input keying material.
        salt: The extract salt (an empty salt means 32 zero bytes, as in the RFC).
        info: The context and application specific information.
        length: The number of output bytes, from 1 to 8160.

    Returns:
        ``length`` bytes of output keying material.

    Raises:
        ValueError: If ``length`` is out of range.
    """
    if not 1 <= length <= 255 * _HASH_LEN:
        msg = f"HKDF-SHA256 output length must be between 1 and {255 * _HASH_LEN}"
        raise ValueError(msg)
    prk = hmac.digest(salt or bytes(_HASH_LEN), ikm, "sha256")
    blocks: list[bytes] = []
    previous = b""
    for counter in range(1, -(-length // _HASH_LEN) + 1):
        previous = hmac.digest(prk, previous + info + bytes([counter]), "sha256")
        blocks.append(previous)
    return b"".join(blocks)[:length]


def info_for(transform_name: str, domain: str) -> bytes:
    """
    The HKDF ``info`` custdata uses for one transform and one domain.

    Args:
        transform_name: The registry name of the transform, such as ``"pseudonymise"``.
        domain: The domain separating uses of the same transform, such as ``"email"``.

    Returns:
        ``transform_name`` in UTF-8, a zero byte, then the NFC-normalised domain in UTF-8.

    Raises:
        ValueError: If the name is empty or holds a zero byte (which would make
            two different pairs share an ``info``): a programming mistake, since
            names are class data.
        custdata.PolicyError: If the domain is not a string, is empty, or is
            not valid Unicode text (it holds a lone surrogate, which no
            encoding can write): a bad parameter of the transform being built.
    """
    if not transform_name or "\x00" in transform_name:
        msg = "the transform name must be non-empty and hold no zero byte"
        raise ValueError(msg)
    if not isinstance(cast(object, domain), str):
        msg = f"{transform_name}: the domain must be a string"
        raise PolicyError(msg)
    if not domain:
        msg = f"{transform_name}: the domain must be non-empty"
        raise PolicyError(msg)
    try:
        encoded = unicodedata.normalize("NFC", domain).encode("utf-8")
    except UnicodeEncodeError:
        # The message names the problem only: the domain is not repeated.
        msg = f"{transform_name}: the domain must be valid Unicode text (it holds a lone surrogate)"
        raise PolicyError(msg) from None
    return transform_name.encode("utf-8") + b"\x00" + encoded


def derive_key(
    source: bytes | Key | KeyRing,
    transform_name: str,
    domain: str,
    length: int = HMAC_KEY_BYTES,
    *,
    key_id: str | None = None,
) -> bytes:
    """
    Derive the key of one transform and one domain from a master key.

    HKDF-SHA256 with salt ``b"custdata/v1"`` and ``info_for(transform_name, domain)``.
    Two transforms, or two domains, never share key bytes.

    Args:
        source: Master key bytes, a `custdata.keys.Key`, or a `custdata.keys.KeyRing`
            (its active key unless ``key_id`` is given).
        transform_name: The registry name of the transform.
        domain: The domain, such as ``"email"`` or ``"customer_id"``.
        length: Bytes to derive: 32 for HMAC and FF1, 64 for AES-SIV.
        key_id: With a key ring, the id of the key to derive from.

    Returns:
        The derived key.

    Raises:
        KeyRingError: If ``key_id`` is not in the ring.
        custdata.PolicyError: If the domain is empty or not valid text (see `info_for`).
        ValueError: If the name or length is invalid.
    """
    # The domain is checked first: a bad one is a bad parameter, whatever the key.
    info = info_for(transform_name, domain)
    if isinstance(source, bytes | bytearray | memoryview):
        if key_id is not None:
            msg = "key_id only applies to a KeyRing"
            raise TypeError(msg)
        ikm = bytes(source)
    else:
        from custdata.keys import KeyRing

        key = (
            (source.active_key if key_id is None else source[key_id])
            if isinstance(source, KeyRing)
            else source
        )
        ikm = key.secret
    return hkdf_sha256(ikm, salt=SALT, info=info, length=length)


class MacState:
    """
    HMAC-SHA256 under one key, with the keyed inner and outer states precomputed.

    ``MacState(key).digest(data) == hmac.digest(key, data, "sha256")`` for every
    key and message; it is only faster on short messages. Instances are
    immutable and safe to share between threads (each call copies the states).
    They pickle as their key, so that process pools can rebuild them.

    Args:
        key: The HMAC key (in custdata, a key derived with `derive_key`).
    """

    __slots__ = ("__key", "_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        self.__key = bytes(key)
        block = self.__key
        if len(block) > _BLOCK:
            block = hashlib.sha256(block).digest()
        block = block.ljust(_BLOCK, b"\x00")
        self._inner = _sha256(block.translate(_IPAD))
        self._outer = _sha256(block.translate(_OPAD))

    def digest(self, data: bytes) -> bytes:
        """
        HMAC-SHA256 of ``data``.

        Args:
            data: The message.

        Returns:
            The 32-byte tag.
        """
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        tag: bytes = outer.digest()
        return tag

    def digests(self, messages: list[bytes]) -> list[bytes]:
        """
        HMAC-SHA256 of each message, in order (a tight loop for batches).

        Args:
            messages: The messages.

        Returns:
            One 32-byte tag per message.
        """
        inner_copy = self._inner.copy
        outer_copy = self._outer.copy
        out: list[bytes] = []
        append = out.append
        for data in messages:
            inner = inner_copy()
            inner.update(data)
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest())
        return out

    def __repr__(self) -> str:
        return "MacState(<hmac-sha256>)"

    def __reduce__(self) -> tuple[type[MacState], tuple[bytes]]:
        return (MacState, (self.__key,))


def mac_state(
    source: bytes | Key | KeyRing, transform_name: str, domain: str, *, key_id: str | None = None
) -> MacState:
    """
    The HMAC-SHA256 state of one transform and one domain.

    Args:
        source: Master key bytes, a `custdata.keys.Key` or a `custdata.keys.KeyRing`.
        transform_name: The registry name of the transform.
        domain: The domain.
        key_id: With a key ring, the id of the key to use instead of the active one.

    Returns:
        A `MacState` keyed with ``derive_key(source, transform_name, domain, 32)``.

    Raises:
        KeyRingError: If ``key_id`` is not in the ring.
        custdata.PolicyError: If the domain is empty or not valid text (see `info_for`).
    """
    return MacState(derive_key(source, transform_name, domain, HMAC_KEY_BYTES, key_id=key_id))
