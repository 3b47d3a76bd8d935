"""The ground truth of personal data planted in synthetic comments, and ScrubText on it."""

from __future__ import annotations

import collections

import pytest

from custdata.synthetic import SyntheticDataset, generate
from custdata.transforms.text import KINDS, ScrubText


@pytest.fixture(scope="module")
def french() -> SyntheticDataset:
    """A French dataset with a few hundred comments holding personal data."""
    return generate(6_000, seed=3)


class TestCommentPii:
    """CommentPii: every kind ScrubText finds, with its span in the comment."""

    def test_spans(self, french: SyntheticDataset) -> None:
        """comment[start:end] is the value, for every planted value."""
        by_id = {item.feedback_id: item.comment for item in french.feedback}
        for pii in french.truth.comment_pii:
            comment = by_id[pii.feedback_id]
            assert comment is not None
            assert pii.value == comment[pii.start : pii.end]

    def test_every_kind(self, french: SyntheticDataset) -> None:
        """French comments hold every kind of KINDS."""
        kinds = collections.Counter(pii.kind for pii in french.truth.comment_pii)
        assert set(KINDS) == set(kinds)

    def test_scrub_text_finds_them(self, french: SyntheticDataset) -> None:
        """ScrubText, given each writer's names, finds every planted value."""
        by_id = {item.feedback_id: item for item in french.feedback}
        names = {c.contact_id: (c.given_name, c.family_name) for c in french.contacts}
        scrub = ScrubText()
        missed = []
        for pii in french.truth.comment_pii:
            feedback = by_id[pii.feedback_id]
            found = scrub.scan(str(feedback.comment), names=names[feedback.contact_id])
            spans = {(f.start, f.end, f.kind) for f in found}
            if (pii.start, pii.end, pii.kind) not in spans:
                missed.append(pii.kind)
        assert [] == missed
