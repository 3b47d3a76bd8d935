"""Tests of custdata.transforms.fpe: the FF1 primitive and the FormatPreserving recipe."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from custdata.errors import KeyRingError, PolicyError, TransformError
from custdata.keys import KeyRing
from custdata.transforms.fpe import DIGITS, FF1, FormatPreserving, min_length_for, tweak_for

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


def _ring(key_id: str = "k1") -> KeyRing:
    return KeyRing.from_mapping({key_id: bytes(range(32))}, active=key_id)


def _fpe(domain: str = "phone", **params: Any) -> FormatPreserving:
    return FormatPreserving(keys=_ring(), domain=domain, **params)


_SEPARATED_DIGITS = st.lists(
    st.one_of(st.sampled_from("0123456789"), st.sampled_from(" -.+()")), max_size=30
).map("".join)


_PHONE_LIKE = st.lists(
    st.tuples(st.sampled_from("0123456789"), st.sampled_from(["", "", " ", "-", "."])),
    min_size=8,
    max_size=20,
).map(lambda pairs: "".join(digit + sep for digit, sep in pairs))


def _is_shape_of(original: str, output: str, alphabet: str) -> bool:
    return len(original) == len(output) and all(
        (a in alphabet and b in alphabet) or a == b for a, b in zip(original, output, strict=True)
    )


_SYMBOLS = st.characters(exclude_categories=("Cs",), max_codepoint=0x2FF)


@st.composite
def _parameters(draw: st.DrawFn) -> dict[str, Any]:
    """Any parameter set: common alphabets and random ones, '+' and digits in them or not."""
    alphabet = draw(
        st.sampled_from(
            [DIGITS, DIGITS + "+", "+" + DIGITS, "0123456789abcdef", DIGITS + "+-", "01", "ab+"]
        )
        | st.lists(_SYMBOLS | st.sampled_from(DIGITS + "+ "), min_size=2, max_size=40, unique=True)
        .map("".join)
        .flatmap(lambda extra: st.sampled_from([extra, DIGITS + extra]))
        .map(lambda text: "".join(dict.fromkeys(text)))
    )
    params: dict[str, Any] = {
        "alphabet": alphabet,
        "keep_country_code": draw(st.booleans()),
    }
    if draw(st.booleans()):
        params["min_length"] = draw(st.integers(0, 24))
    return params


@st.composite
def _values_for(draw: st.DrawFn, alphabet: str) -> str:
    """Strings mostly of alphabet characters, some with separators and a leading '+' and code."""
    head = draw(st.sampled_from(["", "", "+", "+33 ", "+1-", "+353."]))
    chars = st.sampled_from(alphabet) | st.sampled_from(" -.+") | _SYMBOLS
    body = draw(st.lists(chars, min_size=0, max_size=30))
    return head + "".join(body)


class TestParameterSpace:
    """Every parameter set accepted at construction round-trips (issue: '+' in the alphabet)."""

    @given(params=_parameters(), data=st.data())
    def test_accepted_means_reversible(self, params: dict[str, Any], data: st.DataObject) -> None:
        """Built without PolicyError, every output it makes reverses to its input."""
        try:
            fpe = _fpe(**params)
        except PolicyError:
            return
        values = data.draw(st.lists(_values_for(fpe.alphabet), min_size=1, max_size=12))
        values += [
            "".join(
                data.draw(
                    st.lists(
                        st.sampled_from(fpe.alphabet),
                        min_size=fpe.min_length,
                        max_size=fpe.min_length + 8,
                    )
                )
            )
            for _ in range(4)
        ]
        for value in values:
            try:
                out = fpe(value)
            except TransformError:
                continue
            assert isinstance(out, str)
            assert value == fpe.reverse(out)

    def test_plus_in_alphabet_with_country_code_refused(self) -> None:
        """The reported case: '+' in the alphabet with keep_country_code is a PolicyError."""
        with pytest.raises(PolicyError, match="keep_country_code") as caught:
            _fpe(alphabet="0123456789+", keep_country_code=True)
        assert "FormatPreserving" in str(caught.value)

    def test_plus_in_alphabet_alone_accepted(self) -> None:
        """'+' in the alphabet without keep_country_code round-trips: it is just a symbol."""
        fpe = _fpe(alphabet="0123456789+")
        out = fpe("+0612345678")
        assert isinstance(out, str)
        assert "+0612345678" == fpe.reverse(out)


class TestFormatPreserving:
    """The FF1 recipe: shape kept, reversible, keyed per domain."""

    @given(_SEPARATED_DIGITS)
    def test_round_trip_and_shape(self, value: str) -> None:
        """Outputs keep length and separators, and reverse to the input."""
        fpe = _fpe()
        if sum(c.isdigit() for c in value) < fpe.min_length:
            with pytest.raises(TransformError):
                fpe(value)
            return
        out = fpe(value)
        assert isinstance(out, str)
        assert _is_shape_of(value, out, DIGITS)
        assert value == fpe.reverse(out)

    @given(
        st.sampled_from(
            ["0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "01", "αβγδεζηθικλμνξοπρστυφχψω"]
        ),
        st.data(),
    )
    def test_other_alphabets(self, alphabet: str, data: st.DataObject) -> None:
        """Any alphabet: characters stay in it, others pass through, reverse inverts."""
        fpe = _fpe(alphabet=alphabet)
        body = data.draw(
            st.lists(st.sampled_from(alphabet + " -"), min_size=fpe.min_length, max_size=40)
        )
        value = "".join(body)
        if sum(c in alphabet for c in value) < fpe.min_length:
            return
        out = fpe(value)
        assert isinstance(out, str)
        assert _is_shape_of(value, out, alphabet)
        assert value == fpe.reverse(out)

    def test_large_alphabet(self) -> None:
        """An alphabet beyond 36 characters works (radix 100)."""
        alphabet = "".join(chr(0x4E00 + i) for i in range(100))
        fpe = _fpe(alphabet=alphabet)
        value = alphabet[5:9]
        out = fpe(value)
        assert isinstance(out, str)
        assert all(c in alphabet for c in out)
        assert value == fpe.reverse(out)

    @pytest.mark.parametrize(
        ("value", "kept"),
        [("+33 6 12 34 56 78", "+33 "), ("+1-202-555-0143", "+1-"), ("+353.87.123.4567", "+353.")],
    )
    def test_country_code_kept(self, value: str, kept: str) -> None:
        """With keep_country_code, the calling code after '+' stays in clear."""
        fpe = _fpe(keep_country_code=True)
        out = fpe(value)
        assert isinstance(out, str)
        assert out.startswith(kept)
        assert _is_shape_of(value, out, DIGITS)
        assert value == fpe.reverse(out)

    def test_country_code_not_kept_by_default(self) -> None:
        """By default every digit is encrypted."""
        outputs = {str(_fpe(domain=f"d{i}")("+33 6 12 34 56 78"))[:3] for i in range(20)}
        assert len(outputs) > 1

    def test_unknown_country_code(self) -> None:
        """A '+' followed by no known calling code is a per-value error."""
        with pytest.raises(TransformError) as caught:
            _fpe(keep_country_code=True)("+999 123 456 789")
        assert "unknown_country_code" == caught.value.code

    def test_too_short(self) -> None:
        """A value with fewer alphabet characters than min_length is a per-value error."""
        with pytest.raises(TransformError) as caught:
            _fpe(min_length=8)("12-34-567")
        assert "too_short" == caught.value.code
        assert "1234" not in str(caught.value)

    @pytest.mark.parametrize("value", [1234567, b"1234567", 12.5])
    def test_wrong_type(self, value: object) -> None:
        """A value that is not a string is a per-value error."""
        with pytest.raises(TransformError) as caught:
            _fpe()(value)
        assert "wrong_type" == caught.value.code

    @pytest.mark.parametrize(
        ("params", "value"),
        [
            ({"keep_country_code": True}, "\ud800 0612345678"),
            ({}, "\ud800 0612345678"),
            ({}, "0612345678\udfff"),
            ({}, "06\ud83d\ude0012345678"),
            ({"alphabet": "0123456789abcdef"}, "abc\udc80def0123"),
        ],
    )
    def test_invalid_text(self, params: dict[str, Any], value: str) -> None:
        """A lone surrogate is invalid_text in calls, batches and reverse: never passed through."""
        fpe = _fpe(**params)
        calls = [
            lambda: fpe(value),
            lambda: fpe.apply_many([None, value, value]),
            lambda: fpe.apply_many(["0698765432", value]),
            lambda: fpe.reverse(value),
        ]
        for call in calls:
            with pytest.raises(TransformError) as caught:
                call()
            assert "invalid_text" == caught.value.code
            assert "12345678" not in str(caught.value)

    @pytest.mark.parametrize(
        ("alphabet", "min_length"), [(DIGITS, 5), ("01", 19), ("0123456789abcdef", 4), (DIGITS, 1)]
    )
    def test_min_length_checked_at_construction(self, alphabet: str, min_length: int) -> None:
        """radix ** min_length must reach one million (SP 800-38G Rev. 1)."""
        with pytest.raises(ValueError, match="min_length"):
            _fpe(alphabet=alphabet, min_length=min_length)

    @pytest.mark.parametrize(
        ("alphabet", "expected"), [(DIGITS, 6), ("01", 20), ("0123456789abcdef", 5)]
    )
    def test_default_min_length(self, alphabet: str, expected: int) -> None:
        """The default min_length is the smallest allowed."""
        assert expected == _fpe(alphabet=alphabet).min_length

    @pytest.mark.parametrize("alphabet", ["0", "00123", ""])
    def test_bad_alphabet(self, alphabet: str) -> None:
        """Alphabets need two distinct characters at least."""
        with pytest.raises(ValueError, match="alphabet"):
            _fpe(alphabet=alphabet)

    def test_keep_country_code_needs_digits(self) -> None:
        """keep_country_code is refused with an alphabet lacking digits."""
        with pytest.raises(ValueError, match="digits"):
            _fpe(alphabet="ABCDEFGHIJ", keep_country_code=True)

    @given(
        st.lists(
            st.one_of(st.none(), _PHONE_LIKE),
            max_size=30,
        )
    )
    def test_apply_many(self, values: list[str | None]) -> None:
        """apply_many equals the transform one value at a time, mixed lengths and shapes."""
        fpe = _fpe()
        assert [fpe(v) for v in values] == fpe.apply_many(values)

    @given(st.lists(st.integers(0, 10**10 - 1).map(lambda n: f"{n:010d}"), min_size=2, max_size=50))
    def test_apply_many_plain_column(self, values: list[str]) -> None:
        """The whole-column path (same length, digits only) equals one value at a time."""
        fpe = _fpe()
        assert [fpe(v) for v in values] == fpe.apply_many(values)

    def test_apply_many_error_order(self) -> None:
        """In a batch, the first bad value's error is raised."""
        with pytest.raises(TransformError) as caught:
            _fpe().apply_many(["0612345678", "12", 42])
        assert "too_short" == caught.value.code

    @given(_PHONE_LIKE)
    def test_domains_unrelated(self, value: str) -> None:
        """Two domains give different outputs for one value."""
        assert _fpe("a")(value) != _fpe("b")(value)

    def test_alphabets_unrelated(self) -> None:
        """Two alphabets of one radix give unrelated outputs (the tweak covers the alphabet)."""
        digits = _fpe(alphabet=DIGITS)("0123456789")
        letters = _fpe(alphabet="abcdefghij")("abcdefghij")
        assert isinstance(letters, str)
        assert digits != letters.translate(str.maketrans("abcdefghij", DIGITS))

    def test_documented_algorithm(self) -> None:
        """The output is FF1 under the documented key and tweak, built here independently."""
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"custdata/v1",
            info=b"format_preserving\x00phone",
        ).derive(bytes(range(32)))
        tweak = hashlib.sha256(
            b"custdata/format_preserving/tweak/v1\x00phone\x000123456789"
        ).digest()[:8]
        assert tweak == tweak_for("phone", DIGITS)
        numerals = FF1(key, 10).encrypt([0, 6, 1, 2, 3, 4, 5, 6, 7, 8], tweak)
        assert "".join(map(str, numerals)) == _fpe()("0612345678")

    def test_reverse_after_rotate(self) -> None:
        """Outputs made before a rotation reverse with key_id."""
        ring = _ring()
        out = FormatPreserving(keys=ring, domain="phone")("0612345678")
        rotated = FormatPreserving(keys=ring.rotate(key_id="k2"), domain="phone")
        assert "0612345678" == rotated.reverse(out, key_id="k1")
        assert out != rotated("0612345678")

    def test_key_id_gives_the_old_outputs(self) -> None:
        """After a rotation, key_id= of the old key gives the outputs made before it."""
        ring = _ring()
        values = ["0612345678", "+33 6 12 34 56 78", "4111111111111111"]
        before = FormatPreserving(keys=ring, domain="phone").apply_many(values)
        rotated = ring.rotate(key_id="k2")
        old = FormatPreserving(keys=rotated, domain="phone", key_id="k1")
        assert before == old.apply_many(values)
        assert before == [old(value) for value in values]
        assert before != FormatPreserving(keys=rotated, domain="phone").apply_many(values)
        assert "k1" == old.used_key_id

    def test_key_id_reverse(self) -> None:
        """reverse uses the instance's key_id by default, another key when told."""
        rotated = _ring().rotate(key_id="k2")
        old = FormatPreserving(keys=rotated, domain="phone", key_id="k1")
        new = FormatPreserving(keys=rotated, domain="phone")
        assert "0612345678" == old.reverse(old("0612345678"))
        assert "0612345678" == old.reverse(new("0612345678"), key_id="k2")
        assert "0612345678" == new.reverse(old("0612345678"), key_id="k1")

    def test_key_id_checked(self) -> None:
        """A key id not in the ring (or not text) is a KeyRingError, as for Pseudonymise."""
        for key_id in ("k9", "", ["k1"]):
            with pytest.raises(KeyRingError):
                _fpe(key_id=key_id)

    def test_key_id_pickles(self) -> None:
        """A pickled instance keeps its key_id."""
        fpe = FormatPreserving(keys=_ring().rotate(key_id="k2"), domain="phone", key_id="k1")
        copy = pickle.loads(pickle.dumps(fpe))  # noqa: S301  # our own bytes
        assert fpe("0612345678") == copy("0612345678")

    def test_reverse_unknown_key(self) -> None:
        """An unknown key id is a KeyRingError."""
        with pytest.raises(KeyRingError):
            _fpe().reverse("0612345678", key_id="nope")

    def test_none(self) -> None:
        """None stays None both ways."""
        assert _fpe()(None) is None
        assert _fpe().reverse(None) is None

    def test_key_not_shown(self) -> None:
        """Neither repr nor errors show the key."""
        fpe = _fpe()
        assert (
            "FormatPreserving(domain='phone', alphabet='0123456789', min_length=6,"
            " keep_country_code=False)" == repr(fpe)
        )
        assert bytes(range(32)).hex() not in repr(fpe)

    def test_pickles(self) -> None:
        """A FormatPreserving pickles and gives the same outputs after."""
        fpe = _fpe(keep_country_code=True)
        copy = pickle.loads(pickle.dumps(fpe))  # noqa: S301  # our own bytes
        assert fpe("+33 6 12 34 56 78") == copy("+33 6 12 34 56 78")

    def test_documents_validity_checks(self) -> None:
        """The docstring warns that outputs fail phone validity and Luhn checks."""
        doc = FormatPreserving.__doc__ or ""
        assert "Luhn" in doc
        assert "phone-number validity" in doc
