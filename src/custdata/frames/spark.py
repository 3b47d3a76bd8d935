"""
Validation and policies on Spark DataFrames: `apply_spark` and `validate_spark`.

Each Spark partition goes through `DataFrame.mapInArrow` to a Python worker,
which runs the Arrow path of `custdata.frames` (`apply_frames`,
`validate_frames`) on its record batches: the cells are those `apply_frame`
and `validate_frame` give for the same rows and keys. A worker binds the
policy once (`Policy.bind`) and keeps it for the tasks of the same run.

A Spark DataFrame has no global row position: rejects and issues name their
row by the value of the caller's ``id_column``, and never hold another value.

Keys reach the workers in one of two ways: a `custdata.KeyRing`, pickled into
the task closure, or a key source, ``"module:factory"``, naming an importable
function that returns a `custdata.KeyRing` and that each Python worker calls
once, so that keys can come from a secret store on the executors and never
pass through the driver. Keys never go into a Spark configuration value, an
executor environment variable, a query plan or a job description.

Needs the ``spark`` extra (pyspark and pyarrow) on the driver, and custdata
with its ``arrow`` extra on the executors; pyspark is imported on first use.
See docs/spark.md.
"""

from __future__ import annotations

import collections
import importlib
import re
import secrets
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from custdata.errors import KeyRingError, MissingDependencyError
from custdata.frames._apply import apply_frames, output_schema, validate_frames
from custdata.frames._arrow import _pyarrow, arrow_schema
from custdata.keys import KeyRing
from custdata.model import check_tz
from custdata.model._codec import flat_specs
from custdata.policy import Audit, Policy
from custdata.policy._bound import BoundPolicy, _Counts
from custdata.validation import BatchValidator

if TYPE_CHECKING:
    import datetime as dt

    from custdata.model import TimeZone

__all__ = [
    "SparkResult",
    "SparkValidation",
    "ValidationCounts",
    "apply_spark",
    "validate_spark",
]

_SOURCE: Final = re.compile(
    r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z", re.ASCII
)
"""A key source: an importable module, a colon, and the factory's name in it."""

_ISSUE_COLUMNS: Final = ("path", "code", "severity", "message")

# The parts of the one frame a run's workers give back: protected (or valid) rows,
# rejects (or issues) named by id, and each partition's counts.
_ROW: Final = 0
_ISSUE: Final = 1
_COUNT: Final = 2

_MAX_BOUND: Final = 8
"""Bound policies a worker keeps, one per run: the latest runs'."""


# --- pyspark and types --------------------------------------------------------------


def _spark_types() -> Any:  # the module, typed at its use sites
    try:
        from pyspark.sql import types
    except ImportError:
        package = "pyspark"
        raise MissingDependencyError(package, "spark") from None
    return types


def _plain(pa: Any, arrow_type: Any) -> Any:
    """The Arrow type Spark reads a column of ``arrow_type`` as: no dictionaries, small offsets."""
    if pa.types.is_dictionary(arrow_type):
        return _plain(pa, arrow_type.value_type)
    if pa.types.is_large_string(arrow_type):
        return pa.string()
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return pa.list_(_plain(pa, arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _plain(pa, f.type)) for f in arrow_type])
    return arrow_type


def _spark_type(types: Any, pa: Any, arrow_type: Any) -> Any:
    """The Spark type of a plain Arrow type (`_plain`)."""
    simple = {
        pa.string(): types.StringType,
        pa.int64(): types.LongType,
        pa.int32(): types.IntegerType,
        pa.int16(): types.ShortType,
        pa.int8(): types.ByteType,
        pa.bool_(): types.BooleanType,
        pa.date32(): types.DateType,
        pa.float64(): types.DoubleType,
        pa.float32(): types.FloatType,
        pa.binary(): types.BinaryType,
    }
    made = simple.get(arrow_type)
    if made is not None:
        return made()
    if pa.types.is_timestamp(arrow_type):
        return types.TimestampType() if arrow_type.tz else types.TimestampNTZType()
    if pa.types.is_decimal(arrow_type):
        return types.DecimalType(arrow_type.precision, arrow_type.scale)
    if pa.types.is_list(arrow_type):
        return types.ArrayType(_spark_type(types, pa, arrow_type.value_type), True)
    if pa.types.is_struct(arrow_type):
        return types.StructType(
            [types.StructField(f.name, _spark_type(types, pa, f.type), True) for f in arrow_type]
        )
    msg = f"no Spark type for the Arrow type {arrow_type}"
    raise TypeError(msg)


