"""
Free-text scrubbing: ScrubText against presidio-analyzer and presidio-anonymizer.

Goals (docs/performance.md), region FR, on comments of about 200 characters:

- ``ScrubText`` at least 10x presidio's texts per second;
- per kind, recall at or above presidio's at no lower precision, on the annotated
  corpus of tests/data/text/comments.jsonl (360 French and English comments).

The 10 000 comments are built from the corpus with a fixed seed: corpus comments
joined two or three at a time until they reach about 200 characters. The baseline is
presidio-analyzer with spaCy's ``fr_core_news_sm`` pipeline (its NER finds persons)
and the recognisers that fit French comments (email, phone for region FR, IBAN,
credit card), registered for French, then presidio-anonymizer's default replace, on
the same texts; each engine is built before its timer starts. Presidio has no NIR
recogniser. Names: ScrubText finds the writer's names given to it (``names=``, as a
policy bound with ``names=`` does); ``ScrubText(names_rules=True)`` finds names
anywhere by titles, introductions, sign-offs and word lists, and is scored with and
without the writer's names; with ``--nlp``, ``ScrubText(names_model="fr_core_news_sm")``
is timed one call per text and through ``apply_many`` (spaCy's ``nlp.pipe`` in
batches), on ``--model-texts`` texts.

It runs where presidio is installed (``make bench-env``: the ``bench`` extra in
.venv-bench), with this tree's ``src`` on the path:

``PYTHONPATH=src .venv-bench/bin/python benchmarks/bench_text.py [--texts N] [--nlp]``

Elapsed time depends on the machine's other jobs; the CPU time (user and system of the
process, every thread) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from custdata.transforms.text import KINDS, ScrubText

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "text" / "comments.jsonl"
SPEED_GOAL = 10.0
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "IBAN_CODE": "iban",
    "CREDIT_CARD": "card",
    "PERSON": "name",
}

Span = tuple[int, int, str]


def load_corpus() -> list[dict[str, object]]:
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def build_texts(corpus: list[dict[str, object]], count: int) -> list[str]:
    """``count`` comments of about 200 characters, joined from corpus comments."""
    rng = random.Random(2026)
    texts = []
    for _ in range(count):
        text = str(rng.choice(corpus)["text"])
        while len(text) < 170:
            text += " " + str(rng.choice(corpus)["text"])
        texts.append(text[:260])
    return texts


def score(
    corpus: list[dict[str, object]], find: Callable[[dict[str, object]], Sequence[Span]]
) -> dict[str, tuple[int, int, int]]:
    """True positives, false positives, false negatives per kind (a hit overlaps a gold span)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for item in corpus:
        found = find(item)
        gold = [tuple(span) for span in item["pii"]]  # type: ignore[attr-defined]
        for start, end, kind in found:
            hit = any(k == kind and a < end and start < b for a, b, k in gold)
            (tp if hit else fp)[kind] += 1
        for a, b, k in gold:
            if not any(k == kind and a < end and start < b for start, end, kind in found):
                fn[k] += 1
    return {kind: (tp[kind], fp[kind], fn[kind]) for kind in KINDS}


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


