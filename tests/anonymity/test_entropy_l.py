"""Entropy l-diversity: m values evenly spread in a class give exactly m."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from custdata.anonymity import Hierarchy, assess, k_anonymise, mondrian

SEX = Hierarchy.from_rows([("f", "*"), ("m", "*")])


def _evenly(values: int, copies: int) -> pa.Table:
    """One class (sex f) holding ``values`` sensitive values, ``copies`` records each."""
    count = values * copies
    return pa.table(
        {
            "sex": ["f"] * count,
            "age": [40] * count,
            "illness": [f"v{i % values}" for i in range(count)],
        }
    )


class TestEntropyL:
    """Entropy l of evenly spread classes, measured and required."""

    @given(st.integers(2, 40), st.integers(1, 5))
    def test_assess_gives_the_number_of_values(self, values: int, copies: int) -> None:
        """assess gives exactly m for m values evenly spread."""
        report = assess(_evenly(values, copies), ["sex"], sensitive=["illness"])
        assert float(values) == report.sensitive[0].entropy_l

    def test_three_evenly_spread_values_are_entropy_3_diverse(self) -> None:
        """k_anonymise accepts l=3 (entropy) on a class of 3 evenly spread values."""
        release = k_anonymise(
            _evenly(3, 2),
            ["sex"],
            {"sex": SEX},
            k=2,
            sensitive="illness",
            l=3,
            l_variant="entropy",
            max_suppression=0,
        )
        assert {"sex": 0} == release.levels
        assert 3.0 == release.report.sensitive[0].entropy_l

    def test_mondrian_accepts_three_evenly_spread_values(self) -> None:
        """mondrian accepts l=3 (entropy) on a class of 3 evenly spread values."""
        release = mondrian(
            _evenly(3, 2),
            ["sex"],
            {"sex": SEX},
            k=2,
            sensitive="illness",
            l=3,
            l_variant="entropy",
            max_suppression=0,
        )
        assert 0 == release.suppressed
        assert 3.0 == release.report.sensitive[0].entropy_l