def _id_arrow_type(types: Any, pa: Any, spark_type: Any, id_column: str) -> Any:
    """The Arrow type the ids of rejects are written in, from the id column's Spark type."""
    found = {
        types.StringType: pa.string(),
        types.LongType: pa.int64(),
        types.IntegerType: pa.int32(),
        types.ShortType: pa.int16(),
        types.ByteType: pa.int8(),
        types.BooleanType: pa.bool_(),
        types.DateType: pa.date32(),
        types.DoubleType: pa.float64(),
        types.FloatType: pa.float32(),
        types.BinaryType: pa.binary(),
        types.TimestampType: pa.timestamp("us", tz="UTC"),
        types.TimestampNTZType: pa.timestamp("us"),
    }.get(type(spark_type))
    if found is not None:
        return found
    if isinstance(spark_type, types.DecimalType):
        return pa.decimal128(spark_type.precision, spark_type.scale)
    msg = (
        f"id_column {id_column!r} must be a column of text, numbers, dates or timestamps, "
        f"not {spark_type.simpleString()}"
    )
    raise ValueError(msg)


# --- what the driver sends the workers --------------------------------------------------


@attrs.frozen(kw_only=True)
class _Job:
    """
    What every task of one run needs: pickled into the task closure.

    Holds the key ring when the caller gave one (never its bytes anywhere else),
    or the key source's name.
    """

    token: str  # the run's cache key in each worker: random, not derived from any key
    policy: Policy | None  # None for a validation
    record_type: type
    keys: KeyRing | str | None
    options: Mapping[str, Any]  # bind()'s or validate_frames()'s options
    tz: TimeZone | None
    names: tuple[str, ...]  # the input's column names, in order
    id_position: int
    drop_id: bool  # the id column is not a field: validation leaves it out
    outputs: tuple[str, ...]  # the output columns, in order
    schema: Any  # the Arrow schema of the combined frame (pyarrow pickles it)

    def __repr__(self) -> str:  # never the key ring's contents, even in a debugger
        return f"_Job(token={self.token!r}, record_type={self.record_type.__name__})"


class _Task:
    """The function `mapInArrow` runs on each partition: named for plans and job pages."""

    def __init__(self, name: str, job: _Job) -> None:
        self.__name__ = name  # what Spark shows in plans: no key, no value
        self.job = job

    def __repr__(self) -> str:
        return self.__name__

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        if self.job.policy is None:
            return _validate_batches(self.job, batches)
        return _apply_batches(self.job, batches)


# --- the workers ----------------------------------------------------------------------

# A worker's state, safe under threads: both are read and written under _LOCK only.
_LOCK: Final = threading.RLock()
_BOUND: collections.OrderedDict[str, BoundPolicy] = collections.OrderedDict()  # run -> bound
_SOURCES: dict[str, KeyRing] = {}  # key source -> its key ring, for the process's life


def _checked_keys(keys: object) -> KeyRing | str | None:
    if keys is None or isinstance(keys, KeyRing):
        return keys
    if isinstance(keys, str):
        if _SOURCE.match(keys):
            return keys
        # The string is not shown: a key pasted by mistake would be.
        msg = (
            "keys: a string must name a key source as 'module:factory', an importable "
            "function returning a custdata.KeyRing; this one does not (not shown: it may be a key)"
        )
        raise ValueError(msg)
    msg = (
        "keys must be a custdata.KeyRing or a key source 'module:factory', "
        f"not {type(keys).__name__}"
    )
    raise TypeError(msg)


def _resolve(source: str) -> KeyRing:
    """The key ring of a key source, made once per process."""
    with _LOCK:
        ring = _SOURCES.get(source)
        if ring is None:
            ring = _SOURCES[source] = _load_source(source)
        return ring


