"""validate, normalise and validate_many on whole records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import custdata
from custdata import (
    Address,
    Channel,
    Consent,
    ConsentStatus,
    Contact,
    Feedback,
    FeedbackKind,
    LineItem,
    Money,
    Purchase,
    Severity,
)
from custdata.model import to_flat
from custdata.testing import arbitrary_values, messy_contacts, messy_records
from custdata.validation import Report, normalise, records, validate, validate_many

TODAY = dt.date(2025, 6, 1)
WHEN = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)


def _codes(report: Report) -> list[tuple[str, str]]:
    return [(issue.path, issue.code) for issue in report.issues]


class TestContact:
    def test_clean_contact(self) -> None:
        """A clean contact has an empty, ok report."""
        contact = Contact(
            contact_id="c1",
            given_name="Élodie",
            email="elodie.martin@example.fr",
            phone="+33612345678",
            address=Address(postal_code="75011", country="FR"),
            birth_date=dt.date(1985, 3, 14),
        )
        report = validate(contact, today=TODAY)
        assert (True, ()) == (report.ok, report.issues)
        assert contact == normalise(contact)

    def test_normalise_messy_contact(self) -> None:
        """Messy values become canonical ones; the input is untouched."""
        messy = Contact(
            contact_id="c1",
            given_name="  E\u0301lodie  ",
            family_name="\uff2d\uff41\uff52\uff54\uff49\uff4e",
            email=" Elodie.Martin@Example.FR",
            phone="06 12 34 56 78",
            address=Address(postal_code=" 75 011", country="fr", city=" Paris  11e "),
            company="   ",
        )
        clean = normalise(messy)
        assert clean == Contact(
            contact_id="c1",
            given_name="Élodie",
            family_name="Martin",
            email="elodie.martin@example.fr",
            phone="+33612345678",
            address=Address(postal_code="75011", country="FR", city="Paris 11e"),
            company=None,
        )
        assert messy.email == " Elodie.Martin@Example.FR"

    def test_same_person_two_files(self) -> None:
        """Two writings of one person normalise to equal records."""
        first = Contact(contact_id="c1", email="Elodie.Martin@Example.FR", phone="06 12 34 56 78")
        second = Contact(contact_id="c1", email="elodie.martin@example.fr", phone="+33612345678")
        assert normalise(first) == normalise(second)

    def test_invalid_values_reported_and_kept(self) -> None:
        """Invalid values are reported by validate and left unchanged by normalise."""
        contact = Contact(
            contact_id="c1",
            email="elodie.martin@",
            phone="06 12 34",
            address=Address(postal_code="2A004", country="FR"),
        )
        assert _codes(validate(contact)) == [
            ("address.postal_code", "invalid_postal_code"),
            ("email", "invalid_email"),
            ("phone", "invalid_phone"),
        ]
        assert contact == normalise(contact)

    def test_phone_read_in_address_country(self) -> None:
        """A national number is read in the address's country, else in the region."""
        belgian = Contact(contact_id="c1", phone="0470 12 34 56", address=Address(country="BE"))
        assert normalise(belgian).phone == "+32470123456"
        assert normalise(Contact(contact_id="c1", phone="0470 12 34 56"), region="BE").phone == (
            "+32470123456"
        )

    def test_postal_code_default_region(self) -> None:
        """Without a country, postal codes are checked against the region."""
        contact = Contact(contact_id="c1", address=Address(postal_code="sw1a1aa"))
        assert _codes(validate(contact)) == [("address.postal_code", "invalid_postal_code")]
        assert normalise(contact, region="GB").address == Address(postal_code="SW1A 1AA")

    def test_invalid_country(self) -> None:
        """An unknown country is an error and its postal code is not judged."""
        contact = Contact(contact_id="c1", address=Address(postal_code="xyz", country="France"))
        assert _codes(validate(contact)) == [("address.country", "invalid_country")]

    def test_birth_dates(self) -> None:
        """Birth dates after today or over 120 years before it are errors."""
        future = Contact(contact_id="c1", birth_date=dt.date(2025, 6, 2))
        old = Contact(contact_id="c1", birth_date=dt.date(1905, 5, 31))
        edge = Contact(contact_id="c1", birth_date=dt.date(1905, 6, 1))
        assert _codes(validate(future, today=TODAY)) == [("birth_date", "birth_date_in_future")]
        assert _codes(validate(old, today=TODAY)) == [("birth_date", "birth_date_too_old")]
        assert validate(edge, today=TODAY).ok
        assert validate(Contact(contact_id="c1", birth_date=TODAY), today=TODAY).ok

    def test_birth_dates_need_today(self) -> None:
        """Without today, the library reads no clock and skips the birth date checks."""
        assert validate(Contact(contact_id="c1", birth_date=dt.date(2999, 1, 1))).ok

    def test_leap_day_today(self) -> None:
        """On 29 February, 120 years before a common year is 28 February."""
        today = dt.date(2020, 2, 29)
        assert validate(Contact(contact_id="c", birth_date=dt.date(1900, 2, 28)), today=today).ok
        too_old = validate(Contact(contact_id="c", birth_date=dt.date(1900, 2, 27)), today=today)
        assert _codes(too_old) == [("birth_date", "birth_date_too_old")]

    def test_today_must_be_a_date(self) -> None:
        """A datetime for today is a caller's mistake."""
        with pytest.raises(TypeError):
            validate(Contact(contact_id="c1"), today=WHEN)  # type: ignore[arg-type]

    def test_warnings(self) -> None:
        """Suspicious values are warnings: the record stays ok."""
        contact = Contact(
            contact_id="c1",
            given_name="Jean2",
            phone="01 45 67 89 10",
            preferred_channels=(Channel.SMS,),
            created_at=WHEN,
            last_interaction_at=WHEN - dt.timedelta(days=1),
        )
        report = validate(contact)
        assert report.ok
        assert _codes(report) == [
            ("given_name", "name_contains_digits"),
            ("phone", "phone_not_mobile"),
            ("last_interaction_at", "last_interaction_before_creation"),
        ]
        assert all(issue.severity is Severity.WARNING for issue in report.issues)

    def test_extension_kept(self) -> None:
        """A phone with an extension is kept as written, with a warning."""
        contact = Contact(contact_id="c1", phone="01 45 67 89 10 ext. 12")
        assert _codes(validate(contact)) == [("phone", "phone_has_extension")]
        assert normalise(contact) == contact

    def test_blank_identifier(self) -> None:
        """A blank identifier is an error."""
        assert _codes(validate(Contact(contact_id="  "))) == [("contact_id", "blank_identifier")]

    def test_control_characters(self) -> None:
        """Control characters in a name are an error."""
        assert _codes(validate(Contact(contact_id="c", family_name="Mar\x00tin"))) == [
            ("family_name", "invalid_characters")
        ]


