"""
k_anonymise against ARX on the UCI Adult extract ARX's tests use (docs/anonymity.md).

Each case is one of ARX's test cases on its ``data/adult.csv`` with the
non-uniform entropy metric: the settings, the node (one level per
quasi-identifier, in the order of the file's columns) ARX's tests expect,
and the information loss they state for it. The data and ARX's hierarchies
are in tests/data/arx (README.md there says where they come from).
"""

from __future__ import annotations

import collections
import gzip
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from custdata.anonymity import Hierarchy, assess, k_anonymise
from custdata.errors import PrivacyRequirementError

DATA = Path(__file__).parent.parent / "data" / "arx"
COLUMNS = (
    "sex", "age", "race", "marital-status", "education", "native-country", "workclass",
    "occupation", "salary-class",
)  # fmt: skip
WITHOUT_OCCUPATION = tuple(name for name in COLUMNS if name != "occupation")
# ARX's tests the cases are from (src/test/org/deidentifier/arx/test/ in its repository).
K_TEST = "TestDataTransformationsFromFileKAnonymity"
L_TEST = "TestDataTransformationsFromFileLDiversity"
REL = 1e-9  # float tolerance: sums of some 270 000 logarithms, in different orders


class ArxCase(NamedTuple):
    """One of ARX's test cases: its settings, expected node and stated loss."""

    source: str  # ARX's test class
    qis: tuple[str, ...]
    k: int
    suppression: float
    node: tuple[int, ...]
    loss: float  # as ARX's test states it
    l: float | None = None  # noqa: E741  # the model's name: entropy l-diversity of occupation


# ARX's MetricEntropy (k-anonymity cases) and MetricNMEntropy (l-diversity) with
# suppression limits 4 % and 0 %; the practical-monotonicity variants of these
# cases expect the same nodes. Every attribute with a hierarchy is a
# quasi-identifier, but the sensitive one.
CASES = (
    ArxCase(K_TEST, COLUMNS, 5, 0.04, (1, 0, 1, 1, 3, 2, 2, 0, 1), 255559.854557311),
    ArxCase(K_TEST, COLUMNS, 100, 0.04, (1, 1, 1, 1, 3, 2, 2, 1, 1), 379417.3460570992),
    ArxCase(K_TEST, COLUMNS, 5, 0.0, (1, 2, 1, 1, 3, 2, 2, 1, 1), 407289.53889252973),
    ArxCase(K_TEST, COLUMNS, 100, 0.0, (0, 4, 1, 1, 3, 2, 2, 1, 1), 453196.8932458746),
    # Entropy l-diversity implies k = l: a class of fewer than l records has
    # entropy l below l, so k=5 adds nothing to l=5 and lets the search prune.
    ArxCase(L_TEST, WITHOUT_OCCUPATION, 5, 0.0, (1, 1, 1, 1, 3, 2, 2, 1), 324620.5269918695,
            l=5),
)  # fmt: skip


def _case_id(case: ArxCase) -> str:
    model = f"l{case.l:g}" if case.l is not None else f"k{case.k}"
    return f"{model}-{case.suppression:.0%}"


@pytest.fixture(scope="module")
def adult() -> pa.Table:
    """ARX's data/adult.csv, every column read as text (ARX's hierarchies are text)."""
    with gzip.open(DATA / "adult.csv.gz", "rb") as file:
        return pa_csv.read_csv(
            file,
            parse_options=pa_csv.ParseOptions(delimiter=";"),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string())),
        )


@pytest.fixture(scope="module")
def hierarchies() -> dict[str, Hierarchy]:
    """ARX's hierarchies, loaded by Hierarchy.from_csv."""
    return {name: Hierarchy.from_csv(DATA / f"adult_hierarchy_{name}.csv") for name in COLUMNS}


@pytest.fixture(scope="module")
def rows(adult: pa.Table) -> list[dict[str, str]]:
    """The records as plain rows, for the reference computations."""
    return adult.to_pylist()


def _generalised(
    rows: Sequence[Mapping[str, str]],
    hierarchies: Mapping[str, Hierarchy],
    qis: Sequence[str],
    node: Sequence[int],
) -> list[tuple[str | None, ...]]:
    """Each record's labels at the node."""
    labels = {
        name: {value: hierarchies[name].label(value, level) for value in {r[name] for r in rows}}
        for name, level in zip(qis, node, strict=True)
    }
    return [tuple(labels[name][row[name]] for name in qis) for row in rows]


def _suppressed(keys: Sequence[tuple[str | None, ...]], k: int) -> list[bool]:
    """Whether each record is in a class of fewer than k records."""
    sizes = collections.Counter(keys)
    return [sizes[key] < k for key in keys]


