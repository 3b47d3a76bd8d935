"""custdata.testing: valid strategies validate cleanly, invalid ones give their tagged code."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from email_validator import validate_email
from hypothesis import given
from hypothesis import strategies as st

from custdata.model import Address, Contact, Record
from custdata.testing import (
    ISSUE_CODES,
    addresses,
    emails,
    invalid_consents,
    invalid_contacts,
    invalid_emails,
    invalid_feedback,
    invalid_line_items,
    invalid_names,
    invalid_phones,
    invalid_postal_codes,
    invalid_purchases,
    json_like,
    names,
    phones,
    postal_codes,
    records,
)
from custdata.validation import validate

TODAY = dt.date(2025, 6, 1)
FIELD_OF = {"invalid_email": "email", "invalid_phone": "phone"}


def _codes(record: object) -> set[str]:
    return {issue.code for issue in validate(record, today=TODAY).issues}


class TestValidStrategies:
    @given(records())
    def test_records_have_no_issue(self, record: Record) -> None:
        """Every record drawn validates without a single issue."""
        assert validate(record, today=TODAY).issues == ()

    @given(emails())
    def test_emails_pass_email_validator(self, email: str) -> None:
        """Emails pass email-validator and sit on a reserved domain."""
        assert validate_email(email, check_deliverability=False).normalized == email
        assert email.rsplit("@", 1)[1].split(".")[-2:] in (
            ["example", "com"],
            ["example", "org"],
            ["example", "net"],
        ) or email.endswith(".example")

    @pytest.mark.parametrize("region", ["FR", "GB", "US", "DE", "BE"])
    @given(data=st.data())
    def test_phones_are_valid(self, region: str, data: st.DataObject) -> None:
        """Phones are E.164 numbers phonenumbers considers valid."""
        phone = data.draw(phones(region))
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone))

    @pytest.mark.parametrize("country", ["FR", "GB", "US", "DE", "BE"])
    @given(data=st.data())
    def test_postal_codes_are_valid(self, country: str, data: st.DataObject) -> None:
        """Postal codes validate for their country."""
        code = data.draw(postal_codes(country))
        assert _codes(Address(postal_code=code, country=country)) == set()

    @given(addresses())
    def test_addresses(self, address: Address) -> None:
        """Addresses validate."""
        assert _codes(address) == set()

    @given(names())
    def test_names(self, name: str) -> None:
        """Names validate as given names."""
        assert _codes(Contact(contact_id="c", given_name=name)) == set()

    def test_unknown_region(self) -> None:
        """A region without a fiction range is refused when the strategy is built."""
        with pytest.raises(ValueError, match="region"):
            phones("JP")


class TestInvalidStrategies:
    @given(invalid_emails() | invalid_phones())
    def test_contact_values(self, pair: tuple[str, str]) -> None:
        """Bad emails and phones give their tagged code."""
        value, code = pair
        assert code in _codes(Contact(contact_id="c", **{FIELD_OF[code]: value}))

    @given(invalid_names())
    def test_names(self, pair: tuple[str, str]) -> None:
        """Bad names give their tagged code."""
        value, code = pair
        assert code in _codes(Contact(contact_id="c", family_name=value))

    @pytest.mark.parametrize("country", ["FR", "GB", "US", "DE", "BE"])
    @given(data=st.data())
    def test_postal_codes(self, country: str, data: st.DataObject) -> None:
        """Bad postal codes give their tagged code."""
        value, code = data.draw(invalid_postal_codes(country))
        assert code in _codes(Address(postal_code=value, country=country))

    @given(
        invalid_contacts()
        | invalid_purchases()
        | invalid_consents()
        | invalid_feedback()
        | invalid_line_items()
    )
    def test_records(self, pair: tuple[object, str]) -> None:
        """Each spoiled record gives its tagged code, one of ISSUE_CODES."""
        record, code = pair
        assert code in ISSUE_CODES
        assert code in _codes(record)


class TestJsonLike:
    @given(json_like(keys=("contact_id", "email")))
    def test_json_like_values(self, value: object) -> None:
        """json_like draws only JSON-like types."""
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                assert all(isinstance(key, str) for key in item)
                stack.extend(item.values())
            else:
                assert item is None or isinstance(item, bool | int | float | str)


class TestMissingHypothesis:
    def test_import_without_hypothesis(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without hypothesis, importing custdata.testing raises MissingDependencyError."""
        import importlib
        import sys

        from custdata.errors import MissingDependencyError

        for name in ("custdata.testing", "custdata.testing._strategies"):
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "hypothesis", None)
        with pytest.raises(MissingDependencyError) as info:
            importlib.import_module("custdata.testing")
        assert info.value.extra == "testing"
