"""`assess`: k, class sizes, re-identification risk, k-map, l-diversity and t-closeness."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from custdata.anonymity._encode import (
    Classes,
    Codes,
    as_table,
    encode,
    encode_all,
    group,
    numpy,
    pyarrow,
)
from custdata.anonymity._report import Distance, Risk, RiskReport, SensitiveReport

if TYPE_CHECKING:
    from custdata.anonymity.hierarchy import Hierarchy

__all__ = ["assess"]

COUNT_COLUMN: Final = "count"
_CELLS_PER_CHUNK: Final = 1 << 22  # classes x values held at once for t-closeness


def entropy_l(entropy: float) -> float:
    """
    Entropy l-diversity from an entropy in nats: ``exp`` of it, to 12 significant digits.

    The rounding takes off the error of the logarithms and the sum, so that m
    values evenly spread give exactly m (not 2.9999999999999996 for 3), and a
    class that meets ``l`` is never refused for a float's last digit.
    """
    return float(f"{math.exp(entropy):.12g}")


def _names(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"{what}: expected a sequence of column names"
        raise TypeError(msg)
    names = tuple(value)
    if not all(isinstance(name, str) and name for name in names):
        msg = f"{what}: expected non-empty column names"
        raise TypeError(msg)
    if len(set(names)) != len(names):
        msg = f"{what}: a column is named twice"
        raise ValueError(msg)
    return names


def assess(
    data: object,
    quasi_identifiers: Sequence[str],
    *,
    sensitive: Sequence[str] = (),
    population: object = None,
    ordered: Mapping[str, Sequence[object]] | None = None,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    risk_threshold: float = 0.2,
) -> RiskReport:
    """
    Measure how identifiable the records of a table are, given the quasi-identifiers.

    Records equal on every quasi-identifier form an equivalence class. Columns
    are read as they are: a ``birth_date`` column that holds ``"30-39"`` is a
    band. Missing values (null, or NaN in a float column) form their own value.
    Grouping runs on integer codes with pyarrow and numpy.

    Example:
        >>> rows = [{"age": "30-39", "zip": "75", "illness": "flu"}] * 3 + [
        ...     {"age": "40-49", "zip": "69", "illness": "cold"}]
        >>> report = assess(rows, ["age", "zip"], sensitive=["illness"])
        >>> report.k, report.class_sizes, report.unique_records, report.prosecutor.highest
        (1, ((1, 1), (3, 1)), 1, 1.0)

    Args:
        data: A pyarrow Table or RecordBatch, a pandas or polars DataFrame, or an
            iterable of flat rows (mappings; dotted names reach nested mappings).
        quasi_identifiers: The columns an attacker could know (at least one).
        sensitive: Attributes whose values l-diversity and t-closeness protect.
        population: A table of the quasi-identifier columns and a ``count``
            column: how many people of the population share each combination.
            Gives journalist risk and k-map; each combination of the data must
            count at least its records.
        ordered: For a sensitive attribute of categories, its values in order
            (t-closeness then uses the ordered distance, as for numbers and dates).
        hierarchies: For a sensitive attribute, the `Hierarchy` of its values
            (t-closeness then uses the hierarchical distance).
        risk_threshold: The risk above which a record counts in ``records_above``.

    Returns:
        The `RiskReport`.

    Raises:
        ValueError: If a column is missing, the data has no record, a parameter
            is inconsistent, or the population does not cover the data.
        TypeError: If ``data`` is not a table or rows.
        MissingDependencyError: If pyarrow or numpy is not installed (extra ``arrow``).
    """
    np = numpy()
    qis = _names(quasi_identifiers, "quasi_identifiers")
    if not qis:
        msg = "quasi_identifiers: give at least one column"
        raise ValueError(msg)
    attributes = _names(sensitive, "sensitive")
    if set(attributes) & set(qis):
        msg = "sensitive: an attribute is also a quasi-identifier"
        raise ValueError(msg)
    ordered = dict(ordered or {})
    hierarchies = dict(hierarchies or {})
    _check_options(attributes, ordered, hierarchies, risk_threshold)

    table = as_table(data, qis + attributes)
    records = table.num_rows
    if records == 0:
        msg = "data: no records to measure"
        raise ValueError(msg)

    population_counts = None
    if population is None:
        classes = group(encode_all([table.column(name) for name in qis]), records)
    else:
        classes, population_counts = _with_population(table, qis, population, records)
    sizes = classes.sizes
    k = int(sizes.min())
    by_size = np.bincount(sizes)  # classes of each size: sizes are at most the records
    size_values = np.flatnonzero(by_size)
    size_counts = by_size[size_values]
    unique_records = int((sizes == 1).sum())
    prosecutor = _risk(sizes, sizes, records, risk_threshold)

    journalist = k_map = population_size = None
    marketer = len(sizes) / records
    if population_counts is not None:
        population_size = int(population_counts[1])
        in_population = population_counts[0]
        if bool((in_population < sizes).any()):
            short = int((in_population < sizes).sum())
            msg = f"population: {short} combinations of the data count fewer people than records"
            raise ValueError(msg)
        k_map = int(in_population.min())
        journalist = _risk(sizes, in_population, records, risk_threshold)
        marketer = float((sizes / in_population).sum() / records)

    reports = tuple(
        _sensitive(
            name,
            table.column(name),
            classes.of_record,
            sizes,
            ordered.get(name),
            hierarchies.get(name),
        )
        for name in attributes
    )
    return RiskReport(
        quasi_identifiers=qis,
        records=records,
        classes=len(sizes),
        k=k,
        class_sizes=tuple((int(s), int(c)) for s, c in zip(size_values, size_counts, strict=True)),
        unique_records=unique_records,
        unique_share=unique_records / records,
        risk_threshold=float(risk_threshold),
        prosecutor=prosecutor,
        marketer=float(marketer),
        population=population_size,
        journalist=journalist,
        k_map=k_map,
        sensitive=reports,
    )


def _check_options(
    attributes: tuple[str, ...],
    ordered: Mapping[str, object],
    hierarchies: Mapping[str, object],
    risk_threshold: object,
) -> None:
    for option, given in (("ordered", ordered), ("hierarchies", hierarchies)):
        unknown = set(given) - set(attributes)
        if unknown:
            msg = f"{option}: {', '.join(sorted(map(repr, unknown)))} is not a sensitive attribute"
            raise ValueError(msg)
    if set(ordered) & set(hierarchies):
        msg = "ordered and hierarchies: an attribute has both"
        raise ValueError(msg)
    if not (isinstance(risk_threshold, int | float) and 0 <= risk_threshold <= 1):
        msg = "risk_threshold: must be a number from 0 to 1"
        raise ValueError(msg)


def _risk(sizes: Any, matches: Any, records: int, threshold: float) -> Risk:
    """
    The risk of records that each match one of ``matches`` people, from their classes.

    A record of a class of ``sizes[j]`` records matching ``matches[j]`` people has
    a risk of ``1 / matches[j]``: computed per class, weighted by its records.
    """
    np = numpy()
    per_class = 1.0 / matches.astype(np.float64)
    above = int(sizes[per_class > threshold].sum())
    return Risk(
        highest=float(per_class.max()),
        average=float((sizes * per_class).sum() / records),
        records_above=above,
        share_above=above / records,
    )


def _with_population(
    table: Any, qis: tuple[str, ...], population: object, records: int
) -> tuple[Any, tuple[Any, int]]:
    """Group the data and the population together, so that equal combinations share a class."""
    pa = pyarrow()
    np = numpy()
    import pyarrow.compute as pc

    people = as_table(population, (*qis, COUNT_COLUMN), what="population")
    counts = people.column(COUNT_COLUMN)
    if not (pa.types.is_integer(counts.type) or pa.types.is_floating(counts.type)):
        msg = "population: the count column must hold numbers"
        raise ValueError(msg)
    if counts.null_count or (len(counts) and pc.min(counts).as_py() < 0):
        msg = "population: the count column must hold non-negative numbers"
        raise ValueError(msg)
    codes: list[Codes] = []
    for name in qis:
        ours, theirs = table.column(name), people.column(name)
        if ours.type != theirs.type:
            try:
                theirs = theirs.cast(ours.type)
            except (pa.ArrowException, TypeError, ValueError):
                ours, theirs = ours.cast(pa.string()), theirs.cast(pa.string())
        codes.append(encode(pa.chunked_array([*ours.chunks, *theirs.chunks], ours.type)))
    both = group(codes, records + people.num_rows)
    ours_of = both.of_record[:records]
    in_data = np.bincount(ours_of, minlength=len(both.sizes))
    weights = counts.to_numpy().astype(np.float64)
    in_population = np.bincount(
        both.of_record[records:], weights=weights, minlength=len(both.sizes)
    )
    present = np.flatnonzero(in_data)
    lookup = np.zeros(len(both.sizes), np.int64)
    lookup[present] = np.arange(len(present), dtype=np.int64)
    of_record = lookup[ours_of]
    classes = Classes(of_record, in_data[present].astype(np.int64))
    return classes, (in_population[present], round(float(weights.sum())))


def _sensitive(  # noqa: PLR0917  # private, called once
    name: str,
    column: Any,
    of_record: Any,
    sizes: Any,
    order: Sequence[object] | None,
    hierarchy: Hierarchy | None,
) -> SensitiveReport:
    """l-diversity and t-closeness of one attribute, from (class, value) pair counts."""
    pa = pyarrow()
    np = numpy()
    codes = encode(column)
    values = codes.cardinality
    keys = of_record * values + codes.codes
    pairs, pair_counts = np.unique(keys, return_counts=True)
    pair_class = pairs // values
    pair_value = pairs % values
    distinct = np.bincount(pair_class, minlength=len(sizes))
    share = pair_counts / sizes[pair_class]
    entropy = np.bincount(pair_class, weights=-share * np.log(share), minlength=len(sizes))
    overall = np.bincount(codes.codes, minlength=values) / len(codes.codes)

    distance: Distance
    if hierarchy is not None:
        distance = "hierarchical"
        measure = _hierarchical(_tree(hierarchy, codes, name))
        t = _largest_distance(pair_class, pair_value, share, len(sizes), overall, measure)
    elif order is not None or _is_ordered(pa, codes.dictionary.type):
        distance = "ordered"
        rank = _ranks(codes, order, name)
        t = _ordered_distance(
            pair_class, rank[pair_value], share, len(sizes), overall[np.argsort(rank)]
        )
    else:
        distance = "equal"
        t = _equal_distance(pair_class, pair_value, share, len(sizes), overall)
    return SensitiveReport(
        attribute=name,
        values=values,
        distinct_l=int(distinct.min()),
        entropy_l=entropy_l(float(entropy.min())),
        t=float(t),
        distance=distance,
    )


def _is_ordered(pa: Any, kind: Any) -> bool:
    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_temporal(kind)
    )


def _ranks(codes: Codes, order: Sequence[object] | None, name: str) -> Any:
    """Each code's position in the order; the missing value, if any, comes last."""
    pa = pyarrow()
    np = numpy()
    distinct = len(codes.dictionary)
    if order is None:
        positions = np.asarray(pa.compute.sort_indices(codes.dictionary)).astype(np.int64)
    else:
        if isinstance(order, str) or len(set(order)) != len(order):
            msg = f"ordered[{name!r}]: expected a sequence of distinct values"
            raise ValueError(msg)
        place = {value: index for index, value in enumerate(order)}
        found = [place.get(value) for value in codes.dictionary.to_pylist()]
        if None in found:
            missing = sum(item is None for item in found)
            msg = f"ordered[{name!r}]: {missing} values of the data are not in the order"
            raise ValueError(msg)
        positions = np.argsort(np.asarray(found, dtype=np.int64), kind="stable")
    rank = np.empty(codes.cardinality, np.int64)
    rank[positions] = np.arange(distinct, dtype=np.int64)
    if codes.has_missing:
        rank[distinct] = distinct
    return rank