def print_scores(title: str, scores: dict[str, tuple[int, int, int]]) -> None:
    print(f"\n{title}")
    print(f"{'kind':<6} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for kind, (tp, fp, fn) in scores.items():
        print(f"{kind:<6} {tp:>4} {fp:>4} {fn:>4} {ratio(tp, tp + fp):>9} {ratio(tp, tp + fn):>7}")


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Elapsed and CPU seconds of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def presidio() -> tuple[Callable[[str], list[Span]], Callable[[str], str]]:
    """Presidio's analyse (spans by our kinds) and analyse-then-anonymise, built once."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}],
        }
    )
    registry = RecognizerRegistry(supported_languages=["fr"])
    for recogniser in (
        EmailRecognizer(supported_language="fr"),
        PhoneRecognizer(supported_language="fr", supported_regions=["FR"]),
        IbanRecognizer(supported_language="fr"),
        CreditCardRecognizer(supported_language="fr"),
        SpacyRecognizer(supported_language="fr"),
    ):
        registry.add_recognizer(recogniser)
    analyzer = AnalyzerEngine(
        nlp_engine=provider.create_engine(), registry=registry, supported_languages=["fr"]
    )
    anonymizer = AnonymizerEngine()
    # tldextract (under presidio's email recogniser) tries to download the public suffix
    # list, and logs a traceback when offline before it falls back to its own copy.
    logging.getLogger("tldextract").disabled = True

    def spans(text: str) -> list[Span]:
        return [
            (r.start, r.end, PRESIDIO_KINDS[r.entity_type])
            for r in analyzer.analyze(text=text, language="fr")
            if r.entity_type in PRESIDIO_KINDS
        ]

    def scrub(text: str) -> str:
        results = analyzer.analyze(text=text, language="fr")
        return str(anonymizer.anonymize(text=text, analyzer_results=results).text)

    return spans, scrub


def scan_spans(scrub: ScrubText, *, writer: bool) -> Callable[[dict[str, object]], list[Span]]:
    """ScrubText's findings on a corpus item, given the writer's names or not."""

    def find(item: dict[str, object]) -> list[Span]:
        names = item["names"] if writer else ()
        return [(f.start, f.end, f.kind) for f in scrub.scan(str(item["text"]), names=names)]

    return find


def run_scrub(title: str, scrub: ScrubText, texts: list[str], *, batch: bool = False) -> float:
    """Time ``scrub`` on the texts (one call per text, or apply_many); texts/s elapsed."""
    if batch:
        elapsed, cpu = timed(lambda: scrub.apply_many(texts))
    else:
        elapsed, cpu = timed(lambda: [scrub(text) for text in texts])
    print(f"\n{title} on {len(texts)} texts: {elapsed:.2f} s ({cpu:.2f} s CPU)")
    print(f"  {len(texts) / elapsed:.0f} texts/s, by CPU time {len(texts) / cpu:.0f} texts/s")
    return len(texts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--presidio-texts", type=int, default=10_000)
    parser.add_argument("--model-texts", type=int, default=2_000)
    parser.add_argument("--nlp", action="store_true", help="also ScrubText(names_model=...)")
    args = parser.parse_args()
    corpus = load_corpus()
    texts = build_texts(corpus, args.texts)
    print(f"{len(texts)} texts, {sum(map(len, texts)) / len(texts):.0f} characters on average")
    print(f"load average at start: {os.getloadavg()}")

    scrub = ScrubText()
    scrub("warm up 06 12 34 56 78")  # phonenumbers' metadata loads on first use
    ours = run_scrub("ScrubText", scrub, texts)
    found = score(corpus, scan_spans(scrub, writer=True))
    print_scores("ScrubText on the corpus (writer's names given)", found)
    rules = ScrubText(names_rules=True)
    rules("warm up Cordialement, Jean Dupont")  # the word lists load on first use
    ours_rules = run_scrub("ScrubText(names_rules=True)", rules, texts)
    print_scores(
        "ScrubText(names_rules=True) on the corpus (no writer's names)",
        score(corpus, scan_spans(rules, writer=False)),
    )
    print_scores(
        "ScrubText(names_rules=True) on the corpus (writer's names given)",
        score(corpus, scan_spans(rules, writer=True)),
    )
    if args.nlp:
        model = ScrubText(names_model="fr_core_news_sm")
        model("warm up Jean Dupont")
        sample = texts[: min(len(texts), args.model_texts)]
        run_scrub("ScrubText(names_model), one call per text", model, sample)
        run_scrub("ScrubText(names_model), apply_many", model, texts[-len(sample) :], batch=True)
        print_scores(
            "ScrubText(names_model='fr_core_news_sm') on the corpus (no writer's names)",
            score(corpus, scan_spans(model, writer=False)),
        )
        print_scores(
            "ScrubText(names_model='fr_core_news_sm') on the corpus (writer's names given)",
            score(corpus, scan_spans(model, writer=True)),
        )

    try:
        spans, anonymise = presidio()
    except ImportError as error:
        print(f"\npresidio not installed ({error}): no baseline; run in the bench environment")
        return
    anonymise("warm up")
    sample = texts[: min(len(texts), args.presidio_texts)]
    elapsed, cpu = timed(lambda: [anonymise(text) for text in sample])
    theirs = len(sample) / elapsed
    print(f"\npresidio (analyzer + anonymizer, fr_core_news_sm) on {len(sample)} texts:")
    print(f"  {elapsed:.2f} s ({cpu:.2f} s CPU), {theirs:.0f} texts/s")
    print(f"  by CPU time: {len(sample) / cpu:.0f} texts/s")
    print_scores("presidio on the corpus", score(corpus, lambda item: spans(str(item["text"]))))
    for title, speed in (("ScrubText", ours), ("ScrubText(names_rules=True)", ours_rules)):
        verdict = "met" if speed / theirs >= SPEED_GOAL else "NOT met"
        print(f"\n{title} / presidio, elapsed: {speed / theirs:.1f}x")
        print(f"  (goal {SPEED_GOAL:.0f}x: {verdict}; compare the CPU figures above too)")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
