"""
Write tokens_v1.json: Tokenise tokens, kept to prove that later code makes the same bytes.

Run from the repository root:
``PYTHONPATH=src python tests/vectors/custdata_tokens/make_tokens_v1.py``.
It uses public API only (``Tokenise.__call__`` and ``Tokenise.apply_many``) and
refuses to write unless both give the same tokens. The values are stored with
their tokens, so this script is a record of how the file was made: the test
(tests/transforms/test_token_sample.py) reads the file, never this script.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from custdata import __version__
from custdata.keys import KeyRing
from custdata.transforms.tokenise import Tokenise

HERE = Path(__file__).resolve().parent
MASTER_KEY = bytes(range(32))
DOMAIN = "email"
# Two key ids of different lengths put the IV at different offsets of a token's bytes.
SETS = (("k1", 3), ("key-2024-01", 1))
MAX_BYTES = 200
# One to four UTF-8 bytes per character; NUL and a newline are valid text too.
CHARS = ("a", "Z", "7", "@", ".", " ", "\x00", "\n", "é", "ß", "€", "中", "😀", "\U0001d518")


def _value(rng: random.Random, size: int, variant: int) -> str:
    """A string of exactly ``size`` UTF-8 bytes: ASCII-only for variant 0, mixed otherwise."""
    chars: list[str] = []
    used = 0
    while used < size:
        pool = CHARS[:6] if variant == 0 else CHARS
        char = rng.choice([c for c in pool if len(c.encode()) <= size - used])
        chars.append(char)
        used += len(char.encode())
    return "".join(chars)


def _values(variants: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    values = [
        _value(rng, size, variant) for size in range(MAX_BYTES + 1) for variant in range(variants)
    ]
    # Distinct values only: the file maps each value to its token.
    return list(dict.fromkeys(values))


def fillers(count: int) -> list[str]:
    """Distinct values, none of them in a set, that make a batch of ``count`` values 2 100 long."""
    return [f"filler.{number}@example.org" for number in range(2100 - count)]


def main() -> None:
    """Make every set twice (one value at a time, and as one batch), compare, write."""
    sets = []
    for number, (key_id, variants) in enumerate(SETS):
        tokenise = Tokenise(
            keys=KeyRing.from_mapping({key_id: MASTER_KEY}, active=key_id), domain=DOMAIN
        )
        values = _values(variants, seed=20261207 + number)
        one_by_one = [tokenise(value) for value in values]
        batch = tokenise.apply_many(values)
        # Within a batch of more than 2 048 distinct values too: batch paths that
        # start above the set's size take it.
        large = tokenise.apply_many(values + fillers(len(values)))[: len(values)]
        if not one_by_one == batch == large:
            raise SystemExit("Tokenise.apply_many and Tokenise.__call__ disagree: nothing written")
        sets.append(
            {
                "key_id": key_id,
                "pairs": [[value, token] for value, token in zip(values, batch, strict=True)],
            }
        )
    document = {
        "description": "Tokenise tokens (format version 1) made by custdata " + __version__,
        "master_key_hex": MASTER_KEY.hex(),
        "domain": DOMAIN,
        "sets": sets,
    }
    # One pair a line: a changed token shows as one changed line.
    text = json.dumps(document, ensure_ascii=False, indent=1)
    text = re.sub(r'\[\n  +("(?:[^"\\]|\\.)*"),\n  +("[A-Za-z0-9_-]+")\n  +\]', r"[\1, \2]", text)
    if json.loads(text) != document:
        raise SystemExit("the one-pair-a-line layout changed the document: nothing written")
    (HERE / "tokens_v1.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
