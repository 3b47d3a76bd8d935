"""custdata._workers: forked children run jobs in order, fail softly and are always reaped."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fork_checks import recorded_forks

from custdata import _workers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture
def pids(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Record every forked child; after the test, check each was waited for."""
    yield from recorded_forks(monkeypatch)


def _square(job: int) -> bytes:
    return pickle.dumps((job, os.getpid(), job * job))


class TestForked:
    """Jobs run in children, results come back in job order."""

    @pytest.mark.parametrize(("jobs", "children", "window"), [(7, 3, None), (10, 2, 1), (5, 8, 2)])
    def test_results_in_order(
        self, pids: list[int], jobs: int, children: int, window: int | None
    ) -> None:
        """Every job's result, in job order, from the children (never from this process)."""
        with _workers.Forked(_square, jobs, children, window=window) as results:
            got = [pickle.loads(data) for data in results if data is not None]  # noqa: S301
        assert [(job, job * job) for job in range(jobs)] == [(job, sq) for job, _, sq in got]
        assert os.getpid() not in {pid for _, pid, _ in got}
        assert min(jobs, children) == len(pids)

    def test_no_jobs(self, pids: list[int]) -> None:
        """No job, no child."""
        with _workers.Forked(_square, 0, 4) as results:
            assert [] == list(results)
        assert [] == pids

    def test_failed_child(self, pids: list[int]) -> None:
        """A child whose work raises gives None for that job and its later ones only."""
        parent = os.getpid()

        def work(job: int) -> bytes:
            if job == 2 and os.getpid() != parent:
                raise RuntimeError
            return str(job).encode()

        with _workers.Forked(work, 8, 2, window=1) as results:
            got = list(results)
        # Child 0 runs jobs 0, 2, 4, 6 and stops at 2; child 1 runs 1, 3, 5, 7.
        assert [b"0", b"1", None, b"3", None, b"5", None, b"7"] == got
        assert 2 == len(pids)

    def test_killed_child(self, pids: list[int]) -> None:
        """A child killed by a signal is a failed child, not an error here."""

        def work(job: int) -> bytes:
            if job == 1:
                os.kill(os.getpid(), signal.SIGTERM)
            return b"x"

        with _workers.Forked(work, 2, 2) as results:
            assert [b"x", None] == list(results)

    def test_window_holds_children_back(self, pids: list[int], tmp_path: Path) -> None:
        """With a window, a child starts no more jobs than granted: unread results stay few."""

        def work(job: int) -> bytes:
            (tmp_path / str(job)).touch()
            return b"x"

        with _workers.Forked(work, 20, 2, window=2) as results:
            iterator = iter(results)
            next(iterator)  # job 0 read: child 0 was granted one more job
            next(iterator)  # job 1 read
            for child in list(pids):
                os.kill(child, signal.SIGSTOP)  # freeze them, then look
            started = {int(path.name) for path in tmp_path.iterdir()}
            for child in list(pids):
                os.kill(child, signal.SIGCONT)
        assert started <= set(range(6))

    def test_interrupted_reader(self, pids: list[int]) -> None:
        """An exception while reading (Ctrl-C) kills and reaps every child."""

        def work(job: int) -> bytes:
            if job:
                signal.pause()  # would run forever
            return b"first"

        def read() -> None:
            with _workers.Forked(work, 3, 3) as results:
                for _ in results:
                    raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            read()
        assert 3 == len(pids)

    def test_child_never_runs_callers_cleanup(self, pids: list[int], tmp_path: Path) -> None:
        """A child leaves with os._exit: the caller's finally blocks run in the caller only."""
        ran = tmp_path / "cleanup"

        def work(job: int) -> bytes:
            raise KeyboardInterrupt  # unwinds the child's stack, up to its os._exit

        try:
            with _workers.Forked(work, 1, 1) as results:
                assert [None] == list(results)
        finally:
            with ran.open("a") as file:
                file.write(f"{os.getpid()}\n")
        assert f"{os.getpid()}\n" == ran.read_text()

    def test_handlers_reset_in_children(self, pids: list[int]) -> None:
        """A Python SIGTERM handler of the caller is not run by a child: SIGTERM ends it."""
        caught: list[int] = []
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: caught.append(signum))
        try:

            def work(job: int) -> bytes:
                os.kill(os.getpid(), signal.SIGTERM)
                return b"survived"

            with _workers.Forked(work, 1, 1) as results:
                assert [None] == list(results)
        finally:
            signal.signal(signal.SIGTERM, previous)
        assert [] == caught


class TestChecks:
    """can_fork and check_workers."""

    def test_no_fork_with_threads(self) -> None:
        """While another thread runs, forking is refused."""
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            assert not _workers.can_fork()
        finally:
            stop.set()
            thread.join()

    @pytest.mark.parametrize("workers", [1, 7, _workers.MAX_WORKERS])
    def test_good_workers(self, workers: int) -> None:
        """Whole numbers from 1 to the bound pass."""
        assert _workers.check_workers(workers) is None

    @pytest.mark.parametrize("workers", [0, -3, 65, True, "2", 1.5, None])
    def test_bad_workers(self, workers: object) -> None:
        """Anything else is described, without its value."""
        assert "must be a whole number from 1 to 64" == _workers.check_workers(workers)
