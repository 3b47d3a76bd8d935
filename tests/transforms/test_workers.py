"""apply_many(workers=n): forked children, order, None, errors, fallbacks, no zombies."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fork_checks import recorded_forks

from custdata import KeyRing, PolicyError, Pseudonymise, TransformError, _workers
from custdata._crypto import MacState
from custdata.transforms import Bucket, MaskEmail, TruncateDate, base

SECRET = bytes(range(100, 132))
RING = KeyRing.from_mapping({"k1": SECRET}, active="k1")
MARKER = "zq9MarkerValue@example.fr"


def _record_forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    monkeypatch.setattr(base, "_MIN_PARALLEL", 8)
    yield from recorded_forks(monkeypatch)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Split any batch of 8 values or more, and record the pid of every forked child."""
    # Threads left running by other tests (or by libraries they load) would turn
    # forking off; the children here only run this module's transforms.
    monkeypatch.setattr(_workers, "can_fork", lambda: hasattr(os, "fork"))
    yield from _record_forks(monkeypatch)


@pytest.fixture
def unforced_forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Like forks, but forking only where apply_many itself finds it safe."""
    yield from _record_forks(monkeypatch)


def _values(count: int) -> list[object]:
    return [f"user{i % (count // 2 + 1)}@example.fr" for i in range(count)]


class TestResults:
    """workers=n gives exactly the results of workers=1, in order."""

    @pytest.mark.parametrize("workers", [2, 3, 5])
    def test_equals_loop(self, forks: list[int], workers: int) -> None:
        """Repeated values, merged then split: the per-value loop's results, in order."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(1000)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=workers)
        assert workers - 1 == len(forks)

    def test_all_distinct(self, forks: list[int]) -> None:
        """A large all-distinct batch (transformed in place) keeps its order."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [f"v{i}" for i in range(6000)]
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert 1 == len(forks)

    def test_none_values(self, forks: list[int]) -> None:
        """None stays None wherever it is, including first and last."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [None, *_values(40), None, "é", None, *_values(30), None]
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert forks

    def test_none_in_large_distinct_batch(
        self, forks: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Split unmerged, a batch with None sends None back from the child and keeps it."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [None if i % 7 == 0 else f"v{i}" for i in range(6000)]
        cut = round(3000 * base._PARENT_SHARE)  # where the child's share starts
        values[-1] = values[cut - 1] = values[cut] = values[cut + 1] = None
        unpacked: list[list[object]] = []
        unpack = Pseudonymise._unpack

        def recording(self: Pseudonymise, data: bytearray) -> list[object]:
            unpacked.append(unpack(self, data))
            return unpacked[-1]

        monkeypatch.setattr(Pseudonymise, "_unpack", recording)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert 1 == len(forks)
        assert None in unpacked[0]
        assert None is unpacked[0][-1]

    def test_floats_in_large_batch(self, forks: list[int]) -> None:
        """Values that are never merged (floats) are split and transformed one by one."""
        bucket = Bucket(edges=(10, 100, 1000))
        values: list[object] = [i * 0.37 for i in range(6000)]
        values[4000] = None
        assert [bucket(v) for v in values] == bucket.apply_many(values, workers=2)
        assert forks

    def test_only_none_and_empty(self, forks: list[int]) -> None:
        """An empty batch and a batch of None need no worker."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        assert [] == pseudo.apply_many([], workers=2)
        assert [None] * 20 == pseudo.apply_many([None] * 20, workers=2)
        assert [] == forks

    def test_small_batches_stay_here(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Below the threshold nothing is forked."""
        called: list[object] = []
        monkeypatch.setattr(_workers, "_fork", lambda *args: called.append(args))
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(100)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert [] == called

    def test_more_workers_than_values(self, forks: list[int]) -> None:
        """Empty shares get no child."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [f"v{i}" for i in range(8)]
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=16)
        assert len(forks) <= 7

    @given(
        values=st.lists(st.none() | st.text(max_size=12), min_size=8, max_size=60),
        workers=st.integers(2, 4),
    )
    def test_any_text(self, values: list[object], workers: int) -> None:
        """On any batch of text and None, workers=n equals the loop."""
        pseudo = Pseudonymise(keys=RING, domain="d")
        original = base._MIN_PARALLEL
        base._MIN_PARALLEL = 4  # type: ignore[misc]  # restored below
        try:
            actual = pseudo.apply_many(values, workers=workers)
        finally:
            base._MIN_PARALLEL = original  # type: ignore[misc]
        assert [pseudo(v) for v in values] == actual

    @pytest.mark.parametrize(
        ("transform", "values"),
        [
            (MaskEmail(), [f"user{i}@example.fr" for i in range(50)]),
            (TruncateDate(unit="month"), [date(2024, 1 + i % 12, 1 + i % 28) for i in range(50)]),
        ],
    )
    def test_pickled_results(self, forks: list[int], transform: Any, values: list[object]) -> None:
        """Transforms without their own packing send their results pickled."""
        assert [transform(v) for v in values] == transform.apply_many(values, workers=2)
        assert forks


class TestErrors:
    """Errors are those of workers=1; a failed child is not fatal; no child is left behind."""

    @pytest.mark.parametrize("position", [0, 35, 99])
    @pytest.mark.parametrize(
        ("bad", "code"), [(42, "wrong_type"), ("a\ud800", "invalid_text"), (b"x", "wrong_type")]
    )
    def test_same_error(self, forks: list[int], position: int, bad: object, code: str) -> None:
        """A bad value in this process's share or a child's raises workers=1's error."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [f"{MARKER}{i}" for i in range(100)]
        values[position] = bad
        with pytest.raises(TransformError) as one:
            pseudo.apply_many(values)
        with pytest.raises(TransformError) as two:
            pseudo.apply_many(values, workers=3)
        assert ("pseudonymise", code) == (two.value.transform, two.value.code)
        assert (one.value.code, str(one.value)) == (two.value.code, str(two.value))
        assert MARKER not in str(two.value)
        assert forks

    @pytest.mark.parametrize("position", [10, 5000])
    def test_same_error_large_batch(self, forks: list[int], position: int) -> None:
        """In a large distinct batch split without merging, errors are those of workers=1."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [f"{MARKER}{i}" for i in range(6000)]
        values[position] = 12
        with pytest.raises(TransformError) as two:
            pseudo.apply_many(values, workers=2)
        assert ("pseudonymise", "wrong_type") == (two.value.transform, two.value.code)
        assert MARKER not in str(two.value)
        assert forks

    def test_first_bad_value_wins(self, forks: list[int]) -> None:
        """With bad values in two children's shares, the error is the first one's."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [f"v{i}" for i in range(90)]
        values[80], values[40] = 7, "a\ud800"
        with pytest.raises(TransformError, match="invalid_text"):
            pseudo.apply_many(values, workers=3)
        assert forks

    def test_failed_child_is_recomputed(
        self, forks: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A child that fails for another reason costs time, not results."""

        def failing(self: Pseudonymise, results: list[object]) -> bytes:
            raise MemoryError

        monkeypatch.setattr(Pseudonymise, "_pack", failing)
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(200)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert forks

    def test_wrong_count_is_recomputed(
        self, forks: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A blob that does not hold one result per value is not trusted."""
        monkeypatch.setattr(Pseudonymise, "_unpack", lambda self, data: ["x"])
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(200)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert forks

    def test_killed_child(self, forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
        """A child killed before writing everything is recomputed here."""

        def dying(self: Pseudonymise, results: list[object]) -> bytes:
            os.kill(os.getpid(), 9)
            return b""

        monkeypatch.setattr(Pseudonymise, "_pack", dying)
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(200)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=3)
        assert 2 == len(forks)

    def test_children_reaped_when_this_process_fails(self, forks: list[int]) -> None:
        """An error in this process's share stops and waits for the children."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values: list[object] = [3, *_values(5000)]
        with pytest.raises(TransformError, match="wrong_type"):
            pseudo.apply_many(values, workers=3)
        assert 2 == len(forks)  # the fixture checks they were all waited for


class TestFallbacks:
    """Where forking is unavailable or unsafe, the batch runs in this process."""

    def test_no_fork(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without os.fork (Windows) workers=2 runs here, with the same results."""
        monkeypatch.setattr(base, "_MIN_PARALLEL", 8)
        monkeypatch.delattr(os, "fork")
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(100)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)

    def test_other_threads(self, unforced_forks: list[int]) -> None:
        """While another thread runs, nothing is forked."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(100)
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            actual = pseudo.apply_many(values, workers=2)
        finally:
            stop.set()
            thread.join()
        assert [pseudo(v) for v in values] == actual
        assert [] == unforced_forks

    def test_forks_when_alone(self, unforced_forks: list[int]) -> None:
        """With no other thread running, apply_many forks by itself."""
        if threading.active_count() > 1:
            pytest.skip("another test left a thread running")
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(100)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert 1 == len(unforced_forks)


class TestKeys:
    """Keys stay in memory: nothing that holds one is pickled to or from a child."""

    def test_nothing_pickled(self, forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
        """The transform and its MAC state are never pickled with workers=2."""

        def refuse(self: object, *args: object) -> object:
            msg = "pickled"
            raise AssertionError(msg)

        monkeypatch.setattr(MacState, "__reduce__", refuse)
        monkeypatch.setattr(Pseudonymise, "__reduce_ex__", refuse, raising=False)
        pseudo = Pseudonymise(keys=RING, domain="email")
        values = _values(300)
        assert [pseudo(v) for v in values] == pseudo.apply_many(values, workers=2)
        assert forks


class TestWorkersParameter:
    """workers is a whole number from 1 to 64, checked before any work."""

    @pytest.mark.parametrize("workers", ["2", 1.5, 0, -1, True, False, None, 65, 2.0])
    def test_refused(self, workers: object) -> None:
        """A bad workers is a PolicyError naming the transform and the parameter."""
        pseudo = Pseudonymise(keys=RING, domain="email")
        with pytest.raises(PolicyError) as info:
            pseudo.apply_many(["a@example.fr"], workers=workers)  # type: ignore[arg-type]
        assert "Pseudonymise: workers must be a whole number from 1 to 64" == str(info.value)

    @pytest.mark.parametrize("workers", [1, 2, 64])
    def test_accepted(self, workers: int) -> None:
        """Whole numbers from 1 to 64 are accepted, even on a batch too small to split."""
        mask = MaskEmail()
        assert ["a***@e***.fr", None] == mask.apply_many(["ab@example.fr", None], workers=workers)

    def test_checked_on_empty_batch(self) -> None:
        """The check does not depend on the batch."""
        with pytest.raises(PolicyError, match="MaskEmail: workers"):
            MaskEmail().apply_many([], workers=0)
