"""
Key derivation and keyed hashing shared by the keyed transforms (private).

Everything here takes and returns bytes and knows nothing of key rings: a
transform derives its key through `custdata.KeyRing.derive`, which calls
`derive_key` with the master key's bytes. Only public APIs do the cryptography:
`hashlib` and `hmac` (OpenSSL) for SHA-256 and HMAC, ``cryptography``'s HKDF for
the derivation, so the library runs where OpenSSL is the only implementation
allowed (FIPS builds). The constructions documented in docs/keys.md and
docs/transforms.md are tested against the published vectors of RFC 5869 (HKDF)
and RFC 4231 (HMAC-SHA256).

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
import unicodedata
from collections.abc import Iterable
from typing import Final, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from custdata.errors import PolicyError

__all__ = [
    "AES_SIV_KEY_BYTES",
    "FF1_KEY_BYTES",
    "HMAC_KEY_BYTES",
    "SALT",
    "MacState",
    "derive_key",
    "hkdf_sha256",
    "info_for",
]

SALT: Final = b"custdata/v1"
"""The HKDF salt of every custdata derivation (its version is part of the construction)."""

HMAC_KEY_BYTES: Final = 32
"""Derived key length for HMAC-SHA256 (Pseudonymise, ShiftDate)."""

FF1_KEY_BYTES: Final = 32
"""Derived key length for FF1 (AES-256)."""

AES_SIV_KEY_BYTES: Final = 64
"""Derived key length for AES-SIV (two AES-256 keys)."""

_HASH_LEN: Final = 32
_BLOCK: Final = 64
_IPAD: Final = bytes(x ^ 0x36 for x in range(256))
_OPAD: Final = bytes(x ^ 0x5C for x in range(256))


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """
    RFC 5869 HKDF with SHA-256: extract, then expand (``cryptography``'s HKDF).

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
    return HKDF(hashes.SHA256(), length, salt or None, info).derive(ikm)


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
    master: bytes, transform_name: str, domain: str, length: int = HMAC_KEY_BYTES
) -> bytes:
    """
    Derive the key of one transform and one domain from a master key's bytes.

    HKDF-SHA256 with salt ``b"custdata/v1"`` and ``info_for(transform_name, domain)``.
    Two transforms, or two domains, never share key bytes.

    Args:
        master: The master key bytes.
        transform_name: The registry name of the transform.
        domain: The domain, such as ``"email"`` or ``"customer_id"``.
        length: Bytes to derive: 32 for HMAC and FF1, 64 for AES-SIV.

    Returns:
        The derived key.

    Raises:
        custdata.PolicyError: If the domain is empty or not valid text (see `info_for`).
        ValueError: If the name or length is invalid.
    """
    info = info_for(transform_name, domain)
    return hkdf_sha256(bytes(master), salt=SALT, info=info, length=length)


class MacState:
    """
    HMAC-SHA256 under one key, with the keyed inner and outer states precomputed.

    ``MacState(key).digest(data) == hmac.digest(key, data, "sha256")`` for every
    key and message; it is only faster on short messages. The states are
    `hashlib` (OpenSSL) SHA-256 objects, copied for each message. Instances
    are immutable and safe to share between threads (each call copies the
    states). They pickle as their key, so that process pools can rebuild them.

    Args:
        key: The HMAC key (in custdata, a key derived with `derive_key`).
    """

    __slots__ = ("__inner", "__key", "__outer")

    def __init__(self, key: bytes) -> None:
        self.__key = bytes(key)
        block = self.__key
        if len(block) > _BLOCK:
            block = hashlib.sha256(block).digest()
        block = block.ljust(_BLOCK, b"\x00")
        self.__inner = hashlib.sha256(block.translate(_IPAD))
        self.__outer = hashlib.sha256(block.translate(_OPAD))

    def digest(self, data: bytes) -> bytes:
        """
        HMAC-SHA256 of ``data``.

        Args:
            data: The message.

        Returns:
            The 32-byte tag.
        """
        inner = self.__inner.copy()
        inner.update(data)
        outer = self.__outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def digests(self, messages: Iterable[bytes]) -> list[bytes]:
        """
        HMAC-SHA256 of each message, in order: the batch loop of `digest`.

        Args:
            messages: The messages.

        Returns:
            The 32-byte tag of each message.
        """
        inner_copy = self.__inner.copy
        outer_copy = self.__outer.copy
        out: list[bytes] = []
        append = out.append
        for data in messages:
            inner = inner_copy()
            inner.update(data)
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest())
        return out

    def hexdigests(self, messages: Iterable[bytes], width: int = 64, prefix: str = "") -> list[str]:
        """
        HMAC-SHA256 of each message in lowercase hexadecimal, in order: the batch loop.

        Args:
            messages: The messages.
            width: Hexadecimal digits kept from the start of each tag (64: all of it).
            prefix: Text put before each tag.

        Returns:
            ``prefix + tag.hex()[:width]`` for each message.
        """
        inner_copy = self.__inner.copy
        outer_copy = self.__outer.copy
        out: list[str] = []
        append = out.append
        for data in messages:
            inner = inner_copy()
            inner.update(data)
            outer = outer_copy()
            outer.update(inner.digest())
            append(prefix + outer.hexdigest()[:width])
        return out

    def __repr__(self) -> str:
        return "MacState(<hmac-sha256>)"

    def __reduce__(self) -> tuple[type[MacState], tuple[bytes]]:
        return (MacState, (self.__key,))
