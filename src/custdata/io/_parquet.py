"""
Parquet reading and writing with pyarrow, row group by row group.

Files custdata writes use the typed schema of `custdata.frames.arrow_schema`
(dates ``date32``, date-times ``timestamp[us, UTC]`` each with its
``.offset_minutes`` column, amounts ``decimal128(18, 4)``, enums dictionary
strings, lists ``list<string>``, a purchase's lines ``list<struct>``); reading
accepts those, the files of other tools (pandas, polars, Spark) and the
all-string files of custdata before 0.x alike.

The format's entry is `PARQUET`; pyarrow is imported on first use, not with this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from custdata.errors import InputError, Issue, MissingDependencyError, UsageError, ValidationError
from custdata.io._base import (
    FileFormat,
    Reader,
    ReadOptions,
    Shaper,
    WriteOptions,
    Writer,
    open_binary,
    open_sink,
    seekable,
    shown_name,
)
from custdata.model._codec import FieldSpec, flat_specs
from custdata.model._rows import Row, sized_row

if TYPE_CHECKING:
    import pyarrow as pa

    from custdata.io._arrow_cells import Convert, Unfit

__all__ = ["PARQUET", "PARQUET_TYPES", "ParquetWriter", "UnwritableValuesError", "column_types"]

_DECIMAL: Final = "decimal128(18, 4)"
_TIMESTAMP: Final = "timestamp[us, UTC]"
_LIST_OF_RECORDS: Final = "list<struct>"

PARQUET_TYPES: Final = (
    "string",
    "int64",
    "bool",
    _DECIMAL,
    "date32",
    _TIMESTAMP,
    "dictionary<string>",
    "list<string>",
    _LIST_OF_RECORDS,
)
"""The Parquet column types custdata writes, by the names `column_types` gives them."""

_KIND_TYPES: Final = {
    "str": "string",
    "int": "int64",
    "bool": "bool",
    "decimal": _DECIMAL,
    "date": "date32",
    "datetime": _TIMESTAMP,
    "enum": "dictionary<string>",
}


_OUTPUT_TYPES: Final[Mapping[type, str]] = {
    str: "string",
    int: "int64",
    bool: "bool",
    Decimal: _DECIMAL,
    dt.date: "date32",
    dt.datetime: _TIMESTAMP,
    list: "list<string>",
}

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_UTC_NAMES: Final = frozenset({"UTC", "Etc/UTC", "+00:00", "Z"})
"""Time zones of an Arrow timestamp type that are UTC itself."""

_READ_BUFFER: Final = 1 << 16
"""Bytes of a column chunk read at a time (per column): a big row group is not read whole first."""


def _pyarrow() -> typing.Any:  # the module, typed at its use sites
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        msg = "pyarrow"
        raise MissingDependencyError(msg, "arrow") from None
    return pyarrow


def _field_type(spec: FieldSpec) -> str:
    if spec.kind == "list":
        return _LIST_OF_RECORDS if spec.item_kind == "record" else "list<string>"
    return _KIND_TYPES[spec.kind]


def column_types(
    record_type: type, output_types: Mapping[str, type] | None = None
) -> dict[str, str]:
    """
    Return the Parquet type of each flat column of a record type, as custdata writes it.

    The types of `custdata.frames.arrow_schema`: strings ``string``, integers
    ``int64``, booleans ``bool``, amounts ``decimal128(18, 4)``, dates
    ``date32``, date-times ``timestamp[us, UTC]`` (written with their
    ``<column>.offset_minutes`` column), enums ``dictionary<string>``, lists of
    strings or enums ``list<string>``, lists of records (a purchase's lines)
    ``list<struct>``.

    With ``output_types`` (a protected row's `custdata.policy.BoundPolicy.output_types`),
    the columns are those, each of its field's type when the rule keeps the
    field's own type, else of the rule's output type (``string`` for an age
    band where the field was a date); a type with no Parquet type is ``string``.

    Args:
        record_type: A record class.
        output_types: Output column -> the Python type of its values, if the
            columns are a policy's protected rows.

    Returns:
        Dotted column name -> one of `PARQUET_TYPES`.
    """
    from custdata.policy._bound import KIND_TYPES  # the policy layer loads only for policies

    specs = flat_specs(record_type)
    if output_types is None:
        return {path: _field_type(spec) for path, spec in specs.items()}
    types: dict[str, str] = {}
    for column, output in output_types.items():
        spec = specs.get(column)
        if spec is not None and output is KIND_TYPES.get(spec.kind):
            types[column] = _field_type(spec)
        else:
            types[column] = _OUTPUT_TYPES.get(output, "string")
    return types


_record_column_types: Final = column_types  # reachable where a parameter shadows the name


def _flat_names(fields: Iterable[typing.Any], prefix: str = "") -> list[str]:
    pa = _pyarrow()
    names: list[str] = []
    for field in fields:
        if pa.types.is_struct(field.type):
            names.extend(_flat_names(field.type, f"{prefix}{field.name}."))
        else:
            names.append(f"{prefix}{field.name}")
    return names


def _flat_types(fields: Iterable[typing.Any], prefix: str = "") -> dict[str, str]:
    """Return the custdata Parquet type of each integer or boolean column, by dotted name."""
    pa = _pyarrow()
    types: dict[str, str] = {}
    for field in fields:
        name = f"{prefix}{field.name}"
        if pa.types.is_struct(field.type):
            types.update(_flat_types(field.type, f"{name}."))
        elif pa.types.is_integer(field.type):
            types[name] = "int64"
        elif pa.types.is_boolean(field.type):
            types[name] = "bool"
    return types


def _unreadable(path: Path) -> InputError:
    # pyarrow's own messages are about structure, but are not shown: they may quote bytes.
    return InputError(
        f"not a readable Parquet file (truncated, damaged or another format): {shown_name(path)}"
    )


def _arrow_cells() -> typing.Any:  # the module, loaded with pyarrow: only Parquet needs it
    from custdata.io import _arrow_cells

    return _arrow_cells


def _offset_columns(pa: typing.Any, schema: typing.Any) -> dict[str, str]:
    """
    The date-time columns that have an offset column beside them: timestamp -> its offset column.

    Only an integer ``<column>.offset_minutes`` beside a timestamp ``<column>``
    counts; any other column of that name is an ordinary column.
    """
    from custdata.frames import OFFSET_SUFFIX  # no pyarrow: frames loads it inside its functions

    types = {field.name: field.type for field in schema}
    pairs: dict[str, str] = {}
    for name, arrow_type in types.items():
        base = name[: -len(OFFSET_SUFFIX)]
        if (
            name.endswith(OFFSET_SUFFIX)
            and pa.types.is_integer(arrow_type)
            and base in types
            and pa.types.is_timestamp(types[base])
        ):
            pairs[base] = name
    return pairs


def _read(options: ReadOptions, shaper: Shaper) -> Reader:
    """
    Open a Parquet input (the `FileFormat.read` of `PARQUET`).

    A pipe or standard input is first copied to a private temporary file,
    since Parquet keeps its index at the end; the copy goes when the reader closes.
    """
    path = options.path
    pa = _pyarrow()
    stream, close_stream = open_binary(path)
    closers = [close_stream]

    def close() -> None:
        for closer in reversed(closers):
            closer()

    try:
        binary, close_copy = seekable(stream)
        closers.append(close_copy)
        try:
            # No pre-buffering and a bounded buffer: otherwise a whole row group's
            # bytes (a single-group file: all of it) are read before the first batch.
            parquet = pa.parquet.ParquetFile(binary, pre_buffer=False, buffer_size=_READ_BUFFER)
            schema = parquet.schema_arrow
            offsets = _offset_columns(pa, schema)
            folded = frozenset(offsets.values())
            names = [name for name in _flat_names(schema) if name not in folded]
            types = _flat_types(schema) if shaper.keep_extra else {}
            total = int(parquet.metadata.num_rows)
        except (pa.ArrowException, OSError, ValueError):
            raise _unreadable(path) from None
        kept = shaper.plan_header(names, shaped=True)
    except BaseException:
        close()
        raise
    return Reader(
        path=path,
        format="parquet",
        batches=_batches(path, parquet, shaper, options.batch_size, offsets),
        close=close,
        shaper=shaper,
        columns=tuple(name for _, name in kept),
        total_rows=total,
        extra_types={name: types[name] for name in shaper.extra_names if name in types},
    )


def _python_ready(pa: typing.Any, record_batch: typing.Any) -> tuple[typing.Any, list[str]]:
    """
    The batch, ready for `to_pylist`, and its columns of UTC timestamps.

    Nanosecond timestamps (pandas') are cut to the microsecond, as Python holds
    them. UTC timestamps (custdata's own) are given as integer microseconds, made
    into date-times by `_utc_moments`: pyarrow's conversion of zoned timestamps
    would import pandas, when installed, for tens of megabytes. Other columns
    are kept as they are, without a copy.
    """
    arrays = list(record_batch.columns)
    utc: list[str] = []
    changed = False
    for index, (name, array) in enumerate(zip(record_batch.schema.names, arrays, strict=True)):
        if not pa.types.is_timestamp(array.type):
            continue
        zone = array.type.tz
        if array.type.unit != "us":
            array = array.cast(pa.timestamp("us", tz=zone), safe=array.type.unit != "ns")  # noqa: PLW2901  # the cut one
            changed = True
        if zone in _UTC_NAMES:
            array = array.cast(pa.int64())  # noqa: PLW2901  # the same values, as integers
            utc.append(name)
            changed = True
        arrays[index] = array
    if not changed:
        return record_batch, utc
    return pa.RecordBatch.from_arrays(arrays, names=record_batch.schema.names), utc


def _utc_moments(data: dict[str, object], columns: Sequence[str]) -> None:
    """Turn the integer microseconds of `_python_ready`'s UTC columns into date-times in UTC."""
    for name in columns:
        micros = data.get(name)
        if isinstance(micros, int):
            with contextlib.suppress(OverflowError):  # beyond year 9999: read as wrong_type
                data[name] = _EPOCH + dt.timedelta(microseconds=micros)


def _fold_offsets(
    data: dict[str, object],
    offsets: Mapping[str, str],
    fold: Callable[[object, object], tuple[object, bool]],
) -> list[Issue]:
    """Put each date-time of a row back in its own offset with ``fold``; drop the offset columns."""
    issues: list[Issue] = []
    for column, offset_column in offsets.items():
        minutes = data.pop(offset_column, None)
        data[column], valid = fold(data.get(column), minutes)
        if not valid:
            issues.append(
                Issue(
                    path=offset_column,
                    code="invalid_offset",
                    message="expected a UTC offset in whole minutes, less than a day either way",
                )
            )
    return issues


def _batches(
    path: Path,
    parquet: typing.Any,
    shaper: Shaper,
    batch_size: int,
    offsets: Mapping[str, str],
) -> Iterator[list[Row]]:
    pa = _pyarrow()
    fold = _arrow_cells().fold_offset
    number = 0
    # One thread: the rows are made one batch at a time anyway, and Arrow's
    # reading threads each keep buffers of their own (docs/performance.md).
    batches = parquet.iter_batches(batch_size=batch_size, use_threads=False)
    while True:
        try:
            record_batch = next(batches, None)
            if record_batch is None:
                return
            ready, utc = _python_ready(pa, record_batch)
            values = ready.to_pylist()
            del ready
        except (pa.ArrowException, OSError, ValueError):
            raise _unreadable(path) from None
        del record_batch  # its Arrow buffers go before the rows are used
        rows: list[Row] = []
        for data in values:
            number += 1
            if utc:
                _utc_moments(data, utc)
            found = _fold_offsets(data, offsets, fold) if offsets else []
            shaped, issues, extra = shaper.split(data)
            rows.append(sized_row(number, shaped, [*found, *issues], extra))
        del values
        yield rows


class UnwritableValuesError(ValidationError, UsageError):
    """
    Values a typed Parquet column cannot hold as they are: none of their row group was written.

    A `custdata.ValidationError` listing each value at ``[index].column``; also a
    `custdata.UsageError`, since another output format holds them (the command
    line exits 2 and leaves no output).
    """


def _getter(path: str) -> Callable[[object], object]:
    """Reads a dotted column of a record: None when a record on the way is None."""
    names = path.split(".")

    def get(record: object) -> object:
        value = record
        for name in names:
            if value is None:
                return None
            value = getattr(value, name)
        return value

    return get


class ParquetWriter(Writer):
    """
    A Parquet output, written one row group at a time.

    Columns are typed from the record type (see `column_types`), unless
    ``column_types`` says otherwise; other columns are ``string``. A
    ``timestamp[us, UTC]`` column is followed in the file by its
    ``<column>.offset_minutes`` column (``int16``): each value's UTC offset.

    A typed column takes the model's values (`datetime.date`, `decimal.Decimal`,
    enum members, tuples, records) and their flat text forms (ISO 8601 dates,
    ``|``-joined lists, lines as a JSON array or `custdata.model.to_dict` dicts);
    a ``string`` column holds exactly the CSV text. Nothing is rounded: a value a
    column cannot hold (an amount with more than 4 decimal places, a date-time
    without an offset) raises `custdata.ValidationError` (an `UnwritableValuesError`)
    and nothing of its row group is written.

    Args:
        path: The final path, or ``-`` for standard output.
        columns: The dotted columns, in order.
        record_type: Gives the column types (see `column_types`).
        row_group_size: Rows per row group.
        column_types: Type per column (one of `PARQUET_TYPES`), overriding the
            record type's; ``string`` otherwise.

    Raises:
        MissingDependencyError: Without pyarrow (extra ``arrow``).
        UsageError: For an unknown column type, a ``list<struct>`` column that is
            not a list of records of the record type, an offset column named
            twice, or a directory that does not exist.
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        record_type: type | None = None,
        row_group_size: int = 10_000,
        column_types: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(path, "parquet", columns)
        self._pa = _pyarrow()
        cells = _arrow_cells()
        self._text = cells.text
        self._offset_minutes = cells.offset_minutes
        self._unfit: type[Unfit] = cells.Unfit
        self._record_type = record_type
        types = _record_column_types(record_type) if record_type is not None else {}
        types.update(column_types or {})
        unknown = sorted({kind for kind in types.values() if kind not in PARQUET_TYPES})
        if unknown:
            raise UsageError(f"unknown Parquet column types: {unknown}; use {PARQUET_TYPES}")
        kinds = [types.get(column, "string") for column in self.columns]
        fields = self._fields(kinds)
        self._schema: pa.Schema = self._pa.schema(fields)
        # Per column: its slot in the schema, its converter, whether an offset column follows.
        self._plan: list[tuple[str, int, Convert | None, bool]] = []
        slot = 0
        for column, kind in zip(self.columns, kinds, strict=True):
            timed = kind == _TIMESTAMP
            convert = (
                None if kind == "string" else cells.cell_converter(self._pa, fields[slot].type)
            )
            self._plan.append((column, slot, convert, timed))
            slot += 2 if timed else 1
        self._getters = (
            {column: _getter(column) for column in flat_specs(record_type)}
            if record_type is not None
            else {}
        )
        self._row_group_size = max(1, row_group_size)
        self._buffer: list[list[object]] = [[] for _ in fields]
        self._buffered = 0
        self._sink = open_sink(path)
        self._file: IO[bytes] = self._sink.file
        try:
            self._writer = self._pa.parquet.ParquetWriter(self._file, self._schema)
        except BaseException:
            self._sink.abort()
            raise

    def _fields(self, kinds: Sequence[str]) -> list[typing.Any]:
        """The file's fields: one per column, and an offset column after each date-time."""
        from custdata.frames import OFFSET_SUFFIX

        pa = self._pa
        simple = {
            "string": pa.string(),
            "int64": pa.int64(),
            "bool": pa.bool_(),
            _DECIMAL: pa.decimal128(18, 4),
            "date32": pa.date32(),
            _TIMESTAMP: pa.timestamp("us", tz="UTC"),
            "dictionary<string>": pa.dictionary(pa.int32(), pa.string()),
            "list<string>": pa.list_(pa.string()),
        }
        record_schema = None
        fields: list[typing.Any] = []
        for column, kind in zip(self.columns, kinds, strict=True):
            if kind == _LIST_OF_RECORDS:
                spec = flat_specs(self._record_type).get(column) if self._record_type else None
                if spec is None or spec.item_record is None:
                    raise UsageError(
                        f"the Parquet type list<struct> is for a list of records of the record "
                        f"type written, and {column[:64]!r} is not one"
                    )
                if record_schema is None:
                    from custdata.frames import arrow_schema

                    record_schema = arrow_schema(typing.cast("type", self._record_type))
                fields.append(pa.field(column, record_schema.field(column).type))
                continue
            fields.append(pa.field(column, simple[kind]))
            if kind == _TIMESTAMP:
                fields.append(pa.field(column + OFFSET_SUFFIX, pa.int16()))
        names = [field.name for field in fields]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise UsageError(
                f"Parquet columns named twice (a date-time's offset column is written "
                f"beside it): {twice[:5]}"
            )
        return fields

    def write_records(
        self,
        records: Iterable[object],
        extras: Iterable[Mapping[str, object]] | None = None,
    ) -> None:  # documented on Writer
        if self._record_type is None:
            super().write_records(records, extras)
            return
        getters = self._getters

        def rows() -> Iterator[Mapping[str, object]]:
            if extras is None:
                for record in records:
                    yield {column: get(record) for column, get in getters.items()}
                return
            for record, extra in zip(records, extras, strict=True):
                row = {column: get(record) for column, get in getters.items()}
                if extra:
                    row.update(extra)
                yield row

        self.write_rows(rows())

    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:
        """
        Write rows given as dicts (see `Writer.write_rows`), a row group at a time.

        Args:
            rows: The rows.

        Raises:
            ValueError: If a row has a column that is not in `columns`.
            UnwritableValuesError: A `custdata.ValidationError` listing each
                value a typed column cannot hold (an amount with more than 4
                decimal places, a date-time without an offset) in a row group's
                worth of rows, at ``[index].column`` (``[3].total.amount``),
                ``index`` the 0-based position of the row among those written to
                the file. None of those rows is written; rows of the same call
                before them may have been: abort the writer (a ``with`` block does).
        """
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, self._row_group_size)):
            columns = self._converted(chunk)
            for buffered, new in zip(self._buffer, columns, strict=True):
                buffered.extend(new)
            self._buffered += len(chunk)
            self.rows_written += len(chunk)
            while self._buffered >= self._row_group_size:
                self._flush(self._row_group_size)

    def _converted(self, rows: Sequence[Mapping[str, object]]) -> list[list[object]]:
        """The rows' values, column by column as the file holds them; raises if one does not fit."""
        columns: list[list[object]] = [[] for _ in self._buffer]
        problems: list[Issue] = []
        text, offset_minutes, unfit_error = self._text, self._offset_minutes, self._unfit
        for position, row in enumerate(rows, start=self.rows_written):
            flat = self._flat(row)
            for column, slot, convert, timed in self._plan:
                value = flat.get(column)
                if value is not None:
                    if convert is None:
                        value = text(value)
                    else:
                        try:
                            value = convert(value)
                        except unfit_error as unfit:
                            problems.append(
                                Issue(
                                    path=f"[{position}].{column}{unfit.where}",
                                    code=unfit.code,
                                    message=unfit.message,
                                )
                            )
                            value = None
                columns[slot].append(value)
                if timed:
                    columns[slot + 1].append(offset_minutes(value))
        if problems:
            what = self._record_type.__name__ if self._record_type is not None else "row"
            raise UnwritableValuesError(problems, record_type=what)
        return columns

    def _flush(self, size: int | None = None) -> None:
        if not self._buffered:
            return
        size = self._buffered if size is None else size
        arrays = [
            self._pa.array(values[:size], type=field.type)
            for values, field in zip(self._buffer, self._schema, strict=True)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._buffer = [values[size:] for values in self._buffer]
        self._buffered -= size

    def commit(self) -> None:  # documented on Writer
        try:
            self._flush()
            self._writer.close()
        except BaseException:
            self.abort()
            raise
        self._sink.commit()

    def abort(self) -> None:  # documented on Writer
        # Close pyarrow's writer first: its finaliser would otherwise write to a closed file.
        with contextlib.suppress(Exception):
            self._writer.close()
        self._sink.abort()


def _write(options: WriteOptions) -> ParquetWriter:
    """Open a Parquet output (the `FileFormat.write` of `PARQUET`)."""
    return ParquetWriter(
        options.path,
        options.columns,
        record_type=options.record_type,
        row_group_size=options.row_group_size,
        column_types=options.column_types,
    )


PARQUET: Final = FileFormat(name="parquet", read=_read, write=_write)
"""Apache Parquet, with pyarrow (the extra ``arrow``)."""


def open_parquet(path: str | os.PathLike[str]) -> typing.Any:
    """
    Open a Parquet file for reading its Arrow record batches, with the reader's settings.

    One buffer of 64 KiB per column, no pre-buffering (a big row group is not
    read whole first), as the row reader opens files; for the commands that
    read Parquet through `custdata.frames`.

    Raises:
        InputError: If the file is missing or not a Parquet file (exit code 4).
        MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
    """
    pa = _pyarrow()
    try:
        return pa.parquet.ParquetFile(path, pre_buffer=False, buffer_size=_READ_BUFFER)
    except (OSError, ValueError) as error:
        reason = "not found" if isinstance(error, FileNotFoundError) else "not a Parquet file"
        raise InputError(f"cannot read {shown_name(Path(path))}: {reason}") from None


def record_batches(parquet: typing.Any, size: int) -> Iterator[typing.Any]:
    """
    The record batches of a file `open_parquet` opened, at most ``size`` rows each, on one thread.

    Raises:
        InputError: If the file turns out damaged while it is read.
    """
    try:
        yield from parquet.iter_batches(batch_size=size, use_threads=False)
    except OSError as error:
        raise InputError(f"cannot read the Parquet file: {type(error).__name__}") from None
