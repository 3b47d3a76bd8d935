"""Generalisation: AgeBand, TruncateDate, TruncatePostcode, Bucket, TopCode, BottomCode."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.transforms.arrow_checks import same_as_apply_many

from custdata import (
    AgeBand,
    BottomCode,
    Bucket,
    PolicyError,
    TopCode,
    TransformError,
    TruncateDate,
    TruncatePostcode,
)
from custdata.transforms.base import SameAsInput

REFERENCE = date(2024, 6, 30)
_CLOSED = re.compile(r"(-?[0-9]+)(?:-(-?[0-9]+))?")
_HALF_OPEN = re.compile(r"\[(-?[0-9.]+), (-?[0-9.]+)\)")


def _bounds(label: str) -> tuple[Decimal, Decimal]:
    """The interval [low, high) a label names (infinite for an open end)."""
    if label.endswith("+"):
        return Decimal(label[:-1]), Decimal("Infinity")
    if label.startswith("<"):
        return Decimal("-Infinity"), Decimal(label[1:])
    closed = _CLOSED.fullmatch(label)
    if closed:
        low = int(closed[1])
        high = int(closed[2]) if closed[2] is not None else low
        return Decimal(low), Decimal(high + 1)
    half_open = _HALF_OPEN.fullmatch(label)
    assert half_open is not None, label
    return Decimal(half_open[1]), Decimal(half_open[2])


def _age(born: date, at: date) -> int:
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


class TestAgeBand:
    """AgeBand."""

    @pytest.mark.parametrize(
        ("born", "params", "expected"),
        [
            (date(1990, 7, 14), {}, "30-39"),
            (date(1990, 6, 30), {}, "30-39"),
            (date(1994, 7, 1), {}, "20-29"),
            ("1930-01-01", {"width": 5, "top": 80}, "80+"),
            (date(2000, 1, 1), {"width": 1}, "24"),
            (datetime(2024, 6, 30, 12, tzinfo=UTC), {}, "0-9"),
        ],
    )
    def test_examples(self, born: object, params: dict[str, int], expected: str) -> None:
        """Age in whole years at the reference date, then its band."""
        assert expected == AgeBand(reference=REFERENCE, **params)(born)  # type: ignore[arg-type]

    @given(born=st.dates(max_value=REFERENCE))
    def test_band_contains_age(self, born: date) -> None:
        """The band's bounds contain the exact age."""
        age = (
            REFERENCE.year - born.year - ((REFERENCE.month, REFERENCE.day) < (born.month, born.day))
        )
        low, high = (int(x) for x in str(AgeBand(reference=REFERENCE)(born)).split("-"))
        assert low <= age <= high
        assert 9 == high - low

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            (date(2025, 1, 1), "after_reference"),
            ("2024-02-30", "invalid_date"),
            ("30/06/1990", "invalid_date"),
            (1990, "wrong_type"),
        ],
    )
    def test_invalid(self, value: object, code: str) -> None:
        """Future, malformed and mistyped dates are refused with a code."""
        with pytest.raises(TransformError) as info:
            AgeBand(reference=REFERENCE)(value)
        assert code == info.value.code

    @pytest.mark.parametrize(
        ("age", "params", "expected"),
        [
            (42, {}, "40-49"),
            (42.0, {}, "40-49"),
            (Decimal("42.00"), {}, "40-49"),
            (49.99, {}, "40-49"),
            (0, {"width": 5}, "0-4"),
            (7.5, {"width": 1}, "7"),
            (97, {"width": 5, "top": 90}, "90+"),
            (90.0, {"top": 90}, "90+"),
        ],
    )
    def test_from_age(self, age: object, params: dict[str, int], expected: str) -> None:
        """With source="age", the value is the age in years; a fraction is rounded down."""
        assert expected == AgeBand(source="age", **params)(age)  # type: ignore[arg-type]

    @given(
        born=st.dates(max_value=REFERENCE),
        width=st.sampled_from([1, 5, 10, 20]),
        top=st.sampled_from([None, 100]),
    )
    def test_age_and_birth_date_agree(self, born: date, width: int, top: int | None) -> None:
        """A birth date gives the label of its age at the reference date."""
        by_date = AgeBand(reference=REFERENCE, width=width, top=top)(born)
        by_age = AgeBand(source="age", width=width, top=top)
        age = _age(born, REFERENCE)
        assert by_date == by_age(age) == by_age(float(age)) == by_age(Decimal(age))

    @given(age=st.integers(0, 200) | st.floats(0, 200) | st.decimals(0, 200, places=3))
    def test_widths_nest(self, age: float) -> None:
        """The band at width 20 holds the band at width 10, which holds the one at width 5."""
        low20, high20 = _bounds(str(AgeBand(source="age", width=20, top=80)(age)))
        low10, high10 = _bounds(str(AgeBand(source="age", width=10, top=90)(age)))
        low5, high5 = _bounds(str(AgeBand(source="age", width=5, top=90)(age)))
        assert low20 <= low10 <= low5 <= high5 <= high10 <= high20

    @given(age=st.integers(0, 89))
    def test_widths_nest_exactly(self, age: int) -> None:
        """A band at width 20 holds exactly two bands at width 10 and four at width 5."""
        outer = AgeBand(source="age", width=20)(age)
        low, high = _bounds(str(outer))
        ages = range(int(low), int(high))
        assert [f"{low}-{low + 9}", f"{low + 10}-{high - 1}"] == sorted(
            {str(AgeBand(source="age", width=10)(a)) for a in ages}, key=_bounds
        )
        assert 4 == len({AgeBand(source="age", width=5)(a) for a in ages})

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            (-1, "negative_age"),
            (-0.5, "negative_age"),
            (math.nan, "not_a_number"),
            (math.inf, "not_a_number"),
            (Decimal("NaN"), "not_a_number"),
            ("42", "wrong_type"),
            (True, "wrong_type"),
            (date(1990, 1, 1), "wrong_type"),
        ],
    )
    def test_invalid_age(self, value: object, code: str) -> None:
        """Negative, NaN, infinite and non-numeric ages are refused with a code."""
        with pytest.raises(TransformError) as info:
            AgeBand(source="age")(value)
        assert code == info.value.code

    def test_bad_parameters(self) -> None:
        """Bad parameters fail at construction."""
        with pytest.raises(PolicyError, match="reference"):
            AgeBand(reference=datetime(2024, 1, 1, tzinfo=UTC))
        with pytest.raises(PolicyError, match="reference"):
            AgeBand()
        with pytest.raises(PolicyError, match="reference must not be given"):
            AgeBand(source="age", reference=REFERENCE)
        with pytest.raises(PolicyError, match="source"):
            AgeBand(source="years", reference=REFERENCE)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="multiple of width"):
            AgeBand(reference=REFERENCE, width=10, top=85)
        with pytest.raises(ValueError, match="width"):
            AgeBand(reference=REFERENCE, width=0)


