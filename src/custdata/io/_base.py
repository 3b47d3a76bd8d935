"""
What the CSV, JSONL and Parquet modules share: `Reader`, `Writer`, the shaper, inputs and outputs.

Each format module imports this one and exports a `FileFormat`; the table of
suffixes in ``custdata.io._formats`` imports the format modules. No module
here imports a format module, so the formats never import one another.

Inputs and outputs are files, pipes, FIFOs or ``-`` (standard input or
output). Nothing here seeks: a reader that needs the beginning of a stream
twice replays it (`replayable`), Parquet, which must seek, reads a pipe from a
private temporary file (`seekable`), and standard output is streamed to
without the atomic rename (`open_sink`).
"""

from __future__ import annotations

import abc
import contextlib
import io
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Final, Protocol, Self

import attrs

from custdata.errors import InputError, Issue, UsageError
from custdata.io._atomic import AtomicFile
from custdata.io._text import single_column_hint
from custdata.model import flat_columns, to_flat
from custdata.model._rows import Row, flatten, record_prefixes, required_columns

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "STDIO",
    "FileFormat",
    "ReadOptions",
    "Reader",
    "Shaper",
    "Sink",
    "TextWriter",
    "WriteOptions",
    "Writer",
    "is_stdio",
    "open_binary",
    "open_sink",
    "replayable",
    "seekable",
    "shown_name",
]

DEFAULT_BATCH_SIZE: Final = 10_000
"""Rows per batch unless told otherwise: memory stays flat whatever the file size."""

STDIO: Final = "-"
"""The path that means standard input (to read) or standard output (to write)."""

_MAX_NAMES_SHOWN: Final = 10
_MAX_CACHED_NAMES: Final = 1_024  # per prefix: JSONL keys are the file's to choose
_COPY_CHUNK: Final = 1 << 20
_REPLAY_BUFFER: Final = 1 << 16


def is_stdio(path: str | Path) -> bool:
    """
    Tell whether a path is ``-``, standard input or output.

    Args:
        path: A path as given.

    Returns:
        ``True`` for ``-``.
    """
    return str(path) == STDIO


def shown_name(path: Path) -> str:
    """
    Return how messages name a file: its name, or ``standard input`` for ``-``.

    Args:
        path: The input's path.

    Returns:
        The name to show.
    """
    return "standard input" if is_stdio(path) else path.name


def names_text(names: Sequence[str]) -> str:
    """
    Return column names for a message, at most ten, each cut to 64 characters.

    Args:
        names: The names.

    Returns:
        ``'a', 'b' and 3 more``.
    """
    shown = ", ".join(repr(name[:64]) for name in names[:_MAX_NAMES_SHOWN])
    if len(names) > _MAX_NAMES_SHOWN:
        shown += f" and {len(names) - _MAX_NAMES_SHOWN} more"
    return shown


# --- Inputs ---------------------------------------------------------------------------


def open_binary(path: Path) -> tuple[IO[bytes], Callable[[], None]]:
    """
    Open an input for reading bytes: a file, a FIFO, a pipe, or ``-`` for standard input.

    Args:
        path: The input.

    Returns:
        The stream, and what closes it (standard input is left open).

    Raises:
        InputError: If the file cannot be opened.
    """
    if is_stdio(path):
        return _standard_stream(sys.stdin, "input"), _nothing
    try:
        binary = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a file: {path}") from None
    except OSError as error:
        raise InputError(f"cannot open {path}: {error.strerror}") from None
    return binary, binary.close


def _nothing() -> None:
    return None


def _standard_stream(stream: object, what: str) -> IO[bytes]:
    """Return the bytes under standard input or output, or say why there are none."""
    binary = getattr(stream, "buffer", None)
    if binary is None:
        # A notebook or a host that replaced sys.stdin or sys.stdout with text only.
        raise UsageError(f"standard {what} is not a byte stream in this process: give a file")
    return binary  # type: ignore[no-any-return]  # the buffer of a text stream


