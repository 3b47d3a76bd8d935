"""Names: NFC, whitespace collapsed, accents kept, full-width folded; suspicious names."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given

from custdata.testing import messy_names
from custdata.validation import normalise_name
from custdata.validation.names import name_issues


class TestNormaliseName:
    @pytest.mark.parametrize(
        ("messy", "canonical"),
        [
            ("  Élodie   Marie ", "Élodie Marie"),
            ("E\u0301lodie", "Élodie"),
            ("\uff25\uff4c\uff4f\uff44\uff49\uff45", "Elodie"),
            ("Jean\u3000Noël", "Jean Noël"),
            ("de\u00a0la\tTour\n", "de la Tour"),
            ("McDonald", "McDonald"),
            ("Lefèvre", "Lefèvre"),
            ("   ", ""),
        ],
    )
    def test_canonical_form(self, messy: str, canonical: str) -> None:
        """Whitespace, composition and full-width forms are canonicalised; case and accents kept."""
        assert canonical == normalise_name(messy)

    @given(messy_names())
    def test_idempotent(self, value: str) -> None:
        """Normalising twice is normalising once."""
        once = normalise_name(value)
        assert once == normalise_name(once)

    @given(messy_names())
    def test_nfc(self, value: str) -> None:
        """The result is in NFC and has no full-width ASCII forms."""
        once = normalise_name(value)
        assert unicodedata.is_normalized("NFC", once)
        assert not any(0xFF01 <= ord(c) <= 0xFF5E for c in once)


class TestNameIssues:
    def test_digits(self) -> None:
        """A person's name with digits is a warning; a company's is not."""
        assert [i.code for i in name_issues("Jean2", "given_name", person=True)] == [
            "name_contains_digits"
        ]
        assert name_issues("3M", "company", person=False) == []

    def test_control_characters(self) -> None:
        """Control characters are an error."""
        assert [i.code for i in name_issues("Jean\x00", "given_name", person=False)] == [
            "invalid_characters"
        ]

    def test_lone_surrogates(self) -> None:
        """Lone surrogates are invalid_text, control characters invalid_characters."""
        assert [i.code for i in name_issues("Jean\ud800", "given_name", person=False)] == [
            "invalid_text"
        ]
        assert [i.code for i in name_issues("\x07\udc00", "city", person=False)] == [
            "invalid_characters",
            "invalid_text",
        ]

    def test_clean(self) -> None:
        """A clean name has no issue."""
        assert name_issues("Élodie", "given_name", person=True) == []
