"""
`write_synthetic`: a `custdata.synthetic` dataset streamed to CSV or Parquet files.

The file layer sits above the generator (DESIGN.md's layering), so the entry
point that writes files lives here and drives `custdata.synthetic`'s engine
batch by batch; files follow the conventions of the other writers and are
written atomically. With ``workers > 1``, worker processes build batches in
parallel; for CSV each worker writes its batch's part files with the same
writers, and the parts are appended in batch order to the final files, so the
output is byte for byte the one a single process writes.

`custdata.io` loads this module on first use of `write_synthetic`, so reading
and writing files does not pay for importing the generator.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import itertools
import json
import multiprocessing
import multiprocessing.pool
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Final, TypeVar

from custdata.io._atomic import AtomicFile
from custdata.io._base import Writer
from custdata.io._formats import open_writer
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

T = TypeVar("T")

_FORMATS: Final = {"csv": ("csv",), "parquet": ("parquet",), "both": ("csv", "parquet")}
_COPY_CHUNK: Final = 1 << 20


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
    `custdata.io` (dotted headers, ``|``-joined lists, formula escaping) and are
    written under a temporary name and renamed at the end, so a failed run leaves
    no file that looks complete. Written, with a ``.csv`` and/or ``.parquet``
    suffix: ``contacts``, ``purchases`` (without their lines), ``purchase_lines``,
    ``consents``, ``feedback``, and the ground truth ``duplicates``,
    ``dirty_values`` and ``comment_pii`` (see `custdata.synthetic.FILES` for
    the columns); then ``manifest.json``, last. A dataset written earlier in
    the same directory is replaced: its manifest is removed first, and so are
    its files in a format not written this time, so no file of another run is
    left beside the new ones. Other files in the directory are not touched.

    Args:
        directory: Where to write; created if missing.
        n: How many contacts.
        locale: As for `custdata.synthetic.generate`.
        seed: As for `custdata.synthetic.generate`.
        dirty: As for `custdata.synthetic.generate`.
        duplicates: As for `custdata.synthetic.generate`.
        today: As for `custdata.synthetic.generate`.
        format: ``"csv"``, ``"parquet"`` (needs pyarrow) or ``"both"``.
        workers: Processes that build batches in parallel (the output does not
            depend on it). More than 1 starts worker processes, so a script that
            calls this at top level needs an ``if __name__ == "__main__":`` guard.
        on_batch: Called after each batch with its number of contacts (for a
            progress bar).

    Returns:
        The manifest, with counts and file names, as written to ``manifest.json``.

    Raises:
        ValueError: As for `custdata.synthetic.generate`, or for an unknown format
            or fewer than 1 worker.
        TypeError: As for `custdata.synthetic.generate`.
        MissingDependencyError: Without Faker (extra ``synthetic``), or without
            pyarrow for Parquet (extra ``arrow``).
        OSError: If the files cannot be written; no complete-looking file is left.
    """
    if format not in _FORMATS:
        msg = f"unknown format {format!r}: use csv, parquet or both"
        raise ValueError(msg)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = "workers must be a positive integer"
        raise ValueError(msg)
    engine, manifest = make_engine(n, locale, seed, dirty, duplicates, today)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    suffixes = _FORMATS[format]
    _remove_stale(target, suffixes)
    files = {name: tuple(f"{name}.{suffix}" for suffix in suffixes) for name in FILES}
    jobs = [
        (number, start, min(BATCH_SIZE, n - start))
        for number, start in enumerate(range(0, n, BATCH_SIZE))
    ]
    params = (n, locale, seed, dirty, duplicates, today)
    if workers == 1 or len(jobs) < 2:
        counts = _write_rows(target, files, _local_rows(engine, jobs), on_batch)
    elif format == "csv":
        counts = _write_parts(target, files, jobs, params, workers, on_batch)
    else:
        counts = _write_rows(target, files, _pooled_rows(jobs, params, workers), on_batch)
    # The manifest comes last: its presence says every data file is complete.
    manifest = with_counts(manifest, counts, files)
    atomic = AtomicFile(target / "manifest.json")
    try:
        text = json.dumps(manifest.to_dict(), indent=2, sort_keys=True) + "\n"
        atomic.file.write(text.encode("utf-8"))
    except BaseException:
        atomic.abort()
        raise
    atomic.commit()
    return manifest