class _Replay(io.RawIOBase):
    """The bytes already read from a stream, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(target), len(self._head))
            target[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(target))
        target[: len(data)] = data
        return len(data)


def replayable(binary: IO[bytes], size: int) -> tuple[bytes, IO[bytes]]:
    """
    Read the beginning of a stream without losing it, pipes included (no seek).

    Args:
        binary: The stream.
        size: How many bytes to look at (fewer at the end of the stream).

    Returns:
        The first bytes, and a stream that reads the whole input from its start.
    """
    head = bytearray()
    while len(head) < size:
        chunk = binary.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return bytes(head), io.BufferedReader(_Replay(bytes(head), binary), _REPLAY_BUFFER)


def seekable(binary: IO[bytes]) -> tuple[IO[bytes], Callable[[], None]]:
    """
    Return a stream that can seek: the stream itself, or a private temporary copy of a pipe.

    The copy has no name in the file system (`tempfile.TemporaryFile`): no
    other user can open it, and it disappears when closed, or when the process
    ends, however it ends.

    Args:
        binary: The input.

    Returns:
        A seekable stream and what closes the copy (nothing for the stream itself).
    """
    try:
        if binary.seekable():
            binary.seek(binary.tell())
            return binary, _nothing
    except OSError:
        pass  # a stream that claims to seek but cannot
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # closed by the reader
    try:
        shutil.copyfileobj(binary, spool, _COPY_CHUNK)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, spool.close


# --- Outputs --------------------------------------------------------------------------


class Sink(Protocol):
    """Where a writer's bytes go: an `AtomicFile`, or standard output."""

    @property
    def file(self) -> IO[bytes]:
        """The stream to write to."""
        ...

    def commit(self) -> None:
        """Finish: rename into place, or flush standard output."""

    def abort(self) -> None:
        """Drop what can be dropped: a temporary file is removed."""


class _StdoutStream(io.RawIOBase):
    """
    Standard output as a stream that counts its bytes and that closing leaves open.

    ``tell`` returns the bytes written (Parquet asks for it); a pipe cannot seek.
    """

    def __init__(self, target: IO[bytes]) -> None:
        super().__init__()
        self._target = target
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data)
        self._target.write(view)
        self._position += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        if not self.closed:
            self._target.flush()


class StdoutSink:
    """
    Standard output as a sink: written as it goes, never renamed.

    A failed run cannot take back what was already written; the command's exit
    code says the output is incomplete.
    """

    def __init__(self) -> None:
        self.path = Path(STDIO)
        target = _standard_stream(sys.stdout, "output")
        sys.stdout.flush()  # text printed before comes first
        self.file: IO[bytes] = _StdoutStream(target)  # type: ignore[assignment]  # a RawIOBase is a binary stream

    def commit(self) -> None:
        """Flush standard output."""
        self.file.flush()

    def abort(self) -> None:
        """Flush what was written; standard output stays open."""
        with contextlib.suppress(OSError):  # a reader that went away: nothing more to do
            self.file.flush()


def open_sink(path: Path) -> Sink:
    """
    Open the destination of a writer: an `AtomicFile`, or standard output for ``-``.

    Args:
        path: The final path, or ``-``.

    Returns:
        The sink.

    Raises:
        UsageError: If the output's directory does not exist.
    """
    if is_stdio(path):
        return StdoutSink()
    return AtomicFile(path)


# --- Shaping rows ---------------------------------------------------------------------


