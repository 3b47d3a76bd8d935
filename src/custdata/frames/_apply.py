"""
Validating and protecting whole frames: `validate_frame`, `apply_frame` and their streams.

A frame is read in slices of ``batch_size`` rows. Each slice is read into
records (`read_rows`, as `from_frame` reads), validated by the same
`custdata.validation.BatchValidator` as `validate_many` and `apply_many`, and,
for a policy, protected column by column on Arrow arrays: each value rule
through its transform's `apply_arrow` (a compute kernel where the transform has
one, else each distinct value once), each row rule through its optional
``apply_arrow_rows``. Values whose Arrow form would not be the Python value a
transform sees elsewhere (date-times in their own offset, exact decimals, lists)
go through the transform's `apply_many` instead, so that every path gives the
same results. pyarrow is imported inside the functions, never on import.
"""

from __future__ import annotations

import datetime as dt
import itertools
import pickle
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from custdata import _workers
from custdata.errors import Issue, TransformError
from custdata.frames._arrow import (
    _PANDAS_INDEX_PREFIX,
    OFFSET_SUFFIX,
    FrameIssue,
    _check_unique_columns,
    _loaded,
    _pyarrow,
    _with_offset,
    arrow_schema,
    column_type,
    frame_issues,
    leaf_arrays,
    to_arrow,
    value_arrays,
)
from custdata.frames._columns import TypedColumns, typed_columns
from custdata.frames._read import ReadRows, _flat_table, read_rows, record_from_cells
from custdata.model._codec import FieldSpec, flat_specs
from custdata.model._rows import NO_EXTRA
from custdata.policy._bound import (
    BoundPolicy,
    PolicyRun,
    _apply_rows,
    _apply_values,
    _Counts,
    _Entry,
)
from custdata.transforms.base import whole_array, worth_encoding
from custdata.validation import BatchValidator, content_issues

if TYPE_CHECKING:
    from custdata.model import TimeZone
    from custdata.policy import Audit

__all__ = [
    "FrameResult",
    "FrameRun",
    "FrameValidation",
    "apply_frame",
    "apply_frames",
    "validate_frame",
    "validate_frames",
]

DEFAULT_BATCH_SIZE: Final = 20_000
"""Rows read into records at a time: memory stays flat, Arrow kernels get long arrays."""

_ARROW_KINDS: Final = frozenset({"str", "enum", "int", "bool", "date"})
"""Field kinds whose Arrow values are exactly the Python values transforms see elsewhere."""

_OUTPUT_KINDS: Final[dict[type, str]] = {
    str: "str",
    int: "int",
    bool: "bool",
    dt.date: "date",
    dt.datetime: "datetime",
}

# --- frame kinds -----------------------------------------------------------------------------


class _Kind:
    """Which library a frame came from, to give results back in the same kind."""

    TABLE: Final = "arrow table"
    BATCH: Final = "arrow record batch"
    PANDAS: Final = "pandas"
    POLARS: Final = "polars"


def _kind(pa: Any, frame: object) -> str:
    if isinstance(frame, pa.Table):
        return _Kind.TABLE
    if isinstance(frame, pa.RecordBatch):
        return _Kind.BATCH
    pandas_frame = _loaded("pandas", "DataFrame")
    if pandas_frame is not None and isinstance(frame, pandas_frame):
        return _Kind.PANDAS
    polars_frame = _loaded("polars", "DataFrame")
    if polars_frame is not None and isinstance(frame, polars_frame):
        return _Kind.POLARS
    msg = (
        "expected a pyarrow Table or RecordBatch, a pandas or a polars DataFrame, "
        f"got {type(frame).__name__}"
    )
    raise TypeError(msg)


def _length(kind: str, frame: Any) -> int:
    if kind in {_Kind.TABLE, _Kind.BATCH}:
        return int(frame.num_rows)
    if kind == _Kind.POLARS:
        return int(frame.height)
    return len(frame)


def _slices(kind: str, frame: Any, size: int) -> Iterator[Any]:
    """The frame in slices of ``size`` rows (a frame that fits is given as it is)."""
    rows = _length(kind, frame)
    if rows <= size:
        yield frame
        return
    for start in range(0, rows, size):
        if kind == _Kind.PANDAS:
            yield frame.iloc[start : start + size]
        else:
            yield frame.slice(start, size)


def _as_kind(pa: Any, kind: str, table: Any, source: Any = None, positions: Any = None) -> Any:
    """
    An Arrow table as a frame of ``kind``.

    A pandas result keeps the labels of its rows in ``source`` (the input
    frame's index at ``positions``), its columns backed by Arrow.
    """
    if kind == _Kind.TABLE:
        return table
    if kind == _Kind.BATCH:
        batches = table.combine_chunks().to_batches()
        return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
    if kind == _Kind.POLARS:
        import polars as pl  # loaded: the input was one of its frames

        return pl.from_arrow(table)
    import pandas as pd  # loaded: the input was one of its frames

    out = table.to_pandas(types_mapper=pd.ArrowDtype)
    if source is not None and positions is not None:
        out.index = source.index[positions]
    return out


def _rows_as_kind(  # noqa: PLR0917  # private, the parts of one result
    pa: Any, kind: str, frame: Any, table: Any, indices: Sequence[int], start: int
) -> Any:
    """Some rows of ``frame`` (the stream's rows ``indices``), held in ``table``, as ``kind``."""
    source = frame if kind == _Kind.PANDAS else None
    return _as_kind(pa, kind, table, source, [index - start for index in indices])


def _issues_table(pa: Any, issues: Sequence[FrameIssue]) -> Any:
    return pa.table(
        {
            "index": pa.array([issue.index for issue in issues], pa.int64()),
            "path": pa.array([issue.path for issue in issues], pa.string()),
            "code": pa.array([issue.code for issue in issues], pa.string()),
            "severity": pa.array([issue.severity.value for issue in issues], pa.string()),
            "message": pa.array([issue.message for issue in issues], pa.string()),
        }
    )


