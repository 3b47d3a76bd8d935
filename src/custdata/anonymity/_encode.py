"""Tables in, integer codes out: the columns of a dataset as codes, and records as classes."""

from __future__ import annotations

import concurrent.futures
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from custdata.errors import MissingDependencyError
from custdata.frames._arrow import _pyarrow

_MAX_RADIX: Final = 1 << 62
_BINCOUNT_FLOOR: Final = 1 << 16
_THREADED_ROWS: Final = 200_000


def numpy() -> Any:  # the module, typed at its use sites
    """Import numpy, or raise `MissingDependencyError` naming the ``arrow`` extra."""
    try:
        import numpy as np
    except ImportError:
        package = "numpy"
        raise MissingDependencyError(package, "arrow") from None
    return np


def pyarrow() -> Any:  # the module, typed at its use sites
    """Import pyarrow, or raise `MissingDependencyError` naming the ``arrow`` extra."""
    return _pyarrow()


def as_table(data: object, columns: Sequence[str], *, what: str = "data") -> Any:
    """
    The named columns of a dataset as a pyarrow Table.

    Args:
        data: A pyarrow Table or RecordBatch, a pandas or polars DataFrame, or an
            iterable of flat rows (mappings by column name; a nested mapping is
            read through the dotted name, ``address.postal_code``).
        columns: The columns needed.
        what: The parameter's name, for errors.

    Returns:
        A table of exactly these columns, in this order.

    Raises:
        ValueError: If a column is missing.
        TypeError: If ``data`` is none of the above.
    """
    pa = pyarrow()
    from custdata.frames._apply import _column_names, _Kind, _kind
    from custdata.frames._read import _flat_table

    try:
        kind = _kind(pa, data)
    except TypeError:
        kind = None
    if kind is not None:
        present = set(_column_names(pa, kind, data))
        missing = [name for name in columns if name not in present]
        if missing:
            raise ValueError(f"{what}: no column {', '.join(map(repr, missing))}")
        frame: Any = data
        if kind == _Kind.POLARS:
            frame = frame.select(list(columns))  # only the columns measured are converted
        elif kind == _Kind.PANDAS:
            return _pandas_table(pa, frame, columns)
        table: Any = _flat_table(pa, frame)  # an Arrow table or a polars frame: never None
        return table.select(list(columns))
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        msg = (
            f"{what}: expected a pyarrow Table or RecordBatch, a pandas or polars DataFrame "
            f"or an iterable of rows, got {type(data).__name__}"
        )
        raise TypeError(msg)
    return _rows_table(pa, data, columns, what)


_ABSENT: Final = object()


def _cell(row: Mapping[str, object], name: str) -> object:
    value = row.get(name, _ABSENT)
    if value is not _ABSENT:
        return value
    head, dot, rest = name.partition(".")
    if dot:
        inner = row.get(head)
        if isinstance(inner, Mapping):
            return _cell(inner, rest)
    return _ABSENT


def _rows_table(pa: Any, rows: Iterable[object], columns: Sequence[str], what: str) -> Any:
    values: list[list[object]] = [[] for _ in columns]
    seen = [False] * len(columns)
    for row in rows:
        if not isinstance(row, Mapping):
            msg = f"{what}: expected rows as mappings, got {type(row).__name__}"
            raise TypeError(msg)
        for index, name in enumerate(columns):
            value = _cell(row, name)
            if value is _ABSENT:
                value = None
            else:
                seen[index] = True
            values[index].append(value)
    missing = [name for name, found in zip(columns, seen, strict=True) if not found and values[0]]
    if missing:
        raise ValueError(f"{what}: no column {', '.join(map(repr, missing))}")
    arrays = [_array(pa, column) for column in values]
    return pa.table(dict(zip(columns, arrays, strict=True))) if columns else pa.table({})


def _pandas_table(pa: Any, frame: Any, columns: Sequence[str]) -> Any:
    """The columns of a pandas frame as Arrow; a column of mixed objects value by value."""
    arrays = {}
    for name in columns:
        series = frame[name]
        try:
            arrays[name] = pa.Array.from_pandas(series)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            values = [None if _is_nan(value) else value for value in series.tolist()]
            arrays[name] = _array(pa, values)
    return pa.table(arrays) if arrays else pa.table({})


def _is_nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)  # noqa: PLR0124  # NaN


def _array(pa: Any, values: list[object]) -> Any:
    try:
        return pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        # Mixed types: compare them as text, each type apart ("1" and 1 differ).
        return pa.array(
            [None if value is None else f"{type(value).__name__}:{value}" for value in values],
            pa.string(),
        )


class Codes:
    """
    One column as integer codes: equal values share a code, missing values have their own.

    Attributes:
        codes: An int64 numpy array, one code per record, from 0.
        cardinality: The number of codes (distinct values, missing counted as one).
        dictionary: The distinct values as a pyarrow array, by code; the missing
            value, if any, has the last code and is not in it.
        has_missing: Whether some values are missing (null, or NaN in a float column).
    """

    def __init__(self, codes: Any, cardinality: int, dictionary: Any, has_missing: bool) -> None:
        self.codes = codes
        self.cardinality = cardinality
        self.dictionary = dictionary
        self.has_missing = has_missing


