"""Report: the ok flag, errors and warnings."""

from __future__ import annotations

import json

import pytest

from custdata import Contact, Issue, Severity, ValidationError, validate
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


class TestReportToDict:
    def test_shape(self) -> None:
        """to_dict gives ok and each issue's path, code, severity text and message, in order."""
        expected = {
            "ok": False,
            "issues": [
                {
                    "path": "given_name",
                    "code": "name_contains_digits",
                    "severity": "warning",
                    "message": "digits",
                },
                {
                    "path": "email",
                    "code": "invalid_email",
                    "severity": "error",
                    "message": "is not a valid email address",
                },
            ],
        }
        assert expected == Report(issues=[WARNING, ERROR]).to_dict()

    def test_empty(self) -> None:
        """An empty report is ok with no issues."""
        assert {"ok": True, "issues": []} == Report().to_dict()

    def test_json_ready(self) -> None:
        """json.dumps takes the dict as it is, and loads gives it back equal."""
        data = Report(issues=[ERROR, WARNING]).to_dict()
        assert data == json.loads(json.dumps(data))

    def test_never_a_value(self) -> None:
        """A validated record's dict holds no customer value, only paths, codes and messages."""
        secret = "jean.secret@@example"
        data = validate(Contact(contact_id="c1", email=secret)).to_dict()
        assert "invalid_email" == data["issues"][0]["code"]  # type: ignore[index]
        assert secret not in json.dumps(data)

    def test_severity_is_text(self) -> None:
        """The severity is the plain string value, not the enum member."""
        issues = Report(issues=[WARNING]).to_dict()["issues"]
        assert str is type(issues[0]["severity"])  # type: ignore[index]
