"""Report: the ok flag, errors and warnings."""

from __future__ import annotations

import pytest

from custdata import Issue, Severity, ValidationError
from custdata.validation import Report

ERROR = Issue(path="email", code="invalid_email", message="is not a valid email address")
WARNING = Issue(
    path="given_name", code="name_contains_digits", severity=Severity.WARNING, message="digits"
)


class TestReport:
    def test_empty(self) -> None:
        """An empty report is ok."""
        assert Report().ok

    def test_warnings_only(self) -> None:
        """Warnings leave a report ok."""
        report = Report(issues=[WARNING])
        assert (True, (), (WARNING,)) == (report.ok, report.errors, report.warnings)

    def test_errors(self) -> None:
        """An error makes a report not ok, and raise_for_errors raises it alone."""
        report = Report(issues=[WARNING, ERROR])
        assert not report.ok
        assert {"invalid_email", "name_contains_digits"} == report.codes()
        with pytest.raises(ValidationError) as caught:
            report.raise_for_errors()
        assert (ERROR,) == caught.value.issues

    def test_raise_when_ok(self) -> None:
        """raise_for_errors does nothing on an ok report."""
        Report(issues=[WARNING]).raise_for_errors()
