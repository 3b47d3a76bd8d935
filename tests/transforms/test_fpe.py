"""Tests of custdata.transforms.fpe: the FF1 primitive and the FormatPreserving recipe."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.transforms.fpe import FF1, min_length_for

VECTORS = Path(__file__).parent.parent / "vectors" / "nist_ff1" / "ff1_samples.json"


def _load_ff1_samples() -> list[Any]:
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    return [
        pytest.param(
            sample, id=f"sample{sample['sample']}-{sample['cipher']}-radix{sample['radix']}"
        )
        for sample in document["samples"]
    ]


FF1_SAMPLES = _load_ff1_samples()
KEY = bytes(range(32))


@st.composite
def _numeral_strings(draw: st.DrawFn) -> tuple[int, list[int]]:
    radix = draw(st.sampled_from([2, 10, 16, 26, 36, 62, 256, 1000, 65536]))
    length = draw(
        st.integers(min_value=min_length_for(radix), max_value=min_length_for(radix) + 40)
    )
    numerals = draw(st.lists(st.integers(0, radix - 1), min_size=length, max_size=length))
    return radix, numerals


class TestFF1Vectors:
    """The nine NIST SP 800-38G FF1 samples."""

    def test_nine_samples(self) -> None:
        """The vector file holds the nine published samples."""
        assert [1, 2, 3, 4, 5, 6, 7, 8, 9] == [p.values[0]["sample"] for p in FF1_SAMPLES]

    @pytest.mark.parametrize("sample", FF1_SAMPLES)
    def test_encrypt(self, sample: dict[str, Any]) -> None:
        """Encrypting the sample plaintext gives the sample ciphertext."""
        ff1 = FF1(bytes.fromhex(sample["key"]), sample["radix"])
        assert sample["ciphertext"] == ff1.encrypt(
            sample["plaintext"], bytes.fromhex(sample["tweak"])
        )

    @pytest.mark.parametrize("sample", FF1_SAMPLES)
    def test_decrypt(self, sample: dict[str, Any]) -> None:
        """Decrypting the sample ciphertext gives the sample plaintext."""
        ff1 = FF1(bytes.fromhex(sample["key"]), sample["radix"])
        assert sample["plaintext"] == ff1.decrypt(
            sample["ciphertext"], bytes.fromhex(sample["tweak"])
        )

    @pytest.mark.parametrize("sample", FF1_SAMPLES)
    def test_batch(self, sample: dict[str, Any]) -> None:
        """The batch path gives the sample ciphertext for every copy, and decrypts back."""
        ff1 = FF1(bytes.fromhex(sample["key"]), sample["radix"])
        tweak = bytes.fromhex(sample["tweak"])
        encrypted = ff1.encrypt_many([sample["plaintext"]] * 3, tweak)
        assert [sample["ciphertext"]] * 3 == encrypted
        assert [sample["plaintext"]] * 3 == ff1.decrypt_many(encrypted, tweak)


class TestFF1:
    """The FF1 primitive beyond the samples."""

    @given(_numeral_strings(), st.binary(max_size=40))
    def test_round_trip(self, case: tuple[int, list[int]], tweak: bytes) -> None:
        """Decrypt inverts encrypt for every radix, length and tweak."""
        radix, numerals = case
        ff1 = FF1(KEY, radix)
        encrypted = ff1.encrypt(numerals, tweak)
        assert len(numerals) == len(encrypted)
        assert all(0 <= numeral < radix for numeral in encrypted)
        assert numerals == ff1.decrypt(encrypted, tweak)

    @given(
        st.lists(st.integers(0, 10**19 - 1), min_size=2, max_size=30),
        st.sampled_from([b"", b"12345678", bytes(20), bytes(100)]),
        st.sampled_from([6, 10, 18, 19, 40]),
    )
    def test_batch_equals_one_by_one(self, numbers: list[int], tweak: bytes, length: int) -> None:
        """encrypt_numbers over a batch equals encrypt_number on each, and inverts."""
        ff1 = FF1(KEY, 10)
        numbers = [number % 10**length for number in numbers]
        batch = ff1.encrypt_numbers(numbers, length, tweak)
        assert [ff1.encrypt_number(n, length, tweak) for n in numbers] == batch
        assert numbers == ff1.decrypt_numbers(batch, length, tweak)

    def test_many_mixed_lengths(self) -> None:
        """encrypt_many groups values by length and keeps their order."""
        ff1 = FF1(KEY, 10)
        values = [[1] * 6, [2] * 12, [3] * 6, [4] * 30]
        assert [ff1.encrypt(v, b"t") for v in values] == ff1.encrypt_many(values, b"t")

    def test_tweak_changes_output(self) -> None:
        """Two tweaks give two different permutations."""
        ff1 = FF1(KEY, 10)
        numerals = list(range(10))
        assert ff1.encrypt(numerals, b"a") != ff1.encrypt(numerals, b"b")

    @pytest.mark.parametrize(
        ("radix", "expected"), [(2, 20), (10, 6), (16, 5), (36, 4), (62, 4), (1000, 2), (65536, 2)]
    )
    def test_min_length(self, radix: int, expected: int) -> None:
        """min_length is the shortest n with radix ** n >= 1 000 000 (and n >= 2)."""
        assert expected == FF1(KEY, radix).min_length()

    def test_too_short(self) -> None:
        """A string below the SP 800-38G Rev. 1 minimum domain is refused."""
        with pytest.raises(ValueError, match="too short"):
            FF1(KEY, 10).encrypt([1, 2, 3, 4, 5])

    @pytest.mark.parametrize("numerals", [[10, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 0, 0]])
    def test_numeral_out_of_range(self, numerals: list[int]) -> None:
        """A numeral outside range(radix) is refused."""
        with pytest.raises(ValueError, match="out of range"):
            FF1(KEY, 10).encrypt(numerals)

    @pytest.mark.parametrize("key", [bytes(15), bytes(20), bytes(33)])
    def test_bad_key_length(self, key: bytes) -> None:
        """Only AES key lengths are accepted."""
        with pytest.raises(ValueError, match="16, 24 or 32"):
            FF1(key, 10)

    @pytest.mark.parametrize("radix", [0, 1, 65537])
    def test_bad_radix(self, radix: int) -> None:
        """The radix must be between 2 and 2**16."""
        with pytest.raises(ValueError, match="radix"):
            FF1(KEY, radix)

    def test_repr_hides_key(self) -> None:
        """The repr names the radix only."""
        ff1 = FF1(KEY, 10)
        assert "FF1(radix=10)" == repr(ff1)
        assert KEY.hex() not in repr(ff1)

    def test_pickles(self) -> None:
        """An FF1 pickles and encrypts the same after."""
        ff1 = FF1(KEY, 36)
        numerals = list(range(8))
        assert ff1.encrypt(numerals) == pickle.loads(pickle.dumps(ff1)).encrypt(numerals)  # noqa: S301  # our own bytes

    def test_docstring_opens_with_warning(self) -> None:
        """The primitive's docstring opens with a warning."""
        assert (FF1.__doc__ or "").strip().startswith("Warning:")
