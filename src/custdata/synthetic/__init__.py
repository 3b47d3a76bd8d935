"""
Realistic fake customer data, with the ground truth of what is wrong in it.

`generate` returns contacts, purchases, consents and feedback in memory,
`generate_contacts` the contacts alone, and `iter_batches` yields the same data
batch by batch, so a million contacts never
sit in memory at once; `custdata.io.write_synthetic` streams it to CSV or
Parquet files (the file layer sits above this package).
A controlled share of contacts carries a spoiled value (a bad email, a phone in
local format, stray spaces, wrong case) or is a near-duplicate of another
(typo, swapped names, initial, other email or phone format); the ground truth
lists both.

No value reaches a real person: emails use the domains reserved for examples
(RFC 2606 and RFC 6761) and phone numbers the ranges regulators reserve for
fiction (see docs/synthetic.md). Output is identical for the same arguments,
custdata version and Faker version; the manifest records both versions.

Needs the ``synthetic`` extra (Faker): ``pip install 'custdata[synthetic]'``.
Faker loads when data is first generated, not on import.
"""

from __future__ import annotations

from typing import Final

from custdata.synthetic._dataset import (
    CommentPii,
    DirtyValue,
    DuplicateLink,
    GroundTruth,
    Manifest,
    SyntheticDataset,
)
from custdata.synthetic._generate import (
    DEFAULT_SEED,
    DEFAULT_TODAY,
    FILES,
    generate,
    generate_contacts,
    iter_batches,
)
from custdata.synthetic._locales import LOCALES as _PROFILES

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TODAY",
    "DIRTY_KINDS",
    "FILES",
    "LOCALES",
    "VARIATIONS",
    "CommentPii",
    "DirtyValue",
    "DuplicateLink",
    "GroundTruth",
    "Manifest",
    "SyntheticDataset",
    "generate",
    "generate_contacts",
    "iter_batches",
]

LOCALES: Final[tuple[str, ...]] = tuple(sorted(_PROFILES))
"""The supported locales."""

DIRTY_KINDS: Final[dict[str, str | None]] = {
    "invalid_email": "invalid_email",
    "invalid_phone": "invalid_phone",
    "phone_format": None,
    "stray_spaces": None,
    "wrong_case": None,
}
"""Kinds of spoiled values and the validation issue code each should produce (``None``: fixed
silently by normalisation)."""

VARIATIONS: Final[tuple[str, ...]] = (
    "typo",
    "swapped_names",
    "initial",
    "phone_format",
    "other_email",
)
"""How a near-duplicate contact may differ from its original."""