def _tree(hierarchy: Hierarchy, codes: Codes, name: str) -> list[Any]:
    """Per level above the values, the parent node of each node of the level below."""
    np = numpy()
    previous = np.arange(codes.cardinality, dtype=np.int64)  # level 0: one node per code
    parents: list[Any] = []
    for level in range(1, hierarchy.height + 1):
        nodes = encode(hierarchy.apply(codes.dictionary, level)).codes
        if codes.has_missing:  # the missing value is its own branch, up to the root
            own = 0 if level == hierarchy.height else int(nodes.max(initial=-1)) + 1
            nodes = np.concatenate([nodes, np.array([own], np.int64)])
        parent = np.zeros(int(previous.max()) + 1, np.int64)
        parent[previous] = nodes
        if not bool((parent[previous] == nodes).all()):
            msg = f"hierarchies[{name!r}]: a label of level {level - 1} has two parents"
            raise ValueError(msg)
        parents.append(parent)
        previous = nodes
    return parents


def _equal_distance(
    pair_class: Any, pair_value: Any, share: Any, classes: int, overall: Any
) -> float:
    """
    The largest equal (variational) distance, from the (class, value) pairs alone.

    ``0.5 * sum(|p - q|)`` over every value is ``0.5 * (1 + sum(|p - q| - q))``
    over the values the class holds, since the others contribute their ``q``.
    """
    np = numpy()
    q = overall[pair_value]
    per_class = np.bincount(pair_class, weights=np.abs(share - q) - q, minlength=classes)
    return float(np.clip(0.5 * (1.0 + per_class), 0.0, 1.0).max())


