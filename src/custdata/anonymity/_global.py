"""`k_anonymise`: the least lossy node of the generalisation lattice that meets the request."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from custdata.anonymity._encode import Codes, group, numpy, pyarrow
from custdata.anonymity._release import (
    Column,
    Release,
    Request,
    Source,
    best_reachable_k,
    check_request,
    sensitive_ok,
    verified,
)
from custdata.anonymity.hierarchy import Hierarchy
from custdata.errors import PrivacyRequirementError

__all__ = ["k_anonymise"]

_MAX_RADIX: Final = 1 << 62
_CACHED_CLASSES: Final = 4_000_000  # classes kept for rolling up, over every cached node


def k_anonymise(
    data: object,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, Hierarchy],
    *,
    k: int = 5,
    sensitive: str | Sequence[str] | None = None,
    l: float | None = None,  # noqa: E741  # the model's name
    l_variant: str = "distinct",
    t: float | None = None,
    max_suppression: float = 0.02,
    metric: str = "entropy",
    suppressed: str = "star",
) -> Release:
    """
    Global recoding: one generalisation level per quasi-identifier, with suppression.

    Every node of the generalisation lattice (a level for each quasi-identifier)
    is a candidate; records in classes smaller than ``k`` are suppressed, and a
    node qualifies when at most ``max_suppression`` of the records are, and l
    and t hold on the result. Of those, the one with the least information loss
    under ``metric`` is released (ties: the lowest levels). The search and the
    metrics are described in docs/anonymity.md.

    Example:
        >>> ages = Hierarchy.numbers(widths=(10, 20))
        >>> rows = [{"age": a, "sex": "f"} for a in (31, 33, 35, 38, 42, 44, 47, 49)]
        >>> sexes = Hierarchy.from_rows([("f", "*"), ("m", "*")])
        >>> release = k_anonymise(
        ...     rows, ["age", "sex"], {"age": ages, "sex": sexes}, k=4, max_suppression=0
        ... )
        >>> release.levels, [row["age"] for row in release.data][:5]
        ({'age': 1, 'sex': 0}, ['30-39', '30-39', '30-39', '30-39', '40-49'])

    Args:
        data: A pyarrow Table or RecordBatch, a pandas or polars DataFrame, or
            an iterable of flat rows; the release is of the same kind.
        quasi_identifiers: The columns an attacker could know.
        hierarchies: A `Hierarchy` for every quasi-identifier.
        k: The smallest class allowed.
        sensitive: Attributes l and t are measured on.
        l: The l-diversity required of every sensitive attribute, if any.
        l_variant: ``"distinct"`` or ``"entropy"`` l-diversity.
        t: The t-closeness required of every sensitive attribute, if any.
        max_suppression: The largest share of records that may be suppressed.
        metric: ``"entropy"``, ``"precision"`` or ``"discernibility"``.
        suppressed: ``"star"``: suppressed records keep their row with ``*``
            in every quasi-identifier; ``"remove"``: they are left out.

    Returns:
        The `Release`.

    Raises:
        PrivacyRequirementError: If no node meets the request within the
            limits (``best_k`` holds the highest k reached); nothing is released.
        ValueError: If a parameter is wrong, a column is missing, or a value
            has no path to the root of its hierarchy.
        TypeError: If ``data`` is not a table or rows.
        MissingDependencyError: If pyarrow or numpy is not installed (extra ``arrow``).
    """
    request = check_request(
        quasi_identifiers, sensitive, k, l, l_variant, t, max_suppression, metric, suppressed
    )
    chosen = check_hierarchies(hierarchies, request.qis)
    source = Source(data, request)
    columns = [Column(name, source.column(name), chosen[name]) for name in request.qis]
    search = _Search(columns, request, source)
    node, loss = search.run()
    return _release(source, request, columns, node, loss, search.checked)


def check_hierarchies(hierarchies: object, qis: Sequence[str]) -> dict[str, Hierarchy]:
    """Check there is a `Hierarchy` for every quasi-identifier, and none for another column."""
    if not isinstance(hierarchies, Mapping):
        msg = "hierarchies: expected a mapping of column names to Hierarchy"
        raise TypeError(msg)
    unknown = sorted(set(hierarchies) - set(qis))
    if unknown:
        msg = f"hierarchies: {', '.join(map(repr, unknown))} is not a quasi-identifier"
        raise ValueError(msg)
    missing = [name for name in qis if name not in hierarchies]
    if missing:
        msg = f"hierarchies: no hierarchy for {', '.join(map(repr, missing))}"
        raise ValueError(msg)
    for name in qis:
        if not isinstance(hierarchies[name], Hierarchy):
            msg = f"hierarchies[{name!r}]: expected a Hierarchy"
            raise TypeError(msg)
    return {name: hierarchies[name] for name in qis}


class _Table:
    """The classes of a node: their codes on each quasi-identifier, and their sizes."""

    def __init__(self, levels: tuple[int, ...], codes: list[Any], counts: Any) -> None:
        self.levels = levels
        self.codes = codes
        self.counts = counts


def collapse(codes: Sequence[Any], cards: Sequence[int], weights: Any) -> tuple[list[Any], Any]:
    """
    Group rows of codes: the distinct combinations, and the weight of each.

    Args:
        codes: One int64 array per column.
        cards: The number of codes of each column.
        weights: The weight of each row (None: 1).

    Returns:
        The codes of each distinct combination per column, and their summed weights.
    """
    np = numpy()
    keys = np.zeros(len(codes[0]), np.int64)
    radix = 1
    exact = True
    for column, card in zip(codes, cards, strict=True):
        if radix * card >= _MAX_RADIX:
            keys = np.unique(keys, return_inverse=True)[1].astype(np.int64).reshape(-1)
            radix = int(keys.max()) + 1
            exact = False
        keys = keys * card + column
        radix *= card
    if exact and radix <= max(2 * len(keys), 1 << 16):
        counts = np.bincount(keys, weights=weights, minlength=radix)
        present = np.flatnonzero(counts)
        split = np.unravel_index(present, tuple(cards))
        return [part.astype(np.int64) for part in split], counts[present].astype(np.int64)
    distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(distinct))
    return [column[first] for column in codes], counts.astype(np.int64)


class _Search:
    """The lattice, the classes of the nodes counted so far, and the best node found."""

    def __init__(self, columns: list[Column], request: Request, source: Source) -> None:
        np = numpy()
        self.columns = columns
        self.request = request
        self.source = source
        self.records = source.records
        self.limit = request.limit(self.records)
        self.nodes = np.array(
            list(itertools.product(*(range(c.height + 1) for c in columns))), np.int64
        )
        self.checked = 0
        self.failed_model: str | None = None
        codes, counts = collapse([c.at(0) for c in columns], [c.cards[0] for c in columns], None)
        bottom = tuple(0 for _ in columns)
        self.bottom_table = _Table(bottom, codes, counts)
        self.dims = tuple(c.height + 1 for c in columns)
        self.cache: dict[int, _Table] = {}  # by the node's index in the lattice
        self.cached_sizes = np.full(len(self.nodes), np.inf)  # classes of each cached node
        self.cached_classes = 0
        # Entropy: per column and level, the loss of the records when none is suppressed.
        self.entropy_base = [
            [self._entropy_base(c, level) for level in range(c.height + 1)] for c in columns
        ]

    @staticmethod
    def _entropy_base(column: Column, level: int) -> float:
        np = numpy()
        original = column.counts[0]
        present = original > 0
        general = column.counts[level][column.up(0, level)]
        return float((original[present] * np.log2(general[present] / original[present])).sum())

    def bound(self, suppressed: Any) -> Any:
        """
        A lower bound of each node's loss, from the records it suppresses at least.

        Entropy: the loss with nothing suppressed, plus for each record surely
        suppressed the least it can add (its generalised value replaced by ``*``,
        at best from the most common value of each column). Precision: the
        formula with the suppression bound. Discernibility: none (0).
        """
        np = numpy()
        records = self.records
        if self.request.metric == "entropy":
            base = np.zeros(len(self.nodes))
            extra = np.zeros(len(self.nodes))
            for i, column in enumerate(self.columns):
                levels = self.nodes[:, i]
                base += np.array(self.entropy_base[i])[levels]
                most = np.array([int(column.counts[lv].max()) for lv in range(column.height + 1)])
                extra += np.log2(records / most)[levels]
            return base + suppressed * extra
        if self.request.metric == "precision":
            heights = np.array([c.height for c in self.columns], np.float64)
            shares = self.nodes / heights
            at_least = suppressed[:, None] / records
            return (shares + at_least * (1 - shares)).sum(axis=1) / len(self.columns)
        return np.zeros(len(self.nodes))

    def run(self) -> tuple[tuple[int, ...], float]:
        """Search the lattice; the best node and its loss, or `PrivacyRequirementError`."""
        np = numpy()
        at_least = self._suppressed_at_least()
        bound = self.bound(at_least)
        heights = self.nodes.sum(axis=1)
        self.status = np.zeros(len(self.nodes), np.int8)  # 1 / -1: meets / fails k in the limit
        self.status[at_least > self.limit] = -1
        self.counted = np.zeros(len(self.nodes), bool)
        # Discernibility has no bound: from the top down.
        top_down = self.request.metric == "discernibility"
        order = np.argsort(-heights, kind="stable") if top_down else np.lexsort((heights, bound))
        best: tuple[int, ...] | None = None
        best_loss = math.inf
        for index in order:
            if best is not None and bound[index] >= best_loss:
                break  # every node left loses at least this much
            if self.status[index] == 0:
                self._resolve(int(index))
            if self.status[index] < 0:
                continue  # fails k within the limit (counted, or below a node that does)
            node = tuple(int(v) for v in self.nodes[index])
            table = self._classes(node)
            small = table.counts < self.request.k
            suppressed = int(table.counts[small].sum())
            if not self._candidate(node, suppressed):
                continue
            loss = self._loss(table, small, suppressed)
            if loss < best_loss:
                best, best_loss = node, loss
        self.checked = int(self.counted.sum())
        if best is None:
            # Merging classes never lowers the k reachable within the limit: the top's is the best.
            top = tuple(c.height for c in self.columns)
            best_k = best_reachable_k(self._classes(top).counts, self.limit)
            reason = self.failed_model or "k"
            msg = (
                f"no generalisation meets the request ({reason} not met) with at most "
                f"{self.limit} records suppressed; the highest k reached is {best_k}"
            )
            raise PrivacyRequirementError(msg, best_k=best_k)
        return best, best_loss

    def _resolve(self, index: int) -> None:
        """
        Find whether a node meets k within the limit, by a binary search up a path to the top.

        The path climbs one level at a time, column after column. Counting a node
        tags every node below it when it fails, every node above when it meets
        k: the lowest node of the path that meets k is found in a few counts,
        and the nodes below the ones that fail are never counted.
        """
        path = [index]
        levels = [int(v) for v in self.nodes[index]]
        while any(lv < c.height for lv, c in zip(levels, self.columns, strict=True)):
            for j, column in enumerate(self.columns):
                if levels[j] < column.height:
                    levels[j] += 1
                    path.append(int(numpy().ravel_multi_index(levels, self.dims)))
        low, high = 0, len(path) - 1
        while low <= high:
            middle = (low + high) // 2
            if self.status[path[middle]] == 0:
                self._meets_k(path[middle])
            if self.status[path[middle]] < 0:
                low = middle + 1
            else:
                high = middle - 1

    def _meets_k(self, index: int) -> None:
        """Count a node's classes, and tag the nodes its result decides."""
        node = tuple(int(v) for v in self.nodes[index])
        counts = self._classes(node).counts
        suppressed = int(counts[counts < self.request.k].sum())
        if suppressed > self.limit:
            self.status[(self.nodes <= self.nodes[index]).all(axis=1)] = -1
        else:
            self.status[(self.nodes >= self.nodes[index]).all(axis=1)] = 1

    def _suppressed_at_least(self) -> Any:
        """
        A lower bound of the records each node suppresses, from pairs of quasi-identifiers.

        A record whose values on two quasi-identifiers (at the node's levels) are
        shared by fewer than k records is in a class of fewer than k at the node:
        the largest count over the pairs is a lower bound, found without counting
        the node's classes. Pair tables are small, rolled up from the bottom's classes.
        """
        np = numpy()
        k = self.request.k
        bound = np.zeros(len(self.nodes), np.int64)
        columns = self.columns
        bottom = self.bottom_table
        for i, j in itertools.combinations(range(len(columns)), 2):
            first, second = columns[i], columns[j]
            pair, weights = collapse(
                [bottom.codes[i], bottom.codes[j]], [first.cards[0], second.cards[0]], bottom.counts
            )
            table = np.zeros((first.height + 1, second.height + 1), np.int64)
            for a in range(first.height + 1):
                for b in range(second.height + 1):
                    _, sizes = collapse(
                        [first.up(0, a)[pair[0]], second.up(0, b)[pair[1]]],
                        [first.cards[a], second.cards[b]],
                        weights,
                    )
                    table[a, b] = int(sizes[sizes < k].sum())
            bound = np.maximum(bound, table[self.nodes[:, i], self.nodes[:, j]])
        return bound

    def _classes(self, node: tuple[int, ...]) -> _Table:
        """The classes of a node, rolled up from the counted node below it with fewest classes."""
        if node == self.bottom_table.levels:
            self.counted[0] = True
            return self.bottom_table
        found = self.cache.get(int(numpy().ravel_multi_index(node, self.dims)))
        if found is not None:
            return found
        start = self.bottom_table
        cached = numpy().flatnonzero(self.cached_sizes < len(start.counts))
        if len(cached):
            cached = cached[(self.nodes[cached] <= node).all(axis=1)]
            if len(cached):
                start = self.cache[int(cached[self.cached_sizes[cached].argmin()])]
        codes = [
            column.up(low, high)[part]
            for column, low, high, part in zip(
                self.columns, start.levels, node, start.codes, strict=True
            )
        ]
        cards = [column.cards[level] for column, level in zip(self.columns, node, strict=True)]
        grouped, counts = collapse(codes, cards, start.counts)
        table = _Table(node, grouped, counts)
        index = int(numpy().ravel_multi_index(node, self.dims))
        self.counted[index] = True
        self.cache[index] = table
        self.cached_sizes[index] = len(counts)
        self.cached_classes += len(counts)
        while self.cached_classes > _CACHED_CLASSES and len(self.cache) > 1:
            oldest = next(iter(self.cache))
            self.cached_classes -= len(self.cache.pop(oldest).counts)
            self.cached_sizes[oldest] = numpy().inf
        return table

    def _candidate(self, node: tuple[int, ...], suppressed: int) -> bool:
        """Whether a node meeting k within the limit meets the rest of the request."""
        request = self.request
        if suppressed >= self.records:
            return False  # nothing would be released
        star = request.suppressed == "star"
        if star and 0 < suppressed < request.k:
            # Kept as rows of *, the suppressed records form a class of their own.
            self.failed_model = self.failed_model or "k"
            return False
        if not request.sensitive or (request.l is None and request.t is None):
            return True
        of_record, sizes, kept = record_classes(self.columns, node, request, self.records)
        failed = sensitive_ok(self.source, request, of_record, sizes, kept)
        if failed is not None:
            self.failed_model = failed
            return False
        return True

    def _loss(self, table: _Table, small: Any, suppressed: int) -> float:
        """The information loss of a node under the request's metric (docs/anonymity.md)."""
        np = numpy()
        records = self.records
        node = table.levels
        metric = self.request.metric
        if metric == "entropy":
            loss = sum(self.entropy_base[i][level] for i, level in enumerate(node))
            if suppressed:
                sizes = table.counts[small]
                for i, (column, level) in enumerate(zip(self.columns, node, strict=True)):
                    general = column.counts[level][table.codes[i][small]]
                    loss += float((sizes * np.log2(records / general)).sum())
            return float(loss)
        if metric == "precision":
            shares = [
                ((records - suppressed) * level / column.height + suppressed) / records
                for column, level in zip(self.columns, node, strict=True)
            ]
            return float(sum(shares) / len(shares))
        released = table.counts[~small].astype(np.float64)
        return float((released * released).sum() + suppressed * records)


