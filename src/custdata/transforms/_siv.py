"""
AES-SIV (RFC 5297) encryption of many plaintexts at once, under one key and one associated data.

`cryptography`'s ``AESSIV.encrypt`` costs about 2 µs per call whatever the
plaintext length: OpenSSL sets up a CMAC and a CTR context on every call. For a
column of short values that is nearly all the time spent. `SivBatch` computes
the same bytes with a few AES-ECB calls per batch instead:

- S2V's CMAC over the associated-data components is the same for every value:
  it is computed once, with `cryptography`'s CMAC, when the batch is built.
- The last S2V step (``xorend`` for plaintexts of 16 bytes or more, ``dbl`` and
  ``pad`` below) and the CMAC subkey and padding only XOR constants that depend
  on the plaintext length into fixed byte positions. Plaintexts are grouped by
  byte length; in each group the whole CMAC is a CBC-MAC over the zero-padded
  plaintexts XORed with one per-length constant, run block position by block
  position: one ECB call over that block of every value of the group.
- The CTR keystream of every value and block is one ECB call per block position
  over the counter blocks. SIV clears bits 31 and 63 of the synthetic IV to
  make the counter, so adding a block index below 2**31 never carries out of
  the low 32-bit word of any value: the counters of a whole group are one
  big-integer addition.

In `SivBatch.encrypt_rows` XORs run on whole buffers (`int.from_bytes` over
the concatenated blocks) and blocks move between value-major and
position-major layouts with strided `memoryview` copies of 64-bit words: pure
Python and ``cryptography``. `SivBatch.encrypt_array` is the same
construction on numpy arrays, for callers that have numpy (an optional
dependency, never imported unless that method is called).
`tests/transforms/test_tokenise.py` checks the output against
`cryptography`'s ``AESSIV`` byte for byte (hypothesis) and against the
RFC 5297 examples. Only encryption is batched: decryption stays on ``AESSIV``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["SivBatch"]

_BLOCK: Final = 16
_WORD: Final = 8
_MASK128: Final = (1 << 128) - 1
_ZERO_BLOCK: Final = bytes(_BLOCK)
_ONE_LANE: Final = (1).to_bytes(_BLOCK, "big")
# RFC 5297 section 2.6: Q = V bitand (1^64 || 0^1 || 1^31 || 0^1 || 1^31).
_CTR_CLEAR: Final = bytes.fromhex("ffffffffffffffff7fffffff7fffffff")
_KEY_SIZES: Final = (32, 48, 64)
_PLANS_KEPT: Final = 256


class _Plan:
    """Constants for ``count`` plaintexts of one length, repeated once per value."""

    __slots__ = ("clear", "constants", "count", "ctr_blocks", "keep", "ones")

    def __init__(self, constants: list[int], length: int, count: int) -> None:
        self.constants = [
            _repeat(constant.to_bytes(_BLOCK, "big"), count) for constant in constants
        ]
        self.clear = _repeat(_CTR_CLEAR, count)
        self.ones = _repeat(_ONE_LANE, count)
        self.ctr_blocks = -(-length // _BLOCK)
        self.count = count
        # The bytes of the last ciphertext block that hold ciphertext, so that the
        # keystream past the end of each plaintext is cleared (-1, every bit set,
        # when the last block is whole).
        tail = length % _BLOCK
        self.keep = _repeat(bytes((0xFF,)) * tail + bytes(_BLOCK - tail), count) if tail else -1

    def fewer(self, count: int) -> _Plan:
        """The same constants for ``count`` (at most ``self.count``) plaintexts."""
        plan = _Plan.__new__(_Plan)
        # Each constant repeats one 16-byte block: dropping the low blocks of the
        # integer leaves the same block repeated fewer times.
        shift = 8 * _BLOCK * (self.count - count)
        plan.constants = [constant >> shift for constant in self.constants]
        plan.clear = self.clear >> shift
        plan.ones = self.ones >> shift
        plan.ctr_blocks = self.ctr_blocks
        plan.count = count
        plan.keep = self.keep >> shift  # -1 (keep every byte) stays -1
        return plan


def _repeat(block: bytes, count: int) -> int:
    """The integer whose big-endian bytes are ``block`` repeated ``count`` times."""
    return int.from_bytes(block * count, "big")


def _dbl(value: int) -> int:
    """RFC 5297's dbl: multiplication by x in GF(2**128)."""
    value <<= 1
    if value >> 128:
        value = (value & _MASK128) ^ 0x87
    return value


