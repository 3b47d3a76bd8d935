"""Emails: canonical forms, invalid addresses, and the fast path proved against email-validator."""

from __future__ import annotations

import email_validator
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import ValidationError
from custdata.testing import messy_emails
from custdata.validation import is_valid_email, normalise_email
from custdata.validation.email import _fast, _slow, canonical_email


class TestNormaliseEmail:
    @pytest.mark.parametrize(
        ("messy", "canonical"),
        [
            ("Elodie.Martin@Example.FR", "elodie.martin@example.fr"),
            ("elodie.martin@example.fr", "elodie.martin@example.fr"),
            ("  jean.dupont@EXAMPLE.com\t", "jean.dupont@example.com"),
            ("Élodie@Exemple.FR", "élodie@exemple.fr"),
            ("E\u0301lodie@exemple.fr", "élodie@exemple.fr"),
            ("josé@Bücher.de", "josé@bücher.de"),
            ("user@xn--bcher-kva.de", "user@bücher.de"),
            ("用户@例子.广告", "用户@例子.广告"),
            ("first+tag@mail.example.org", "first+tag@mail.example.org"),
        ],
    )
    def test_canonical_form(self, messy: str, canonical: str) -> None:
        """Messy spellings of one address end up equal."""
        assert canonical == normalise_email(messy)

    def test_keep_local_part_case(self) -> None:
        """The opt-out keeps the local part's case and still lower-cases the domain."""
        assert normalise_email("Elodie.Martin@Example.FR", lowercase_local_part=False) == (
            "Elodie.Martin@example.fr"
        )

    @pytest.mark.parametrize(
        "invalid",
        [
            "",
            "   ",
            "plainaddress",
            "a..b@example.com",
            "a@example",
            "a@localhost",
            "a@b.test",
            "a b@example.com",
            "a@-example.com",
            "a@example.c0m1",
            "<a@example.com>",
            "a@[127.0.0.1]",
        ],
    )
    def test_invalid(self, invalid: str) -> None:
        """An invalid address raises ValidationError with invalid_email, value not in message."""
        with pytest.raises(ValidationError) as caught:
            normalise_email(invalid)
        assert [issue.code for issue in caught.value.issues] == ["invalid_email"]
        if invalid.strip():
            assert invalid.strip() not in str(caught.value)
        assert not is_valid_email(invalid)

    def test_no_dns(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Deliverability is never checked: a domain without mail servers is accepted."""

        def _no_network(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("DNS was queried")

        monkeypatch.setattr("socket.getaddrinfo", _no_network)
        assert normalise_email("someone@nonexistent-domain-for-tests.example") == (
            "someone@nonexistent-domain-for-tests.example"
        )

    @given(messy_emails())
    def test_idempotent(self, value: str) -> None:
        """Normalising a canonical address gives it back."""
        canonical = canonical_email(value)
        if canonical is not None:
            assert canonical == canonical_email(canonical)


class TestFastPath:
    @given(st.one_of(messy_emails(), st.text(max_size=40)))
    def test_same_as_email_validator(self, value: str) -> None:
        """Whenever the fast path answers, email-validator gives the same normal form."""
        fast = _fast(value.strip())
        if fast is not None:
            assert fast == _slow(value.strip(), lowercase_local_part=True)

    @pytest.mark.parametrize(
        "value",
        [
            "a@xn--bcher-kva.de",
            "a@ab--cd.example.com",
            "a@b.local",
            "a@b.onion",
            "x" * 250 + "@a.fr",
        ],
    )
    def test_special_cases_go_to_email_validator(self, value: str) -> None:
        """Punycode, R-LDH labels, special-use and over-long domains are left to email-validator."""
        assert _fast(value) is None

    def test_long_labels(self) -> None:
        """A 64-character label is refused by both paths."""
        value = "a@" + "b" * 64 + ".com"
        assert _fast(value) is None
        assert _slow(value, lowercase_local_part=True) is None

    def test_reference_validator_agrees(self) -> None:
        """The slow path is email-validator's normalised form of the lower-cased input."""
        expected = email_validator.validate_email(
            "élodie@exemple.fr", check_deliverability=False
        ).normalized
        assert expected == _slow("Élodie@Exemple.FR", lowercase_local_part=True)
