"""
Worker processes: the library's one process model (private).

`apply_many(workers=n)` and `custdata.io.write_synthetic(workers=n)` both run
their work here, in children made with ``os.fork``; nothing else in the library
starts a process.

Why fork, and not a spawned pool:

- Keys stay in memory. A forked child inherits the transform, its derived keys
  and the batch in its copy of this process's memory, so nothing is pickled on
  the way in and no key ever crosses a pipe. A spawned (or forkserver) child
  starts empty: the transform, keys included, would have to be pickled to it.
- Speed. A fork costs milliseconds and the child starts with every module
  imported and every table built; a spawned child imports the library and
  rebuilds its state (the generator's word pools) first, which costs more
  than `apply_many` saves on a million values.

The price: where forking is not possible (below), ``workers`` buys nothing,
where a spawned pool would still run in parallel.

Forking is safe only in a process that runs no other thread: a lock held by
another thread at the fork is never released in the child, which can then
deadlock (Python 3.12 warns about it). So work runs in the calling process
instead, with the same results, where ``os.fork`` does not exist (Windows) and
while another Python thread runs (a notebook kernel, a threaded server):
`can_fork` says which. ``workers`` is a hint that changes nothing but the speed.
Children run only the work they are given and leave with ``os._exit``: they
never run the caller's cleanup (``finally`` blocks, ``atexit``, buffered files),
which stays the calling process's job.

How a run goes (`Forked`): child ``k`` of ``n`` runs jobs ``k``, ``k + n``,
``k + 2n``... in order; each job's result is a bytes blob written, behind its
length, to the child's pipe. The calling process reads the blobs in job order.
With a ``window``, a child starts a job only when the calling process has
granted it one (a byte on a second pipe), so at most ``window`` results per
child wait to be read and memory stays flat. A child that fails for any reason
writes nothing more and exits; its jobs are then reported as ``None``, for the
caller to run them itself, which raises the error a single process would raise.

Signals: SIGINT, SIGTERM and SIGHUP are blocked while a child is forked and recorded, so
an interruption can never leave an unrecorded child; a child restores their
default action (unless they were ignored), so Ctrl-C, or ``kill`` on the
process group, ends it at once. Leaving `Forked` (normally or by an exception
such as `KeyboardInterrupt`) closes every pipe, kills the children still running
and waits for each: no zombie, no orphan, and no child still writing a file the
caller is about to remove. The ``custdata`` command turns SIGTERM into the same
unwinding as Ctrl-C, so that ``kill`` leaves no temporary file either.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import struct
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Final

__all__ = ["MAX_WORKERS", "Forked", "can_fork", "check_workers", "signals_deferred"]

MAX_WORKERS: Final = 64
"""The largest ``workers`` accepted: more processes than this only compete for cores."""

_LENGTH: Final = struct.Struct("<Q")  # the length written before a result's blob

# Linux pipes hold 64 KiB by default; a larger buffer means fewer wake-ups.
_PIPE_BYTES: Final = 1 << 20

# The signals that stop a run (the command line turns SIGTERM and SIGHUP into an
# interruption, as SIGINT is one): deferred around steps that must not be cut in two,
# and given back their default action in children.
_SIGNALS: Final = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def check_workers(workers: object) -> str | None:
    """
    What is wrong with a ``workers`` argument, or ``None`` if nothing is.

    Args:
        workers: The value given.

    Returns:
        ``None`` for an int (not a bool) from 1 to `MAX_WORKERS`, else the
        problem, such as ``"must be a whole number from 1 to 64"``, for the
        caller's error (which names the parameter and its owner).
    """
    if isinstance(workers, int) and not isinstance(workers, bool) and 1 <= workers <= MAX_WORKERS:
        return None
    return f"must be a whole number from 1 to {MAX_WORKERS}"


def can_fork() -> bool:
    """Whether forking is available and safe here: ``os.fork`` exists and no other thread runs."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Forked:
    """
    Run ``work(job)`` for each job in forked children; iterate the results in job order.

    Use it as a context manager: the children are forked on entry, and on exit
    every pipe is closed and every child waited for (those still running are
    killed). Iterating yields each job's blob, in job order, or ``None`` for a
    job whose child failed: the caller then runs that job itself.

    Args:
        work: Runs one job in a child and returns its result as bytes.
        jobs: How many jobs.
        children: How many children to fork (at most ``jobs``).
        window: If given, how many results each child may have waiting to be
            read; it starts a job only when the previous ones are within this.
    """

    def __init__(
        self,
        work: Callable[[int], bytes],
        jobs: int,
        children: int,
        *,
        window: int | None = None,
    ) -> None:
        self._work = work
        self._jobs = jobs
        self._count = max(0, min(children, jobs))
        self._window = window
        self._children: list[_Child] = []

    def __enter__(self) -> Forked:
        try:
            for first in range(self._count):
                jobs = range(first, self._jobs, self._count)
                with signals_deferred():
                    # Recorded before the signals are let through again: an interruption
                    # right after the fork still finds the child, to kill and reap it.
                    self._children.append(_fork(self._work, jobs, self._window, self._fds()))
            if self._window is not None:
                for child in self._children:
                    child.grant(self._window)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _fds(self) -> list[int]:
        # A child closes the pipes of the children forked before it: holding their
        # ends open would hide an end of file from this process, or from them.
        return [fd for child in self._children for fd in child.fds()]

    def __iter__(self) -> Iterator[bytearray | None]:
        """Each job's result in job order; ``None`` for a job whose child failed."""
        for job in range(self._jobs):
            if not self._children:  # none could be forked: the caller runs every job
                yield None
                continue
            child = self._children[job % len(self._children)]
            data = child.read()
            if data is not None and self._window is not None:
                child.grant(1)
            yield data

    def close(self) -> None:
        """Close every pipe, kill the children still running, and wait for each of them."""
        children, self._children = self._children, []
        for child in children:
            child.close()
        for child in children:
            child.reap()


