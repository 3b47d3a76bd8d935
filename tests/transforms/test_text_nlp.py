"""Names anywhere in free text with the nlp extra (spaCy and fr-core-news-sm)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from tests.transforms.text_corpus import scores

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


class TestNamesModelRuns:
    """What runs, in batches, and what the model's persons must look like."""

    def test_only_the_recogniser_runs(self) -> None:
        """Only the named-entity recogniser runs: fr_core_news_sm's has a tok2vec of its own."""
        from custdata.transforms.text import _spacy_model

        assert ["ner"] == _spacy_model(MODEL).pipe_names

    def test_apply_many_equals_one_by_one(self) -> None:
        """apply_many (through nlp.pipe) gives what calls one by one give."""
        from custdata.transforms.text import _cache

        scrub = ScrubText(names_model=MODEL)
        texts = [
            "J'ai parlé à Sophie Bernard au téléphone.",
            "pas de majuscule ici",
            "Le livreur, Karim Haddad, était super. Appelez le 06 12 34 56 78.",
            "J'ai parlé à Sophie Bernard au téléphone.",
        ]
        _cache.clear()
        batch = scrub.apply_many(texts)
        _cache.clear()
        assert [scrub(text) for text in texts] == batch

    def test_named_rows_batched(self) -> None:
        """NamedScrub.apply_rows (through nlp.pipe) gives what apply_row gives per row."""
        named = ScrubText(names_model=MODEL).with_names({"C1": ("Léa", "Roux")}, field="c")
        rows = [
            {"c": "Léa Roux ici, le livreur Karim Haddad était super.", "contact_id": "C1"},
            {"c": None, "contact_id": "C1"},
            {"c": "Bonjour Paul Dubreuil", "contact_id": "C2"},
        ]
        assert [named.apply_row(row) for row in rows] == named.apply_rows(rows)

    def test_cache_keeps_no_text(self) -> None:
        """The cache of the model's persons is keyed by digests, not by the texts."""
        from custdata.transforms.text import _cache

        text = "J'ai parlé à Sophie Bernard au téléphone."
        ScrubText(names_model=MODEL)(text)
        assert all(isinstance(key[1], bytes) and text not in key for key in _cache)

    def test_sentence_openers_dropped(self) -> None:
        """A lone capitalised word opening a sentence is not a name unless the lists know it."""
        scrub = ScrubText(names_model=MODEL)
        assert [] == scrub.scan("Remboursez moi. Livraison lente.")


class TestNamesModelCorpus:
    """Names with the model and the writer's names, on the corpus."""

    def test_floors(self) -> None:
        """Precision and recall of names stay above their floors (docs/transforms.md)."""
        precision, recall = scores(ScrubText(names_model=MODEL))["name"]
        assert precision >= 0.89, precision
        assert recall >= 0.94, recall
