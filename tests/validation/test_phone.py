"""Phones: E.164, number types, regions, invalid numbers reported and not guessed."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import Address, Contact, ValidationError, normalise
from custdata.testing import messy_phones
from custdata.validation import PhoneType, normalise_phone, parse_phone
from custdata.validation._common import has_surrogates
from custdata.validation._fr_numbering import OVERSEAS_PREFIXES, overseas_e164
from custdata.validation.phone import phone_result


def _french_plan(value: str, region: str) -> phonenumbers.PhoneNumber:
    """Parse as libphonenumber does, then give an overseas national number its own code."""
    number = phonenumbers.parse(value, region, keep_raw_input=True)
    national = "0" + phonenumbers.national_significant_number(number)
    if (
        region == "FR"
        and number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
        and overseas_e164(national) is not None
    ):
        return phonenumbers.parse(overseas_e164(national), None)
    return number


class TestParsePhone:
    @pytest.mark.parametrize(
        "messy",
        [
            "06 12 34 56 78",
            "+33612345678",
            "0612345678",
            "06.12.34.56.78",
            "+33 6 12 34 56 78",
            "0033 6 12 34 56 78",
            "06-12-34-56-78",
            "+33 (0)6 12 34 56 78",
        ],
    )
    def test_one_mobile_many_writings(self, messy: str) -> None:
        """Every usual writing of a French mobile gives the same E.164 form."""
        result = parse_phone(messy)
        assert (result.e164, result.number_type, result.region) == (
            "+33612345678",
            PhoneType.MOBILE,
            "FR",
        )

    @pytest.mark.parametrize(
        ("value", "region", "e164", "kind", "country"),
        [
            ("01 45 67 89 10", "FR", "+33145678910", PhoneType.FIXED_LINE, "FR"),
            ("0800 12 34 56", "FR", "+33800123456", PhoneType.TOLL_FREE, "FR"),
            ("0470 12 34 56", "BE", "+32470123456", PhoneType.MOBILE, "BE"),
            ("+32 470 12 34 56", "FR", "+32470123456", PhoneType.MOBILE, "BE"),
            ("044 668 18 00", "CH", "+41446681800", PhoneType.FIXED_LINE, "CH"),
            ("(650) 253-0000", "US", "+16502530000", PhoneType.FIXED_LINE_OR_MOBILE, "US"),
            ("020 7946 0958", "GB", "+442079460958", PhoneType.FIXED_LINE, "GB"),
        ],
    )
    def test_types_and_regions(
        self, value: str, region: str, e164: str, kind: PhoneType, country: str
    ) -> None:
        """Numbers keep their own country; national ones are read in the region given."""
        result = parse_phone(value, region)
        assert (e164, kind, country) == (result.e164, result.number_type, result.region)

    @pytest.mark.parametrize(
        "invalid", ["06 12 34", "+33 6 12 34 56 78 90", "00 00 00 00 00", "hello", "", "+999 1234"]
    )
    def test_invalid_reported_not_guessed(self, invalid: str) -> None:
        """An invalid number raises invalid_phone, and the message does not hold it."""
        with pytest.raises(ValidationError) as caught:
            parse_phone(invalid)
        assert [issue.code for issue in caught.value.issues] == ["invalid_phone"]
        if invalid:
            assert invalid not in str(caught.value)

    def test_lone_surrogate(self) -> None:
        """A valid number with a lone surrogate in it is invalid_text, not read around it."""
        with pytest.raises(ValidationError) as caught:
            parse_phone("06 12 34 56 78\ud800")
        assert [("phone", "invalid_text")] == [(i.path, i.code) for i in caught.value.issues]

    def test_extension(self) -> None:
        """An extension is kept aside; E.164 has no place for it."""
        result = parse_phone("01 45 67 89 10 ext. 123")
        assert ("+33145678910", "123") == (result.e164, result.extension)

    def test_normalise_phone(self) -> None:
        """normalise_phone is the E.164 form."""
        assert normalise_phone("06 12 34 56 78") == "+33612345678"

    def test_unknown_region(self) -> None:
        """A region libphonenumber does not know is a caller's mistake: ValueError."""
        with pytest.raises(ValueError, match="region"):
            parse_phone("06 12 34 56 78", "ZZ")


class TestAgainstPhonenumbers:
    @given(messy_phones())
    def test_same_verdict_and_form(self, value: str) -> None:
        """Valid exactly when is_valid_number says so (overseas numbers under their own code)."""
        if has_surrogates(value):
            # libphonenumber skips lone surrogates and reads the digits around them;
            # custdata refuses text that is not text.
            assert phone_result(value, "FR") is None
            return
        try:
            number = _french_plan(value, "FR")
        except phonenumbers.NumberParseException:
            assert phone_result(value, "FR") is None
            return
        result = phone_result(value, "FR")
        if phonenumbers.is_valid_number(number):
            assert result is not None
            assert result.e164 == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )
        else:
            assert result is None

    @given(messy_phones())
    def test_idempotent(self, value: str) -> None:
        """The E.164 form parses back to itself."""
        result = phone_result(value, "FR")
        if result is not None:
            again = phone_result(result.e164, "FR")
            assert again is not None
            assert result.e164 == again.e164


