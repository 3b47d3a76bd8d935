"""Masking: MaskEmail, MaskPhone, Mask, Redact (documented examples, edge cases, properties)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import Mask, MaskEmail, MaskPhone, Redact, TransformError


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(TransformError) as info:
        call()
    return info.value.code


class TestMaskEmail:
    """MaskEmail."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("jean.dupont@example.fr", "j***@e***.fr"),
            ("a@b.co.uk", "a***@b***.uk"),
            ("x@localhost", "x***@l***"),
            ("we@ird@example.fr", "w***@e***.fr"),
        ],
    )
    def test_examples(self, value: str, expected: str) -> None:
        """The documented examples and edge cases."""
        assert expected == MaskEmail()(value)

    def test_keep_length(self) -> None:
        """keep_length masks each hidden character."""
        assert "j**********@e******.fr" == MaskEmail(keep_length=True)("jean.dupont@example.fr")

    @given(local=st.text("abcdefgh.", min_size=1, max_size=30))
    def test_fixed_length_hides_length(self, local: str) -> None:
        """By default the output length does not depend on the local part's length."""
        assert 12 == len(MaskEmail()(local + "@example.fr"))

    def test_mask_parameters(self) -> None:
        """mask_char and mask_length shape the mask."""
        assert "j#@e#.fr" == MaskEmail(mask_char="#", mask_length=1)("jean@example.fr")

    @pytest.mark.parametrize("value", ["", "no-at", "@example.fr", "a@", "a@.fr", "a@b."])
    def test_invalid(self, value: str) -> None:
        """Values that are not email addresses raise invalid_email."""
        assert "invalid_email" == _code(lambda: MaskEmail()(value))

    @pytest.mark.parametrize("params", [{"mask_char": ""}, {"mask_char": "**"}, {"mask_length": 0}])
    def test_bad_parameters(self, params: dict[str, object]) -> None:
        """Bad parameters fail at construction."""
        with pytest.raises(ValueError, match="must be"):
            MaskEmail(**params)  # type: ignore[arg-type]


class TestMaskPhone:
    """MaskPhone."""

    @pytest.mark.parametrize(
        ("value", "params", "expected"),
        [
            ("+33 6 12 34 56 78", {}, "+33*******78"),
            ("0033612345678", {}, "+33*******78"),
            ("06 12 34 56 78", {"keep_last": 4}, "******5678"),
            ("+1 (415) 555-0100", {}, "+1********00"),
            ("+44 20 7946 0958", {"keep_last": 0}, "+44**********"),
            ("+33 12", {"keep_last": 2}, "+33**"),
        ],
    )
    def test_examples(self, value: str, params: dict[str, int], expected: str) -> None:
        """Country code kept, last digits kept, the rest masked."""
        assert expected == MaskPhone(**params)(value)  # type: ignore[arg-type]

    @pytest.mark.parametrize("value", ["", "+", "+999 123", "06 12 AB", "+33", "٠٦١٢"])
    def test_invalid(self, value: str) -> None:
        """Non-phone values raise invalid_phone."""
        assert "invalid_phone" == _code(lambda: MaskPhone()(value))

    def test_keep_last_bounds(self) -> None:
        """keep_last is at most 4."""
        with pytest.raises(ValueError, match="keep_last"):
            MaskPhone(keep_last=5)


class TestMask:
    """Mask."""

    def test_examples(self) -> None:
        """The documented examples."""
        assert "FR**********************189" == Mask(keep_first=2, keep_last=3)(
            "FR7630006000011234567890189"
        )
        assert "**" == Mask(keep_last=2)("ab")
        assert "" == Mask()("")

    @given(value=st.text(), first=st.integers(0, 5), last=st.integers(0, 5))
    def test_length_kept(self, value: str, first: int, last: int) -> None:
        """The length is kept and at least one character is hidden in non-empty values."""
        out = Mask(keep_first=first, keep_last=last, mask_char="#")(value)
        assert isinstance(out, str)
        assert len(value) == len(out)
        if value:
            assert "#" in out

    @pytest.mark.parametrize("char", ["", "ab"])
    def test_refuses_bad_mask_char(self, char: str) -> None:
        """An empty (or multi-character) mask character is refused."""
        with pytest.raises(ValueError, match="mask_char"):
            Mask(mask_char=char)


