"""Postal codes of ten countries (Corsica included), country codes, French departments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import ValidationError
from custdata.testing import messy_postal_codes
from custdata.validation import french_department, normalise_country, normalise_postal_code

VALID = [
    ("FR", "75011", "75011"),
    ("FR", " 13 001 ", "13001"),
    ("FR", "F-59000", "59000"),
    ("FR", "20000", "20000"),  # Ajaccio, Corse-du-Sud (2A)
    ("FR", "20200", "20200"),  # Bastia, Haute-Corse (2B)
    ("FR", "97110", "97110"),
    ("FR", "01000", "01000"),
    ("BE", "1000", "1000"),
    ("BE", "B-4000", "4000"),
    ("CH", "8001", "8001"),
    ("CH", "CH-1200", "1200"),
    ("DE", "10115", "10115"),
    ("DE", "D-01067", "01067"),
    ("ES", "28013", "28013"),
    ("ES", "52001", "52001"),
    ("IT", "00184", "00184"),
    ("NL", "1012ab", "1012 AB"),
    ("NL", "1012 AB", "1012 AB"),
    ("GB", "sw1a1aa", "SW1A 1AA"),
    ("GB", "EC1A 1BB", "EC1A 1BB"),
    ("GB", "m1 1ae", "M1 1AE"),
    ("GB", "B33 8TH", "B33 8TH"),
    ("US", "90210", "90210"),
    ("US", "902101234", "90210-1234"),
    ("US", "90210-1234", "90210-1234"),
    ("CA", "k1a0b1", "K1A 0B1"),
    ("CA", "H3Z 2Y7", "H3Z 2Y7"),
    ("JP", " 100-0001 ", "100-0001"),  # not checked: trimmed and upper-cased only
]

INVALID = [
    ("FR", "2A004"),  # an INSEE commune code of Corsica, not a postal code
    ("FR", "2B200"),
    ("FR", "1000"),  # 01000 that lost its zero: not guessed
    ("FR", "00100"),
    ("FR", "99000"),
    ("FR", "750011"),
    ("BE", "0999"),
    ("CH", "12345"),
    ("DE", "00123"),
    ("DE", "1234"),
    ("ES", "53001"),
    ("IT", "1234"),
    ("NL", "0123 AB"),
    ("NL", "1234 SA"),
    ("GB", "SW1A"),
    ("GB", "QA1 1AA"),
    ("US", "9021"),
    ("US", "90210-12"),
    ("CA", "D1A 0B1"),
    ("CA", "K1A0B"),
]


class TestNormalisePostalCode:
    @pytest.mark.parametrize(("country", "messy", "canonical"), VALID)
    def test_valid(self, country: str, messy: str, canonical: str) -> None:
        """Valid codes take their national written form."""
        assert canonical == normalise_postal_code(messy, country)

    @pytest.mark.parametrize(("country", "value"), INVALID)
    def test_invalid(self, country: str, value: str) -> None:
        """Codes that do not fit are reported with invalid_postal_code, value not in message."""
        with pytest.raises(ValidationError) as caught:
            normalise_postal_code(value, country)
        assert [issue.code for issue in caught.value.issues] == ["invalid_postal_code"]
        assert value not in str(caught.value)

    def test_corsican_department_message(self) -> None:
        """A Corsican department code used as a postal code gets an explanation."""
        with pytest.raises(ValidationError, match="Corsican"):
            normalise_postal_code("2A004")

    @pytest.mark.parametrize(("country", "messy", "canonical"), VALID)
    def test_idempotent(self, country: str, messy: str, canonical: str) -> None:
        """A canonical code is its own canonical form."""
        assert canonical == normalise_postal_code(canonical, country)

    @given(messy_postal_codes(), st.sampled_from(["FR", "BE", "CH", "NL", "GB", "US", "CA", "JP"]))
    def test_idempotent_on_messy_codes(self, value: str, country: str) -> None:
        """Whatever the code, a canonical form is its own canonical form."""
        try:
            canonical = normalise_postal_code(value, country)
        except ValidationError as error:
            codes = {issue.code for issue in error.issues}
        else:
            assert canonical == normalise_postal_code(canonical, country)
            return
        assert {"invalid_postal_code", "invalid_text"} >= codes


class TestFrenchDepartment:
    @pytest.mark.parametrize(
        ("code", "department"),
        [
            ("75011", "75"),
            ("20000", "2A"),
            ("20167", "2A"),
            ("20200", "2B"),
            ("20600", "2B"),
            ("97110", "971"),
            ("98000", None),
            ("2A004", None),
            ("01000", "01"),
            ("97133", "977"),
            ("97150", "978"),
            ("97130", "971"),
            ("97200", "972"),
            ("97600", "976"),
            ("98714", "987"),
            ("98800", "988"),
            ("20090", "2A"),
            ("20290", "2B"),
            ("75700", "75"),
        ],
    )
    def test_department(self, code: str, department: str | None) -> None:
        """Corsica splits into 2A and 2B; overseas departments have three digits."""
        assert department == french_department(code)

    def test_saint_barthelemy_and_saint_martin(self) -> None:
        """97133 and 97150 are Saint-Barthélemy (977) and Saint-Martin (978), not Guadeloupe."""
        assert ("977", "978") == (french_department("97133"), french_department("97150"))

    def test_table_names_its_source(self) -> None:
        """The table is shipped with the package and its header names where it comes from."""
        import importlib.resources

        text = importlib.resources.files("custdata.validation").joinpath("fr_departments.csv")
        header = text.read_text("utf-8")[:800]
        assert "codes-postaux 4.1.2" in header
        assert "Code officiel geographique" in header

    def test_every_listed_code_is_canonical(self) -> None:
        """Every postal code of the table is a canonical French code, and its department fits."""
        from custdata.validation.postal import french_departments

        table = french_departments()
        assert 6000 < len(table)
        for code, department in table.items():
            assert code == normalise_postal_code(code, "FR")
            assert department == french_department(code)
            if code.startswith("20"):
                assert department in {"2A", "2B"}
            elif code.startswith(("97", "98")):
                assert 3 == len(department)
            else:
                assert department.isdigit()
                assert 2 == len(department)


class TestNormaliseCountry:
    @pytest.mark.parametrize(
        ("messy", "canonical"),
        [(" fr ", "FR"), ("Gb", "GB"), ("XK", "XK"), ("France", None), ("UK", None), ("ZZ", None)],
    )
    def test_country(self, messy: str, canonical: str | None) -> None:
        """ISO 3166-1 alpha-2 codes are upper-cased; anything else is refused."""
        assert canonical == normalise_country(messy)