class Shaper:
    """
    Applies ``--map``, keeps the columns of the record type and notes the others.

    The others are dropped (and named in `ignored`), or, with ``keep_extra``,
    kept apart as each row's extra columns (and named in `extra_names`).

    Args:
        record_type: The record class rows are meant for, if any.
        mapping: Source column -> dotted field.
        keep_extra: Keep the columns that are not fields of the record type.

    Raises:
        UsageError: If the mapping gives two columns one field or names an unknown field.
    """

    def __init__(
        self,
        record_type: type | None,
        mapping: Mapping[str, str] | None,
        *,
        keep_extra: bool = False,
    ) -> None:
        self.record_type = record_type
        self.mapping = dict(mapping or {})
        self.keep_extra = keep_extra and record_type is not None
        self.known: frozenset[str] | None = None
        self.prefixes: frozenset[str] = frozenset()
        self.ignored: dict[str, None] = {}  # an ordered set
        self.extra_names: dict[str, None] = {}  # an ordered set: the extra columns met
        self.extra_plan: list[tuple[int, str]] = []  # (index, name) of a header's extra columns
        # Prefix -> key -> (dotted source, field): each row's dict shares the same
        # name strings, as CSV rows do, instead of building them again per row.
        self._names: dict[str, dict[str, tuple[str, str]]] = {}
        targets = list(self.mapping.values())
        doubled = sorted({target for target in targets if targets.count(target) > 1})
        if doubled:
            raise UsageError(f"--map gives several columns the same field: {names_text(doubled)}")
        if record_type is not None:
            self.known = frozenset(flat_columns(record_type))
            self.prefixes = record_prefixes(record_type)
            unknown = [target for target in targets if target not in self.known]
            if unknown:
                raise UsageError(
                    f"--map names unknown fields of {record_type.__name__}: {names_text(unknown)}"
                )

    def rename(self, name: str) -> str:
        """
        Return the field a source column is read as.

        Args:
            name: The column's name in the file.

        Returns:
            The dotted field name.
        """
        return self.mapping.get(name, name)

    def plan_header(
        self, header: Sequence[str], *, delimiter: str | None = None, shaped: bool = False
    ) -> list[tuple[int, str]]:
        """
        Check a header and return the (index, dotted name) of the columns kept.

        Args:
            header: The column names, in file order.
            delimiter: The CSV delimiter, for a hint when the header is one column.
            shaped: Whether each row goes through `shape` (Parquet), which
                checks the columns that belong to a field, such as a text
                ``address``: those are then not ignored.

        Returns:
            The columns kept.

        Raises:
            InputError: If columns repeat, or required ones are missing.
            UsageError: If the mapping names a column that is not in the header.
        """
        names = [self.rename(name) for name in header]
        seen: set[str] = set()
        doubled: list[str] = []
        for name in names:
            if name and name in seen and name not in doubled:
                doubled.append(name)
            seen.add(name)
        if doubled:
            raise InputError(f"the header repeats the columns {names_text(doubled)}")
        absent = [source for source in self.mapping if source not in header]
        if absent:
            raise UsageError(
                f"--map names columns that are not in the header: {names_text(absent)}"
            )
        if self.known is None or self.record_type is None:
            return [(index, name) for index, name in enumerate(names) if name]
        kept = [(index, name) for index, name in enumerate(names) if name in self.known]
        hint = single_column_hint(list(header), delimiter) if delimiter is not None else ""
        what = self.record_type.__name__
        missing = [name for name in required_columns(self.record_type) if name not in seen]
        if not kept:
            # Header cells are not listed: without a header row they would be customer values.
            raise InputError(
                f"no column of the header is a field of {what} (missing required columns: "
                f"{names_text(missing)}): is the first line a header, and the delimiter "
                f"right?{hint}"
            )
        if missing:
            raise InputError(f"missing required columns for {what}: {names_text(missing)}{hint}")
        # The first line may be data rather than a header: cells that look like
        # values are named by their position, never shown.
        suspect = any(_looks_like_value(name) for name in header)
        for index, name in enumerate(names):
            if name and name not in self.known and not (shaped and self._checked_per_row(name)):
                if self.keep_extra:
                    # Kept as written in the header: the output repeats the header it came with.
                    self.extra_plan.append((index, name))
                    self.extra_names[name] = None
                else:
                    shown = f"column {index + 1}" if suspect else name[:64]
                    self.ignored[shown] = None
        return kept

    def _checked_per_row(self, name: str) -> bool:
        """Tell whether a column is a field, or part of one, that each row checks."""
        if self.known is None:
            return True
        if name in self.known or name in self.prefixes:
            return True
        parts = name.split(".")
        return any(".".join(parts[:end]) in self.known for end in range(1, len(parts)))

    def shape(self, values: Mapping[str, object]) -> tuple[dict[str, object], list[Issue]]:
        """
        Rename, and drop the names that are not columns of the record type.

        An object where the record type has a value (a list given as an
        object) is kept whole under the field's name, for the record's
        parsing to reject as ``wrong_type``; a value where it has an object
        (``"address": "12 rue X"``) is an issue ``wrong_type`` on that field.

        Args:
            values: One row, nested objects included (JSONL, Parquet).

        Returns:
            The row's values by dotted column name, and its issues.
        """
        shaped, issues, _extra = self.split(values)
        return shaped, issues

    def split(
        self, values: Mapping[str, object]
    ) -> tuple[dict[str, object], list[Issue], dict[str, object] | None]:
        """
        Shape a row (see `shape`) and set apart its extra columns.

        Args:
            values: One row, nested objects included (JSONL, Parquet).

        Returns:
            The row's values by dotted column name, its issues, and its extra
            columns by dotted name when ``keep_extra`` (else ``None``).
        """
        if self.known is None:
            flat = flatten(values)
            if self.mapping:
                flat = {self.rename(name): value for name, value in flat.items()}
            return flat, [], None
        shaped: dict[str, object] = {}
        issues: list[Issue] = []
        extra: dict[str, object] | None = {} if self.keep_extra else None
        self._shape_into(values, "", shaped, issues, extra)
        return shaped, issues, extra

    def _shape_into(
        self,
        values: Mapping[str, object],
        prefix: str,
        shaped: dict[str, object],
        issues: list[Issue],
        extra: dict[str, object] | None = None,
    ) -> None:
        known = self.known
        assert known is not None  # noqa: S101  # shape() checked it
        names = self._names.get(prefix)
        if names is None:
            names = self._names[prefix] = {}
        for key, value in values.items():
            found = names.get(key)
            if found is None:
                source = f"{prefix}{key}"
                found = (source, self.mapping.get(source, source))
                if len(names) < _MAX_CACHED_NAMES:
                    names[key] = found
            source, name = found
            if name in known:
                shaped[name] = dict(value) if isinstance(value, Mapping) else value
            elif isinstance(value, Mapping):
                self._shape_into(value, f"{source}.", shaped, issues, extra)
            elif name in self.prefixes:
                if value is not None and value != "":
                    shaped[name] = value  # kept for the rejects file
                    issues.append(Issue(path=name, code="wrong_type", message="expected an object"))
            elif extra is not None:
                extra[source] = value
                if source not in self.extra_names:
                    self.extra_names[source] = None
            else:
                # A key may be data (a JSONL object keyed by email): never shown then.
                shown = _DATA_KEY if _looks_like_value(name) else name[:64]
                self.ignored[shown] = None


