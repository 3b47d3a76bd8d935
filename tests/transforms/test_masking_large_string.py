"""The masking kernels take large_string arrays (what polars hands over), as their docs say."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import Mask, MaskEmail, MaskPhone, TransformError

pa = pytest.importorskip("pyarrow")

KERNELS = (  # read-only test data
    MaskEmail(),
    MaskEmail(keep_length=True, mask_char="#"),
    Mask(keep_first=1, keep_last=2),
    MaskPhone(keep_last=3),
)
_values = st.lists(
    st.emails()
    | st.sampled_from(["+33 6 12 34 56 78", "06 12", "a@b", ""])
    | st.text()
    | st.none(),
    max_size=6,
)


def _outcome(t: object, call: str, values: object) -> object:
    try:
        out = getattr(t, call)(values)
    except TransformError as error:
        return error.code
    return out if isinstance(out, list) else out.to_pylist()


class TestLargeString:
    """large_string arrays give what string arrays give."""

    @given(values=_values)
    @pytest.mark.parametrize("index", range(len(KERNELS)))
    def test_same_as_apply_many(self, index: int, values: list[str | None]) -> None:
        """Same values, nulls and error codes as apply_many."""
        t = KERNELS[index]
        expected = _outcome(t, "apply_many", values)
        assert expected == _outcome(t, "apply_arrow", pa.array(values, pa.large_string()))
