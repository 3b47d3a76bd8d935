"""Tests of custdata.transforms.tokenise: AES-SIV vectors, tokens and their reversal."""

from __future__ import annotations

import base64
import json
import pickle
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from custdata.errors import InvalidToken, KeyRingError, TransformError
from custdata.keys import KeyRing
from custdata.transforms import tokenise as tokenise_module
from custdata.transforms._siv import SivBatch
from custdata.transforms.tokenise import TOKEN_VERSION, Tokenise, detokenise

VECTORS = Path(__file__).parent.parent / "vectors" / "rfc5297" / "aes_siv.json"
SECRET = bytes(range(32))


def _load_rfc5297() -> list[Any]:
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    return [pytest.param(example, id=example["name"][:3]) for example in document["examples"]]


RFC5297 = _load_rfc5297()


def _components(example: dict[str, Any]) -> list[bytes]:
    # RFC 5297 passes the nonce as the last associated-data component.
    components = [bytes.fromhex(ad) for ad in example["ad"]]
    if example["nonce"] is not None:
        components.append(bytes.fromhex(example["nonce"]))
    return components


def _invalid_cases(example: dict[str, Any]) -> list[tuple[str, bytes, list[bytes]]]:
    output = bytes.fromhex(example["output"])
    components = _components(example)
    return [
        ("tag bit flipped", bytes([output[0] ^ 1]) + output[1:], components),
        ("ciphertext bit flipped", output[:-1] + bytes([output[-1] ^ 0x80]), components),
        ("truncated", output[:-1], components),
        ("associated data changed", output, [components[0] + b"\x00", *components[1:]]),
        ("associated data dropped", output, components[:-1]),
    ]


def _ring(key_id: str = "k1") -> KeyRing:
    return KeyRing.from_mapping({key_id: SECRET}, active=key_id)


def _tokenise(domain: str = "email") -> Tokenise:
    return Tokenise(keys=_ring(), domain=domain)


class TestRfc5297:
    """RFC 5297 Appendix A through cryptography's AESSIV."""

    def test_two_examples(self) -> None:
        """The vector file holds A.1 and A.2."""
        assert ["A.1", "A.2"] == [p.id for p in RFC5297]

    @pytest.mark.parametrize("example", RFC5297)
    def test_encrypt(self, example: dict[str, Any]) -> None:
        """Encrypting gives the RFC's IV || C."""
        siv = AESSIV(bytes.fromhex(example["key"]))
        actual = siv.encrypt(bytes.fromhex(example["plaintext"]), _components(example))
        assert bytes.fromhex(example["output"]) == actual

    @pytest.mark.parametrize("example", RFC5297)
    def test_decrypt(self, example: dict[str, Any]) -> None:
        """Decrypting the RFC's IV || C gives its plaintext."""
        siv = AESSIV(bytes.fromhex(example["key"]))
        actual = siv.decrypt(bytes.fromhex(example["output"]), _components(example))
        assert bytes.fromhex(example["plaintext"]) == actual

    @pytest.mark.parametrize("example", RFC5297)
    def test_encrypt_batched(self, example: dict[str, Any]) -> None:
        """The batched AES-SIV gives the RFC's IV || C, also among plaintexts of other lengths."""
        pytest.importorskip("numpy")
        batch = SivBatch(bytes.fromhex(example["key"]), _components(example))
        plaintext = bytes.fromhex(example["plaintext"])
        actual = batch.encrypt_many(
            [plaintext, b"", plaintext[:-1], plaintext + b"\x00", plaintext]
        )
        assert bytes.fromhex(example["output"]) == actual[0]
        assert bytes.fromhex(example["output"]) == actual[-1]

    @pytest.mark.parametrize(
        ("example", "case"),
        [
            pytest.param(p.values[0], i, id=f"{p.id}-{name}")
            for p in RFC5297
            for i, (name, _, _) in enumerate(_invalid_cases(p.values[0]))
        ],
    )
    def test_invalid(self, example: dict[str, Any], case: int) -> None:
        """Changing the tag, the ciphertext, its length or the associated data fails."""
        _, data, components = _invalid_cases(example)[case]
        with pytest.raises(InvalidTag):
            AESSIV(bytes.fromhex(example["key"])).decrypt(data, components)


