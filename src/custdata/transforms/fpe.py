"""
Format-preserving encryption: the FF1 primitive (NIST SP 800-38G) and its recipe.

`FormatPreserving` is what policies use: a key ring and a domain in, strings
in, strings of the same length and shape out, reversible by the key holder.
`FF1` is the bare block-cipher mode under it: raw key bytes in, numerals in,
numerals out.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
import sys
import threading
from array import array
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import ClassVar, Final, cast

import attrs
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from custdata import _crypto
from custdata.transforms._checks import check_text, is_text, policy_error
from custdata.transforms._keyed import Keyed
from custdata.transforms.base import BaseTransform, Guarantees

__all__ = ["FF1", "FormatPreserving", "min_length_for"]

_ROUNDS: Final = 10
_BLOCK: Final = 16
_MASK128: Final = (1 << 128) - 1
_MAX_RADIX: Final = 1 << 16
_MAX_LENGTH: Final = (1 << 32) - 1
_MIN_DOMAIN: Final = 1_000_000
"""SP 800-38G Rev. 1: radix ** minlen must be at least one million."""
_PLAN_CACHE_SIZE: Final = 64
_FIRST: Final = itemgetter(0)
_NATIVE_LITTLE: Final = sys.byteorder == "little"
# The batch fast path lays blocks out as four 32-bit words and reads y as one 64-bit word.
_ARRAYS_FIT: Final = array("I").itemsize == 4 and array("Q").itemsize == 8


class _Plan:
    """
    Everything about one (length, tweak) pair that does not depend on the value.

    The PRF is a CBC-MAC over ``P || Q``. ``P`` and the leading blocks of ``Q``
    (tweak and zero padding) are the same in every round and for every value,
    so their chained state is computed once; only the last ``tail_blocks`` of
    ``Q``, which hold the round number and ``NUM(B)``, are encrypted per value.
    """

    __slots__ = (
        "b",
        "d",
        "fast_words",
        "mod_u",
        "mod_v",
        "round_bases",
        "s_blocks",
        "tail_blocks",
        "u",
        "unpack_y",
        "v",
        "y_shift",
    )

    def __init__(self, ff1: FF1, length: int, tweak: bytes) -> None:
        radix = ff1.radix
        self.u = u = length // 2
        self.v = v = length - u
        self.mod_u: int = radix**u
        self.mod_v: int = radix**v
        # b = ceil(ceil(v * log2(radix)) / 8), computed exactly: the byte length of radix**v - 1.
        self.b = b = max(1, ((radix**v - 1).bit_length() + 7) // 8)
        self.d = d = 4 * ((b + 3) // 4) + 4
        t = len(tweak)
        p = (
            bytes((1, 2, 1))
            + radix.to_bytes(3, "big")
            + bytes((10, u % 256))
            + length.to_bytes(4, "big")
            + t.to_bytes(4, "big")
        )
        q_const = tweak + bytes((-t - b - 1) % _BLOCK)
        q_len = len(q_const) + 1 + b
        self.tail_blocks = tail_blocks = -(-(b + 1) // _BLOCK)
        head_len = q_len - tail_blocks * _BLOCK
        state = 0
        head = p + q_const[:head_len]
        ctx = ff1._context()
        for offset in range(0, len(head), _BLOCK):
            block = int.from_bytes(head[offset : offset + _BLOCK], "big")
            state = int.from_bytes(ctx.update((state ^ block).to_bytes(_BLOCK, "big")), "big")
        tail_const = int.from_bytes(q_const[head_len:], "big") << (8 * (b + 1))
        # round_bases[i], XORed with NUM(B), gives the tail of Q for round i, with the
        # chained state already folded into its first block.
        first_shift = 128 * (tail_blocks - 1)
        self.round_bases = tuple(
            (state << first_shift) ^ tail_const ^ (i << (8 * b)) for i in range(_ROUNDS)
        )
        # When NUM(B) fits in the last 32-bit word of a single block and y is the first
        # 64-bit word of R (b <= 4, so d == 8), a round over a batch is array work in C.
        self.fast_words: tuple[tuple[int, int, int, int], ...] | None = None
        if _ARRAYS_FIT and b <= 4:
            self.fast_words = tuple(
                (
                    base >> 96,
                    (base >> 64) & 0xFFFFFFFF,
                    (base >> 32) & 0xFFFFFFFF,
                    base & 0xFFFFFFFF,
                )
                for base in self.round_bases
            )
        self.s_blocks = -(-d // _BLOCK)
        self.y_shift = 8 * (_BLOCK - d) if d <= _BLOCK else 0
        # y is NUM of the first d bytes of R: unpack them from each 16-byte block in C.
        unpack: Callable[[bytes], list[int]]
        if d == 8:
            by_block = struct.Struct(">Q8x")

            def unpack(out: bytes) -> list[int]:
                return list(map(_FIRST, by_block.iter_unpack(out)))

        elif d == 12:
            by_block = struct.Struct(">QI4x")

            def unpack(out: bytes) -> list[int]:
                return [(hi << 32) | lo for hi, lo in by_block.iter_unpack(out)]

        else:
            by_block = struct.Struct(">QQ")

            def unpack(out: bytes) -> list[int]:
                return [((hi << 64) | lo) >> self.y_shift for hi, lo in by_block.iter_unpack(out)]

        self.unpack_y = unpack


class FF1:
    """
    Warning: a low-level primitive. Use `FormatPreserving` unless you are building a recipe.

    FF1 of NIST SP 800-38G (Rev. 1), on AES from ``cryptography``: a keyed,
    length-preserving permutation of numeral strings in a given radix. It takes
    raw key bytes and does not derive, rotate or identify keys; it is
    deterministic, unauthenticated, and as weak as its domain is small. Keep
    ``radix ** length`` at or above one million (enforced), vary the tweak
    between domains, and never reuse the key for anything else.

    Numerals are integers in ``range(radix)``, most significant first. Values
    of one length are encrypted in batches by `encrypt_many`: each Feistel
    round runs one AES-ECB call over the blocks of every value.

    Example:
        >>> ff1 = FF1(bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C"), 10)
        >>> ff1.encrypt([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], b"")
        [2, 4, 3, 3, 4, 7, 7, 4, 8, 4]

    Args:
        key: The AES key, 16, 24 or 32 bytes.
        radix: The number of symbols, from 2 to 65 536.

    Raises:
        ValueError: The key length or the radix is out of range.
        TypeError: The key is not bytes or the radix not an int.
    """

    __slots__ = ("__weakref__", "_cipher", "_key", "_local", "_lock", "_plans", "_radix")

    def __init__(self, key: bytes, radix: int) -> None:
        if not isinstance(cast(object, key), bytes):
            msg = "the FF1 key must be bytes"
            raise TypeError(msg)
        if len(key) not in (16, 24, 32):
            msg = "the FF1 key must be 16, 24 or 32 bytes long"
            raise ValueError(msg)
        if isinstance(radix, bool) or not isinstance(radix, int):
            msg = "the FF1 radix must be an int"
            raise TypeError(msg)
        if not 2 <= radix <= _MAX_RADIX:
            msg = "the FF1 radix must be between 2 and 65536"
            raise ValueError(msg)
        self._key = key
        self._radix = radix
        self._cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305  # FF1 needs the raw block function
        self._local = threading.local()
        self._lock = threading.Lock()
        self._plans: dict[tuple[int, bytes], _Plan] = {}

    @property
    def radix(self) -> int:
        """The number of symbols of the numeral strings."""
        return self._radix

    def min_length(self) -> int:
        """
        Return the shortest length FF1 accepts for this radix.

        Returns:
            The smallest ``n >= 2`` with ``radix ** n >= 1_000_000`` (SP 800-38G Rev. 1).
        """
        return min_length_for(self._radix)

    def __repr__(self) -> str:
        return f"FF1(radix={self._radix})"

    def __reduce__(self) -> tuple[type[FF1], tuple[bytes, int]]:
        return (FF1, (self._key, self._radix))

    def encrypt(self, numerals: Sequence[int], tweak: bytes = b"") -> list[int]:
        """
        Encrypt one numeral string.

        Args:
            numerals: Integers in ``range(radix)``, at least `min_length` of them.
            tweak: Public bytes that select an independent permutation.

        Returns:
            The ciphertext numerals, as many as given.

        Raises:
            ValueError: A numeral is out of range or the string is too short or too long.
        """
        number, length = self._to_number(numerals)
        return self._to_numerals(self.encrypt_number(number, length, tweak), length)

    def decrypt(self, numerals: Sequence[int], tweak: bytes = b"") -> list[int]:
        """
        Decrypt one numeral string.

        Args:
            numerals: Ciphertext numerals, integers in ``range(radix)``.
            tweak: The tweak used to encrypt.

        Returns:
            The plaintext numerals.

        Raises:
            ValueError: A numeral is out of range or the string is too short or too long.
        """
        number, length = self._to_number(numerals)
        return self._to_numerals(self.decrypt_number(number, length, tweak), length)

    def encrypt_many(self, values: Sequence[Sequence[int]], tweak: bytes = b"") -> list[list[int]]:
        """
        Encrypt many numeral strings under one tweak, in batches of equal length.

        Args:
            values: Numeral strings, of any lengths.
            tweak: Public bytes that select an independent permutation.

        Returns:
            The ciphertexts, in the order of ``values``.

        Raises:
            ValueError: As `encrypt`.
        """
        return self._many(values, tweak, decrypt=False)

    def decrypt_many(self, values: Sequence[Sequence[int]], tweak: bytes = b"") -> list[list[int]]:
        """
        Decrypt many numeral strings under one tweak, in batches of equal length.

        Args:
            values: Ciphertext numeral strings, of any lengths.
            tweak: The tweak used to encrypt.

        Returns:
            The plaintexts, in the order of ``values``.

        Raises:
            ValueError: As `decrypt`.
        """
        return self._many(values, tweak, decrypt=True)

    def encrypt_number(self, number: int, length: int, tweak: bytes = b"") -> int:
        """
        Encrypt a numeral string given as the integer it spells in the radix.

        ``number`` stands for the ``length`` numerals of its base-``radix``
        expansion, padded with leading zeros: for radix 10, ``(42, 4)`` is
        ``0042``. This skips the conversion to and from lists of numerals.

        Args:
            number: An integer in ``range(radix ** length)``.
            length: The number of numerals.
            tweak: Public bytes that select an independent permutation.

        Returns:
            The ciphertext, as an integer in ``range(radix ** length)``.

        Raises:
            ValueError: The number or the length is out of range.
        """
        return self.encrypt_numbers([number], length, tweak)[0]

    def decrypt_number(self, number: int, length: int, tweak: bytes = b"") -> int:
        """
        Decrypt a numeral string given as the integer it spells in the radix.

        Args:
            number: An integer in ``range(radix ** length)``.
            length: The number of numerals.
            tweak: The tweak used to encrypt.

        Returns:
            The plaintext, as an integer in ``range(radix ** length)``.

        Raises:
            ValueError: The number or the length is out of range.
        """
        return self.decrypt_numbers([number], length, tweak)[0]

    def encrypt_numbers(self, numbers: Sequence[int], length: int, tweak: bytes = b"") -> list[int]:
        """
        Encrypt numeral strings of one length, given as integers, in one batch.

        Args:
            numbers: Integers in ``range(radix ** length)``.
            length: The number of numerals of every value.
            tweak: Public bytes that select an independent permutation.

        Returns:
            The ciphertexts, in order.

        Raises:
            ValueError: A number or the length is out of range.
        """
        return self._crypt(numbers, length, tweak, decrypt=False)

    def decrypt_numbers(self, numbers: Sequence[int], length: int, tweak: bytes = b"") -> list[int]:
        """
        Decrypt numeral strings of one length, given as integers, in one batch.

        Args:
            numbers: Integers in ``range(radix ** length)``.
            length: The number of numerals of every value.
            tweak: The tweak used to encrypt.

        Returns:
            The plaintexts, in order.

        Raises:
            ValueError: A number or the length is out of range.
        """
        return self._crypt(numbers, length, tweak, decrypt=True)

    # -- internals -------------------------------------------------------------------

    def _context(self) -> CipherContext:
        # One ECB context per thread: contexts are stateful objects, instances are shared.
        ctx: CipherContext | None = getattr(self._local, "ctx", None)
        if ctx is None:
            ctx = self._cipher.encryptor()
            self._local.ctx = ctx
        return ctx

    def _plan(self, length: int, tweak: bytes) -> _Plan:
        key = (length, tweak)
        plan = self._plans.get(key)
        if plan is None:
            if not isinstance(cast(object, tweak), bytes):
                msg = "the FF1 tweak must be bytes"
                raise TypeError(msg)
            if len(tweak) > _MAX_LENGTH:
                msg = "the FF1 tweak is too long"
                raise ValueError(msg)
            if length < 2 or self._radix**length < _MIN_DOMAIN:
                msg = "the numeral string is too short for FF1 in this radix"
                raise ValueError(msg)
            if length > _MAX_LENGTH:
                msg = "the numeral string is too long for FF1"
                raise ValueError(msg)
            plan = _Plan(self, length, tweak)
            with self._lock:
                if len(self._plans) >= _PLAN_CACHE_SIZE:
                    self._plans.clear()
                self._plans[key] = plan
        return plan

    def _to_number(self, numerals: Sequence[int]) -> tuple[int, int]:
        radix = self._radix
        number = 0
        for numeral in numerals:
            if isinstance(numeral, bool) or not isinstance(numeral, int):
                msg = "FF1 numerals must be ints"
                raise TypeError(msg)
            if not 0 <= numeral < radix:
                msg = "an FF1 numeral is out of range for the radix"
                raise ValueError(msg)
            number = number * radix + numeral
        return number, len(numerals)

    def _to_numerals(self, number: int, length: int) -> list[int]:
        radix = self._radix
        out = [0] * length
        for index in range(length - 1, -1, -1):
            number, out[index] = divmod(number, radix)
        return out

    def _many(
        self, values: Sequence[Sequence[int]], tweak: bytes, *, decrypt: bool
    ) -> list[list[int]]:
        by_length: dict[int, list[int]] = {}
        numbers: list[int] = []
        for index, numerals in enumerate(values):
            number, length = self._to_number(numerals)
            numbers.append(number)
            by_length.setdefault(length, []).append(index)
        out: list[list[int]] = [[] for _ in values]
        for length, indices in by_length.items():
            done = self._crypt([numbers[i] for i in indices], length, tweak, decrypt=decrypt)
            for index, number in zip(indices, done, strict=True):
                out[index] = self._to_numerals(number, length)
        return out

    def _crypt(
        self,
        numbers: Sequence[int],
        length: int,
        tweak: bytes,
        *,
        decrypt: bool,
        trusted: bool = False,
    ) -> list[int]:
        plan = self._plan(length, tweak)
        if not trusted:
            # The recipe passes numbers it parsed from strings of this length: skip the check.
            limit = plan.mod_u * plan.mod_v
            for number in numbers:
                if isinstance(number, bool) or not isinstance(number, int):
                    msg = "FF1 numbers must be ints"
                    raise TypeError(msg)
                if not 0 <= number < limit:
                    msg = "an FF1 number is out of range for its length"
                    raise ValueError(msg)
        if not numbers:
            return []
        if len(numbers) == 1:
            return [self._one(plan, numbers[0], decrypt=decrypt)]
        return self._batch(plan, numbers, decrypt=decrypt)

    def _prf_tails(self, plan: _Plan, round_index: int, halves: Sequence[int]) -> list[int]:
        """Return ``y = NUM(S)`` for each half, for one round, in one AES call per block."""
        ctx = self._context()
        if plan.fast_words is not None:
            return _fast_round(ctx, plan.fast_words[round_index], halves)
        base = plan.round_bases[round_index]
        if plan.tail_blocks == 1:
            out = ctx.update(b"".join(map(int.to_bytes, map(base.__xor__, halves), repeat(_BLOCK))))
            if plan.s_blocks == 1:
                return plan.unpack_y(out)
            states = [
                int.from_bytes(out[i : i + _BLOCK], "big") for i in range(0, len(out), _BLOCK)
            ]
        else:
            # Long strings: NUM(B) spans several blocks of Q, chained through the CBC-MAC.
            tails = [base ^ half for half in halves]
            states = [0] * len(tails)
            for block in range(plan.tail_blocks):
                shift = 128 * (plan.tail_blocks - 1 - block)
                data = b"".join(
                    (state ^ ((tail >> shift) & _MASK128)).to_bytes(_BLOCK, "big")
                    for state, tail in zip(states, tails, strict=True)
                )
                out = ctx.update(data)
                states = [
                    int.from_bytes(out[i : i + _BLOCK], "big") for i in range(0, len(out), _BLOCK)
                ]
        return self._expand(plan, states)

    def _expand(self, plan: _Plan, states: list[int]) -> list[int]:
        """Turn PRF outputs ``R`` into ``y``: ``S = R || E(R xor 1) || E(R xor 2) ...``."""
        if plan.s_blocks == 1:
            return [state >> plan.y_shift for state in states]
        ctx = self._context()
        wide = list(states)
        for j in range(1, plan.s_blocks):
            out = ctx.update(b"".join((state ^ j).to_bytes(_BLOCK, "big") for state in states))
            wide = [
                (w << 128) | int.from_bytes(out[i * _BLOCK : (i + 1) * _BLOCK], "big")
                for i, w in enumerate(wide)
            ]
        drop = 8 * (_BLOCK * plan.s_blocks - plan.d)
        return [w >> drop for w in wide]

    def _one(self, plan: _Plan, number: int, *, decrypt: bool) -> int:
        mod_u, mod_v = plan.mod_u, plan.mod_v
        a: int
        b: int
        a, b = divmod(number, mod_v)
        if plan.tail_blocks != 1 or plan.s_blocks != 1:
            return self._batch(plan, [number], decrypt=decrypt)[0]
        update = self._context().update
        bases = plan.round_bases
        shift = plan.y_shift
        if not decrypt:
            for i in range(_ROUNDS):
                y = int.from_bytes(update((bases[i] ^ b).to_bytes(_BLOCK, "big")), "big") >> shift
                a, b = b, (a + y) % (mod_v if i & 1 else mod_u)
        else:
            for i in range(_ROUNDS - 1, -1, -1):
                y = int.from_bytes(update((bases[i] ^ a).to_bytes(_BLOCK, "big")), "big") >> shift
                a, b = (b - y) % (mod_v if i & 1 else mod_u), a
        return a * mod_v + b

    def _batch(self, plan: _Plan, numbers: Sequence[int], *, decrypt: bool) -> list[int]:
        mod_u, mod_v = plan.mod_u, plan.mod_v
        left = [number // mod_v for number in numbers]
        right = [number % mod_v for number in numbers]
        if not decrypt:
            for i in range(_ROUNDS):
                ys = self._prf_tails(plan, i, right)
                mod = mod_v if i & 1 else mod_u
                left, right = right, [(a + y) % mod for a, y in zip(left, ys, strict=True)]
        else:
            for i in range(_ROUNDS - 1, -1, -1):
                ys = self._prf_tails(plan, i, left)
                mod = mod_v if i & 1 else mod_u
                left, right = [(b - y) % mod for b, y in zip(right, ys, strict=True)], left
        return [a * mod_v + b for a, b in zip(left, right, strict=True)]


def min_length_for(radix: int) -> int:
    """
    Return the shortest numeral string FF1 accepts in a radix.

    Args:
        radix: The number of symbols, from 2 to 65 536.

    Returns:
        The smallest ``n >= 2`` with ``radix ** n >= 1_000_000`` (SP 800-38G Rev. 1).
    """
    length = max(2, math.ceil(math.log(_MIN_DOMAIN, radix)) - 1)
    while radix**length < _MIN_DOMAIN:
        length += 1
    return length


def _fast_round(
    ctx: CipherContext, words: tuple[int, int, int, int], halves: Sequence[int]
) -> list[int]:
    """One PRF call per half, for b <= 4: pack, encrypt and unpack with arrays, in C."""
    w0, w1, w2, w3 = words
    blocks = array("I", (w0, w1, w2, 0)) * len(halves)
    blocks[3::4] = array("I", [w3 ^ half for half in halves])
    if _NATIVE_LITTLE:
        blocks.byteswap()
    out = array("Q")
    out.frombytes(ctx.update(blocks.tobytes()))
    if _NATIVE_LITTLE:
        out.byteswap()
    return out[0::2].tolist()


# -- the recipe --------------------------------------------------------------------------

DIGITS: Final = "0123456789"
_STANDARD: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_TWEAK_LABEL: Final = b"custdata/format_preserving/tweak/v1"
_TWEAK_BYTES: Final = 8
_MAX_ENCRYPTED: Final = 4096
"""The most alphabet characters one value may hold (longer values are a per-value error)."""
_FORMATS: Final = {2: "b", 8: "o", 10: "d", 16: "x"}


def _check_alphabet(instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, str):
        raise policy_error(instance, "alphabet", "must be a string")
    if len(set(value)) != len(value):
        raise policy_error(instance, "alphabet", "must not repeat a character")
    if not 2 <= len(value) <= _MAX_RADIX:
        raise policy_error(instance, "alphabet", "must hold from 2 to 65536 characters")
    if not is_text(value):
        # Outputs are made of alphabet characters: they could not be written either.
        raise policy_error(
            instance, "alphabet", "must be valid Unicode text (it holds a lone surrogate)"
        )


def _default_min_length(instance: FormatPreserving) -> int:
    # Runs before the validators: a bad alphabet gets a placeholder, then its own error.
    alphabet = cast(object, instance.alphabet)
    if not isinstance(alphabet, str) or not 2 <= len(alphabet) <= _MAX_RADIX:
        return 2
    return min_length_for(len(alphabet))


def _check_min_length(instance: FormatPreserving, _attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise policy_error(instance, "min_length", "must be an int")
    radix = len(instance.alphabet)
    if value < 2 or radix**value < _MIN_DOMAIN:
        raise policy_error(
            instance,
            "min_length",
            f"must be at least {min_length_for(radix)} for a {radix}-character"
            " alphabet (radix ** min_length >= 1 000 000, NIST SP 800-38G Rev. 1)",
        )
    if value > _MAX_ENCRYPTED:
        raise policy_error(instance, "min_length", f"must be at most {_MAX_ENCRYPTED}")


def _check_keep_country_code(instance: FormatPreserving, _attribute: object, value: object) -> None:
    if not isinstance(value, bool):
        raise policy_error(instance, "keep_country_code", "must be true or false")
    if value and not set(DIGITS) <= set(instance.alphabet):
        raise policy_error(instance, "keep_country_code", "needs the ten digits in the alphabet")
    if value and "+" in instance.alphabet:
        # An output could then start with an encrypted '+', which reverse would read as
        # a kept country code: such a parameter set cannot always be reversed.
        raise policy_error(
            instance,
            "keep_country_code",
            "needs an alphabet without '+' (an output starting with '+' would read as a kept"
            " country code and could not be reversed)",
        )


def tweak_for(domain: str, alphabet: str) -> bytes:
    """
    Return the FF1 tweak `FormatPreserving` uses for a domain and an alphabet.

    The first 8 bytes of ``SHA-256(b"custdata/format_preserving/tweak/v1" ||
    0x00 || UTF-8(NFC(domain)) || 0x00 || UTF-8(alphabet))``.

    Args:
        domain: The domain.
        alphabet: The alphabet.

    Returns:
        The 8-byte tweak.
    """
    info = _crypto.info_for("format_preserving", domain).partition(b"\x00")[2]
    digest = hashlib.sha256(
        _TWEAK_LABEL + b"\x00" + info + b"\x00" + alphabet.encode("utf-8", "surrogatepass")
    ).digest()
    return digest[:_TWEAK_BYTES]


@attrs.frozen(kw_only=True)
class FormatPreserving(Keyed[FF1], BaseTransform):
    """
    Encrypt the characters of a string that belong to an alphabet, keeping its shape.

    A phone number stays a phone number of the same length, with its ``+``,
    spaces, dashes and dots where they were; an account number stays digits.
    Characters outside the alphabet pass through in place. With
    ``keep_country_code``, a value starting with ``+`` keeps its country
    calling code (``+33``, ``+1``, ``+353``) in clear. The key holder gets the
    value back with `reverse`.

    Outputs are not valid data of their kind: a phone number will usually
    not pass a phone-number validity check (its prefix may not be allocated),
    and a card or account number will not pass a Luhn check. Do not feed them
    to systems that validate, and do not send messages to them.

    Example:
        >>> from custdata.keys import KeyRing
        >>> fpe = FormatPreserving(
        ...     keys=KeyRing.generate(key_id="k1"), domain="phone", keep_country_code=True
        ... )
        >>> out = fpe("+33 6 12 34 56 78")
        >>> out[:4], len(out)
        ('+33 ', 17)
        >>> fpe.reverse(out)
        '+33 6 12 34 56 78'

    **Guarantees**: reversible with the key ring (and the id of the key used,
    which the output does not carry: see `reverse`); deterministic (linkable);
    keyed; format preserving (same length, same characters outside the
    alphabet, alphabet characters stay in the alphabet); the output is
    still personal data.

    **Does not protect against**: linking and counting (equal inputs give
    equal outputs); the characters outside the alphabet, the length and the
    kept country code, which stay in clear; small domains (a 6-digit value
    has one million possible outputs: FF1 with a short input is a codebook an
    attacker can build from known pairs); anyone who holds the key ring.

    **Algorithm**: ``K = HKDF-SHA256(master key, salt=b"custdata/v1",
    info=b"format_preserving" || 0x00 || NFC(domain), 32 bytes)``;
    ``tweak = SHA-256(b"custdata/format_preserving/tweak/v1" || 0x00 ||
    UTF-8(NFC(domain)) || 0x00 || UTF-8(alphabet))[:8]`` (`tweak_for`); the
    alphabet characters of the value, after the kept country code, are read
    as numerals (a character's numeral is its index in ``alphabet``, radix =
    ``len(alphabet)``) and encrypted with FF1-AES-256 (NIST SP 800-38G) under
    ``K`` and ``tweak``; the result is written back into the same positions.
    A string holding a lone surrogate raises ``TransformError`` (code
    ``invalid_text``): it is not text, and its output could not be written.

    Args:
        keys: The key ring; outputs use its active key unless ``key_id`` is given.
        domain: Separates uses: two domains give unrelated outputs.
        alphabet: The characters to encrypt, in numeral order (digits by default).
        min_length: The fewest alphabet characters a value may have (after a
            kept country code); shorter values are a per-value
            `custdata.TransformError`. At least the smallest n with
            ``len(alphabet) ** n >= 1 000 000`` (the default), per SP 800-38G Rev. 1.
        keep_country_code: Keep the country calling code of values written
            ``+<digits>...`` in clear. The alphabet must then hold the ten
            digits and no ``+``.
        key_id: Encrypt (and, by default, `reverse`) with this key of the ring
            instead of the active one: to find, after a `KeyRing.rotate`, the
            output a value was given under an older key
            (`custdata.lifecycle.erasure_plan` does).

    Raises:
        TypeError: If ``keys`` is not a `custdata.KeyRing` (a programming
            mistake: no policy can write a key ring).
        custdata.PolicyError: If the domain is empty or not valid text, the
            alphabet repeats a character, has fewer than 2 characters or holds
            a lone surrogate, ``min_length`` is too small, ``keep_country_code``
            comes with an alphabet lacking a digit or holding ``+``, or another
            parameter has the wrong type.
        custdata.KeyRingError: If ``key_id`` is not in the ring.
    """

    name: ClassVar[str] = "format_preserving"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=True,
        deterministic=True,
        keyed=True,
        format_preserving=True,
        output_is_personal_data=True,
    )
    output_type: ClassVar[type] = str
    key_bytes: ClassVar[int] = _crypto.FF1_KEY_BYTES

    alphabet: str = attrs.field(default=DIGITS, validator=_check_alphabet)
    min_length: int = attrs.field(
        default=attrs.Factory(_default_min_length, takes_self=True), validator=_check_min_length
    )
    keep_country_code: bool = attrs.field(default=False, validator=_check_keep_country_code)
    key_id: str | None = attrs.field(default=None, repr=False)
    _codec: _Codec = attrs.field(init=False, repr=False, eq=False)
    _tweak: bytes = attrs.field(init=False, repr=False, eq=False)
    _ff1: FF1 = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_codec", _Codec(self.alphabet))
        object.__setattr__(self, "_tweak", tweak_for(self.domain, self.alphabet))
        object.__setattr__(self, "_ff1", self._keyed(self.key_id))

    @property
    def used_key_id(self) -> str:
        """The id of the key this instance encrypts with."""
        return self.keys.active if self.key_id is None else self.key_id

    def _make(self, key: bytes) -> FF1:
        return FF1(key, len(self.alphabet))

    def _split(self, value: object) -> tuple[str, str, str]:
        """Return ``(value, kept, body)``: the clear prefix and the characters to encrypt."""
        if not isinstance(value, str):
            raise self._error(code="wrong_type", message="expected a string")
        if not value.isascii():  # ASCII is always text: the common case skips the call
            check_text(self.name, value)
        body = self._codec.extract(value)
        kept = ""
        if self.keep_country_code and value[:1] == "+":
            size = _country_code_length(body)
            if size == 0:
                raise self._error(
                    code="unknown_country_code", message="no known country calling code after '+'"
                )
            kept, body = body[:size], body[size:]
        if len(body) < self.min_length:
            raise self._error(
                code="too_short", message=f"fewer than {self.min_length} characters to encrypt"
            )
        if len(body) > _MAX_ENCRYPTED:
            raise self._error(
                code="too_long", message=f"more than {_MAX_ENCRYPTED} characters to encrypt"
            )
        return value, kept, body

    def _one(self, value: object) -> object:
        original, kept, body = self._split(value)
        codec = self._codec
        out = self._ff1._crypt(  # trusted: parsed here
            [codec.to_int(body)], len(body), self._tweak, decrypt=False, trusted=True
        )[0]
        return codec.merge(original, kept + codec.to_str(out, len(body)))

    def _many(self, values: list[object]) -> list[object]:
        plain = self._many_plain(values)
        if plain is not None:
            return plain
        split = self._split
        parts = [split(value) for value in values]
        codec = self._codec
        to_int = codec.to_int
        by_length: dict[int, list[int]] = {}
        for index, (_, _, body) in enumerate(parts):
            by_length.setdefault(len(body), []).append(index)
        out: list[object] = [None] * len(values)
        for length, indices in by_length.items():
            numbers = [to_int(parts[i][2]) for i in indices]
            encrypted = self._ff1._crypt(  # trusted: parsed here
                numbers, length, self._tweak, decrypt=False, trusted=True
            )
            to_str = codec.to_str
            merge = codec.merge
            for index, number in zip(indices, encrypted, strict=True):
                original, kept, _ = parts[index]
                out[index] = merge(original, kept + to_str(number, length))
        return out

    def _many_plain(self, values: list[object]) -> list[object] | None:
        """
        The common column: strings of one length made of alphabet characters only.

        Returns ``None`` for anything else, which the general path handles
        (and where errors are raised in the order of the values).
        """
        if not values or self.keep_country_code:
            return None
        try:
            joined = "".join(cast(list[str], values))
        except TypeError:
            return None
        codec = self._codec
        lengths = set(map(len, cast(list[str], values)))
        if len(lengths) != 1 or not codec.is_plain(joined):
            return None
        length = lengths.pop()
        if not self.min_length <= length <= _MAX_ENCRYPTED:
            return None
        numbers = codec.to_ints(cast(list[str], values))
        encrypted = self._ff1._crypt(  # trusted: parsed here
            numbers, length, self._tweak, decrypt=False, trusted=True
        )
        return list(codec.to_strs(encrypted, length))

    def reverse(self, value: object, *, key_id: str | None = None) -> str | None:
        """
        Return the value an output of this transform was made from.

        The output does not say which key made it: pass ``key_id`` for outputs
        made before the key ring was rotated. ``None`` stays ``None``.

        Args:
            value: An output of this transform (same domain, alphabet and options).
            key_id: The id of the key the output was made with; by default the
                key this instance encrypts with (`used_key_id`).

        Returns:
            The original string.

        Raises:
            TransformError: If the value is not a string, holds a lone
                surrogate, or has too few or too many alphabet characters.
            KeyRingError: If ``key_id`` is not in the ring.
        """
        if value is None:
            return None
        original, kept, body = self._split(value)
        ff1 = self._ff1 if key_id is None else self._keyed(key_id)
        codec = self._codec
        out = ff1._crypt(  # trusted: parsed here
            [codec.to_int(body)], len(body), self._tweak, decrypt=True, trusted=True
        )[0]
        return codec.merge(original, kept + codec.to_str(out, len(body)))


def _country_code_length(digits: str) -> int:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    # ITU-T E.164 country calling codes are prefix-free: at most one of these matches.
    for size in (1, 2, 3):
        head = digits[:size]
        if len(head) == size and head.isdigit() and int(head) in COUNTRY_CODE_TO_REGION_CODE:
            return size
    return 0


class _Codec:
    """Between strings over an alphabet and the integers FF1 works on."""

    __slots__ = (
        "_alphabet",
        "_digits_only",
        "_from_std",
        "_index",
        "_outside",
        "_radix",
        "_set",
        "_to_std",
    )

    def __init__(self, alphabet: str) -> None:
        self._alphabet = alphabet
        self._radix = radix = len(alphabet)
        self._set = frozenset(alphabet)
        self._index = {char: index for index, char in enumerate(alphabet)}
        self._outside = re.compile("[^" + "".join(map(re.escape, alphabet)) + "]")
        self._digits_only = alphabet == DIGITS
        self._to_std: dict[int, int] | None = None
        self._from_std: dict[int, int] | None = None
        if radix <= len(_STANDARD) and alphabet != _STANDARD[:radix]:
            self._to_std = str.maketrans(alphabet, _STANDARD[:radix])
            self._from_std = str.maketrans(_STANDARD[:radix], alphabet)

    def extract(self, value: str) -> str:
        if self._digits_only and value.isascii() and value.isdigit():
            return value
        return self._outside.sub("", value)

    def is_plain(self, text: str) -> bool:
        """Whether every character of ``text`` is in the alphabet."""
        if self._digits_only:
            return text.isascii() and text.isdigit()
        return self._outside.search(text) is None

    def to_ints(self, bodies: list[str]) -> list[int]:
        radix = self._radix
        if radix == 10 and self._to_std is None:
            return list(map(int, bodies))
        if radix <= len(_STANDARD) and self._to_std is None:
            return [int(body, radix) for body in bodies]
        return [self.to_int(body) for body in bodies]

    def to_strs(self, numbers: list[int], length: int) -> list[str]:
        spec = _FORMATS.get(self._radix)
        if spec is None or self._from_std is not None:
            return [self.to_str(number, length) for number in numbers]
        return list(map(f"{{:0{length}{spec}}}".format, numbers))

    def to_int(self, body: str) -> int:
        radix = self._radix
        if radix <= len(_STANDARD):
            if self._to_std is not None:
                body = body.translate(self._to_std)
            # body holds only [0-9a-z] here, so int() sees no sign, space or underscore.
            return int(body, radix)
        index = self._index
        number = 0
        for char in body:
            number = number * radix + index[char]
        return number

    def to_str(self, number: int, length: int) -> str:
        radix = self._radix
        spec = _FORMATS.get(radix)
        if spec is not None:
            text = format(number, f"0{length}{spec}")
        else:
            # Up to radix 36 the standard symbols, translated below; beyond, the alphabet itself.
            symbols = _STANDARD if radix <= len(_STANDARD) else self._alphabet
            chars = [""] * length
            for position in range(length - 1, -1, -1):
                number, digit = divmod(number, radix)
                chars[position] = symbols[digit]
            text = "".join(chars)
        if self._from_std is not None:
            text = text.translate(self._from_std)
        return text

    def merge(self, original: str, encrypted: str) -> str:
        """Write the encrypted characters back over the alphabet characters of ``original``."""
        if len(encrypted) == len(original):
            return encrypted
        chars = iter(encrypted)
        alphabet = self._set
        return "".join(next(chars) if char in alphabet else char for char in original)
