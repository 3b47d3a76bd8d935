"""
`write_synthetic`: a `custdata.synthetic` dataset streamed to CSV or Parquet files.

The file layer sits above the generator (DESIGN.md's layering), so the entry
point that writes files lives here and drives `custdata.synthetic`'s engine
batch by batch; files follow the conventions of the other writers and are
written atomically. With ``workers > 1``, worker processes forked by
`custdata._workers` (the library's one process model) build batches in
parallel; for CSV each worker writes its batch's part files with the same
writers, and the parts are appended in batch order to the final files, so the
output is byte for byte the one a single process writes.

`custdata.io` loads this module on first use of `write_synthetic`, so reading
and writing files does not pay for importing the generator.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Final

from custdata import _workers
from custdata.io._atomic import AtomicFile
from custdata.io._base import Writer
from custdata.io._formats import open_writer
from custdata.io._parquet import column_types
from custdata.model import Consent, Contact, Feedback, LineItem, Purchase
from custdata.synthetic import Manifest
from custdata.synthetic._engine import BATCH_SIZE, Engine, Row
from custdata.synthetic._generate import (
    DEFAULT_SEED,
    DEFAULT_TODAY,
    FILES,
    INT_COLUMNS,
    batch_rows,
    make_engine,
    with_counts,
)

__all__ = ["write_synthetic"]

_FORMATS: Final = {"csv": ("csv",), "parquet": ("parquet",), "both": ("csv", "parquet")}
_COPY_CHUNK: Final = 1 << 20
_WINDOW: Final = 2  # batches each worker may have built ahead of the writing (flat memory)


def write_synthetic(
    directory: str | os.PathLike[str],
    n: int,
    *,
    locale: str = "fr_FR",
    seed: int = DEFAULT_SEED,
    dirty: float = 0.05,
    duplicates: float = 0.03,
    today: dt.date = DEFAULT_TODAY,
    format: str = "csv",
    workers: int = 1,
    on_batch: Callable[[int], None] | None = None,
) -> Manifest:
    """
    Generate the same dataset as `custdata.synthetic.generate` straight to files, batch by batch.

    Memory stays flat whatever ``n``. Files follow the CSV conventions of
    `custdata.io` (dotted headers, ``|``-joined lists, formula escaping); the
    Parquet files of records are typed as custdata types every Parquet file it
    writes (`custdata.io.open_writer`), the ground truth is text. Files are
    written under a temporary name and renamed at the end, so a failed run leaves
    no file that looks complete. Written, with a ``.csv`` and/or ``.parquet``
    suffix: ``contacts``, ``purchases`` (without their lines), ``purchase_lines``,
    ``consents``, ``feedback``, and the ground truth ``duplicates``,
    ``dirty_values`` and ``comment_pii`` (see `custdata.synthetic.FILES` for
    the columns); then ``manifest.json``, last. A dataset written earlier in
    the same directory is replaced only once every new file is complete: its
    manifest is removed, the new files are renamed over the old ones, its files
    in a format not written this time are removed (no file of another run is
    left beside the new ones), and the new manifest is written. Until then an
    interruption or an error leaves the earlier dataset whole. Other files in
    the directory are not touched.

    Args:
        directory: Where to write; created if missing.
        n: How many contacts.
        locale: As for `custdata.synthetic.generate`.
        seed: As for `custdata.synthetic.generate`.
        dirty: As for `custdata.synthetic.generate`.
        duplicates: As for `custdata.synthetic.generate`.
        today: As for `custdata.synthetic.generate`.
        format: ``"csv"``, ``"parquet"`` (needs pyarrow) or ``"both"``.
        workers: Processes that build batches in parallel, from 1 to 64 (the
            output does not depend on it). With more than 1, this process forks
            ``workers`` children, which inherit the generator (nothing is sent to
            them) and leave as soon as it stops, normally or interrupted. Where
            ``os.fork`` does not exist (Windows), or while other threads run
            (forking them is unsafe), every batch is built in this process.
        on_batch: Called after each batch with its number of contacts (for a
            progress bar).

    Returns:
        The manifest, with counts and file names, as written to ``manifest.json``.

    Raises:
        ValueError: As for `custdata.synthetic.generate`, or for an unknown format
            or a ``workers`` that is not a whole number from 1 to 64.
        TypeError: As for `custdata.synthetic.generate`.
        MissingDependencyError: Without Faker (extra ``synthetic``), or without
            pyarrow for Parquet (extra ``arrow``).
        OSError: If the files cannot be written; no complete-looking file is left.
    """
    if format not in _FORMATS:
        msg = f"unknown format {format!r}: use csv, parquet or both"
        raise ValueError(msg)
    problem = _workers.check_workers(workers)
    if problem is not None:
        msg = f"workers {problem}"
        raise ValueError(msg)
    engine, manifest = make_engine(n, locale, seed, dirty, duplicates, today)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    suffixes = _FORMATS[format]

    def replace_previous() -> None:
        _remove_stale(target, suffixes)

    files = {name: tuple(f"{name}.{suffix}" for suffix in suffixes) for name in FILES}
    jobs = [
        (number, start, min(BATCH_SIZE, n - start))
        for number, start in enumerate(range(0, n, BATCH_SIZE))
    ]
    if workers == 1 or len(jobs) < 2 or not _workers.can_fork():
        rows = _local_rows(engine, jobs)
        counts = _write_rows(target, files, rows, on_batch, replace_previous)
    elif format == "csv":
        counts = _write_parts(target, files, engine, jobs, workers, on_batch, replace_previous)
    else:
        rows = _forked_rows(engine, jobs, workers)
        counts = _write_rows(target, files, rows, on_batch, replace_previous)
    # The manifest comes last: its presence says every data file is complete.
    manifest = with_counts(manifest, counts, files)
    with contextlib.ExitStack() as stack:
        with _workers.signals_deferred():  # no temporary file left unrecorded
            atomic = AtomicFile(target / "manifest.json")
            stack.callback(atomic.abort)  # no-op once committed
        text = json.dumps(manifest.to_dict(), indent=2, sort_keys=True) + "\n"
        atomic.file.write(text.encode("utf-8"))
        atomic.commit()
    return manifest


def _open_writer(path: Path, columns: Sequence[str]) -> Writer:
    return open_writer(path, columns=columns, column_types=_column_types(path.stem, columns))


_TYPED: Final[Mapping[str, type]] = {
    "contacts": Contact,
    "purchases": Purchase,
    "purchase_lines": LineItem,
    "consents": Consent,
    "feedback": Feedback,
}
"""The files of records: their Parquet columns are typed as custdata types them, others text."""


def _column_types(stem: str, columns: Sequence[str]) -> dict[str, str]:
    """
    The Parquet types of a file's columns: those of its record type, the others text.

    The rows are flat text as CSV holds it (spoiled values are text in text
    fields), which the Parquet writer reads into the typed columns.
    """
    record_type = _TYPED.get(stem.rpartition(".")[2])
    typed = column_types(record_type) if record_type is not None else {}
    types = {column: "int64" for column in columns if column in INT_COLUMNS}
    types.update((column, typed[column]) for column in columns if column in typed)
    return types


def _local_rows(
    engine: Engine, jobs: Iterable[tuple[int, int, int]]
) -> Iterator[Mapping[str, Sequence[Row]]]:
    for number, start, size in jobs:
        yield batch_rows(engine.batch(number, start, size))


def _write_rows(
    target: Path,
    files: Mapping[str, tuple[str, ...]],
    batches: Iterable[Mapping[str, Sequence[Row]]],
    on_batch: Callable[[int], None] | None,
    replace_previous: Callable[[], None],
) -> dict[str, int]:
    counts = dict.fromkeys(FILES, 0)
    with contextlib.ExitStack() as stack:
        with _workers.signals_deferred():  # no temporary file left unrecorded
            writers = {
                name: [
                    stack.enter_context(_open_writer(target / file_name, columns))
                    for file_name in files[name]
                ]
                for name, columns in FILES.items()
            }
        for rows_by_file in batches:
            for name, rows in rows_by_file.items():
                for writer in writers[name]:
                    writer.write_rows(rows)
                counts[name] += len(rows)
            if on_batch is not None:
                on_batch(len(rows_by_file["contacts"]))
        # Every file is complete: the earlier dataset goes and the new one takes its
        # place in one step that no interruption cuts in two.
        with _workers.signals_deferred():
            replace_previous()
            stack.close()  # commits every writer
    return counts


# --- worker processes --------------------------------------------------------------------
#
# Batches are built in children forked by custdata._workers (the library's one process
# model, see there): they inherit the engine, word pools included, so nothing is sent
# to them and none rebuilds it. A child that fails has its batches built here instead,
# which raises the error a single process would raise.


def _forked_rows(
    engine: Engine, jobs: Sequence[tuple[int, int, int]], workers: int
) -> Iterator[Mapping[str, Sequence[Row]]]:
    def work(job: int) -> bytes:
        return pickle.dumps(batch_rows(engine.batch(*jobs[job])), pickle.HIGHEST_PROTOCOL)

    with _workers.Forked(work, len(jobs), workers, window=_WINDOW) as results:
        for job, data in zip(jobs, results, strict=True):
            if data is None:  # the child failed: built here
                yield batch_rows(engine.batch(*job))
            else:
                # Bytes from a child this process forked, through a private pipe.
                rows: Mapping[str, Sequence[Row]] = pickle.loads(data)  # noqa: S301  # see above
                yield rows


def _write_part(parts: Path, engine: Engine, job: tuple[int, int, int]) -> dict[str, int]:
    """Write one batch as CSV part files; return the row count of each."""
    counts = {}
    for name, rows in batch_rows(engine.batch(*job)).items():
        with _open_writer(parts / f"{job[0]:06d}.{name}.csv", FILES[name]) as writer:
            writer.write_rows(rows)
        counts[name] = len(rows)
    return counts


def _write_parts(  # noqa: PLR0917  # private, called once
    target: Path,
    files: Mapping[str, tuple[str, ...]],
    engine: Engine,
    jobs: Sequence[tuple[int, int, int]],
    workers: int,
    on_batch: Callable[[int], None] | None,
    replace_previous: Callable[[], None],
) -> dict[str, int]:
    counts = dict.fromkeys(FILES, 0)
    parts: Path | None = None
    try:
        with _workers.signals_deferred():  # an interruption comes once it is recorded
            parts = Path(tempfile.mkdtemp(dir=target, prefix=".parts-"))
        directory = parts

        def work(job: int) -> bytes:
            return json.dumps(_write_part(directory, engine, jobs[job])).encode("ascii")

        # Left in this order: the children are stopped before their part files are removed.
        with (
            _workers.Forked(work, len(jobs), workers, window=_WINDOW) as results,
            contextlib.ExitStack() as stack,
        ):
            outputs: dict[str, AtomicFile] = {}
            for name in FILES:
                with _workers.signals_deferred():  # no temporary file left unrecorded
                    outputs[name] = AtomicFile(target / files[name][0])
                    stack.callback(outputs[name].abort)  # no-op once committed
            first = True
            for job, data in zip(jobs, results, strict=True):
                # None: the child failed, and the batch is written here.
                batch_counts = (
                    _write_part(directory, engine, job) if data is None else json.loads(data)
                )
                for name in FILES:
                    part = directory / f"{job[0]:06d}.{name}.csv"
                    with part.open("rb") as source:
                        _append(source, outputs[name].file, keep_header=first)
                    part.unlink()
                    counts[name] += batch_counts[name]
                first = False
                if on_batch is not None:
                    on_batch(batch_counts["contacts"])
            with _workers.signals_deferred():  # see _write_rows
                replace_previous()
                for output in outputs.values():
                    output.commit()
    finally:
        if parts is not None:
            shutil.rmtree(parts, ignore_errors=True)
    return counts


def _append(source: IO[bytes], target: IO[bytes], *, keep_header: bool) -> None:
    if not keep_header:
        source.readline()  # the header: the csv module ends it with \r\n
    shutil.copyfileobj(source, target, _COPY_CHUNK)


def _remove_stale(target: Path, suffixes: tuple[str, ...]) -> None:
    """Remove what an earlier run left that this one will not overwrite."""
    (target / "manifest.json").unlink(missing_ok=True)
    for name in FILES:
        for suffix in ("csv", "parquet"):
            if suffix not in suffixes:
                (target / f"{name}.{suffix}").unlink(missing_ok=True)
