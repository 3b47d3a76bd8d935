"""
Reversible tokens: deterministic authenticated encryption with AES-SIV (RFC 5297).

`Tokenise` turns a string into an opaque token that the holder of the key ring
can turn back (`Tokenise.reverse`, `detokenise`), even after the ring was rotated.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import operator
import re
from collections import defaultdict, deque
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
from custdata.transforms._siv import SivBatch, field, runs
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
_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")
_BLOCK: Final = 16
_WORD: Final = 8
_ROW_ALIGN: Final = 3
"""Rows of token bytes are padded to a multiple of this many bytes (3: one base64 group)."""
_BATCH_MIN: Final = 32
"""Batches with fewer distinct strings are encrypted one call to ``AESSIV`` at a time."""
_NUMPY_MIN: Final = 1024
"""Batches of at least this many strings use numpy's path when numpy is installed."""
_SLICE: Final = 65536
"""Strings per slice of a batch: every buffer of a slice stays small and is reused."""
_CHUNK: Final = 4096
"""Strings per AES-ECB call in the pure Python path (small enough for the caches)."""
_SLICES: Final[dict[tuple[int, int], list[slice]]] = {}
"""Per (token size, row step): the slices that cut a chunk's tokens out of its text."""
_SLICES_KEPT: Final = 256


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
    byte, the ASCII key id); ``siv = AES-SIV-CMAC-512(K).encrypt(0x00 ||
    UTF-8(value), associated_data=[header])`` (16-byte synthetic IV, then the
    ciphertext); ``token = base64url(header || siv)`` without padding.
    One value is encrypted by ``cryptography``'s ``AESSIV``; `apply_many`
    encrypts large batches with a batched implementation of the same
    construction (``custdata.transforms._siv``: a few AES-ECB calls per batch
    instead of one AESSIV call, about 2 µs, per value), checked against
    ``AESSIV`` byte for byte and against the RFC 5297 examples.

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
    key_bytes: ClassVar[int] = _crypto.AES_SIV_KEY_BYTES

    _header: bytes = attrs.field(init=False, repr=False, eq=False)
    _siv: AESSIV = attrs.field(init=False, repr=False, eq=False)
    _batch: SivBatch = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_header", _header(self.keys.active))
        object.__setattr__(self, "_siv", self._keyed())
        object.__setattr__(self, "_batch", SivBatch(self._derive(), [self._header]))

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
        if len(values) < _BATCH_MIN:
            return super()._many(values)
        try:
            return _tokens(self._batch, self._header, cast(list[str], values))
        except TypeError:
            # Not all strings: the value-by-value loop raises the first value's error.
            return super()._many(values)
        except UnicodeEncodeError:
            raise self._error(code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE) from None

    def _unmerged(self, values: Sequence[object]) -> list[object] | None:
        # The batched path straight on a nearly-distinct batch: joining the strings
        # raises TypeError on anything else (None included), so no pass checks types.
        # Any failure means "take the general path", which raises the right error.
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


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    if not 0 < len(encoded) <= _MAX_KEY_ID_BYTES:
        msg = "a key id in a token must be 1 to 255 bytes long"
        raise KeyRingError(msg)
    return _VERSION_BYTE + bytes((len(encoded),)) + encoded


def _tokens(batch: SivBatch, header: bytes, values: Sequence[str]) -> list[object]:
    """
    The tokens of strings, in order: numpy's path when numpy is installed, else Python's.

    Raises:
        TypeError: If a value is not a string.
        UnicodeEncodeError: If a string cannot be encoded as UTF-8.
    """
    if len(values) >= _NUMPY_MIN:
        np = _numpy()
        if np is not None:
            return _tokens_numpy(np, batch, header, values)
    return _tokens_python(batch, header, values)


