"""k_anonymise: every release meets the request, and the optimum equals a brute-force scan."""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.anonymity import reference

from custdata.anonymity import Hierarchy, Release, assess, k_anonymise
from custdata.errors import PrivacyRequirementError

QIS = ("age", "zip", "sex")
HIERARCHIES: dict[str, Hierarchy] = {
    "age": Hierarchy.numbers(widths=(10, 20)),
    "zip": Hierarchy.postcodes(keep=(2, 1)),
    "sex": Hierarchy.from_rows([("f", "*"), ("m", "*")]),
}

rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "age": st.one_of(st.none(), st.integers(18, 60)),
            "zip": st.sampled_from(["75011", "75012", "69001", "13001", "13008"]),
            "sex": st.sampled_from(["f", "m"]),
            "illness": st.sampled_from(["flu", "cold", "cancer"]),
        }
    ),
    min_size=1,
    max_size=40,
)
metrics = st.sampled_from(["entropy", "precision", "discernibility"])
modes = st.sampled_from(["star", "remove"])


def _label(name: str, value: object, level: int) -> object:
    return reference.cell(HIERARCHIES[name].label(value, level))


def _brute_force(  # the request, as k_anonymise takes it
    rows: Sequence[Mapping[str, Any]],
    *,
    k: int,
    limit: int,
    metric: str,
    mode: str,
    l: int | None = None,  # noqa: E741  # the model's name
) -> float | None:
    """The least loss of any node meeting the request, by the definitions, record by record."""
    n = len(rows)
    heights = [HIERARCHIES[name].height for name in QIS]
    best: float | None = None
    for node in itertools.product(*(range(h + 1) for h in heights)):
        general = [
            tuple(_label(q, r[q], lv) for q, lv in zip(QIS, node, strict=True)) for r in rows
        ]
        original = [tuple(_label(q, r[q], 0) for q in QIS) for r in rows]
        sizes = collections.Counter(general)
        hidden = [sizes[g] < k for g in general]
        s = sum(hidden)
        if s > limit or s == n or (mode == "star" and 0 < s < k):
            continue
        if l is not None:
            released = [
                {**r, **dict(zip(QIS, ("*",) * 3 if h else g, strict=True))}
                for r, g, h in zip(rows, general, hidden, strict=True)
                if mode == "star" or not h
            ]
            if reference.distinct_l(released, QIS, "illness") < l:
                continue
        if metric == "entropy":
            loss = 0.0
            for i in range(len(QIS)):
                first = collections.Counter(o[i] for o in original)
                second = collections.Counter(g[i] for g in general)
                for o, g, h in zip(original, general, hidden, strict=True):
                    loss += math.log2((n if h else second[g[i]]) / first[o[i]])
        elif metric == "precision":
            loss = sum(
                1.0 if h else lv / height
                for h in hidden
                for lv, height in zip(node, heights, strict=True)
            ) / (n * len(QIS))
        else:
            loss = float(sum(size * size for size in sizes.values() if size >= k) + s * n)
        if best is None or loss < best:
            best = loss
    return best


class TestOptimum:
    @given(rows=rows_strategy, k=st.integers(1, 4), metric=metrics, mode=modes)
    def test_equals_brute_force(
        self, rows: list[dict[str, Any]], k: int, metric: str, mode: str
    ) -> None:
        """On a small lattice, the least loss found equals a scan of every node."""
        expected = _brute_force(
            rows, k=k, limit=math.floor(0.1 * len(rows)), metric=metric, mode=mode
        )
        try:
            release = k_anonymise(
                rows, QIS, HIERARCHIES, k=k, max_suppression=0.1, metric=metric, suppressed=mode
            )
        except PrivacyRequirementError:
            assert expected is None
            return
        assert expected is not None
        assert expected == pytest.approx(release.information_loss, rel=1e-9, abs=1e-9)

    @given(rows=rows_strategy, metric=metrics, mode=modes)
    def test_equals_brute_force_with_l(
        self, rows: list[dict[str, Any]], metric: str, mode: str
    ) -> None:
        """With distinct l-diversity checked on every candidate, the optimum is still the scan's."""
        expected = _brute_force(
            rows, k=2, limit=math.floor(0.2 * len(rows)), metric=metric, mode=mode, l=2
        )
        try:
            release = k_anonymise(
                rows,
                QIS,
                HIERARCHIES,
                k=2,
                sensitive="illness",
                l=2,
                max_suppression=0.2,
                metric=metric,
                suppressed=mode,
            )
        except PrivacyRequirementError:
            assert expected is None
            return
        assert expected is not None
        assert expected == pytest.approx(release.information_loss, rel=1e-9, abs=1e-9)


