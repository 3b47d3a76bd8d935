"""
Constructor parameters of every built-in transform.

Every bad parameter a policy could write, of the wrong value or the wrong type,
raises `PolicyError` (code ``policy_error``) at construction, with a message
``"<Class>: <parameter> ..."`` that never repeats the value. Only ``keys`` that
is not a `KeyRing` stays a `TypeError`: no policy can write a key ring, so it is
a programming mistake. Domains that are not valid text are refused by the key
derivation itself, so every keyed transform refuses them, including
`Pseudonymise` and `Tokenise`.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pytest

from custdata import (
    AgeBand,
    BottomCode,
    Bucket,
    FormatPreserving,
    KeyRing,
    Mask,
    MaskEmail,
    MaskPhone,
    PolicyError,
    Pseudonymise,
    Redact,
    ShiftDate,
    Tokenise,
    TopCode,
    TruncateDate,
    TruncatePostcode,
)

SECRET = bytes(range(7, 39))
RING = KeyRing.from_mapping({"k1": SECRET}, active="k1")
REFERENCE = date(2024, 6, 30)
MARKER = "zq9MarkerValue"
"""A bad value that must not appear in the error message."""


def _fpe(**params: Any) -> FormatPreserving:
    return FormatPreserving(**{"keys": RING, "domain": "phone", **params})


def _shift(**params: Any) -> ShiftDate:
    return ShiftDate(
        **{"keys": RING, "domain": "orders", "max_days": 30, "subject_field": "c", **params}
    )


def _age(**params: Any) -> AgeBand:
    return AgeBand(**{"reference": REFERENCE, **params})


# (build, parameters, the parameter the message names)
BAD: list[tuple[Any, dict[str, Any], str]] = [
    (MaskEmail, {"mask_char": ""}, "mask_char"),
    (MaskEmail, {"mask_char": "**"}, "mask_char"),
    (MaskEmail, {"mask_char": "\ud800"}, "mask_char"),
    (MaskEmail, {"mask_char": 3}, "mask_char"),
    (MaskEmail, {"mask_char": MARKER}, "mask_char"),
    (MaskEmail, {"mask_length": 0}, "mask_length"),
    (MaskEmail, {"mask_length": 17}, "mask_length"),
    (MaskEmail, {"mask_length": "3"}, "mask_length"),
    (MaskEmail, {"mask_length": True}, "mask_length"),
    (MaskEmail, {"mask_length": 2.5}, "mask_length"),
    (MaskEmail, {"keep_length": "yes"}, "keep_length"),
    (MaskEmail, {"keep_length": 1}, "keep_length"),
    (MaskPhone, {"keep_last": -1}, "keep_last"),
    (MaskPhone, {"keep_last": 5}, "keep_last"),
    (MaskPhone, {"keep_last": "2"}, "keep_last"),
    (MaskPhone, {"keep_last": None}, "keep_last"),
    (MaskPhone, {"mask_char": ""}, "mask_char"),
    (Mask, {"mask_char": ""}, "mask_char"),
    (Mask, {"mask_char": "\udfff"}, "mask_char"),
    (Mask, {"keep_first": -1}, "keep_first"),
    (Mask, {"keep_first": 65}, "keep_first"),
    (Mask, {"keep_first": 1.5}, "keep_first"),
    (Mask, {"keep_last": -1}, "keep_last"),
    (Mask, {"keep_last": False}, "keep_last"),
    (Redact, {"replacement": 3}, "replacement"),
    (Redact, {"replacement": None}, "replacement"),
    (Redact, {"replacement": "[\ud800]"}, "replacement"),
    (_age, {"reference": datetime(2024, 1, 1, tzinfo=UTC)}, "reference"),
    (_age, {"reference": "2024-06-30"}, "reference"),
    (_age, {"reference": None}, "reference"),
    (_age, {"width": 0}, "width"),
    (_age, {"width": 101}, "width"),
    (_age, {"width": "10"}, "width"),
    (_age, {"top": 0}, "top"),
    (_age, {"top": 151}, "top"),
    (_age, {"top": 85}, "top"),
    (_age, {"top": "90"}, "top"),
    (_age, {"source": "years"}, "source"),
    (_age, {"source": None}, "source"),
    (_age, {"source": "age"}, "reference"),
    (AgeBand, {}, "reference"),
    (AgeBand, {"source": "age", "width": 0}, "width"),
    (AgeBand, {"source": "age", "width": 10, "top": 95}, "top"),
    (TruncateDate, {"unit": "week"}, "unit"),
    (TruncateDate, {"unit": "MONTH"}, "unit"),
    (TruncateDate, {"unit": None}, "unit"),
    (TruncateDate, {"unit": "Day"}, "unit"),
    (TruncatePostcode, {"keep": 0}, "keep"),
    (TruncatePostcode, {"keep": 11}, "keep"),
    (TruncatePostcode, {"keep": "2"}, "keep"),
    (Bucket, {}, "edges or width"),
    (Bucket, {"edges": (1,), "width": 2}, "edges or width"),
    (Bucket, {"edges": ()}, "edges"),
    (Bucket, {"edges": (2, 1)}, "edges"),
    (Bucket, {"edges": (1, 1)}, "edges"),
    (Bucket, {"edges": (1, math.inf)}, "edges"),
    (Bucket, {"edges": (1, math.nan)}, "edges"),
    (Bucket, {"edges": (1, "2")}, "edges"),
    (Bucket, {"edges": (True,)}, "edges"),
    (Bucket, {"edges": "18,30"}, "edges"),
    (Bucket, {"edges": 18}, "edges"),
    (Bucket, {"edges": (1,), "labels": ("a",)}, "labels"),
    (Bucket, {"edges": (1,), "labels": ("a", "b", "c")}, "labels"),
    (Bucket, {"edges": (1,), "labels": (1, 2)}, "labels"),
    (Bucket, {"edges": (1,), "labels": "ab"}, "labels"),
    (Bucket, {"edges": (1,), "labels": ("a", "\ud800")}, "labels"),
    (Bucket, {"width": 0}, "width"),
    (Bucket, {"width": -1}, "width"),
    (Bucket, {"width": math.inf}, "width"),
    (Bucket, {"width": "10"}, "width"),
    (Bucket, {"width": True}, "width"),
    (Bucket, {"width": 2, "labels": ("a",)}, "labels"),
    (Bucket, {"width": 2, "origin": math.inf}, "origin"),
    (Bucket, {"width": 2, "origin": "0"}, "origin"),
    (Bucket, {"width": 10**400}, "width"),
    (Bucket, {"edges": (1, 10**400)}, "edges"),
    (Bucket, {"width": 1, "origin": -(10**400)}, "origin"),
    (TopCode, {"threshold": 10**400}, "threshold"),
    (TopCode, {"threshold": math.inf}, "threshold"),
    (TopCode, {"threshold": math.nan}, "threshold"),
    (TopCode, {"threshold": "90"}, "threshold"),
    (TopCode, {"threshold": True}, "threshold"),
    (BottomCode, {"threshold": -math.inf}, "threshold"),
    (BottomCode, {"threshold": None}, "threshold"),
    (_fpe, {"domain": ""}, "domain"),
    (_fpe, {"domain": 3}, "domain"),
    (_fpe, {"domain": "\ud800"}, "domain"),
    (_fpe, {"domain": "phone\udc80"}, "domain"),
    (_fpe, {"alphabet": ""}, "alphabet"),
    (_fpe, {"alphabet": "0"}, "alphabet"),
    (_fpe, {"alphabet": "00123"}, "alphabet"),
    (_fpe, {"alphabet": 10}, "alphabet"),
    (_fpe, {"alphabet": None}, "alphabet"),
    (_fpe, {"alphabet": "0123456789\ud800"}, "alphabet"),
    (_fpe, {"min_length": 5}, "min_length"),
    (_fpe, {"min_length": 1}, "min_length"),
    (_fpe, {"min_length": 5000}, "min_length"),
    (_fpe, {"min_length": "6"}, "min_length"),
    (_fpe, {"min_length": True}, "min_length"),
    (_fpe, {"alphabet": "01", "min_length": 19}, "min_length"),
    (_fpe, {"keep_country_code": "yes"}, "keep_country_code"),
    (_fpe, {"keep_country_code": 1}, "keep_country_code"),
    (_fpe, {"alphabet": "ABCDEFGHIJ", "keep_country_code": True}, "keep_country_code"),
    (_shift, {"domain": ""}, "domain"),
    (_shift, {"domain": 3}, "domain"),
    (_shift, {"domain": "\ud800"}, "domain"),
    (_shift, {"max_days": -1}, "max_days"),
    (_shift, {"max_days": 36_526}, "max_days"),
    (_shift, {"max_days": 1.5}, "max_days"),
    (_shift, {"max_days": True}, "max_days"),
    (_shift, {"max_days": "30"}, "max_days"),
    (_shift, {"subject_field": ""}, "subject_field"),
    (_shift, {"subject_field": None}, "subject_field"),
    (_shift, {"subject_field": "c\ud800"}, "subject_field"),
    (_shift, {"field": ""}, "field"),
    (_shift, {"field": 3}, "field"),
    (_shift, {"field": "d\udfff"}, "field"),
]


def _pse(**params: Any) -> Pseudonymise:
    return Pseudonymise(**{"keys": RING, "domain": "email", **params})


def _tok(**params: Any) -> Tokenise:
    return Tokenise(**{"keys": RING, "domain": "email", **params})


BAD += [
    (_pse, {"domain": ""}, "domain"),
    (_pse, {"domain": 5}, "domain"),
    (_pse, {"prefix": MARKER + "!"}, "prefix"),
    (_pse, {"prefix": "x" * 17}, "prefix"),
    (_pse, {"prefix": 3}, "prefix"),
    (_pse, {"bits": 12}, "bits"),
    (_pse, {"bits": 64}, "bits"),
    (_pse, {"bits": 1024}, "bits"),
    (_pse, {"bits": "128"}, "bits"),
    (_pse, {"bits": True}, "bits"),
    (_pse, {"unsafe_allow_short": "yes"}, "unsafe_allow_short"),
    (_tok, {"domain": ""}, "domain"),
    (_tok, {"domain": None}, "domain"),
]

_CLASSES = {
    _fpe: "FormatPreserving",
    _shift: "ShiftDate",
    _age: "AgeBand",
    _pse: "Pseudonymise",
    _tok: "Tokenise",
}


def _class_name(build: Any) -> str:
    return _CLASSES.get(build) or build.__name__


class TestBadParameters:
    """Every bad parameter is a PolicyError naming the transform and the parameter."""

    @pytest.mark.parametrize(
        ("build", "params", "parameter"),
        [pytest.param(*case, id=f"{_class_name(case[0])}-{case[1]!r}") for case in BAD],
    )
    def test_policy_error(self, build: Any, params: dict[str, Any], parameter: str) -> None:
        """The error is a PolicyError with the stable code, naming class and parameter."""
        with pytest.raises(PolicyError) as caught:
            build(**params)
        error = caught.value
        assert "policy_error" == error.code
        assert isinstance(error, ValueError)
        message = str(error)
        assert message.startswith(f"{_class_name(build)}: {parameter} ")
        assert (message,) == error.args
        assert MARKER not in message
        assert "Attribute(" not in message

    def test_truncate_date_message(self) -> None:
        """The message lists the units, not attrs' internals nor the value."""
        with pytest.raises(PolicyError) as caught:
            TruncateDate(unit="week")  # type: ignore[arg-type]
        assert "TruncateDate: unit must be one of day, month, quarter, year" == str(caught.value)

    def test_message_hides_value(self) -> None:
        """A bad string parameter is not repeated in the message."""
        with pytest.raises(PolicyError) as caught:
            Mask(mask_char=MARKER)
        assert MARKER not in str(caught.value)
        assert MARKER not in repr(caught.value)

    @pytest.mark.parametrize("build", [_fpe, _shift])
    @pytest.mark.parametrize("keys", [None, SECRET, {"k1": SECRET}])
    def test_keys_not_a_key_ring_is_a_type_error(self, build: Any, keys: object) -> None:
        """keys that is not a KeyRing is a programming mistake: TypeError, without the key."""
        with pytest.raises(TypeError, match=r"keys must be a custdata\.KeyRing") as caught:
            build(keys=keys)
        assert SECRET.hex() not in str(caught.value)
        assert repr(SECRET) not in str(caught.value)

    @pytest.mark.parametrize(
        "build",
        [
            MaskEmail,
            MaskPhone,
            Mask,
            Redact,
            _age,
            lambda: AgeBand(source="age", width=5, top=90),
            TruncateDate,
            lambda: TruncateDate(unit="day"),
            TruncatePostcode,
            lambda: Bucket(edges=(1,)),
            lambda: Bucket(width=2.5, origin=-1),
            lambda: Bucket(width=10.0, origin=5.0),
            lambda: Bucket(edges=(18.0, 30.5)),
            lambda: TopCode(threshold=1),
            lambda: BottomCode(threshold=1.5),
            _fpe,
            _shift,
        ],
    )
    def test_defaults_and_good_values_build(self, build: Any) -> None:
        """The checks refuse nothing valid: defaults and typical values build."""
        assert build() is not None


