"""ShiftDate.apply_arrow_rows: the results and errors of apply_rows, on pyarrow columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.errors import TransformError
from custdata.keys import KeyRing
from custdata.transforms.shift import MAX_SHIFT_DAYS, ShiftDate

pa = pytest.importorskip("pyarrow")

RING = KeyRing.from_mapping({"k1": bytes(range(32))}, active="k1")
ZONES = ["UTC", "+02:00", "-09:30", "+14:00", "Europe/Paris", "America/New_York"]
# Instants every zone above can show within years 1 to 9999.
_FIRST = datetime(1, 1, 2, tzinfo=UTC)
_LAST = datetime(9999, 12, 30, tzinfo=UTC)


def _shift(max_days: int = 30, **params: Any) -> ShiftDate:
    params.setdefault("field", "on")
    return ShiftDate(
        keys=RING, domain="orders", max_days=max_days, subject_field="customer", **params
    )


def _views(columns: Mapping[str, Any]) -> list[dict[str, object]]:
    """The rows apply_rows gets for the same columns: each cell's as_py()."""
    size = len(next(iter(columns.values())))
    return [{name: column[i].as_py() for name, column in columns.items()} for i in range(size)]


def _strict(value: object) -> object:
    """A value with its UTC offset: aware datetimes in two offsets are == but not the same."""
    return (value, value.utcoffset()) if isinstance(value, datetime) else value


def _outcome(call: Callable[[], list[object]]) -> object:
    """The results, or the code and message of the TransformError."""
    try:
        return [_strict(value) for value in call()]
    except TransformError as error:
        return (error.transform, error.code, error.message)


def _same(shift: ShiftDate, columns: dict[str, Any]) -> None:
    expected = _outcome(lambda: shift.apply_rows(_views(columns)))
    actual = _outcome(lambda: shift.apply_arrow_rows(columns).to_pylist())
    assert expected == actual


_subjects = st.lists(st.text(max_size=6) | st.none(), min_size=1, max_size=4)
_max_days = st.sampled_from([0, 1, 30, 365, MAX_SHIFT_DAYS])