class TestPurchase:
    def test_money(self) -> None:
        """Negative amounts, unknown currencies and empty quantities are errors."""
        purchase = Purchase(
            purchase_id="p1",
            contact_id="c1",
            purchased_at=WHEN,
            total=Money(amount=Decimal("-5"), currency="EUR"),
            lines=(
                LineItem(
                    sku="s1", quantity=0, unit_price=Money(amount=Decimal(1), currency="EURO")
                ),
            ),
        )
        assert _codes(validate(purchase)) == [
            ("total.amount", "negative_amount"),
            ("lines[0].quantity", "non_positive_quantity"),
            ("lines[0].unit_price.currency", "unknown_currency"),
            ("", "mixed_currencies"),
        ]

    def test_currency_case(self) -> None:
        """A lower-case currency is valid and normalised upper-case."""
        purchase = Purchase(
            purchase_id="p1",
            contact_id="c1",
            purchased_at=WHEN,
            total=Money(amount=Decimal("19.90"), currency=" eur"),
            lines=(
                LineItem(sku="s", quantity=1, unit_price=Money(amount=Decimal(1), currency="eur")),
            ),
        )
        assert validate(purchase).ok
        clean = normalise(purchase)
        assert clean.total.currency == "EUR"
        assert clean.lines[0].unit_price.currency == "EUR"

    @pytest.mark.parametrize("code", ["XXX", "XTS", "FRF", "ANG"])
    def test_not_active(self, code: str) -> None:
        """Withdrawn and non-currency codes are unknown."""
        report = validate(Money(amount=Decimal(1), currency=code))
        assert _codes(report) == [("currency", "unknown_currency")]


