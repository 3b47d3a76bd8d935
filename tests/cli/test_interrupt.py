"""An interrupted ``custdata generate`` (SIGINT or SIGTERM) leaves no file and no process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("faker")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need os.fork")


def _started(out: Path, process: subprocess.Popen[bytes]) -> bool:
    """Whether the command has begun writing (its temporary part files exist)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(entry.name.startswith(".parts-") for entry in out.iterdir()):
            return True
        time.sleep(0.05)
    return False


def _group_gone(pgid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


class TestInterruptedGenerate:
    """Ctrl-C or kill while worker processes build batches: nothing is left behind."""

    @pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
    @pytest.mark.parametrize("group", [True, False])
    def test_nothing_left(self, tmp_path: Path, signum: signal.Signals, group: bool) -> None:
        """No file (temporary or final) and no process remain; the exit code says interrupted."""
        out = tmp_path / "out"
        out.mkdir()
        command = [sys.executable, "-m", "custdata.cli", "generate", "--rows", "400000"]
        command += ["-o", str(out), "--workers", "2"]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        process = subprocess.Popen(
            command,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            assert _started(out, process)
            if group:  # as Ctrl-C in a terminal: the parent and its workers
                os.killpg(process.pid, signum)
            else:  # as kill PID: the parent alone
                os.kill(process.pid, signum)
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert 128 + signum == process.returncode
        assert b"nothing written" in stderr
        assert [] == sorted(entry.name for entry in out.iterdir())
        assert _group_gone(process.pid)


class TestPreviousDatasetKept:
    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
    def test_interrupted_run_keeps_the_earlier_dataset(
        self, tmp_path: Path, signum: signal.Signals
    ) -> None:
        """An interrupted generate leaves the dataset already in the directory whole."""
        out = tmp_path / "out"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        base = [sys.executable, "-m", "custdata.cli", "generate", "-o", str(out)]
        subprocess.run([*base, "--rows", "50"], env=env, check=True, capture_output=True)
        before = {entry.name: entry.read_bytes() for entry in out.iterdir()}
        process = subprocess.Popen(
            [*base, "--rows", "400000", "--workers", "2"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            assert _started(out, process)
            os.kill(process.pid, signum)
            process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert 128 + signum == process.returncode
        assert before == {entry.name: entry.read_bytes() for entry in out.iterdir()}
        assert "manifest.json" in before
