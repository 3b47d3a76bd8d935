"""AgeBand's Arrow kernel gives what apply_many gives, on any birth dates."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from tests.transforms.arrow_checks import same_as_apply_many

from custdata.transforms import AgeBand

REFERENCE = dt.date(2024, 2, 29)


class TestAgeBandArrow:
    """The date32 kernel: ages column-wise, each distinct age labelled once."""

    @given(
        st.lists(st.none() | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), max_size=60),
        st.sampled_from([(1, None), (5, None), (10, 80), (10, None), (7, 140)]),
    )
    def test_same_as_apply_many(
        self, births: list[dt.date | None], shape: tuple[int, int | None]
    ) -> None:
        """Any dates (after the reference too), any width and top: apply_many's labels or error."""
        width, top = shape
        transform = AgeBand(reference=REFERENCE, width=width, top=top)
        same_as_apply_many(transform, pa.array(births, pa.date32()))

    @given(st.lists(st.none() | st.dates(dt.date(1900, 1, 1), REFERENCE), max_size=60))
    def test_birthdays_around_the_reference(self, births: list[dt.date | None]) -> None:
        """Dates before the reference never raise, and match apply_many label for label."""
        transform = AgeBand(reference=REFERENCE, width=1)
        array = pa.chunked_array([pa.array(births, pa.date32())])
        assert transform.apply_many(births) == transform.apply_arrow(array).to_pylist()

    def test_day_before_and_of_birthday(self) -> None:
        """One day before the birthday is still the younger age."""
        transform = AgeBand(reference=dt.date(2024, 6, 30), width=1)
        births = [dt.date(1990, 7, 1), dt.date(1990, 6, 30), None]
        assert ["33", "34", None] == transform.apply_arrow(pa.array(births)).to_pylist()
