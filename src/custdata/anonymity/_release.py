"""`Release`, and what the global and local searches share: options, input, output, checks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs

from custdata.anonymity._assess import _names, _sensitive, assess
from custdata.anonymity._encode import Codes, encode, numpy, pyarrow
from custdata.anonymity._report import RiskReport
from custdata.anonymity.hierarchy import Hierarchy
from custdata.errors import PrivacyRequirementError
from custdata.transforms.labels import SUPPRESSED

__all__ = ["Release"]

Metric = Literal["entropy", "precision", "discernibility"]
METRICS: Final = ("entropy", "precision", "discernibility")
L_VARIANTS: Final = ("distinct", "entropy")
SUPPRESSED_MODES: Final = ("star", "remove")


@attrs.frozen(kw_only=True)
class Release:
    """
    A release that meets the privacy requirement it was asked for, and what it cost.

    Attributes:
        data: The released table, of the kind given (pyarrow Table or
            RecordBatch, pandas or polars DataFrame, or a list of rows).
            Quasi-identifiers hold labels (text); suppressed records hold ``*``
            in every quasi-identifier, or are left out (``suppressed="remove"``).
        method: ``"global"`` (`k_anonymise`) or ``"mondrian"`` (`mondrian`).
        levels: The generalisation level of each quasi-identifier (global
            recoding); empty for Mondrian, whose levels differ between records.
        metric: The information-loss metric.
        information_loss: The loss under that metric (docs/anonymity.md).
        nodes_checked: Lattice nodes whose classes were counted (global), or
            partitions examined (Mondrian).
        records: Records given.
        released: Records whose quasi-identifiers were kept (generalised).
        suppressed: Records whose quasi-identifiers were all withheld; records
            = released + suppressed.
        report: The `RiskReport` of the released table, measured by `assess`
            against the quasi-identifiers (and the sensitive attributes).
    """

    data: object = attrs.field(repr=False)
    method: Literal["global", "mondrian"]
    levels: Mapping[str, int]
    metric: Metric
    information_loss: float
    nodes_checked: int
    records: int
    released: int
    suppressed: int
    report: RiskReport = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class Request:
    """The checked parameters of a search."""

    qis: tuple[str, ...]
    sensitive: tuple[str, ...]
    k: int
    l: float | None  # noqa: E741  # the model's name
    l_variant: str
    t: float | None
    max_suppression: float
    metric: Metric
    suppressed: str

    def limit(self, records: int) -> int:
        """The most records that may be suppressed."""
        return math.floor(self.max_suppression * records + 1e-9)


def check_request(  # noqa: PLR0912, PLR0917  # the search's parameters, checked in one place
    quasi_identifiers: object,
    sensitive: object,
    k: object,
    l: object,  # noqa: E741  # the model's name
    l_variant: object,
    t: object,
    max_suppression: object,
    metric: object,
    suppressed: object,
) -> Request:
    """Check the parameters of `k_anonymise` or `mondrian`, naming the one that is wrong."""
    qis = _names(quasi_identifiers, "quasi_identifiers")
    if not qis:
        msg = "quasi_identifiers: give at least one column"
        raise ValueError(msg)
    if sensitive is None:
        attributes: tuple[str, ...] = ()
    elif isinstance(sensitive, str):
        attributes = (sensitive,)
    else:
        attributes = _names(sensitive, "sensitive")
    if set(attributes) & set(qis):
        msg = "sensitive: an attribute is also a quasi-identifier"
        raise ValueError(msg)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        msg = "k: must be a whole number of at least 1"
        raise ValueError(msg)
    if l is not None and (isinstance(l, bool) or not isinstance(l, int | float) or l < 1):
        msg = "l: must be a number of at least 1"
        raise ValueError(msg)
    if t is not None and (isinstance(t, bool) or not isinstance(t, int | float) or not 0 <= t <= 1):
        msg = "t: must be a number from 0 to 1"
        raise ValueError(msg)
    if (l is not None or t is not None) and not attributes:
        msg = "sensitive: l and t need at least one sensitive attribute"
        raise ValueError(msg)
    if l_variant not in L_VARIANTS:
        msg = f"l_variant: must be one of {', '.join(L_VARIANTS)}"
        raise ValueError(msg)
    if (
        isinstance(max_suppression, bool)
        or not isinstance(max_suppression, int | float)
        or not 0 <= max_suppression <= 1
    ):
        msg = "max_suppression: must be a share from 0 to 1"
        raise ValueError(msg)
    if metric not in METRICS:
        msg = f"metric: must be one of {', '.join(METRICS)}"
        raise ValueError(msg)
    if suppressed not in SUPPRESSED_MODES:
        msg = f"suppressed: must be one of {', '.join(SUPPRESSED_MODES)}"
        raise ValueError(msg)
    return Request(
        qis=qis,
        sensitive=attributes,
        k=k,
        l=None if l is None else float(l),
        l_variant=str(l_variant),
        t=None if t is None else float(t),
        max_suppression=float(max_suppression),
        metric=metric,
        suppressed=str(suppressed),
    )


class Source:
    """The input table as Arrow, with what is needed to give the release back in its kind."""

    def __init__(self, data: object, request: Request) -> None:
        pa = pyarrow()
        from custdata.frames._apply import _column_names, _kind
        from custdata.frames._read import _flat_table

        self.rows: list[Mapping[str, object]] | None = None
        try:
            self.kind: str | None = _kind(pa, data)
        except TypeError:
            self.kind = None
        self.original = data
        needed = (*request.qis, *request.sensitive)
        if self.kind is not None:
            names = [str(name) for name in _column_names(pa, self.kind, data)]
            missing = [name for name in needed if name not in names]
            if missing:
                raise ValueError(f"data: no column {', '.join(map(repr, missing))}")
            table = _flat_table(pa, data)
            if table is None:
                msg = "data: a pandas column holds values of several types that Arrow cannot hold"
                raise TypeError(msg)
            self.table = table
        else:
            from custdata.anonymity._encode import as_table

            if isinstance(data, str | bytes) or not isinstance(data, Iterable):
                msg = (
                    "data: expected a pyarrow Table or RecordBatch, a pandas or polars "
                    f"DataFrame or an iterable of rows, got {type(data).__name__}"
                )
                raise TypeError(msg)
            self.rows = list(data)
            self.table = as_table(self.rows, needed)
        self.records: int = self.table.num_rows
        if self.records == 0:
            msg = "data: no records to release"
            raise ValueError(msg)

    def column(self, name: str) -> Any:
        """One column of the input."""
        return self.table.column(name)

    def give_back(self, labels: Mapping[str, Any], kept: Any | None) -> object:
        """
        The input with its quasi-identifiers replaced by ``labels``, in its own kind.

        Args:
            labels: Per quasi-identifier, a pyarrow string array over every record.
            kept: A numpy bool mask of the records to keep, or None for all.
        """
        pa = pyarrow()
        np = numpy()
        if self.rows is not None:
            columns = {name: array.to_pylist() for name, array in labels.items()}
            out: list[dict[str, object]] = []
            for index, row in enumerate(self.rows):
                if kept is not None and not kept[index]:
                    continue
                copy = dict(row)
                for name, values in columns.items():
                    _set(copy, name, values[index])
                out.append(copy)
            return out
        from custdata.frames._apply import _as_kind

        table = self.table
        for name, array in labels.items():
            table = table.set_column(table.schema.get_field_index(name), name, array)
        positions = None
        if kept is not None:
            positions = np.flatnonzero(kept)
            table = table.filter(pa.array(kept))
        elif self.kind == "pandas":
            positions = np.arange(self.records)
        assert self.kind is not None  # noqa: S101  # rows are handled above
        return _as_kind(pa, self.kind, table, self.original, positions)


def _set(row: dict[str, object], name: str, value: object) -> None:
    """Set a column of a row, through a nested mapping for a dotted name it does not hold."""
    if name in row:
        row[name] = value
        return
    head, dot, rest = name.partition(".")
    inner = row.get(head)
    if dot and isinstance(inner, Mapping):
        nested = dict(inner)
        _set(nested, rest, value)
        row[head] = nested
        return
    row[name] = value


class Column:
    """
    One quasi-identifier as integer codes at every level of its hierarchy.

    Attributes:
        raw: The `Codes` of the column as given.
        maps: Per level, an int64 array: the level's code of each raw code
            (a missing value keeps a code of its own at every level).
        cards: Per level, the number of codes.
        labels: Per level, a pyarrow string array: the label of each code (null
            for the missing value's).
        counts: Per level, the records of each code.
    """

    def __init__(self, name: str, column: Any, hierarchy: Hierarchy) -> None:
        np = numpy()
        pa = pyarrow()
        self.name = name
        self.hierarchy = hierarchy
        self.height = hierarchy.height
        self.raw: Codes = encode(column)
        self.maps: list[Any] = []
        self.cards: list[int] = []
        self.labels: list[Any] = []
        self.counts: list[Any] = []
        for level in range(hierarchy.height + 1):
            try:
                labelled = hierarchy.apply(self.raw.dictionary, level)
            except ValueError as exception:
                raise ValueError(f"hierarchies[{name!r}]: {exception}") from None
            codes = encode(labelled)
            mapping = codes.codes
            dictionary = codes.dictionary
            card = codes.cardinality
            if self.raw.has_missing:
                mapping = np.append(mapping, card)
                dictionary = pa.concat_arrays([dictionary, pa.nulls(1, pa.string())])
                card += 1
            self.maps.append(mapping.astype(np.int64, copy=False))
            self.cards.append(card)
            self.labels.append(dictionary.cast(pa.string()))
            self.counts.append(np.bincount(mapping[self.raw.codes], minlength=card))
        self._up: dict[tuple[int, int], Any] = {}

    def up(self, low: int, high: int) -> Any:
        """An int64 array: the level-``high`` code of each level-``low`` code."""
        np = numpy()
        found = self._up.get((low, high))
        if found is None:
            representative = np.zeros(self.cards[low], np.int64)
            representative[self.maps[low]] = np.arange(len(self.maps[low]), dtype=np.int64)
            found = self.maps[high][representative]
            self._up[low, high] = found
        return found

    def at(self, level: int) -> Any:
        """Each record's code at a level."""
        return self.maps[level][self.raw.codes]

    def released(self, level: int, suppressed: Any | None) -> Any:
        """The labels of the records at a level, ``*`` for suppressed records."""
        pa = pyarrow()
        np = numpy()
        indices = self.raw.codes
        dictionary = self.labels[level]
        mapping = self.maps[level]
        codes = mapping[indices]
        if suppressed is not None:
            dictionary = pa.concat_arrays([dictionary, pa.array([SUPPRESSED], pa.string())])
            codes = np.where(suppressed, len(dictionary) - 1, codes)
        return dictionary.take(pa.array(codes))


def sensitive_ok(
    source: Source, request: Request, of_record: Any, sizes: Any, kept: Any | None
) -> str | None:
    """
    Whether l and t hold on the classes given, as `assess` measures them.

    Args:
        source: The input.
        request: The request.
        of_record: Each record's class (of the records kept).
        sizes: The size of each class.
        kept: The records measured (a bool mask), or None for all.

    Returns:
        None when they hold, or the model that fails (``"l"`` or ``"t"``).
    """
    for name in request.sensitive:
        column = source.column(name)
        if kept is not None:
            column = column.filter(pyarrow().array(kept))
        measured = _sensitive(name, column, of_record, sizes, None, None)
        if request.l is not None:
            reached = measured.distinct_l if request.l_variant == "distinct" else measured.entropy_l
            if reached < request.l:
                return "l"
        if request.t is not None and measured.t > request.t:
            return "t"
    return None


def verified(release_table: object, request: Request) -> RiskReport:
    """Measure the release with `assess`, and refuse it if it fails the request."""
    report = assess(release_table, request.qis, sensitive=request.sensitive)
    failures = []
    if report.k < request.k:
        failures.append("k")
    for item in report.sensitive:
        if request.l is not None:
            reached = item.distinct_l if request.l_variant == "distinct" else item.entropy_l
            if reached < request.l:
                failures.append("l")
        if request.t is not None and item.t > request.t:
            failures.append("t")
    if failures:  # a bug if it happens: never release what fails
        msg = f"the release fails {', '.join(failures)} when measured: nothing released"
        raise PrivacyRequirementError(msg, best_k=report.k)
    return report


def best_reachable_k(sizes: Any, limit: int) -> int:
    """The highest k reachable from these class sizes by suppressing at most ``limit`` records."""
    np = numpy()
    ordered = np.sort(sizes)
    within = np.cumsum(ordered) <= limit
    remaining = ordered[~within]
    return int(remaining[0]) if len(remaining) else int(ordered[-1])
