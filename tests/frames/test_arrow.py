"""custdata.frames: the typed Arrow schema, records to tables and back."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import Address, Channel, Consent, Contact, Feedback, LineItem, Money, Purchase
from custdata.errors import MissingDependencyError, Severity, ValidationError
from custdata.frames import (
    OFFSET_SUFFIX,
    FrameIssue,
    FrameRecords,
    arrow_schema,
    from_frame,
    to_arrow,
)
from custdata.model import ConsentStatus, Gender, to_flat
from custdata.testing import consents, contacts, feedback, messy_records, purchases, records

PARIS_WINTER = dt.timezone(dt.timedelta(hours=1))
UTC = dt.UTC


def _purchase(amount: str = "19.90", **changes: object) -> Purchase:
    values: dict[str, object] = {
        "purchase_id": "P-1",
        "contact_id": "C-1",
        "purchased_at": dt.datetime(2024, 3, 1, 0, 30, tzinfo=PARIS_WINTER),
        "total": Money(amount=Decimal(amount), currency="EUR"),
        "lines": (
            LineItem(
                sku="SKU-1",
                quantity=2,
                unit_price=Money(amount=Decimal("9.95"), currency="EUR"),
                name="Sac",
            ),
        ),
    }
    values.update(changes)
    return Purchase(**values)  # type: ignore[arg-type]


class TestArrowSchema:
    """arrow_schema(record_type): one typed column per flat dotted column."""

    def test_contact_types(self) -> None:
        """Contact columns are typed from the model, nested fields dotted."""
        schema = arrow_schema(Contact)
        expected = {
            "contact_id": pa.string(),
            "address.postal_code": pa.string(),
            "birth_date": pa.date32(),
            "gender": pa.dictionary(pa.int32(), pa.string()),
            "preferred_channels": pa.list_(pa.string()),
            "interests": pa.list_(pa.string()),
            "created_at": pa.timestamp("us", tz="UTC"),
            "created_at" + OFFSET_SUFFIX: pa.int16(),
        }
        assert expected == {name: schema.field(name).type for name in expected}

    def test_offset_beside_datetime(self) -> None:
        """Each date-time column is directly followed by its offset column."""
        names = arrow_schema(Contact).names
        position = names.index("last_interaction_at")
        assert "last_interaction_at.offset_minutes" == names[position + 1]

    def test_purchase_amounts_and_lines(self) -> None:
        """Money is an amount decimal128(18, 4) and a currency; lines are a list of structs."""
        schema = arrow_schema(Purchase)
        assert pa.decimal128(18, 4) == schema.field("total.amount").type
        assert pa.string() == schema.field("total.currency").type
        item = schema.field("lines").type.value_type
        expected = ["sku", "quantity", "unit_price.amount", "unit_price.currency", "name"]
        assert [*expected, "category"] == [field.name for field in item]
        assert pa.decimal128(18, 4) == item.field("unit_price.amount").type
        assert pa.int64() == item.field("quantity").type

    def test_nullability(self) -> None:
        """Required columns are non-nullable unless an enclosing record is optional."""
        schema = arrow_schema(Purchase)
        assert (False, False, True, True) == (
            schema.field("contact_id").nullable,
            schema.field("total.amount").nullable,
            schema.field("discount.amount").nullable,
            schema.field("payment_method").nullable,
        )

    def test_other_kinds(self) -> None:
        """Integers are int64, enums of consents dictionary strings."""
        assert pa.int64() == arrow_schema(Feedback).field("nps").type
        assert pa.dictionary(pa.int32(), pa.string()) == arrow_schema(Consent).field("status").type

    def test_not_a_record(self) -> None:
        """A class that is no record type is a TypeError."""
        with pytest.raises(TypeError):
            arrow_schema(int)


class TestRoundTrip:
    """from_frame(to_arrow(records)).records == records."""

    @given(st.lists(contacts(), max_size=5))
    def test_contacts(self, rows: list[Contact]) -> None:
        """Contacts come back equal."""
        assert tuple(rows) == from_frame(to_arrow(rows, Contact), Contact).records

    @given(st.lists(purchases(), max_size=5))
    def test_purchases(self, rows: list[Purchase]) -> None:
        """Purchases, lines and amounts included, come back equal."""
        assert tuple(rows) == from_frame(to_arrow(rows, Purchase), Purchase).records

    @given(st.lists(consents(), max_size=5))
    def test_consents(self, rows: list[Consent]) -> None:
        """Consent events come back equal."""
        assert tuple(rows) == from_frame(to_arrow(rows, Consent), Consent).records

    @given(st.lists(feedback(), max_size=5))
    def test_feedback(self, rows: list[Feedback]) -> None:
        """Feedback comes back equal."""
        assert tuple(rows) == from_frame(to_arrow(rows, Feedback), Feedback).records

    @given(records())
    def test_one_record_own_type(self, record: object) -> None:
        """The record type is taken from the records; counts reconcile."""
        result = from_frame(to_arrow([record]), type(record))
        assert ((record,), (0,), (), 1, 0) == (
            result.records,
            result.indices,
            result.issues,
            result.rows,
            result.rejected,
        )

    @given(messy_records())
    def test_messy_records(self, record: object) -> None:
        """Any record as files hold them converts and comes back equal, or is a ValidationError."""
        try:
            table = to_arrow([record])
        except ValidationError:
            return
        assert (record,) == from_frame(table, type(record)).records

    def test_amount_scale(self) -> None:
        """19.90 comes back as 19.9000, equal to it."""
        back = from_frame(to_arrow([_purchase("19.90")]), Purchase).records[0]
        assert (Decimal("19.90"), "19.9000") == (back.total.amount, str(back.total.amount))

    def test_datetime_keeps_own_offset(self) -> None:
        """A time just after midnight in +01:00 comes back in +01:00, on its own day."""
        table = to_arrow([_purchase()])
        back = from_frame(table, Purchase).records[0]
        assert (60, dt.date(2024, 2, 29)) == (
            table.column("purchased_at.offset_minutes")[0].as_py(),
            table.column("purchased_at")[0].as_py().date(),
        )
        assert (dt.timedelta(hours=1), dt.date(2024, 3, 1)) == (
            back.purchased_at.utcoffset(),
            back.purchased_at.date(),
        )

    def test_local_day_from_columns(self) -> None:
        """The UTC column plus its offset column gives the value's own day, as on the record."""
        import pyarrow.compute as pc

        moments = [
            dt.datetime(2024, 3, 1, 0, 30, tzinfo=PARIS_WINTER),
            dt.datetime(2024, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ]
        table = to_arrow([_purchase(purchased_at=moment) for moment in moments])
        offset = pc.multiply(table["purchased_at.offset_minutes"].cast(pa.int64()), 60_000_000)
        local = pc.add(
            table["purchased_at"].cast(pa.timestamp("us")), offset.cast(pa.duration("us"))
        )
        assert [moment.date() for moment in moments] == local.cast(pa.date32()).to_pylist()

    def test_zone_becomes_fixed_offset(self) -> None:
        """A date-time in a named zone comes back equal, in its fixed offset."""
        from zoneinfo import ZoneInfo

        moment = dt.datetime(2024, 7, 1, 0, 5, tzinfo=ZoneInfo("Europe/Paris"))
        back = from_frame(to_arrow([_purchase(purchased_at=moment)]), Purchase).records[0]
        assert (moment, dt.timedelta(hours=2)) == (back.purchased_at, back.purchased_at.utcoffset())

    def test_empty_strings_stay(self) -> None:
        """An empty string is a value, not a missing one, in a typed table."""
        contact = Contact(contact_id="C-1", given_name="", interests=("",))
        assert (contact,) == from_frame(to_arrow([contact]), Contact).records

    def test_no_records(self) -> None:
        """No records with a record type give an empty table of the schema."""
        table = to_arrow([], Contact)
        assert (0, arrow_schema(Contact)) == (table.num_rows, table.schema)
        assert FrameRecords(records=(), indices=(), issues=(), rows=0) == from_frame(table, Contact)


class TestToArrowRefuses:
    """to_arrow never rounds or guesses: it lists the values the schema cannot hold."""

    def test_too_many_decimals(self) -> None:
        """An amount with more than 4 decimals is an issue at its row and column."""
        rows = [_purchase("1.00"), _purchase("19.99999")]
        with pytest.raises(ValidationError) as caught:
            to_arrow(rows)
        assert [("[1].total.amount", "too_many_decimals")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]
        assert "19.99999" not in str(caught.value)

    def test_trailing_zeros_fit(self) -> None:
        """Decimals beyond the fourth that are zeros lose nothing and are accepted."""
        back = from_frame(to_arrow([_purchase("19.900000")]), Purchase).records
        assert (_purchase("19.90"),) == back

    def test_amount_too_large(self) -> None:
        """An amount of 15 digits before the point is an issue."""
        with pytest.raises(ValidationError) as caught:
            to_arrow([_purchase("123456789012345")])
        assert ["amount_out_of_range"] == [issue.code for issue in caught.value.issues]

    def test_line_amount(self) -> None:
        """An amount inside a line is reported at its row, line and column."""
        line = LineItem(
            sku="S", quantity=1, unit_price=Money(amount=Decimal("0.00001"), currency="EUR")
        )
        with pytest.raises(ValidationError) as caught:
            to_arrow([_purchase(lines=(*_purchase().lines, line))])
        assert [("[0].lines[1].unit_price.amount", "too_many_decimals")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_list_item(self) -> None:
        """A list item of the wrong type is reported at its position in the list."""
        bad = Contact(contact_id="C-1", interests=("golf", 3))  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as caught:
            to_arrow([Contact(contact_id="C-0"), bad])
        assert [("[1].interests[1]", "wrong_type")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_not_records(self) -> None:
        """A nested record or a line that is no record is one issue, not an exception."""
        bad = Purchase(
            purchase_id="P-2",
            contact_id="C-1",
            purchased_at=dt.datetime(2024, 3, 1, tzinfo=UTC),
            total={"amount": "1", "currency": "EUR"},  # type: ignore[arg-type]
            lines=({"sku": "S"},),  # type: ignore[arg-type]
        )
        with pytest.raises(ValidationError) as caught:
            to_arrow([_purchase(), bad])
        assert [("[1].total", "wrong_type"), ("[1].lines[0]", "wrong_type")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_offset_seconds(self) -> None:
        """A UTC offset with seconds cannot be held in minutes: an issue."""
        odd = dt.timezone(dt.timedelta(minutes=9, seconds=21))
        with pytest.raises(ValidationError) as caught:
            to_arrow([_purchase(purchased_at=dt.datetime(1900, 1, 1, tzinfo=odd))])
        assert ["offset_not_whole_minutes"] == [issue.code for issue in caught.value.issues]

    def test_wrong_types(self) -> None:
        """Values of the wrong type, a required value missing and a lone surrogate are issues."""
        bad = Contact(contact_id=None, given_name=3, family_name="\ud800")  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as caught:
            to_arrow([bad])
        expected = [
            ("[0].contact_id", "null"),
            ("[0].given_name", "wrong_type"),
            ("[0].family_name", "invalid_text"),
        ]
        assert expected == [(issue.path, issue.code) for issue in caught.value.issues]

    def test_mixed_types(self) -> None:
        """Records of two types are a programming mistake: TypeError."""
        with pytest.raises(TypeError):
            to_arrow([Contact(contact_id="C-1"), _purchase()])

    def test_no_type(self) -> None:
        """No records and no record type: TypeError."""
        with pytest.raises(TypeError):
            to_arrow([])


class TestFromFrame:
    """from_frame: the rows that fit become records, the others issues with their index."""

    def test_rejected_rows(self) -> None:
        """Bad rows are issues at their 0-based index; counts reconcile."""
        table = pa.table(
            {
                "contact_id": ["C-1", None, "C-3", "C-4"],
                "birth_date": ["1980-01-02", None, "not a date", None],
            }
        )
        result = from_frame(table, Contact)
        expected_issues = (
            FrameIssue(index=1, path="contact_id", code="missing", message="is required"),
            FrameIssue(
                index=2,
                path="birth_date",
                code="invalid_date",
                message="expected a date as YYYY-MM-DD or DD/MM/YYYY",
            ),
        )
        assert expected_issues == result.issues
        assert ((0, 3), 4, 2) == (result.indices, result.rows, result.rejected)
        assert result.rows == len(result.records) + len({i.index for i in result.issues})
        assert dt.date(1980, 1, 2) == result.records[0].birth_date

    @given(
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    column: st.none() | st.text(max_size=12)
                    for column in ("contact_id", "birth_date", "gender", "created_at", "interests")
                },
            ),
            max_size=8,
        )
    )
    def test_counts_reconcile(self, rows: list[dict[str, str | None]]) -> None:
        """On any text frame: rows in = records + rejected rows, issues sorted by index."""
        columns = ("contact_id", "birth_date", "gender", "created_at", "interests")
        table = pa.table(
            {column: pa.array([row.get(column) for row in rows], pa.string()) for column in columns}
        )
        result = from_frame(table, Contact)
        rejected = {issue.index for issue in result.issues}
        assert (len(rows), result.rows) == (result.rows, len(result.records) + len(rejected))
        assert set(range(len(rows))) == rejected | set(result.indices)
        assert sorted(issue.index for issue in result.issues) == [
            issue.index for issue in result.issues
        ]

    def test_issue_never_holds_value(self) -> None:
        """Issues name the column and code, never the cell."""
        table = pa.table({"contact_id": ["C-1"], "birth_date": ["31/02/1999"]})
        issue = from_frame(table, Contact).issues[0]
        assert ("birth_date", Severity.ERROR) == (issue.path, issue.severity)
        assert "1999" not in repr(issue)

    def test_nulls_are_missing(self) -> None:
        """A null in any column is a missing value; null lists are empty."""
        table = pa.table(
            {
                "contact_id": ["C-1"],
                "email": pa.array([None], pa.string()),
                "interests": pa.array([None], pa.list_(pa.string())),
                "address.city": pa.array([None], pa.string()),
            }
        )
        assert (Contact(contact_id="C-1"),) == from_frame(table, Contact).records

    def test_flat_text_form(self) -> None:
        """A frame of flat text cells (as CSV or an old Parquet holds them) is read too."""
        purchase = _purchase()
        row = {
            key: None if value is None else str(value) for key, value in to_flat(purchase).items()
        }
        table = pa.Table.from_pylist([row])
        assert (purchase,) == from_frame(table, Purchase).records

    def test_text_lists(self) -> None:
        """A text cell of a list field is split on |."""
        table = pa.table({"contact_id": ["C-1"], "preferred_channels": ["email|sms"]})
        contact = from_frame(table, Contact).records[0]
        assert (Channel.EMAIL, Channel.SMS) == contact.preferred_channels

    def test_struct_columns(self) -> None:
        """A struct column is read as its dotted columns."""
        table = pa.table(
            {
                "contact_id": ["C-1"],
                "address": pa.array([{"postal_code": "75011", "country": "FR"}]),
            }
        )
        expected = Contact(contact_id="C-1", address=Address(postal_code="75011", country="FR"))
        assert (expected,) == from_frame(table, Contact).records

    def test_record_batch(self) -> None:
        """A record batch is read like a table."""
        batch = to_arrow([Contact(contact_id="C-1", gender=Gender.FEMALE)]).to_batches()[0]
        assert (Contact(contact_id="C-1", gender=Gender.FEMALE),) == from_frame(
            batch, Contact
        ).records

    def test_unknown_column(self) -> None:
        """A column of no field stops the read, naming the column."""
        with pytest.raises(ValidationError) as caught:
            from_frame(pa.table({"contact_id": ["C-1"], "shoe_size": [42]}), Contact)
        assert [("shoe_size", "unknown_field")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_duplicate_column(self) -> None:
        """A column given twice stops the read, naming it."""
        table = pa.Table.from_arrays([pa.array(["C-1"]), pa.array(["C-2"])], ["contact_id"] * 2)
        with pytest.raises(ValidationError) as caught:
            from_frame(table, Contact)
        assert [("contact_id", "duplicate_column")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_pandas_index_column_ignored(self) -> None:
        """A pandas index stored as a column is not a field and not an error."""
        table = pa.table({"contact_id": ["C-1"], "__index_level_0__": [7]})
        assert 1 == len(from_frame(table, Contact).records)

    def test_missing_offset_column(self) -> None:
        """A timestamp without its offset column is read in UTC."""
        moment = dt.datetime(2024, 3, 1, 0, 30, tzinfo=UTC)
        table = pa.table(
            {
                "contact_id": ["C-1"],
                "recorded_at": pa.array([moment], pa.timestamp("us", tz="UTC")),
                "purpose": ["newsletter"],
                "channel": ["email"],
                "status": ["granted"],
            }
        )
        consent = from_frame(table, Consent).records[0]
        assert (moment, dt.timedelta(0), ConsentStatus.GRANTED) == (
            consent.recorded_at,
            consent.recorded_at.utcoffset(),
            consent.status,
        )

    def test_bad_offset(self) -> None:
        """An offset of a day or more is an issue of the offset column."""
        table = to_arrow([_purchase()])
        column = table.schema.get_field_index("purchased_at.offset_minutes")
        table = table.set_column(
            column, "purchased_at.offset_minutes", pa.array([1440], pa.int16())
        )
        result = from_frame(table, Purchase)
        assert [(0, "purchased_at.offset_minutes", "invalid_offset")] == [
            (issue.index, issue.path, issue.code) for issue in result.issues
        ]

    def test_naive_timestamps(self) -> None:
        """Timestamps without a time zone need tz=, as date-times do in from_dict."""
        naive = pa.array([dt.datetime(2024, 3, 1, 0, 30)], pa.timestamp("us"))  # noqa: DTZ001  # a naive column on purpose
        table = pa.table(
            {
                "contact_id": ["C-1"],
                "recorded_at": naive,
                "purpose": ["newsletter"],
                "channel": ["email"],
                "status": ["granted"],
            }
        )
        assert ["naive_datetime"] == [issue.code for issue in from_frame(table, Consent).issues]
        paris = from_frame(table, Consent, tz="Europe/Paris").records[0]
        assert dt.datetime(2024, 2, 29, 23, 30, tzinfo=UTC) == paris.recorded_at

    def test_nanosecond_timestamps(self) -> None:
        """Nanosecond timestamps (as pandas writes them) are read."""
        moment = dt.datetime(2024, 3, 1, 0, 30, tzinfo=UTC)
        table = to_arrow([_purchase(purchased_at=moment)])
        column = table.schema.get_field_index("purchased_at")
        table = table.set_column(
            column, "purchased_at", table.column(column).cast(pa.timestamp("ns", tz="UTC"))
        )
        assert moment == from_frame(table, Purchase).records[0].purchased_at

    def test_not_a_frame(self) -> None:
        """Something that is not a frame is a TypeError."""
        with pytest.raises(TypeError):
            from_frame([{"contact_id": "C-1"}], Contact)

    def test_bad_tz(self) -> None:
        """An unknown time zone name fails before any row is read."""
        with pytest.raises(ValueError, match="time zone"):
            from_frame(pa.table({"contact_id": ["C-1"]}), Contact, tz="Mars/Olympus")


class TestLazyImport:
    """pyarrow loads only when a frame function runs."""

    def test_import_loads_no_pyarrow(self) -> None:
        """Importing custdata.frames loads no pyarrow."""
        code = "import sys, custdata.frames; print('pyarrow' in sys.modules)"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "False" == result.stdout.strip()

    def test_missing_pyarrow(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow, a frame function raises MissingDependencyError naming the extra."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(MissingDependencyError) as caught:
            arrow_schema(Contact)
        assert ("arrow", "pyarrow") == (caught.value.extra, caught.value.package)
