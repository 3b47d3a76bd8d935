"""Tests of custdata.transforms.shift: per-subject keyed date offsets."""

from __future__ import annotations

import hashlib
import hmac
import pickle
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from custdata.errors import KeyRingError, PolicyError, TransformError
from custdata.keys import KeyRing
from custdata.transforms.base import RowTransform
from custdata.transforms.shift import MAX_SHIFT_DAYS, ShiftDate

SECRET = bytes(range(32))
SUBJECTS = st.one_of(st.text(min_size=1, max_size=20), st.integers(0, 10**12))
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
AWARE = st.datetimes(
    min_value=datetime(1950, 1, 1),  # noqa: DTZ001  # hypothesis bounds are naive by design
    max_value=datetime(2090, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("Europe/Paris")]
    ),
    # Wall-clock times skipped by a DST change do not exist: they cannot round-trip.
    allow_imaginary=False,
)


def _ring(key_id: str = "k1") -> KeyRing:
    return KeyRing.from_mapping({key_id: SECRET}, active=key_id)


def _shift(domain: str = "purchases", max_days: int = 30, **params: Any) -> ShiftDate:
    return ShiftDate(
        keys=_ring(), domain=domain, max_days=max_days, subject_field="customer", **params
    )


class TestShiftDate:
    """Shifting dates per subject."""

    @given(SUBJECTS, st.integers(0, 400))
    def test_offset_range(self, subject: str | int, max_days: int) -> None:
        """The offset is in [-max_days, max_days] and 0 only when max_days is 0."""
        offset = _shift(max_days=max_days).offset(subject)
        assert -max_days <= offset <= max_days
        assert (offset == 0) == (max_days == 0)

    def test_offsets_cover_both_signs(self) -> None:
        """Offsets take both signs and many values."""
        shift = _shift(max_days=3)
        offsets = {shift.offset(f"c{i}") for i in range(200)}
        assert {-3, -2, -1, 1, 2, 3} == offsets

    @given(SUBJECTS, DATES, DATES)
    def test_same_subject_same_offset(self, subject: str | int, first: date, second: date) -> None:
        """Two dates of one subject keep their interval."""
        shift = _shift()
        a = shift.shift(first, subject)
        b = shift.shift(second, subject)
        assert a is not None
        assert b is not None
        assert second - first == b - a

    @given(SUBJECTS, DATES)
    def test_round_trip_dates(self, subject: str | int, value: date) -> None:
        """unshift inverts shift for dates."""
        shift = _shift()
        shifted = shift.shift(value, subject)
        assert type(value) is type(shifted)
        assert value == shift.unshift(shifted, subject)

    @given(SUBJECTS, AWARE)
    def test_round_trip_aware_datetimes(self, subject: str | int, value: datetime) -> None:
        """unshift inverts shift for aware datetimes, time zone kept."""
        shift = _shift()
        shifted = shift.shift(value, subject)
        assert isinstance(shifted, datetime)
        assert value.tzinfo is shifted.tzinfo
        # Elapsed time (in UTC: subtracting two datetimes of one tzinfo ignores DST).
        elapsed = shifted.astimezone(UTC) - value.astimezone(UTC)
        assert timedelta(days=shift.offset(subject)) == elapsed
        back = shift.unshift(shifted, subject)
        assert isinstance(back, datetime)
        assert (value.replace(tzinfo=None), value.utcoffset()) == (
            back.replace(tzinfo=None),
            back.utcoffset(),
        )

    @given(SUBJECTS)
    def test_domains_unrelated(self, subject: str | int) -> None:
        """Two domains give independent offsets (checked over many subjects below)."""
        assert -30 <= _shift("a").offset(subject) <= 30

    def test_domains_differ(self) -> None:
        """Two domains disagree on most subjects' offsets."""
        a, b = _shift("a"), _shift("b")
        same = sum(a.offset(f"c{i}") == b.offset(f"c{i}") for i in range(300))
        assert same < 30

    def test_documented_algorithm(self) -> None:
        """The offset is exactly the documented construction, built here independently."""
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"custdata/v1",
            info=b"shift_date\x00purchases",
        ).derive(SECRET)
        for subject in ["c-1", "pseudonym:AbCd", 42]:
            x = int.from_bytes(
                hmac.digest(key, str(subject).encode("utf-8"), hashlib.sha256)[:8], "big"
            )
            k = x % 60
            expected = k - 30 if k < 30 else k - 29
            assert expected == _shift().offset(subject)

    def test_int_and_str_subject_agree(self) -> None:
        """A subject read as an int or as its digits gets one offset."""
        assert _shift().offset(12345) == _shift().offset("12345")

    def test_apply_row(self) -> None:
        """apply_row shifts the field by the row's subject's offset."""
        shift = _shift(field="bought_on")
        row = {"customer": "c-1", "bought_on": date(2024, 3, 1)}
        expected = date(2024, 3, 1) + timedelta(days=shift.offset("c-1"))
        assert expected == shift.apply_row(row)
        assert expected == _shift().apply_row(row, "bought_on")

    def test_apply_rows(self) -> None:
        """apply_rows equals apply_row on each row."""
        shift = _shift(field="d")
        rows: list[dict[str, object]] = [
            {"customer": f"c{i % 7}", "d": date(2024, 1, 1) + timedelta(days=i)} for i in range(30)
        ]
        rows.append({"customer": "c1", "d": None})
        assert [shift.apply_row(row) for row in rows] == shift.apply_rows(rows)

    def test_apply_row_needs_field(self) -> None:
        """Without a field, apply_row is a per-value error naming the problem."""
        with pytest.raises(TransformError) as caught:
            _shift().apply_row({"customer": "c-1"})
        assert "no_field" == caught.value.code

    def test_missing_subject(self) -> None:
        """A row without its subject is a per-value error."""
        with pytest.raises(TransformError) as caught:
            _shift(field="d").apply_row({"d": date(2024, 1, 1)})
        assert "missing_subject" == caught.value.code

    def test_missing_value(self) -> None:
        """A row without the date gives None."""
        assert _shift(field="d").apply_row({"customer": "c-1"}) is None

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("2024-01-01", "wrong_type"),
            (datetime(2024, 1, 1, 12), "naive_datetime"),  # noqa: DTZ001  # the case under test
        ],
    )
    def test_bad_values(self, value: object, code: str) -> None:
        """Strings and naive datetimes are per-value errors."""
        with pytest.raises(TransformError) as caught:
            _shift(max_days=1).shift(value, "zz")
        assert code == caught.value.code

    def test_out_of_range(self) -> None:
        """A date shifted past the calendar's edge is a per-value error."""
        shift = _shift(max_days=1)
        edge = date.max if shift.offset("zz") > 0 else date.min
        with pytest.raises(TransformError) as caught:
            shift.shift(edge, "zz")
        assert "out_of_range" == caught.value.code

    @pytest.mark.parametrize("subject", [1.5, b"c-1", True, ["c"]])
    def test_bad_subject(self, subject: object) -> None:
        """A subject that is not a str or an int is a per-value error."""
        with pytest.raises(TransformError) as caught:
            _shift().offset(subject)
        assert "wrong_subject_type" == caught.value.code

    @pytest.mark.parametrize("subject", ["\ud800", "c-1\udfff", "\ud83d\ude00"])
    def test_subject_not_text(self, subject: str) -> None:
        """A subject holding a lone surrogate is invalid_text, the code every transform uses."""
        shift = _shift(field="d")
        row = {"customer": subject, "d": date(2024, 3, 1)}
        calls = [
            lambda: shift.offset(subject),
            lambda: shift.shift(date(2024, 3, 1), subject),
            lambda: shift.unshift(date(2024, 3, 1), subject),
            lambda: shift.apply_row(row),
            lambda: shift.apply_rows([row, row]),
            lambda: shift.reverse(row),
        ]
        for call in calls:
            with pytest.raises(TransformError) as caught:
                call()
            assert "invalid_text" == caught.value.code

    def test_row_transform_only(self) -> None:
        """It is not a value transform: no __call__, apply_many or output_type."""
        shift = _shift(field="d")
        assert not callable(shift)
        for name in ("apply_many", "output_type", "apply_arrow"):
            assert not hasattr(shift, name)

    @pytest.mark.parametrize("row", [date(2024, 1, 1), "c-1", ["c-1"], 3, object()])
    def test_row_not_a_mapping(self, row: object) -> None:
        """A row that is not a mapping is wrong_type in apply_row, apply_rows and reverse."""
        shift = _shift(field="d")
        calls = [
            lambda: shift.apply_row(row),  # type: ignore[arg-type]
            lambda: shift.apply_rows([row]),  # type: ignore[list-item]
            lambda: shift.reverse(row),
        ]
        for call in calls:
            with pytest.raises(TransformError) as caught:
                call()
            assert "wrong_type" == caught.value.code

    def test_reverse_row(self) -> None:
        """reverse takes the row with its field shifted and gives a copy with the original."""
        shift = _shift(field="d")
        row = {"customer": "c-1", "d": date(2024, 1, 1), "other": 3}
        out = {**row, "d": shift.apply_row(row)}
        assert row == shift.reverse(out)
        assert row == _shift().reverse(out, "d")
        assert {"customer": "c-1"} == shift.reverse({"customer": "c-1"})
        assert shift.reverse(None) is None

    @given(st.lists(st.fixed_dictionaries({"customer": SUBJECTS, "d": DATES}), max_size=10))
    def test_round_trip_rows(self, rows: list[dict[str, object]]) -> None:
        """reverse inverts apply_row on rows, and apply_rows equals the loop."""
        shift = _shift(field="d")
        out = shift.apply_rows(rows)
        assert [shift.apply_row(row) for row in rows] == out
        shifted = [{**row, "d": day} for row, day in zip(rows, out, strict=True)]
        assert rows == [shift.reverse(row) for row in shifted]

    @given(
        row=st.dictionaries(
            st.sampled_from(["customer", "d", "x"]),
            st.none()
            | st.text(max_size=5)
            | st.integers()
            | st.floats()
            | st.booleans()
            | st.binary(max_size=3)
            | st.dates()
            | st.datetimes()
            | st.datetimes(timezones=st.just(UTC))
            | st.lists(st.integers(), max_size=2),
        )
        | st.none()
        | st.integers()
        | st.text(max_size=5),
        max_days=st.sampled_from([0, 1, 30, MAX_SHIFT_DAYS]),
    )
    def test_total(self, row: object, max_days: int) -> None:
        """Any row gives a value or a TransformError with a code: no other exception escapes."""
        shift = _shift(field="d", max_days=max_days)
        codes = []
        for call in (
            lambda: shift.apply_row(row),  # type: ignore[arg-type]
            lambda: shift.apply_rows([row]),  # type: ignore[list-item]
            lambda: shift.reverse(row),
        ):
            try:
                call()
            except TransformError as error:
                codes.append(error.code)
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", code) for code in codes)

    def test_huge_int_subject(self) -> None:
        """An int subject too long to write in decimal is a per-value error, not a ValueError."""
        with pytest.raises(TransformError) as caught:
            _shift().offset(10**5000)
        assert "subject_too_large" == caught.value.code

    def test_unshift_after_rotate(self) -> None:
        """Dates shifted before a rotation shift back with key_id."""
        ring = _ring()
        before = ShiftDate(keys=ring, domain="p", max_days=30, subject_field="s")
        shifted = before.shift(date(2024, 1, 1), "c-1")
        after = ShiftDate(keys=ring.rotate(key_id="k2"), domain="p", max_days=30, subject_field="s")
        assert date(2024, 1, 1) == after.unshift(shifted, "c-1", key_id="k1")
        with pytest.raises(KeyRingError):
            after.unshift(shifted, "c-1", key_id="nope")

    def test_row_transform(self) -> None:
        """It is a RowTransform whose requires is its own subject field, per instance."""
        shift = _shift()
        assert isinstance(shift, RowTransform)
        assert ("customer",) == shift.requires
        other = ShiftDate(keys=_ring(), domain="p", max_days=3, subject_field="client")
        assert ("client",) == other.requires

    @pytest.mark.parametrize(
        ("params", "error"),
        [
            ({"max_days": -1}, ValueError),
            ({"max_days": 40_000}, ValueError),
            ({"max_days": 1.5}, PolicyError),
            ({"max_days": True}, PolicyError),
            ({"domain": ""}, ValueError),
        ],
    )
    def test_bad_parameters(self, params: dict[str, Any], error: type[Exception]) -> None:
        """Bad parameters fail at construction."""
        with pytest.raises(error):
            _shift(**params)

    def test_key_not_shown(self) -> None:
        """The repr shows parameters, never the key."""
        shift = _shift()
        assert "keys" not in repr(shift)
        assert SECRET.hex() not in repr(shift)

    def test_pickles(self) -> None:
        """A ShiftDate pickles and gives the same offsets after."""
        shift = _shift(field="d")
        copy = pickle.loads(pickle.dumps(shift))  # noqa: S301  # our own bytes
        assert shift.offset("c-1") == copy.offset("c-1")
        assert shift == copy
