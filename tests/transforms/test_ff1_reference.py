"""FF1 against a by-the-spec FF1 (tests/transforms/ff1_reference.py) beyond the NIST samples."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.transforms.ff1_reference import ceil_v_log2_radix, ff1_decrypt, ff1_encrypt

from custdata.transforms.fpe import FF1, min_length_for

NIST = Path(__file__).parent.parent / "vectors" / "nist_ff1" / "ff1_samples.json"

RADIXES = [2, 3, 10, 16, 26, 36, 62, 64, 255, 256, 257, 1000, 65535, 65536]
KEY_SIZES = [16, 24, 32]
MAX_LENGTH = 300
"""The longest strings compared in the per-radix sweeps (the reference is slow)."""
# Byte counts b = ceil(ceil(v * log2(radix)) / 8) at which FF1's code paths change:
# the 32-bit fast path (b <= 4), the width of y (d = 8, 12, 16, then S over 2 and 3
# blocks from b = 13 and b = 29), and NUM(B) spilling over one, two or three blocks
# of Q (b >= 16, b >= 32).
B_EDGES = [1, 2, 3, 4, 5, 8, 9, 12, 13, 15, 16, 17, 28, 29, 31, 32, 33]
TWEAKS = [b"", b"\x00", bytes(range(7)), bytes(range(15)), bytes(range(16)), bytes(range(17))]
LONG_TWEAK = bytes(i % 251 for i in range(1000))


def _key(size: int, salt: int = 0) -> bytes:
    return bytes((7 * i + salt) % 256 for i in range(size))


def _b(radix: int, length: int) -> int:
    v = length - length // 2
    return -(-ceil_v_log2_radix(v, radix) // 8)


def _edge_lengths(radix: int, top: int = MAX_LENGTH) -> list[int]:
    """min_length, min_length + 1, and the first two lengths at each b in B_EDGES, up to top."""
    low = min_length_for(radix)
    lengths = {low, low + 1}
    for target in B_EDGES:
        for length in range(low, top + 1):
            if _b(radix, length) >= target:
                lengths.update(n for n in (length, length + 1) if n <= top)
                break
    return sorted(lengths)


def _values(radix: int, length: int, seed: int) -> list[list[int]]:
    """All zeros, all radix - 1, and two seeded random strings of one length."""
    rng = random.Random(f"{radix}/{length}/{seed}")
    return [
        [0] * length,
        [radix - 1] * length,
        [rng.randrange(radix) for _ in range(length)],
        [rng.randrange(radix) for _ in range(length)],
    ]


def _nist_samples() -> list[Any]:
    document = json.loads(NIST.read_text(encoding="utf-8"))
    return [pytest.param(sample, id=f"sample{sample['sample']}") for sample in document["samples"]]


@st.composite
def _cases(draw: st.DrawFn) -> tuple[int, bytes, bytes, list[list[int]]]:
    """A radix from 2 to 65 536, a key, a tweak, and one to four strings of one length."""
    radix = draw(st.one_of(st.integers(2, 1 << 16), st.sampled_from(RADIXES), st.integers(2, 300)))
    low = min_length_for(radix)
    length = draw(st.integers(low, min(MAX_LENGTH, low + 60)))
    key = draw(st.sampled_from(KEY_SIZES).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
    tweak = draw(st.one_of(st.binary(max_size=40), st.sampled_from([b"", LONG_TWEAK])))
    strings = draw(
        st.lists(
            st.lists(st.integers(0, radix - 1), min_size=length, max_size=length),
            min_size=1,
            max_size=4,
        )
    )
    return radix, key, tweak, strings


class TestReference:
    """The by-the-spec FF1 itself: the NIST samples and its arithmetic."""

    @pytest.mark.parametrize("sample", _nist_samples())
    def test_nist_sample(self, sample: dict[str, Any]) -> None:
        """The reference encrypts and decrypts each NIST sample to its published value."""
        key = bytes.fromhex(sample["key"])
        tweak = bytes.fromhex(sample["tweak"])
        radix = sample["radix"]
        assert sample["ciphertext"] == ff1_encrypt(key, radix, tweak, sample["plaintext"])
        assert sample["plaintext"] == ff1_decrypt(key, radix, tweak, sample["ciphertext"])

    @given(st.integers(2, 1 << 16), st.integers(1, 400))
    def test_ceil_log(self, radix: int, v: int) -> None:
        """ceil(v * log2(radix)) is the least e with 2 ** e >= radix ** v."""
        e = ceil_v_log2_radix(v, radix)
        assert 2**e >= radix**v
        assert 2 ** (e - 1) < radix**v

    @pytest.mark.parametrize(("radix", "v"), [(2, 7), (16, 9), (256, 3), (65536, 150), (10, 6)])
    def test_ceil_log_float(self, radix: int, v: int) -> None:
        """Where the float logarithm is exact, both agree."""
        assert math.ceil(v * math.log2(radix)) == ceil_v_log2_radix(v, radix)

    def test_rejects_short(self) -> None:
        """The reference holds the Rev. 1 minimum domain unless told the legacy one."""
        with pytest.raises(ValueError, match="minlen"):
            ff1_encrypt(_key(16), 10, b"", [1, 2, 3, 4, 5])
        assert 5 == len(ff1_encrypt(_key(16), 10, b"", [1, 2, 3, 4, 5], legacy_domain=True))


class TestFF1AgainstReference:
    """FF1 equals the reference over radixes, lengths, keys and tweaks, one by one and batched."""

    @pytest.mark.parametrize("key_size", KEY_SIZES)
    @pytest.mark.parametrize("radix", RADIXES)
    def test_edge_lengths(self, radix: int, key_size: int) -> None:
        """Single calls at every length where the code path changes, both ways."""
        key = _key(key_size, radix)
        ff1 = FF1(key, radix)
        for index, length in enumerate(_edge_lengths(radix)):
            tweak = TWEAKS[index % len(TWEAKS)]
            for value in _values(radix, length, key_size)[index % 2 :: 2]:
                expected = ff1_encrypt(key, radix, tweak, value)
                assert expected == ff1.encrypt(value, tweak)
                assert value == ff1.decrypt(expected, tweak)
                assert value == ff1_decrypt(key, radix, tweak, expected)

    @pytest.mark.parametrize("radix", RADIXES)
    def test_batched(self, radix: int) -> None:
        """encrypt_many / decrypt_many over mixed lengths equal the reference value by value."""
        key = _key(32, radix)
        ff1 = FF1(key, radix)
        lengths = _edge_lengths(radix, top=120)
        values = [value for length in lengths for value in _values(radix, length, 1)]
        random.Random(radix).shuffle(values)
        for tweak in (b"", LONG_TWEAK[:13]):
            expected = [ff1_encrypt(key, radix, tweak, value) for value in values]
            assert expected == ff1.encrypt_many(values, tweak)
            assert values == ff1.decrypt_many(expected, tweak)

    @pytest.mark.parametrize("radix", [2, 10, 36, 256, 65536])
    def test_batched_numbers(self, radix: int) -> None:
        """encrypt_numbers / decrypt_numbers over one length equal the reference."""
        key = _key(24, radix)
        ff1 = FF1(key, radix)
        for length in _edge_lengths(radix, top=80):
            rng = random.Random(length)
            numbers = [0, radix**length - 1] + [rng.randrange(radix**length) for _ in range(6)]
            expected = [
                _as_number(ff1_encrypt(key, radix, b"tw", _as_numerals(n, radix, length)), radix)
                for n in numbers
            ]
            assert expected == ff1.encrypt_numbers(numbers, length, b"tw")
            assert numbers == ff1.decrypt_numbers(expected, length, b"tw")

    @pytest.mark.parametrize("radix", [2, 10, 16, 36, 62, 255, 256, 65535, 65536])
    @pytest.mark.parametrize("length", [511, 512, 513, 514])
    def test_long_strings(self, radix: int, length: int) -> None:
        """Strings past 256 numerals per half (u mod 256 in P wraps) equal the reference."""
        key = _key(16, length)
        ff1 = FF1(key, radix)
        value = _values(radix, length, 0)[2]
        expected = ff1_encrypt(key, radix, b"long", value)
        assert expected == ff1.encrypt(value, b"long")
        assert [value, value] == ff1.decrypt_many([expected, expected], b"long")

    @pytest.mark.parametrize("radix", [10, 256, 65536])
    @pytest.mark.parametrize("tweak_length", [0, 1, 5, 6, 7, 8, 15, 16, 17, 31, 32, 33, 255, 1000])
    def test_tweak_lengths(self, radix: int, tweak_length: int) -> None:
        """Every tweak length against the 16-byte padding of Q, one by one and batched."""
        key = _key(32, tweak_length)
        tweak = LONG_TWEAK[:tweak_length]
        ff1 = FF1(key, radix)
        for length in _edge_lengths(radix, top=70)[::3]:
            values = _values(radix, length, tweak_length)
            expected = [ff1_encrypt(key, radix, tweak, value) for value in values]
            assert expected[:1] == [ff1.encrypt(values[0], tweak)]
            assert expected == ff1.encrypt_many(values, tweak)
            assert values == ff1.decrypt_many(expected, tweak)

    def test_plan_cache_turnover(self) -> None:
        """More (length, tweak) pairs than FF1 caches still give the reference's outputs."""
        key = _key(16, 99)
        ff1 = FF1(key, 10)
        value = list(range(10))
        tweaks = [i.to_bytes(2, "big") for i in range(150)]
        outputs = [ff1.encrypt(value, tweak) for tweak in tweaks]
        assert outputs[:3] == [ff1.encrypt(value, tweak) for tweak in tweaks[:3]]
        assert [ff1_encrypt(key, 10, tweak, value) for tweak in tweaks[::10]] == outputs[::10]

    @given(_cases())
    def test_random(self, case: tuple[int, bytes, bytes, list[list[int]]]) -> None:
        """Hypothesis-drawn radix, length, key, tweak and strings: single and batched, both ways."""
        radix, key, tweak, strings = case
        ff1 = FF1(key, radix)
        expected = [ff1_encrypt(key, radix, tweak, value) for value in strings]
        assert expected[0] == ff1.encrypt(strings[0], tweak)
        assert strings[0] == ff1.decrypt(expected[0], tweak)
        assert expected == ff1.encrypt_many(strings, tweak)
        assert strings == ff1.decrypt_many(expected, tweak)
        assert strings == [ff1_decrypt(key, radix, tweak, value) for value in expected]


def _as_numerals(number: int, radix: int, length: int) -> list[int]:
    out = []
    for _ in range(length):
        number, numeral = divmod(number, radix)
        out.append(numeral)
    return out[::-1]


def _as_number(numerals: list[int], radix: int) -> int:
    number = 0
    for numeral in numerals:
        number = number * radix + numeral
    return number
