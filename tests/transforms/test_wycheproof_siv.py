"""AES-SIV on the Wycheproof AES-SIV-CMAC vectors (excerpts in tests/vectors/wycheproof)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from custdata.transforms._siv import SivBatch

VECTORS = Path(__file__).parent.parent / "vectors" / "wycheproof"


def _cases(name: str, prefix: str) -> list[Any]:
    document = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return [
        pytest.param(test, id=f"{prefix}-tc{test['tcId']}")
        for group in document["testGroups"]
        for test in group["tests"]
    ]


DAEAD = _cases("aes_siv_cmac_test.json", "siv")
"""DaeadTest: one associated-data component (aad); ct is the SIV followed by the ciphertext."""
AEAD = _cases("aead_aes_siv_cmac_test.json", "aead-siv")
"""AeadTest: associated data aad then nonce iv (RFC 5297 section 3); the tag is the SIV."""


def _split(case: dict[str, Any]) -> tuple[bytes, list[bytes], bytes, bytes]:
    """Key, associated-data components, plaintext, and IV || C as AESSIV writes it."""
    key, msg = bytes.fromhex(case["key"]), bytes.fromhex(case["msg"])
    if "iv" in case:
        data = [bytes.fromhex(case["aad"]), bytes.fromhex(case["iv"])]
        return key, data, msg, bytes.fromhex(case["tag"]) + bytes.fromhex(case["ct"])
    return key, [bytes.fromhex(case["aad"])], msg, bytes.fromhex(case["ct"])


def _batch(key: bytes, data: list[bytes], msg: bytes, copies: int = 3) -> list[bytes]:
    """SivBatch.encrypt_array over copies of one plaintext, back to IV || C bytes."""
    np = pytest.importorskip("numpy")
    width = 16 * max(1, -(-len(msg) // 16))
    rows = np.zeros((copies, width), np.uint8)
    rows[:, : len(msg)] = np.frombuffer(msg, np.uint8)
    ivs, ciphertexts = SivBatch(key, data).encrypt_array(rows, len(msg))
    return [bytes(ivs[i]) + bytes(ciphertexts[i, : len(msg)]) for i in range(copies)]


def _valid(cases: list[Any]) -> list[Any]:
    return [p for p in cases if "valid" == p.values[0]["result"]]


def _invalid(cases: list[Any]) -> list[Any]:
    return [p for p in cases if "invalid" == p.values[0]["result"]]


class TestWycheproofSivFiles:
    """The excerpts are what their README says."""

    @pytest.mark.parametrize(
        ("name", "algorithm"),
        [
            ("aes_siv_cmac_test.json", "AES-SIV-CMAC"),
            ("aead_aes_siv_cmac_test.json", "AEAD-AES-SIV-CMAC"),
        ],
    )
    def test_files(self, name: str, algorithm: str) -> None:
        """Both files are there, named in the README, and hold valid cases."""
        document = json.loads((VECTORS / name).read_text(encoding="utf-8"))
        assert algorithm == document["algorithm"]
        assert name in (VECTORS / "README.md").read_text(encoding="utf-8")
        assert any(t["result"] == "valid" for g in document["testGroups"] for t in g["tests"])


class TestWycheproofSiv:
    """Valid cases match AESSIV and SivBatch both ways; invalid ones are refused."""

    @pytest.mark.parametrize("case", _valid(DAEAD + AEAD))
    def test_aessiv(self, case: dict[str, Any]) -> None:
        """cryptography's AESSIV encrypts to the published output and decrypts it back."""
        key, data, msg, expected = _split(case)
        assert expected == AESSIV(key).encrypt(msg, data)
        assert msg == AESSIV(key).decrypt(expected, data)

    @pytest.mark.parametrize("case", _valid(DAEAD + AEAD))
    def test_siv_batch(self, case: dict[str, Any]) -> None:
        """SivBatch.encrypt_array gives the published output for every row."""
        key, data, msg, expected = _split(case)
        assert [expected] * 3 == _batch(key, data, msg)

    @pytest.mark.parametrize("case", _invalid(DAEAD + AEAD))
    def test_refused(self, case: dict[str, Any]) -> None:
        """AESSIV.decrypt refuses a modified tag."""
        key, data, _, output = _split(case)
        with pytest.raises(InvalidTag):
            AESSIV(key).decrypt(output, data)