def _load_source(source: str) -> KeyRing:
    module_name, _, attribute = source.partition(":")
    try:
        target: object = importlib.import_module(module_name)
    except ImportError as error:
        error.add_note(f"custdata: while importing the key source {source!r} (keys=)")
        raise
    for name in attribute.split("."):
        if not hasattr(target, name):
            msg = f"keys: the key source {source!r} names nothing: {module_name} has no {attribute}"
            raise KeyRingError(msg)
        target = getattr(target, name)
    if not callable(target):
        msg = f"keys: the key source {source!r} is not a function"
        raise KeyRingError(msg)
    try:
        ring = target()
    except Exception as error:
        error.add_note(f"custdata: while calling the key source {source!r} (keys=)")
        raise
    if not isinstance(ring, KeyRing):
        msg = (
            f"keys: the key source {source!r} returned {type(ring).__name__}, "
            "not a custdata.KeyRing"
        )
        raise KeyRingError(msg)
    return ring


def _bound_for(job: _Job) -> BoundPolicy:
    """The run's bound policy in this worker: bound by its first task, kept for the others."""
    with _LOCK:
        bound = _BOUND.get(job.token)
        if bound is not None:
            _BOUND.move_to_end(job.token)
            return bound
        keys = _resolve(job.keys) if isinstance(job.keys, str) else job.keys
        assert job.policy is not None  # noqa: S101  # a policy run
        bound = job.policy.bind(keys=keys, **job.options)
        _BOUND[job.token] = bound
        while len(_BOUND) > _MAX_BOUND:
            _BOUND.popitem(last=False)
        return bound


class _Parts:
    """Record batches of the combined frame: rows, issues named by id, counts."""

    def __init__(self, pa: Any, job: _Job) -> None:
        self.pa = pa
        self.schema = job.schema
        self.outputs = job.outputs
        self.id_type = job.schema.field("_id").type

    def _batch(self, part: int, rows: int, columns: Mapping[str, Any]) -> Any:
        pa = self.pa
        arrays = []
        for field in self.schema:
            if field.name == "_part":
                arrays.append(pa.repeat(pa.scalar(part, pa.int8()), rows))
                continue
            array = columns.get(field.name)
            if array is None:
                arrays.append(pa.nulls(rows, field.type))
            elif array.type != field.type:
                arrays.append(array.cast(field.type))
            else:
                arrays.append(array)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def rows(self, frame: Any) -> Any:
        columns = {f"_o{i}": frame.column(name) for i, name in enumerate(self.outputs)}
        return self._batch(_ROW, frame.num_rows, columns)

    def issues(self, issues: Any, ids: Any, start: int) -> Any:
        import pyarrow.compute as pc

        positions = pc.subtract(issues.column("index"), start)
        columns = {"_id": ids.take(positions)}
        for name in _ISSUE_COLUMNS:
            columns[f"_{name}"] = issues.column(name)
        return self._batch(_ISSUE, issues.num_rows, columns)

    def counts(self, counts: Sequence[tuple[str, str | None, str | None, int]]) -> Any:
        pa = self.pa
        columns = {
            "_counter": pa.array([c[0] for c in counts], pa.string()),
            "_field": pa.array([c[1] for c in counts], pa.string()),
            "_key": pa.array([c[2] for c in counts], pa.string()),
            "_count": pa.array([c[3] for c in counts], pa.int64()),
        }
        return self._batch(_COUNT, len(counts), columns)


def _named(pa: Any, job: _Job, batches: Iterable[Any], ids: list[Any]) -> Iterator[Any]:
    """Each batch with the input's own column names; its id column noted in ``ids``."""
    for batch in batches:
        ids.append(batch.column(job.id_position))
        arrays, names = list(batch.columns), list(job.names)
        if job.drop_id:
            del arrays[job.id_position], names[job.id_position]
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _apply_batches(job: _Job, batches: Iterator[Any]) -> Iterator[Any]:
    pa = _pyarrow()
    bound = _bound_for(job)
    parts = _Parts(pa, job)
    ids: list[Any] = []
    run = apply_frames(bound, _named(pa, job, batches, ids), tz=job.tz)
    start = 0
    for result in run:
        batch_ids = ids.pop(0)
        if result.written:
            yield parts.rows(result.frame)
        if result.rejects.num_rows:
            yield parts.issues(result.rejects, batch_ids, start)
        start += result.rows
    yield parts.counts(_audit_counts(run.audit))


