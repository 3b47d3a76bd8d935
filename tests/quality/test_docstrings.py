"""The examples in the docstrings of custdata.quality run as shown."""

from __future__ import annotations

import doctest

import pytest

from custdata.quality import _find, _merge, _phonetic


class TestDocstrings:
    @pytest.mark.parametrize("module", [_find, _merge, _phonetic], ids=lambda m: m.__name__)
    def test_examples(self, module: object) -> None:
        """Every example of the module gives the output it shows."""
        results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
        assert 0 < results.attempted
        assert 0 == results.failed