class TestTruncateDate:
    """TruncateDate."""

    @pytest.mark.parametrize(
        ("unit", "expected"),
        [("day", "2024-05-07"), ("month", "2024-05"), ("quarter", "2024-Q2"), ("year", "2024")],
    )
    def test_units(self, unit: str, expected: str) -> None:
        """Each unit gives its label."""
        assert expected == TruncateDate(unit=unit)(date(2024, 5, 7))  # type: ignore[arg-type]

    def test_day(self) -> None:
        """The day of a date, a datetime (its own calendar date) or an ISO string."""
        t = TruncateDate(unit="day")
        assert "0042-12-01" == t(date(42, 12, 1))
        assert "2024-03-31" == t(datetime(2024, 3, 31, 23, 30, tzinfo=UTC))
        assert "2024-12-31" == t("2024-12-31")

    @given(day=st.dates())
    def test_units_nest(self, day: date) -> None:
        """Each unit's label starts with the coarser one's: day, month, year."""
        day_label, month, year = (TruncateDate(unit=u)(day) for u in ("day", "month", "year"))
        assert str(day_label).startswith(f"{month}-")
        assert str(month).startswith(f"{year}-")
        assert day.isoformat() == day_label

    def test_inputs(self) -> None:
        """Dates, datetimes (their own calendar date) and ISO strings are accepted."""
        t = TruncateDate()
        assert "0042-12" == t(date(42, 12, 1))
        assert "2024-03" == t(datetime(2024, 3, 31, 23, 30, tzinfo=UTC))
        assert "2024-12" == t("2024-12-31")

    @given(day=st.dates())
    def test_quarter_matches_month(self, day: date) -> None:
        """The quarter label agrees with the month label."""
        month = int(str(TruncateDate(unit="month")(day))[-2:])
        assert f"Q{(month + 2) // 3}" == str(TruncateDate(unit="quarter")(day))[-2:]

    def test_bad_unit(self) -> None:
        """Unknown units fail at construction."""
        with pytest.raises(ValueError, match="unit"):
            TruncateDate(unit="week")  # type: ignore[arg-type]


