"""
AES-SIV (RFC 5297) encryption of many plaintexts at once, under one key and one associated data.

`cryptography`'s ``AESSIV.encrypt`` costs about 2 µs per call whatever the
plaintext length: OpenSSL sets up a CMAC and a CTR context on every call. For a
column of short values that is nearly all the time spent. `SivBatch` computes
the same bytes for plaintexts of one length with a few AES-ECB calls, numpy
doing the XORs over whole arrays:

- S2V's CMAC over the associated-data components is the same for every value:
  it is computed once, with `cryptography`'s CMAC, when the batch is built.
- The last S2V step (``xorend`` for plaintexts of 16 bytes or more, ``dbl`` and
  ``pad`` below) and the CMAC subkey and padding only XOR constants that depend
  on the plaintext length into fixed byte positions. For plaintexts of one
  length the whole CMAC is then a CBC-MAC over the zero-padded plaintexts XORed
  with per-position constants, run block position by block position: one ECB
  call over that block of every value.
- The CTR keystream of every value and block is one ECB call per block position
  over the counter blocks. SIV clears bits 31 and 63 of the synthetic IV to
  make the counter, so adding a block index below 2**31 never carries out of
  the low 32-bit word of any value.

numpy is an optional dependency: it is imported when a method that encrypts
is called, never when this module is imported. Only encryption is batched:
decryption stays on ``AESSIV``. The tests check the output against
`cryptography`'s ``AESSIV`` byte for byte (hypothesis) and against the RFC 5297
examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["SivBatch"]

_BLOCK: Final = 16
_MASK128: Final = (1 << 128) - 1
_ZERO_BLOCK: Final = bytes(_BLOCK)
# RFC 5297 section 2.6: Q = V bitand (1^64 || 0^1 || 1^31 || 0^1 || 1^31).
_CTR_CLEAR: Final = bytes.fromhex("ffffffffffffffff7fffffff7fffffff")
_KEY_SIZES: Final = (32, 48, 64)


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
    ``[AESSIV(key).encrypt(p, ad) for p in plaintexts]``; `encrypt_array` is
    the same for plaintexts of one length laid out in a numpy array. Both need
    numpy. An instance keeps no cache and no state that changes after it is
    built (each call makes its own cipher contexts), so one instance can be
    used by many threads at once.

    Args:
        key: 32, 48 or 64 bytes: the CMAC key, then the CTR key (RFC 5297).
        associated_data: The associated-data components, the same for every plaintext.

    Raises:
        ValueError: If the key length is not 32, 48 or 64 bytes.
    """

    __slots__ = ("_ctr", "_final", "_mac", "_subkeys")

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

    def encrypt_many(self, plaintexts: Sequence[bytes]) -> list[bytes]:
        """
        Encrypt each plaintext: ``IV || C`` as ``AESSIV.encrypt`` returns it.

        Plaintexts are grouped by length and each group goes through
        `encrypt_array`.

        Args:
            plaintexts: The plaintexts, of any lengths (empty ones too).

        Returns:
            One ``IV || C`` per plaintext, in order.
        """
        import numpy as np

        groups: dict[int, list[int]] = {}
        for index, plaintext in enumerate(plaintexts):
            groups.setdefault(len(plaintext), []).append(index)
        out: list[bytes] = [b""] * len(plaintexts)
        for length, indices in groups.items():
            stride = _blocks(length) * _BLOCK
            joined = b"".join([plaintexts[i].ljust(stride, b"\0") for i in indices])
            rows = np.frombuffer(joined, np.uint8).reshape(len(indices), stride)
            ivs, ciphertext = self.encrypt_array(rows, length)
            for row, index in enumerate(indices):
                out[index] = ivs[row].tobytes() + ciphertext[row, :length].tobytes()
        return out

    def encrypt_array(self, rows: Any, length: int) -> tuple[Any, Any]:
        """
        Encrypt the plaintexts of ``length`` bytes held one per row of a numpy array.

        Args:
            rows: A ``(count, 16 * max(1, ceil(length / 16)))`` ``uint8`` array:
                one plaintext per row, followed by zero bytes.
            length: The byte length of every plaintext.

        Returns:
            The synthetic IVs, a ``(count, 16)`` ``uint8`` array, and the
            ciphertexts, a ``(count, 16 * ceil(length / 16))`` ``uint8``
            array whose bytes past ``length`` in each row are keystream, not
            ciphertext: callers drop them. Row ``i`` of both is
            ``AESSIV.encrypt`` of row ``i``'s plaintext, split after the IV.

        Raises:
            ValueError: If ``rows`` is not a 2-D ``uint8`` array of that width.
        """
        import numpy as np

        stride = _blocks(length) * _BLOCK
        if rows.ndim != 2 or rows.dtype != np.uint8 or rows.shape[1] != stride:
            msg = "rows must be a (count, 16 * max(1, ceil(length / 16))) uint8 array"
            raise ValueError(msg)
        count = rows.shape[0]
        blocks = -(-length // _BLOCK)
        if not count:
            return np.empty((0, _BLOCK), np.uint8), np.empty((0, blocks * _BLOCK), np.uint8)
        mac = self._mac.encryptor().update
        state: Any = None
        plain: list[Any] = []
        # Whole buffers, one 64-bit word after another: numpy runs one loop per
        # operation instead of one per 16-byte row.
        for position, constant in enumerate(self._length_constants(length)):
            block = np.ascontiguousarray(_field(np, rows, position * _BLOCK, _BLOCK))
            block = block.view(np.uint64)
            plain.append(block)
            mixed: Any = block ^ np.frombuffer(constant.to_bytes(_BLOCK, "big") * count, np.uint64)
            if state is not None:
                mixed ^= state
            state = np.frombuffer(mac(mixed.view(np.uint8)), np.uint64)
        # One counter block per plaintext block: Q (bits 31 and 63 of V cleared), then
        # Q + 1, Q + 2... added to the low 32-bit word, which can never overflow.
        counter = (state & np.frombuffer(_CTR_CLEAR * count, np.uint64)).view(">u4")
        ctr = self._ctr.encryptor().update
        ciphertext = np.empty((count, blocks * _BLOCK), np.uint8)
        for position in range(blocks):
            if position:
                counter[3::4] += 1
            stream = np.frombuffer(ctr(counter.view(np.uint8)), np.uint64)
            _field(np, ciphertext, position * _BLOCK, _BLOCK)[...] = (
                plain[position] ^ stream
            ).view(f"V{_BLOCK}")
        return np.frombuffer(state, np.uint8).reshape(count, _BLOCK), ciphertext

    def _length_constants(self, length: int) -> list[int]:
        """
        What S2V's last step and CMAC's last-block rule XOR into each zero-padded block.

        With them, the S2V output for a plaintext of ``length`` bytes is the
        CBC-MAC (zero IV) of its zero-padded blocks XORed with these constants.
        Computed on every call (a few integer operations): nothing is cached.
        """
        constants = [0] * _blocks(length)
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


def _field(np: Any, table: Any, offset: int, width: int) -> Any:
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


def _runs(np: Any, array: Any, width: int) -> Any:
    """Every run of ``width`` consecutive bytes of a 1-D ``uint8`` array, as one record each."""
    return np.ndarray((len(array) - width + 1,), f"V{width}", array, 0, (1,))


def _cmac(key: bytes, message: bytes) -> int:
    """AES-CMAC (RFC 4493) of ``message``, by `cryptography`, as a 128-bit integer."""
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(message)
    return int.from_bytes(mac.finalize(), "big")
