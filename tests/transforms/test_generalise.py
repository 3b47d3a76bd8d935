"""Generalisation: AgeBand, TruncateDate, TruncatePostcode, Bucket, TopCode, BottomCode."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

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

REFERENCE = date(2024, 6, 30)


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

    def test_bad_parameters(self) -> None:
        """Bad parameters fail at construction."""
        with pytest.raises(PolicyError, match="reference"):
            AgeBand(reference=datetime(2024, 1, 1, tzinfo=UTC))
        with pytest.raises(ValueError, match="multiple of width"):
            AgeBand(reference=REFERENCE, width=10, top=85)
        with pytest.raises(ValueError, match="width"):
            AgeBand(reference=REFERENCE, width=0)


class TestTruncateDate:
    """TruncateDate."""

    @pytest.mark.parametrize(
        ("unit", "expected"), [("month", "2024-05"), ("quarter", "2024-Q2"), ("year", "2024")]
    )
    def test_units(self, unit: str, expected: str) -> None:
        """Each unit gives its label."""
        assert expected == TruncateDate(unit=unit)(date(2024, 5, 17))  # type: ignore[arg-type]

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
        """Default labels with edges, open at both ends."""
        bucket = Bucket(edges=(18, 30, 50))
        assert ["<18", "[18, 30)", "[30, 50)", ">=50"] == bucket.apply_many([12, 18, 42, 50])

    def test_labels(self) -> None:
        """Custom labels."""
        bucket = Bucket(edges=(18, 65), labels=("minor", "adult", "senior"))
        assert ["minor", "adult", "senior"] == bucket.apply_many([3, 18, 70])

    def test_width(self) -> None:
        """Fixed-width intervals, exact for integers, floor for negatives."""
        assert "[2000, 3000)" == Bucket(width=1000)(2499.5)
        assert "[-10, 0)" == Bucket(width=10)(-1)
        assert "[5, 15)" == Bucket(width=10, origin=5)(Decimal("14.99"))
        assert "[0.5, 0.75)" == Bucket(width=0.25)(0.6)

    @given(value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
    def test_edges_cover(self, value: float) -> None:
        """Every finite number lands in exactly one labelled interval."""
        assert Bucket(edges=(0, 1.5, 10))(value) in {"<0", "[0, 1.5)", "[1.5, 10)", ">=10"}

    @pytest.mark.parametrize("value", [math.nan, Decimal("NaN")])
    def test_nan(self, value: object) -> None:
        """NaN is refused."""
        with pytest.raises(TransformError, match="not_a_number"):
            Bucket(edges=(1,))(value)

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

    def test_refuses(self) -> None:
        """NaN, booleans and bad thresholds are refused."""
        with pytest.raises(TransformError, match="not_a_number"):
            TopCode(threshold=1)(math.nan)
        with pytest.raises(TransformError, match="wrong_type"):
            TopCode(threshold=1)(True)
        with pytest.raises(ValueError, match="threshold"):
            TopCode(threshold=math.inf)