class TestTruncatePostcode:
    """TruncatePostcode."""

    @pytest.mark.parametrize(
        ("value", "keep", "expected"),
        [("75011", 2, "75"), ("2A004", 2, "2A"), (" 69003 ", 3, "690"), ("SW1A 1AA", 4, "SW1A")],
    )
    def test_examples(self, value: str, keep: int, expected: str) -> None:
        """Leading characters are kept after trimming."""
        assert expected == TruncatePostcode(keep=keep)(value)

    @pytest.mark.parametrize(("value", "code"), [("", "invalid_postcode"), (75011, "wrong_type")])
    def test_invalid(self, value: object, code: str) -> None:
        """Empty and non-string postcodes are refused."""
        with pytest.raises(TransformError) as info:
            TruncatePostcode()(value)
        assert code == info.value.code


class TestInvalidText:
    """Strings holding a lone surrogate are refused with invalid_text by the generalisers."""

    @pytest.mark.parametrize(
        "value", ["7501\ud800", "\ud80075011", "75011\udfff", " \udc80 ", "\ud83d\ude00"]
    )
    @pytest.mark.parametrize("keep", [1, 2, 10])
    def test_truncate_postcode(self, value: str, keep: int) -> None:
        """Even a surrogate beyond the kept characters: the value is not text."""
        t = TruncatePostcode(keep=keep)
        for call in (lambda: t(value), lambda: t.apply_many([None, value, value])):
            with pytest.raises(TransformError) as info:
                call()
            assert "invalid_text" == info.value.code

    @pytest.mark.parametrize("value", ["2024-05-1\ud800", "\ud8002024-05-17", "\udfff"])
    def test_date_strings(self, value: str) -> None:
        """AgeBand and TruncateDate refuse such date strings as invalid_text, not invalid_date."""
        for t in (TruncateDate(), AgeBand(reference=REFERENCE)):
            for call in (lambda t=t: t(value), lambda t=t: t.apply_many([value])):
                with pytest.raises(TransformError) as info:
                    call()
                assert "invalid_text" == info.value.code

    def test_arrow_binary_column_same_as_apply_many(self) -> None:
        """Surrogates smuggled in as bytes fail the same way in apply_arrow and apply_many."""
        pa = pytest.importorskip("pyarrow")
        array = pa.array(["75\ud800".encode("utf-8", "surrogatepass")], pa.binary())
        t = TruncatePostcode()
        for call in (lambda: t.apply_many(array.to_pylist()), lambda: t.apply_arrow(array)):
            with pytest.raises(TransformError) as info:
                call()
            assert "wrong_type" == info.value.code


