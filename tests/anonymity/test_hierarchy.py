"""Hierarchies: built on the shared labels, checked when built, applied column-wise."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.anonymity import Hierarchy
from custdata.transforms import AgeBand, Bucket, TruncateDate, TruncatePostcode
from custdata.transforms.labels import band


class TestNumbers:
    def test_levels(self) -> None:
        """Level 0 is the number as text, then bands of growing width, then *."""
        ages = Hierarchy.numbers(widths=(5, 10, 20))
        values = [42, 37.0, Decimal("18"), None]
        assert 4 == ages.height
        assert ["42", "37", "18", None] == ages.apply(values, 0).to_pylist()
        assert ["40-44", "35-39", "15-19", None] == ages.apply(values, 1).to_pylist()
        assert ["40-49", "30-39", "10-19", None] == ages.apply(values, 2).to_pylist()
        assert ["40-59", "20-39", "0-19", None] == ages.apply(values, 3).to_pylist()
        assert ["*", "*", "*", None] == ages.apply(values, 4).to_pylist()

    @pytest.mark.parametrize("values", [[None, None], [], pa.nulls(3)])
    @pytest.mark.parametrize("level", [0, 2])
    def test_only_missing_values(self, values: object, level: int) -> None:
        """A column of nothing but missing values stays missing at every level."""
        ages = Hierarchy.numbers(widths=(5, 10))
        out = ages.apply(values, level)
        assert pa.string() == out.type
        assert [None] * len(values) == out.to_pylist()  # type: ignore[arg-type]

    @given(st.integers(0, 120), st.sampled_from([(1, 5, 10), (5, 10, 20), (10, 20, 40)]))
    def test_bands_nest(self, age: int, widths: tuple[int, int, int]) -> None:
        """Each band lies inside the band of the level above."""
        ages = Hierarchy.numbers(widths=widths)
        labels = [ages.label(age, level) for level in range(1, 4)]
        bounds = [tuple(int(x) for x in (lab or "").split("-")) for lab in labels]
        spans = [(b[0], b[-1]) for b in bounds]
        for (low, high), (outer_low, outer_high) in itertools.pairwise(spans):
            assert outer_low <= low
            assert high <= outer_high

    def test_same_labels_as_the_transforms(self) -> None:
        """A column banded by AgeBand or Bucket sits on a level of the matching hierarchy."""
        ages = [3, 17, 42, 89, 99]
        hierarchy = Hierarchy.numbers(widths=(10,), top=90)
        assert (
            AgeBand(source="age", width=10, top=90).apply_many(ages)
            == hierarchy.apply(ages, 1).to_pylist()
        )
        assert (
            Bucket(width=10).apply_many(ages)
            == Hierarchy.numbers(widths=(10,)).apply(ages, 1).to_pylist()
        )
        assert [band(0.6, 0.25)] == Hierarchy.numbers(widths=(0.25, 0.5)).apply(
            [0.6], 1
        ).to_pylist()

    def test_text_numbers(self) -> None:
        """Numbers read as text from a file are banded as numbers."""
        assert ["40-49"] == Hierarchy.numbers(widths=(10,)).apply(["42"], 1).to_pylist()

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"widths": ()}, "at least one"),
            ({"widths": (10, 15)}, "whole multiple"),
            ({"widths": (10, 5)}, "whole multiple"),
            ({"widths": (0,)}, "positive"),
            ({"widths": (10, 20), "top": 90}, "top"),
        ],
    )
    def test_inconsistent_levels(self, kwargs: dict[str, object], match: str) -> None:
        """Widths that do not nest are refused when the hierarchy is built."""
        with pytest.raises(ValueError, match=match):
            Hierarchy.numbers(**kwargs)  # type: ignore[arg-type]

    def test_not_a_number(self) -> None:
        """A value with no path to the root is counted, not shown."""
        with pytest.raises(ValueError, match="1 distinct values have no path") as caught:
            Hierarchy.numbers(widths=(10,)).apply([1, "Dupont"], 1)
        assert "Dupont" not in str(caught.value)


class TestDates:
    def test_levels(self) -> None:
        """Day, month, quarter, year, then *, as TruncateDate writes them."""
        dates = Hierarchy.dates()
        column = pa.array([date(2024, 5, 17), None])
        assert [["2024-05-17", None], ["2024-05", None], ["2024-Q2", None], ["2024", None]] == [
            dates.apply(column, level).to_pylist() for level in range(4)
        ]
        assert ["*", None] == dates.apply(column, 4).to_pylist()
        for level, unit in enumerate(("day", "month", "quarter", "year")):
            assert [TruncateDate(unit=unit)("2024-05-17")] == dates.apply(
                ["2024-05-17"], level
            ).to_pylist()

    def test_fewer_units(self) -> None:
        """Some units only, finest first."""
        assert 2 == Hierarchy.dates(units=("month", "year")).height

    def test_bad_units(self) -> None:
        """Units out of order are refused."""
        with pytest.raises(ValueError, match="in that order"):
            Hierarchy.dates(units=("year", "month"))


class TestPostcodes:
    def test_levels(self) -> None:
        """The first characters, fewer at each level, as TruncatePostcode keeps them."""
        codes = Hierarchy.postcodes(keep=(3, 2))
        assert ["75011", "750", "75", "*"] == [codes.label("75011", level) for level in range(4)]
        assert [TruncatePostcode(keep=2)("69003")] == codes.apply(["69003"], 2).to_pylist()

    def test_bad_keep(self) -> None:
        """keep must decrease."""
        with pytest.raises(ValueError, match="strictly decreasing"):
            Hierarchy.postcodes(keep=(2, 3))


class TestFrenchDepartments:
    def test_departments_not_prefixes(self) -> None:
        """Corsica is 2A/2B, 97133 and 97150 are 977 and 978: a département is not a prefix."""
        departments = Hierarchy.french_departments()
        values = ["75011", "20000", "20200", "97133", "97150", "97110"]
        assert ["75", "2A", "2B", "977", "978", "971"] == departments.apply(values, 1).to_pylist()
        assert ["*"] * 6 == departments.apply(values, 2).to_pylist()

    def test_not_french(self) -> None:
        """Monaco and non-codes have no path to the root."""
        with pytest.raises(ValueError, match="2 distinct values"):
            Hierarchy.french_departments().check(["98000", "SW1A 1AA", "75011"])


ARX_CSV = "flu;infection;*\ncold;infection;*\ncancer;tumour;*\n"


class TestTrees:
    def test_from_csv_text_and_file(self, tmp_path: Path) -> None:
        """The ARX layout loads from text or a file."""
        path = tmp_path / "illness.csv"
        path.write_text(ARX_CSV, encoding="utf-8")
        for tree in (Hierarchy.from_csv(ARX_CSV), Hierarchy.from_csv(path)):
            assert 2 == tree.height
            assert ["infection", "tumour", None] == tree.apply(
                ["cold", "cancer", None], 1
            ).to_pylist()
        assert "illness.csv" == Hierarchy.from_csv(path).name

    @pytest.mark.parametrize(
        ("rows", "match"),
        [
            ([["a", "x", "*"], ["b", "*"]], "row 2 has 2 levels"),
            ([["a", "x", "top"]], "does not end"),
            ([["a", "x", "*"], ["a", "y", "*"]], "repeats a value"),
            ([["a", "x", "p", "*"], ["b", "x", "q", "*"]], "second parent"),
            ([["a", "", "*"]], "empty label"),
            ([["*"]], "fewer than two"),
            ([], "no rows"),
        ],
    )
    def test_checked_when_built(self, rows: list[list[str]], match: str) -> None:
        """Rows of one length, ending in *, one parent per label, one row per value."""
        with pytest.raises(ValueError, match=match) as caught:
            Hierarchy.from_rows(rows, name="t")
        assert "'a'" not in str(caught.value)

    def test_unknown_value(self) -> None:
        """A value without a row is counted, not shown."""
        with pytest.raises(ValueError, match="1 distinct values") as caught:
            Hierarchy.from_csv(ARX_CSV).apply(["measles"], 1)
        assert "measles" not in str(caught.value)

    def test_level_range(self) -> None:
        """Levels run from 0 to the height."""
        with pytest.raises(ValueError, match="from 0 to 2"):
            Hierarchy.from_csv(ARX_CSV).apply(["flu"], 3)

    def test_apply_is_per_distinct_value(self) -> None:
        """A long column with few values is labelled from its dictionary, chunked or not."""
        column = pa.chunked_array([["flu", "cold"] * 500, ["cancer"] * 10])
        out = Hierarchy.from_csv(ARX_CSV).apply(column, 1)
        assert ["infection"] * 1000 + ["tumour"] * 10 == out.to_pylist()