# One landline and one mobile per overseas prefix of the French plan, written nationally,
# with the E.164 form, number type and region libphonenumber gives the mapped number.
_OVERSEAS: list[tuple[str, str, PhoneType, str]] = [
    ("0590 27 12 34", "+590590271234", PhoneType.FIXED_LINE, "BL"),  # Saint-Barthélemy
    ("0590 77 12 34", "+590590771234", PhoneType.FIXED_LINE, "MF"),  # Saint-Martin
    ("0590 20 12 34", "+590590201234", PhoneType.FIXED_LINE, "GP"),  # Guadeloupe
    ("0690 00 12 34", "+590690001234", PhoneType.MOBILE, "GP"),
    ("06 91 22 12 34", "+590691221234", PhoneType.MOBILE, "GP"),
    ("05.96.30.12.34", "+596596301234", PhoneType.FIXED_LINE, "MQ"),  # Martinique
    ("0696 20 12 34", "+596696201234", PhoneType.MOBILE, "MQ"),
    ("0697001234", "+596697001234", PhoneType.MOBILE, "MQ"),
    ("0594 10 12 34", "+594594101234", PhoneType.FIXED_LINE, "GF"),  # Guyane
    ("0694 20 12 34", "+594694201234", PhoneType.MOBILE, "GF"),
    ("0262 16 12 34", "+262262161234", PhoneType.FIXED_LINE, "RE"),  # La Réunion
    ("0263 10 12 34", "+262263101234", PhoneType.FIXED_LINE, "RE"),
    ("0692 12 34 56", "+262692123456", PhoneType.MOBILE, "RE"),
    ("0693-00-12-34", "+262693001234", PhoneType.MOBILE, "RE"),
    ("0269 60 12 34", "+262269601234", PhoneType.FIXED_LINE, "YT"),  # Mayotte
    ("0639 01 23 45", "+262639012345", PhoneType.MOBILE, "YT"),
]


class TestFrenchOverseas:
    @pytest.mark.parametrize(("value", "e164", "kind", "territory"), _OVERSEAS)
    def test_territory_code_not_33(
        self, value: str, e164: str, kind: PhoneType, territory: str
    ) -> None:
        """A national overseas number read in FR takes its territory's code, type and region."""
        result = parse_phone(value, "FR")
        assert (e164, kind, territory) == (result.e164, result.number_type, result.region)

    def test_every_prefix_tested(self) -> None:
        """The cases above cover every prefix of the table."""
        assert set(OVERSEAS_PREFIXES) == {re.sub(r"\D", "", value)[:4] for value, *_ in _OVERSEAS}

    @pytest.mark.parametrize("value", ["0596 12 34 56", "0263 90 00 00", "0269 20 00 00"])
    def test_unassigned_overseas_is_invalid_not_33(self, value: str) -> None:
        """An overseas prefix with digits its territory has not assigned is invalid, not +33."""
        assert phonenumbers.is_valid_number(phonenumbers.parse(value, "FR"))  # the old trap
        with pytest.raises(ValidationError) as caught:
            parse_phone(value, "FR")
        assert [issue.code for issue in caught.value.issues] == ["invalid_phone"]

    @given(
        st.sampled_from(sorted(OVERSEAS_PREFIXES)), st.text("0123456789", min_size=6, max_size=6)
    )
    def test_never_33(self, prefix: str, tail: str) -> None:
        """No national number with an overseas prefix comes out as +33."""
        result = phone_result(prefix + tail, "FR")
        if result is not None:
            assert result.e164.startswith(f"+{OVERSEAS_PREFIXES[prefix].calling_code}")

    @pytest.mark.parametrize(
        ("value", "region", "e164"),
        [
            ("0590 27 12 34", "GP", "+590590271234"),
            ("0269 60 12 34", "RE", "+262269601234"),
            ("+590 590 27 12 34", "FR", "+590590271234"),
            ("00 262 692 12 34 56", "FR", "+262692123456"),
        ],
    )
    def test_other_writings_unchanged(self, value: str, region: str, e164: str) -> None:
        """International writings and overseas regions read as libphonenumber reads them."""
        assert e164 == normalise_phone(value, region)

    def test_written_with_33(self) -> None:
        """A number the data writes with +33 keeps the country it claims: never corrected."""
        assert "+33596301234" == normalise_phone("+33 5 96 30 12 34", "FR")

    def test_extension_kept(self) -> None:
        """An overseas number keeps its extension."""
        result = parse_phone("0262 16 12 34 ext. 12", "FR")
        assert ("+262262161234", "12") == (result.e164, result.extension)

    @pytest.mark.parametrize(
        ("value", "e164"),
        [
            ("06 12 34 56 78", "+33612345678"),
            ("01 45 67 89 10", "+33145678910"),
            ("0261 91 12 34", "+33261911234"),  # a fiction range next to the overseas ones
            ("0800 12 34 56", "+33800123456"),
            ("09 99 00 12 34", "+33999001234"),
        ],
    )
    def test_metropolitan_unchanged(self, value: str, e164: str) -> None:
        """Metropolitan numbers keep +33."""
        assert e164 == normalise_phone(value, "FR")

    def test_normalise_contact(self) -> None:
        """normalise writes an overseas phone of a contact in France with its own code."""
        contact = Contact(
            contact_id="C-1",
            phone="0696 20 12 34",
            address=Address(city="Fort-de-France", country="FR"),
        )
        assert "+596696201234" == normalise(contact).phone