class TestBucket:
    """Bucket."""

    def test_edges(self) -> None:
        """Default labels with whole edges: closed ranges, open at both ends."""
        bucket = Bucket(edges=(18, 30, 50))
        assert ["<18", "18-29", "30-49", "50+"] == bucket.apply_many([12, 18, 42, 50])
        assert ["18-29", "30-49", "50+"] == bucket.apply_many([29.5, 49.999, 50.0])

    def test_edges_not_whole(self) -> None:
        """Edges that are not all whole give half-open ranges, and the same open ends."""
        bucket = Bucket(edges=(0, 1.5, 10))
        assert ["<0", "[0, 1.5)", "[1.5, 10)", "10+"] == bucket.apply_many([-1, 0, 1.5, 10])

    def test_decimal_meets_edges_as_written(self) -> None:
        """A Decimal is compared with the edges as the labels write them, not as binary floats."""
        bucket = Bucket(edges=(0.3, 1))
        assert "<0.3" == bucket(Decimal("0.29999999999999999"))
        assert ["[0.3, 1)", "[0.3, 1)"] == bucket.apply_many([Decimal("0.3"), 0.3])

    def test_whole_float_edges(self) -> None:
        """Edges written as whole floats give the labels of whole int edges."""
        assert Bucket(edges=(18, 30)).apply_many([1, 20, 40]) == Bucket(
            edges=(18.0, 30.0)
        ).apply_many([1, 20, 40])

    def test_labels(self) -> None:
        """Custom labels."""
        bucket = Bucket(edges=(18, 65), labels=("minor", "adult", "senior"))
        assert ["minor", "adult", "senior"] == bucket.apply_many([3, 18, 70])

    def test_width(self) -> None:
        """Fixed-width intervals: closed ranges for whole widths, floor for negatives."""
        assert "2000-2999" == Bucket(width=1000)(2499.5)
        assert "-10--1" == Bucket(width=10)(-1)
        assert "5-14" == Bucket(width=10, origin=5)(Decimal("14.99"))
        assert "7" == Bucket(width=1)(7.5)
        assert "40-49" == Bucket(width=10.0)(42)

    def test_width_not_whole(self) -> None:
        """Widths or origins that are not whole give half-open ranges, computed exactly."""
        assert "[0.5, 0.75)" == Bucket(width=0.25)(0.6)
        assert "[0.3, 0.4)" == Bucket(width=0.1)(0.3)
        assert "[0.3, 0.4)" == Bucket(width=0.1)(Decimal("0.3"))
        assert "[9.5, 19.5)" == Bucket(width=10, origin=-0.5)(10)
        assert "[-0.5, 2)" == Bucket(width=2.5, origin=-0.5)(0)

    @given(
        number=st.integers(-(10**15), 10**15),
        params=st.sampled_from(
            [
                {"width": 10},
                {"width": 7, "origin": 3},
                {"width": 2.5},
                {"width": 0.1, "origin": -0.5},
                {"edges": (18, 30, 50)},
                {"edges": (-1.5, 0, 2.25)},
            ]
        ),
    )
    def test_label_ignores_python_type(self, number: int, params: dict[str, Any]) -> None:
        """42, 42.0 and Decimal(42) get the same label: the parameters choose the format."""
        bucket = Bucket(**params)
        assert bucket(number) == bucket(float(number)) == bucket(Decimal(number))

    @given(value=st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6) | st.decimals(-1e6, 1e6))
    def test_widths_nest(self, value: float) -> None:
        """The band at width 20 contains the band at width 10, which contains the one at 5."""
        assume(not isinstance(value, Decimal) or value.is_finite())
        low20, high20 = _bounds(str(Bucket(width=20)(value)))
        low10, high10 = _bounds(str(Bucket(width=10)(value)))
        low5, high5 = _bounds(str(Bucket(width=5)(value)))
        assert low20 <= low10 <= low5 <= high5 <= high10 <= high20

    @given(value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
    def test_edges_cover(self, value: float) -> None:
        """Every finite number lands in exactly one labelled interval."""
        assert Bucket(edges=(0, 1.5, 10))(value) in {"<0", "[0, 1.5)", "[1.5, 10)", "10+"}

    @pytest.mark.parametrize("value", [math.nan, Decimal("NaN")])
    def test_nan(self, value: object) -> None:
        """NaN is refused."""
        with pytest.raises(TransformError, match="not_a_number"):
            Bucket(edges=(1,))(value)

    @pytest.mark.parametrize("value", [math.inf, -math.inf, Decimal("Infinity")])
    def test_infinite_with_width(self, value: object) -> None:
        """An infinite value has no band of a fixed width."""
        with pytest.raises(TransformError, match="not_a_number"):
            Bucket(width=10)(value)

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"edges": (1,), "width": 2},
            {"edges": ()},
            {"edges": (2, 1)},
            {"edges": (1, math.inf)},
            {"edges": (1,), "labels": ("a",)},
            {"width": 0},
            {"width": 2, "labels": ("a",)},
        ],
    )
    def test_bad_parameters(self, params: dict[str, object]) -> None:
        """Inconsistent parameters fail at construction."""
        with pytest.raises(ValueError):  # noqa: PT011  # each case has its own message
            Bucket(**params)  # type: ignore[arg-type]