def _audit_counts(audit: Audit) -> list[tuple[str, str | None, str | None, int]]:
    """A partition's audit as (counter, field, code, count) rows, summed on the driver."""
    counts: list[tuple[str, str | None, str | None, int]] = [
        ("read", None, None, audit.rows_read),
        ("written", None, None, audit.rows_written),
        ("rejected", None, None, audit.rows_rejected),
    ]
    for path, field in audit.fields.items():
        counts.append(("values", path, None, field.values))
        counts.append(("empty", path, None, field.empty))
    for path, codes in audit.invalid.items():
        counts.extend(("invalid", path, code, n) for code, n in codes.items())
    counts.extend(("reject_code", None, code, n) for code, n in audit.rejects.items())
    for path, codes in audit.rejects_by_field.items():
        counts.extend(("reject_field", path, code, n) for code, n in codes.items())
    counts.extend(("not_passed", name, None, n) for name, n in audit.columns_not_passed.items())
    counts.extend(("key_id", key_id, None, 0) for key_id in audit.key_ids)
    return counts


def _validate_batches(job: _Job, batches: Iterator[Any]) -> Iterator[Any]:
    pa = _pyarrow()
    parts = _Parts(pa, job)
    ids: list[Any] = []
    rows = valid = 0
    results = validate_frames(
        _named(pa, job, batches, ids), job.record_type, tz=job.tz, **job.options
    )
    start = 0
    for result in results:
        batch_ids = ids.pop(0)
        if result.valid:
            yield parts.rows(result.frame)
        if result.issues.num_rows:
            yield parts.issues(result.issues, batch_ids, start)
        start += result.rows
        rows += result.rows
        valid += result.valid
    yield parts.counts(
        [
            ("rows", None, None, rows),
            ("valid", None, None, valid),
            ("rejected", None, None, rows - valid),
        ]
    )


# --- the driver ---------------------------------------------------------------------


def _check_frame(spark_df: object) -> Any:
    if not callable(getattr(spark_df, "mapInArrow", None)) or not hasattr(spark_df, "schema"):
        msg = f"expected a Spark DataFrame, got {type(spark_df).__name__}"
        raise TypeError(msg)
    return spark_df


def _id_position(spark_df: Any, id_column: object) -> int:
    if not isinstance(id_column, str):
        msg = f"id_column must be the name of a column, not {type(id_column).__name__}"
        raise TypeError(msg)
    names = list(spark_df.columns)
    if names.count(id_column) != 1:
        problem = "is given twice" if id_column in names else "is not a column of the DataFrame"
        msg = f"id_column {id_column!r} {problem}"
        raise ValueError(msg)
    if id_column in _ISSUE_COLUMNS:
        msg = f"id_column {id_column!r} is the name of a column of the issues: rename it first"
        raise ValueError(msg)
    return names.index(id_column)


def _layout(pa: Any, id_type: Any, outputs: Any) -> Any:
    """The Arrow schema of the frame a run's workers give back: every part's columns."""
    fields = [pa.field("_part", pa.int8())]
    fields += [pa.field(f"_o{i}", _plain(pa, field.type)) for i, field in enumerate(outputs)]
    fields.append(pa.field("_id", id_type))
    fields += [pa.field(f"_{name}", pa.string()) for name in _ISSUE_COLUMNS]
    fields += [pa.field(name, pa.string()) for name in ("_counter", "_field", "_key")]
    fields.append(pa.field("_count", pa.int64()))
    return pa.schema(fields)


def _combined(
    pa: Any, types: Any, spark_df: Any, *, id_position: int, id_column: str, outputs: Any
) -> tuple[Any, Any]:
    """The Arrow and Spark schemas of the combined frame (`_layout`) of ``spark_df``'s run."""
    id_type = _id_arrow_type(types, pa, spark_df.schema.fields[id_position].dataType, id_column)
    schema = _layout(pa, id_type, outputs)
    spark = types.StructType(
        [types.StructField(f.name, _spark_type(types, pa, f.type), True) for f in schema]
    )
    return schema, spark


