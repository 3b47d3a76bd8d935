"""Date-times as French exports write them, read in the time zone the caller names: no guess."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import ValidationError
from custdata.model import Contact, Purchase, from_dict, from_flat, to_dict, to_flat
from custdata.model._time import LocalTimeError, TimeZone, check_tz, localise
from custdata.testing import aware_datetimes

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
WINTER = dt.timedelta(hours=1)
SUMMER = dt.timedelta(hours=2)

_PURCHASE: dict[str, object] = {
    "purchase_id": "P-1",
    "contact_id": "C-1",
    "total": {"amount": "12,50", "currency": "EUR"},
}


def _purchased_at(value: object, tz: TimeZone | None = None) -> dt.datetime:
    return from_dict(Purchase, {**_PURCHASE, "purchased_at": value}, tz=tz).purchased_at


def _issues(value: object, tz: TimeZone | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        _purchased_at(value, tz)
    if isinstance(value, str) and value.strip():
        assert value.strip() not in str(caught.value)
    return [(issue.path, issue.code) for issue in caught.value.issues]


class TestFrenchForms:
    @pytest.mark.parametrize(
        ("text", "wall", "offset"),
        [
            ("29/11/2024 18:05", dt.datetime(2024, 11, 29, 18, 5), WINTER),  # noqa: DTZ001
            ("29/11/2024 18:05:33", dt.datetime(2024, 11, 29, 18, 5, 33), WINTER),  # noqa: DTZ001
            (" 29.11.2024 18:05 ", dt.datetime(2024, 11, 29, 18, 5), WINTER),  # noqa: DTZ001
            ("1/7/2024 9:05", dt.datetime(2024, 7, 1, 9, 5), SUMMER),  # noqa: DTZ001
            ("2024-11-29T18:05", dt.datetime(2024, 11, 29, 18, 5), WINTER),  # noqa: DTZ001
            ("2024-07-01 09:05:33", dt.datetime(2024, 7, 1, 9, 5, 33), SUMMER),  # noqa: DTZ001
        ],
    )
    def test_read_in_the_zone(self, text: str, wall: dt.datetime, offset: dt.timedelta) -> None:
        """Day-first and naive ISO date-times get the zone's offset of that day."""
        moment = _purchased_at(text, "Europe/Paris")
        assert (wall, offset) == (moment.replace(tzinfo=None), moment.utcoffset())

    def test_zone_object_or_name(self) -> None:
        """tz= takes an IANA name, a ZoneInfo or a fixed datetime.timezone."""
        by_name = _purchased_at("29/11/2024 18:05", "Europe/Paris")
        assert by_name == _purchased_at("29/11/2024 18:05", PARIS)
        assert by_name == _purchased_at("29/11/2024 18:05", dt.timezone(WINTER))
        assert by_name == _purchased_at("29/11/2024 17:05", "UTC")

    def test_naive_datetime_object(self) -> None:
        """A naive datetime handed over by the host is read in the zone too."""
        naive = dt.datetime(2024, 11, 29, 18, 5)  # noqa: DTZ001  # the case under test
        assert naive.replace(tzinfo=PARIS) == _purchased_at(naive, PARIS)

    def test_offset_kept(self) -> None:
        """A date-time with its own offset keeps it, whatever tz says."""
        moment = _purchased_at("2024-11-29T18:05:00-05:00", "Europe/Paris")
        assert dt.timedelta(hours=-5) == moment.utcoffset()

    def test_from_flat(self) -> None:
        """from_flat reads a CSV row's date-time in the zone."""
        row = {
            "purchase_id": "P-1",
            "contact_id": "C-1",
            "purchased_at": "29/11/2024 18:05",
            "total.amount": "12,50",
            "total.currency": "EUR",
        }
        purchase = from_flat(Purchase, row, tz="Europe/Paris")
        assert "2024-11-29T18:05:00+01:00" == to_flat(purchase)["purchased_at"]

    def test_record_method(self) -> None:
        """Record.from_dict takes tz= as the function does."""
        contact = Contact.from_dict(
            {"contact_id": "C-1", "created_at": "29/11/2024 18:05"}, tz="Europe/Paris"
        )
        assert dt.datetime(2024, 11, 29, 18, 5, tzinfo=PARIS) == contact.created_at

    def test_month_first_refused(self) -> None:
        """Day first only: 11/29/2024 has no 29th month."""
        assert [("purchased_at", "invalid_datetime")] == _issues("11/29/2024 18:05", PARIS)

    @pytest.mark.parametrize("text", ["2024-11-29", "29/11/2024", "20241129"])
    def test_date_alone_refused(self, text: str) -> None:
        """A date alone is not a moment: no midnight is assumed."""
        assert [("purchased_at", "invalid_datetime")] == _issues(text, PARIS)

    @pytest.mark.parametrize("text", ["29/11/2024 24:00", "30/02/2024 10:00", "29/11/2024 18h05"])
    def test_impossible_refused(self, text: str) -> None:
        """Impossible dates and times, and other spellings, are invalid_datetime."""
        assert [("purchased_at", "invalid_datetime")] == _issues(text, PARIS)


