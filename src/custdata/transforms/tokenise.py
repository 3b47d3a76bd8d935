"""
Reversible tokens: deterministic authenticated encryption with AES-SIV (RFC 5297).

`Tokenise` turns a string into an opaque token that the holder of the key ring
can turn back (`Tokenise.reverse`, `detokenise`), even after the ring was rotated.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from typing import ClassVar, Final, cast

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from custdata import _crypto
from custdata.errors import InvalidToken, KeyRingError
from custdata.keys import KeyRing
from custdata.transforms.base import BaseTransform, Guarantees, check_non_empty

__all__ = ["TOKEN_VERSION", "Tokenise", "detokenise"]

TOKEN_VERSION: Final = 1
"""The token format version, the first byte of every token (and of its associated data)."""

_VERSION_BYTE: Final = bytes((TOKEN_VERSION,))
_TEXT_TAG: Final = b"\x00"
"""
Prefix of every plaintext: "UTF-8 text follows".

It makes every AES-SIV plaintext at least one byte long, so the empty string
never reaches an empty AES-SIV plaintext (which the OpenSSL of some
``cryptography`` builds refuses), and leaves room for other value types.
"""
_SIV_TAG_BYTES: Final = 16
_MAX_KEY_ID_BYTES: Final = 255
_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")


def _check_key_ring(
    _instance: object, _attribute: attrs.Attribute[KeyRing], value: KeyRing
) -> None:
    if not isinstance(cast(object, value), KeyRing):
        msg = "keys must be a custdata.KeyRing"
        raise TypeError(msg)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode_canonical(token: str) -> bytes:
    """Decode unpadded base64url, refusing every other spelling of the same bytes."""
    if not token.isascii() or _BASE64URL.fullmatch(token) is None or len(token) % 4 == 1:
        raise InvalidToken
    try:
        data = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidToken from None
    # Non-zero bits after the last byte decode to the same bytes: refuse them.
    if _b64encode(data) != token:
        raise InvalidToken
    return data


@attrs.frozen(kw_only=True)
class Tokenise(BaseTransform):
    """
    Replace a string with a reversible token: AES-SIV under a key derived for the domain.

    Equal strings give equal tokens under one active key, so tokens still join
    and count like the values they replace; the key holder gets the value back
    with `reverse` (or `detokenise`), also for tokens made before a `KeyRing.rotate`.
    Prefer a token to a `Pseudonymise` pseudonym only when someone must be able
    to re-identify (a support agent, a legal request); otherwise the pseudonym,
    which cannot be reversed even with the key, is safer.

    Example:
        >>> from custdata.keys import KeyRing
        >>> tokenise = Tokenise(keys=KeyRing.generate(key_id="k1"), domain="email")
        >>> token = tokenise("ada@example.org")
        >>> tokenise.reverse(token)
        'ada@example.org'

    **Guarantees**: reversible with the key ring; deterministic under one
    active key (equal inputs, equal tokens: linkable); keyed; not format
    preserving; the token is still personal data. Any altered, truncated,
    re-encoded or foreign token raises an opaque `custdata.InvalidToken`.

    **Does not protect against**: linking (equal values give equal tokens);
    counting (frequent values stay frequent); length (a token grows with its
    value, about 4/3 of its UTF-8 length plus 28 characters with a two-character
    key id); anyone who holds the key ring.

    **Algorithm**: ``K = HKDF-SHA256(master key, salt=b"custdata/v1",
    info=b"tokenise" || 0x00 || NFC(domain), 64 bytes)``;
    ``header = 0x01 || len(key_id) || key_id`` (one version byte, one length
    byte, the ASCII key id); ``siv = AES-SIV-CMAC-512(K).encrypt(0x00 ||
    UTF-8(value), associated_data=[header])`` (16-byte synthetic IV, then the
    ciphertext); ``token = base64url(header || siv)`` without padding.

    Args:
        keys: The key ring; new tokens use its active key.
        domain: Separates uses: two domains give unrelated tokens for one value.

    Raises:
        TypeError: If ``keys`` is not a `custdata.KeyRing`.
        ValueError: If ``domain`` is empty.
    """

    name: ClassVar[str] = "tokenise"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=True,
        deterministic=True,
        keyed=True,
        format_preserving=False,
        output_is_personal_data=True,
    )
    output_type: ClassVar[type] = str

    keys: KeyRing = attrs.field(repr=False, eq=False, validator=_check_key_ring)
    domain: str = attrs.field(validator=check_non_empty)
    _header: bytes = attrs.field(init=False, repr=False, eq=False)
    _siv: AESSIV = attrs.field(init=False, repr=False, eq=False)
    _readers: dict[str, AESSIV] = attrs.field(init=False, repr=False, eq=False)
    _lock: threading.Lock = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        key_id = self.keys.active
        object.__setattr__(self, "_header", _header(key_id))
        object.__setattr__(self, "_readers", {})
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_siv", self._reader(key_id))

    def __reduce__(self) -> tuple[object, tuple[KeyRing, str]]:
        return (_rebuild, (self.keys, self.domain))

    def _reader(self, key_id: str) -> AESSIV:
        siv = self._readers.get(key_id)
        if siv is None:
            key = _crypto.derive_key(
                self.keys, self.name, self.domain, _crypto.AES_SIV_KEY_BYTES, key_id=key_id
            )
            siv = AESSIV(key)
            with self._lock:
                self._readers[key_id] = siv
        return siv

    def _one(self, value: object) -> object:
        if not isinstance(value, str):
            raise self._error(code="wrong_type", message="expected a string")
        try:
            plaintext = _TEXT_TAG + value.encode("utf-8")
        except UnicodeEncodeError:
            raise self._error(
                code="unencodable", message="the string cannot be encoded as UTF-8"
            ) from None
        header = self._header
        return _b64encode(header + self._siv.encrypt(plaintext, [header]))

    def _many(self, values: list[object]) -> list[object]:
        if not all(type(value) is str for value in values):
            return super()._many(values)
        header = self._header
        associated = [header]
        encrypt = self._siv.encrypt
        b2a = binascii.b2a_base64
        out: list[object] = []
        append = out.append
        for value in cast(list[str], values):
            try:
                plaintext = _TEXT_TAG + value.encode("utf-8")
            except UnicodeEncodeError:
                raise self._error(
                    code="unencodable", message="the string cannot be encoded as UTF-8"
                ) from None
            token = b2a(header + encrypt(plaintext, associated), newline=False)
            append(token.translate(_URLSAFE).rstrip(b"=").decode("ascii"))
        return out

    def reverse(self, token: object) -> str | None:
        """
        Return the string a token stands for.

        Works for tokens made with any key still in the ring, so after
        `custdata.KeyRing.rotate` too. ``None`` stays ``None``.

        Args:
            token: A token made by a `Tokenise` with the same domain.

        Returns:
            The original string.

        Raises:
            InvalidToken: If the token is not a string, is malformed, altered,
                truncated, not in canonical base64url, from another domain or
                from a key not in the ring. The error never says which.
        """
        if token is None:
            return None
        if not isinstance(token, str):
            raise InvalidToken
        data = _b64decode_canonical(token)
        if len(data) < 2 or data[0] != TOKEN_VERSION:
            raise InvalidToken
        id_end = 2 + data[1]
        if len(data) < id_end + _SIV_TAG_BYTES + len(_TEXT_TAG):
            raise InvalidToken
        try:
            key_id = data[2:id_end].decode("ascii")
            siv = self._reader(key_id)
        except (UnicodeDecodeError, KeyRingError, ValueError):
            raise InvalidToken from None
        header = data[:id_end]
        try:
            plaintext = siv.decrypt(data[id_end:], [header])
        except InvalidTag:
            raise InvalidToken from None
        if plaintext[:1] != _TEXT_TAG:
            raise InvalidToken
        try:
            return plaintext[1:].decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidToken from None


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    if not 0 < len(encoded) <= _MAX_KEY_ID_BYTES:
        msg = "a key id in a token must be 1 to 255 bytes long"
        raise KeyRingError(msg)
    return _VERSION_BYTE + bytes((len(encoded),)) + encoded


def _rebuild(keys: KeyRing, domain: str) -> Tokenise:
    return Tokenise(keys=keys, domain=domain)


def detokenise(token: object, keys: KeyRing, domain: str) -> str | None:
    """
    Return the string a `Tokenise` token stands for.

    Args:
        token: The token (``None`` stays ``None``).
        keys: A key ring holding the key the token was made with.
        domain: The domain the token was made for.

    Returns:
        The original string.

    Raises:
        InvalidToken: If the token is malformed, altered, from another domain
            or from a key not in the ring (never saying which).
    """
    return Tokenise(keys=keys, domain=domain).reverse(token)