class TestInvalidText:
    """Strings holding a lone surrogate are not text: refused with invalid_text, never masked."""

    MASKS = (  # read-only test data
        MaskEmail(),
        MaskEmail(keep_length=True),
        MaskPhone(),
        Mask(),
        Mask(keep_first=1, keep_last=1),
    )

    @pytest.mark.parametrize(
        "value",
        [
            "\ud800@example.fr",
            "jean@exa\udc80mple.fr",
            "jean@example.f\udfff",
            "\ud800 0612345678",
            "+33 6 12 34 56 7\ud800",
            "\ud83d\ude00",  # a surrogate pair in a str is still two lone surrogates
            "\ud800",
        ],
    )
    @pytest.mark.parametrize("index", range(5))
    def test_refused(self, index: int, value: str) -> None:
        """Each masking transform refuses it, alone and in a batch, with invalid_text."""
        mask = self.MASKS[index]
        assert "invalid_text" == _code(lambda: mask(value))
        assert "invalid_text" == _code(lambda: mask.apply_many([None, value, value]))

    def test_audit_example(self) -> None:
        """The value from the audit no longer gives an output that cannot be encoded."""
        assert "invalid_text" == _code(lambda: MaskEmail()("\ud800@example.fr"))

    @given(
        head=st.text(max_size=8),
        surrogate=st.integers(0xD800, 0xDFFF).map(chr),
        tail=st.text(max_size=8),
    )
    def test_mask_never_outputs_unencodable_text(
        self, head: str, surrogate: str, tail: str
    ) -> None:
        """Mask refuses a surrogate even where it would have been masked or kept."""
        for mask in (Mask(), Mask(keep_first=8, keep_last=8)):
            assert "invalid_text" == _code(lambda m=mask: m(head + surrogate + tail))

    @given(value=st.text())
    def test_valid_text_is_masked(self, value: str) -> None:
        """Any valid text (accents, astral characters) is still masked, and encodes."""
        out = Mask(keep_first=1)(value)
        assert isinstance(out, str)
        out.encode("utf-8")

    def test_redact_accepts_anything(self) -> None:
        """Redact never looks at the value: a lone surrogate is redacted like anything else."""
        assert ["[REDACTED]", None] == Redact().apply_many(["\ud800", None])
        assert "[REDACTED]" == Redact()("\ud800@example.fr")

    def test_arrow_cannot_hold_surrogates(self) -> None:
        """Arrow strings are valid UTF-8: such a value cannot reach an apply_arrow kernel."""
        pa = pytest.importorskip("pyarrow")
        with pytest.raises(UnicodeEncodeError):
            pa.array(["\ud800@example.fr"])

    @pytest.mark.parametrize("index", range(5))
    def test_arrow_binary_column_same_as_apply_many(self, index: int) -> None:
        """Surrogates smuggled in as bytes fail the same way in apply_arrow and apply_many."""
        pa = pytest.importorskip("pyarrow")
        mask = self.MASKS[index]
        raw = "\ud800@example.fr".encode("utf-8", "surrogatepass")
        array = pa.array([raw, None], pa.binary())
        codes = []
        for run in (lambda: mask.apply_many(array.to_pylist()), lambda: mask.apply_arrow(array)):
            codes.append(_code(run))
        assert ["wrong_type", "wrong_type"] == codes


class TestRedact:
    """Redact."""

    @given(value=st.one_of(st.text(), st.integers(), st.binary(), st.floats()))
    def test_any_value(self, value: object) -> None:
        """Every non-None value becomes the replacement."""
        assert "[REDACTED]" == Redact()(value)
        assert "x" == Redact(replacement="x")(value)

    def test_batches(self) -> None:
        """None stays None in batches."""
        assert ["[REDACTED]", None, "[REDACTED]"] == Redact().apply_many(["a", None, 3])
