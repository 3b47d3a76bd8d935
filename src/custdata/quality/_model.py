"""The Fellegi-Sunter model: m and u probabilities per field level, and their estimation."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from custdata.errors import PolicyError
from custdata.quality._compare import FIELDS, LEVELS, NULL

__all__ = ["MatchModel", "estimate_m", "estimate_u"]

_FLOOR: Final = 1e-3  # no level is impossible among matches: data is dirty
_ITERATIONS: Final = 25

# Starting m for expectation-maximisation: most matches agree on the top level.
_START_M: Final[dict[str, tuple[float, ...]]] = {
    "given_name": (0.05, 0.1, 0.15, 0.7),
    "family_name": (0.05, 0.15, 0.8),
    "email": (0.3, 0.7),
    "phone": (0.2, 0.8),
    "birth_date": (0.05, 0.05, 0.9),
    "postal_code": (0.1, 0.9),
    "street": (0.1, 0.1, 0.8),
}


def _check(name: str, table: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, ...]]:
    checked: dict[str, tuple[float, ...]] = {}
    for field in FIELDS:
        values = table.get(field)
        if values is None or len(values) != len(LEVELS[field]):
            msg = f"MatchModel: {name} needs {len(LEVELS[field])} probabilities for {field}"
            raise PolicyError(msg)
        if not all(0 < value <= 1 for value in values):
            msg = f"MatchModel: {name} probabilities of {field} must be in (0, 1]"
            raise PolicyError(msg)
        checked[field] = tuple(float(value) for value in values)
    return checked


def _check_m(table: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, ...]]:
    return _check("m", table)


def _check_u(table: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, ...]]:
    return _check("u", table)


@attrs.frozen(kw_only=True)
class MatchModel:
    """
    Fellegi-Sunter parameters: how often each field level occurs among matches and non-matches.

    Attributes:
        m: For each field of `custdata.quality.LEVELS`, the probability of each
            level among pairs that are the same person.
        u: The same among pairs of different people.
        prior: The share of candidate pairs that are the same person: turns a
            weight into a probability.
    """

    m: Mapping[str, tuple[float, ...]] = attrs.field(converter=_check_m)
    u: Mapping[str, tuple[float, ...]] = attrs.field(converter=_check_u)
    prior: float = 0.5

    def __attrs_post_init__(self) -> None:
        if not 0 < self.prior < 1:
            msg = "MatchModel: prior must be between 0 and 1 (exclusive)"
            raise PolicyError(msg)

    def field_weight(self, field: str, level: int) -> float:
        """
        Return the weight of one field level: ``log2(m / u)``, 0 for a missing value.

        Args:
            field: A field of `custdata.quality.FIELDS`.
            level: Its level (``-1`` when missing).

        Returns:
            The weight in bits.
        """
        if level == NULL:
            return 0.0
        return math.log2(self.m[field][level] / self.u[field][level])

    def weight(self, levels: Sequence[int]) -> float:
        """
        Return the match weight of a pair: the log2 Bayes factor, the sum of its field weights.

        Args:
            levels: The level of each field, in `custdata.quality.FIELDS` order.

        Returns:
            The weight in bits: positive when the pair looks more like a match.
        """
        return sum(
            self.field_weight(field, level) for field, level in zip(FIELDS, levels, strict=True)
        )

    def probability(self, weight: float) -> float:
        """
        Return the match probability of a candidate pair of the given weight.

        Args:
            weight: A match weight (log2 Bayes factor).

        Returns:
            ``prior * 2**w / (prior * 2**w + 1 - prior)``.
        """
        odds = self.prior / (1 - self.prior) * 2.0 ** min(weight, 1000.0)
        return odds / (1 + odds) if math.isfinite(odds) else 1.0


def estimate_u(patterns: Counter[tuple[int, ...]]) -> dict[str, tuple[float, ...]]:
    """
    Estimate u from the level patterns of random pairs (nearly all non-matches).

    Args:
        patterns: How many random pairs showed each pattern of levels.

    Returns:
        u per field, each level counted once more than seen (so none is zero).
    """
    u: dict[str, tuple[float, ...]] = {}
    for position, field in enumerate(FIELDS):
        counts = [1.0] * len(LEVELS[field])
        for pattern, count in patterns.items():
            if pattern[position] != NULL:
                counts[pattern[position]] += count
        total = sum(counts)
        u[field] = tuple(count / total for count in counts)
    return u


def estimate_m(
    sessions: Sequence[tuple[Counter[tuple[int, ...]], frozenset[str]]],
    u: Mapping[str, tuple[float, ...]],
) -> dict[str, tuple[float, ...]]:
    """
    Estimate m by expectation-maximisation, once per blocking rule, u held fixed.

    Each session holds the level patterns of one rule's candidate pairs and the
    fields that rule blocks on: those agree by construction, so they are left
    out of that session. A field's m is the mean over the sessions that
    estimated it; a field no session estimated keeps its starting value.

    Args:
        sessions: Per blocking rule, its pairs' patterns and its own fields.
        u: The u probabilities.

    Returns:
        m per field.
    """
    estimates: dict[str, list[tuple[float, ...]]] = {field: [] for field in FIELDS}
    for patterns, excluded in sessions:
        if not patterns:
            continue
        used = [i for i, field in enumerate(FIELDS) if field not in excluded]
        m = _em(patterns, used, u)
        for i in used:
            estimates[FIELDS[i]].append(tuple(m[FIELDS[i]]))
    result: dict[str, tuple[float, ...]] = {}
    for field in FIELDS:
        found = estimates[field]
        if not found:
            result[field] = _START_M[field]
            continue
        mean = [sum(values) / len(found) for values in zip(*found, strict=True)]
        total = sum(mean)
        result[field] = tuple(value / total for value in mean)
    return result


def _em(
    patterns: Counter[tuple[int, ...]], used: Sequence[int], u: Mapping[str, tuple[float, ...]]
) -> dict[str, list[float]]:
    """One session of expectation-maximisation over the fields at positions ``used``."""
    m = {field: list(_START_M[field]) for field in FIELDS}
    prior = 0.5
    pairs = sum(patterns.values())
    for _ in range(_ITERATIONS):
        totals = {field: [0.0] * len(LEVELS[field]) for field in FIELDS}
        matched = 0.0
        for pattern, count in patterns.items():
            match = prior
            other = 1 - prior
            for i in used:
                level = pattern[i]
                if level != NULL:
                    match *= m[FIELDS[i]][level]
                    other *= u[FIELDS[i]][level]
            share = match / (match + other) if match + other > 0 else 0.0
            matched += share * count
            for i in used:
                if pattern[i] != NULL:
                    totals[FIELDS[i]][pattern[i]] += share * count
        prior = min(max(matched / pairs, 1e-6), 1 - 1e-6)
        for i in used:
            field = FIELDS[i]
            total = sum(totals[field])
            if total > 0:
                m[field] = [max(value / total, _FLOOR) for value in totals[field]]
    return m