def record_classes(
    columns: Sequence[Column], node: Sequence[int], request: Request, records: int
) -> tuple[Any, Any, Any]:
    """
    Each released record's class at a node, as `assess` would form them on the release.

    Returns:
        The class of each record measured, the class sizes, and the mask of the
        records measured (None: all; with ``suppressed="star"`` the suppressed
        records are measured as rows of ``*``).
    """
    np = numpy()
    plain = [
        Codes(c.at(level), c.cards[level], None, False)
        for c, level in zip(columns, node, strict=True)
    ]
    classes = group(plain, records)
    suppressed = classes.sizes[classes.of_record] < request.k
    if not bool(suppressed.any()):
        return classes.of_record, classes.sizes, None
    if request.suppressed == "remove":
        kept = ~suppressed
        again = group(
            [Codes(c.codes[kept], c.cardinality, None, False) for c in plain], int(kept.sum())
        )
        return again.of_record, again.sizes, kept
    starred = []
    for column, level, codes in zip(columns, node, plain, strict=True):
        star = star_code(column, level)
        value = codes.cardinality if star is None else star
        starred.append(
            Codes(np.where(suppressed, value, codes.codes), codes.cardinality + 1, None, False)
        )
    again = group(starred, records)
    return again.of_record, again.sizes, None