class TestFeedback:
    @pytest.mark.parametrize(
        ("nps", "satisfaction", "expected"),
        [
            (0, 1, []),
            (10, 5, []),
            (11, 3, [("nps", "nps_out_of_range")]),
            (-1, 3, [("nps", "nps_out_of_range")]),
            (5, 0, [("satisfaction", "satisfaction_out_of_range")]),
            (5, 6, [("satisfaction", "satisfaction_out_of_range")]),
        ],
    )
    def test_scores(self, nps: int, satisfaction: int, expected: list[tuple[str, str]]) -> None:
        """NPS is 0 to 10, satisfaction 1 to 5."""
        feedback = Feedback(
            feedback_id="f1",
            contact_id="c1",
            received_at=WHEN,
            kind=FeedbackKind.SURVEY,
            nps=nps,
            satisfaction=satisfaction,
        )
        assert expected == _codes(validate(feedback))


class TestConsent:
    def test_complete(self) -> None:
        """A consent with purpose, channel, time and source is ok."""
        consent = Consent(
            contact_id="c1",
            purpose="newsletter",
            channel=Channel.EMAIL,
            status=ConsentStatus.GRANTED,
            recorded_at=WHEN,
            source="checkout_form",
        )
        assert validate(consent).ok

    def test_missing(self) -> None:
        """Each missing element of a consent is an error."""
        consent = Consent(
            contact_id="c1",
            purpose=" ",
            channel=Channel.EMAIL,
            status=ConsentStatus.GRANTED,
            recorded_at=WHEN,
        )
        assert _codes(validate(consent)) == [
            ("purpose", "consent_purpose_missing"),
            ("source", "consent_source_missing"),
        ]
        broken = attrs.evolve(consent, source="form")
        object.__setattr__(broken, "channel", None)
        object.__setattr__(broken, "recorded_at", None)
        assert _codes(validate(broken)) == [
            ("purpose", "consent_purpose_missing"),
            ("channel", "consent_channel_missing"),
            ("recorded_at", "consent_time_missing"),
        ]


class TestRobustness:
    def test_wrong_types(self) -> None:
        """Values of the wrong type, smuggled past the constructor, are reported, not raised."""
        contact = Contact(contact_id="c1")
        for name, value in [
            ("email", 12),
            ("phone", 33612345678),
            ("given_name", b"x"),
            ("birth_date", "1980-01-01"),
            ("address", "Paris"),
        ]:
            object.__setattr__(contact, name, value)
        report = validate(contact)
        assert {issue.code for issue in report.issues} == {"wrong_type"}
        assert len(report.issues) == 5

    def test_free_texts_of_the_wrong_type(self) -> None:
        """Free texts without a format are type-checked too."""
        contact = Contact(contact_id="c1")
        object.__setattr__(contact, "acquisition_source", 3)
        object.__setattr__(contact, "interests", ("golf", 4))
        assert _codes(validate(contact)) == [
            ("acquisition_source", "wrong_type"),
            ("interests[1]", "wrong_type"),
        ]

    def test_not_a_record(self) -> None:
        """Anything but a custdata record is a TypeError."""
        with pytest.raises(TypeError):
            validate({"contact_id": "c1"})

    @given(messy_records())
    def test_validate_never_raises(self, record: object) -> None:
        """validate returns a Report for any record."""
        assert isinstance(validate(record, today=TODAY), Report)

    @given(messy_records())
    def test_normalise_idempotent(self, record: object) -> None:
        """normalise(normalise(x)) == normalise(x)."""
        once = normalise(record)
        assert once == normalise(once)

    @given(messy_records())
    def test_normalise_does_not_create_errors(self, record: object) -> None:
        """A canonical record has no error that the original did not have."""
        before = {(i.path, i.code) for i in validate(record, today=TODAY).errors}
        after = {(i.path, i.code) for i in validate(normalise(record), today=TODAY).errors}
        assert after <= before

    @given(messy_records())
    def test_messages_never_hold_values(self, record: object) -> None:
        """No issue message contains a value of the record (identifiers, contact details)."""
        row = to_flat(record)
        fields = ("email", "phone", "given_name", "family_name", "address.postal_code")
        values = [
            str(row[name]).strip()
            for name in fields
            if row.get(name) is not None and len(str(row[name]).strip()) >= 4
        ]
        for issue in validate(record, today=TODAY).issues:
            for value in values:
                assert value not in issue.message

    @given(messy_records(), st.data())
    def test_smuggled_values_never_raise(self, record: object, data: st.DataObject) -> None:
        """Any value smuggled past the constructor into any field is reported, not raised."""
        name = data.draw(st.sampled_from([field.name for field in attrs.fields(type(record))]))
        object.__setattr__(record, name, data.draw(arbitrary_values()))
        assert isinstance(validate(record, today=TODAY), Report)
        assert type(record) is type(normalise(record))

    @given(st.lists(messy_contacts(), max_size=8), st.integers(1, 4))
    def test_validate_many_equals_validate(self, batch: list[Contact], batch_size: int) -> None:
        """validate_many yields (normalise(r), validate(r)) for each record, in order."""
        expected = [(normalise(r), validate(r, today=TODAY)) for r in batch]
        assert expected == list(validate_many(batch, batch_size=batch_size, today=TODAY))


