"""
An independent computation of the measures of `custdata.anonymity.assess`, for the tests.

A plain group-by over Python rows (dictionaries of tuples), and the textbook
formulas one class at a time: nothing here shares code with the library.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable, Mapping, Sequence

MISSING = ("<missing>",)
"""The one value every null and NaN becomes."""


def cell(value: object) -> object:
    """A value as the reference groups it: None and NaN are MISSING."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return value


def classes(
    rows: Sequence[Mapping[str, object]], qis: Sequence[str]
) -> dict[tuple[object, ...], list[Mapping[str, object]]]:
    """The equivalence classes: rows by their tuple of quasi-identifiers."""
    grouped: dict[tuple[object, ...], list[Mapping[str, object]]] = collections.defaultdict(list)
    for row in rows:
        grouped[tuple(cell(row[name]) for name in qis)].append(row)
    return dict(grouped)


def class_sizes(rows: Sequence[Mapping[str, object]], qis: Sequence[str]) -> list[tuple[int, int]]:
    """(size, number of classes of that size), smallest first."""
    counts = collections.Counter(len(members) for members in classes(rows, qis).values())
    return sorted(counts.items())


def distinct_l(rows: Sequence[Mapping[str, object]], qis: Sequence[str], attribute: str) -> int:
    """The fewest distinct sensitive values in a class."""
    return min(
        len({cell(row[attribute]) for row in members}) for members in classes(rows, qis).values()
    )


def entropy_l(rows: Sequence[Mapping[str, object]], qis: Sequence[str], attribute: str) -> float:
    """exp of the lowest entropy of a class's sensitive values."""
    lowest = math.inf
    for members in classes(rows, qis).values():
        counts = collections.Counter(cell(row[attribute]) for row in members)
        entropy = -sum(c / len(members) * math.log(c / len(members)) for c in counts.values())
        lowest = min(lowest, entropy)
    return math.exp(lowest)


def _distribution(members: Sequence[Mapping[str, object]], attribute: str) -> dict[object, float]:
    counts = collections.Counter(cell(row[attribute]) for row in members)
    return {value: count / len(members) for value, count in counts.items()}


def t_closeness(
    rows: Sequence[Mapping[str, object]],
    qis: Sequence[str],
    attribute: str,
    distance: Callable[[dict[object, float], dict[object, float]], float],
) -> float:
    """The largest distance of a class's distribution from the whole table's."""
    overall = _distribution(rows, attribute)
    return max(
        distance(_distribution(members, attribute), overall)
        for members in classes(rows, qis).values()
    )


def equal_distance(p: dict[object, float], q: dict[object, float]) -> float:
    """Variational distance: half the sum of the differences."""
    return 0.5 * sum(abs(p.get(v, 0.0) - q.get(v, 0.0)) for v in set(p) | set(q))


def ordered_distance(
    order: Sequence[object],
) -> Callable[[dict[object, float], dict[object, float]], float]:
    """The ordered distance over values in this order: mean absolute cumulative difference."""

    def distance(p: dict[object, float], q: dict[object, float]) -> float:
        if len(order) <= 1:
            return 0.0
        total, running = 0.0, 0.0
        for value in order[:-1]:
            running += p.get(value, 0.0) - q.get(value, 0.0)
            total += abs(running)
        return total / (len(order) - 1)

    return distance


def hierarchical_distance(
    paths: Mapping[object, Sequence[str]],
) -> Callable[[dict[object, float], dict[object, float]], float]:
    """
    The hierarchical distance: ``paths[value]`` is the value's labels at levels 1..H.

    Each node's cost is min(positive extra, negative extra) of its children,
    weighted by its level / H; a node's extra is the sum of its children's.
    """
    height = len(next(iter(paths.values())))

    def distance(p: dict[object, float], q: dict[object, float]) -> float:
        extra: dict[object, float] = {v: p.get(v, 0.0) - q.get(v, 0.0) for v in paths}
        owner: dict[object, object] = {v: v for v in paths}
        cost = 0.0
        for level in range(1, height + 1):
            positive: dict[object, float] = collections.defaultdict(float)
            negative: dict[object, float] = collections.defaultdict(float)
            next_owner: dict[object, object] = {}
            for node, amount in extra.items():
                parent = (level, paths[_leaf_of(node, owner)][level - 1])
                positive[parent] += max(amount, 0.0)
                negative[parent] += max(-amount, 0.0)
                next_owner[parent] = _leaf_of(node, owner)
            cost += level / height * sum(min(positive[n], negative[n]) for n in positive)
            extra = {n: positive[n] - negative[n] for n in positive}
            owner = next_owner
        return cost

    return distance


def _leaf_of(node: object, owner: Mapping[object, object]) -> object:
    return owner[node]