def _ordered_distance(
    pair_class: Any, pair_rank: Any, share: Any, classes: int, overall: Any
) -> float:
    """
    The largest ordered distance, from the (class, value) pairs alone.

    The distance of a class is ``sum(|P(i) - Q(i)|) / (m - 1)`` over the ranks
    ``i < m - 1``, P and Q the cumulative shares of the class and of the table.
    P is constant between two values the class holds; over such a range of
    ranks, Q (non-decreasing) crosses P once, found by binary search, and the
    sum is read from the prefix sums of Q on each side of the crossing.
    """
    np = numpy()
    values = len(overall)
    if values <= 1:
        return 0.0
    cumulative = np.cumsum(overall)
    prefix = np.concatenate(([0.0], np.cumsum(cumulative)))  # prefix[i] = Q(0) + ... + Q(i-1)
    order = np.lexsort((pair_rank, pair_class))
    owner, low, amount = pair_class[order], pair_rank[order], share[order]
    first = np.concatenate(([True], owner[1:] != owner[:-1]))
    last = np.concatenate((owner[1:] != owner[:-1], [True]))
    running = np.cumsum(amount)
    level = running - (running - amount)[np.flatnonzero(first)][np.cumsum(first) - 1]
    high = np.where(last, values - 1, np.concatenate((low[1:], [values - 1])))
    high = np.maximum(high, low)
    cross = np.clip(np.searchsorted(cumulative, level, side="left"), low, high)
    below = level * (cross - low) - (prefix[cross] - prefix[low])
    above = (prefix[high] - prefix[cross]) - level * (high - cross)
    per_class = np.bincount(owner, weights=below + above, minlength=classes)
    per_class += np.bincount(owner[first], weights=prefix[low[first]], minlength=classes)
    return float(per_class.max() / (values - 1))


