"""FF1 on the Wycheproof AES-FF1 vectors (excerpts in tests/vectors/wycheproof, see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.transforms.ff1_reference import MIN_DOMAIN, ff1_decrypt, ff1_encrypt

from custdata.transforms.fpe import FF1

VECTORS = Path(__file__).parent.parent / "vectors" / "wycheproof"


def _cases(pattern: str, prefix: str) -> list[Any]:
    """One pytest param per test case of the files matching pattern, with its group folded in."""
    params = []
    for path in sorted(VECTORS.glob(pattern)):
        document = json.loads(path.read_text(encoding="utf-8"))
        for group in document["testGroups"]:
            for test in group["tests"]:
                case = {**test, "radix": group["radix"], "keySize": group["keySize"]}
                if "alphabet" in group:
                    case["alphabet"] = group["alphabet"]
                params.append(pytest.param(case, id=f"{prefix}{group['radix']}-tc{test['tcId']}"))
    return params


LIST_CASES = _cases("aes_ff1_radix*_test.json", "radix")
"""FpeListTest: messages are lists of numerals."""
STR_CASES = _cases("aes_ff1_base*_test.json", "base")
"""FpeStrTest: messages are strings over the group's alphabet."""


def _numerals(case: dict[str, Any], field: str) -> list[int]:
    """The message or ciphertext as numerals; a string is read through the alphabet."""
    value = case[field]
    if "alphabet" not in case:
        return list(value)
    alphabet = case["alphabet"]
    if any(character not in alphabet for character in value):
        msg = "a character is not in the alphabet"
        raise ValueError(msg)
    return [alphabet.index(character) for character in value]


def _text(case: dict[str, Any], numerals: list[int]) -> str | list[int]:
    """Numerals in the case's own form: a string over the alphabet, or the list itself."""
    if "alphabet" not in case:
        return numerals
    return "".join(case["alphabet"][numeral] for numeral in numerals)


def _repeated(alphabet: str) -> set[str]:
    """Characters that stand at two places of an alphabet (base85's has two, upstream)."""
    return {character for character in alphabet if alphabet.count(character) > 1}


def _readable(cases: list[Any], *fields: str) -> list[Any]:
    """The cases whose fields read back to one numeral string each (no repeated character)."""
    return [
        p
        for p in cases
        if not any(
            set(p.values[0][field]) & _repeated(p.values[0].get("alphabet", "")) for field in fields
        )
    ]


def _with(flag: str, *, result: str, cases: list[Any] = LIST_CASES + STR_CASES) -> list[Any]:
    return [p for p in cases if flag in p.values[0]["flags"] and result == p.values[0]["result"]]


def _rev1_valid(cases: list[Any]) -> list[Any]:
    """Valid cases whose domain meets SP 800-38G Rev. 1 (radix ** n >= 1 000 000)."""
    return [
        p
        for p in cases
        if p.values[0]["result"] == "valid"
        and p.values[0]["radix"] ** len(p.values[0]["msg"]) >= MIN_DOMAIN
    ]


VALID = _rev1_valid(LIST_CASES + STR_CASES)


class TestWycheproofFiles:
    """The excerpts are what their README says."""

    def test_files(self) -> None:
        """Every FF1 excerpt is there and holds cases."""
        assert len(LIST_CASES) > 0
        assert len(STR_CASES) > 0
        for path in VECTORS.glob("aes_ff1_*_test.json"):
            document = json.loads(path.read_text(encoding="utf-8"))
            assert "AES-FF1" == document["algorithm"]
            assert path.name in (VECTORS / "README.md").read_text(encoding="utf-8")

    def test_flags_covered(self) -> None:
        """The excerpts hold every kind of case Wycheproof has for FF1."""
        flags = {flag for p in LIST_CASES + STR_CASES for flag in p.values[0]["flags"]}
        assert {
            "EdgeCasePrf",
            "EdgeCaseState",
            "InvalidKeySize",
            "InvalidMessageSize",
            "InvalidPlaintext",
            "LargeMessageSize",
            "NormalMessageSize",
            "SmallMessageSize",
        } == flags

    def test_repeated_alphabet_characters(self) -> None:
        """Only base85's alphabet repeats characters (t, _): its strings are read one way only."""
        repeated = {
            p.values[0]["radix"]: _repeated(p.values[0]["alphabet"])
            for p in STR_CASES
            if _repeated(p.values[0]["alphabet"])
        }
        assert {85: {"t", "_"}} == repeated

    def test_message_sizes(self) -> None:
        """Each message has its group's declared size (a check of the copy)."""
        for path in VECTORS.glob("aes_ff1_*_test.json"):
            document = json.loads(path.read_text(encoding="utf-8"))
            for group in document["testGroups"]:
                assert all(group["msgSize"] == len(t["msg"]) for t in group["tests"])