def _map(spark_df: Any, name: str, job: _Job, spark_schema: Any) -> Any:
    """
    The combined frame: ``spark_df`` through the workers.

    Columns are renamed by position first: Spark reads a dotted name
    (``address.city``) as a field of a struct, and the workers give the names back.
    """
    safe = spark_df.toDF(*[f"_c{i}" for i in range(len(job.names))])
    with warnings.catch_warnings():
        # mapInArrow checks the pandas version, which the Arrow path never uses.
        warnings.filterwarnings(
            "ignore", "PySpark does not yet fully support pandas", FutureWarning
        )
        return safe.mapInArrow(_Task(name, job), spark_schema)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _part(combined: Any, part: int, columns: Sequence[str], names: Sequence[str]) -> Any:
    from pyspark.sql import functions

    chosen = combined.where(functions.col("_part") == part)
    return chosen.select(*[functions.col(_quoted(c)) for c in columns]).toDF(*names)


def _count_rows(combined: Any) -> list[Any]:
    """One Spark aggregation: each counter summed over every partition."""
    from pyspark.sql import functions

    counts = combined.where(functions.col("_part") == _COUNT)
    grouped = counts.groupBy("_counter", "_field", "_key")
    return list(grouped.agg(functions.sum("_count").alias("n")).collect())


@attrs.frozen(kw_only=True)
class ValidationCounts:
    """
    Rows counted by `SparkValidation.counts`.

    Attributes:
        rows: Rows read.
        valid: Rows in the validated frame.
        rejected: Rows with an error: ``rows == valid + rejected``.
    """

    rows: int
    valid: int
    rejected: int


class SparkResult:
    """
    What `apply_spark` gives: the protected DataFrame, its rejects and, on demand, the audit.

    Both DataFrames are lazy: each Spark action on them runs the policy on
    the rows it needs. `persist` keeps the run's output, so that writing the
    frame, the rejects and computing the audit run the policy once.

    Attributes:
        frame: The protected rows: the policy's output columns
            (`BoundPolicy.output_columns`, dotted names as they are), each
            typed from its rule's output type as `apply_frame` gives them, an
            enum as text. Each partition's rows in their input order.
        rejects: One row per issue of each rejected row: the row's value of
            ``id_column`` (under that name), ``path``, ``code``, ``severity``
            and ``message``; never another value.
    """

    def __init__(
        self,
        combined: Any,
        bound: BoundPolicy,
        outputs: Sequence[str],
        id_column: str,
        *,
        ids_from_workers: bool,
    ) -> None:
        self._combined = combined
        self._bound = bound
        self._ids_from_workers = ids_from_workers
        self.frame: Any = _part(combined, _ROW, [f"_o{i}" for i in range(len(outputs))], outputs)
        self.rejects: Any = _part(
            combined,
            _ISSUE,
            ["_id", *(f"_{name}" for name in _ISSUE_COLUMNS)],
            [id_column, *_ISSUE_COLUMNS],
        )

    def __repr__(self) -> str:
        return f"SparkResult(policy={self._bound.policy.name!r})"

    def audit(self) -> Audit:
        """
        The run's `custdata.policy.Audit`, as `apply_frame` gives it for the same rows.

        Runs one Spark job: the policy over every partition (unless the result
        is persisted), and one aggregation of each partition's counts.
        Counts reconcile: ``rows_read == rows_written + rows_rejected``.
        With a key source, ``key_ids`` are those the workers' key rings used.

        Returns:
            The audit, without start and end times (`Audit.with_times`).
        """
        counts = _Counts()
        key_ids: set[str] = set()
        scalars = {"read", "written", "rejected"}
        for row in _count_rows(self._combined):
            counter, field, code, n = row["_counter"], row["_field"], row["_key"], int(row["n"])
            if counter in scalars:
                setattr(counts, counter, getattr(counts, counter) + n)
            elif counter == "values":
                counts.values[field] += n
            elif counter == "empty":
                counts.empty[field] += n
            elif counter == "invalid":
                counts.invalid[field][code] += n
            elif counter == "reject_code":
                counts.reject_codes[code] += n
            elif counter == "reject_field":
                counts.reject_fields[field][code] += n
            elif counter == "not_passed":
                counts.not_passed[field] += n
            elif counter == "key_id":
                key_ids.add(field)
        audit = self._bound._audit(counts)
        if self._ids_from_workers:
            audit = attrs.evolve(audit, key_ids=tuple(sorted(key_ids)))
        return audit

    def persist(self, storage_level: Any = None) -> SparkResult:
        """
        Keep the run's output (protected rows, rejects and counts) once computed.

        Then writing `frame`, `rejects` and `audit` run the policy once, not
        three times. What is kept holds no key: protected values, ids and counts.

        Args:
            storage_level: A `pyspark.StorageLevel`; Spark's default for DataFrames if None.

        Returns:
            This result.
        """
        if storage_level is None:
            self._combined.persist()
        else:
            self._combined.persist(storage_level)
        return self

    def unpersist(self) -> SparkResult:
        """
        Drop what `persist` kept.

        Returns:
            This result.
        """
        self._combined.unpersist()
        return self