def _blocks(length: int) -> int:
    """Block positions the CMAC of a plaintext of ``length`` bytes runs over (at least one)."""
    return max(1, -(-length // _BLOCK))


class SivBatch:
    """
    AES-SIV encryption of many plaintexts under one key and one associated-data list.

    ``SivBatch(key, ad).encrypt_many(plaintexts)`` equals
    ``[AESSIV(key).encrypt(p, ad) for p in plaintexts]``. Instances hold no
    mutable state (each call makes its own cipher contexts): share them freely.

    Args:
        key: 32, 48 or 64 bytes: the CMAC key, then the CTR key (RFC 5297).
        associated_data: The associated-data components, the same for every plaintext.

    Raises:
        ValueError: If the key length is not 32, 48 or 64 bytes.
    """

    __slots__ = ("_ctr", "_final", "_mac", "_plans", "_subkeys")

    def __init__(self, key: bytes, associated_data: Sequence[bytes]) -> None:
        if len(key) not in _KEY_SIZES:
            msg = "an AES-SIV key must be 32, 48 or 64 bytes long"
            raise ValueError(msg)
        half = len(key) // 2
        mac_key = key[:half]
        self._mac = Cipher(algorithms.AES(mac_key), modes.ECB())  # noqa: S305  # CMAC and CTR are built on the raw block function
        self._ctr = Cipher(algorithms.AES(key[half:]), modes.ECB())  # noqa: S305  # as above
        # CMAC subkeys (RFC 4493): K1 = dbl(E(0)), K2 = dbl(K1).
        zero = int.from_bytes(self._mac.encryptor().update(_ZERO_BLOCK), "big")
        k1 = _dbl(zero)
        self._subkeys = (k1, _dbl(k1))
        # S2V up to the last component: D = CMAC(<zero>), then D = dbl(D) xor CMAC(S_i).
        state = _cmac(mac_key, _ZERO_BLOCK)
        for component in associated_data:
            state = _dbl(state) ^ _cmac(mac_key, component)
        self._final = state
        # Per length: the constants above, repeated for every value of a batch.
        self._plans: dict[int, _Plan] = {}

    def encrypt_many(self, plaintexts: Sequence[bytes]) -> list[bytes]:
        """
        Encrypt each plaintext: ``IV || C`` as ``AESSIV.encrypt`` returns it.

        Args:
            plaintexts: The plaintexts, of any lengths (empty ones too).

        Returns:
            One ``IV || C`` per plaintext, in order.
        """
        groups: dict[int, list[int]] = {}
        for index, plaintext in enumerate(plaintexts):
            groups.setdefault(len(plaintext), []).append(index)
        out: list[bytes] = [b""] * len(plaintexts)
        for length, indices in groups.items():
            count = len(indices)
            pad = _blocks(length) * _BLOCK - length
            rows = bytes(pad).join([plaintexts[i] for i in indices]) + bytes(pad)
            ivs, columns = self.encrypt_rows(rows, count, length)
            width = _BLOCK + len(columns) * _BLOCK
            flat = bytearray(width * count)
            table = memoryview(flat).cast("Q")
            for lane, column in enumerate((ivs, *columns)):
                _scatter(table, column, lane * 2, width // _WORD)
            keep = _BLOCK + length
            for row, index in enumerate(indices):
                out[index] = bytes(flat[row * width : row * width + keep])
        return out

    def encrypt_rows(
        self, rows: bytes | memoryview, count: int, length: int
    ) -> tuple[bytes, list[bytes]]:
        """
        Encrypt ``count`` plaintexts of ``length`` bytes laid out one after the other.

        Each plaintext is followed by zero bytes up to a multiple of 16 bytes (at
        least 16), so ``rows`` holds ``count * 16 * max(1, ceil(length / 16))`` bytes.

        Args:
            rows: The zero-padded plaintexts, concatenated.
            count: How many plaintexts.
            length: The byte length of every plaintext.

        Returns:
            The synthetic IVs (16 bytes per plaintext, concatenated), and the
            ciphertext by block position: one buffer per block of the
            plaintext, holding that block of every value (16 bytes each; in
            the last block, the bytes past the end of the plaintext are zero).

        Raises:
            ValueError: If ``rows`` does not have the size the count and length give.
        """
        blocks = _blocks(length)
        stride = blocks * _BLOCK
        if len(rows) != count * stride:
            msg = "rows must hold count zero-padded plaintexts of the given length"
            raise ValueError(msg)
        if not count:
            return b"", [b""] * -(-length // _BLOCK)
        plan = self._plan(length, count)
        size = count * _BLOCK
        source = memoryview(rows).cast("Q")
        column = memoryview(bytearray(size)).cast("Q")
        words = stride // _WORD
        mac = self._mac.encryptor().update
        plain: list[int] = []
        state = 0
        ivs = b""
        for position, constant in enumerate(plan.constants):
            column[0::2] = source[2 * position :: words]
            column[1::2] = source[2 * position + 1 :: words]
            block = int.from_bytes(column, "big")
            plain.append(block)
            ivs = mac((block ^ constant ^ state).to_bytes(size, "big"))
            state = int.from_bytes(ivs, "big")
        # Bits 31 and 63 of each counter are clear, so adding a block index below
        # 2**31 never carries into the next value's 16 bytes.
        counter = state & plan.clear
        ctr = self._ctr.encryptor().update
        ciphertext: list[bytes] = []
        last = plan.ctr_blocks - 1
        for position in range(plan.ctr_blocks):
            stream = int.from_bytes(ctr(counter.to_bytes(size, "big")), "big")
            counter += plan.ones
            block = plain[position] ^ stream
            if position == last:
                block &= plan.keep
            ciphertext.append(block.to_bytes(size, "big"))
        return ivs, ciphertext

    def encrypt_array(self, rows: Any, length: int) -> tuple[Any, Any]:
        """
        `encrypt_rows` on numpy arrays: the same bytes, with numpy doing the XORs.

        Args:
            rows: A C-contiguous ``(count, 16 * max(1, ceil(length / 16)))``
                ``uint8`` array: one zero-padded plaintext per row.
            length: The byte length of every plaintext.

        Returns:
            The synthetic IVs, a ``(count, 16)`` ``uint8`` array, and the
            ciphertexts, a ``(count, 16 * ceil(length / 16))`` ``uint8``
            array whose bytes past ``length`` in each row are keystream, not
            ciphertext: callers drop them.
        """
        import numpy as np

        count = rows.shape[0]
        mac = self._mac.encryptor().update
        state: Any = None
        plain: list[Any] = []
        # Whole buffers, one 64-bit word after another: numpy runs one loop per
        # operation instead of one per 16-byte row.
        for position, constant in enumerate(self._length_constants(length, _blocks(length))):
            block = np.ascontiguousarray(field(np, rows, position * _BLOCK, _BLOCK))
            block = block.view(np.uint64)
            plain.append(block)
            mixed: Any = block ^ np.frombuffer(constant.to_bytes(_BLOCK, "big") * count, np.uint64)
            if state is not None:
                mixed ^= state
            state = np.frombuffer(mac(mixed.view(np.uint8)), np.uint64)
        # One counter block per plaintext block: Q (bits 31 and 63 of V cleared), then
        # Q + 1, Q + 2... added to the low 32-bit word, which can never overflow.
        blocks = -(-length // _BLOCK)
        counter = (state & np.frombuffer(_CTR_CLEAR * count, np.uint64)).view(">u4")
        ctr = self._ctr.encryptor().update
        ciphertext = np.empty((count, blocks * _BLOCK), np.uint8)
        for position in range(blocks):
            if position:
                counter[3::4] += 1
            stream = np.frombuffer(ctr(counter.view(np.uint8)), np.uint64)
            field(np, ciphertext, position * _BLOCK, _BLOCK)[...] = (plain[position] ^ stream).view(
                f"V{_BLOCK}"
            )
        return np.frombuffer(state, np.uint8).reshape(count, _BLOCK), ciphertext

    def _plan(self, length: int, count: int) -> _Plan:
        # One plan per length, for the largest count seen: smaller counts shift it,
        # which costs less than repeating the constants again.
        plan = self._plans.get(length)
        if plan is None or plan.count < count:
            constants = self._length_constants(length, _blocks(length))
            plan = _Plan(constants, length, count)
            if len(self._plans) >= _PLANS_KEPT:
                self._plans.clear()
            self._plans[length] = plan
        if plan.count > count:
            return plan.fewer(count)
        return plan

    def _length_constants(self, length: int, blocks: int) -> list[int]:
        """
        What S2V's last step and CMAC's last-block rule XOR into each zero-padded block.

        With them, the S2V output for a plaintext of ``length`` bytes is the
        CBC-MAC (zero IV) of its zero-padded blocks XORed with these constants.
        """
        constants = [0] * blocks
        final = self._final
        k1, k2 = self._subkeys
        if length >= _BLOCK:
            # T = P xorend D: D is XORed into the last 16 bytes of P.
            end = length % _BLOCK
            if end:
                constants[-2] ^= final >> (8 * end)
                constants[-1] ^= (final << (8 * (_BLOCK - end))) & _MASK128
                # CMAC of an incomplete last block: pad with 0x80, then XOR K2.
                constants[-1] ^= (0x80 << (8 * (_BLOCK - 1 - end))) ^ k2
            else:
                constants[-1] ^= final ^ k1
        else:
            # T = dbl(D) xor pad(P), one complete block: CMAC XORs K1 into it.
            constants[0] = _dbl(final) ^ (0x80 << (8 * (_BLOCK - 1 - length))) ^ k1
        return constants


def field(np: Any, table: Any, offset: int, width: int) -> Any:
    """
    Bytes ``offset`` to ``offset + width`` of each row of a 2-D ``uint8`` array, as records.

    A view: one numpy void record per row, so that copying them moves each
    row's bytes at once (numpy's loops over short rows of bytes cost more than
    the bytes).
    """
    dtype = np.dtype(
        {"names": ["f"], "formats": [f"V{width}"], "offsets": [offset], "itemsize": table.shape[1]}
    )
    return table.view(dtype)[:, 0]["f"]


def runs(np: Any, array: Any, width: int) -> Any:
    """Every run of ``width`` consecutive bytes of a 1-D ``uint8`` array, as one record each."""
    return np.ndarray((len(array) - width + 1,), f"V{width}", array, 0, (1,))


def _cmac(key: bytes, message: bytes) -> int:
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(message)
    return int.from_bytes(mac.finalize(), "big")


def _scatter(table: memoryview, column: bytes, lane: int, row_words: int) -> None:
    """Write 16 bytes per row from ``column`` at 64-bit word ``lane`` of each row of ``table``."""
    words = memoryview(column).cast("Q")
    table[lane::row_words] = words[0::2]
    table[lane + 1 :: row_words] = words[1::2]