class TestTopBottomCode:
    """TopCode and BottomCode."""

    def test_top(self) -> None:
        """Values above the threshold become the threshold."""
        assert [90, 42, 90] == TopCode(threshold=90).apply_many([97, 42, 90])

    def test_bottom(self) -> None:
        """Values below the threshold become the threshold."""
        assert [18, 40] == BottomCode(threshold=18).apply_many([16, 40])

    @given(value=st.integers() | st.floats(allow_nan=False))
    def test_bounds(self, value: float) -> None:
        """Top-coded values never exceed, bottom-coded never fall below the threshold."""
        top, bottom = TopCode(threshold=10)(value), BottomCode(threshold=10)(value)
        assert isinstance(top, int | float)
        assert isinstance(bottom, int | float)
        assert top <= 10 <= bottom

    @pytest.mark.parametrize("t", [TopCode(threshold=10), BottomCode(threshold=10)])
    def test_declares_same_as_input(self, t: TopCode | BottomCode) -> None:
        """The output type is declared as the input's."""
        assert SameAsInput is t.output_type

    @pytest.mark.parametrize(
        ("t", "value", "expected"),
        [
            (TopCode(threshold=10), 12, 10),
            (TopCode(threshold=10), 12.0, 10.0),
            (TopCode(threshold=10), Decimal("12.5"), Decimal(10)),
            (TopCode(threshold=10.5), 12, 10),
            (TopCode(threshold=10.5), 10, 10),
            (TopCode(threshold=10.5), 12.0, 10.5),
            (TopCode(threshold=0.1), Decimal("0.2"), Decimal("0.1")),
            (BottomCode(threshold=10), 8, 10),
            (BottomCode(threshold=9.5), 8, 10),
            (BottomCode(threshold=9.5), 8.0, 9.5),
            (BottomCode(threshold=0.1), Decimal("0.05"), Decimal("0.1")),
            (BottomCode(threshold=0.1), Decimal("0.1"), Decimal("0.1")),
        ],
    )
    def test_output_has_input_type(self, t: Any, value: object, expected: object) -> None:
        """An int stays an int, a float a float, a Decimal a Decimal, below or beyond."""
        actual = t(value)
        assert expected == actual
        assert type(value) is type(actual)

    @given(
        value=st.integers()
        | st.floats(allow_nan=False)
        | st.decimals(allow_nan=False, allow_infinity=False),
        threshold=st.integers(-100, 100) | st.floats(-100, 100),
    )
    def test_type_kept_and_bounded(self, value: float, threshold: float) -> None:
        """The result has the value's type and lies on the threshold's side."""
        top, bottom = TopCode(threshold=threshold)(value), BottomCode(threshold=threshold)(value)
        assert type(value) is type(top) is type(bottom)
        limit = Decimal(repr(threshold)) if isinstance(value, Decimal) else threshold
        assert top <= limit <= bottom  # type: ignore[operator]

    def test_refuses(self) -> None:
        """NaN, booleans and bad thresholds are refused."""
        with pytest.raises(TransformError, match="not_a_number"):
            TopCode(threshold=1)(math.nan)
        with pytest.raises(TransformError, match="wrong_type"):
            TopCode(threshold=1)(True)
        with pytest.raises(ValueError, match="threshold"):
            TopCode(threshold=math.inf)