def _hierarchical(parents: list[Any]) -> Any:
    np = numpy()
    height = len(parents)
    joins = []
    for parent in parents:  # a 0/1 matrix: child node x parent node
        join = np.zeros((len(parent), int(parent.max()) + 1))
        join[np.arange(len(parent)), parent] = 1.0
        joins.append(join)

    def measure(difference: Any) -> Any:
        # Li, Li and Venkatasubramanian (2007): each node's cost is the smaller of
        # the mass its children have in excess and in deficit, weighted by its height.
        extra = difference
        cost = np.zeros(difference.shape[0])
        for level, join in enumerate(joins, start=1):
            positive = np.maximum(extra, 0) @ join
            negative = np.maximum(-extra, 0) @ join
            cost += level / height * np.minimum(positive, negative).sum(axis=1)
            extra = positive - negative
        return cost

    return measure


def _largest_distance(  # noqa: PLR0917  # private, called once
    pair_class: Any, pair_value: Any, share: Any, classes: int, overall: Any, measure: Any
) -> float:
    """The largest distance of a class's values from the whole table's, by chunks of classes."""
    np = numpy()
    values = len(overall)
    if values <= 1:
        return 0.0
    per_chunk = max(1, _CELLS_PER_CHUNK // values)
    starts = np.searchsorted(pair_class, np.arange(0, classes + per_chunk, per_chunk))
    largest = 0.0
    for first, (low, high) in enumerate(itertools.pairwise(starts)):
        if low == high:
            continue
        base = first * per_chunk
        rows = int(pair_class[high - 1]) - base + 1
        dense = np.zeros((rows, values))
        dense[pair_class[low:high] - base, pair_value[low:high]] = share[low:high]
        largest = max(largest, float(measure(dense - overall).max()))
    return largest
