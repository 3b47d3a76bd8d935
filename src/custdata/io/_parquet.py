"""Parquet reading and writing with pyarrow, row group by row group.

The format's entry is `PARQUET`; pyarrow is imported on first use, not with this module.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from custdata.errors import InputError, MissingDependencyError, UsageError
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
from custdata.io._text import format_cell
from custdata.model._codec import flat_specs
from custdata.model._rows import Row, sized_row

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["PARQUET", "PARQUET_TYPES", "ParquetWriter", "column_types"]

PARQUET_TYPES: Final = ("string", "int64", "bool")
"""The Parquet column types custdata writes."""

_KIND_TYPES: Final = {"int": "int64", "bool": "bool"}

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


def column_types(record_type: type) -> dict[str, str]:
    """
    Return the Parquet type of each flat column of a record type.

    Integer fields are ``int64``, boolean fields ``bool``; everything else is
    ``string`` holding exactly the CSV text: decimals (exact, any scale),
    ISO 8601 dates and datetimes (with their offset), enum values, lists
    joined with ``|``, a purchase's lines as a JSON array.

    Args:
        record_type: A record class.

    Returns:
        Dotted column name -> ``"string"``, ``"int64"`` or ``"bool"``.
    """
    return {
        path: _KIND_TYPES.get(spec.kind, "string") for path, spec in flat_specs(record_type).items()
    }


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
            names = _flat_names(parquet.schema_arrow)
            types = _flat_types(parquet.schema_arrow) if shaper.keep_extra else {}
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
        batches=_batches(path, parquet, shaper, options.batch_size),
        close=close,
        shaper=shaper,
        columns=tuple(name for _, name in kept),
        total_rows=total,
        extra_types={name: types[name] for name in shaper.extra_names if name in types},
    )


def _batches(
    path: Path, parquet: typing.Any, shaper: Shaper, batch_size: int
) -> Iterator[list[Row]]:
    pa = _pyarrow()
    number = 0
    # One thread: the rows are made one batch at a time anyway, and Arrow's
    # reading threads each keep buffers of their own (docs/performance.md).
    batches = parquet.iter_batches(batch_size=batch_size, use_threads=False)
    while True:
        try:
            record_batch = next(batches, None)
            if record_batch is None:
                return
            values = record_batch.to_pylist()
        except (pa.ArrowException, OSError, ValueError):
            raise _unreadable(path) from None
        del record_batch  # its Arrow buffers go before the rows are used
        rows: list[Row] = []
        for data in values:
            number += 1
            shaped, issues, extra = shaper.split(data)
            rows.append(sized_row(number, shaped, issues, extra))
        del values
        yield rows


class ParquetWriter(Writer):
    """
    A Parquet output, written one row group at a time.

    Args:
        path: The final path, or ``-`` for standard output.
        columns: The dotted columns, in order.
        record_type: Gives the column types (see `column_types`).
        row_group_size: Rows per row group.
        column_types: Type per column, overriding the record type's; ``string`` otherwise.

    Raises:
        MissingDependencyError: Without pyarrow (extra ``arrow``).
        UsageError: For an unknown column type or a directory that does not exist.
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
        types = _record_column_types(record_type) if record_type is not None else {}
        types.update(column_types or {})
        unknown = sorted({kind for kind in types.values() if kind not in PARQUET_TYPES})
        if unknown:
            raise UsageError(f"unknown Parquet column types: {unknown}; use {PARQUET_TYPES}")
        self._types = [types.get(column, "string") for column in self.columns]
        arrow_types = {
            "string": self._pa.string(),
            "int64": self._pa.int64(),
            "bool": self._pa.bool_(),
        }
        self._schema: pa.Schema = self._pa.schema(
            [
                (column, arrow_types[kind])
                for column, kind in zip(self.columns, self._types, strict=True)
            ]
        )
        self._row_group_size = max(1, row_group_size)
        self._buffer: list[list[object]] = [[] for _ in self.columns]
        self._buffered = 0
        self._sink = open_sink(path)
        self._file: IO[bytes] = self._sink.file
        try:
            self._writer = self._pa.parquet.ParquetWriter(self._file, self._schema)
        except BaseException:
            self._sink.abort()
            raise

    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:
        for row in rows:
            flat = self._flat(row)
            for values, column, kind in zip(self._buffer, self.columns, self._types, strict=True):
                value = flat.get(column)
                if kind == "string" and value is not None and not isinstance(value, str):
                    value = format_cell(value)
                values.append(value)
            self._buffered += 1
            self.rows_written += 1
            if self._buffered >= self._row_group_size:
                self._flush()

    def _flush(self) -> None:
        if not self._buffered:
            return
        arrays = [
            self._pa.array(values, type=field.type)
            for values, field in zip(self._buffer, self._schema, strict=True)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._buffer = [[] for _ in self.columns]
        self._buffered = 0

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