def _open_writer(path: Path, columns: Sequence[str]) -> Writer:
    return open_writer(
        path,
        columns=columns,
        column_types={column: "int64" for column in columns if column in INT_COLUMNS},
    )


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
) -> dict[str, int]:
    counts = dict.fromkeys(FILES, 0)
    with contextlib.ExitStack() as stack:
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
    return counts


# --- worker processes --------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _init_worker(params: tuple[int, str, int, float, float, dt.date], parts: str) -> None:
    _WORKER["engine"] = make_engine(*params)[0]
    _WORKER["parts"] = parts


def _batch_in_worker(job: tuple[int, int, int]) -> Mapping[str, Sequence[Row]]:
    engine = _WORKER["engine"]
    assert isinstance(engine, Engine)  # noqa: S101  # set by _init_worker
    return batch_rows(engine.batch(*job))


def _parts_in_worker(job: tuple[int, int, int]) -> dict[str, int]:
    """Write one batch as CSV part files; return the row count of each."""
    rows_by_file = _batch_in_worker(job)
    parts = Path(str(_WORKER["parts"]))
    counts = {}
    for name, rows in rows_by_file.items():
        with _open_writer(parts / f"{job[0]:06d}.{name}.csv", FILES[name]) as writer:
            writer.write_rows(rows)
        counts[name] = len(rows)
    return counts


def _pool(
    params: tuple[int, str, int, float, float, dt.date], workers: int, parts: str
) -> contextlib.AbstractContextManager[multiprocessing.pool.Pool]:
    # spawn, not fork: forking a process that runs threads is unsafe.
    context = multiprocessing.get_context("spawn")
    return context.Pool(workers, initializer=_init_worker, initargs=(params, parts))


def _ordered(
    pool: multiprocessing.pool.Pool,
    work: Callable[[tuple[int, int, int]], T],
    jobs: Sequence[tuple[int, int, int]],
    window: int,
) -> Iterator[T]:
    """Yield ``work(job)`` in job order, with at most ``window`` jobs in flight (flat memory)."""
    remaining = iter(jobs)
    pending = collections.deque(
        pool.apply_async(work, (job,)) for job in itertools.islice(remaining, window)
    )
    while pending:
        result = pending.popleft().get()
        job = next(remaining, None)
        if job is not None:
            pending.append(pool.apply_async(work, (job,)))
        yield result


def _pooled_rows(
    jobs: Sequence[tuple[int, int, int]],
    params: tuple[int, str, int, float, float, dt.date],
    workers: int,
) -> Iterator[Mapping[str, Sequence[Row]]]:
    with _pool(params, workers, "") as pool:
        yield from _ordered(pool, _batch_in_worker, jobs, 2 * workers)


def _write_parts(  # noqa: PLR0917  # private, called once
    target: Path,
    files: Mapping[str, tuple[str, ...]],
    jobs: Sequence[tuple[int, int, int]],
    params: tuple[int, str, int, float, float, dt.date],
    workers: int,
    on_batch: Callable[[int], None] | None,
) -> dict[str, int]:
    counts = dict.fromkeys(FILES, 0)
    parts = Path(tempfile.mkdtemp(dir=target, prefix=".parts-"))
    try:
        with contextlib.ExitStack() as stack:
            outputs: dict[str, AtomicFile] = {}
            for name in FILES:
                outputs[name] = AtomicFile(target / files[name][0])
                stack.callback(outputs[name].abort)  # no-op once committed
            with _pool(params, workers, str(parts)) as pool:
                first = True
                for (number, _, _), batch_counts in zip(
                    jobs, _ordered(pool, _parts_in_worker, jobs, 2 * workers), strict=True
                ):
                    for name in FILES:
                        part = parts / f"{number:06d}.{name}.csv"
                        with part.open("rb") as source:
                            _append(source, outputs[name].file, keep_header=first)
                        part.unlink()
                        counts[name] += batch_counts[name]
                    first = False
                    if on_batch is not None:
                        on_batch(batch_counts["contacts"])
            for output in outputs.values():
                output.commit()
    finally:
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