class TestWycheproofValid:
    """Valid cases: FF1 encrypts and decrypts to the published values."""

    @pytest.mark.parametrize("case", _readable(VALID, "msg"))
    def test_encrypt(self, case: dict[str, Any]) -> None:
        """encrypt gives ct."""
        ff1 = FF1(bytes.fromhex(case["key"]), case["radix"])
        encrypted = ff1.encrypt(_numerals(case, "msg"), bytes.fromhex(case["tweak"]))
        assert case["ct"] == _text(case, encrypted)

    @pytest.mark.parametrize("case", _readable(VALID, "ct"))
    def test_decrypt(self, case: dict[str, Any]) -> None:
        """decrypt gives msg."""
        ff1 = FF1(bytes.fromhex(case["key"]), case["radix"])
        decrypted = ff1.decrypt(_numerals(case, "ct"), bytes.fromhex(case["tweak"]))
        assert case["msg"] == _text(case, decrypted)

    @pytest.mark.parametrize("case", _readable(VALID, "msg", "ct"))
    def test_batched(self, case: dict[str, Any]) -> None:
        """encrypt_many and decrypt_many give the same, next to other values."""
        ff1 = FF1(bytes.fromhex(case["key"]), case["radix"])
        tweak = bytes.fromhex(case["tweak"])
        msg, ct = _numerals(case, "msg"), _numerals(case, "ct")
        other = [0] * len(msg)
        assert [ct, ff1.encrypt(other, tweak), ct] == ff1.encrypt_many([msg, other, msg], tweak)
        assert [msg, msg] == ff1.decrypt_many([ct, ct], tweak)

    @pytest.mark.parametrize("case", _readable(_with("SmallMessageSize", result="valid"), "msg"))
    def test_legacy_domain(self, case: dict[str, Any]) -> None:
        """FF1 refuses what only the 2016 text allowed; the reference, told so, gives ct."""
        key, radix, tweak = bytes.fromhex(case["key"]), case["radix"], bytes.fromhex(case["tweak"])
        msg = _numerals(case, "msg")
        encrypted = ff1_encrypt(key, radix, tweak, msg, legacy_domain=True)
        assert case["ct"] == _text(case, encrypted)
        assert msg == ff1_decrypt(key, radix, tweak, encrypted, legacy_domain=True)
        with pytest.raises(ValueError, match="too short"):
            FF1(key, radix).encrypt(msg, tweak)
        with pytest.raises(ValueError, match="too short"):
            FF1(key, radix).decrypt_many([encrypted], tweak)

    @pytest.mark.parametrize("case", _readable(VALID, "msg"))
    def test_reference(self, case: dict[str, Any]) -> None:
        """The by-the-spec reference gives the published values too."""
        key, radix, tweak = bytes.fromhex(case["key"]), case["radix"], bytes.fromhex(case["tweak"])
        msg = _numerals(case, "msg")
        encrypted = ff1_encrypt(key, radix, tweak, msg)
        assert case["ct"] == _text(case, encrypted)
        assert msg == ff1_decrypt(key, radix, tweak, encrypted)


class TestWycheproofInvalid:
    """Invalid cases: FF1 refuses them with ValueError."""

    @pytest.mark.parametrize("case", _with("InvalidMessageSize", result="invalid"))
    def test_message_size(self, case: dict[str, Any]) -> None:
        """Messages below both the 2016 and the Rev. 1 minimum are refused, single and batched."""
        ff1 = FF1(bytes.fromhex(case["key"]), case["radix"])
        tweak = bytes.fromhex(case["tweak"])
        msg = _numerals(case, "msg")
        with pytest.raises(ValueError, match="too short"):
            ff1.encrypt(msg, tweak)
        with pytest.raises(ValueError, match="too short"):
            ff1.decrypt(msg, tweak)
        with pytest.raises(ValueError, match="too short"):
            ff1.encrypt_many([msg, msg], tweak)

    @pytest.mark.parametrize("case", _with("InvalidKeySize", result="invalid"))
    def test_key_size(self, case: dict[str, Any]) -> None:
        """Keys of other sizes than 128, 192 and 256 bits are refused at construction."""
        assert case["keySize"] not in (128, 192, 256)
        with pytest.raises(ValueError, match="16, 24 or 32"):
            FF1(bytes.fromhex(case["key"]), case["radix"])

    @pytest.mark.parametrize("case", _with("InvalidPlaintext", result="invalid", cases=LIST_CASES))
    def test_plaintext_numerals(self, case: dict[str, Any]) -> None:
        """A numeral outside range(radix) is refused, single and batched."""
        ff1 = FF1(bytes.fromhex(case["key"]), case["radix"])
        tweak = bytes.fromhex(case["tweak"])
        with pytest.raises(ValueError, match="out of range"):
            ff1.encrypt(case["msg"], tweak)
        with pytest.raises(ValueError, match="out of range"):
            ff1.encrypt_many([case["ct"], case["msg"]], tweak)

    @pytest.mark.parametrize("case", _with("InvalidPlaintext", result="invalid", cases=STR_CASES))
    def test_plaintext_characters(self, case: dict[str, Any]) -> None:
        """A character outside the alphabet has no numeral: it never reaches FF1."""
        assert any(character not in case["alphabet"] for character in case["msg"])
        with pytest.raises(ValueError, match="not in the alphabet"):
            _numerals(case, "msg")