class TestTokenise:
    """Tokens: format, determinism, reversal."""

    def test_known_tokens(self) -> None:
        """Tokens for a fixed key are stable: the format is part of the contract."""
        # Made by this implementation when the format was fixed; test_documented_algorithm
        # checks the same construction independently.
        tokenise = _tokenise()
        assert "AQJrMQTJFu-EIuk2MYfqnfC-OUUM" == tokenise("")
        assert "AQJrMeu7zr28uURlRgeIOnClnyyFljY2MVeWhErZGISFDvHl" == tokenise("ada@example.org")

    @pytest.mark.parametrize("value", ["", "ada@example.org", "Zoë"])
    def test_documented_algorithm(self, value: str) -> None:
        """The token is exactly the documented construction, built here with cryptography's HKDF."""
        key = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=b"custdata/v1", info=b"tokenise\x00email"
        ).derive(SECRET)
        header = b"\x01\x02k1"
        data = header + AESSIV(key).encrypt(b"\x00" + value.encode("utf-8"), [header])
        assert base64.urlsafe_b64encode(data).rstrip(b"=").decode() == _tokenise()(value)

    def test_layout(self) -> None:
        """A token is version, key id length, key id, then the 16-byte SIV and the ciphertext."""
        token = _tokenise()("abc")
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert bytes([TOKEN_VERSION, 2]) + b"k1" == data[:4]
        assert 4 + 16 + 1 + 3 == len(data)
        assert "=" not in token

    def test_empty_string(self) -> None:
        """The empty string has a token that reverses to the empty string."""
        tokenise = _tokenise()
        token = tokenise("")
        assert isinstance(token, str)
        assert "" == tokenise.reverse(token)

    def test_never_encrypts_empty_plaintext(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every AES-SIV plaintext is non-empty, so builds that refuse empty ones still work."""
        seen: list[bytes] = []

        class StrictAESSIV:
            """AESSIV as in builds whose OpenSSL refuses empty plaintexts."""

            def __init__(self, key: bytes) -> None:
                self._siv = AESSIV(key)

            def encrypt(self, data: bytes, associated_data: list[bytes]) -> bytes:
                if not data:
                    msg = "empty plaintext"
                    raise ValueError(msg)
                seen.append(data)
                return self._siv.encrypt(data, associated_data)

            def decrypt(self, data: bytes, associated_data: list[bytes]) -> bytes:
                return self._siv.decrypt(data, associated_data)

        monkeypatch.setattr(tokenise_module, "AESSIV", StrictAESSIV)
        tokenise = _tokenise()
        assert "" == tokenise.reverse(tokenise(""))
        assert [b"\x00"] == seen

    @given(st.text())
    def test_round_trip(self, value: str) -> None:
        """reverse inverts the transform for every string."""
        tokenise = _tokenise()
        assert value == tokenise.reverse(tokenise(value))

    @given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30))
    def test_apply_many(self, values: list[str | None]) -> None:
        """apply_many equals the transform applied one value at a time."""
        tokenise = _tokenise()
        assert [tokenise(v) for v in values] == tokenise.apply_many(values)

    def test_deterministic(self) -> None:
        """Equal values give equal tokens, across instances."""
        assert _tokenise()("ada@example.org") == _tokenise()("ada@example.org")

    @given(st.text(max_size=30))
    def test_domains_unrelated(self, value: str) -> None:
        """Two domains give different tokens, and neither reverses the other's."""
        email, phone = _tokenise("email"), _tokenise("phone")
        token = email(value)
        assert token != phone(value)
        with pytest.raises(InvalidToken):
            phone.reverse(token)

    def test_after_rotate(self) -> None:
        """Tokens made before a rotation reverse with the rotated ring."""
        ring = _ring()
        old = Tokenise(keys=ring, domain="email")("ada@example.org")
        rotated = Tokenise(keys=ring.rotate(key_id="k2"), domain="email")
        assert "ada@example.org" == rotated.reverse(old)
        assert old != rotated("ada@example.org")
        assert rotated("ada@example.org").startswith("AQJrM")

    def test_detokenise(self) -> None:
        """detokenise reverses with a key ring and a domain."""
        token = _tokenise()("ada@example.org")
        assert "ada@example.org" == detokenise(token, _ring(), "email")

    def test_none(self) -> None:
        """None stays None both ways."""
        tokenise = _tokenise()
        assert tokenise(None) is None
        assert tokenise.reverse(None) is None

    @pytest.mark.parametrize("value", [42, b"bytes", 1.5])
    def test_wrong_type(self, value: object) -> None:
        """A value that is not a string is a per-value TransformError."""
        with pytest.raises(TransformError) as caught:
            _tokenise()(value)
        assert "wrong_type" == caught.value.code

    def test_unencodable(self) -> None:
        """A string with a lone surrogate is a TransformError without the value."""
        with pytest.raises(TransformError) as caught:
            _tokenise()("a\ud800b")
        assert "invalid_text" == caught.value.code

    def test_key_not_shown(self) -> None:
        """Neither repr nor str shows the key."""
        tokenise = _tokenise()
        assert "Tokenise(domain='email')" == repr(tokenise)
        assert SECRET.hex() not in repr(tokenise) + str(tokenise)

    def test_pickles(self) -> None:
        """A Tokenise pickles and gives the same tokens after."""
        tokenise = _tokenise()
        copy = pickle.loads(pickle.dumps(tokenise))  # noqa: S301  # our own bytes
        assert tokenise("x") == copy("x")

    def test_bad_parameters(self) -> None:
        """Bad parameters fail at construction."""
        with pytest.raises(TypeError):
            Tokenise(keys=SECRET, domain="email")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="domain"):
            Tokenise(keys=_ring(), domain="")


