"""`mondrian`: local recoding by multidimensional partitioning (LeFevre, DeWitt, Ramakrishnan)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from custdata.anonymity._assess import entropy_l
from custdata.anonymity._encode import Codes, encode, group, numpy, pyarrow
from custdata.anonymity._release import (
    Column,
    Release,
    Request,
    Source,
    best_reachable_k,
    check_request,
    verified,
)
from custdata.anonymity.hierarchy import Hierarchy
from custdata.errors import PrivacyRequirementError
from custdata.transforms.labels import at_least, closed_range, half_open_range

__all__ = ["mondrian"]

_ORDERED: Final = "ordered"
_TREE: Final = "tree"


def mondrian(
    data: object,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, Hierarchy] | None = None,
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
    Local recoding: Mondrian multidimensional partitioning, each partition its own ranges.

    The records are split, again and again, in two at the median of the
    quasi-identifier whose values are the most spread out in the part being
    split (a number column without a hierarchy), or into the children of
    their common label (a column with a `Hierarchy`), as long as every part
    keeps at least ``k`` records and l and t hold in it. Each final part is
    released with its own labels: the range of its numbers (``"30-34"``,
    `custdata.transforms.labels`) and the common label of its categories.
    Records with a missing value are partitioned apart; a group of them smaller
    than ``k`` is suppressed, within ``max_suppression``.

    Example:
        >>> rows = [{"age": a} for a in (31, 33, 35, 38, 42, 44, 47, 49)]
        >>> release = mondrian(rows, ["age"], k=2)
        >>> [row["age"] for row in release.data]
        ['31-33', '31-33', '35-38', '35-38', '42-44', '42-44', '47-49', '47-49']

    Args:
        data: A pyarrow Table or RecordBatch, a pandas or polars DataFrame, or
            an iterable of flat rows; the release is of the same kind.
        quasi_identifiers: The columns an attacker could know.
        hierarchies: A `Hierarchy` for every quasi-identifier that is not a
            column of numbers (a number column given one is split through it too).
        k: The smallest class allowed.
        sensitive: Attributes l and t are measured on.
        l: The l-diversity required of every sensitive attribute, if any.
        l_variant: ``"distinct"`` or ``"entropy"`` l-diversity.
        t: The t-closeness required of every sensitive attribute, if any.
        max_suppression: The largest share of records that may be suppressed.
        metric: The information loss reported: ``"entropy"``, ``"precision"``
            or ``"discernibility"`` (docs/anonymity.md).
        suppressed: ``"star"`` (rows of ``*``) or ``"remove"``.

    Returns:
        The `Release` (its ``levels`` are empty: they differ from part to part).

    Raises:
        PrivacyRequirementError: If the request cannot be met (``best_k`` holds
            the highest k reached); nothing is released.
        ValueError: If a parameter is wrong, a column is missing, a column of
            text has no hierarchy, or a value has no path to the root.
        TypeError: If ``data`` is not a table or rows.
        MissingDependencyError: If pyarrow or numpy is not installed (extra ``arrow``).
    """
    request = check_request(
        quasi_identifiers, sensitive, k, l, l_variant, t, max_suppression, metric, suppressed
    )
    given = dict(hierarchies or {})
    unknown = sorted(set(given) - set(request.qis))
    if unknown:
        msg = f"hierarchies: {', '.join(map(repr, unknown))} is not a quasi-identifier"
        raise ValueError(msg)
    source = Source(data, request)
    dimensions = [_dimension(name, source.column(name), given.get(name)) for name in request.qis]
    return _Partitioner(dimensions, request, source).release()


class _Ordered:
    """A number column: records as ranks of their distinct values, missing as -1."""

    kind = _ORDERED

    def __init__(self, name: str, column: Any) -> None:
        np = numpy()
        pa = pyarrow()
        self.name = name
        codes = encode(column)
        values = codes.dictionary
        order = np.asarray(pa.compute.sort_indices(values)).astype(np.int64)
        rank = np.empty(codes.cardinality, np.int64)
        rank[order] = np.arange(len(values), dtype=np.int64)
        if codes.has_missing:
            rank[len(values)] = -1
        self.ranks = rank[codes.codes]
        self.values: list[Any] = values.take(pa.array(order)).to_pylist()  # by rank
        self.distinct = len(self.values)
        self.whole = all(_is_whole(value) for value in self.values)
        self.missing = self.ranks < 0

    def label(self, low: int, high: int) -> str:
        """The label of the values from rank ``low`` to rank ``high``."""
        first, last = self.values[low], self.values[high]
        if self.whole:
            return closed_range(int(first), int(last))
        if high + 1 < self.distinct:
            return half_open_range(first, self.values[high + 1])
        return at_least(first)


