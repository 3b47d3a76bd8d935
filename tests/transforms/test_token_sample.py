"""Tokens stay byte-identical: a stored sample checked against every way a token is made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custdata.keys import KeyRing
from custdata.transforms.tokenise import Tokenise

SAMPLE = Path(__file__).parent.parent / "vectors" / "custdata_tokens" / "tokens_v1.json"


def _load() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return document


DOCUMENT = _load()
SETS = [pytest.param(s, id=s["key_id"]) for s in DOCUMENT["sets"]]


def _tokenise(sample: dict[str, Any]) -> Tokenise:
    key_id = sample["key_id"]
    ring = KeyRing.from_mapping({key_id: bytes.fromhex(DOCUMENT["master_key_hex"])}, active=key_id)
    return Tokenise(keys=ring, domain=DOCUMENT["domain"])


def _values(sample: dict[str, Any]) -> list[str]:
    return [value for value, _ in sample["pairs"]]


def _tokens(sample: dict[str, Any]) -> list[str]:
    return [token for _, token in sample["pairs"]]


class TestTokenSample:
    """tests/vectors/custdata_tokens/tokens_v1.json, made by custdata 0.1.0, is reproduced."""

    def test_covers_lengths(self) -> None:
        """The sample holds every UTF-8 length from 0 to 200 bytes, ASCII and not, NUL included."""
        values = [value for sample in DOCUMENT["sets"] for value in _values(sample)]
        assert set(range(201)) == {len(value.encode("utf-8")) for value in values}
        assert any(not value.isascii() for value in values)
        assert any("\x00" in value for value in values)
        assert all(len(_values(s)) == len(set(_values(s))) for s in DOCUMENT["sets"])

    @pytest.mark.parametrize("sample", SETS)
    def test_one_value_at_a_time(self, sample: dict[str, Any]) -> None:
        """Tokenise.__call__ (cryptography's AESSIV) makes the stored tokens."""
        tokenise = _tokenise(sample)
        assert _tokens(sample) == [tokenise(value) for value in _values(sample)]

    @pytest.mark.parametrize("sample", SETS)
    def test_apply_many(self, sample: dict[str, Any]) -> None:
        """Tokenise.apply_many on the set makes the stored tokens."""
        assert _tokens(sample) == _tokenise(sample).apply_many(_values(sample))

    @pytest.mark.parametrize("sample", SETS)
    def test_apply_many_large_batch(self, sample: dict[str, Any]) -> None:
        """Within a batch of 2 100 distinct values (large-batch paths): the stored tokens."""
        values = _values(sample)
        fillers = [f"filler.{number}@example.org" for number in range(2100 - len(values))]
        tokenise = _tokenise(sample)
        actual = tokenise.apply_many(values + fillers)
        assert _tokens(sample) == actual[: len(values)]
        assert [tokenise(value) for value in fillers] == actual[len(values) :]

    @pytest.mark.parametrize("sample", SETS)
    def test_reverse(self, sample: dict[str, Any]) -> None:
        """Every stored token reverses to its value."""
        tokenise = _tokenise(sample)
        assert _values(sample) == [tokenise.reverse(token) for token in _tokens(sample)]
