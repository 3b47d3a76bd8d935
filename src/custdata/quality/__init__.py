"""
Duplicate contacts: find them at scale, explain each match, merge them.

`find_duplicates` proposes candidate pairs by blocking (contacts sharing a
normalised email, an E.164 phone, a French phonetic key of a name with the
other's initial and the postal code, a birth date with the initials or with
the postal code, or a street with the postal code), compares each pair field by
field, weighs the comparison the Fellegi-Sunter way with parameters estimated
from the data, and groups the matches into clusters guarded against chaining.
`merge` turns a cluster into one golden record with the lineage of each field;
consents follow through `custdata.consent.merge_consents`.

Needs the ``quality`` extra (rapidfuzz): ``pip install 'custdata[quality]'``.
It is imported when pairs are first compared, not on import.
See docs/duplicates.md.
"""

from __future__ import annotations

from custdata.quality._compare import FIELDS, LEVELS, Prepared, compare, prepare
from custdata.quality._find import (
    DEFAULT_RULES,
    BlockingRule,
    DuplicateResult,
    FieldComparison,
    MatchedPair,
    SkippedBlock,
    find_duplicates,
)
from custdata.quality._merge import (
    MERGED_FIELDS,
    STRATEGIES,
    Merged,
    MergeRules,
    Strategy,
    merge,
    oldest_survivor,
    repoint,
)
from custdata.quality._model import MatchModel
from custdata.quality._phonetic import fold, french_phonetic

__all__ = [
    "DEFAULT_RULES",
    "FIELDS",
    "LEVELS",
    "MERGED_FIELDS",
    "STRATEGIES",
    "BlockingRule",
    "DuplicateResult",
    "FieldComparison",
    "MatchModel",
    "MatchedPair",
    "MergeRules",
    "Merged",
    "Prepared",
    "SkippedBlock",
    "Strategy",
    "compare",
    "find_duplicates",
    "fold",
    "french_phonetic",
    "merge",
    "oldest_survivor",
    "prepare",
    "repoint",
]
