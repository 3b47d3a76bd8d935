"""
Measuring how identifiable a dataset is, and generalisation hierarchies.

`assess` measures a table against the quasi-identifiers an attacker could
know: k-anonymity and the sizes of the equivalence classes, the share of
unique records, prosecutor, journalist and marketer re-identification risk,
k-map against a population, and distinct and entropy l-diversity and
t-closeness of sensitive attributes. The `RiskReport` states what was
measured against which quasi-identifiers, and holds counts and class sizes,
never a record's values. `Hierarchy` builds the generalisation hierarchies
(numbers, dates, postal codes, French departments, user trees) on the labels
of `custdata.transforms.labels`. `k_anonymise` (global recoding with
suppression) finds the least lossy release that meets a requirement of k, l
and t, as a `Release`; `mondrian` does the same by local recoding.

Needs the ``arrow`` extra (pyarrow and numpy), imported on first use, never
on import: ``pip install 'custdata[arrow]'``. See docs/anonymity.md.
"""

from __future__ import annotations

from custdata.anonymity._assess import assess
from custdata.anonymity._global import k_anonymise
from custdata.anonymity._mondrian import mondrian
from custdata.anonymity._release import Release
from custdata.anonymity._report import Risk, RiskReport, SensitiveReport
from custdata.anonymity.hierarchy import Hierarchy

__all__ = [
    "Hierarchy",
    "Release",
    "Risk",
    "RiskReport",
    "SensitiveReport",
    "assess",
    "k_anonymise",
    "mondrian",
]