class TestValidateMany:
    def test_each_value_computed_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each distinct email and phone is computed once, across batches up to cache_size."""
        from custdata.validation import email as email_module
        from custdata.validation import phone as phone_module

        calls = {"email": 0, "phone": 0}
        real_email, real_phone = email_module.canonical_email, phone_module.phone_result

        def count_email(value: str, **kwargs: bool) -> str | None:
            calls["email"] += 1
            return real_email(value, **kwargs)

        def count_phone(value: str, region: str) -> object:
            calls["phone"] += 1
            return real_phone(value, region)

        monkeypatch.setattr("custdata.validation.records.canonical_email", count_email)
        monkeypatch.setattr(phone_module, "phone_result", count_phone)
        rows = [
            Contact(contact_id=str(i), email=f"p{i % 3}@example.com", phone="06 12 34 56 78")
            for i in range(30)
        ]
        results = list(validate_many(rows, batch_size=7))
        assert (30, 3, 1) == (len(results), calls["email"], calls["phone"])

    def test_streams(self) -> None:
        """Records are consumed lazily, a batch at a time."""
        consumed = []

        def source() -> object:
            for i in range(10):
                consumed.append(i)
                yield Contact(contact_id=str(i))

        stream = validate_many(source(), batch_size=4)  # type: ignore[arg-type]
        next(stream)
        assert len(consumed) == 4

    def test_bad_batch_size(self) -> None:
        """batch_size must be positive."""
        with pytest.raises(ValueError, match="batch_size"):
            list(validate_many([], batch_size=0))


class TestPackage:
    def test_lazy_exports(self) -> None:
        """custdata exports validate, normalise, validate_many and Report."""
        assert custdata.validate is validate
        assert custdata.normalise is normalise
        assert custdata.validate_many is validate_many
        assert custdata.Report is Report

    def test_import_does_not_load_value_libraries(self) -> None:
        """import custdata loads neither phonenumbers nor email-validator."""
        import subprocess
        import sys

        code = (
            "import sys, custdata, custdata.validation; "
            "print(sorted(m for m in ('phonenumbers', 'email_validator') if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        assert out.stdout.strip() == "[]"


S = "\ud800"
"""A lone surrogate: Python strings may hold it (a JSON escape), but it is not text."""


class TestLoneSurrogates:
    def test_contact(self) -> None:
        """Every text field of a contact holding a lone surrogate is invalid_text."""
        contact = Contact(
            contact_id="c" + S,
            given_name=S,
            family_name="Mar" + S + "tin",
            email="elodie" + S + "@example.com",
            phone="06 12 34 56 78" + S,
            address=Address(
                line1=S, line2=S, postal_code="75011" + S, city=S, region=S, country="F" + S
            ),
            acquisition_source=S,
            interests=("golf", S),
            income_band=S,
            company=S,
            job_title=S,
        )
        report = validate(contact, today=TODAY)
        assert {"invalid_text"} == report.codes()
        assert sorted(issue.path for issue in report.issues) == sorted(
            [
                "contact_id",
                "given_name",
                "family_name",
                "email",
                "phone",
                "address.line1",
                "address.line2",
                "address.postal_code",
                "address.city",
                "address.region",
                "address.country",
                "acquisition_source",
                "interests[1]",
                "income_band",
                "company",
                "job_title",
            ]
        )
        clean = normalise(contact)
        assert (contact.email, contact.phone) == (clean.email, clean.phone)
        assert clean == normalise(clean)

    def test_postal_code_of_a_known_country(self) -> None:
        """A postal code is invalid_text, not invalid_postal_code, when it holds a surrogate."""
        for country in ("FR", "JP"):
            report = validate(Address(postal_code="75011" + S, country=country))
            assert _codes(report) == [("postal_code", "invalid_text")]

    def test_other_records(self) -> None:
        """Purchases, consent events and feedback report their lone surrogates too."""
        purchase = Purchase(
            purchase_id=S,
            contact_id="c1",
            purchased_at=WHEN,
            total=Money(amount=Decimal(1), currency="EUR"),
            lines=(
                LineItem(
                    sku="s" + S,
                    quantity=1,
                    unit_price=Money(amount=Decimal(1), currency="EU" + S),
                    name=S,
                    category=S,
                ),
            ),
        )
        assert _codes(validate(purchase)) == [
            ("purchase_id", "invalid_text"),
            ("lines[0].sku", "invalid_text"),
            ("lines[0].unit_price.currency", "invalid_text"),
            ("lines[0].name", "invalid_text"),
            ("lines[0].category", "invalid_text"),
            ("", "mixed_currencies"),
        ]
        consent = Consent(
            contact_id="c1",
            purpose="news" + S,
            channel=Channel.EMAIL,
            status=ConsentStatus.GRANTED,
            recorded_at=WHEN,
            source=S,
            policy_version=S,
            proof=S,
        )
        assert _codes(validate(consent)) == [
            ("purpose", "invalid_text"),
            ("source", "invalid_text"),
            ("policy_version", "invalid_text"),
            ("proof", "invalid_text"),
        ]
        feedback = Feedback(
            feedback_id="f1",
            contact_id="c1" + S,
            received_at=WHEN,
            kind=FeedbackKind.SURVEY,
            comment=S,
            survey_id=S,
        )
        assert _codes(validate(feedback)) == [
            ("contact_id", "invalid_text"),
            ("comment", "invalid_text"),
            ("survey_id", "invalid_text"),
        ]
        for record in (purchase, consent, feedback):
            assert normalise(record) == normalise(normalise(record))


def _rebuilt(value: object) -> object:
    """A record built again through its constructors (converters, validators), nested ones too."""
    if isinstance(value, tuple):
        return tuple(_rebuilt(item) for item in value)
    if not attrs.has(type(value)):
        return value
    fields = {f.name: _rebuilt(getattr(value, f.name)) for f in attrs.fields(type(value))}
    return type(value)(**fields)


@attrs.frozen(kw_only=True)
class _NationalPhoneContact(Contact):
    """A host's subclass whose own validator refuses E.164 phones."""

    phone: str | None = attrs.field(default=None)

    @phone.validator
    def _national(self, _attribute: object, value: str | None) -> None:
        if value is not None and value.startswith("+"):
            msg = "phone: this host keeps national numbers"
            raise ValueError(msg)


