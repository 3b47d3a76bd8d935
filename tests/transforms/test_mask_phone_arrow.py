"""The MaskPhone Arrow kernel: the results and errors of apply_many, on any text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import MaskPhone, TransformError
from custdata.transforms.masking import _PHONE_SEPARATORS, _PHONE_SEPARATORS_RE2, _country_codes

pa = pytest.importorskip("pyarrow")

CODES = sorted(_country_codes())

# Characters that matter to MaskPhone: digits, its separators (ASCII and Unicode
# whitespace that RE2's \s does not know), +, and look-alikes it must refuse.
_SEPARATORS = " \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u2007\u2028\u3000.-()/"
_ALPHABET = "0123456789" + _SEPARATORS + "+Aé\u0660\u0661😀_"

_phone_like = st.builds(
    lambda prefix, code, body: prefix + code + body,
    st.sampled_from(["", "+", "00", "+00", "0", "++", " +", "0 0"]),
    st.sampled_from([*CODES, "", "0", "999", "42"]),
    st.text(alphabet=_ALPHABET, max_size=14),
)
_values = st.lists(_phone_like | st.text(alphabet=_ALPHABET, max_size=10) | st.text() | st.none())


def _outcome(call: Callable[[], object]) -> object:
    """The result, or the code and message of the TransformError."""
    try:
        return call()
    except TransformError as error:
        return (error.transform, error.code, error.message)


def _refused(t: MaskPhone, value: str) -> bool:
    try:
        t(value)
    except TransformError:
        return True
    return False


def _same(t: MaskPhone, array: object) -> None:
    values = array.to_pylist()  # type: ignore[attr-defined]
    expected = _outcome(lambda: t.apply_many(values))
    actual = _outcome(lambda: t.apply_arrow(array).to_pylist())  # type: ignore[arg-type]
    assert expected == actual


class TestMaskPhoneArrow:
    """MaskPhone.apply_arrow equals apply_many."""

    @given(values=_values, keep=st.integers(0, 4), mask=st.sampled_from(["*", "#", "é", "😀"]))
    def test_same_as_apply_many(self, values: list[str | None], keep: int, mask: str) -> None:
        """Same outputs, nulls kept, or the same error (code and message) as apply_many."""
        _same(MaskPhone(keep_last=keep, mask_char=mask), pa.array(values, pa.string()))

    @given(values=st.lists(_phone_like | st.none()), keep=st.integers(0, 4))
    def test_valid_values_alone(self, values: list[str | None], keep: int) -> None:
        """Only the values apply_many accepts: the kernel masks them all alike."""
        t = MaskPhone(keep_last=keep)
        accepted = [
            v for v in values if v is None or not isinstance(_outcome(lambda v=v: t(v)), tuple)
        ]
        _same(t, pa.array(accepted, pa.string()))

    @pytest.mark.parametrize(
        ("value", "params", "expected"),
        [
            ("+33 6 12 34 56 78", {}, "+33*******78"),
            ("0033612345678", {}, "+33*******78"),
            ("06 12 34 56 78", {"keep_last": 4}, "******5678"),
            ("+1 (415) 555-0100", {}, "+1********00"),
            ("+44 20 7946 0958", {"keep_last": 0}, "+44**********"),
            ("+33 12", {"keep_last": 2}, "+33**"),
            ("06\u00a012\u300034\u2028", {"mask_char": "#"}, "####34"),
        ],
    )
    def test_examples(self, value: str, params: dict[str, object], expected: str) -> None:
        """The documented examples, and Unicode spaces removed as Python's \\s removes them."""
        t = MaskPhone(**params)  # type: ignore[arg-type]
        assert [expected, None] == t.apply_arrow(pa.array([value, None])).to_pylist()

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            (["06 12", "+999 123", "06 12 AB"], "no valid country calling code"),
            (["06 12", None, "06 12 AB", "+999 123"], "not a phone number"),
            (["+33"], "no valid country calling code"),
            (["٠٦١٢"], "not a phone number"),
        ],
    )
    def test_first_refused_value_decides(self, values: list[str | None], message: str) -> None:
        """The error is that of the first refused value, as in apply_many."""
        with pytest.raises(TransformError) as caught:
            MaskPhone().apply_arrow(pa.array(values, pa.string()))
        assert ("invalid_phone", message) == (caught.value.code, caught.value.message)

    def test_large_string_and_chunked(self) -> None:
        """large_string arrays and chunked arrays give the same values."""
        values = ["+33 6 12 34 56 78", None, "06 12"]
        expected = MaskPhone().apply_many(values)
        large = pa.array(values, pa.large_string())
        chunked = pa.chunked_array([values[:1], values[1:]])
        assert expected == MaskPhone().apply_arrow(large).to_pylist()
        assert expected == MaskPhone().apply_arrow(chunked).to_pylist()

    @pytest.mark.parametrize(
        "array",
        [
            pa.array([], pa.string()),
            pa.array([None, None], pa.string()),
            pa.array([612345678, None], pa.int64()),
            pa.array([None], pa.null()),
        ],
    )
    def test_edge_arrays(self, array: object) -> None:
        """Empty, all-null and non-string arrays (the generic path) agree with apply_many."""
        _same(MaskPhone(), array)

    def test_separators_as_python(self) -> None:
        """Over every code point but surrogates, RE2 removes exactly what Python's pattern does."""
        points = [chr(p) for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]
        pc = pytest.importorskip("pyarrow.compute")
        removed = pc.equal(
            pc.replace_substring_regex(pa.array(points), _PHONE_SEPARATORS_RE2, ""), ""
        )
        expected = [_PHONE_SEPARATORS.fullmatch(char) is not None for char in points]
        assert expected == removed.to_pylist()

    def test_country_codes_prefix_free(self) -> None:
        """No country calling code is a prefix of another: the kernel's regex finds at most one."""
        assert [] == [(a, b) for a in CODES for b in CODES if a != b and b.startswith(a)]
