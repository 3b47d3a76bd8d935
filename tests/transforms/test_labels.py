"""The shared label scheme of generalised values: custdata.transforms.labels."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.transforms import labels
from custdata.transforms.labels import (
    DATE_UNITS,
    SUPPRESSED,
    at_least,
    band,
    below,
    closed_range,
    date_label,
    edge_labels,
    format_number,
    half_open_range,
    is_whole,
)

_finite = (
    st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False)
)


class TestFormats:
    """One documented format per kind of label."""

    def test_kinds(self) -> None:
        """Closed range, single value, half-open range, open ends, fully generalised."""
        assert ["30-39", "24", "-10--1"] == [
            closed_range(30, 39),
            closed_range(24, 24),
            closed_range(-10, -1),
        ]
        assert "[0.5, 0.75)" == half_open_range(0.5, 0.75)
        assert ("90+", "<18") == (at_least(90), below(18))
        assert "*" == SUPPRESSED

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (42, "42"),
            (42.0, "42"),
            (Decimal("42.000"), "42"),
            (Decimal("4.2E+1"), "42"),
            (0.3, "0.3"),
            (1e-05, "0.00001"),
            (1e20, "100000000000000000000"),
            (-0.0, "0"),
            (Decimal("-0.00"), "0"),
            (-2.5, "-2.5"),
        ],
    )
    def test_format_number(self, value: float, expected: str) -> None:
        """Plain decimals: no exponent, no trailing zero, a float as Python prints it."""
        assert expected == format_number(value)

    @given(number=st.integers(-(2**60), 2**60))
    def test_python_type_ignored(self, number: int) -> None:
        """An int and the float and Decimal equal to it are written alike."""
        assert format_number(number) == format_number(Decimal(number))
        as_float = float(number)
        assert format_number(as_float) == format_number(int(as_float))

    @pytest.mark.parametrize("value", [True, "1", None, math.inf, math.nan, Decimal("NaN")])
    def test_format_refuses(self, value: object) -> None:
        """Booleans, non-numbers and non-finite numbers have no label."""
        with pytest.raises((TypeError, ValueError)):
            format_number(value)  # type: ignore[arg-type]

    def test_closed_range_order(self) -> None:
        """A closed range needs high >= low."""
        with pytest.raises(ValueError, match="high"):
            closed_range(5, 4)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(10, True), (10.0, True), (Decimal("10.00"), True), (10.5, False), (True, False)],
    )
    def test_is_whole(self, value: object, expected: bool) -> None:
        """Whole means an integral finite number, whatever its type (bools are not numbers)."""
        assert expected == is_whole(value)  # type: ignore[arg-type]

    def test_all(self) -> None:
        """Every public name is listed."""
        assert sorted(labels.__all__) == labels.__all__


class TestBand:
    """band: the label of a fixed-width band."""

    @pytest.mark.parametrize(
        ("args", "kwargs", "expected"),
        [
            ((42, 10), {}, "40-49"),
            ((49.999, 10), {}, "40-49"),
            ((42, 1), {}, "42"),
            ((-1, 10), {}, "-10--1"),
            ((14.99, 10), {"origin": 5}, "5-14"),
            ((2499.5, 1000), {}, "2000-2999"),
            ((0.6, 0.25), {}, "[0.5, 0.75)"),
            ((0.3, 0.1), {}, "[0.3, 0.4)"),
            ((Decimal("0.3"), Decimal("0.1")), {}, "[0.3, 0.4)"),
            ((10, 10), {"origin": 0.5}, "[0.5, 10.5)"),
            ((97, 5), {"top": 90}, "90+"),
            ((89.9, 5), {"top": 90}, "85-89"),
        ],
    )
    def test_examples(
        self, args: tuple[float, float], kwargs: dict[str, float], expected: str
    ) -> None:
        """Closed ranges for whole widths and origins, half-open otherwise, open top."""
        assert expected == band(*args, **kwargs)

    @given(value=_finite, width=st.sampled_from([1, 3, 10, 10.0, 0.5, 0.1, Decimal("2.5")]))
    def test_band_holds_value(self, value: float, width: float) -> None:
        """The band's bounds hold the value, read exactly (a float as Python prints it)."""
        label = band(value, width)
        exact = Decimal(value)  # exact for ints, Decimals and integral floats
        if isinstance(value, float) and not value.is_integer():
            exact = Decimal(repr(value))
        if label.startswith("["):
            low, high = (Decimal(x) for x in label[1:-1].split(", "))
        else:
            first, last = _closed(label)
            low, high = Decimal(first), Decimal(last + 1)
        assert low <= exact < high
        assert Decimal(str(width)) == high - low

    @given(number=st.integers(-(10**18), 10**18), width=st.sampled_from([1, 5, 10, 0.25]))
    def test_python_type_ignored(self, number: int, width: float) -> None:
        """42, 42.0 and Decimal(42) get one label."""
        assert band(number, width) == band(float(number), width) == band(Decimal(number), width)

    @given(value=_finite, origin=st.integers(-50, 50))
    def test_widths_nest_exactly(self, value: float, origin: int) -> None:
        """At widths 5, 10, 20 from one origin, each band is one of the two halves of the next."""
        labels_by_width = {w: band(value, w, origin=origin) for w in (5, 10, 20)}
        for inner, outer in ((5, 10), (10, 20)):
            low, high = _closed(labels_by_width[outer])
            halves = {closed_range(low, low + inner - 1), closed_range(low + inner, high)}
            assert labels_by_width[inner] in halves
            members = {band(x, inner, origin=origin) for x in range(low, high + 1)}
            assert halves == members

    @given(value=st.decimals(-1000, 1000, places=4))
    def test_widths_nest_not_whole(self, value: Decimal) -> None:
        """Half-open bands of widths 0.25 and 0.5 nest in the closed band of width 1."""
        low1, high1 = _closed(band(value, 1))
        low, high = (Decimal(x) for x in band(value, 0.5)[1:-1].split(", "))
        inner_low, inner_high = (Decimal(x) for x in band(value, 0.25)[1:-1].split(", "))
        assert low1 <= low <= inner_low < inner_high <= high <= high1 + 1

    @pytest.mark.parametrize("width", [0, -1, 0.0])
    def test_width_positive(self, width: float) -> None:
        """A band needs a positive width."""
        with pytest.raises(ValueError, match="width"):
            band(1, width)


