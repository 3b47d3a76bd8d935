"""from_flat reads typed cells (Arrow values) as it reads text ones, through model.cell_value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from custdata import ValidationError
from custdata.model import Contact, LineItem, Money, Purchase, from_flat

UTC = dt.UTC
LINE = LineItem(sku="A", quantity=2, unit_price=Money(amount=Decimal("9.95"), currency="EUR"))
BASE: dict[str, object] = {
    "purchase_id": "P-1",
    "contact_id": "C-1",
    "purchased_at": dt.datetime(2024, 3, 1, 12, tzinfo=UTC),
    "total.amount": Decimal("19.9000"),
    "total.currency": "EUR",
}


class TestTypedLines:
    def test_flat_struct_items(self) -> None:
        """Lines as Arrow structs (dotted keys, typed values) become LineItems."""
        item = {
            "sku": "A",
            "quantity": 2,
            "unit_price.amount": Decimal("9.9500"),
            "unit_price.currency": "EUR",
            "name": None,
            "category": None,
        }
        assert (LINE,) == from_flat(Purchase, {**BASE, "lines": [item]}).lines

    def test_nested_items_unchanged(self) -> None:
        """Nested items (JSONL, to_dict) are read as before."""
        item = {"sku": "A", "quantity": 2, "unit_price": {"amount": "9.95", "currency": "EUR"}}
        assert (LINE,) == from_flat(Purchase, {**BASE, "lines": [item]}).lines

    def test_unknown_struct_field_reported(self) -> None:
        """A struct field that is no field of the line is reported, not dropped silently."""
        item = {
            "sku": "A",
            "quantity": 2,
            "unit_price.amount": Decimal("9.95"),
            "unit_price.currency": "EUR",
            "colour": "red",
        }
        with pytest.raises(ValidationError) as caught:
            from_flat(Purchase, {**BASE, "lines": [item]})
        assert [("lines[0].colour", "unknown_field")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_nested_unknown_field_still_reported(self) -> None:
        """An unknown key of a nested item is still unknown_field."""
        item = {"sku": "A", "quantity": 2, "unit_price": {"amount": "1", "currency": "EUR"}, "x": 1}
        with pytest.raises(ValidationError) as caught:
            from_flat(Purchase, {**BASE, "lines": [item]})
        assert ["unknown_field"] == [issue.code for issue in caught.value.issues]


class TestTypedDates:
    def test_midnight_timestamp_is_a_date(self) -> None:
        """A naive datetime at midnight in a date field is read as its date."""
        row = {"contact_id": "C-1", "birth_date": dt.datetime(1985, 7, 14)}  # noqa: DTZ001  # as pandas stores dates
        assert dt.date(1985, 7, 14) == from_flat(Contact, row).birth_date

    @pytest.mark.parametrize(
        "value",
        [
            dt.datetime(1985, 7, 14, 0, 0, 1),  # noqa: DTZ001  # not midnight
            dt.datetime(1985, 7, 14, tzinfo=UTC),  # an instant, not a day
        ],
    )
    def test_other_datetimes_stay_wrong(self, value: dt.datetime) -> None:
        """A datetime that is not a naive midnight is still wrong_type in a date field."""
        with pytest.raises(ValidationError) as caught:
            from_flat(Contact, {"contact_id": "C-1", "birth_date": value})
        assert ["wrong_type"] == [issue.code for issue in caught.value.issues]

    def test_typed_scalars(self) -> None:
        """Typed dates, date-times, decimals and lists read as their text forms do."""
        typed = from_flat(Purchase, BASE)
        text = from_flat(
            Purchase,
            {
                **BASE,
                "purchased_at": "2024-03-01T12:00:00+00:00",
                "total.amount": "19.90",
            },
        )
        assert text == typed


def _codes(row: dict[str, object]) -> list[tuple[str, str]]:
    try:
        from_flat(Contact, row)
    except ValidationError as error:
        return [(issue.path, issue.code) for issue in error.issues]
    return []


class TestNumbersInTextFields:
    """Numbers where text is expected (a reader took the column for numbers)."""

    @pytest.mark.parametrize("value", [75011, 75011.0])
    def test_whole_number_is_its_digits(self, value: object) -> None:
        """A whole postal code that fits its country becomes its digits."""
        row = {"contact_id": "C-1", "address.postal_code": value, "address.country": "FR"}
        assert "75011" == from_flat(Contact, row).address.postal_code  # type: ignore[union-attr]

    def test_other_text_field(self) -> None:
        """A number in a field without leading zeros to lose is its digits."""
        assert "42" == from_flat(Contact, {"contact_id": 42}).contact_id

    def test_short_postal_code_lost_zeros(self) -> None:
        """A French 01000 read as 1000 is reported, not read as 1000."""
        row = {"contact_id": "C-1", "address.postal_code": 1000, "address.country": "FR"}
        assert [("address.postal_code", "leading_zeros_lost")] == _codes(row)

    def test_short_postal_code_unknown_country(self) -> None:
        """Without a known country, fewer than five digits may have lost zeros."""
        assert [("address.postal_code", "leading_zeros_lost")] == _codes(
            {"contact_id": "C-1", "address.postal_code": 1234}
        )

    def test_phone_lost_zeros(self) -> None:
        """A phone number read as a number may have lost its 0 or +, whatever its digits."""
        row = {"contact_id": "C-1", "phone": 612345678}
        assert [("phone", "leading_zeros_lost")] == _codes(row)

    @pytest.mark.parametrize("value", [1.5, True])
    def test_not_whole_is_wrong_type(self, value: object) -> None:
        """A fraction or a boolean is not read as text."""
        assert [("contact_id", "wrong_type")] == _codes({"contact_id": value})

    def test_every_issue_listed(self) -> None:
        """Lost zeros are listed with the row's other problems."""
        row = {"contact_id": "C-1", "phone": 612345678, "birth_date": "not a date"}
        assert [("phone", "leading_zeros_lost"), ("birth_date", "invalid_date")] == _codes(row)
