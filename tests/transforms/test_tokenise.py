"""Tests of custdata.transforms.tokenise: AES-SIV vectors, tokens and their reversal."""

from __future__ import annotations

import base64
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from custdata import _crypto
from custdata.errors import InvalidToken, TransformError
from custdata.keys import KeyRing
from custdata.transforms import tokenise as tokenise_module
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
        assert "unencodable" == caught.value.code

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
        key = _crypto.derive_key(_ring(), "tokenise", "email", 64, key_id="k1")
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
