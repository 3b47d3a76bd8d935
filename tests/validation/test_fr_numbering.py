"""The French plan's overseas prefixes: one table, consistent with libphonenumber's metadata."""

from __future__ import annotations

import doctest

import phonenumbers
import pytest
from phonenumbers.phonemetadata import PhoneMetadata

from custdata.validation import _fr_numbering
from custdata.validation._fr_numbering import OVERSEAS_PREFIXES, overseas_e164, overseas_prefix

_TERRITORIES = ("GP", "BL", "MF", "MQ", "GF", "RE", "YT")


class TestTable:
    @pytest.mark.parametrize("prefix", sorted(OVERSEAS_PREFIXES))
    def test_calling_code_is_the_territories(self, prefix: str) -> None:
        """Each prefix maps to the calling code libphonenumber gives its territories."""
        entry = OVERSEAS_PREFIXES[prefix]
        assert {entry.calling_code} == {
            phonenumbers.country_code_for_region(region) for region in entry.territories
        }

    @pytest.mark.parametrize("region", _TERRITORIES)
    def test_examples_covered(self, region: str) -> None:
        """libphonenumber's example landline and mobile of each territory are in the table."""
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        for description, mobile in ((metadata.fixed_line, False), (metadata.mobile, True)):
            national = "0" + description.example_number
            entry = overseas_prefix(national)
            assert entry is not None
            assert (True, mobile) == (region in entry.territories, entry.mobile)

    def test_every_territory_served(self) -> None:
        """The seven territories each have a landline and a mobile prefix."""
        served = {
            (region, entry.mobile)
            for entry in OVERSEAS_PREFIXES.values()
            for region in entry.territories
        }
        assert {(region, mobile) for region in _TERRITORIES for mobile in (False, True)} == served


class TestOverseasE164:
    @pytest.mark.parametrize(
        ("national", "e164"),
        [
            ("0590271234", "+590590271234"),
            ("0690001234", "+590690001234"),
            ("0596301234", "+596596301234"),
            ("0697001234", "+596697001234"),
            ("0594101234", "+594594101234"),
            ("0694201234", "+594694201234"),
            ("0262161234", "+262262161234"),
            ("0693001234", "+262693001234"),
            ("0269601234", "+262269601234"),
            ("0639012345", "+262639012345"),
        ],
    )
    def test_mapped(self, national: str, e164: str) -> None:
        """An overseas national number gets its territory's code in front of its nine digits."""
        assert e164 == overseas_e164(national)

    @pytest.mark.parametrize(
        "national", ["0612345678", "0145678910", "0261911234", "059O271234", "", "0590 27 12 34"]
    )
    def test_not_mapped(self, national: str) -> None:
        """Metropolitan numbers, and anything but digits, are not mapped."""
        assert overseas_e164(national) is None

    def test_docstring_examples(self) -> None:
        """The module's docstring examples hold."""
        results = doctest.testmod(_fr_numbering)
        assert (0, True) == (results.failed, results.attempted > 0)