def _entropy(
    rows: Sequence[Mapping[str, str]],
    hierarchies: Mapping[str, Hierarchy],
    qis: Sequence[str],
    node: Sequence[int],
    suppressed: Sequence[bool],
) -> float:
    """
    Non-uniform entropy from its definition in docs/anonymity.md, record by record.

    ``-log2(N(v) / N(g))`` per record and quasi-identifier, ``-log2(N(v) / n)``
    for a suppressed record; the counts are over all n records.
    """
    n = len(rows)
    terms = []
    for name, level in zip(qis, node, strict=True):
        hierarchy = hierarchies[name]
        original = collections.Counter(row[name] for row in rows)
        label = {value: hierarchy.label(value, level) for value in original}
        general = collections.Counter()
        for value, count in original.items():
            general[label[value]] += count
        for row, out in zip(rows, suppressed, strict=True):
            value = row[name]
            terms.append(-math.log2(original[value] / (n if out else general[label[value]])))
    return math.fsum(terms)


class TestArxAdult:
    """The node k_anonymise chooses loses no more than the one ARX's tests expect."""

    def test_the_extract(self, adult: pa.Table) -> None:
        """The data is ARX's extract: 30 162 records of its nine columns."""
        assert COLUMNS == tuple(adult.column_names)
        assert 30_162 == adult.num_rows

    @pytest.mark.parametrize("case", CASES, ids=_case_id)
    def test_arx_loss_is_ours_without_suppression(
        self,
        case: ArxCase,
        rows: list[dict[str, str]],
        hierarchies: dict[str, Hierarchy],
    ) -> None:
        """ARX's stated loss is our entropy at its node with no record counted as suppressed."""
        nobody = [False] * len(rows)
        ours = _entropy(rows, hierarchies, case.qis, case.node, nobody)
        assert case.loss == pytest.approx(ours, rel=REL)

    @pytest.mark.parametrize("case", CASES, ids=_case_id)
    def test_arx_node_meets_the_request(
        self,
        case: ArxCase,
        adult: pa.Table,
        rows: list[dict[str, str]],
        hierarchies: dict[str, Hierarchy],
    ) -> None:
        """ARX's node, released with its small classes removed, meets k and l under assess."""
        keys = _generalised(rows, hierarchies, case.qis, case.node)
        suppressed = _suppressed(keys, case.k)
        assert sum(suppressed) <= math.floor(case.suppression * len(rows))
        kept = [key for key, out in zip(keys, suppressed, strict=True) if not out]
        release = {name: [key[i] for key in kept] for i, name in enumerate(case.qis)}
        sensitive = [name for name in COLUMNS if name not in case.qis]
        for name in sensitive:
            column = adult.column(name).to_pylist()
            release[name] = [v for v, out in zip(column, suppressed, strict=True) if not out]
        report = assess(pa.table(release), case.qis, sensitive=sensitive)
        assert case.k <= report.k
        if case.l is not None:
            assert case.l <= report.sensitive[0].entropy_l

    @pytest.mark.parametrize("case", CASES, ids=_case_id)
    def test_custdata_loses_no_more(
        self,
        case: ArxCase,
        adult: pa.Table,
        rows: list[dict[str, str]],
        hierarchies: dict[str, Hierarchy],
    ) -> None:
        """custdata's node ties ARX's under our metric, and is no better under ARX's."""
        sensitive = "occupation" if case.l is not None else None
        release = k_anonymise(
            adult,
            case.qis,
            {name: hierarchies[name] for name in case.qis},
            k=case.k,
            sensitive=sensitive,
            l=case.l,
            l_variant="entropy",
            max_suppression=case.suppression,
            metric="entropy",
            suppressed="remove",
        )
        chosen = tuple(release.levels[name] for name in case.qis)
        ours_at_chosen = _entropy(
            rows,
            hierarchies,
            case.qis,
            chosen,
            _suppressed(_generalised(rows, hierarchies, case.qis, chosen), case.k),
        )
        ours_at_arx = _entropy(
            rows,
            hierarchies,
            case.qis,
            case.node,
            _suppressed(_generalised(rows, hierarchies, case.qis, case.node), case.k),
        )
        assert ours_at_chosen == pytest.approx(release.information_loss, rel=REL)
        # A tie (any node tied at the optimum is right), or better under our metric.
        assert release.information_loss <= ours_at_arx * (1 + REL)
        # ARX's metric leaves suppression out: there ARX's node is the optimum.
        nobody = [False] * len(rows)
        arx_at_chosen = _entropy(rows, hierarchies, case.qis, chosen, nobody)
        assert case.loss <= arx_at_chosen * (1 + REL)

    def test_no_node_is_entropy_100_diverse(self, adult: pa.Table) -> None:
        """As ARX expects, no node gives entropy l = 100 of occupation without suppression."""
        qis = WITHOUT_OCCUPATION
        with pytest.raises(PrivacyRequirementError, match="l not met"):
            k_anonymise(
                adult,
                qis,
                {name: Hierarchy.from_csv(DATA / f"adult_hierarchy_{name}.csv") for name in qis},
                k=5,
                sensitive="occupation",
                l=100,
                l_variant="entropy",
                max_suppression=0,
            )
