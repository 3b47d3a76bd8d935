"""The annotated comments of tests/data/text, and how a scrubber is scored on them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Final

from custdata.transforms.text import KINDS

CORPUS: Final = Path(__file__).parent.parent / "data" / "text" / "comments.jsonl"


def corpus() -> list[dict[str, Any]]:
    """The annotated comments: ``text``, the writer's ``names`` and the ``pii`` spans."""
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def scores(scrub: Any, *, writer: bool = True) -> dict[str, tuple[float, float]]:
    """
    Precision and recall per kind of ``scrub.scan`` on the corpus.

    A finding counts when it overlaps an annotated value of its kind; ``writer``
    gives each comment's writer's names (``names=``) as a bound policy does.
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for item in corpus():
        found = scrub.scan(item["text"], names=item["names"] if writer else ())
        gold = [tuple(span) for span in item["pii"]]
        for f in found:
            hit = any(k == f.kind and a < f.end and f.start < b for a, b, k in gold)
            (tp if hit else fp)[f.kind] += 1
        for a, b, k in gold:
            if not any(k == f.kind and a < f.end and f.start < b for f in found):
                fn[k] += 1
    return {
        kind: (
            tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0,
            tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0,
        )
        for kind in KINDS
    }