def _issues_as_kind(pa: Any, kind: str, issues: Sequence[FrameIssue]) -> Any:
    table = _issues_table(pa, issues)
    if kind == _Kind.PANDAS:
        return table.to_pandas()
    return _as_kind(pa, kind, table)


def _concat(pa: Any, kind: str, parts: Sequence[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    if kind == _Kind.TABLE:
        return pa.concat_tables(parts)
    if kind == _Kind.BATCH:
        return _as_kind(pa, kind, pa.Table.from_batches(parts))
    if kind == _Kind.POLARS:
        import polars as pl  # loaded: the input was one of its frames

        return pl.concat(parts)
    import pandas as pd  # loaded: the input was one of its frames

    return pd.concat(parts)


# --- validating ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FrameValidation:
    """
    What `validate_frame` found in a frame (or one batch of a stream).

    Attributes:
        frame: The rows without errors, normalised (when asked), in the typed
            schema (`arrow_schema`), as a frame of the input's kind: an Arrow
            table (a record batch for a batch), a pandas frame (Arrow-backed
            columns, the input's row labels) or a polars frame.
        issues: One row per issue, errors and warnings of every row, with the
            columns ``index`` (the row's 0-based position in the input, counted
            across a stream's batches), ``path``, ``code``, ``severity``
            (``"error"``, ``"warning"``) and ``message``; never a value. A frame
            of the input's kind.
        indices: The input position of each row of ``frame``.
        rows: Rows read.
        valid: Rows in ``frame``.
        rejected: Rows with an error: ``rows == valid + rejected``.
    """

    frame: Any
    issues: Any
    indices: tuple[int, ...]
    rows: int
    valid: int
    rejected: int


def validate_frame(  # the options of validate_many, and a frame's own
    frame: object,
    record_type: type,
    *,
    region: str = "FR",
    today: dt.date | None = None,
    normalise: bool = True,
    lowercase_local_part: bool = True,
    tz: TimeZone | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
) -> FrameValidation:
    """
    Validate every row of a frame: the rows without errors, and every issue of every row.

    Rows are read as `from_frame` reads them and validated as
    `custdata.validate_many` validates records, so a row has the same issues on
    every path. A row that cannot become a record lists its shape issues and
    the content issues of its other fields, as files' rejects do.

    Example:
        >>> checked = validate_frame(frame, Contact)  # doctest: +SKIP
        >>> checked.rows == checked.valid + checked.rejected  # doctest: +SKIP
        True

    Args:
        frame: A `pyarrow.Table` or `pyarrow.RecordBatch`, a pandas or a polars
            ``DataFrame``, typed (`to_arrow`) or with text columns.
        record_type: The record class of each row.
        region: The country assumed when a row does not say (see `custdata.validate`).
        today: The current date, for the birth date checks (see `custdata.validate`).
        normalise: Give the rows normalised (`custdata.normalise`), else as read.
        lowercase_local_part: Lower-case the part of emails before the ``@``.
        tz: The time zone of date-times without an offset.
        batch_size: Rows read into records at a time (the slices ``workers`` share).
        workers: Processes that validate slices side by side, as for
            `apply_frame`: a hint that changes nothing but the speed.

    Returns:
        A `FrameValidation` whose ``frame`` and ``issues`` are of the input's kind.

    Raises:
        ValidationError: If a column belongs to no field, or is given twice.
        TypeError: If ``frame`` is none of the frames above.
        ValueError: If ``region`` is unknown, ``batch_size`` is not positive, or
            ``workers`` not a whole number from 1 to 64.
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
    """
    pa = _pyarrow()
    kind = _kind(pa, frame)
    size = _checked_size(batch_size)
    _check_workers(workers)
    check = _Checker(
        record_type,
        region=region,
        today=today,
        normalise=normalise,
        lowercase_local_part=lowercase_local_part,
        tz=tz,
        cache_size=_CACHE_SIZE,
    )
    slices = list(_slices(kind, frame, size))  # at least one: an empty frame is one empty slice
    if workers > 1 and len(slices) > 1 and _workers.can_fork():
        parts = list(_forked_validations(pa, kind, check, slices, workers))
    else:
        parts = list(_validations(pa, check, slices))
    return FrameValidation(
        frame=_concat(pa, kind, [part.frame for part in parts]),
        issues=_concat(pa, kind, [part.issues for part in parts]),
        indices=tuple(index for part in parts for index in part.indices),
        rows=sum(part.rows for part in parts),
        valid=sum(part.valid for part in parts),
        rejected=sum(part.rejected for part in parts),
    )


def validate_frames(  # as validate_frame
    frames: Iterable[object],
    record_type: type,
    *,
    region: str = "FR",
    today: dt.date | None = None,
    normalise: bool = True,
    lowercase_local_part: bool = True,
    tz: TimeZone | None = None,
    cache_size: int = 20_000,
) -> Iterator[FrameValidation]:
    """
    Validate a stream of frames (record batches, Parquet row groups, pandas chunks), lazily.

    As `validate_frame`, one result per frame; row indices count on across the
    frames, so that ``index`` is the row's position in the whole stream.
    Parsed emails and phone numbers are shared between batches, up to
    ``cache_size`` distinct values of a kind.

    Example:
        >>> import pyarrow.parquet as pq  # doctest: +SKIP
        >>> batches = pq.ParquetFile("contacts.parquet").iter_batches(50_000)  # doctest: +SKIP
        >>> for part in validate_frames(batches, Contact): ...  # doctest: +SKIP

    Raises:
        As `validate_frame`, when the frame concerned is reached.
    """
    check = _Checker(
        record_type,
        region=region,
        today=today,
        normalise=normalise,
        lowercase_local_part=lowercase_local_part,
        tz=tz,
        cache_size=cache_size,
    )
    return _validations(_pyarrow(), check, frames)


_CACHE_SIZE: Final = 20_000
"""Parsed emails and phone numbers kept between batches, of each kind (`validate_frames`)."""


def _validations(pa: Any, check: _Checker, frames: Iterable[object]) -> Iterator[FrameValidation]:
    start = 0
    for frame in frames:
        done = check.validated(pa, frame, start)
        start += done.rows
        yield _validation(pa, _kind(pa, frame), frame, done)


@attrs.frozen(kw_only=True)
class _Validated:
    """One frame validated, as Arrow: what `_Checker.validated` gives, and a child sends back."""

    table: Any  # the rows without errors, in the typed schema
    issues: list[FrameIssue]
    indices: list[int]
    start: int
    rows: int


def _validation(pa: Any, kind: str, frame: Any, done: _Validated) -> FrameValidation:
    """The `FrameValidation` of a validated frame of ``kind``: its rows as that kind."""
    return FrameValidation(
        frame=_rows_as_kind(pa, kind, frame, done.table, done.indices, done.start),
        issues=_issues_as_kind(pa, kind, done.issues),
        indices=tuple(done.indices),
        rows=done.rows,
        valid=len(done.indices),
        rejected=done.rows - len(done.indices),
    )


def _forked_validations(
    pa: Any, kind: str, check: _Checker, slices: Sequence[Any], workers: int
) -> Iterator[FrameValidation]:
    done = _forked(pa, kind, slices, workers, check.validated)
    for part, validated in zip(slices, done, strict=True):
        yield _validation(pa, kind, part, validated)


@attrs.frozen
class CheckedRow:
    """One row as `checked_batches` found it (private to custdata)."""

    index: int
    record: object | None  # normalised when asked; None when the row is not a record
    issues: tuple[Issue, ...]  # a row that is not a record: its shape issues, then the others'
    ok: bool


@attrs.frozen
class CheckedBatch:
    """One frame of a stream, its first row's index, its row count and its rows checked."""

    frame: Any
    start: int
    count: int
    rows: list[CheckedRow]


def checked_batches(  # as validate_frames
    frames: Iterable[object],
    record_type: type,
    *,
    region: str,
    today: dt.date | None,
    normalise: bool,
    lowercase_local_part: bool,
    tz: TimeZone | None,
    cache_size: int,
) -> Iterator[CheckedBatch]:
    """
    Each frame's rows read into records and validated: the engine of `validate_frames`.

    Also what ``custdata validate`` runs on Parquet files, writing the records itself.
    """
    check = _Checker(
        record_type,
        region=region,
        today=today,
        normalise=normalise,
        lowercase_local_part=lowercase_local_part,
        tz=tz,
        cache_size=cache_size,
    )
    start = 0
    for frame in frames:
        batch = check.batch(frame, start)
        yield batch
        start += batch.count


class _Checker:
    """Reads frames into records and validates them: the engine of `checked_batches`."""

    def __init__(  # the options of validate_frames
        self,
        record_type: type,
        *,
        region: str,
        today: dt.date | None,
        normalise: bool,
        lowercase_local_part: bool,
        tz: TimeZone | None,
        cache_size: int,
    ) -> None:
        self.record_type = record_type
        self.region = region
        self.today = today
        self.normalise = normalise
        self.tz = tz
        self.validator = BatchValidator(
            region=region,
            today=today,
            lowercase_local_part=lowercase_local_part,
            cache_size=cache_size,
        )

    def batch(self, frame: object, start: int) -> CheckedBatch:
        """One frame's rows read into records and validated; its first row is row ``start``."""
        record_type, tz = self.record_type, self.tz
        read: ReadRows[object] = read_rows(frame, record_type, tz=tz, start=start)
        live = [record for _, record, _, _ in read.rows if record is not None]
        checked = iter(self.validator.run(live))
        rows: list[CheckedRow] = []
        for index, record, problems, flat in read.rows:
            if record is None:
                content = content_issues(
                    flat,
                    problems,
                    record_type,
                    region=self.region,
                    today=self.today,
                    tz=tz,
                    build=_builder(record_type, tz),
                )
                rows.append(CheckedRow(index, None, (*problems, *content), ok=False))
                continue
            canonical, report = next(checked)
            kept = canonical if self.normalise else record
            rows.append(CheckedRow(index, kept, report.issues, ok=report.ok))
        return CheckedBatch(frame=frame, start=start, count=read.count, rows=rows)

    def validated(self, pa: Any, frame: object, start: int) -> _Validated:
        """One frame validated, its rows without errors as a typed Arrow table."""
        batch = self.batch(frame, start)
        issues: list[FrameIssue] = []
        good: list[object] = []
        indices: list[int] = []
        for row in batch.rows:
            issues.extend(frame_issues(row.index, row.issues))
            if row.ok:
                good.append(row.record)
                indices.append(row.index)
        table = to_arrow(good, self.record_type)
        return _Validated(
            table=table, issues=issues, indices=indices, start=start, rows=batch.count
        )


def python_rows(frame: Any) -> list[dict[str, object]]:
    """
    The rows of an Arrow table or record batch as dicts, each date-time in its own offset.

    The form `BoundPolicy.apply_many` gives its rows in: the ``.offset_minutes``
    columns are folded back into their date-times.
    """
    rows = typing.cast("list[dict[str, object]]", frame.to_pylist())
    offsets = [name for name in frame.schema.names if name.endswith(OFFSET_SUFFIX)]
    if not offsets:
        return rows
    for row in rows:
        for name in offsets:
            minutes = row.pop(name)
            column = name.removesuffix(OFFSET_SUFFIX)
            moment = row.get(column)
            if moment is not None and minutes is not None:
                row[column] = _with_offset(moment, minutes)
    return rows


def _builder(record_type: type, tz: TimeZone | None) -> Callable[[Mapping[str, object]], object]:
    return lambda cells: record_from_cells(record_type, cells, tz=tz)


def _check_bound(bound: BoundPolicy) -> None:
    if not isinstance(typing.cast("object", bound), BoundPolicy):
        msg = f"expected a BoundPolicy (from Policy.bind), got {type(bound).__name__}"
        raise TypeError(msg)


def _check_workers(workers: int) -> None:
    problem = _workers.check_workers(workers)
    if problem is not None:
        msg = f"workers {problem}"
        raise ValueError(msg)


def _checked_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        msg = "batch_size must be a positive integer"
        raise ValueError(msg)
    return batch_size


# --- protecting ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FrameResult:
    """
    What `apply_frame` gave for a frame (or `apply_frames` for one batch of a stream).

    Attributes:
        frame: The protected rows, in input order, as a frame of the input's
            kind: the policy's output columns (`BoundPolicy.output_columns`),
            each typed from its rule's output type (a kept field keeps its
            typed-schema type; a date-time column has its ``.offset_minutes``
            column beside it). A pandas result keeps the input's row labels.
        rejects: One row per issue of each rejected row, with the columns
            ``index`` (the row's 0-based position in the input, counted across
            a stream's batches), ``path``, ``code``, ``severity`` and
            ``message``, as `validate_frame` gives them; never a value.
        indices: The input position of each row of ``frame``.
        rows: Rows read.
        written: Rows in ``frame``.
        rejected: Rows rejected: ``rows == written + rejected``.
        audit: The run's `custdata.policy.Audit` (for a stream's batch: the
            counts of the run so far).
    """

    frame: Any
    rejects: Any
    indices: tuple[int, ...]
    rows: int
    written: int
    rejected: int
    audit: Audit


def apply_frame(
    bound: BoundPolicy,
    frame: object,
    *,
    tz: TimeZone | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
) -> FrameResult:
    """
    Protect every row of a frame with a bound policy: the same results as `apply_many`.

    The rows are read as `from_frame` reads them, validated (and normalised)
    as `BoundPolicy.apply_many` does, and protected column by column on Arrow
    arrays. A protected value, a reject and the audit are those
    `BoundPolicy.apply_many` gives for the same rows; a rejected row lists
    every issue, as there.

    Example:
        >>> bound = Policy.builtin("partner-share").bind(keys=keys)  # doctest: +SKIP
        >>> result = apply_frame(bound, frame)  # doctest: +SKIP
        >>> result.rows == result.written + result.rejected  # doctest: +SKIP
        True

    Args:
        bound: A policy bound with its keys (`custdata.Policy.bind`).
        frame: A `pyarrow.Table` or `pyarrow.RecordBatch`, a pandas or a
            polars ``DataFrame`` of the policy's record type, typed
            (`to_arrow`) or with text columns.
        tz: The time zone of date-times without an offset.
        batch_size: Rows protected at a time (the slices ``workers`` share).
        workers: Processes that protect slices side by side (forked children,
            as for `custdata.transforms.Transform.apply_many`): a hint that
            changes nothing but the speed. The frame is protected in this
            process alone where forking is unavailable (Windows) or unsafe
            (another Python thread runs), and when it fits in one slice.

    Returns:
        A `FrameResult` whose ``frame`` and ``rejects`` are of the input's kind.

    Raises:
        ValidationError: If a column belongs to no field, or is given twice.
        TypeError: If ``frame`` is none of the frames above, or ``bound`` is not a `BoundPolicy`.
        ValueError: If ``batch_size`` is not positive, or ``workers`` not a
            whole number from 1 to 64.
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
    """
    pa = _pyarrow()
    kind = _kind(pa, frame)
    size = _checked_size(batch_size)
    _check_workers(workers)
    _check_bound(bound)
    slices = list(_slices(kind, frame, size))  # at least one: an empty frame is one empty slice
    run = _ArrowRun(bound, tz)
    if workers > 1 and len(slices) > 1 and _workers.can_fork():
        parts = list(_forked_parts(pa, kind, run, slices, workers))
    else:
        parts = list(FrameRun(run, slices))
    return FrameResult(
        frame=_concat(pa, kind, [part.frame for part in parts]),
        rejects=_concat(pa, kind, [part.rejects for part in parts]),
        indices=tuple(index for part in parts for index in part.indices),
        rows=sum(part.rows for part in parts),
        written=sum(part.written for part in parts),
        rejected=sum(part.rejected for part in parts),
        audit=run.audit,
    )


def _kernel_output(transform: Any, kernel: Callable[[Any], Any], column: Any) -> Any:
    """
    A transform's Arrow kernel on a column, run once per distinct value when that pays.

    Customer columns repeat values (a phone number shared by a household, a postal
    code by a town): where a sample says so, as for `apply_many`, the kernel runs
    on the column's dictionary and its output is taken back to the rows, which for
    a deterministic transform is the same array.
    """
    whole = whole_array(column)
    if (
        not transform.guarantees.deterministic
        or _pyarrow().types.is_dictionary(whole.type)
        or not worth_encoding(transform, whole)
    ):
        return kernel(whole)
    encoded = whole.dictionary_encode()
    return kernel(encoded.dictionary).take(encoded.indices)


# Slices are protected in children forked by custdata._workers (the library's one process
# model, see there): they inherit the bound policy, its keys and the frame, so nothing but
# each slice's result (Arrow columns, rejects, counts) crosses a pipe, and no key ever
# does. Only Arrow runs in a child: a polars frame is made an Arrow table first (polars'
# own thread pool is not safe to use after a fork). A child that fails has its slices
# protected here instead, which raises the error a single process would raise.

_WINDOW: Final = 2
"""Results each child may have waiting to be read: memory stays that of a few slices."""


def _forked_parts(
    pa: Any, kind: str, run: _ArrowRun, slices: Sequence[Any], workers: int
) -> Iterator[FrameResult]:
    done = _forked(pa, kind, slices, workers, run.protect_apart)
    for part, (protected, counts) in zip(slices, done, strict=True):
        run.add_counts(counts)
        yield run.result(pa, kind, part, protected)


_T = typing.TypeVar("_T")


def _forked(
    pa: Any, kind: str, slices: Sequence[Any], workers: int, work: Callable[[Any, Any, int], _T]
) -> Iterator[_T]:
    """
    ``work(pa, slice, start)`` for each slice, in forked children; the results in slice order.

    A slice whose child failed is done here instead, which raises the error one
    process would raise.
    """
    starts = list(itertools.accumulate((_length(kind, part) for part in slices), initial=0))
    inputs = [_flat_table(pa, part) for part in slices] if kind == _Kind.POLARS else slices

    def child(job: int) -> bytes:
        return pickle.dumps(work(pa, inputs[job], starts[job]), pickle.HIGHEST_PROTOCOL)

    with _workers.Forked(child, len(slices), workers, window=_WINDOW) as results:
        for job, data in enumerate(results):
            # Bytes from a child this process forked, through a private pipe.
            yield work(pa, inputs[job], starts[job]) if data is None else pickle.loads(data)  # noqa: S301


def apply_frames(
    bound: BoundPolicy, frames: Iterable[object], *, tz: TimeZone | None = None
) -> FrameRun:
    """
    Protect a stream of frames (record batches, Parquet row groups, pandas chunks), lazily.

    As `apply_frame`, one `FrameResult` per frame, row indices counting on
    across the frames; the run's `FrameRun.audit` is complete once it is
    exhausted.

    Example:
        >>> import pyarrow.parquet as pq  # doctest: +SKIP
        >>> batches = pq.ParquetFile("contacts.parquet").iter_batches(50_000)  # doctest: +SKIP
        >>> run = apply_frames(bound, batches)  # doctest: +SKIP
        >>> for part in run: ...  # doctest: +SKIP
        >>> run.audit.rows_read  # doctest: +SKIP

    Raises:
        TypeError: If ``bound`` is not a `BoundPolicy`.
    """
    _check_bound(bound)
    return FrameRun(_ArrowRun(bound, tz), frames)


class FrameRun:
    """
    A run of a bound policy over a stream of frames: iterate it for `FrameResult` parts.

    Built by `apply_frames`. `audit` counts every part so far, and is complete
    once the run is exhausted.
    """

    def __init__(self, run: _ArrowRun, frames: Iterable[object]) -> None:
        self._run = run
        self._frames = iter(frames)
        self._start = 0
        self._pa = _pyarrow()

    def __iter__(self) -> Iterator[FrameResult]:
        return self

    def __next__(self) -> FrameResult:
        frame = next(self._frames)
        result = self._run.frame(self._pa, frame, self._start)
        self._start += result.rows
        return result

    @property
    def audit(self) -> Audit:
        """The run's audit: complete once the run is exhausted, counts so far before."""
        return self._run.audit


class _ArrowRun(PolicyRun):
    """A policy run whose batches are frames, protected on Arrow arrays."""

    def __init__(self, bound: BoundPolicy, tz: TimeZone | None) -> None:
        super().__init__(bound, (), batch_size=1, strict=False, reject_values=False, tz=tz)
        self._zone = tz  # checked by PolicyRun
        self._record_specs: dict[str, FieldSpec] = flat_specs(bound.policy.record_class)
        # The output columns' types, from each rule's output type: one schema for every part.
        self._schema = output_schema(_pyarrow(), bound, self._record_specs)

    def frame(self, pa: Any, frame: object, start: int) -> FrameResult:
        """Protect one frame whose first row is row ``start`` of the stream."""
        return self.result(pa, _kind(pa, frame), frame, self.protect(pa, frame, start))

    def protect(self, pa: Any, frame: object, start: int) -> _Protected:
        """
        Protect one frame whose first row is row ``start`` of the stream, as Arrow.

        Every count of the audit is taken here: a forked child returns this
        with its counts, and `result` only gives the rows the input's kind.
        """
        bound = self._bound
        kind = _kind(pa, frame)
        record_type = bound.policy.record_class
        _check_unique_columns(pa, frame, record_type)
        frame = self._known_only(pa, kind, frame)
        rows = _length(kind, frame)
        found = None if bound.validate else _typed(pa, frame, record_type)
        parts: list[_Part] = []
        if found is None:
            parts.append(self._records_part(pa, frame, start, None))
        else:
            import pyarrow.compute as pc

            table, typed = found
            sure = pc.indices_nonzero(typed.sure)
            if len(sure) < rows:
                unsure = pc.indices_nonzero(pc.invert(typed.sure))
                parts.append(self._records_part(pa, table.take(unsure), start, unsure.to_pylist()))
            if len(sure):
                parts.append(self._columns_part(pa, typed, sure, start))
        table, numbers, refused = _merge(pa, parts, self._schema)
        rejects: list[FrameIssue] = []
        for entry in refused:
            reject = self._reject(entry)
            rejects.extend(frame_issues(reject.row - 1, reject.issues))
        indices = [number - 1 for number in numbers]
        counts = self._counts
        counts.written += len(indices)
        for path in bound.output_columns:
            column = table.column(path)
            counts.empty[path] += column.null_count
            counts.values[path] += len(indices) - column.null_count
        return _Protected(table=table, rejects=rejects, indices=indices, start=start, rows=rows)

    def protect_apart(self, pa: Any, frame: object, start: int) -> tuple[_Protected, _Counts]:
        """As `protect`, with the frame's counts apart from the run's: what a child sends back."""
        counts, self._counts = self._counts, _Counts()
        try:
            return self.protect(pa, frame, start), self._counts
        finally:
            self._counts = counts

    def add_counts(self, counts: _Counts) -> None:
        """Count a frame protected apart (`protect_apart`) in this run."""
        self._counts.add(counts)

    def result(self, pa: Any, kind: str, frame: Any, done: _Protected) -> FrameResult:
        """The `FrameResult` of a protected frame of ``kind``: its rows as that kind."""
        return FrameResult(
            frame=_rows_as_kind(pa, kind, frame, done.table, done.indices, done.start),
            rejects=_issues_as_kind(pa, kind, done.rejects),
            indices=tuple(done.indices),
            rows=done.rows,
            written=len(done.indices),
            rejected=done.rows - len(done.indices),
            audit=self.audit,
        )

    def _known_only(self, pa: Any, kind: str, frame: Any) -> Any:
        """
        The frame without the columns that are not fields, counted as not passed.

        As `BoundPolicy.apply_many` does for a mapping's other keys: they are
        never released, and the audit says how many rows had them.
        """
        names = [str(name) for name in _column_names(pa, kind, frame)]
        known = self._bound._known
        offsets = {name + OFFSET_SUFFIX for name in known}
        unknown = [
            name
            for name in names
            if name not in known
            and name not in offsets
            and not name.startswith(_PANDAS_INDEX_PREFIX)
        ]
        if not unknown:
            return frame
        rows = _length(kind, frame)
        for name in unknown:
            self._counts.not_passed[name[:64]] += rows
        wanted = [name for name in names if name not in unknown]
        if kind == _Kind.PANDAS:
            return frame[wanted]
        return frame.select(wanted)

    def _records_part(self, pa: Any, frame: Any, start: int, positions: list[int] | None) -> _Part:
        """
        Rows read into records, validated and protected: the output table and each row's entry.

        ``positions`` are the rows' places in the frame when they are some of its
        rows (taken out of it), else the frame's rows are all its rows.
        """
        bound = self._bound
        record_type = bound.policy.record_class
        read = read_rows(frame, record_type, tz=self._zone, start=0)
        entries: list[_Entry] = []
        for position, record, problems, flat in read.rows:
            number = start + (position if positions is None else positions[position]) + 1
            if record is not None:
                entries.append(
                    _Entry(number=number, record=record, issues=[], values=NO_EXTRA, extra=NO_EXTRA)
                )
                continue
            invalid: list[Issue] = []
            if bound.validate:
                invalid = self._invalid(
                    content_issues(
                        flat,
                        problems,
                        record_type,
                        region=bound.region,
                        today=bound.today,
                        tz=self._zone,
                        build=_builder(record_type, self._zone),
                    )
                )
            entries.append(
                _Entry(
                    number=number,
                    record=None,
                    issues=list(problems),
                    values=NO_EXTRA,
                    extra=NO_EXTRA,
                    invalid=invalid,
                )
            )
        records, kept = self._admit(entries)
        batch = _ArrowBatch(pa, bound, self._record_specs, records, kept)
        table = self._protected(pa, batch, kept)
        return _Part(
            table=table,
            numbers=[entry.number for entry in entries if not entry.issues],
            refused=[entry for entry in entries if entry.issues],
        )

    def _columns_part(self, pa: Any, typed: TypedColumns, sure: Any, start: int) -> _Part:
        """The rows that certainly fit, protected from the frame's own columns, without records."""
        import pyarrow.compute as pc

        numbers: list[int] = pc.add(sure, start + 1).to_pylist()
        entries = _Entries(numbers)
        self._counts.read += len(numbers)
        columns = typed.columns
        if len(sure) < len(typed.sure):
            columns = {name: column.take(sure) for name, column in columns.items()}
        batch = _ColumnBatch(pa, self._bound, self._record_specs, columns, entries)
        table = self._protected(pa, batch, entries)
        refused = entries.refused()
        if refused:
            gone = {entry.number for entry in refused}
            numbers = [number for number in numbers if number not in gone]
        return _Part(table=table, numbers=numbers, refused=refused)

    def _protected(self, pa: Any, batch: _ArrowBatch, entries: Sequence[_Entry]) -> Any:
        """The batch through every step, as a table of the rows no step rejected."""
        arrays = self._protect_arrow(batch, entries)
        table = pa.table(arrays) if arrays else _no_columns(pa, len(entries))
        bad = (
            entries.positions_refused()
            if isinstance(entries, _Entries)
            else [i for i, entry in enumerate(entries) if entry.issues]
        )
        if bad:
            mask = [True] * len(entries)
            for position in bad:
                mask[position] = False
            table = table.filter(pa.array(mask, pa.bool_()))
        return table

    def _protect_arrow(self, batch: _ArrowBatch, entries: Sequence[_Entry]) -> dict[str, Any]:
        """
        Apply every step to the batch as Arrow columns; note refused values.

        Returns the output columns by name, a date-time's offsets beside it.
        """
        bound = self._bound
        for step in bound._steps:
            if step.kind == "keep":
                batch.keep(step.path)
                continue
            errors = batch.value(step) if step.kind == "value" else batch.row(step)
            self._refused(entries, step.path, errors)
        columns: dict[str, Any] = {}
        for path in bound.output_columns:
            arrays = batch.protected[path]
            columns[path] = arrays[0]
            if len(arrays) > 1:
                columns[path + OFFSET_SUFFIX] = arrays[1]
        return columns


class _ArrowBatch:
    """The columns of one batch on their way through a policy's steps, as Arrow arrays."""

    def __init__(
        self,
        pa: Any,
        bound: BoundPolicy,
        specs: Mapping[str, FieldSpec],
        records: list[object],
        entries: Sequence[_Entry],
    ) -> None:
        self.pa = pa
        self.bound = bound
        self.specs = specs
        self.records = records
        self.entries = entries
        self.python: dict[str, list[object]] = {}  # input values as apply_many sees them
        self.inputs: dict[str, Any] = {}  # input columns of _ARROW_KINDS as Arrow arrays
        self.protected: dict[str, list[Any]] = {}  # output arrays, offsets beside date-times
        self.protected_python: dict[str, list[object]] = {}

    def input_python(self, path: str) -> list[object]:
        column = self.python.get(path)
        if column is None:
            column = self.python[path] = self.bound._readers[path](self.records)
        return column

    def input_arrow(self, path: str) -> Any:
        array = self.inputs.get(path)
        if array is None:
            kind = self.specs[path].kind
            arrow_type = self.pa.string() if kind == "enum" else column_type(kind)
            array = self.inputs[path] = self.pa.array(self.input_python(path), arrow_type)
        return array

    def _typed(self, path: str, results: list[object]) -> None:
        """Keep a step's Python results, and their arrays typed from its output type."""
        kind = _OUTPUT_KINDS.get(self.bound.output_types[path])
        if kind is None:  # decimals, lists...: the field's own kind
            kind = self.specs[path].kind
        arrays, problems = value_arrays(
            self.specs[path], "str" if kind == "enum" else kind, results
        )
        for position, issues in problems.items():
            self.entries[position].issues.extend(attrs.evolve(issue, path=path) for issue in issues)
        self.protected[path] = arrays
        self.protected_python[path] = results

    def keep(self, path: str) -> None:
        arrays, problems = leaf_arrays(self.bound.policy.record_class, path, self.records)
        for position, issues in problems.items():
            self.entries[position].issues.extend(issues)
        self.protected[path] = arrays

    def value(self, step: Any) -> Mapping[int, TransformError]:
        path = step.path
        kernel = getattr(step.transform, "apply_arrow", None)  # optional for host transforms
        if callable(kernel) and self.specs[path].kind in _ARROW_KINDS:
            try:
                output = _kernel_output(step.transform, kernel, self.input_arrow(path))
                self.protected[path] = [output]
            except TransformError:
                pass  # found value by value below, as apply_many does
            else:
                return {}
        results, errors = _apply_values(step.transform, self.input_python(path))
        self._typed(path, results)
        return errors

    def _from_output(self, step: Any, name: str) -> bool:
        """Whether a row step reads ``name`` as released (its rule already applied)."""
        return step.reads == "protected" and name != step.path and name in self.protected

    def _python_of(self, step: Any, name: str) -> list[object]:
        if not self._from_output(step, name) or self.bound._by_path[name].kind == "keep":
            return self.input_python(name)  # a kept value is its input value
        done = self.protected_python.get(name)
        if done is None:  # an Arrow kernel's output, of a plain kind
            done = self.protected_python[name] = self.protected[name][0].to_pylist()
        return done

    def _arrow_of(self, step: Any, name: str) -> Any | None:
        """The exact Arrow array of what a row step reads as ``name``, or None."""
        if not self._from_output(step, name):
            return self.input_arrow(name) if self.specs[name].kind in _ARROW_KINDS else None
        arrays = self.protected[name]
        plain = self.bound._by_path[name].kind != "keep" or self.specs[name].kind in _ARROW_KINDS
        return arrays[0] if plain and len(arrays) == 1 else None

    def row(self, step: Any) -> Mapping[int, TransformError]:
        path = step.path
        columnar = getattr(step.transform, "apply_arrow_rows", None)
        if callable(columnar):
            columns = {name: self._arrow_of(step, name) for name in (path, *step.requires)}
            if all(array is not None for array in columns.values()):
                try:
                    self.protected[path] = [columnar(columns)]
                except TransformError:
                    pass  # found row by row below, as apply_many does
                else:
                    return {}
        values = self.input_python(path)
        needed = {name: self._python_of(step, name) for name in step.requires}
        views = [
            {path: values[i], **{name: needed[name][i] for name in needed}}
            for i in range(len(values))
        ]
        results, errors = _apply_rows(step.transform, views)
        self._typed(path, results)
        return errors


class _ColumnBatch(_ArrowBatch):
    """
    Rows that certainly fit their record type, protected from the frame's own typed columns.

    A value is what the record path would read from its record: an enum value
    its member's (``" Female"`` is ``"female"``), a date-time in its own
    offset, a missing list empty.
    """

    def __init__(
        self,
        pa: Any,
        bound: BoundPolicy,
        specs: Mapping[str, FieldSpec],
        columns: dict[str, Any],
        entries: Sequence[_Entry],
    ) -> None:
        super().__init__(pa, bound, specs, [], entries)
        self.columns = columns

    def input_python(self, path: str) -> list[object]:
        column = self.python.get(path)
        if column is None:
            if self.specs[path].kind == "datetime":
                moments = self.columns[path].to_pylist()
                offsets = self.columns[path + OFFSET_SUFFIX].to_pylist()
                column = [
                    _with_offset(moment, minutes)
                    for moment, minutes in zip(moments, offsets, strict=True)
                ]
            else:
                column = self.input_arrow(path).to_pylist()
            self.python[path] = column
        return column

    def input_arrow(self, path: str) -> Any:
        array = self.inputs.get(path)
        if array is None:
            spec = self.specs[path]
            array = self.columns[path]
            if spec.kind == "enum":
                array = self._members(spec, path, self.pa.compute.cast(array, self.pa.string()))
            elif spec.kind == "list" and spec.item_kind == "enum":
                items = self._members(spec, path, array.flatten())
                array = self.pa.ListArray.from_arrays(
                    array.offsets, items, mask=self.pa.compute.is_null(array)
                )
            self.inputs[path] = array
        return array

    def _members(self, spec: FieldSpec, path: str, texts: Any) -> Any:
        """Each text as the value of the enum member the model reads it as."""
        pa = self.pa
        encoded = texts.dictionary_encode()
        whole = spec.kind == "list"
        values = []
        for text in encoded.dictionary.to_pylist():
            parsed, _ = spec.parse([text] if whole else text, path, None)
            member = typing.cast("Any", parsed)[0] if whole else parsed
            values.append(typing.cast("Any", member).value)
        if values == encoded.dictionary.to_pylist():
            return texts
        return pa.DictionaryArray.from_arrays(encoded.indices, pa.array(values, pa.string())).cast(
            pa.string()
        )

    def keep(self, path: str) -> None:
        spec = self.specs[path]
        if spec.kind == "datetime":
            self.protected[path] = [self.columns[path], self.columns[path + OFFSET_SUFFIX]]
        elif spec.kind == "enum":
            self.protected[path] = [self.input_arrow(path).dictionary_encode()]
        else:
            self.protected[path] = [self.input_arrow(path)]


def _typed(pa: Any, frame: Any, record_type: type) -> tuple[Any, TypedColumns] | None:
    """
    The frame as a flat Arrow table, with its typed columns and sure rows.

    None when it is not a typed frame: its rows are then all read into records.
    """
    table = _flat_table(pa, frame)  # None: pandas columns of mixed objects
    typed = None if table is None else typed_columns(pa, table, record_type)
    return None if typed is None else (table, typed)


def _column_names(pa: Any, kind: str, frame: Any) -> list[object]:
    if kind in {_Kind.TABLE, _Kind.BATCH}:
        return list(frame.schema.names)
    return list(frame.columns)


def _no_columns(pa: Any, rows: int) -> Any:
    """A table of ``rows`` rows and no column (a policy that releases nothing)."""
    return pa.table({"_": pa.nulls(rows)}).drop_columns(["_"])


def output_schema(pa: Any, bound: BoundPolicy, specs: Mapping[str, FieldSpec]) -> Any:
    """
    The Arrow schema of a bound policy's protected frames.

    A kept field has its typed-schema type; a protected one the type of its
    rule's output (`BoundPolicy.output_types`): ``string``, ``int64``,
    ``date32``, ``decimal128(18, 4)``..., the field's own type when the output
    has the input's type; a date-time its ``.offset_minutes`` column beside it.
    """
    typed = arrow_schema(bound.policy.record_class)
    fields: list[Any] = []
    for path in bound.output_columns:
        spec = specs[path]
        kind = spec.kind
        if bound._by_path[path].kind != "keep":
            kind = _OUTPUT_KINDS.get(bound.output_types[path]) or spec.kind
            if kind == "enum":
                kind = "str"
        if bound._by_path[path].kind == "keep" or (kind == spec.kind and kind != "enum"):
            fields.append(typed.field(path))
        else:
            fields.append(pa.field(path, column_type(kind)))
        if kind == "datetime":
            fields.append(typed.field(path + OFFSET_SUFFIX).with_nullable(True))
    return pa.schema(fields)


@attrs.frozen(kw_only=True)
class _Protected:
    """One frame protected, as Arrow: what `_ArrowRun.protect` gives, and a child sends back."""

    table: Any
    rejects: list[FrameIssue]
    indices: list[int]  # 0-based stream position of each row of table
    start: int  # the stream position of the frame's first row
    rows: int  # rows read


@attrs.frozen
class _Part:
    """The protected rows of some of a frame's rows, with their numbers, and their rejects."""

    table: Any
    numbers: list[int]  # 1-based stream position of each row of table
    refused: list[_Entry]


class _Entries(Sequence[_Entry]):
    """
    The entries of rows protected without records: one made only for a row a step refuses.

    A million rows that fit need no million objects.
    """

    def __init__(self, numbers: list[int]) -> None:
        self._numbers = numbers
        self._made: dict[int, _Entry] = {}

    def __len__(self) -> int:
        return len(self._numbers)

    @typing.overload
    def __getitem__(self, position: int) -> _Entry: ...

    @typing.overload
    def __getitem__(self, position: slice) -> Sequence[_Entry]: ...

    def __getitem__(self, position: int | slice) -> _Entry | Sequence[_Entry]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        entry = self._made.get(position)
        if entry is None:
            entry = self._made[position] = _Entry(
                number=self._numbers[position],
                record=None,
                issues=[],
                values=NO_EXTRA,
                extra=NO_EXTRA,
            )
        return entry

    def positions_refused(self) -> list[int]:
        return sorted(position for position, entry in self._made.items() if entry.issues)

    def refused(self) -> list[_Entry]:
        return [self._made[position] for position in self.positions_refused()]


def _merge(pa: Any, parts: list[_Part], schema: Any) -> tuple[Any, list[int], list[_Entry]]:
    """The parts' tables as one table of ``schema``, rows in input order; numbers; rejects."""
    if not parts:
        return schema.empty_table(), [], []
    tables = [_conform(pa, part.table, schema) for part in parts]
    numbers = [number for part in parts for number in part.numbers]
    refused = [entry for part in parts for entry in part.refused]
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    if len(parts) > 1:
        order = sorted(range(len(numbers)), key=numbers.__getitem__)
        table = table.take(pa.array(order, pa.int64()))
        numbers = [numbers[i] for i in order]
        refused.sort(key=lambda entry: entry.number)
    return table, numbers, refused


def _conform(pa: Any, table: Any, schema: Any) -> Any:
    if not len(schema):
        return table
    arrays = []
    for field in schema:
        column = table.column(field.name)
        arrays.append(column if column.type == field.type else column.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
