"""assess: k, class sizes, risks, l and t against an independent group-by written in the tests."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.anonymity import reference

from custdata.anonymity import Hierarchy, RiskReport, assess
from custdata.errors import MissingDependencyError

QIS = ("age", "zip", "gender")

ages = st.sampled_from(["20-29", "30-39", "40-49", None])
zips = st.sampled_from(["75", "69", "13", None])
genders = st.sampled_from(["F", "M", None])
incomes = st.one_of(st.none(), st.integers(0, 4))
illnesses = st.sampled_from(["flu", "cold", "cancer", None])
rows_strategy = st.lists(
    st.fixed_dictionaries(
        {"age": ages, "zip": zips, "gender": genders, "income": incomes, "illness": illnesses}
    ),
    min_size=1,
    max_size=60,
)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("age", pa.string()),
                ("zip", pa.string()),
                ("gender", pa.string()),
                ("income", pa.int64()),
                ("illness", pa.string()),
            ]
        ),
    )


def _income_order(rows: list[dict[str, Any]]) -> list[object]:
    present = sorted({row["income"] for row in rows if row["income"] is not None})
    missing = [reference.MISSING] if any(row["income"] is None for row in rows) else []
    return [*present, *missing]


ILLNESS_TREE = Hierarchy.from_rows(
    [["flu", "infection", "*"], ["cold", "infection", "*"], ["cancer", "tumour", "*"]],
    name="illness",
)


def _illness_paths(rows: list[dict[str, Any]]) -> dict[object, tuple[str, ...]]:
    paths: dict[object, tuple[str, ...]] = {
        "flu": ("infection", "*"),
        "cold": ("infection", "*"),
        "cancer": ("tumour", "*"),
    }
    if any(row["illness"] is None for row in rows):
        paths[reference.MISSING] = ("<missing branch>", "*")
    return paths


class TestAgainstGroupBy:
    @given(rows_strategy)
    def test_k_and_class_sizes(self, rows: list[dict[str, Any]]) -> None:
        """k, class sizes, uniques and classes equal a plain group-by."""
        report = assess(_table(rows), QIS)
        sizes = reference.class_sizes(rows, QIS)
        assert sizes == list(report.class_sizes)
        assert sizes[0][0] == report.k
        assert sum(count for _, count in sizes) == report.classes
        assert dict(sizes).get(1, 0) == report.unique_records
        assert len(rows) == report.records

    @given(rows_strategy)
    def test_prosecutor_and_marketer(self, rows: list[dict[str, Any]]) -> None:
        """Prosecutor risk is 1/class size per record; marketer risk is classes / records."""
        report = assess(_table(rows), QIS, risk_threshold=0.3)
        groups = reference.classes(rows, QIS)
        risks = [1 / len(members) for members in groups.values() for _ in members]
        assert max(risks) == report.prosecutor.highest
        assert math.isclose(sum(risks) / len(risks), report.prosecutor.average)
        assert sum(r > 0.3 for r in risks) == report.prosecutor.records_above
        assert math.isclose(len(groups) / len(rows), report.marketer)

    @given(rows_strategy)
    def test_l_diversity(self, rows: list[dict[str, Any]]) -> None:
        """Distinct and entropy l equal the per-class computation."""
        report = assess(_table(rows), QIS, sensitive=["illness", "income"])
        illness, income = report.sensitive
        assert reference.distinct_l(rows, QIS, "illness") == illness.distinct_l
        assert reference.distinct_l(rows, QIS, "income") == income.distinct_l
        assert math.isclose(reference.entropy_l(rows, QIS, "illness"), illness.entropy_l)
        assert math.isclose(reference.entropy_l(rows, QIS, "income"), income.entropy_l)

    @given(rows_strategy)
    def test_t_closeness_equal_and_ordered(self, rows: list[dict[str, Any]]) -> None:
        """Categories use the equal distance; numbers the ordered one, missing last."""
        report = assess(_table(rows), QIS, sensitive=["illness", "income"])
        illness, income = report.sensitive
        assert ("equal", "ordered") == (illness.distance, income.distance)
        expected_equal = reference.t_closeness(rows, QIS, "illness", reference.equal_distance)
        assert math.isclose(expected_equal, illness.t, abs_tol=1e-12)
        order = _income_order(rows)
        expected_ordered = reference.t_closeness(
            rows, QIS, "income", reference.ordered_distance(order)
        )
        assert math.isclose(expected_ordered, income.t, abs_tol=1e-12)

    @given(rows_strategy)
    def test_t_closeness_given_order(self, rows: list[dict[str, Any]]) -> None:
        """Categories given an order use the ordered distance in that order."""
        order = ["cancer", "flu", "cold"]
        report = assess(
            _table(rows), QIS, sensitive=["illness"], ordered={"illness": [*order, "unused"]}
        )
        present = [v for v in order if any(row["illness"] == v for row in rows)]
        if any(row["illness"] is None for row in rows):
            present.append(reference.MISSING)
        expected = reference.t_closeness(rows, QIS, "illness", reference.ordered_distance(present))
        assert "ordered" == report.sensitive[0].distance
        assert math.isclose(expected, report.sensitive[0].t, abs_tol=1e-12)

    @given(rows_strategy)
    def test_t_closeness_hierarchical(self, rows: list[dict[str, Any]]) -> None:
        """Categories with a hierarchy use the hierarchical distance."""
        report = assess(
            _table(rows), QIS, sensitive=["illness"], hierarchies={"illness": ILLNESS_TREE}
        )
        paths = _illness_paths(rows)
        present = {reference.cell(row["illness"]) for row in rows}
        distance = reference.hierarchical_distance({v: p for v, p in paths.items() if v in present})
        expected = reference.t_closeness(rows, QIS, "illness", distance)
        assert "hierarchical" == report.sensitive[0].distance
        assert math.isclose(expected, report.sensitive[0].t, abs_tol=1e-12)

    @given(rows_strategy)
    def test_every_input_kind_agrees(self, rows: list[dict[str, Any]]) -> None:
        """Arrow tables and batches, pandas, polars and plain rows give one report."""
        table = _table(rows)
        expected = assess(table, QIS, sensitive=["illness"])
        assert expected == assess(table.to_batches()[0], QIS, sensitive=["illness"])
        assert expected == assess(rows, QIS, sensitive=["illness"])
        assert expected == assess(pl.from_arrow(table), QIS, sensitive=["illness"])
        assert expected == assess(table.to_pandas(), QIS, sensitive=["illness"])


class TestEdgeCases:
    def test_one_row(self) -> None:
        """One record: k = 1, it is unique, risk 1, l = 1, t = 0."""
        report = assess([{"a": "x", "s": "y"}], ["a"], sensitive=["s"])
        assert (1, 1, 1, 1.0) == (
            report.k,
            report.classes,
            report.unique_records,
            report.prosecutor.highest,
        )
        assert (1, 1.0, 0.0) == (
            report.sensitive[0].distinct_l,
            report.sensitive[0].entropy_l,
            report.sensitive[0].t,
        )

    def test_all_rows_identical(self) -> None:
        """Identical records form one class of every record."""
        report = assess([{"a": "x", "b": 1, "s": "y"}] * 7, ["a", "b"], sensitive=["s"])
        assert (7, ((7, 1),), 0, 1 / 7) == (
            report.k,
            report.class_sizes,
            report.unique_records,
            report.prosecutor.highest,
        )

    def test_missing_values_form_their_own_value(self) -> None:
        """Null and NaN are one missing value, apart from every other value."""
        table = pa.table({"a": [1.0, math.nan, None, 1.0], "s": ["x", None, "y", "x"]})
        report = assess(table, ["a"], sensitive=["s"])
        assert ((2, 2),) == report.class_sizes
        assert 1 == report.sensitive[0].distinct_l

    def test_pandas_nan_is_missing(self) -> None:
        """A pandas column with NaN and None groups them together."""
        frame = pd.DataFrame({"a": ["x", None, math.nan, "x"]})
        assert ((2, 2),) == assess(frame, ["a"]).class_sizes

    def test_pandas_mixed_objects(self) -> None:
        """A pandas column of mixed objects is read value by value; NaN stays missing."""
        frame = pd.DataFrame({"a": [1, "1", 1, math.nan, None], "b": ["x"] * 5})
        assert ((1, 1), (2, 2)) == assess(frame, ["a", "b"]).class_sizes

    def test_only_measured_columns_converted(self) -> None:
        """Other columns of a frame, even ones Arrow cannot hold, are not read."""
        frame = pd.DataFrame({"a": ["x", "x"], "other": [object(), object()]})
        assert 2 == assess(frame, ["a"]).k
        assert 2 == assess(pl.DataFrame({"a": ["x", "x"], "n": [1, 2]}), ["a"]).k

    def test_one_distinct_quasi_identifier(self) -> None:
        """A quasi-identifier with one value adds nothing to the classes."""
        rows = [{"a": i % 3, "b": "same"} for i in range(9)]
        assert assess(rows, ["a"]).class_sizes == assess(rows, ["a", "b"]).class_sizes

    def test_one_sensitive_value(self) -> None:
        """A sensitive attribute with one value has l = 1 and t = 0."""
        rows = [{"a": i % 3, "s": "only"} for i in range(9)]
        sensitive = assess(rows, ["a"], sensitive=["s"]).sensitive[0]
        assert (1, 1, 1.0, 0.0) == (
            sensitive.values,
            sensitive.distinct_l,
            sensitive.entropy_l,
            sensitive.t,
        )

    def test_band_is_read_as_it_is(self) -> None:
        """A birth_date column holding bands is grouped as text, not read as dates."""
        rows = [{"birth_date": "30-39"}, {"birth_date": "30-39"}, {"birth_date": "40-49"}]
        assert ((1, 1), (2, 1)) == assess(rows, ["birth_date"]).class_sizes

    def test_dotted_names_reach_nested_rows(self) -> None:
        """Nested rows, as a policy returns them, are read through dotted names."""
        rows = [{"address": {"postal_code": "75011"}}] * 2 + [{"address": {"postal_code": "69003"}}]
        assert 1 == assess(rows, ["address.postal_code"]).k

    def test_mixed_types_compare_apart(self) -> None:
        """In plain rows, 1 and "1" are different values."""
        assert 2 == assess([{"a": 1}, {"a": "1"}], ["a"]).classes

    def test_dictionary_column(self) -> None:
        """A dictionary-encoded column (frames' enums) groups by its values."""
        gender = pa.array(["F", "M", "F"]).dictionary_encode()
        assert ((1, 1), (2, 1)) == assess(pa.table({"g": gender}), ["g"]).class_sizes

    def test_dictionary_with_repeats_and_nulls(self) -> None:
        """Repeated dictionary values share a class; null indices and null entries are missing."""
        column = pa.DictionaryArray.from_arrays(
            pa.array([0, 1, 2, None, 3, 4], pa.int32()), pa.array(["F", "F", "M", None, "X"])
        )
        report = assess(pa.table({"g": column, "s": ["a", "b", "c", "d", "e", "f"]}), ["g"])
        assert ((1, 2), (2, 2)) == report.class_sizes
        sensitive = assess(pa.table({"q": [1, 1, 1, 2, 2, 2], "g": column}), ["q"], sensitive=["g"])
        assert (4, 2) == (sensitive.sensitive[0].values, sensitive.sensitive[0].distinct_l)

    def test_chunks_with_different_dictionaries(self) -> None:
        """Chunks whose dictionaries differ group by value, not by index."""
        column = pa.chunked_array(
            [
                pa.array(["x", "y"]).dictionary_encode(),
                pa.array(["y", "z", "x"]).dictionary_encode(),
            ]
        )
        assert ((1, 1), (2, 2)) == assess(pa.table({"g": column}), ["g"]).class_sizes

    def test_many_columns_overflow_radix(self) -> None:
        """Combined codes that would overflow 64 bits are compacted, and still group right."""
        rows = [{f"c{j}": (i * (j + 1)) % 97 for j in range(12)} for i in range(500)]
        names = [f"c{j}" for j in range(12)]
        expected = reference.class_sizes(rows, names)
        assert expected == list(assess(rows, names).class_sizes)

    def test_t_closeness_many_values(self) -> None:
        """A number with as many values as records: t from the pairs alone (0.5 for uniques)."""
        table = pa.table({"a": pa.array(range(100_000)), "s": pa.array(range(100_000))})
        sensitive = assess(table, ["a"], sensitive=["s"]).sensitive[0]
        assert ("ordered", 100_000) == (sensitive.distance, sensitive.values)
        assert math.isclose(0.5, sensitive.t)
        text = pa.table({"a": table["a"], "s": pc.cast(table["s"], pa.string())})
        assert math.isclose(1 - 1 / 100_000, assess(text, ["a"], sensitive=["s"]).sensitive[0].t)

    def test_threaded_encoding(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Columns encoded on threads (long tables) give the same classes."""
        from custdata.anonymity import _encode

        rows = [{"a": i % 7, "b": str(i % 5), "c": i % 3} for i in range(300)]
        expected = assess(rows, ["a", "b", "c"])
        monkeypatch.setattr(_encode, "_THREADED_ROWS", 1)
        assert expected == assess(rows, ["a", "b", "c"])
        assert reference.class_sizes(rows, ["a", "b", "c"]) == list(expected.class_sizes)

    def test_many_classes_and_values(self) -> None:
        """t-closeness over several chunks of classes equals the reference."""
        rows = [{"a": i, "s": i % 50} for i in range(20_000)]
        report = assess(rows, ["a"], sensitive=["s"])
        expected = reference.ordered_distance(list(range(50)))(
            {0: 1.0}, dict.fromkeys(range(50), 1 / 50)
        )
        assert math.isclose(expected, report.sensitive[0].t)


class TestPopulation:
    def test_journalist_risk_and_k_map(self) -> None:
        """Journalist risk is 1 / population class size; k-map the smallest; marketer the mean."""
        data = [{"a": "x"}, {"a": "x"}, {"a": "y"}]
        population = pa.table({"a": ["x", "y", "z"], "count": [10, 4, 100]})
        report = assess(data, ["a"], population=population, risk_threshold=0.2)
        assert 4 == report.k_map
        assert 114 == report.population
        assert report.journalist is not None
        assert 0.25 == report.journalist.highest
        assert math.isclose((0.1 + 0.1 + 0.25) / 3, report.journalist.average)
        assert (1, 1 / 3) == (report.journalist.records_above, report.journalist.share_above)
        assert math.isclose((2 / 10 + 1 / 4) / 3, report.marketer)
        assert 0.25 == report.highest_risk

    def test_population_rows_summed(self) -> None:
        """Several population rows of one combination add up."""
        population = [{"a": "x", "count": 3}, {"a": "x", "count": 4}]
        assert 7 == assess([{"a": "x"}], ["a"], population=population).k_map

    def test_population_of_another_type(self) -> None:
        """A population column of another type is matched by value."""
        population = pa.table({"a": pa.array([1, 2], pa.int32()), "count": [5, 6]})
        data = pa.table({"a": pa.array([1, 2, 2], pa.int64())})
        assert 5 == assess(data, ["a"], population=population).k_map

    def test_population_must_cover_data(self) -> None:
        """A combination counting fewer people than records is refused, without values."""
        with pytest.raises(ValueError, match="1 combinations") as caught:
            assess([{"a": "secret"}] * 2, ["a"], population=[{"a": "secret", "count": 1}])
        assert "secret" not in str(caught.value)

    def test_population_needs_count(self) -> None:
        """The population names its count column."""
        with pytest.raises(ValueError, match="'count'"):
            assess([{"a": "x"}], ["a"], population=[{"a": "x"}])


class TestParameters:
    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"quasi_identifiers": []}, "at least one"),
            ({"quasi_identifiers": ["a", "a"]}, "named twice"),
            ({"quasi_identifiers": ["nope"]}, "no column 'nope'"),
            ({"sensitive": ["a"]}, "also a quasi-identifier"),
            ({"sensitive": ["s"], "ordered": {"t": []}}, "not a sensitive"),
            ({"sensitive": ["s"], "ordered": {"s": ["other"]}}, "1 values"),
            ({"risk_threshold": 2}, "risk_threshold"),
            (
                {"sensitive": ["s"], "ordered": {"s": ["v"]}, "hierarchies": {"s": ILLNESS_TREE}},
                "both",
            ),
        ],
    )
    def test_bad_parameters(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad parameters raise ValueError naming the parameter, never a value."""
        arguments: dict[str, Any] = {"quasi_identifiers": ["a"], **kwargs}
        with pytest.raises(ValueError, match=match):
            assess([{"a": "x", "s": "v"}], **arguments)

    def test_no_records(self) -> None:
        """An empty table has nothing to measure."""
        with pytest.raises(ValueError, match="no records"):
            assess(pa.table({"a": pa.array([], pa.string())}), ["a"])

    def test_not_a_table(self) -> None:
        """A string is not a table."""
        with pytest.raises(TypeError, match="expected a pyarrow Table"):
            assess("a,b", ["a"])

    def test_hierarchy_missing_value(self) -> None:
        """A sensitive value outside its hierarchy is counted, not shown."""
        with pytest.raises(ValueError, match="1 distinct values") as caught:
            assess(
                [{"a": 1, "s": "leukaemia"}],
                ["a"],
                sensitive=["s"],
                hierarchies={"s": ILLNESS_TREE},
            )
        assert "leukaemia" not in str(caught.value)

    def test_missing_pyarrow(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow, assess raises MissingDependencyError naming the arrow extra."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(MissingDependencyError) as caught:
            assess([{"a": 1}], ["a"])
        assert "arrow" == caught.value.extra

    def test_import_loads_nothing_optional(self) -> None:
        """Importing custdata.anonymity loads neither pyarrow nor numpy."""
        code = (
            "import sys, custdata.anonymity; "
            "print(sorted(m for m in ('pyarrow', 'numpy') if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "[]" == result.stdout.strip()


class TestReport:
    def _report(self) -> RiskReport:
        rows = [
            {"age": "30-39", "zip": "75011", "income": "secret-high"},
            {"age": "30-39", "zip": "75011", "income": "secret-low"},
            {"age": "40-49", "zip": "69003", "income": "secret-low"},
        ]
        return assess(rows, ["age", "zip"], sensitive=["income"])

    def test_text_names_quasi_identifiers_and_holds_no_value(self) -> None:
        """The text says what was measured against which columns, and shows no record value."""
        text = self._report().to_text()
        assert text.startswith("Measured against the quasi-identifiers: age, zip\n")
        for value in ("30-39", "75011", "69003", "secret"):
            assert value not in text
        assert "anonymous" not in text.lower()

    def test_json_round_trip(self) -> None:
        """The JSON holds the same counts, and no record value."""
        report = self._report()
        data = json.loads(report.to_json())
        assert (1, 2, ["age", "zip"]) == (data["k"], data["classes"], data["quasi_identifiers"])
        assert [{"size": 1, "classes": 1}, {"size": 2, "classes": 1}] == data["class_sizes"]
        assert "secret" not in report.to_json()
        assert "anonymous" not in report.to_json().lower()

    def test_long_size_list_is_summed(self) -> None:
        """Beyond the listed sizes, the classes are summed on one line."""
        rows = [{"a": i} for i in range(1, 16) for _ in range(i)]
        text = assess(rows, ["a"]).to_text(size_lines=3)
        assert "  larger than 3: 12 classes\n" in text