_DATA_KEY: Final = "(keys that look like data, not shown)"


def _looks_like_value(cell: str) -> bool:
    """Tell whether a header cell looks like customer data rather than a column name."""
    if "@" in cell or "/" in cell or ":" in cell:
        return True
    run = 0
    for char in cell:
        run = run + 1 if char.isdigit() else 0
        if run >= 3:  # ids, phone numbers, dates, postal codes
            return True
    return False


# --- Readers and writers --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReadOptions:
    """
    What `custdata.io.open_reader` was asked, as every format's reader receives it.

    Attributes:
        path: The input, or ``-``.
        delimiter: The CSV delimiter, if given.
        encoding: A name returned by `custdata.io.normalise_encoding`.
        batch_size: Rows per batch.
        unescape_formulas: Undo the formula escaping in CSV cells.
    """

    path: Path
    delimiter: str | None = None
    encoding: str = "utf-8"
    batch_size: int = DEFAULT_BATCH_SIZE
    unescape_formulas: bool = True


@attrs.frozen(kw_only=True)
class WriteOptions:
    """
    What `custdata.io.open_writer` was asked, as every format's writer receives it.

    Attributes:
        path: The final path, or ``-``.
        columns: The dotted columns, in order.
        record_type: The record class written, if any.
        delimiter: The CSV delimiter, if given.
        encoding: The text encoding, as given.
        escape_formulas: Escape the CSV cells a spreadsheet would run.
        row_group_size: Rows per Parquet row group.
        column_types: Parquet type per column.
    """

    path: Path
    columns: tuple[str, ...]
    record_type: type | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    escape_formulas: bool = True
    row_group_size: int = 10_000
    column_types: Mapping[str, str] | None = None