# Strings of every UTF-8 length around the 16-byte block boundaries, in 1- to 4-byte characters.
_BOUNDARY_STRINGS = st.builds(
    lambda char, count: char * count,
    st.sampled_from(["a", "\x00", "é", "€", "😀"]),
    st.integers(0, 70),
)
_STRINGS = st.one_of(st.text(), st.text(min_size=40, max_size=300), _BOUNDARY_STRINGS)


class TestBatchedSiv:
    """SivBatch, the batched AES-SIV behind Tokenise.apply_many, against cryptography's AESSIV."""

    @given(
        key=st.sampled_from([32, 48, 64]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
        associated_data=st.lists(st.binary(max_size=40), max_size=3),
        plaintexts=st.lists(
            st.one_of(st.binary(max_size=100), st.integers(0, 70).map(bytes)), max_size=40
        ),
    )
    def test_equals_aessiv(
        self, key: bytes, associated_data: list[bytes], plaintexts: list[bytes]
    ) -> None:
        """Each output is AESSIV(key).encrypt(plaintext, associated_data), byte for byte."""
        pytest.importorskip("numpy")
        expected = [AESSIV(key).encrypt(p, associated_data) for p in plaintexts]
        assert expected == SivBatch(key, associated_data).encrypt_many(plaintexts)

    @pytest.mark.parametrize("key_size", [32, 48, 64])
    def test_every_length(self, key_size: int) -> None:
        """Every plaintext length from 0 to 100 bytes, several values of each in one batch."""
        pytest.importorskip("numpy")
        key = bytes(range(key_size))
        plaintexts = [bytes([i]) * n for n in range(101) for i in range(3)]
        expected = [AESSIV(key).encrypt(p, [b"header"]) for p in plaintexts]
        assert expected == SivBatch(key, [b"header"]).encrypt_many(plaintexts)

    @pytest.mark.parametrize("key_size", [32, 64])
    def test_encrypt_array(self, key_size: int) -> None:
        """encrypt_array gives AESSIV's bytes for every length from 0 to 100 bytes."""
        np = pytest.importorskip("numpy")
        key = bytes(range(100, 100 + key_size))
        batch = SivBatch(key, [b"header", b""])
        for length in range(101):
            plaintexts = [bytes([i]) * length for i in (1, 2, 255)]
            stride = 16 * max(1, -(-length // 16))
            rows = np.zeros((3, stride), np.uint8)
            rows[:, :length] = np.frombuffer(b"".join(plaintexts), np.uint8).reshape(3, length)
            ivs, ciphertext = batch.encrypt_array(rows, length)
            actual = [ivs[i].tobytes() + ciphertext[i, :length].tobytes() for i in range(3)]
            assert [AESSIV(key).encrypt(p, [b"header", b""]) for p in plaintexts] == actual

    def test_encrypt_array_counts(self) -> None:
        """encrypt_array on growing and shrinking counts per length, none included."""
        np = pytest.importorskip("numpy")
        key = bytes(range(64))
        batch = SivBatch(key, [b"header"])
        for length in range(41):
            stride = 16 * max(1, -(-length // 16))
            for count in (5, 2, 7, 1, 0, 7, 3):
                plaintexts = [bytes([i + 1]) * length for i in range(count)]
                rows = np.frombuffer(b"".join(p.ljust(stride, b"\0") for p in plaintexts), np.uint8)
                ivs, ciphertext = batch.encrypt_array(rows.reshape(count, stride), length)
                actual = [ivs[i].tobytes() + ciphertext[i, :length].tobytes() for i in range(count)]
                assert [AESSIV(key).encrypt(p, [b"header"]) for p in plaintexts] == actual
                assert (count, 16 * -(-length // 16)) == ciphertext.shape

    @pytest.mark.parametrize("example", RFC5297)
    def test_encrypt_array_rfc5297(self, example: dict[str, Any]) -> None:
        """encrypt_array gives the RFC 5297 examples' IV || C."""
        np = pytest.importorskip("numpy")
        batch = SivBatch(bytes.fromhex(example["key"]), _components(example))
        plaintext = bytes.fromhex(example["plaintext"])
        rows = np.zeros((2, 16 * -(-len(plaintext) // 16)), np.uint8)
        rows[:, : len(plaintext)] = np.frombuffer(plaintext, np.uint8)
        ivs, ciphertext = batch.encrypt_array(rows, len(plaintext))
        actual = ivs[1].tobytes() + ciphertext[1, : len(plaintext)].tobytes()
        assert bytes.fromhex(example["output"]) == actual

    def test_bad_key_length(self) -> None:
        """Keys other than 32, 48 or 64 bytes are refused."""
        with pytest.raises(ValueError, match="32, 48 or 64"):
            SivBatch(bytes(16), [])

    @pytest.mark.parametrize(
        ("shape", "dtype"),
        [((1, 32), "uint8"), ((32,), "uint8"), ((1, 16), "uint16"), ((2, 2, 16), "uint8")],
    )
    def test_rows_shape_checked(self, shape: tuple[int, ...], dtype: str) -> None:
        """encrypt_array refuses rows whose shape or type does not fit the length."""
        np = pytest.importorskip("numpy")
        with pytest.raises(ValueError, match="rows"):
            SivBatch(bytes(32), []).encrypt_array(np.zeros(shape, dtype), 5)

    def test_threads_share_one_batch(self) -> None:
        """One SivBatch used by eight threads at once gives AESSIV's bytes in every thread."""
        pytest.importorskip("numpy")
        key = bytes(range(64))
        batch = SivBatch(key, [b"header"])
        jobs = [[bytes([t]) * (n + t) for n in range(60) for _ in range(3)] for t in range(8)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda job: [batch.encrypt_many(job) for _ in range(5)], jobs))
        for job, rounds in zip(jobs, results, strict=True):
            expected = [AESSIV(key).encrypt(p, [b"header"]) for p in job]
            assert [expected] * 5 == rounds


def _reference(tokenise: Tokenise, values: list[str]) -> list[object]:
    """Tokens one value at a time, through cryptography's AESSIV."""
    return [tokenise(value) for value in values]


def _batched(tokenise: Tokenise, values: list[str]) -> list[object]:
    """Tokens by the batched path, whatever the batch's size."""
    pytest.importorskip("numpy")
    done = tokenise_module._tokens(tokenise._batch, tokenise._header, values)
    assert done is not None
    return done


def _fillers(count: int) -> list[str]:
    return [f"filler.{number}@example.org" for number in range(count)]


class TestBatchedTokens:
    """Tokenise.apply_many's batched path gives the tokens of the one-value path."""

    @given(values=st.lists(_STRINGS, max_size=60))
    def test_any_strings(self, values: list[str]) -> None:
        """Any strings (empty, non-ASCII, long, NUL, near block boundaries) give the same tokens."""
        tokenise = _tokenise()
        assert _reference(tokenise, values) == _batched(tokenise, values)

    @given(st.lists(_STRINGS, max_size=40))
    def test_apply_many(self, values: list[str]) -> None:
        """apply_many on batches large enough for the batched path."""
        tokenise = _tokenise()
        batch = values + _fillers(tokenise_module._BATCH_MIN)
        assert _reference(tokenise, batch) == tokenise.apply_many(batch)

    @pytest.mark.parametrize("key_id", ["k", "k1", "bench", "key-2024", "k" * 32])
    def test_every_length_and_header(self, key_id: str) -> None:
        """Every UTF-8 length up to 100 bytes, with key ids that shift the IV within a row."""
        tokenise = Tokenise(keys=_ring(key_id), domain="email")
        chars = ("a", "é", "€", "😀")
        values = [c * n for n in range(101) for c in chars if len((c * n).encode()) <= 100]
        values += [v.upper() + "x" for v in values]
        assert _reference(tokenise, values) == _batched(tokenise, values)

    def test_slices(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Batches split into many slices give tokens in the batch's order, NULs included."""
        monkeypatch.setattr(tokenise_module, "_SLICE", 11)
        tokenise = _tokenise()
        values = [f"{'x' * (i % 23)}{i}@example.fr" for i in range(200)]
        values[50] = "nul\x00inside"
        values[51] = "\x00"
        assert _reference(tokenise, values) == _batched(tokenise, values)

    @pytest.mark.parametrize("key_id", ["k", "k1", "bench", "k" * 32])
    def test_groups_of_every_size(self, key_id: str) -> None:
        """Every UTF-8 length to 100 bytes, 1 to 19 values each, ASCII or not."""
        tokenise = Tokenise(keys=_ring(key_id), domain="email")
        values = []
        for length in range(101):
            for index in range(length % 19 + 1):
                value = f"{index:02d}".ljust(length, "a")[:length]
                if index % 3 == 1 and length >= 2:
                    value = "é" + value[2:]  # two bytes for two ASCII characters
                values.append(value)
        assert _reference(tokenise, values) == _batched(tokenise, values)

    def test_large_batch(self) -> None:
        """A batch large enough for the batched path, with repeats and None."""
        tokenise = _tokenise()
        values: list[str | None] = [f"client.{i % 3000}@exemple.fr" for i in range(5000)]
        values[10] = None
        assert [tokenise(v) for v in values] == tokenise.apply_many(values)
        distinct = [f"client.{i}.{'é' * (i % 5)}@exemple.fr" for i in range(6000)]
        assert _reference(tokenise, distinct) == tokenise.apply_many(distinct)

    def test_nul_in_values(self) -> None:
        """Values holding NUL characters (which the one-join encoding cannot split) still match."""
        tokenise = _tokenise()
        values = [f"a\x00{i}" if i % 7 == 0 else f"v{i}" for i in range(2000)]
        assert _reference(tokenise, values) == tokenise.apply_many(values)

    def test_with_none(self) -> None:
        """None stays None in a large batch; the strings around it get their tokens."""
        tokenise = _tokenise()
        values = [None if i % 5 == 0 else f"v{i}" for i in range(2000)]
        assert [tokenise(v) for v in values] == tokenise.apply_many(values)

    @pytest.mark.parametrize("size", [100, 2000, 5000])
    def test_without_numpy(self, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without numpy, apply_many gives the same tokens one AESSIV call at a time."""
        monkeypatch.setitem(sys.modules, "numpy", None)
        tokenise = _tokenise()
        values = [f"client.{i}.{'é' * (i % 5)}@exemple.fr" for i in range(size)]
        assert tokenise_module._tokens(tokenise._batch, tokenise._header, values) is None
        assert _reference(tokenise, values) == tokenise.apply_many(values)

    @pytest.mark.parametrize("size", [100, 2000, 5000])
    @pytest.mark.parametrize(
        ("bad", "code"), [(42, "wrong_type"), (b"bytes", "wrong_type"), ("a\ud800", "invalid_text")]
    )
    def test_first_bad_value(self, size: int, bad: object, code: str) -> None:
        """A batch with a bad value raises that value's error, as one by one would."""
        values: list[object] = [f"v{i}" for i in range(size)]
        values[40] = bad
        values[70] = "b\udfff" if code == "wrong_type" else 7
        with pytest.raises(TransformError) as caught:
            _tokenise().apply_many(values)
        assert code == caught.value.code

    def test_batch_reverses(self) -> None:
        """Tokens from the batched path reverse to their values."""
        tokenise = _tokenise()
        values = [f"client.{i}@exemple.fr" for i in range(2000)]
        assert values == [tokenise.reverse(token) for token in tokenise.apply_many(values)]

    def test_threads_share_one_tokenise(self) -> None:
        """One Tokenise used by eight threads at once gives every thread the reference tokens."""
        tokenise = _tokenise()
        jobs = [[f"t{t}.{i}.{'é' * (i % 4)}@exemple.fr" for i in range(3000)] for t in range(8)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(tokenise.apply_many, jobs))
        assert [_reference(tokenise, job) for job in jobs] == results

    def test_workers_results_round_trip(self) -> None:
        """What a worker process sends back (_pack) rebuilds to the same tokens and Nones."""
        tokenise = _tokenise()
        results = tokenise.apply_many(["a", None, "b", ""])
        assert results == tokenise._unpack(bytearray(tokenise._pack(results)))
        tokens = tokenise.apply_many(["a", "b"])
        assert tokens == tokenise._unpack(bytearray(tokenise._pack(tokens)))


def _altered(token: str) -> list[str]:
    data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    flipped = []
    for index in range(len(data)):
        changed = bytearray(data)
        changed[index] ^= 0x01
        flipped.append(base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode())
    return flipped


TOKEN = Tokenise(keys=KeyRing.from_mapping({"k1": SECRET}, active="k1"), domain="email")("adam")


class TestInvalidToken:
    """Every wrong token raises the same opaque InvalidToken."""

    @pytest.mark.parametrize(
        "token", _altered(TOKEN), ids=lambda t: f"flip-{_altered(TOKEN).index(t)}"
    )
    def test_altered(self, token: str) -> None:
        """Flipping any bit of any byte is detected."""
        self._check(token)

    @pytest.mark.parametrize("size", range(len(TOKEN)))
    def test_truncated(self, size: int) -> None:
        """Every prefix of a token is refused."""
        self._check(TOKEN[:size])

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param(TOKEN + "=" * (-len(TOKEN) % 4 or 4), id="padded"),
            pytest.param(TOKEN.replace("-", "+").replace("_", "/") + "+/", id="standard-alphabet"),
            pytest.param(" " + TOKEN, id="leading-space"),
            pytest.param(TOKEN + "\n", id="newline"),
            pytest.param(TOKEN + "A", id="extra-char"),
            pytest.param("é" + TOKEN, id="non-ascii"),
        ],
    )
    def test_non_canonical(self, token: str) -> None:
        """Other spellings of a token are refused."""
        self._check(token)

    def test_trailing_bits(self) -> None:
        """A last character with non-zero unused bits decodes to the same bytes but is refused."""
        data = base64.urlsafe_b64decode(TOKEN + "=" * (-len(TOKEN) % 4))
        assert len(data) % 3 != 0
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        index = alphabet.index(TOKEN[-1])
        variants = [TOKEN[:-1] + alphabet[index ^ bit] for bit in (1, 2)]
        same_bytes = [
            variant
            for variant in variants
            if base64.urlsafe_b64decode(variant + "=" * (-len(variant) % 4)) == data
        ]
        assert 2 == len(same_bytes)
        for variant in same_bytes:
            self._check(variant)

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"", id="empty"),
            pytest.param(bytes([2, 2]) + b"k1" + bytes(20), id="version-2"),
            pytest.param(bytes([1, 2]) + b"k9" + bytes(20), id="unknown-key"),
            pytest.param(bytes([1, 2]) + b"\xff\xfe" + bytes(20), id="non-ascii-key-id"),
            pytest.param(bytes([1, 40]) + b"k1", id="key-id-overruns"),
            pytest.param(bytes([1, 2]) + b"k1" + bytes(16), id="no-type-byte"),
        ],
    )
    def test_malformed(self, data: bytes) -> None:
        """Wrong versions, unknown keys and short bodies are refused."""
        self._check(base64.urlsafe_b64encode(data).rstrip(b"=").decode())

    @pytest.mark.parametrize(
        "plaintext",
        [
            pytest.param(b"\x01abc", id="unknown-type-byte"),
            pytest.param(b"\x00\xff", id="bad-utf8"),
        ],
    )
    def test_authentic_but_wrong_plaintext(self, plaintext: bytes) -> None:
        """A genuine AES-SIV ciphertext of a plaintext custdata never writes is refused."""
        key = _ring().derive("tokenise", "email", 64, key_id="k1")
        header = bytes([1, 2]) + b"k1"
        data = header + AESSIV(key).encrypt(plaintext, [header])
        self._check(base64.urlsafe_b64encode(data).rstrip(b"=").decode())

    @pytest.mark.parametrize("token", [42, b"AQJrMQ", ["AQ"]])
    def test_not_a_string(self, token: object) -> None:
        """A token that is not a string is refused."""
        self._check(token)

    def _check(self, token: object) -> None:
        with pytest.raises(InvalidToken) as caught:
            _tokenise().reverse(token)
        assert "invalid token" == str(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__ or caught.value.__context__ is None


class TestReverseMany:
    """Tokenise.reverse_many: whole columns of tokens back to their strings."""

    @given(st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=40))
    def test_round_trip(self, values: list[str | None]) -> None:
        """reverse_many inverts apply_many, None kept, in order."""
        tokenise = _tokenise()
        assert values == tokenise.reverse_many(tokenise.apply_many(values))

    def test_large_column(self) -> None:
        """A column from the batched path, with repeats and None, reverses in order."""
        tokenise = _tokenise()
        values: list[str | None] = [f"client.{i % 1500}@exemple.fr" for i in range(3000)]
        values[7] = None
        assert values == tokenise.reverse_many(tokenise.apply_many(values))

    def test_empty(self) -> None:
        """An empty column gives an empty list."""
        assert [] == _tokenise().reverse_many([])

    def test_after_rotate(self) -> None:
        """Tokens of several key ids in one column all reverse."""
        ring = _ring()
        old = Tokenise(keys=ring, domain="email")
        new = Tokenise(keys=ring.rotate(key_id="k2"), domain="email")
        tokens = [old("a"), new("b"), None, old("c")]
        assert ["a", "b", None, "c"] == new.reverse_many(tokens)

    @pytest.mark.parametrize("bad", [42, b"AQJrMQ", ["AQ"], 1.5])
    def test_not_a_string(self, bad: object) -> None:
        """A value neither a string nor None: a wrong_type TransformError naming its position."""
        tokenise = _tokenise()
        tokens: list[object] = [tokenise("a"), None, bad, tokenise("b")]
        with pytest.raises(TransformError) as caught:
            tokenise.reverse_many(tokens)
        assert "wrong_type" == caught.value.code
        assert "tokenise: token at position 2 is not a string [wrong_type]" == str(caught.value)

    def test_reverse_keeps_invalid_token_for_non_strings(self) -> None:
        """reverse on one value that is not a string still raises the opaque InvalidToken."""
        with pytest.raises(InvalidToken):
            _tokenise().reverse(42)

    @pytest.mark.parametrize("position", [0, 3, 9])
    @pytest.mark.parametrize(
        "change",
        [
            pytest.param(lambda t: _altered(t)[-1], id="bit-flipped"),
            pytest.param(lambda t: t[:-1], id="truncated"),
            pytest.param(lambda t: t + "=", id="padded"),
            pytest.param(lambda _: "", id="empty"),
            pytest.param(lambda _: _tokenise("phone")("x"), id="other-domain"),
        ],
    )
    def test_altered_anywhere(self, position: int, change: Any) -> None:
        """One altered token anywhere raises one opaque InvalidToken naming its position only."""
        tokenise = _tokenise()
        tokens: list[object] = tokenise.apply_many([f"v{i}" for i in range(10)])
        tokens[position] = change(tokens[position])
        with pytest.raises(InvalidToken) as caught:
            tokenise.reverse_many(tokens)
        assert position == caught.value.position
        assert f"invalid token at position {position}" == str(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__ or caught.value.__context__ is None

    def test_repeated_altered_token(self) -> None:
        """An altered token seen twice is reported at its first position."""
        tokenise = _tokenise()
        bad = _altered(tokenise("x"))[5]
        with pytest.raises(InvalidToken) as caught:
            tokenise.reverse_many([tokenise("a"), bad, tokenise("b"), bad])
        assert 1 == caught.value.position

    def test_first_problem_decides(self) -> None:
        """The first bad value in order decides the error: altered token or wrong type."""
        tokenise = _tokenise()
        good = tokenise("a")
        bad = good[:-1]
        with pytest.raises(InvalidToken):
            tokenise.reverse_many([good, bad, 42])
        with pytest.raises(TransformError):
            tokenise.reverse_many([good, 42, bad])

    def test_error_pickles(self) -> None:
        """The InvalidToken of a batch pickles with its position (worker processes send errors)."""
        tokenise = _tokenise()
        with pytest.raises(InvalidToken) as caught:
            tokenise.reverse_many(["AQ"])
        copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301  # our own bytes
        assert (0, "invalid token at position 0") == (copy.position, str(copy))


class TestLongValues:
    """Strings longer than 65 535 UTF-8 bytes go through the batched path too."""

    def test_long_and_short(self) -> None:
        """A batch mixing 70 000-byte strings with short ones gives the reference tokens."""
        tokenise = _tokenise()
        values = [f"v{i}" for i in range(40)] + ["é" * 35_000, "x" * 70_000, "y" * 65_535]
        assert _reference(tokenise, values) == _batched(tokenise, values)


class TestTokeniseKeyId:
    """key_id= makes tokens under a chosen key of the ring; reverse stays strict."""

    def test_old_key_gives_the_old_tokens(self) -> None:
        """After a rotation, key_id= of the old key gives the tokens made before it."""
        ring = _ring()
        values = ["ada@example.org", "", "é" * 3]
        before = Tokenise(keys=ring, domain="email").apply_many(values)
        rotated = ring.rotate(key_id="k2")
        again = Tokenise(keys=rotated, domain="email", key_id="k1")
        assert before == again.apply_many(values)
        assert before == [again(value) for value in values]
        assert before != Tokenise(keys=rotated, domain="email").apply_many(values)
        assert "k1" == again.used_key_id

    def test_batched_path_under_the_old_key(self) -> None:
        """A batch large enough for the batched path gives the reference tokens of key_id."""
        rotated = _ring().rotate(key_id="k2")
        tokenise = Tokenise(keys=rotated, domain="email", key_id="k1")
        values = [f"person{i}@example.org" for i in range(1500)]
        assert _reference(tokenise, values) == _batched(tokenise, values)
        assert Tokenise(keys=_ring(), domain="email").apply_many(values) == tokenise.apply_many(
            values
        )

    def test_reverse_reads_any_key(self) -> None:
        """Tokens of either key reverse, whichever key_id the instance makes tokens with."""
        rotated = _ring().rotate(key_id="k2")
        old = Tokenise(keys=rotated, domain="email", key_id="k1")
        new = Tokenise(keys=rotated, domain="email")
        for maker in (old, new):
            token = maker("ada@example.org")
            assert "ada@example.org" == old.reverse(token) == new.reverse(token)
            assert "ada@example.org" == detokenise(token, rotated, "email")

    def test_reverse_stays_opaque(self) -> None:
        """A token whose key left the ring is the one opaque InvalidToken, key_id or not."""
        rotated = _ring().rotate(key_id="k2")
        token = Tokenise(keys=rotated, domain="email", key_id="k2")("ada@example.org")
        with pytest.raises(InvalidToken) as caught:
            Tokenise(keys=_ring(), domain="email", key_id="k1").reverse(token)
        assert "k2" not in str(caught.value)

    def test_unknown_key_id(self) -> None:
        """A key id not in the ring (or not text) is a KeyRingError, as for Pseudonymise."""
        for key_id in ("k9", "", 7):
            with pytest.raises(KeyRingError):
                Tokenise(keys=_ring(), domain="email", key_id=key_id)  # type: ignore[arg-type]

    def test_pickles_with_its_key_id(self) -> None:
        """A pickled instance keeps its key_id (workers rebuild it from its parameters)."""
        tokenise = Tokenise(keys=_ring().rotate(key_id="k2"), domain="email", key_id="k1")
        copy = pickle.loads(pickle.dumps(tokenise))  # noqa: S301  # our own bytes
        assert tokenise("ada@example.org") == copy("ada@example.org")
        assert "k1" == copy.key_id