def star_code(column: Column, level: int) -> int | None:
    """The code of the label ``*`` at a level, if the level has it."""
    if level != column.height:
        return None
    labels = column.labels[level].to_pylist()
    return labels.index("*") if "*" in labels else None


def _release(  # noqa: PLR0917  # private, called once
    source: Source,
    request: Request,
    columns: list[Column],
    node: tuple[int, ...],
    loss: float,
    checked: int,
) -> Release:
    pa = pyarrow()
    plain = [
        Codes(c.at(level), c.cards[level], None, False)
        for c, level in zip(columns, node, strict=True)
    ]
    classes = group(plain, source.records)
    suppressed = classes.sizes[classes.of_record] < request.k
    count = int(suppressed.sum())
    star = request.suppressed == "star" and count > 0
    labels = {
        c.name: c.released(level, suppressed if star else None)
        for c, level in zip(columns, node, strict=True)
    }
    kept = ~suppressed if request.suppressed == "remove" and count else None
    measured = pa.table({**labels, **{name: source.column(name) for name in request.sensitive}})
    if kept is not None:
        measured = measured.filter(pa.array(kept))
    report = verified(measured, request)
    return Release(
        data=source.give_back(labels, kept),
        method="global",
        levels={c.name: level for c, level in zip(columns, node, strict=True)},
        metric=request.metric,
        information_loss=loss,
        nodes_checked=checked,
        records=source.records,
        released=source.records - count,
        suppressed=count,
        report=report,
    )