class TestDaylightSaving:
    @pytest.mark.parametrize(
        ("text", "tz"),
        [
            ("31/03/2024 02:30", PARIS),
            ("2024-03-31T02:00", PARIS),
            ("31/03/2024 02:59:59", PARIS),
            ("06/10/2024 02:30", SYDNEY),
        ],
    )
    def test_nonexistent(self, text: str, tz: zoneinfo.ZoneInfo) -> None:
        """A time the clocks skip is nonexistent_time, not moved an hour."""
        assert [("purchased_at", "nonexistent_time")] == _issues(text, tz)

    @pytest.mark.parametrize(
        ("text", "tz"),
        [
            ("27/10/2024 02:30", PARIS),
            ("2024-10-27T02:00", PARIS),
            ("27/10/2024 02:59:59", PARIS),
            ("07/04/2024 02:30", SYDNEY),
        ],
    )
    def test_ambiguous(self, text: str, tz: zoneinfo.ZoneInfo) -> None:
        """A time the clocks show twice is ambiguous_time, not either of them."""
        assert [("purchased_at", "ambiguous_time")] == _issues(text, tz)

    def test_fold_of_a_naive_object_not_trusted(self) -> None:
        """A naive datetime's fold (0 by default) does not settle an ambiguous time."""
        for fold in (0, 1):
            naive = dt.datetime(2024, 10, 27, 2, 30, fold=fold)  # noqa: DTZ001
            assert [("purchased_at", "ambiguous_time")] == _issues(naive, PARIS)

    @pytest.mark.parametrize(
        ("text", "offset"),
        [
            ("31/03/2024 01:59:59", WINTER),
            ("31/03/2024 03:00", SUMMER),
            ("27/10/2024 01:59:59", SUMMER),
            ("27/10/2024 03:00", WINTER),
        ],
    )
    def test_edges_of_a_change(self, text: str, offset: dt.timedelta) -> None:
        """The times just around a change exist once and get their own offset."""
        assert offset == _purchased_at(text, PARIS).utcoffset()

    def test_offset_settles_it(self) -> None:
        """An ambiguous wall time written with its offset is read as written."""
        moment = _purchased_at("2024-10-27T02:30:00+01:00", PARIS)
        assert dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.UTC) == moment


class TestWithoutZone:
    @pytest.mark.parametrize("text", ["29/11/2024 18:05", "2024-11-29T18:05:33"])
    def test_naive_names_the_option(self, text: str) -> None:
        """Without tz, a naive date-time is naive_datetime and the message says how to fix it."""
        with pytest.raises(ValidationError) as caught:
            _purchased_at(text)
        [issue] = caught.value.issues
        assert ("purchased_at", "naive_datetime") == (issue.path, issue.code)
        assert "tz=" in issue.message
        assert "--timezone" in issue.message


