"""mondrian: every release meets the request, with ranges in the shared label scheme."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.anonymity import reference

from custdata.anonymity import Hierarchy, assess, k_anonymise, mondrian
from custdata.errors import PrivacyRequirementError
from custdata.transforms.labels import closed_range

QIS = ("age", "zip", "sex")
TREES: dict[str, Hierarchy] = {
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
    max_size=60,
)
modes = st.sampled_from(["star", "remove"])


def _contains(label: str, age: int) -> bool:
    low, _, high = label.partition("-") if "-" in label[1:] else (label, "", label)
    return int(low) <= age <= int(high)


class TestGuarantees:
    @given(rows=rows_strategy, k=st.integers(1, 6), mode=modes)
    def test_release_meets_k(self, rows: list[dict[str, Any]], k: int, mode: str) -> None:
        """The release meets k, by assess and by a group-by; suppression stays within the limit."""
        try:
            release = mondrian(rows, QIS, TREES, k=k, max_suppression=0.2, suppressed=mode)
        except PrivacyRequirementError:
            return
        out = release.data
        assert isinstance(out, list)
        assert release.records == release.released + release.suppressed
        assert release.suppressed <= math.floor(0.2 * len(rows))
        assert k <= assess(out, QIS).k
        assert k <= min(len(members) for members in reference.classes(out, QIS).values())
        if mode == "remove":
            return
        for before, after in zip(rows, out, strict=True):  # every row kept, in order
            if after["age"] not in {None, "*"}:
                assert _contains(after["age"], before["age"])

    @given(rows=rows_strategy, mode=modes, variant=st.sampled_from(["distinct", "entropy"]))
    def test_release_meets_l_and_t(
        self, rows: list[dict[str, Any]], mode: str, variant: str
    ) -> None:
        """With l and t requested, the release meets them, re-measured by assess."""
        try:
            release = mondrian(
                rows,
                QIS,
                TREES,
                k=2,
                sensitive="illness",
                l=1.5,
                l_variant=variant,
                t=0.4,
                max_suppression=0.2,
                suppressed=mode,
            )
        except PrivacyRequirementError:
            return
        out = release.data
        assert isinstance(out, list)
        measured = assess(out, QIS, sensitive=["illness"]).sensitive[0]
        assert 1.5 <= (measured.distinct_l if variant == "distinct" else measured.entropy_l)
        assert 0.4 >= measured.t


class TestMondrian:
    def test_ranges(self) -> None:
        """Numbers are released as closed ranges of the label scheme."""
        rows = [{"age": age} for age in range(30, 40)]
        release = mondrian(rows, ["age"], k=5)
        assert [closed_range(30, 34)] * 5 + [closed_range(35, 39)] * 5 == [
            row["age"]
            for row in release.data  # type: ignore[attr-defined]
        ]

    def test_fractional_ranges(self) -> None:
        """Numbers that are not whole get half-open ranges, and the last an open top."""
        table = pa.table({"x": [0.5, 0.75, 1.25, 1.5]})
        release = mondrian(table, ["x"], k=2)
        assert ["[0.5, 1.25)"] * 2 + ["1.25+"] * 2 == release.data.column("x").to_pylist()  # type: ignore[attr-defined]

    def test_loses_less_than_global(self) -> None:
        """On spread-out ages, local recoding loses less entropy than one level for all."""
        rows = [{"age": age, "sex": "fm"[age % 2]} for age in range(20, 80)]
        trees = {"sex": TREES["sex"]}
        local = mondrian(rows, ["age", "sex"], trees, k=4)
        whole = k_anonymise(
            rows, ["age", "sex"], {**trees, "age": Hierarchy.numbers(widths=(5, 10, 20))}, k=4
        )
        assert local.information_loss < whole.information_loss

    def test_missing_values_apart(self) -> None:
        """Records missing a number are partitioned apart, their value kept missing."""
        rows = [{"age": age} for age in range(30, 40)] + [{"age": None}] * 3
        release = mondrian(rows, ["age"], k=3)
        assert [None] * 3 == [row["age"] for row in release.data][-3:]  # type: ignore[attr-defined]

    def test_small_missing_group_suppressed(self) -> None:
        """A group of missing values smaller than k is suppressed, within the limit."""
        rows = [{"age": age} for age in range(30, 50)] + [{"age": None}]
        release = mondrian(rows, ["age"], k=2, max_suppression=0.1, suppressed="remove")
        assert (20, 1) == (release.released, release.suppressed)
        with pytest.raises(PrivacyRequirementError) as caught:
            mondrian(rows, ["age"], k=2, max_suppression=0.1)
        assert caught.value.best_k is not None

    def test_text_needs_hierarchy(self) -> None:
        """A column of text without a hierarchy is named, never guessed."""
        with pytest.raises(ValueError, match="'zip'"):
            mondrian([{"zip": "75011"}] * 5, ["zip"], k=2)

    def test_too_few_records(self) -> None:
        """Fewer records than k cannot be released."""
        with pytest.raises(PrivacyRequirementError):
            mondrian([{"age": 30}] * 3, ["age"], k=5, max_suppression=0)

    def test_star_rows_must_meet_l(self) -> None:
        """Rows of * are a class too: suppressed records that fail l are refused, or removed."""
        illnesses = ["flu", "cold"] * 5
        rows = [{"age": 30 + i, "illness": ill} for i, ill in enumerate(illnesses)]
        rows += [{"age": None, "illness": "flu"}] * 3
        options: dict[str, Any] = {"k": 3, "sensitive": "illness", "l": 2, "max_suppression": 0.3}
        with pytest.raises(PrivacyRequirementError):
            mondrian(rows, ["age"], **options)
        removed = mondrian(rows, ["age"], suppressed="remove", **options)
        assert (10, 3) == (removed.released, removed.suppressed)
