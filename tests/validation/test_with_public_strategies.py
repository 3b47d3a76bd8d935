"""The contract with custdata.testing: its valid records pass, its invalid ones give their code."""

from __future__ import annotations

import datetime as dt

from hypothesis import given

from custdata import testing
from custdata.model import Record
from custdata.validation import normalise, validate

TODAY = dt.date(2030, 12, 31)


class TestPublicStrategies:
    @given(testing.records())
    def test_valid_records_have_no_issue(self, record: Record) -> None:
        """Records the valid strategies draw have no issue at all."""
        assert () == validate(record, today=TODAY).issues

    @given(testing.records())
    def test_normalise_idempotent(self, record: Record) -> None:
        """Normalising twice is normalising once."""
        once = normalise(record)
        assert once == normalise(once)

    @given(testing.invalid_contacts())
    def test_invalid_contacts(self, case: tuple[Record, str]) -> None:
        """A contact spoiled in one way reports that issue code."""
        record, code = case
        assert code in validate(record, today=TODAY).codes()

    @given(testing.invalid_purchases())
    def test_invalid_purchases(self, case: tuple[Record, str]) -> None:
        """A purchase spoiled in one way reports that issue code."""
        record, code = case
        assert code in validate(record, today=TODAY).codes()

    @given(testing.invalid_consents())
    def test_invalid_consents(self, case: tuple[Record, str]) -> None:
        """A consent spoiled in one way reports that issue code."""
        record, code = case
        assert code in validate(record, today=TODAY).codes()

    @given(testing.invalid_feedback())
    def test_invalid_feedback(self, case: tuple[Record, str]) -> None:
        """Feedback spoiled in one way reports that issue code."""
        record, code = case
        assert code in validate(record, today=TODAY).codes()