class TestTzParameter:
    @pytest.mark.parametrize(
        "name", ["Nope/Zone", "europe/paris", "Europe", "", "../etc/passwd", "localtime", "a\0b"]
    )
    def test_unknown_name(self, name: str) -> None:
        """A name the IANA database does not hold is the caller's ValueError, naming tz."""
        with pytest.raises(ValueError, match="tz must be") as caught:
            from_dict(Contact, {"contact_id": "C-1"}, tz=name)
        assert not isinstance(caught.value, ValidationError)

    def test_other_tzinfo(self) -> None:
        """Another kind of object is a TypeError: its fold rules are not known."""
        with pytest.raises(TypeError, match="tz must be"):
            check_tz(3)

    def test_checked_without_datetimes(self) -> None:
        """A bad tz fails even when no row holds a date-time, as from_flat's does."""
        with pytest.raises(ValueError, match="tz must be"):
            from_flat(Contact, {"contact_id": "C-1"}, tz="Nope/Zone")


_DAY_FIRST = st.from_regex(
    r"\A[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{4} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\Z"
)
_EXPECTED_CODES = {"invalid_datetime", "nonexistent_time", "ambiguous_time", "wrong_type"}


class TestProperties:
    @given(st.text(max_size=40) | _DAY_FIRST, st.sampled_from([None, "Europe/Paris", SYDNEY]))
    def test_total_on_text(self, text: str, tz: TimeZone | None) -> None:
        """Any text gives an aware datetime or date-time issues, never another exception."""
        try:
            moment = _purchased_at(text, tz)
        except ValidationError as error:
            codes = {issue.code for issue in error.issues}
            assert codes <= _EXPECTED_CODES | {"naive_datetime", "invalid_text"}
            assert tz is None or "naive_datetime" not in codes
        else:
            assert moment.utcoffset() is not None

    @given(st.dictionaries(st.sampled_from(["purchased_at", "total.amount"]), st.text(max_size=30)))
    def test_from_flat_total(self, cells: dict[str, str]) -> None:
        """from_flat with tz raises nothing but ValidationError on arbitrary cells."""
        row = {"purchase_id": "P-1", "contact_id": "C-1", "total.currency": "EUR", **cells}
        try:
            purchase = from_flat(Purchase, row, tz=PARIS)
        except ValidationError:
            return
        assert purchase.purchased_at.utcoffset() is not None

    @given(aware_datetimes() | st.datetimes(timezones=st.timezones()))
    def test_aware_round_trip(self, moment: dt.datetime) -> None:
        """An aware datetime survives to_dict and from_dict, with or without tz, offset kept."""
        # Not record equality: PEP 495 makes == false across zones for a time in a fold or gap.
        purchase = from_dict(Purchase, {**_PURCHASE, "purchased_at": moment})
        for tz in (None, "Europe/Paris"):
            again = from_dict(Purchase, to_dict(purchase), tz=tz)
            assert to_dict(purchase) == to_dict(again)
            assert (moment.timestamp(), moment.utcoffset()) == (
                again.purchased_at.timestamp(),
                again.purchased_at.utcoffset(),
            )

    @given(
        st.datetimes(
            min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001  # bounds of st.datetimes are naive
            max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
        ),
        st.timezones(),
    )
    def test_localise_against_utc(self, naive: dt.datetime, tz: zoneinfo.ZoneInfo) -> None:
        """localise agrees with the instants that show the wall time (via UTC and back)."""
        candidates = {naive.replace(tzinfo=tz, fold=fold).astimezone(dt.UTC) for fold in (0, 1)}
        showing = {
            instant
            for instant in candidates
            if instant.astimezone(tz).replace(tzinfo=None) == naive
        }
        if len(showing) == 1:
            moment = localise(naive, tz)
            assert (showing, naive) == ({moment.astimezone(dt.UTC)}, moment.replace(tzinfo=None))
            return
        with pytest.raises(LocalTimeError) as caught:
            localise(naive, tz)
        assert ("ambiguous_time" if showing else "nonexistent_time") == caught.value.code
