"""
Errors raised by custdata, and the `Issue` they carry.

Every error has a stable snake_case ``code`` that callers and tests may rely on.
No message ever contains a customer value or a key: messages name the field,
the transform and the problem only.

::

    CustDataError
    +- ValidationError(ValueError)        .issues: every problem as an Issue
    +- PolicyError(ValueError)            bad policy, unknown transform, bad parameters
    +- TransformError(ValueError)         .transform, .code
    +- InvalidToken                       .position; opaque: never says which check failed
    +- KeyRingError                       short, missing or unknown key
    +- MissingDependencyError(ImportError)  .extra
    +- InputError                         a file that cannot be read at all
    +- PrivacyRequirementError            a privacy requirement could not be met
    +- UsageError(ValueError)             an argument that cannot be used (exit code 2)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar, Final

import attrs

__all__ = [
    "CustDataError",
    "InputError",
    "InvalidToken",
    "Issue",
    "KeyRingError",
    "MissingDependencyError",
    "PolicyError",
    "PrivacyRequirementError",
    "Severity",
    "TransformError",
    "UsageError",
    "ValidationError",
]


class Severity(enum.StrEnum):
    """How serious an `Issue` is."""

    ERROR = "error"
    """The value cannot be trusted; the record is rejected by batch commands."""
    WARNING = "warning"
    """The value was accepted but looks wrong or was changed (for example guessed)."""


@attrs.frozen(kw_only=True)
class Issue:
    """
    One problem found in a record.

    The same type serves `custdata.ValidationError` (shape problems found by
    ``from_dict``) and the validation ``Report`` (content problems).

    Args:
        path: Dotted path of the field, with list indices, such as
            ``"address.postal_code"`` or ``"lines[2].quantity"``; ``""`` for the
            record itself.
        code: Stable snake_case code, such as ``"missing"`` or ``"invalid_email"``.
        severity: `Severity.ERROR` or `Severity.WARNING`.
        message: A human explanation that never contains the offending value.
    """

    path: str
    code: str
    severity: Severity = Severity.ERROR
    message: str

    def __str__(self) -> str:
        where = self.path or "<record>"
        return f"{where}: {self.message} [{self.code}]"

    def at(self, prefix: str) -> Issue:
        """
        Return the same issue with its path nested under ``prefix``.

        Args:
            prefix: The path of the enclosing field (``""`` leaves the path as is).

        Returns:
            A new `Issue`.
        """
        if not prefix:
            return self
        if not self.path:
            path = prefix
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        return attrs.evolve(self, path=path)


class CustDataError(Exception):
    """Base class of every error custdata raises on purpose."""

    code: ClassVar[str] = "custdata_error"


class ValidationError(CustDataError, ValueError):
    """
    A record or a value failed validation.

    Attributes:
        issues: Every problem found, not only the first, as `Issue` objects.
    """

    code: ClassVar[str] = "validation_error"

    def __init__(self, issues: Iterable[Issue], *, record_type: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.record_type = record_type
        what = record_type or "record"
        count = len(self.issues)
        summary = "; ".join(str(issue) for issue in self.issues[:_SUMMARY_ISSUES])
        if count > _SUMMARY_ISSUES:
            summary += f"; and {count - _SUMMARY_ISSUES} more"
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"invalid {what}: {count} {noun}: {summary}")

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled with its own arguments (Spark sends executors' errors to the driver).
        return (_rebuild_validation_error, (self.issues, self.record_type))


_SUMMARY_ISSUES: Final = 5


def _rebuild_validation_error(
    issues: tuple[Issue, ...], record_type: str | None
) -> ValidationError:
    return ValidationError(issues, record_type=record_type)


class PolicyError(CustDataError, ValueError):
    """
    A policy is malformed, names an unknown transform or gives bad parameters.

    The message names the file and the field when they are known
    (``"partner.toml: field email: pseudonymise: unknown parameter 'domian'"``),
    never a value.

    Attributes:
        source: The policy file (or the name of a built-in policy) the problem
            is in, or ``None`` for a policy built in Python or a bare transform.
        field: The dotted path of the field whose rule has the problem, or
            ``None`` for a problem of the policy as a whole.
        problem: The message without its file and field.
    """

    code: ClassVar[str] = "policy_error"

    def __init__(
        self, problem: str, *, source: str | None = None, field: str | None = None
    ) -> None:
        self.problem = problem
        self.source = source
        self.field = field
        where = "".join(
            part
            for part in (
                f"{source}: " if source is not None else "",
                f"field {field}: " if field is not None else "",
            )
        )
        super().__init__(f"{where}{problem}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_policy_error, (self.problem, self.source, self.field))


def _rebuild_policy_error(problem: str, source: str | None, field: str | None) -> PolicyError:
    return PolicyError(problem, source=source, field=field)


class TransformError(CustDataError, ValueError):
    """
    A transform could not process one value.

    Attributes:
        transform: The registry name of the transform.
        code: A stable code for the problem, such as ``"wrong_type"``.
    """

    def __init__(self, transform: str, code: str, message: str) -> None:
        self.transform = transform
        self.code = code  # type: ignore[misc]  # an instance code refines the class one
        self.message = message
        super().__init__(f"{transform}: {message} [{code}]")

    def __reduce__(self) -> tuple[type[TransformError], tuple[str, str, str]]:
        return (TransformError, (self.transform, self.code, self.message))


class InvalidToken(CustDataError):  # noqa: N818  # named like cryptography's Fernet error on purpose
    """
    A token is malformed, altered or from an unknown key; never says which.

    Attributes:
        position: The token's index in a batch (``Tokenise.reverse_many``), or
            ``None`` for a single token. The message names it and nothing else.
    """

    code: ClassVar[str] = "invalid_token"

    def __init__(self, position: int | None = None) -> None:
        self.position = position
        if position is None:
            super().__init__("invalid token")
        else:
            super().__init__(f"invalid token at position {position}")

    def __reduce__(self) -> tuple[type[InvalidToken], tuple[int | None]]:
        # Rebuilt from its position, not from its message (exceptions pickle their args).
        return (type(self), (self.position,))


class KeyRingError(CustDataError):
    """A key ring is malformed, a key is too short, or a key id is unknown."""

    code: ClassVar[str] = "key_error"


class MissingDependencyError(CustDataError, ImportError):
    """
    An optional dependency is not installed.

    Attributes:
        extra: The name of the extra that installs it, as in ``custdata[extra]``.
    """

    code: ClassVar[str] = "missing_dependency"

    def __init__(self, package: str, extra: str) -> None:
        self.extra = extra
        self.package = package
        super().__init__(
            f"this feature needs the optional package {package!r}: "
            f"install it with `pip install 'custdata[{extra}]'`",
            name=package,
        )

    def __reduce__(self) -> tuple[type[MissingDependencyError], tuple[str, str]]:
        return (MissingDependencyError, (self.package, self.extra))


class InputError(CustDataError):
    """
    An input file cannot be read at all (empty, wrong encoding, truncated, missing columns).

    Row-level problems are not input errors: they become rejects.
    """

    code: ClassVar[str] = "input_unreadable"


class PrivacyRequirementError(CustDataError):
    """
    A privacy requirement (such as a minimum k) could not be met; nothing is released.

    Attributes:
        best_k: The highest k reached within the limits, when a search was made.
    """

    code: ClassVar[str] = "privacy_requirement_not_met"

    def __init__(self, message: str, *, best_k: int | None = None) -> None:
        super().__init__(message)
        self.best_k = best_k


class UsageError(CustDataError, ValueError):
    """
    An argument cannot be used: an unsupported format, encoding or delimiter, a bad mapping.

    Nothing is read or written when it is raised; the command line exits with code 2.
    """

    code: ClassVar[str] = "usage_error"