def _is_whole(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            return bool(value == int(value))  # type: ignore[call-overload]  # Decimal
        except (TypeError, ValueError, OverflowError):
            return False
    return isinstance(value, int) or (math.isfinite(value) and value.is_integer())


class _Tree:
    """A column through its hierarchy: records as codes at every level."""

    kind = _TREE

    def __init__(self, name: str, column: Any, hierarchy: Hierarchy) -> None:
        self.name = name
        self.column = Column(name, column, hierarchy)
        self.height = hierarchy.height
        self.at = [self.column.at(level) for level in range(self.height + 1)]
        top = self.column.labels[self.height].to_pylist()
        self.missing = numpy().isin(
            self.at[self.height], [i for i, v in enumerate(top) if v is None]
        )


def _dimension(name: str, column: Any, hierarchy: object) -> _Ordered | _Tree:
    pa = pyarrow()
    if hierarchy is not None:
        if not isinstance(hierarchy, Hierarchy):
            msg = f"hierarchies[{name!r}]: expected a Hierarchy"
            raise TypeError(msg)
        return _Tree(name, column, hierarchy)
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    numbers = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal, pa.types.is_null)
    if any(test(kind) for test in numbers):  # null: every value missing
        return _Ordered(name, column)
    msg = f"hierarchies: {name!r} is not a column of numbers and needs a hierarchy"
    raise ValueError(msg)


class _Part:
    """A partition: its records, and per tree dimension the level its records share."""

    __slots__ = ("levels", "records")

    def __init__(self, records: Any, levels: list[int]) -> None:
        self.records = records
        self.levels = levels