class TestArrow:
    """apply_arrow gives the labels and values of apply_many."""

    @given(values=st.lists(st.dates() | st.none(), max_size=8))
    def test_truncate_date_day(self, values: list[date | None]) -> None:
        """The day kernel, on date32."""
        pa = pytest.importorskip("pyarrow")
        same_as_apply_many(TruncateDate(unit="day"), pa.array(values, pa.date32()))

    def test_truncate_date_day_timestamps(self) -> None:
        """The day kernel on aware timestamps uses their own calendar date."""
        pa = pytest.importorskip("pyarrow")
        values = [datetime(2024, 3, 31, 23, 30, tzinfo=UTC), None]
        for zone in ("Europe/Paris", "UTC", "America/New_York"):
            array = pa.array(values, pa.timestamp("us", tz=zone))
            same_as_apply_many(TruncateDate(unit="day"), array)
        paris = pa.array(values, pa.timestamp("us", tz="Europe/Paris"))
        assert ["2024-04-01", None] == TruncateDate(unit="day").apply_arrow(paris).to_pylist()

    @given(
        values=st.lists(st.integers(-(10**6), 10**6) | st.none(), max_size=8),
        params=st.sampled_from(
            [{"edges": (18, 30, 50)}, {"edges": (0.5, 30)}, {"width": 10}, {"width": 0.25}]
        ),
    )
    def test_bucket_ints(self, values: list[int | None], params: dict[str, Any]) -> None:
        """Bucket on int64 and float64 arrays of the same numbers: the same labels."""
        pa = pytest.importorskip("pyarrow")
        bucket = Bucket(**params)
        as_ints, as_floats = pa.array(values, pa.int64()), pa.array(values, pa.float64())
        same_as_apply_many(bucket, as_ints)
        same_as_apply_many(bucket, as_floats)
        assert bucket.apply_arrow(as_ints).to_pylist() == bucket.apply_arrow(as_floats).to_pylist()

    @given(values=st.lists(st.integers(0, 120) | st.none(), max_size=8))
    def test_age_band_from_ages(self, values: list[int | None]) -> None:
        """AgeBand(source="age") on int and float ages: the labels of apply_many."""
        pa = pytest.importorskip("pyarrow")
        t = AgeBand(source="age", width=5, top=90)
        same_as_apply_many(t, pa.array(values, pa.int16()))
        same_as_apply_many(t, pa.array(values, pa.float64()))

    @given(values=st.lists(st.dates(max_value=REFERENCE) | st.none(), max_size=8))
    def test_age_band_from_birth_dates(self, values: list[date | None]) -> None:
        """AgeBand on a date32 array of birth dates: the labels of apply_many."""
        pa = pytest.importorskip("pyarrow")
        same_as_apply_many(
            AgeBand(reference=REFERENCE, width=20, top=100), pa.array(values, pa.date32())
        )

    @given(
        values=st.lists(st.integers(-(2**31), 2**31 - 1) | st.none(), max_size=8),
        threshold=st.integers(-(2**40), 2**40) | st.floats(-1e6, 1e6),
        kind=st.sampled_from(["int8", "int32", "int64", "uint16"]),
    )
    def test_coding_ints(self, values: list[int | None], threshold: float, kind: str) -> None:
        """TopCode and BottomCode on integer arrays: the values of apply_many."""
        pa = pytest.importorskip("pyarrow")
        info = {"int8": (-128, 127), "int32": (-(2**31), 2**31 - 1), "uint16": (0, 65535)}
        low, high = info.get(kind, (-(2**63), 2**63 - 1))
        array = pa.array([v if v is None else min(max(v, low), high) for v in values], kind)
        for t in (TopCode(threshold=threshold), BottomCode(threshold=threshold)):
            same_as_apply_many(t, array)

    @given(
        values=st.lists(st.floats() | st.none(), max_size=8),
        threshold=st.integers(-100, 100) | st.floats(-100, 100),
    )
    def test_coding_floats(self, values: list[float | None], threshold: float) -> None:
        """TopCode and BottomCode on float64 arrays: the values of apply_many (NaN refused)."""
        pa = pytest.importorskip("pyarrow")
        for t in (TopCode(threshold=threshold), BottomCode(threshold=threshold)):
            same_as_apply_many(t, pa.array(values, pa.float64()))

    def test_coding_keeps_arrow_type(self) -> None:
        """The integer and float64 kernels keep the array's type."""
        pa = pytest.importorskip("pyarrow")
        for kind, top in ((pa.int8(), 90), (pa.uint16(), 90), (pa.float64(), 90.5)):
            array = pa.array([3, None, 97], kind)
            out = TopCode(threshold=90.5).apply_arrow(array)
            assert kind == out.type
            assert [3, None, top] == out.to_pylist()

    def test_coding_decimals(self) -> None:
        """Decimal arrays go through apply_many and stay decimal."""
        pa = pytest.importorskip("pyarrow")
        array = pa.array([Decimal("12.50"), None, Decimal("3.25")], pa.decimal128(10, 2))
        out = TopCode(threshold=10).apply_arrow(array)
        assert [Decimal(10), None, Decimal("3.25")] == out.to_pylist()
        assert pa.types.is_decimal(out.type)