def apply_spark(
    policy: Policy,
    spark_df: Any,
    *,
    keys: KeyRing | str | None,
    id_column: str,
    today: dt.date | None = None,
    region: str = "FR",
    normalise: bool = True,
    reject_invalid: bool = False,
    validate: bool = True,
    tz: TimeZone | None = None,
) -> SparkResult:
    """
    Protect every row of a Spark DataFrame with a policy: the cells `apply_frame` gives.

    Each partition's record batches go through `mapInArrow` to a Python
    worker, which binds the policy once (with the options of `Policy.bind`)
    and protects them on the Arrow path of `apply_frames`. Nothing runs until
    a Spark action (a write, a count, `SparkResult.audit`).

    The DataFrame's columns are those of the policy's record type, flat
    (``address.postal_code``) or as structs, typed or as text, as
    `apply_frame` reads them; the id column too, when it is not a field, is
    never released and is counted in the audit's ``columns_not_passed``.

    Example:
        >>> result = apply_spark(policy, df, keys=ring, id_column="contact_id")  # doctest: +SKIP
        >>> result.frame.write.parquet("protected/")  # doctest: +SKIP
        >>> result.rejects.write.parquet("rejects/")  # doctest: +SKIP
        >>> audit = result.audit()  # doctest: +SKIP

    Args:
        policy: The policy (`custdata.Policy`), not yet bound.
        spark_df: A Spark DataFrame (`pyspark.sql.DataFrame`).
        keys: A `custdata.KeyRing`, pickled into each task; or a key source
            ``"module:factory"`` naming a function, importable on the
            executors, that returns one: each Python worker calls it once.
            ``None`` for a policy without keyed rule.
        id_column: The column whose value names each reject's row.
        today: As in `Policy.bind`.
        region: As in `Policy.bind`.
        normalise: As in `Policy.bind`.
        reject_invalid: As in `Policy.bind`.
        validate: As in `Policy.bind`.
        tz: The time zone of date-times without an offset.

    Returns:
        A `SparkResult`.

    Raises:
        TypeError: If ``policy`` is not a `custdata.Policy`, ``spark_df`` not a
            DataFrame, or ``keys`` neither a key ring nor a string.
        ValueError: If ``keys`` is a string that is not ``"module:factory"``,
            ``id_column`` is not a column of an atomic type, or an option of
            `Policy.bind` is refused.
        custdata.PolicyError: If the policy cannot be bound (a keyed rule
            without keys, a dated rule without ``today``).
        MissingDependencyError: If pyspark or pyarrow is not installed (extra ``spark``).
    """
    types = _spark_types()
    pa = _pyarrow()
    if not isinstance(cast(object, policy), Policy):
        msg = f"expected a custdata.Policy, got {type(policy).__name__}"
        raise TypeError(msg)
    spark_df = _check_frame(spark_df)
    checked = _checked_keys(keys)
    options: dict[str, Any] = {
        "today": today,
        "region": region,
        "normalise": normalise,
        "reject_invalid": reject_invalid,
        "validate": validate,
    }
    # With a key source, the driver never holds the keys: it binds with throwaway
    # ones, for the checks and the output columns' types, which keys do not change.
    driver_keys = KeyRing.generate(key_id="driver") if isinstance(checked, str) else checked
    bound = policy.bind(keys=driver_keys, **options)
    check_tz(tz)  # refuses a bad time zone now
    position = _id_position(spark_df, id_column)
    outputs = output_schema(pa, bound, flat_specs(policy.record_class))
    schema, spark_schema = _combined(
        pa, types, spark_df, id_position=position, id_column=id_column, outputs=outputs
    )
    job = _Job(
        token=secrets.token_hex(16),
        policy=policy,
        record_type=policy.record_class,
        keys=checked,
        options=options,
        tz=tz,
        names=tuple(spark_df.columns),
        id_position=position,
        drop_id=False,
        outputs=tuple(outputs.names),
        schema=schema,
    )
    combined = _map(spark_df, "custdata_apply", job, spark_schema)
    return SparkResult(
        combined, bound, job.outputs, id_column, ids_from_workers=isinstance(checked, str)
    )


