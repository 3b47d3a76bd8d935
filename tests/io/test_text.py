"""Formula escaping, delimiter sniffing and encodings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.io import (
    UsageError,
    escape_formula,
    normalise_encoding,
    sniff_delimiter,
    unescape_formula,
)


class TestEscapeFormula:
    @pytest.mark.parametrize(
        ("cell", "expected"),
        [
            ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
            ("+chef", "'+chef"),
            ("-Durand", "'-Durand"),
            ("@acme", "'@acme"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("-", "'-"),
            ("Martin", "Martin"),
            ("'quoted", "'quoted"),
            ("", ""),
        ],
    )
    def test_escapes_formula_starts(self, cell: str, expected: str) -> None:
        """Cells a spreadsheet would run get a leading quote, others are unchanged."""
        assert expected == escape_formula(cell)

    @pytest.mark.parametrize("number", ["+33612345678", "-12.5", "-3,5", "+1", "-0"])
    def test_keeps_plain_numbers(self, number: str) -> None:
        """Plain numbers such as phones and negative amounts stay intact."""
        assert number == escape_formula(number)

    @given(st.text())
    def test_unescape_reverses_escape(self, text: str) -> None:
        """Unescaping an escaped cell gives the original back, for any text."""
        assert text == unescape_formula(escape_formula(text))

    @given(st.text())
    def test_escaped_cells_are_inert(self, text: str) -> None:
        """An escaped cell never starts with a formula character unless it is a plain number."""
        escaped = escape_formula(text)
        if escaped and escaped[0] in "=+-@\t\r":
            assert escaped == text
            assert escaped[1:].replace(".", "").replace(",", "").isdigit()


class TestSniffDelimiter:
    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
    def test_finds_each_candidate(self, delimiter: str) -> None:
        """Each supported delimiter is recognised from a header and a few rows."""
        lines = ["contact_id", "given_name", "email"]
        rows = [lines, ["C-1", "Jean", "jean@example.org"], ["C-2", "Marie", "m@example.org"]]
        sample = "".join(delimiter.join(row) + "\n" for row in rows)
        assert delimiter == sniff_delimiter(sample)

    def test_french_export_with_decimal_commas(self) -> None:
        """A ';' export whose amounts use decimal commas is read as ';'."""
        sample = "purchase_id;total.amount;total.currency\nP-1;12,50;EUR\nP-2;3,20;EUR\n"
        assert sniff_delimiter(sample) == ";"

    def test_lists_do_not_fool_it(self) -> None:
        """'|' inside cells (lists) does not beat the real ',' delimiter."""
        sample = "contact_id,interests\nC-1,sport|music|travel\nC-2,books\n"
        assert sniff_delimiter(sample) == ","

    def test_single_column_defaults_to_comma(self) -> None:
        """A file of one column gets ','."""
        assert sniff_delimiter("contact_id\nC-1\n") == ","


class TestNormaliseEncoding:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("utf-8", "utf-8"),
            ("UTF8", "utf-8"),
            ("utf-8-sig", "utf-8-sig"),
            ("cp1252", "cp1252"),
            ("windows-1252", "cp1252"),
        ],
    )
    def test_accepts_supported(self, name: str, expected: str) -> None:
        """Supported encodings and their aliases are accepted."""
        assert expected == normalise_encoding(name)

    @pytest.mark.parametrize("name", ["latin-1", "utf-16", "nope"])
    def test_refuses_others(self, name: str) -> None:
        """Other encodings are refused with a usage error."""
        with pytest.raises(UsageError, match="unsupported encoding"):
            normalise_encoding(name)