class _Partitioner:
    def __init__(
        self, dimensions: list[_Ordered | _Tree], request: Request, source: Source
    ) -> None:
        self.dimensions = dimensions
        self.request = request
        self.source = source
        self.records = source.records
        self.checked = 0
        self.sensitive = [encode(source.column(name)) for name in request.sensitive]
        self._distance = {
            id(codes): _distance_to(codes, name)
            for codes, name in zip(self.sensitive, request.sensitive, strict=True)
        }

    def release(self) -> Release:
        np = numpy()
        request = self.request
        leaves: list[_Part] = []
        hidden: list[Any] = []
        stack = []
        start = self._start()
        for part in start:
            if len(part.records) < request.k or not self._diverse([part.records]):
                hidden.append(part.records)
            else:
                stack.append(part)
        suppressed = int(sum(len(records) for records in hidden))
        limit = request.limit(self.records)
        sizes = np.array([len(part.records) for part in start], np.int64)
        if suppressed > limit or suppressed >= self.records:
            msg = (
                f"the request cannot be met with at most {limit} records suppressed "
                "(records missing a value, or failing l or t, form groups of their own)"
            )
            raise PrivacyRequirementError(msg, best_k=best_reachable_k(sizes, limit))
        if request.suppressed == "star" and 0 < suppressed < request.k:
            # Kept as rows of *, the suppressed records would form a class of fewer than k.
            msg = f"fewer than k records would be suppressed as rows of '*' ({suppressed})"
            raise PrivacyRequirementError(msg, best_k=suppressed)
        if request.suppressed == "star" and hidden and not self._diverse([np.concatenate(hidden)]):
            msg = "the records suppressed as rows of '*' would fail l or t as a class"
            raise PrivacyRequirementError(msg, best_k=int(sizes.max()))
        while stack:
            part = stack.pop()
            self.checked += 1
            children = self._split(part)
            if children is None:
                leaves.append(part)
            else:
                stack.extend(children)
        mask = np.zeros(self.records, bool)
        for records in hidden:
            mask[records] = True
        return self._build(leaves, mask, suppressed)

    def _start(self) -> list[_Part]:
        """The records grouped by which quasi-identifiers they miss; trees start at the top."""
        np = numpy()
        pattern = np.zeros(self.records, np.int64)
        for dimension in self.dimensions:
            pattern = pattern * 2 + dimension.missing
        order = np.argsort(pattern, kind="stable")
        bounds = np.flatnonzero(np.diff(pattern[order])) + 1
        levels = [d.height if isinstance(d, _Tree) else 0 for d in self.dimensions]
        return [_Part(chunk, list(levels)) for chunk in np.split(order, bounds)]

    def _widths(self, part: _Part) -> list[tuple[float, int]]:
        """The normalised width of the part on each dimension it can be split on."""
        widths = []
        records = part.records
        for index, dimension in enumerate(self.dimensions):
            if isinstance(dimension, _Ordered):
                ranks = dimension.ranks[records]
                if ranks[0] < 0:
                    continue
                low, high = int(ranks.min()), int(ranks.max())
                if high > low:
                    widths.append(((high - low) / max(dimension.distinct - 1, 1), index))
            elif part.levels[index] > 0:
                widths.append((part.levels[index] / dimension.height, index))
        return widths

    def _split(self, part: _Part) -> list[_Part] | None:
        """The part's children, or None when no split keeps every child valid."""
        np = numpy()
        k = self.request.k
        records = part.records
        if len(records) < 2 * k:
            return None
        widths = self._widths(part)
        for _, index in sorted(widths, reverse=True):
            dimension = self.dimensions[index]
            if isinstance(dimension, _Ordered):
                ranks = dimension.ranks[records]
                median = np.partition(ranks, len(ranks) // 2)[len(ranks) // 2]
                left = ranks < median
                if not bool(left.any()):
                    left = ranks <= median
                pieces = [records[left], records[~left]]
                if min(len(pieces[0]), len(pieces[1])) < k:
                    continue
                levels = [list(part.levels), list(part.levels)]
            else:
                level = part.levels[index] - 1
                codes = dimension.at[level][records]
                distinct, inverse = np.unique(codes, return_inverse=True)
                if len(distinct) < 2:  # a split needs two children
                    part.levels[index] = level  # one child: descend without splitting
                    return [part]
                if int(np.bincount(inverse.reshape(-1)).min()) < k:
                    continue
                order = np.argsort(inverse.reshape(-1), kind="stable")
                bounds = np.flatnonzero(np.diff(inverse.reshape(-1)[order])) + 1
                pieces = np.split(records[order], bounds)
                levels = []
                for _piece in pieces:
                    child = list(part.levels)
                    child[index] = level
                    levels.append(child)
            if self._diverse(pieces):
                return [_Part(piece, lv) for piece, lv in zip(pieces, levels, strict=True)]
        return None

    def _diverse(self, pieces: Sequence[Any]) -> bool:
        """Whether l and t hold in each piece (measured against the whole table for t)."""
        request = self.request
        if not request.sensitive or (request.l is None and request.t is None):
            return True
        np = numpy()
        for codes in self.sensitive:
            for piece in pieces:
                if request.l is None:
                    break
                counts = np.bincount(codes.codes[piece], minlength=codes.cardinality)
                present = counts[counts > 0]
                if request.l_variant == "distinct":
                    reached = float(len(present))
                else:
                    share = present / present.sum()
                    reached = entropy_l(float(-(share * np.log(share)).sum()))
                if reached < request.l:
                    return False
            if request.t is not None:
                distance = self._distance[id(codes)]
                for piece in pieces:
                    if distance(codes.codes[piece]) > request.t:
                        return False
        return True

    def _build(self, leaves: list[_Part], hidden: Any, suppressed: int) -> Release:
        pa = pyarrow()
        np = numpy()
        request = self.request
        star = request.suppressed == "star" and suppressed > 0
        leaf_of = np.full(self.records, -1, np.int64)
        for number, leaf in enumerate(leaves):
            leaf_of[leaf.records] = number
        labels: dict[str, Any] = {}
        precision = np.zeros(self.records)
        for index, dimension in enumerate(self.dimensions):
            texts: list[str | None] = []
            shares: list[float] = []
            for leaf in leaves:
                text, share = self._leaf_label(dimension, index, leaf)
                texts.append(text)
                shares.append(share)
            texts.append("*" if star else None)  # the suppressed records' label
            which = np.where(hidden, len(leaves), leaf_of)
            labels[dimension.name] = pa.array(texts, pa.string()).take(pa.array(which))
            precision += np.asarray([*shares, 1.0])[which]
        kept = ~hidden if request.suppressed == "remove" and suppressed else None
        measured = pa.table(
            {**labels, **{name: self.source.column(name) for name in request.sensitive}}
        )
        if kept is not None:
            measured = measured.filter(pa.array(kept))
        report = verified(measured, request)
        loss = self._loss(labels, hidden, suppressed, precision)
        return Release(
            data=self.source.give_back(labels, kept),
            method="mondrian",
            levels={},
            metric=request.metric,
            information_loss=loss,
            nodes_checked=self.checked,
            records=self.records,
            released=self.records - suppressed,
            suppressed=suppressed,
            report=report,
        )

    @staticmethod
    def _leaf_label(
        dimension: _Ordered | _Tree, index: int, leaf: _Part
    ) -> tuple[str | None, float]:
        """A leaf's label on one dimension, and the share of the dimension it covers."""
        if isinstance(dimension, _Ordered):
            ranks = dimension.ranks[leaf.records]
            if ranks[0] < 0:
                return None, 0.0
            low, high = int(ranks.min()), int(ranks.max())
            return dimension.label(low, high), (high - low) / max(dimension.distinct - 1, 1)
        level = leaf.levels[index]
        code = int(dimension.at[level][leaf.records[0]])
        label = dimension.column.labels[level][code].as_py()
        return label, (0.0 if label is None else level / dimension.height)

    def _loss(
        self, labels: Mapping[str, Any], hidden: Any, suppressed: int, precision: Any
    ) -> float:
        """The information loss of the release under the request's metric (docs/anonymity.md)."""
        np = numpy()
        records = self.records
        metric = self.request.metric
        if metric == "precision":
            return float(precision.sum() / (records * len(self.dimensions)))
        if metric == "discernibility":
            codes = [encode(labels[d.name]) for d in self.dimensions]
            shown = ~hidden
            classes = group(
                [Codes(c.codes[shown], c.cardinality, None, False) for c in codes],
                int(shown.sum()),
            )
            sizes = classes.sizes.astype(np.float64)
            return float((sizes * sizes).sum() + suppressed * records)
        loss = 0.0
        shown = ~hidden
        for dimension in self.dimensions:
            original = encode(self.source.column(dimension.name)).codes
            released = encode(labels[dimension.name]).codes
            width = int(released.max()) + 1
            pairs, together = np.unique(
                original[shown] * width + released[shown], return_counts=True
            )
            general = np.bincount(released[shown], minlength=width)
            loss += float((together * np.log2(general[pairs % width] / together)).sum())
            if suppressed:
                first = np.bincount(original)
                loss += float(np.log2(records / first[original[hidden]]).sum())
        return loss


def _distance_to(codes: Codes, name: str) -> Any:
    """The t-closeness distance of a part's values from the whole column's, as `assess` has it."""
    from custdata.anonymity._assess import _equal_distance, _is_ordered, _ordered_distance, _ranks

    np = numpy()
    pa = pyarrow()
    overall = np.bincount(codes.codes, minlength=codes.cardinality) / len(codes.codes)
    ordered = _is_ordered(pa, codes.dictionary.type)
    rank = _ranks(codes, None, name) if ordered else None
    by_rank = overall[np.argsort(rank)] if rank is not None else None

    def distance(values: Any) -> float:
        counts = np.bincount(values, minlength=codes.cardinality)
        present = np.flatnonzero(counts)
        share = counts[present] / len(values)
        owner = np.zeros(len(present), np.int64)
        if rank is not None:
            return _ordered_distance(owner, rank[present], share, 1, by_rank)
        return _equal_distance(owner, present, share, 1, overall)

    return distance