class Reader:
    """
    An open input file, read as batches of `Row`.

    Iterate over it once to get the batches (lists of at most ``batch_size``
    rows); use it as a context manager, or call `close`. Problems with the
    whole file raise `custdata.InputError`: at `open_reader` when they are in
    the header, during iteration otherwise (invalid text on line 90 000).

    Attributes:
        path: The file (``-`` for standard input).
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``.
        delimiter: The CSV delimiter used (given or sniffed); ``None`` for other formats.
        columns: The dotted columns kept, in file order, after ``--map``;
            ``None`` for JSONL, which has no header.
        total_rows: The number of rows when the format tells it up front (Parquet).
        rows_read: Rows yielded so far.
        extra_types: The Parquet type (``"int64"``, ``"bool"``) of the extra
            columns whose input gives one (Parquet); the others are strings.
    """

    def __init__(
        self,
        *,
        path: Path,
        format: str,
        batches: Iterator[list[Row]],
        close: Callable[[], None],
        shaper: Shaper,
        columns: tuple[str, ...] | None = None,
        delimiter: str | None = None,
        total_rows: int | None = None,
        extra_types: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self.extra_types: Mapping[str, str] = dict(extra_types or {})
        self.format = format
        self.columns = columns
        self.delimiter = delimiter
        self.total_rows = total_rows
        self.rows_read = 0
        self._batches = batches
        self._close = close
        self._shaper = shaper

    @property
    def ignored_columns(self) -> list[str]:
        """
        Columns (or JSON keys) that are not fields of the record type, seen so far.

        They are ignored. Only names are kept, never values: when the first
        line of a CSV file looks like data rather than a header, its columns
        are named by position (``column 4``).

        Returns:
            The names, in the order first met.
        """
        return list(self._shaper.ignored)

    @property
    def extra_columns(self) -> list[str]:
        """
        The columns kept that are not fields of the record type (``keep_extra=True``).

        For CSV and Parquet they come from the header, in file order; for
        JSONL, they are the dotted names met so far, in the order first met.

        Returns:
            The names, as in the file; empty without ``keep_extra``.
        """
        return list(self._shaper.extra_names)

    def __iter__(self) -> Iterator[list[Row]]:
        for batch in self._batches:
            self.rows_read += len(batch)
            yield batch

    def close(self) -> None:
        """Close the file (standard input stays open)."""
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Committing(abc.ABC):
    """
    An output that is kept on success and dropped on failure, as a context manager.

    A normal exit calls `commit`; an exception (KeyboardInterrupt and the
    command line's signals included) calls `abort`. `Writer` and
    `custdata.io.RejectsWriter` share it.
    """

    @abc.abstractmethod
    def commit(self) -> None:
        """
        Finish the file and give it its final name.

        Raises:
            OSError: If the file cannot be written; nothing is left behind.
        """

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop the file: the final path is left as it was."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class Writer(Committing):
    """
    An output file being written under a temporary name.

    Use it as a context manager: on a normal exit the file is renamed to its
    final name (`commit`); on an exception it is removed (`abort`), so a failed
    run leaves no file that looks complete. Standard output (``-``) is written
    as it goes, without a temporary name.

    Attributes:
        path: The final path (``-`` for standard output).
        format: ``"csv"``, ``"jsonl"`` or ``"parquet"``.
        columns: The dotted columns written (CSV and Parquet), in order.
        rows_written: Rows written so far.
    """

    def __init__(self, path: Path, format: str, columns: Sequence[str]) -> None:
        self.path = path
        self.format = format
        self.columns = tuple(columns)
        self.rows_written = 0
        self._column_set = frozenset(self.columns)

    @abc.abstractmethod
    def write_rows(self, rows: Iterable[Mapping[str, object]]) -> None:
        """
        Write rows given as dicts.

        CSV and Parquet flatten nested dicts to dotted names and take the values
        of `columns` (missing ones are empty); JSONL writes each dict as it is.

        Args:
            rows: The rows.

        Raises:
            ValueError: If a row has a column that is not in `columns` (CSV, Parquet).
        """

    def write_records(
        self,
        records: Iterable[object],
        extras: Iterable[Mapping[str, object]] | None = None,
    ) -> None:
        """
        Write records: their flat form (`custdata.model.to_flat`) to CSV and Parquet.

        Args:
            records: custdata records of the type the writer was opened for.
            extras: Each record's extra columns (`custdata.io.Row.extra`),
                written after the record's columns, unchanged; they must be
                among the writer's columns (CSV, Parquet).
        """
        if extras is None:
            self.write_rows(to_flat(record) for record in records)
            return
        self.write_rows(
            {**to_flat(record), **extra} if extra else to_flat(record)
            for record, extra in zip(records, extras, strict=True)
        )

    def _flat(self, row: Mapping[str, object]) -> Mapping[str, object]:
        if any(isinstance(value, Mapping) for value in row.values()):
            row = flatten(row)
        if not self._column_set.issuperset(row):
            extra = sorted(set(row) - self._column_set)[:5]
            msg = f"row has columns that are not in the output's columns: {extra}"
            raise ValueError(msg)
        return row


class TextWriter(Writer):
    """
    A writer of text (CSV, JSONL) over a `Sink`.

    Args:
        path: The final path, or ``-``.
        format: The format's name.
        columns: The dotted columns.
        encoding: The text encoding.
    """

    def __init__(self, path: Path, format: str, columns: Sequence[str], encoding: str) -> None:
        super().__init__(path, format, columns)
        self._sink = open_sink(path)
        newline = "" if format == "csv" else "\n"
        self._text = io.TextIOWrapper(self._sink.file, encoding=encoding, newline=newline)

    def commit(self) -> None:  # documented on Writer
        try:
            self._text.detach()  # flushes; the sink closes the bytes
        except BaseException:
            self._sink.abort()
            raise
        self._sink.commit()

    def abort(self) -> None:  # documented on Writer
        self._sink.abort()


@attrs.frozen(kw_only=True)
class FileFormat:
    """
    A file format: its name and how to open a reader and a writer for it.

    A new format is a module that defines one, plus its suffixes in the table
    of ``custdata.io._formats``.

    Attributes:
        name: ``"csv"``, ``"jsonl"``, ``"parquet"``.
        read: Opens a `Reader` from the options and the shaper.
        write: Opens a `Writer` from the options.
        needs_columns: Whether writing needs the columns up front (CSV, Parquet).
        rejects: Whether a rejects file may be written in it.
    """

    name: str
    read: Callable[[ReadOptions, Shaper], Reader]
    write: Callable[[WriteOptions], Writer]
    needs_columns: bool = True
    rejects: bool = False