class SparkValidation:
    """
    What `validate_spark` gives: the valid rows, every issue and, on demand, the counts.

    Attributes:
        frame: The rows without errors, normalised (when asked), in the typed
            schema (`custdata.frames.arrow_schema`), an enum as text.
        issues: One row per issue, errors and warnings of every row: the row's
            value of ``id_column`` (under that name), ``path``, ``code``,
            ``severity`` and ``message``; never another value.
    """

    def __init__(self, combined: Any, record_type: type, id_column: str) -> None:
        self._combined = combined
        names = list(arrow_schema(record_type).names)
        self.frame: Any = _part(combined, _ROW, [f"_o{i}" for i in range(len(names))], names)
        self.issues: Any = _part(
            combined,
            _ISSUE,
            ["_id", *(f"_{name}" for name in _ISSUE_COLUMNS)],
            [id_column, *_ISSUE_COLUMNS],
        )

    def counts(self) -> ValidationCounts:
        """
        Rows read, valid and rejected: one Spark job (the validation over every partition).

        Returns:
            The counts: ``rows == valid + rejected``.
        """
        found = {row["_counter"]: int(row["n"]) for row in _count_rows(self._combined)}
        return ValidationCounts(
            rows=found.get("rows", 0),
            valid=found.get("valid", 0),
            rejected=found.get("rejected", 0),
        )


def validate_spark(
    spark_df: Any,
    record_type: type,
    *,
    id_column: str,
    region: str = "FR",
    today: dt.date | None = None,
    normalise: bool = True,
    lowercase_local_part: bool = True,
    tz: TimeZone | None = None,
) -> SparkValidation:
    """
    Validate every row of a Spark DataFrame: the issues `validate_frame` gives, named by id.

    Each partition's record batches go through `mapInArrow` to a Python
    worker and `validate_frames`. The id column, when it is not a field of
    ``record_type``, is left out of the validated rows.

    Example:
        >>> checked = validate_spark(df, Contact, id_column="contact_id")  # doctest: +SKIP
        >>> checked.issues.where("severity = 'error'").count()  # doctest: +SKIP

    Args:
        spark_df: A Spark DataFrame of ``record_type``'s columns.
        record_type: The record class of each row.
        id_column: The column whose value names each issue's row.
        region: As in `validate_frame`.
        today: As in `validate_frame`.
        normalise: As in `validate_frame`.
        lowercase_local_part: As in `validate_frame`.
        tz: As in `validate_frame`.

    Returns:
        A `SparkValidation`.

    Raises:
        TypeError: If ``spark_df`` is not a DataFrame or ``record_type`` no record class.
        ValueError: If ``id_column`` is not a column of an atomic type.
        MissingDependencyError: If pyspark or pyarrow is not installed (extra ``spark``).
    """
    types = _spark_types()
    pa = _pyarrow()
    spark_df = _check_frame(spark_df)
    schema_of = arrow_schema(record_type)  # refuses what is not a record class
    BatchValidator(region=region, today=today)  # refuses an unknown region now
    check_tz(tz)
    position = _id_position(spark_df, id_column)
    options: dict[str, Any] = {
        "region": region,
        "today": today,
        "normalise": normalise,
        "lowercase_local_part": lowercase_local_part,
    }
    schema, spark_schema = _combined(
        pa, types, spark_df, id_position=position, id_column=id_column, outputs=schema_of
    )
    job = _Job(
        token=secrets.token_hex(16),
        policy=None,
        record_type=record_type,
        keys=None,
        options=options,
        tz=tz,
        names=tuple(spark_df.columns),
        id_position=position,
        drop_id=id_column not in flat_specs(record_type),
        outputs=tuple(schema_of.names),
        schema=schema,
    )
    combined = _map(spark_df, "custdata_validate", job, spark_schema)
    return SparkValidation(combined, record_type, id_column)
