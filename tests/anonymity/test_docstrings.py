"""The examples in the docstrings of custdata.anonymity and of french_department run as shown."""

from __future__ import annotations

import doctest

import pytest

from custdata.anonymity import _assess, _global, _mondrian, hierarchy
from custdata.validation import postal


class TestDocstrings:
    @pytest.mark.parametrize(
        "module", [_assess, _global, _mondrian, hierarchy, postal], ids=lambda m: m.__name__
    )
    def test_examples(self, module: object) -> None:
        """Every example of the module gives the output it shows."""
        results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
        assert 0 < results.attempted
        assert 0 == results.failed
