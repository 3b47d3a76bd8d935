"""Value helpers are total: on any input they return or raise ValidationError, nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given

from custdata import ValidationError
from custdata.testing import arbitrary_values
from custdata.validation import (
    french_department,
    is_valid_email,
    normalise_country,
    normalise_currency,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postal_code,
    parse_phone,
)

HELPERS: dict[str, Callable[[object], object]] = {
    "normalise_email": normalise_email,
    "is_valid_email": is_valid_email,
    "parse_phone": parse_phone,
    "normalise_phone": normalise_phone,
    "normalise_name": normalise_name,
    "normalise_postal_code": normalise_postal_code,
    "normalise_postal_code_gb": lambda value: normalise_postal_code(value, "GB"),
    "normalise_postal_code_jp": lambda value: normalise_postal_code(value, "JP"),
    "french_department": french_department,
    "normalise_country": normalise_country,
    "normalise_currency": normalise_currency,
}

# The helpers that raise on a value of the wrong type, and the path their issue names.
RAISING: dict[str, tuple[Callable[[object], object], str]] = {
    "normalise_email": (normalise_email, "email"),
    "parse_phone": (parse_phone, "phone"),
    "normalise_phone": (normalise_phone, "phone"),
    "normalise_name": (normalise_name, "name"),
    "normalise_postal_code": (normalise_postal_code, "postal_code"),
    "normalise_currency": (normalise_currency, "currency"),
}
# The helpers that answer an invalid value with a return value, and that value.
RETURNING: dict[str, tuple[Callable[[object], object], object]] = {
    "is_valid_email": (is_valid_email, False),
    "french_department": (french_department, None),
    "normalise_country": (normalise_country, None),
}
WRONG_TYPES = [None, 5, 612345678, 3.5, float("nan"), b"0612345678", ["a@example.com"], True]


class TestTotality:
    @pytest.mark.parametrize("name", sorted(HELPERS))
    @given(value=arbitrary_values())
    def test_returns_or_raises_validation_error(self, name: str, value: object) -> None:
        """On anything at all, a helper returns or raises ValidationError naming no value."""
        raised: ValidationError | None = None
        try:
            HELPERS[name](value)
        except ValidationError as error:
            raised = error
        if raised is not None:
            assert raised.issues
            assert all(issue.path for issue in raised.issues)
            if isinstance(value, str) and len(value.strip()) >= 4:
                assert value.strip() not in str(raised)


class TestWrongType:
    @pytest.mark.parametrize("name", sorted(RAISING))
    @pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
    def test_raising_helpers(self, name: str, value: object) -> None:
        """Helpers that raise on invalid values raise wrong_type at the kind of value."""
        helper, path = RAISING[name]
        with pytest.raises(ValidationError) as caught:
            helper(value)
        assert [(path, "wrong_type")] == [(i.path, i.code) for i in caught.value.issues]
        assert str(caught.value).startswith(f"invalid value: 1 problem: {path}: ")

    @pytest.mark.parametrize("name", sorted(RETURNING))
    @pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
    def test_returning_helpers(self, name: str, value: object) -> None:
        """Helpers that answer invalid values with False or None answer so."""
        helper, invalid = RETURNING[name]
        assert invalid == helper(value)

    def test_postal_code_country(self) -> None:
        """A country of the wrong type is wrong_type at country."""
        with pytest.raises(ValidationError) as caught:
            normalise_postal_code("75011", 250)
        assert [("country", "wrong_type")] == [(i.path, i.code) for i in caught.value.issues]

    def test_region_is_a_caller_mistake(self) -> None:
        """The region a caller passes is not data: an unknown one stays a ValueError."""
        with pytest.raises(ValueError, match="region") as caught:
            parse_phone(None, 33)  # type: ignore[arg-type]
        assert not isinstance(caught.value, ValidationError)


class TestInvalidPaths:
    @pytest.mark.parametrize(
        ("call", "path", "code"),
        [
            (lambda: normalise_email("elodie.martin@"), "email", "invalid_email"),
            (lambda: parse_phone("06 12 34"), "phone", "invalid_phone"),
            (lambda: normalise_phone("06 12 34"), "phone", "invalid_phone"),
            (lambda: normalise_postal_code("2A004"), "postal_code", "invalid_postal_code"),
        ],
    )
    def test_issue_names_the_value(self, call: Callable[[], object], path: str, code: str) -> None:
        """A helper's issue has the kind of value as its path, not the record's empty one."""
        with pytest.raises(ValidationError) as caught:
            call()
        assert [(path, code)] == [(i.path, i.code) for i in caught.value.issues]
        assert "<record>" not in str(caught.value)
        assert f"invalid value: 1 problem: {path}: " in str(caught.value)


class TestLoneSurrogates:
    @pytest.mark.parametrize(
        ("call", "path"),
        [
            (lambda: normalise_email("elodie\ud800@example.com"), "email"),
            (lambda: normalise_email("\udfff"), "email"),
            (lambda: parse_phone("06 12 34 56 78\ud800"), "phone"),
            (lambda: normalise_postal_code("75011\ud800"), "postal_code"),
            (lambda: normalise_postal_code("100-0001\ud800", "JP"), "postal_code"),
        ],
    )
    def test_invalid_text(self, call: Callable[[], object], path: str) -> None:
        """Text holding a lone surrogate is invalid_text, whatever digits surround it."""
        with pytest.raises(ValidationError) as caught:
            call()
        assert [(path, "invalid_text")] == [(i.path, i.code) for i in caught.value.issues]

    def test_returning_helpers(self) -> None:
        """Helpers that return on invalid values return their invalid answer."""
        assert (False, None, None) == (
            is_valid_email("a\ud800@example.com"),
            normalise_country("F\ud800"),
            french_department("75\ud800"),
        )

    def test_names_kept_for_validation(self) -> None:
        """normalise_name accepts any text: validation reports what it holds."""
        assert "Élodie\ud800" == normalise_name(" E\u0301lodie\ud800 ")
