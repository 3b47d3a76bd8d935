"""Unit tests of the domain model: construction, categories and the dict/flat codec."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import attrs
import pytest

import custdata
from custdata.model import (
    RECORD_TYPES,
    Address,
    Category,
    Channel,
    Consent,
    ConsentStatus,
    Contact,
    Feedback,
    FeedbackKind,
    LineItem,
    Money,
    Purchase,
    PurchaseStatus,
    categories,
    flat_columns,
    from_dict,
    from_flat,
    to_flat,
)

UTC = dt.UTC
PARIS = dt.timezone(dt.timedelta(hours=2))


def _contact() -> Contact:
    return Contact(
        contact_id="C-001",
        given_name="Élodie",
        family_name="Martin",
        email="elodie.martin@example.fr",
        phone="+33639980012",
        address=Address(
            line1="12 rue des Lilas", postal_code="2A004", city="Ajaccio", country="FR"
        ),
        birth_date=dt.date(1985, 3, 12),
        gender="female",
        preferred_channels=["email", "sms"],
        acquisition_source="salon",
        interests=["running", "books"],
        income_band="30k-45k",
        company="Exemple SARL",
        job_title="Acheteuse",
        created_at=dt.datetime(2021, 5, 4, 9, 30, tzinfo=PARIS),
        last_interaction_at=dt.datetime(2024, 1, 2, 8, 0, tzinfo=UTC),
    )


def _purchase() -> Purchase:
    eur = "EUR"
    return Purchase(
        purchase_id="P-9",
        contact_id="C-001",
        purchased_at=dt.datetime(2024, 11, 29, 18, 5, tzinfo=PARIS),
        total=Money(amount=Decimal("89.10"), currency=eur),
        lines=[
            LineItem(
                sku="SKU-1",
                quantity=2,
                unit_price=Money(amount=Decimal("49.50"), currency=eur),
                name="Chaussures",
                category="shoes",
            ),
        ],
        payment_method="card",
        discount=Money(amount=Decimal("9.90"), currency=eur),
        channel="web",
        status="completed",
    )


def _consent() -> Consent:
    return Consent(
        contact_id="C-001",
        purpose="newsletter",
        channel=Channel.EMAIL,
        status=ConsentStatus.GRANTED,
        recorded_at=dt.datetime(2023, 2, 1, tzinfo=UTC),
        source="checkout_form",
        policy_version="2023-01",
        proof="form-123",
    )


def _feedback() -> Feedback:
    return Feedback(
        feedback_id="F-1",
        contact_id="C-001",
        received_at=dt.datetime(2024, 2, 1, tzinfo=UTC),
        kind=FeedbackKind.COMPLAINT,
        nps=3,
        satisfaction=2,
        comment="Colis arrivé abîmé",
        channel="email",
        survey_id=None,
    )


SAMPLES = [_contact(), _purchase(), _consent(), _feedback()]


class TestConstruction:
    """Records are frozen, keyword-only, and convert enum text on construction."""

    def test_frozen(self) -> None:
        """Assigning to a field raises."""
        contact = _contact()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            contact.email = "x"  # type: ignore[misc]

    def test_keyword_only(self) -> None:
        """Positional arguments are refused."""
        with pytest.raises(TypeError):
            Contact("C-1")  # type: ignore[misc]

    def test_enum_text_converted(self) -> None:
        """Enum fields accept their text value and store the member."""
        contact = _contact()
        assert contact.preferred_channels == (Channel.EMAIL, Channel.SMS)
        assert _purchase().status is PurchaseStatus.COMPLETED

    def test_naive_datetime_refused(self) -> None:
        """A datetime without a time zone is refused at construction."""
        with pytest.raises(ValueError, match="time zone"):
            Contact(contact_id="C", created_at=dt.datetime(2024, 1, 1))  # noqa: DTZ001

    def test_purchase_status_defaults_to_completed(self) -> None:
        """A purchase without a status is a completed one."""
        purchase = Purchase(
            purchase_id="P",
            contact_id="C",
            purchased_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
            total=Money(amount=Decimal(1), currency="EUR"),
        )
        assert purchase.status is PurchaseStatus.COMPLETED


class TestRoundTrip:
    """to_dict and from_dict, to_flat and from_flat reverse each other exactly."""

    @pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
    def test_dict_round_trip_through_json(self, record: object) -> None:
        """A record survives to_dict, JSON text and from_dict unchanged."""
        text = json.dumps(custdata.to_dict(record))
        assert record == from_dict(type(record), json.loads(text))

    @pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
    def test_flat_round_trip(self, record: object) -> None:
        """A record survives to_flat and from_flat unchanged."""
        assert record == from_flat(type(record), to_flat(record))

    @pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
    def test_flat_columns_match_to_flat(self, record: object) -> None:
        """flat_columns lists exactly the keys of to_flat, in order."""
        assert flat_columns(type(record)) == list(to_flat(record))

    def test_decimal_kept_exact(self) -> None:
        """Decimals travel as strings and keep their exponent."""
        assert _purchase().to_dict()["total"] == {"amount": "89.10", "currency": "EUR"}

    def test_method_and_function_agree(self) -> None:
        """Record.from_dict is custdata.from_dict."""
        data = _contact().to_dict()
        assert Contact.from_dict(data) == custdata.from_dict(Contact, data)


class TestFromDictErrors:
    """from_dict reports every problem as an Issue without the value."""

    def test_every_problem_listed(self) -> None:
        """Several problems come back together, each with a path and a code."""
        secret = "zz-secret-value-zz"
        with pytest.raises(custdata.ValidationError) as caught:
            Contact.from_dict(
                {
                    "given_name": 3,
                    "birth_date": secret,
                    "nickname": "x",
                    "created_at": "2024-01-01T10:00:00",
                    "preferred_channels": ["email", secret],
                    "address": {"postal_code": 75011},
                }
            )
        found = {(issue.path, issue.code) for issue in caught.value.issues}
        assert {
            ("contact_id", "missing"),
            ("given_name", "wrong_type"),
            ("birth_date", "invalid_date"),
            ("nickname", "unknown_field"),
            ("created_at", "naive_datetime"),
            ("preferred_channels[1]", "invalid_choice"),
            ("address.postal_code", "wrong_type"),
        } == found
        assert secret not in str(caught.value)
        assert all(secret not in issue.message for issue in caught.value.issues)

    def test_not_a_mapping(self) -> None:
        """A list instead of an object is a wrong_type issue on the record."""
        with pytest.raises(custdata.ValidationError) as caught:
            Contact.from_dict(["C-1"])
        assert [("", "wrong_type")] == [(i.path, i.code) for i in caught.value.issues]

    def test_nested_list_paths(self) -> None:
        """Problems inside a list of records carry the index in their path."""
        data = _purchase().to_dict()
        data["lines"] = [{"sku": "A", "quantity": "two", "unit_price": {"amount": "1"}}]
        with pytest.raises(custdata.ValidationError) as caught:
            Purchase.from_dict(data)
        found = {(issue.path, issue.code) for issue in caught.value.issues}
        assert {
            ("lines[0].quantity", "invalid_integer"),
            ("lines[0].unit_price.currency", "missing"),
        } == found

    def test_null_for_required(self) -> None:
        """None in a required, non-nullable field is a null issue."""
        data = _consent().to_dict()
        data["channel"] = None
        with pytest.raises(custdata.ValidationError) as caught:
            Consent.from_dict(data)
        assert [("channel", "null")] == [(i.path, i.code) for i in caught.value.issues]

    def test_is_a_value_error(self) -> None:
        """ValidationError is a ValueError and a CustDataError with a stable code."""
        with pytest.raises(ValueError, match="invalid Contact") as caught:
            Contact.from_dict({})
        assert isinstance(caught.value, custdata.CustDataError)
        assert caught.value.code == "validation_error"


class TestLenientScalars:
    """Text forms of scalars common in exports are accepted."""

    def test_french_decimal_comma(self) -> None:
        """12,50 is twelve and a half."""
        money = Money.from_dict({"amount": "12,50", "currency": "EUR"})
        assert Decimal("12.50") == money.amount

    def test_day_first_date(self) -> None:
        """DD/MM/YYYY is day first, as in European exports."""
        contact = Contact.from_dict({"contact_id": "C", "birth_date": "12/03/1985"})
        assert dt.date(1985, 3, 12) == contact.birth_date

    def test_float_amount(self) -> None:
        """A JSON float becomes the decimal it prints as."""
        money = Money.from_dict({"amount": 19.9, "currency": "EUR"})
        assert Decimal("19.9") == money.amount

    def test_integer_text(self) -> None:
        """An integer field accepts its text form."""
        feedback = Feedback.from_dict({**_feedback().to_dict(), "nps": " 9 "})
        assert feedback.nps == 9

    def test_enum_case_insensitive(self) -> None:
        """Enum values are matched without regard to case."""
        consent = Consent.from_dict({**_consent().to_dict(), "status": "Withdrawn"})
        assert consent.status is ConsentStatus.WITHDRAWN

    def test_bool_is_not_an_integer(self) -> None:
        """True is refused where an integer is expected."""
        with pytest.raises(custdata.ValidationError) as caught:
            Feedback.from_dict({**_feedback().to_dict(), "nps": True})
        assert [("nps", "wrong_type")] == [(i.path, i.code) for i in caught.value.issues]


class TestFlat:
    """The flat form used by CSV files."""

    def test_dotted_and_joined(self) -> None:
        """Nested fields are dotted and lists joined with |."""
        row = to_flat(_contact())
        assert row["address.postal_code"] == "2A004"
        assert row["preferred_channels"] == "email|sms"

    def test_empty_cells_are_absent(self) -> None:
        """Empty cells read as absent values, and an empty address as no address."""
        row = dict.fromkeys(flat_columns(Contact), "")
        row["contact_id"] = "C-2"
        assert Contact(contact_id="C-2") == from_flat(Contact, row)

    def test_unknown_column(self) -> None:
        """A column that belongs to no field is reported."""
        with pytest.raises(custdata.ValidationError) as caught:
            from_flat(Contact, {"contact_id": "C", "shoe_size": "42"})
        assert [("shoe_size", "unknown_field")] == [(i.path, i.code) for i in caught.value.issues]

    def test_bad_lines_json(self) -> None:
        """A lines cell that is not a JSON array is a wrong_type issue."""
        row = to_flat(_purchase())
        row["lines"] = "not json"
        with pytest.raises(custdata.ValidationError) as caught:
            from_flat(Purchase, row)
        assert [("lines", "wrong_type")] == [(i.path, i.code) for i in caught.value.issues]


class TestCategories:
    """Every field declares a personal-data category."""

    @pytest.mark.parametrize("record_type", RECORD_TYPES.values(), ids=list(RECORD_TYPES))
    def test_every_leaf_has_a_category(self, record_type: type) -> None:
        """categories() covers every flat column (lists of records by their item fields)."""
        mapping = categories(record_type)
        assert all(isinstance(value, Category) for value in mapping.values())
        for column in flat_columns(record_type):
            assert column in mapping or any(key.startswith(column + ".") for key in mapping)

    def test_contact_categories(self) -> None:
        """The identifying fields of a contact are categorised as such."""
        mapping = categories(Contact)
        assert mapping["email"] is Category.DIRECT_IDENTIFIER
        assert mapping["address.postal_code"] is Category.QUASI_IDENTIFIER
        assert mapping["birth_date"] is Category.QUASI_IDENTIFIER
        assert mapping["interests"] is Category.PERSONAL

    def test_nested_list_paths(self) -> None:
        """Items of a list of records appear without an index."""
        assert categories(Purchase)["lines.unit_price.currency"] is Category.NOT_PERSONAL

    def test_not_a_record(self) -> None:
        """A non-record class is a programming error."""
        with pytest.raises(TypeError):
            categories(dict)


class TestModelDoc:
    """docs/model.md lists every field with its real category and requiredness."""

    def test_tables_match_the_code(self) -> None:
        """Each record's table in docs/model.md has exactly its fields, categories and flags."""
        import re
        from pathlib import Path

        from custdata.model import schema

        text = (Path(__file__).resolve().parents[2] / "docs" / "model.md").read_text("utf-8")
        records = {
            "Contact": Contact,
            "Address": Address,
            "Purchase": Purchase,
            "LineItem": LineItem,
            "Money": Money,
            "Consent": Consent,
            "Feedback": Feedback,
        }
        for title, record_type in records.items():
            section = text.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]
            rows = re.findall(r"^\| `(\w+)` \| .*? \| (yes|no) \| ([\w ]+) \|$", section, re.M)
            documented = {name: (required, category) for name, required, category in rows}
            expected = {}
            for spec in schema(record_type).fields:
                nested = spec.record or spec.item_record
                category = f"see {nested.__name__}" if nested else spec.category.value
                expected[spec.name] = ("yes" if spec.required else "no", category)
            assert expected == documented, title