def _released_rows(release: Release) -> list[dict[str, Any]]:
    data = release.data
    assert isinstance(data, list)
    return data


class TestGuarantees:
    @given(
        rows=rows_strategy, k=st.integers(1, 5), share=st.sampled_from([0.0, 0.05, 0.2]), mode=modes
    )
    def test_release_meets_k(
        self, rows: list[dict[str, Any]], k: int, share: float, mode: str
    ) -> None:
        """The release meets k, by assess and by a group-by; suppression stays within the limit."""
        try:
            release = k_anonymise(
                rows, QIS, HIERARCHIES, k=k, max_suppression=share, suppressed=mode
            )
        except PrivacyRequirementError:
            return
        out = _released_rows(release)
        assert release.records == release.released + release.suppressed
        assert release.suppressed <= math.floor(share * len(rows))
        assert (len(rows) if mode == "star" else release.released) == len(out)
        assert k <= assess(out, QIS).k
        assert k <= min(len(members) for members in reference.classes(out, QIS).values())
        assert release.report.k == assess(out, QIS).k
        starred = sum(all(row[q] == "*" for q in QIS) for row in out)
        assert (release.suppressed if mode == "star" else 0) <= starred

    @given(rows=rows_strategy, mode=modes, variant=st.sampled_from(["distinct", "entropy"]))
    def test_release_meets_l_and_t(
        self, rows: list[dict[str, Any]], mode: str, variant: str
    ) -> None:
        """With l and t requested, the release meets them, re-measured."""
        try:
            release = k_anonymise(
                rows,
                QIS,
                HIERARCHIES,
                k=2,
                sensitive=["illness"],
                l=1.5,
                l_variant=variant,
                t=0.4,
                max_suppression=0.1,
                suppressed=mode,
            )
        except PrivacyRequirementError:
            return
        out = _released_rows(release)
        measured = assess(out, QIS, sensitive=["illness"]).sensitive[0]
        assert 1.5 <= (measured.distinct_l if variant == "distinct" else measured.entropy_l)
        assert 0.4 >= measured.t
        assert 2 <= reference.distinct_l(out, QIS, "illness") or variant == "entropy"

    @given(rows=rows_strategy, data=st.data())
    def test_generalising_never_lowers_k(
        self, rows: list[dict[str, Any]], data: st.DataObject
    ) -> None:
        """Raising any level of any quasi-identifier never lowers k."""
        heights = [HIERARCHIES[name].height for name in QIS]
        low = [data.draw(st.integers(0, h)) for h in heights]
        high = [data.draw(st.integers(lv, h)) for lv, h in zip(low, heights, strict=True)]

        types = {"age": pa.int64(), "zip": pa.string(), "sex": pa.string()}

        def k_at(levels: list[int]) -> int:
            columns = {q: pa.array([r[q] for r in rows], types[q]) for q in QIS}
            table = pa.table(
                {q: HIERARCHIES[q].apply(columns[q], lv) for q, lv in zip(QIS, levels, strict=True)}
            )
            return assess(table, QIS).k

        assert k_at(low) <= k_at(high)