def encode_all(columns: Sequence[Any]) -> list[Codes]:  # for grouping: codes need not be exact
    """
    `encode` several columns, on threads when they are long (pyarrow releases the GIL).

    Args:
        columns: pyarrow Arrays or ChunkedArrays.

    Returns:
        Their `Codes`, in order.
    """
    if len(columns) < 2 or min(len(column) for column in columns) < _THREADED_ROWS:
        return [encode(column, exact=False) for column in columns]
    workers = min(len(columns), os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(functools.partial(encode, exact=False), columns))


def encode(column: Any, *, exact: bool = True) -> Codes:
    """
    Dictionary-encode a pyarrow column: nulls, and NaN in float columns, are one missing value.

    Args:
        column: A pyarrow Array or ChunkedArray.
        exact: Whether every code must be used (the dictionary holds only the
            values present). Without it, a dictionary column keeps its own
            dictionary's codes, unused values included: enough for grouping.

    Returns:
        Its `Codes`.
    """
    pa = pyarrow()
    np = numpy()
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = (
            (column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
            if column.num_chunks
            else pa.array([], column.type)
        )
    if pa.types.is_dictionary(column.type):
        if not exact:
            return _dictionary_codes(pa, np, column)
        column = column.cast(column.type.value_type)
    if pa.types.is_null(column.type):  # every value missing
        missing = len(column) > 0
        return Codes(np.zeros(len(column), np.int64), int(missing), column.slice(0, 0), missing)
    if pa.types.is_floating(column.type):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    encoded = column.dictionary_encode()
    dictionary = encoded.dictionary
    distinct = len(dictionary)
    has_missing = encoded.null_count > 0
    indices = encoded.indices
    if has_missing:
        indices = pc.fill_null(indices, distinct)
    codes = indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return Codes(codes, distinct + int(has_missing), dictionary, has_missing)


def _dictionary_codes(pa: Any, np: Any, column: Any) -> Codes:
    """The codes of a dictionary array from its indices: its (short) dictionary encoded once."""
    import pyarrow.compute as pc

    inner = encode(column.dictionary)  # equal values, even repeated in the dictionary, share a code
    missing = len(inner.dictionary)
    indices = pc.fill_null(column.indices, -1).to_numpy(zero_copy_only=False)
    table = np.append(inner.codes, missing)  # index -1 (a null) reads the missing code
    codes = table[indices].astype(np.int64, copy=False)
    has_missing = bool(column.null_count) or inner.has_missing
    return Codes(codes, missing + 1, inner.dictionary, has_missing)


class Classes:
    """
    Records grouped by equal quasi-identifiers.

    Attributes:
        sizes: An int64 numpy array: each class's number of records.
    """

    def __init__(self, of_record: Any, sizes: Any) -> None:
        self._of_record = of_record
        self.sizes = sizes

    @property
    def of_record(self) -> Any:
        """An int64 numpy array: each record's class, from 0 (computed when first asked)."""
        if callable(self._of_record):
            self._of_record = self._of_record()
        return self._of_record


def _distinct(np: Any, combined: Any) -> tuple[Any, Any]:
    """The distinct keys, sorted, and how many records have each (one sort, no inverse)."""
    ordered = np.sort(combined)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sizes = np.diff(np.append(starts, len(ordered)))
    return ordered[starts], sizes


def _renumber(np: Any, combined: Any) -> Any:
    """Each key's rank among the distinct keys (from 0), from one argsort."""
    order = np.argsort(combined, kind="stable")
    ordered = combined[order]
    ids = np.cumsum(np.concatenate(([False], ordered[1:] != ordered[:-1])), dtype=np.int64)
    ranks = np.empty(len(combined), np.int64)
    ranks[order] = ids
    return ranks


def group(codes: Sequence[Codes], records: int) -> Classes:
    """
    Group records by their codes in several columns, with numpy and no loop per record.

    The codes are combined into one integer per record (mixed radix), renumbered
    from 0 whenever the product of cardinalities would overflow; the classes are
    then counted with `numpy.bincount` when the combined codes are dense enough,
    or from the sorted codes otherwise. Each record's class is found (from an
    argsort of the codes) only when asked for.

    Args:
        codes: One `Codes` per quasi-identifier (none: one class of every record).
        records: The number of records.

    Returns:
        The `Classes`.
    """
    np = numpy()
    if records == 0:
        empty = np.zeros(0, np.int64)
        return Classes(empty, empty)
    combined = np.zeros(records, np.int64)
    radix = 1
    for column in codes:
        if radix * column.cardinality >= _MAX_RADIX:
            combined = _renumber(np, combined)
            radix = int(combined.max()) + 1
        combined = combined * column.cardinality + column.codes
        radix *= column.cardinality
    if radix <= max(2 * records, _BINCOUNT_FLOOR):
        counts = np.bincount(combined, minlength=radix)
        present = np.flatnonzero(counts)

        def by_lookup() -> Any:  # only t, l and a population need it
            lookup = np.zeros(radix, np.int64)
            lookup[present] = np.arange(len(present), dtype=np.int64)
            return lookup[combined]

        return Classes(by_lookup, counts[present].astype(np.int64, copy=False))
    _, sizes = _distinct(np, combined)

    # The classes are numbered in the order of their codes, as the sizes are.
    return Classes(lambda: _renumber(np, combined), sizes.astype(np.int64, copy=False))