@st.composite
def _rows(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> tuple[list[Any], list[Any]]:
    """A column of values (nulls among them) and a column of subjects, a few distinct."""
    subjects = draw(_subjects)
    size = draw(st.integers(0, 12))
    dates = draw(st.lists(values | st.none(), min_size=size, max_size=size))
    people = draw(st.lists(st.sampled_from(subjects), min_size=size, max_size=size))
    return dates, people


class TestApplyArrowRows:
    """apply_arrow_rows equals apply_rows on the same columns."""

    @given(rows=_rows(st.dates()), max_days=_max_days)
    def test_dates(self, rows: tuple[list[Any], list[Any]], max_days: int) -> None:
        """date32 columns over the whole calendar: same dates, nulls, errors (out_of_range...)."""
        dates, people = rows
        columns = {"on": pa.array(dates, pa.date32()), "customer": pa.array(people, pa.string())}
        _same(_shift(max_days), columns)

    @given(
        rows=_rows(st.datetimes(timezones=st.just(UTC)).filter(lambda at: _FIRST <= at <= _LAST)),
        max_days=_max_days,
        zone=st.sampled_from(ZONES),
        unit=st.sampled_from(["s", "ms", "us"]),
    )
    def test_timestamps(
        self, rows: tuple[list[Any], list[Any]], max_days: int, zone: str, unit: str
    ) -> None:
        """Time-zoned timestamps: the same instants in the same offsets, the same errors."""
        dates, people = rows
        if unit != "us":
            dates = [None if at is None else at.replace(microsecond=0) for at in dates]
        values = pa.array(dates, pa.timestamp("us", tz=zone)).cast(pa.timestamp(unit, tz=zone))
        _same(_shift(max_days), {"on": values, "customer": pa.array(people, pa.string())})

    @given(rows=_rows(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))))
    def test_integer_and_dictionary_subjects(self, rows: tuple[list[Any], list[Any]]) -> None:
        """Integer subjects and dictionary-encoded ones give the offsets of their values."""
        dates, people = rows
        numbers = [None if p is None else len(p) * 7919 for p in people]
        shift = _shift()
        on = pa.array(dates, pa.date32())
        _same(shift, {"on": on, "customer": pa.array(numbers, pa.int64())})
        _same(shift, {"on": on, "customer": pa.array(people, pa.string()).dictionary_encode()})
        _same(shift, {"on": on, "customer": pa.array(people, pa.large_string())})

    def test_edges(self) -> None:
        """Years 1 and 9999 are reached, not passed: the first row beyond raises out_of_range."""
        shift = _shift(max_days=MAX_SHIFT_DAYS)
        subjects = pa.array(["a", "b", "c", "d"])
        offsets = [shift.offset(s) for s in subjects.to_pylist()]
        inside = [date.max - timedelta(days=max(d, 0)) for d in offsets]
        columns = {"on": pa.array(inside, pa.date32()), "customer": subjects}
        _same(shift, columns)
        assert date.max in shift.apply_arrow_rows(columns).to_pylist()
        beyond = [date.max if d > 0 else date.min for d in offsets]
        columns = {"on": pa.array(beyond, pa.date32()), "customer": subjects}
        with pytest.raises(TransformError) as caught:
            shift.apply_arrow_rows(columns)
        assert "out_of_range" == caught.value.code

    def test_local_time_beyond_year_9999(self) -> None:
        """An instant whose local time leaves year 9999 is refused as apply_rows refuses it."""
        shift = _shift(max_days=MAX_SHIFT_DAYS)
        late = next(
            s for s in (f"s{i}" for i in range(100)) if shift.offset(s) > 0
        )  # a subject shifted forward
        days = shift.offset(late)
        at = datetime(9999, 12, 31, 20, tzinfo=UTC) - timedelta(days=days)
        for zone, code in (("UTC", None), ("+05:00", "out_of_range")):
            columns = {
                "on": pa.array([at], pa.timestamp("us", tz=zone)),
                "customer": pa.array([late]),
            }
            _same(shift, columns)
            outcome = _outcome(lambda c=columns: shift.apply_arrow_rows(c).to_pylist())
            assert code == (outcome[1] if isinstance(outcome, tuple) else None)

    def test_dst_offset_as_shift(self) -> None:
        """In a zone with DST the offset changes as shift changes it; a fixed offset never does."""
        shift = _shift(max_days=MAX_SHIFT_DAYS)
        winter = datetime(2024, 1, 15, 12, tzinfo=UTC)
        subjects = [f"s{i}" for i in range(40)]
        for zone in ("Europe/Paris", "+01:00"):
            columns = {
                "on": pa.array([winter] * 40, pa.timestamp("us", tz=zone)),
                "customer": pa.array(subjects),
            }
            _same(shift, columns)
        out = shift.apply_arrow_rows(columns).to_pylist()
        assert {timedelta(hours=1)} == {at.utcoffset() for at in out}

    def test_chunked(self) -> None:
        """Chunked columns are accepted."""
        dates = [date(2024, 3, 1), None, date(2024, 3, 15)]
        columns = {
            "on": pa.chunked_array([dates[:1], dates[1:]], pa.date32()),
            "customer": pa.chunked_array([["a"], ["b", "a"]]),
        }
        expected = _shift().apply_rows(_views({k: v.combine_chunks() for k, v in columns.items()}))
        assert expected == _shift().apply_arrow_rows(columns).to_pylist()

    @pytest.mark.parametrize(
        "columns",
        [
            {"on": pa.array([date(2024, 1, 1), None]), "customer": pa.array([None, "a"])},
            {"on": pa.array(["2024-01-01", None]), "customer": pa.array(["a", "b"])},
            {"on": pa.array([None, None], pa.string()), "customer": pa.array(["a", "b"])},
            {
                "on": pa.array([datetime(2024, 1, 1), None]),  # noqa: DTZ001  # naive on purpose
                "customer": pa.array(["a", "b"]),
            },
            {"on": pa.array([date(2024, 1, 1), None]), "customer": pa.array([True, False])},
            {"on": pa.array([None, None], pa.date32()), "customer": pa.array([True, None])},
            {"on": pa.array([date(2024, 1, 1)]), "customer": pa.array([1.5])},
            {"on": pa.array([date(2024, 1, 1)], pa.date64()), "customer": pa.array(["a"])},
            {
                "on": pa.array([datetime(2024, 1, 1, tzinfo=UTC)], pa.timestamp("ns", tz="UTC")),
                "customer": pa.array(["a"]),
            },
            {"on": pa.array([], pa.date32()), "customer": pa.array([], pa.string())},
        ],
    )
    def test_other_types(self, columns: dict[str, Any]) -> None:
        """Missing subjects and types the columnar path does not take: still apply_rows."""
        _same(_shift(), columns)

    def test_no_field(self) -> None:
        """Without a field, no_field, as apply_rows."""
        shift = ShiftDate(keys=RING, domain="orders", max_days=3, subject_field="customer")
        with pytest.raises(TransformError) as caught:
            shift.apply_arrow_rows({"customer": pa.array(["a"])})
        assert "no_field" == caught.value.code

    def test_lengths_differ(self) -> None:
        """Columns of different lengths are a programming mistake: ValueError."""
        columns = {"on": pa.array([date(2024, 1, 1)]), "customer": pa.array(["a", "b"])}
        with pytest.raises(ValueError, match="differ in length"):
            _shift().apply_arrow_rows(columns)

    def test_fixed_offset_values_keep_their_offset(self) -> None:
        """A value in a fixed offset comes back in it: the offset column beside it still holds."""
        at = datetime(2024, 3, 31, 0, 30, tzinfo=timezone(timedelta(hours=1)))
        shift = _shift()
        out = shift.apply_arrow_rows(
            {"on": pa.array([at], pa.timestamp("us", tz="+01:00")), "customer": pa.array(["a"])}
        ).to_pylist()
        assert [shift.shift(at, "a")] == out
        assert timedelta(hours=1) == out[0].utcoffset()