def _numpy() -> Any:  # the module or None, typed loosely on purpose
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _tokens_numpy(np: Any, batch: SivBatch, header: bytes, values: Sequence[str]) -> list[object]:
    """
    The tokens of strings, in order, with numpy.

    The batch goes through in slices, so that every buffer stays small enough to
    be reused from one slice to the next (fresh memory costs a page fault per 4
    KiB) and to stay in the processor's caches. A slice is one UTF-8 buffer in
    which a NUL starts every value (the tag byte of its plaintext); its values
    are grouped by length; each group is gathered into rows of zero-padded
    plaintexts, encrypted by `SivBatch.encrypt_array`, laid out as token bytes
    and base64url-encoded with array operations (two characters per lookup);
    its characters are written where each token goes in one text of the slice,
    a newline after each token, and one decode and one split make the strings.
    A slice in which a value holds a NUL takes the Python path.
    """
    head = np.frombuffer(header, np.uint8)
    fixed = len(header) + _SIV_TAG_BYTES
    pairs = _alphabet_pairs(np)
    out: list[object] = []
    for base in range(0, len(values), _SLICE):
        part = values[base : base + _SLICE]
        data = np.frombuffer(("\0" + "\0".join(part)).encode("utf-8"), np.uint8)
        starts = np.flatnonzero(data == 0)
        if len(starts) != len(part):
            out += _tokens_python(batch, header, part)
            continue
        lengths = np.diff(starts, append=len(data))
        sizes = (4 * (fixed + lengths) + 2) // 3
        ends = np.cumsum(sizes + 1)
        text = np.full(int(ends[-1]), ord("\n"), np.uint8)
        order = np.argsort(lengths, kind="stable")
        ordered = lengths[order]
        cuts = [0, *(np.flatnonzero(np.diff(ordered)) + 1).tolist(), len(order)]
        for first, stop in itertools.pairwise(cuts):
            chosen = order[first:stop]
            count = len(chosen)
            length = int(ordered[first])
            width = -(-(fixed + length) // 3) * 3
            size = int(sizes[chosen[0]])
            rows = np.zeros((count, -(-length // _BLOCK) * _BLOCK), np.uint8)
            field(np, rows, 0, length)[...] = runs(np, data, length)[starts[chosen]]
            ivs, ciphertext = batch.encrypt_array(rows, length)
            table = np.zeros((count, width), np.uint8)
            field(np, table, 0, len(header))[...] = head.view(f"V{len(header)}")[0]
            field(np, table, len(header), _SIV_TAG_BYTES)[...] = ivs.view("V16")[:, 0]
            field(np, table, fixed, length)[...] = field(np, ciphertext, 0, length)
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
            runs(np, text, size)[ends[chosen] - size - 1] = field(np, encoded, 0, size)
        tokens = text.tobytes().decode("ascii").split("\n")
        tokens.pop()  # after the last newline
        out += tokens
    return out


def _alphabet_pairs(np: Any) -> Any:
    """The 4 096 pairs of base64url characters, as native 16-bit words laid out in order."""
    alphabet = np.frombuffer(_ALPHABET, np.uint8)
    pairs = np.empty((64, 64, 2), np.uint8)
    pairs[:, :, 0] = alphabet[:, None]
    pairs[:, :, 1] = alphabet[None, :]
    return pairs.reshape(-1, 2).view(np.uint16)[:, 0]


def _tokens_python(batch: SivBatch, header: bytes, values: Sequence[str]) -> list[object]:
    """
    The tokens of strings, in order: `SivBatch` over each group of one UTF-8 length.

    The batch goes through in slices whose bytes fit in the processor's caches:
    every pass after the first over a slice's values then reads cached memory.

    Raises:
        TypeError: If a value is not a string.
        UnicodeEncodeError: If a string cannot be encoded as UTF-8.
    """
    out: list[object] = []
    for first in range(0, len(values), _SLICE):
        part = values[first : first + _SLICE]
        # One join and one encode; split gives each value's bytes unless one holds a NUL.
        bodies = "\0".join(part).encode("utf-8").split(b"\0")
        if len(bodies) != len(part):
            bodies = list(map(str.encode, part))
        lengths = list(map(len, bodies))
        groups: defaultdict[int, list[bytes]] = defaultdict(list)
        # Bucketing with C-level maps: no bytecode runs per value. Each bucket keeps
        # the order of the slice, so the tokens are put back in order the same way.
        deque(map(list.append, map(groups.__getitem__, lengths), bodies), maxlen=0)
        done = {
            size: iter(_group_tokens(batch, header, members, size + len(_TEXT_TAG)))
            for size, members in groups.items()
        }
        out += map(next, map(done.__getitem__, lengths))
    return out


def _group_tokens(batch: SivBatch, header: bytes, bodies: list[bytes], length: int) -> list[str]:
    """
    The tokens of UTF-8 strings whose plaintexts (tag byte included) are ``length`` bytes.

    Values go through in chunks small enough for the processor's caches. The
    bytes of a chunk's tokens are laid out in one buffer, a row per token,
    and base64-encoded in one call: each row is padded with zero bytes to a
    multiple of 3 bytes (whole 3-byte groups for base64), so each row encodes
    to its own characters and the canonical unpadded base64url of each token
    is a slice of the result. The IV and ciphertext go into the rows as 64-bit
    words, by strided copies: rows whose offsets agree modulo 8 share one
    view of the buffer.
    """
    blocks = -(-length // _BLOCK)
    pad = bytes(blocks * _BLOCK - length)
    stride = blocks * _BLOCK
    # The tag byte joins the values: each row is 0x00 || value || zero padding. Empty
    # ends make the join start with a padding and end with a tag, cut off by the view
    # (adding the ends to the joined bytes would copy them twice more).
    joined = (pad + _TEXT_TAG).join([b"", *bodies, b""])
    rows = memoryview(joined)[len(pad) : len(joined) - len(_TEXT_TAG)]
    start = len(header)
    data = start + _SIV_TAG_BYTES + length
    # Each row ends after the word that holds its last byte: the ciphertext goes in
    # whole words (its bytes past the value are zero), never into the next row.
    words_used = -(-(_SIV_TAG_BYTES + length) // _WORD)
    width = -(-(start + words_used * _WORD) // _ROW_ALIGN) * _ROW_ALIGN
    # Rows r, r + period, r + 2 * period... start on the same offset modulo 8.
    period = _WORD // math.gcd(width, _WORD)
    view_words = period * width // _WORD
    template = header.ljust(width, b"\0")
    size = -(-4 * data // 3)
    step = width // 3 * 4
    tokens: list[str] = []
    slices = _token_slices(size, step)
    full = operator.itemgetter(*slices)
    for first in range(0, len(bodies), _CHUNK):
        count = min(_CHUNK, len(bodies) - first)
        ivs, columns = batch.encrypt_rows(
            rows[first * stride : (first + count) * stride], count, length
        )
        # In the last block the bytes past the value are zero: whole words are copied.
        sources = [memoryview(column).cast("Q") for column in (ivs, *columns)]
        table = bytearray(template) * count
        buffer = memoryview(table)
        for residue in range(min(period, count)):
            offset = start + residue * width
            # 64-bit words from the end of the header of row ``residue``: the IV and
            # every ciphertext block start on a word of this view in every row of
            # the residue class.
            words = buffer[offset : offset + (count * width - offset) // _WORD * _WORD].cast("Q")
            lane = 2 * residue
            lanes = 2 * period
            for word in range(words_used):
                source = sources[word // 2]
                words[word::view_words] = source[lane + word % 2 :: lanes]
        text = binascii.b2a_base64(table, newline=False).translate(_URLSAFE).decode("ascii")
        if count == 1:
            tokens.append(text[:size])
        else:
            # One C call cuts every token of the chunk (a Python loop costs about 3x more).
            cut = full if count == _CHUNK else operator.itemgetter(*slices[:count])
            tokens += cut(text)
    return tokens


def _token_slices(size: int, step: int) -> list[slice]:
    """
    Where each token of a chunk of ``_CHUNK`` rows is in their text: built once per shape.

    A chunk of fewer rows takes the first slices of the list.
    """
    key = (size, step)
    slices = _SLICES.get(key)
    if slices is None or len(slices) != _CHUNK:
        slices = [slice(start, start + size) for start in range(0, step * _CHUNK, step)]
        if len(_SLICES) >= _SLICES_KEPT:
            _SLICES.clear()
        _SLICES[key] = slices
    return slices


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