class TestCopies:
    """normalise copies built-in records slot by slot, equal to attrs.evolve; others with evolve."""

    @staticmethod
    def _checked_copies(function: Any, *args: Any, **kwargs: Any) -> list[type]:
        """Run function, checking every copy normalise makes against attrs.evolve."""
        copied: list[type] = []
        original = records._evolve

        def spy(record: Any, changes: dict[str, object]) -> Any:
            new = original(record, changes)
            assert attrs.evolve(record, **changes) == new
            assert type(record) is type(new)
            copied.append(type(record))
            return new

        with mock.patch.object(records, "_evolve", spy):
            function(*args, **kwargs)
        return copied

    @given(messy_records())
    def test_copies_equal_evolve(self, record: object) -> None:
        """Every copy of a record normalise makes equals attrs.evolve with the same changes."""
        self._checked_copies(normalise, record)
        self._checked_copies(lambda: list(validate_many([record, record])))

    def test_every_copied_type(self) -> None:
        """Contact, Address, Purchase, Money, LineItem and Consent copies all equal evolve."""
        euros = Money(amount=Decimal("12.50"), currency="eur")
        batch = [
            Contact(
                contact_id="c1", given_name=" Jo ", address=Address(country="fr", city=" Paris ")
            ),
            Purchase(
                purchase_id="p1",
                contact_id="c1",
                purchased_at=WHEN,
                total=euros,
                lines=(LineItem(sku="s1", quantity=1, unit_price=euros),),
            ),
            Consent(
                contact_id="c1",
                purpose=" Newsletter ",
                channel=Channel.EMAIL,
                status=ConsentStatus.GRANTED,
                recorded_at=WHEN,
            ),
        ]
        copied = self._checked_copies(lambda: [normalise(record) for record in batch])
        assert {Address, Consent, Contact, LineItem, Money, Purchase} == set(copied)

    @given(messy_records())
    def test_normalised_records_rebuild_equal(self, record: object) -> None:
        """Every normalised record, nested ones included, is what its constructor makes."""
        clean = normalise(record)
        assert clean == _rebuilt(clean)

    @pytest.mark.parametrize(
        "record",
        [
            Address(postal_code=" 75011 ", country="fr", city="  Paris "),
            Money(amount=Decimal("12.50"), currency="eur"),
            LineItem(sku="s1", quantity=1, unit_price=Money(amount=Decimal(1), currency="eur")),
        ],
    )
    def test_nested_record_types(self, record: object) -> None:
        """Address, Money and LineItem on their own normalise to records their class accepts."""
        clean = normalise(record)
        assert clean != record
        assert clean == _rebuilt(clean)

    def test_subclass_validators_run(self) -> None:
        """A host subclass's validator is honoured: the record is never copied past it."""
        contact = _NationalPhoneContact(contact_id="c1", phone="06 12 34 56 78", given_name=" Jo ")
        clean = normalise(contact)
        attrs.validate(clean)
        assert contact is clean
        assert validate(contact).ok

    def test_subclass_copied_through_constructor(self) -> None:
        """A host subclass's record is normalised through its constructor when it accepts it."""
        contact = _NationalPhoneContact(contact_id="c1", given_name=" Jo ")
        clean = normalise(contact)
        assert type(clean) is _NationalPhoneContact
        assert "Jo" == clean.given_name

    def test_smuggled_values(self) -> None:
        """A value smuggled past the constructor is never raised: built-ins are still normalised."""
        naive = dt.datetime(2025, 1, 1)  # noqa: DTZ001  # naive on purpose
        contact = Contact(contact_id="c1", email=" A@Example.FR ")
        object.__setattr__(contact, "created_at", naive)
        assert "a@example.fr" == normalise(contact).email
        host = _NationalPhoneContact(contact_id="c1", email=" A@Example.FR ")
        object.__setattr__(host, "created_at", naive)
        assert host is normalise(host)
        assert [host] == [record for record, _report in validate_many([host])]


