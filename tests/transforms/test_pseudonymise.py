"""Pseudonymise: the documented construction, determinism, rotation and parameters."""

from __future__ import annotations

import hashlib
import hmac
import pickle
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import KeyRing, KeyRingError, Pseudonymise, TransformError
from custdata.transforms import base

SECRET = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
RING = KeyRing.from_mapping({"k1": SECRET}, active="k1")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "transforms.md"


def _hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def _documented(master: bytes, key_id: str, domain: str, value: str, bits: int = 128) -> str:
    """The construction as docs/transforms.md states it, with hmac and hashlib only."""
    info = b"pseudonymise" + b"\x00" + unicodedata.normalize("NFC", domain).encode("utf-8")
    key = _hkdf_sha256(master, b"custdata/v1", info, 32)
    tag = hmac.new(key, unicodedata.normalize("NFC", value).encode("utf-8"), hashlib.sha256)
    return "pse_" + key_id + "_" + tag.digest()[: bits // 8].hex()


class TestConstruction:
    """The pseudonym is exactly the documented construction."""

    def test_docs_state_the_construction(self) -> None:
        """docs/transforms.md names every input of the construction."""
        text = DOCS.read_text("utf-8")
        for phrase in (
            'salt=b"custdata/v1"',
            'b"pseudonymise" + b"\\x00"',
            "HMAC-SHA256",
            ".hex()",
        ):
            assert phrase in text

    @given(value=st.text(), domain=st.text(min_size=1))
    def test_recomputed_from_docs(self, value: str, domain: str) -> None:
        """A pseudonym recomputed from the documented text with hmac/hashlib is equal."""
        assert _documented(SECRET, "k1", domain, value) == Pseudonymise(keys=RING, domain=domain)(
            value
        )

    def test_pinned_value(self) -> None:
        """A pinned pseudonym: changing it is a breaking change."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        expected = _documented(SECRET, "k1", "email", "jean.dupont@example.fr")
        assert expected == pseudo("jean.dupont@example.fr")
        assert 7 + 32 == len(expected)

    def test_nfc(self) -> None:
        """Composed and decomposed spellings give the same pseudonym."""
        pseudo = Pseudonymise(keys=RING, domain="name")
        assert pseudo("Hélène") == pseudo("He\u0301le\u0300ne")

    def test_domains_separate(self) -> None:
        """The same value in two domains gives unrelated pseudonyms."""
        a = Pseudonymise(keys=RING, domain="email")("x")
        b = Pseudonymise(keys=RING, domain="login")("x")
        assert a[-32:] != b[-32:]

    def test_bits_and_prefix(self) -> None:
        """bits and prefix shape the output."""
        pseudo = Pseudonymise(keys=RING, domain="d", prefix="c-", bits=256)
        assert _documented(SECRET, "k1", "d", "v", 256).replace("pse_", "c-") == pseudo("v")

    def test_across_processes(self) -> None:
        """Another interpreter computes the same pseudonym (no per-process salt)."""
        code = (
            "from custdata import KeyRing, Pseudonymise;"
            f"r = KeyRing.from_mapping({{'k1': {SECRET!r}}}, active='k1');"
            "print(Pseudonymise(keys=r, domain='email')('jean.dupont@example.fr'))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        expected = Pseudonymise(keys=RING, domain="email")("jean.dupont@example.fr")
        assert expected == done.stdout.strip()


class TestParameters:
    """Parameters are checked at construction."""

    @pytest.mark.parametrize("bits", [0, 64, 120, 129, 264, True])
    def test_bad_bits(self, bits: int) -> None:
        """Fewer than 128 bits, or not whole bytes, are refused."""
        with pytest.raises(ValueError, match="bits"):
            Pseudonymise(keys=RING, domain="d", bits=bits)

    def test_unsafe_short(self) -> None:
        """Shorter pseudonyms only with unsafe_allow_short, and never below 32 bits."""
        short = Pseudonymise(keys=RING, domain="d", bits=64, unsafe_allow_short=True)
        assert 7 + 16 == len(short("v"))
        with pytest.raises(ValueError, match="bits"):
            Pseudonymise(keys=RING, domain="d", bits=24, unsafe_allow_short=True)

    @pytest.mark.parametrize("prefix", ["with space", "é", "x" * 17, "a:b"])
    def test_bad_prefix(self, prefix: str) -> None:
        """Prefixes are short and safe."""
        with pytest.raises(ValueError, match="prefix"):
            Pseudonymise(keys=RING, domain="d", prefix=prefix)

    def test_empty_domain(self) -> None:
        """An empty domain is refused."""
        with pytest.raises(ValueError, match="domain"):
            Pseudonymise(keys=RING, domain="")

    def test_keys_must_be_a_ring(self) -> None:
        """Raw bytes are not a key ring."""
        with pytest.raises(TypeError, match="KeyRing"):
            Pseudonymise(keys=SECRET, domain="d")  # type: ignore[arg-type]

    def test_unknown_key_id(self) -> None:
        """An unknown key id fails at construction."""
        with pytest.raises(KeyRingError, match="unknown key id"):
            Pseudonymise(keys=RING, domain="d", key_id="k9")


class TestValues:
    """What Pseudonymise accepts."""

    @pytest.mark.parametrize("value", [42, 4.2, b"bytes", True, ["x"]])
    def test_wrong_type(self, value: object) -> None:
        """Only strings are pseudonymised."""
        with pytest.raises(TransformError) as info:
            Pseudonymise(keys=RING, domain="d")(value)
        assert ("pseudonymise", "wrong_type") == (info.value.transform, info.value.code)

    def test_surrogates(self) -> None:
        """Unpaired surrogates raise invalid_text, alone or in a batch."""
        pseudo = Pseudonymise(keys=RING, domain="d")
        with pytest.raises(TransformError, match="invalid_text"):
            pseudo("a\ud800")
        with pytest.raises(TransformError, match="invalid_text"):
            pseudo.apply_many(["ok", "a\ud800"])

    def test_zero_bytes_in_batches(self) -> None:
        """Values holding U+0000 give the same pseudonyms alone and in batches."""
        pseudo = Pseudonymise(keys=RING, domain="d")
        values = ["a\x00b", "a", "\x00", "", "a\x00b"]
        assert [pseudo(v) for v in values] == pseudo.apply_many(values)

    def test_pickle(self) -> None:
        """A pickled instance gives the same pseudonyms."""
        pseudo = Pseudonymise(keys=RING, domain="d")
        copy = pickle.loads(pickle.dumps(pseudo))  # noqa: S301  # our own bytes
        assert pseudo("v") == copy("v")

    def test_workers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """apply_many with workers=2 or 3 equals the per-value loop."""
        monkeypatch.setattr(base, "_MIN_PARALLEL", 10)
        pseudo = Pseudonymise(keys=RING, domain="d")
        values: list[object] = [f"v{i % 97}" for i in range(500)] + [None, "é"]
        expected = [pseudo(v) for v in values]
        assert expected == pseudo.apply_many(values, workers=2)
        assert expected == pseudo.apply_many(values, workers=3)

    def test_workers_must_be_positive(self) -> None:
        """workers below 1 is a programming error."""
        with pytest.raises(ValueError, match="workers"):
            Pseudonymise(keys=RING, domain="d").apply_many(["v"], workers=0)


class TestRotation:
    """Rotation and re-keying."""

    def test_new_key_after_rotation(self) -> None:
        """After rotate, pseudonyms carry the new key id and change."""
        rotated = RING.rotate(key_id="k2")
        old = Pseudonymise(keys=RING, domain="d")("v")
        new = Pseudonymise(keys=rotated, domain="d")("v")
        assert old.startswith("pse_k1_")
        assert new.startswith("pse_k2_")
        assert old == Pseudonymise(keys=rotated, domain="d", key_id="k1")("v")

    def test_repseudonymise(self) -> None:
        """repseudonymise maps old pseudonyms to the rotated key's, given the originals."""
        rotated = RING.rotate(key_id="k2")
        values = ["a", "b", "a"]
        old = Pseudonymise(keys=RING, domain="d").apply_many(values)
        current = Pseudonymise(keys=rotated, domain="d")
        mapping = current.repseudonymise(values)
        assert current.apply_many(values) == [mapping[str(p)] for p in old]
        assert 2 == len(mapping)

    def test_repseudonymise_from_given_keys(self) -> None:
        """from_key_ids limits the old keys considered."""
        ring = RING.rotate(key_id="k2").rotate(key_id="k3")
        mapping = Pseudonymise(keys=ring, domain="d").repseudonymise(["v"], from_key_ids=["k2"])
        assert [k[:7] for k in mapping] == ["pse_k2_"]