def _closed(label: str) -> tuple[int, int]:
    first, sep, last = label.partition("-")
    if not first:  # a negative low bound
        first, sep, last = last.partition("-")
        first = "-" + first
    return int(first), int(last) if sep else int(first)


class TestEdgeLabels:
    """edge_labels: the labels of intervals between edges."""

    def test_whole(self) -> None:
        """Whole edges: closed ranges between open ends."""
        assert ("<18", "18-29", "30-49", "50+") == edge_labels((18, 30, 50))
        assert ("<18", "18", "19+") == edge_labels((18.0, 19))

    def test_not_whole(self) -> None:
        """Edges that are not all whole: half-open ranges between the same open ends."""
        assert ("<0", "[0, 1.5)", "[1.5, 10)", "10+") == edge_labels((0, 1.5, 10))

    @pytest.mark.parametrize("edges", [(), (2, 1), (1, 1)])
    def test_bad_edges(self, edges: tuple[int, ...]) -> None:
        """Edges must be at least one, strictly increasing."""
        with pytest.raises(ValueError, match="edges"):
            edge_labels(edges)


class TestDateLabel:
    """date_label: day, month, quarter, year."""

    def test_units(self) -> None:
        """Each unit's label, finest first; years on four digits."""
        assert ["0042-05-07", "0042-05", "0042-Q2", "0042"] == [
            date_label(date(42, 5, 7), unit) for unit in DATE_UNITS
        ]

    def test_bad_unit(self) -> None:
        """An unknown unit is a ValueError listing the units."""
        with pytest.raises(ValueError, match="day, month, quarter, year"):
            date_label(date(2024, 1, 1), "week")  # type: ignore[arg-type]