class TestKeywordOnly:
    """region and the other options are keyword-only."""

    @pytest.mark.parametrize("function", [normalise, validate])
    def test_region_positional_refused(self, function: object) -> None:
        """Passing region by position is a TypeError, for normalise as for validate."""
        contact = Contact(contact_id="c1", phone="0470 12 34 56")
        with pytest.raises(TypeError):
            function(contact, "BE")  # type: ignore[operator]

    def test_region_keyword(self) -> None:
        """By keyword, region is the country assumed when the record does not say."""
        contact = Contact(contact_id="c1", phone="0470 12 34 56")
        assert "+32470123456" == normalise(contact, region="BE").phone
        assert validate(contact, region="BE").ok


class TestContentIssues:
    """content_issues: the content issues of a row's other fields when its shape is wrong."""

    def test_other_fields_validated(self) -> None:
        """A bad date and an invalid email: the email's issue is found, the date left out."""
        from custdata.model import from_flat
        from custdata.validation import content_issues

        row = {"contact_id": "C1", "birth_date": "soon", "email": "nope"}
        with pytest.raises(custdata.ValidationError) as caught:
            from_flat(custdata.Contact, row)
        more = content_issues(row, caught.value.issues, custdata.Contact)
        assert [("email", "invalid_email")] == [(issue.path, issue.code) for issue in more]

    def test_nothing_when_the_record_cannot_be_built(self) -> None:
        """A missing required field leaves nothing to validate."""
        from custdata.errors import Issue
        from custdata.validation import content_issues

        shape = [Issue(path="contact_id", code="missing", message="is required")]
        assert () == content_issues({"email": "nope"}, shape, custdata.Contact)