class TestDomains:
    """A domain that is not valid text is refused by every keyed transform at construction."""

    KEYED: dict[str, Any] = {  # noqa: RUF012  # read-only test data
        "pseudonymise": lambda domain: Pseudonymise(keys=RING, domain=domain),
        "tokenise": lambda domain: Tokenise(keys=RING, domain=domain),
        "format_preserving": lambda domain: _fpe(domain=domain),
        "shift_date": lambda domain: _shift(domain=domain),
    }

    @pytest.mark.parametrize("name", sorted(KEYED))
    @pytest.mark.parametrize("domain", ["\ud800", "email\udfff", "\udc80\ud800", "é\ud83d"])
    def test_lone_surrogate(self, name: str, domain: str) -> None:
        """A lone surrogate in the domain is a PolicyError naming the domain, not a raw error."""
        with pytest.raises(PolicyError, match="domain") as caught:
            self.KEYED[name](domain)
        assert "policy_error" == caught.value.code
        assert "domain must be valid Unicode text" in str(caught.value)
        assert caught.value.__cause__ is None

    @pytest.mark.parametrize("name", sorted(KEYED))
    def test_valid_text_domains_build(self, name: str) -> None:
        """Non-ASCII domains that are valid text (accents, astral characters) still build."""
        for domain in ("café", "cafe\u0301", "😀", "客户"):
            assert self.KEYED[name](domain) is not None