class _Child:
    """One forked child: its pid, the read end of its results, the write end of its grants."""

    def __init__(self, pid: int, results: int, grants: int | None, jobs: int) -> None:
        self.pid = pid
        self._results: int | None = results
        self._grants = grants
        self._ungranted = jobs  # never more grants than jobs: the child reads each one
        self._failed = False

    def fds(self) -> list[int]:
        return [fd for fd in (self._results, self._grants) if fd is not None]

    def grant(self, jobs: int) -> None:
        jobs = min(jobs, self._ungranted)
        if self._grants is None or not jobs:
            return
        self._ungranted -= jobs
        with contextlib.suppress(OSError):  # the child is gone: reading its results says so
            _write_all(self._grants, b"\x00" * jobs)

    def read(self) -> bytearray | None:
        # None, for this job and every later one, once the child stopped early.
        if self._failed or self._results is None:
            return None
        header = _read_exactly(self._results, _LENGTH.size)
        data = None if header is None else _read_exactly(self._results, _LENGTH.unpack(header)[0])
        if data is None:
            self._failed = True
        return data

    def close(self) -> None:
        for fd in self.fds():
            os.close(fd)
        self._results = self._grants = None

    def reap(self) -> None:
        try:
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by a SIGCHLD handler of the host
            pass


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """
    Hold SIGINT, SIGTERM and SIGHUP back in this thread until the block ends.

    For a step that must not be cut in two, such as creating a temporary file
    and recording it for removal: an interruption is raised just after it.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _fork(
    work: Callable[[int], bytes], jobs: range, window: int | None, inherited: list[int]
) -> _Child:
    """Fork one child that runs ``jobs``; called with SIGINT, SIGTERM and SIGHUP blocked."""
    read_fd, write_fd = os.pipe()
    with contextlib.suppress(ImportError, AttributeError, OSError):  # Linux only
        import fcntl

        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    grant_read, grant_write = os.pipe() if window is not None else (None, None)
    own = [read_fd, write_fd]
    not_ours = [read_fd, *inherited]  # the ends the child closes
    if grant_read is not None and grant_write is not None:
        own += [grant_read, grant_write]
        not_ours.append(grant_write)
    try:
        pid = os.fork()
    except BaseException:
        for fd in own:
            os.close(fd)
        raise
    if pid == 0:  # the child: never returns, whatever happens
        status = 1
        try:
            for fd in not_ours:
                os.close(fd)
            _run_child(work, jobs, write_fd, grant_read)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    if grant_read is not None:
        os.close(grant_read)
    return _Child(pid, read_fd, grant_write, len(jobs))


def _run_child(work: Callable[[int], bytes], jobs: range, out: int, grants: int | None) -> None:
    for number in _SIGNALS:
        if callable(signal.getsignal(number)):  # the caller's handler: not for a child
            signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    gc.disable()  # a short life: collecting would only copy pages
    for job in jobs:
        if grants is not None and not os.read(grants, 1):
            return  # the calling process stopped reading
        data = work(job)
        _write_all(out, _LENGTH.pack(len(data)))
        _write_all(out, data)
    os.close(out)  # end of file now, not after the address space is torn down


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = os.readv(fd, [view[done:]])
        if not got:
            return None
        done += got
    return buffer
