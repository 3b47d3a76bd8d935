"""Names anywhere in free text with the nlp extra (spaCy and fr-core-news-sm)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from custdata.transforms.text import ScrubText

MODEL = "fr_core_news_sm"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("spacy") is None or importlib.util.find_spec(MODEL) is None,
    reason="needs the nlp extra (spaCy and fr-core-news-sm)",
)


class TestNamesModel:
    """ScrubText(names_model=...) finds people's names anywhere."""

    def test_names_anywhere(self) -> None:
        """Names of people who are not the writer are found too."""
        scrub = ScrubText(names_model=MODEL)
        text = "J'ai parlé à Sophie Bernard au téléphone."
        assert "J'ai parlé à <NAME> au téléphone." == scrub(text)

    def test_other_findings_win(self) -> None:
        """A model's name that overlaps another finding is dropped; the other is kept."""
        scrub = ScrubText(names_model=MODEL)
        kinds = [f.kind for f in scrub.scan("Mail marie.dupont@example.fr merci")]
        assert "email" in kinds

    def test_unknown_model(self) -> None:
        """A model that is not installed raises MissingDependencyError naming the nlp extra."""
        from custdata import MissingDependencyError

        with pytest.raises(MissingDependencyError) as info:
            ScrubText(names_model="xx_no_such_model")
        assert "nlp" == info.value.extra

    def test_import_custdata_loads_no_spacy(self) -> None:
        """import custdata and custdata.transforms.text load no spaCy until a model is asked for."""
        code = "import sys, custdata, custdata.transforms.text; print('spacy' in sys.modules)"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "False" == result.stdout.strip()
