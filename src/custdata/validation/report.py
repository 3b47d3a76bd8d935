"""
`Report`: what `custdata.validate` found in one record.

`Issue` lives in `custdata.errors` because `custdata.ValidationError` carries
it too; it is re-exported here so that validation users import one module.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from custdata.errors import Issue, Severity, ValidationError

__all__ = ["Issue", "Report"]


def _issue_tuple(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    return issues if isinstance(issues, tuple) else tuple(issues)


@attrs.frozen(kw_only=True)
class Report:
    """
    The content problems of one record, field by field.

    Example:
        >>> from custdata import Contact, validate
        >>> report = validate(Contact(contact_id="c1", email="not an email"))
        >>> report.ok
        False
        >>> [(issue.path, issue.code) for issue in report.issues]
        [('email', 'invalid_email')]

    Attributes:
        issues: Every problem found, errors and warnings, grouped by field in a stable order.
    """

    issues: tuple[Issue, ...] = attrs.field(default=(), converter=_issue_tuple)

    @property
    def ok(self) -> bool:
        """Whether the record has no error-severity issue (warnings are allowed)."""
        return not any(issue.severity is Severity.ERROR for issue in self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues of severity `Severity.ERROR`: values that cannot be trusted."""
        return tuple(issue for issue in self.issues if issue.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The issues of severity `Severity.WARNING`: suspicious but accepted values."""
        return tuple(issue for issue in self.issues if issue.severity is Severity.WARNING)

    def codes(self) -> set[str]:
        """
        Return the distinct issue codes, handy in tests and filters.

        Returns:
            A set such as ``{"invalid_email", "name_contains_digits"}``.
        """
        return {issue.code for issue in self.issues}

    def to_dict(self) -> dict[str, object]:
        """
        Return the report as a JSON-ready dict.

        Example:
            >>> from custdata import Contact, validate
            >>> report = validate(Contact(contact_id="c1", email="not an email"))
            >>> report.to_dict()["ok"], report.to_dict()["issues"][0]["severity"]
            (False, 'error')

        Each issue gives its path, code, severity (``"error"`` or ``"warning"``)
        and message, never the value: `json.dumps` takes the dict as it is.

        Returns:
            ``{"ok": bool, "issues": [{"path", "code", "severity", "message"}, ...]}``,
            the issues in the report's order.
        """
        return {
            "ok": self.ok,
            "issues": [
                {
                    "path": issue.path,
                    "code": issue.code,
                    "severity": issue.severity.value,
                    "message": issue.message,
                }
                for issue in self.issues
            ],
        }

    def raise_for_errors(self) -> None:
        """
        Raise if the record has any error-severity issue.

        Raises:
            ValidationError: Carrying the error issues (warnings are left out).
        """
        errors = self.errors
        if errors:
            raise ValidationError(errors)