class TestRelease:
    ROWS: ClassVar[list[dict[str, Any]]] = [
        {"age": a, "zip": z, "sex": s, "illness": i}
        for a, z, s, i in [
            (31, "75011", "f", "flu"),
            (33, "75012", "f", "cold"),
            (35, "75011", "f", "flu"),
            (38, "75012", "m", "cancer"),
            (42, "69001", "m", "flu"),
            (44, "69002", "m", "cold"),
            (47, "69001", "m", "flu"),
            (49, "69002", "f", "cold"),
            (90, "13001", "f", "flu"),
        ]
    ]

    def test_star(self) -> None:
        """A suppressed record keeps its row, with * in every quasi-identifier."""
        release = k_anonymise(self.ROWS, QIS, HIERARCHIES, k=3, max_suppression=0.5)
        out = _released_rows(release)
        assert (6, 3) == (release.released, release.suppressed)
        assert 9 == len(out)
        assert {"age": "*", "zip": "*", "sex": "*", "illness": "flu"} == out[-1]

    def test_remove(self) -> None:
        """With suppressed="remove", a suppressed record is left out."""
        release = k_anonymise(
            self.ROWS, QIS, HIERARCHIES, k=4, max_suppression=0.5, suppressed="remove"
        )
        out = _released_rows(release)
        assert (8, 1) == (release.released, release.suppressed)
        assert [row["illness"] for row in self.ROWS[:8]] == [row["illness"] for row in out]
        assert {"age": 1, "zip": 1, "sex": 1} == release.levels

    def test_star_rows_of_fewer_than_k_are_refused(self) -> None:
        """Rows of * form a class: fewer than k of them are refused, and another node is found."""
        release = k_anonymise(self.ROWS, QIS, HIERARCHIES, k=4, max_suppression=0.5)
        assert 0 == release.suppressed
        assert {"age": 3, "zip": 3, "sex": 0} == release.levels

    def test_failure_carries_best_k(self) -> None:
        """When no node meets the request, the error carries the best k reached."""
        with pytest.raises(PrivacyRequirementError) as caught:
            k_anonymise(self.ROWS, QIS, HIERARCHIES, k=20, max_suppression=0)
        assert 9 == caught.value.best_k
        assert "privacy_requirement_not_met" == caught.value.code

    @pytest.mark.parametrize("kind", ["arrow", "pandas", "polars"])
    def test_same_kind_out(self, kind: str) -> None:
        """A table comes back as the same kind of table, other columns untouched."""
        table = pa.Table.from_pylist(self.ROWS)
        given_data: object = {
            "arrow": table,
            "pandas": table.to_pandas(),
            "polars": pl.from_arrow(table),
        }[kind]
        release = k_anonymise(
            given_data, QIS, HIERARCHIES, k=4, max_suppression=0.5, suppressed="remove"
        )
        data = release.data
        expected_type = {"arrow": pa.Table, "pandas": pd.DataFrame, "polars": pl.DataFrame}[kind]
        assert isinstance(data, expected_type)
        back = (
            pa.Table.from_pandas(data)
            if kind == "pandas"
            else (data.to_arrow() if kind == "polars" else data)
        )
        assert [r["illness"] for r in self.ROWS[:8]] == back.column("illness").to_pylist()
        assert ["30-39", "75", "*"] == [back.column(q)[0].as_py() for q in QIS]
        if kind == "pandas":
            assert list(range(8)) == list(data.index)

    def test_report_and_counts(self) -> None:
        """The Release holds the levels, the loss, the nodes checked and the report."""
        release = k_anonymise(self.ROWS, QIS, HIERARCHIES, k=4, max_suppression=0.5)
        assert 4 <= release.report.k
        assert 9 == release.records
        assert 0 < release.nodes_checked <= 4 * 4 * 2
        assert release.information_loss > 0

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"k": 0}, "k:"),
            ({"metric": "height"}, "metric:"),
            ({"max_suppression": 2}, "max_suppression:"),
            ({"l": 2}, "sensitive:"),
            ({"suppressed": "drop"}, "suppressed:"),
            ({"sensitive": ["age"]}, "sensitive:"),
        ],
    )
    def test_bad_parameters(self, options: dict[str, Any], message: str) -> None:
        """A bad parameter is a ValueError naming it."""
        with pytest.raises(ValueError, match=message):
            k_anonymise(self.ROWS, QIS, HIERARCHIES, **options)

    def test_missing_hierarchy(self) -> None:
        """A quasi-identifier without a hierarchy is named."""
        with pytest.raises(ValueError, match="'sex'"):
            k_anonymise(self.ROWS, QIS, {"age": HIERARCHIES["age"], "zip": HIERARCHIES["zip"]})

    def test_value_without_path(self) -> None:
        """A value the hierarchy does not know is an error naming the column, not the value."""
        rows = [{**row, "sex": "x"} for row in self.ROWS]
        with pytest.raises(ValueError, match=r"hierarchies\['sex'\]") as caught:
            k_anonymise(rows, QIS, HIERARCHIES)
        assert "'x'" not in str(caught.value)
