"""
Reversible tokens: deterministic authenticated encryption with AES-SIV (RFC 5297).

`Tokenise` turns a string into an opaque token that the holder of the key ring
can turn back (`Tokenise.reverse`, `Tokenise.reverse_many`, `detokenise`), even
after the ring was rotated.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Final, cast

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from custdata import _crypto
from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE
from custdata.errors import InvalidToken, KeyRingError
from custdata.keys import KeyRing
from custdata.transforms._keyed import AsciiResults, Keyed
from custdata.transforms._siv import SivBatch, _field, _runs
from custdata.transforms.base import Guarantees

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
_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")
_BLOCK: Final = 16
_BATCH_MIN: Final = 1024
"""
Batches of fewer distinct strings are encrypted one ``AESSIV`` call at a time.

Below this size the batched path's fixed costs (per slice and per length) exceed
its gain over about 2 µs per ``AESSIV`` call.
"""
_SLICE: Final = 65536
"""Strings per slice of a batch: every buffer of a slice stays small and is reused."""


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
class Tokenise(Keyed[AESSIV], AsciiResults):
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
    byte, the ASCII id of the key used: the active one, or ``key_id``);
    ``siv = AES-SIV-CMAC-512(K).encrypt(0x00 || UTF-8(value),
    associated_data=[header])`` (16-byte synthetic IV, then the
    ciphertext); ``token = base64url(header || siv)`` without padding.
    One value is encrypted by ``cryptography``'s ``AESSIV``, the reference.
    When numpy is installed, `apply_many` encrypts batches of 1 024 distinct
    strings or more with a batched implementation of the same construction
    (``custdata.transforms._siv``: a few AES-ECB calls per group of values of
    one length instead of one AESSIV call, about 2 µs, per value), checked
    against ``AESSIV`` byte for byte, against the RFC 5297 examples and
    against a stored sample of tokens; without numpy it calls ``AESSIV`` once
    per distinct value. `reverse` and `reverse_many` always use ``AESSIV``.

    Args:
        keys: The key ring; new tokens use its active key unless ``key_id`` is given.
        domain: Separates uses: two domains give unrelated tokens for one value.
        key_id: Make tokens with this key of the ring instead of the active one
            (to find, after a `KeyRing.rotate`, the tokens a value was given
            under an older key: `custdata.lifecycle.erasure_plan` does).
            `reverse` reads any key of the ring whatever ``key_id`` is.

    Raises:
        TypeError: If ``keys`` is not a `custdata.KeyRing`.
        custdata.PolicyError: If ``domain`` is empty or not valid text.
        custdata.KeyRingError: If ``key_id`` is not in the ring.
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
    key_bytes: ClassVar[int] = _crypto.AES_SIV_KEY_BYTES

    key_id: str | None = attrs.field(default=None, repr=False)
    _header: bytes = attrs.field(init=False, repr=False, eq=False)
    _siv: AESSIV = attrs.field(init=False, repr=False, eq=False)
    _batch: SivBatch = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_siv", self._keyed(self.key_id))
        object.__setattr__(self, "_header", _header(self.used_key_id))
        object.__setattr__(self, "_batch", SivBatch(self._derive(self.key_id), [self._header]))

    @property
    def used_key_id(self) -> str:
        """The id of the key this instance makes tokens with."""
        return self.keys.active if self.key_id is None else self.key_id

    def _make(self, key: bytes) -> AESSIV:
        return AESSIV(key)

    def _one(self, value: object) -> object:
        if not isinstance(value, str):
            raise self._error(code="wrong_type", message="expected a string")
        try:
            plaintext = _TEXT_TAG + value.encode("utf-8")
        except UnicodeEncodeError:
            raise self._error(code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE) from None
        header = self._header
        return _b64encode(header + self._siv.encrypt(plaintext, [header]))

    def _many(self, values: list[object]) -> list[object]:
        if len(values) >= _BATCH_MIN:
            try:
                done = _tokens(self._batch, self._header, cast(list[str], values))
            except TypeError:
                done = None  # not all strings: the loop below raises the first value's error
            except UnicodeEncodeError:
                raise self._error(code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE) from None
            if done is not None:
                return done
        return super()._many(values)

    def _unmerged(self, values: Sequence[object]) -> list[object] | None:
        # The batched path straight on a nearly-distinct batch: joining the strings
        # raises TypeError on anything else (None included), so no pass checks types.
        # Any failure, or no numpy, means "take the general path", which raises the
        # right error.
        if len(values) < _BATCH_MIN:
            return None
        try:
            return _tokens(self._batch, self._header, cast(Sequence[str], values))
        except (TypeError, UnicodeEncodeError):
            return None

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
            siv = self._keyed(key_id)
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

    def reverse_many(self, tokens: Sequence[object]) -> list[str | None]:
        """
        Return the strings a column of tokens stands for, in order.

        Each token is reversed as `reverse` does (any key still in the ring);
        ``None`` stays ``None``, and a token that appears several times is
        decrypted once. Unlike `reverse`, which refuses a non-string with
        `custdata.InvalidToken` (a single token that is not a string is as
        opaque a failure as an altered one), a batch holding a value that is
        neither a string nor ``None`` is a data error: a `custdata.TransformError`
        with code ``wrong_type``. The first bad token in order decides which
        error is raised.

        Args:
            tokens: Tokens made by a `Tokenise` with the same domain, or ``None``.

        Returns:
            The original strings, ``None`` where the token was ``None``.

        Raises:
            TransformError: If a token is neither a string nor ``None`` (code
                ``wrong_type``); the message names its position, never the value.
            InvalidToken: If a token is malformed, altered, truncated, from
                another domain or from a key not in the ring. One error for
                the batch, whose message and ``position`` attribute give the
                token's index and never say which check failed.
        """
        out: list[str | None] = []
        done: dict[str, str | None] = {}
        reverse = self.reverse
        for position, token in enumerate(tokens):
            if token is None:
                out.append(None)
                continue
            if not isinstance(token, str):
                message = f"token at position {position} is not a string"
                raise self._error(code="wrong_type", message=message)
            value = done.get(token)
            if value is None:
                try:
                    value = reverse(token)
                except InvalidToken:
                    raise InvalidToken(position) from None
                done[token] = value
            out.append(value)
        return out


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    if not 0 < len(encoded) <= _MAX_KEY_ID_BYTES:
        msg = "a key id in a token must be 1 to 255 bytes long"
        raise KeyRingError(msg)
    return _VERSION_BYTE + bytes((len(encoded),)) + encoded


def _tokens(batch: SivBatch, header: bytes, values: Sequence[str]) -> list[object] | None:
    """
    The tokens of strings, in order, by the batched AES-SIV; ``None`` without numpy.

    Raises:
        TypeError: If a value is not a string.
        UnicodeEncodeError: If a string cannot be encoded as UTF-8.
    """
    try:
        import numpy as np
    except ImportError:
        return None
    pairs = _alphabet_pairs(np)
    out: list[object] = []
    for base in range(0, len(values), _SLICE):
        out += _slice_tokens(np, batch, header, pairs, values[base : base + _SLICE])
    return out


def _slice_tokens(
    np: Any, batch: SivBatch, header: bytes, pairs: Any, part: Sequence[str]
) -> list[str]:
    """
    The tokens of one slice of a batch, in order.

    The batch goes through in slices, so that every buffer stays small enough to
    be reused from one slice to the next (fresh memory costs a page fault per 4
    KiB) and to stay in the processor's caches. A slice is one UTF-8 buffer in
    which a NUL starts every value (the tag byte of its plaintext); its values
    are grouped by length; each group is gathered into rows of zero-padded
    plaintexts, encrypted by `SivBatch.encrypt_array`, laid out as token bytes
    and base64url-encoded with array operations (two characters per lookup);
    its characters are written where each token goes in one text of the slice,
    a newline after each token, and one decode and one split make the strings.
    """
    data = np.frombuffer(("\0" + "\0".join(part)).encode("utf-8"), np.uint8)
    starts = np.flatnonzero(data == 0)
    if len(starts) == len(part):
        # Plaintext lengths, tag byte included: from one tag to the next.
        lengths = np.diff(starts, append=len(data))
    else:
        # A value holds a NUL: its plaintext length comes from its own encoding.
        lengths = np.fromiter(map(len, map(str.encode, part)), np.int64, len(part)) + 1
        starts = np.cumsum(lengths) - lengths
    head = np.frombuffer(header, np.uint8)
    width_header = len(header)
    fixed = width_header + _SIV_TAG_BYTES
    sizes = (4 * (fixed + lengths) + 2) // 3
    ends = np.cumsum(sizes + 1)
    text = np.full(int(ends[-1]), ord("\n"), np.uint8)
    # numpy's stable sort of 16-bit integers is a radix sort, about 6x faster.
    keys = lengths.astype(np.uint16) if int(lengths.max()) <= 0xFFFF else lengths
    order = np.argsort(keys, kind="stable")
    ordered = lengths[order]
    cuts = [0, *(np.flatnonzero(np.diff(ordered)) + 1).tolist(), len(order)]
    for first, stop in itertools.pairwise(cuts):
        chosen = order[first:stop]
        count = len(chosen)
        length = int(ordered[first])
        width = -(-(fixed + length) // 3) * 3
        size = int(sizes[chosen[0]])
        rows = np.zeros((count, -(-length // _BLOCK) * _BLOCK), np.uint8)
        _field(np, rows, 0, length)[...] = _runs(np, data, length)[starts[chosen]]
        ivs, ciphertext = batch.encrypt_array(rows, length)
        table = np.zeros((count, width), np.uint8)
        _field(np, table, 0, width_header)[...] = head.view(f"V{width_header}")[0]
        _field(np, table, width_header, _SIV_TAG_BYTES)[...] = ivs.view("V16")[:, 0]
        _field(np, table, fixed, length)[...] = _field(np, ciphertext, 0, length)
        # Each 3 bytes make 24 bits: two 12-bit halves, each the index of a pair
        # of characters.
        line = table.reshape(-1)
        bits = line[0::3].astype(np.uint32) << 16
        bits |= line[1::3].astype(np.uint32) << 8
        bits |= line[2::3]
        chars = np.empty((len(bits), 2), np.uint16)
        chars[:, 0] = pairs.take(bits >> 12)
        chars[:, 1] = pairs.take(bits & 0xFFF)
        encoded = chars.view(np.uint8).reshape(count, -1)
        _runs(np, text, size)[ends[chosen] - size - 1] = _field(np, encoded, 0, size)
    # Decoded from the array's own buffer: no intermediate bytes object.
    tokens: list[str] = str(text.data, "ascii").split("\n")
    tokens.pop()  # after the last newline
    return tokens


def _alphabet_pairs(np: Any) -> Any:
    """The 4 096 pairs of base64url characters, as native 16-bit words laid out in order."""
    alphabet = np.frombuffer(_ALPHABET, np.uint8)
    pairs = np.empty((64, 64, 2), np.uint8)
    pairs[:, :, 0] = alphabet[:, None]
    pairs[:, :, 1] = alphabet[None, :]
    return pairs.reshape(-1, 2).view(np.uint16)[:, 0]


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
