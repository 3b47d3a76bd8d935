"""A check the worker tests share: every forked child is recorded, then found reaped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from custdata import _workers


def recorded_forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """
    Record the pid of every child `custdata._workers` forks; afterwards, check each was waited for.

    Use it as the body of a generator fixture: ``yield from recorded_forks(monkeypatch)``.
    """
    pids: list[int] = []
    fork = _workers._fork

    def recording(*args: Any) -> Any:
        child = fork(*args)
        pids.append(child.pid)
        return child

    monkeypatch.setattr(_workers, "_fork", recording)
    yield pids
    for pid in pids:  # every child was waited for: none is left as a zombie
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
