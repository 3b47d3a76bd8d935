"""Phones: E.164, number types, regions, invalid numbers reported and not guessed."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given

from custdata import ValidationError
from custdata.testing import messy_phones
from custdata.validation import PhoneType, normalise_phone, parse_phone
from custdata.validation._common import has_surrogates
from custdata.validation.phone import phone_result


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
        """Valid exactly when is_valid_number says so; E.164 exactly as format_number writes it."""
        if has_surrogates(value):
            # libphonenumber skips lone surrogates and reads the digits around them;
            # custdata refuses text that is not text.
            assert phone_result(value, "FR") is None
            return
        try:
            number = phonenumbers.parse(value, "FR")
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
