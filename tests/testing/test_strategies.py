"""custdata.testing: valid strategies validate cleanly, invalid ones give their tagged code."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from email_validator import validate_email
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from custdata.model import Address, Contact, Record
from custdata.testing import (
    ISSUE_CODES,
    addresses,
    arbitrary_values,
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
    messy_contacts,
    messy_emails,
    messy_names,
    messy_phones,
    messy_postal_codes,
    messy_records,
    messy_text,
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


def _surrogates(text: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


# find() stops at the first example (no shrinking: the example itself does not matter).
_FIND = settings(
    max_examples=2_000,
    database=None,
    phases=[Phase.generate],
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


class TestMessyStrategies:
    @pytest.mark.parametrize(
        "strategy",
        [messy_text(), messy_names(), messy_emails(), messy_phones(), messy_postal_codes()],
        ids=["text", "names", "emails", "phones", "postal_codes"],
    )
    @given(data=st.data())
    def test_values_are_strings(
        self, strategy: st.SearchStrategy[str], data: st.DataObject
    ) -> None:
        """Messy value strategies draw strings."""
        assert isinstance(data.draw(strategy), str)

    @pytest.mark.parametrize(
        ("strategy", "field"),
        [
            (messy_names(), "given_name"),
            (messy_emails(), "email"),
            (messy_phones(), "phone"),
        ],
    )
    def test_clean_and_dirty(self, strategy: st.SearchStrategy[str], field: str) -> None:
        """Each messy strategy draws values validation accepts and values it reports."""
        find(
            strategy,
            lambda value: _codes(Contact(contact_id="c", **{field: value})) == set(),
            settings=_FIND,
        )
        find(
            strategy,
            lambda value: "invalid_text" in _codes(Contact(contact_id="c", **{field: value})),
            settings=_FIND,
        )

    def test_messy_text_reaches_every_kind(self) -> None:
        """messy_text draws lone surrogates, control characters, full-width and wide text."""
        find(messy_text(), _surrogates, settings=_FIND)
        find(messy_text(), lambda text: any(ord(c) < 0x20 for c in text), settings=_FIND)
        find(
            messy_names(),
            lambda text: any(0xFF01 <= ord(c) <= 0xFF5E for c in text),
            settings=_FIND,
        )
        find(messy_names(), lambda text: text != text.strip(), settings=_FIND)

    def test_messy_postal_codes(self) -> None:
        """Messy postal codes include valid ones and codes invalid for their country."""
        find(
            messy_postal_codes(),
            lambda code: _codes(Address(postal_code=code, country="FR")) == set(),
            settings=_FIND,
        )
        find(
            messy_postal_codes(),
            lambda code: _codes(Address(postal_code=code, country="FR")) == {"invalid_postal_code"},
            settings=_FIND,
        )

    @given(messy_records())
    def test_messy_records_construct(self, record: Record) -> None:
        """Messy records are records the constructors accept."""
        assert isinstance(record, Record)

    def test_messy_contacts_are_messy(self) -> None:
        """Messy contacts reach errors of several kinds."""
        for code in ("invalid_email", "invalid_phone", "invalid_text", "blank_identifier"):
            find(
                messy_contacts(), lambda contact, code=code: code in _codes(contact), settings=_FIND
            )


class TestArbitraryValues:
    def test_reaches_every_kind(self) -> None:
        """arbitrary_values draws None, numbers, bytes, surrogates, huge strings, containers."""
        for kind in (type(None), int, float, bytes, list, dict):
            find(arbitrary_values(), lambda value, kind=kind: type(value) is kind, settings=_FIND)
        find(
            arbitrary_values(),
            lambda value: isinstance(value, str) and _surrogates(value),
            settings=_FIND,
        )
        find(
            arbitrary_values(),
            lambda value: isinstance(value, str) and len(value) >= 1_000,
            settings=_FIND,
        )


class TestMissingHypothesis:
    def test_import_without_hypothesis(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without hypothesis, importing custdata.testing raises MissingDependencyError."""
        import importlib
        import sys

        from custdata.errors import MissingDependencyError

        for name in ("custdata.testing", "custdata.testing._messy", "custdata.testing._strategies"):
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "hypothesis", None)
        with pytest.raises(MissingDependencyError) as info:
            importlib.import_module("custdata.testing")
        assert info.value.extra == "testing"
