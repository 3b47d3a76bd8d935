"""SIGINT, SIGTERM and SIGHUP stop every command the same way: no temporary file left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Enough rows that validation runs for seconds, so the signal lands mid-run.
_ROWS = 300_000
_WAIT = 60.0


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A contacts file large enough to be interrupted while it is written."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("contact_id,email,given_name,family_name\n")
        handle.writelines(
            f"C-{i},user{i}@example.org,Jean,Dupont\n"
            if i % 50
            else f"C-{i},not-an-email,Jean,Dupont\n"
            for i in range(_ROWS)
        )
    return path


def _part_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.part"))


def _interrupt(process: subprocess.Popen[bytes], folder: Path, signum: signal.Signals) -> bytes:
    """Send ``signum`` once the run's first temporary output exists; return its stderr."""
    deadline = time.monotonic() + _WAIT
    while not _part_files(folder) and process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("no temporary output appeared")
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signum)
    _, err = process.communicate(timeout=_WAIT)
    return err


def _start(arguments: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "custdata.cli", *arguments],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class TestStopSignals:
    @pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
    def test_validate_leaves_no_temporary_file(
        self, big_csv: Path, tmp_path: Path, signum: signal.Signals
    ) -> None:
        """A signal mid-run exits 128 + signal and removes the outputs' temporary files."""
        process = _start(
            ["validate", str(big_csv), "-o", "out.csv", "--rejects", "rejects.csv"], tmp_path
        )
        err = _interrupt(process, tmp_path, signum)
        assert 128 + signum == process.returncode
        assert [] == _part_files(tmp_path)
        assert not (tmp_path / "out.csv").exists()
        assert not (tmp_path / "rejects.csv").exists()
        assert b"nothing written" in err
        assert b"Traceback" not in err

    @pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
    def test_apply_leaves_no_temporary_file(
        self, big_csv: Path, tmp_path: Path, signum: signal.Signals
    ) -> None:
        """apply stopped mid-run leaves no output, rejects or audit, temporary or final."""
        from custdata.keys import KeyRing

        KeyRing.generate().dump(tmp_path / "keys.json")
        arguments = ["apply", "--policy", "partner-share", "--keys", "keys.json", str(big_csv)]
        arguments += ["-o", "out.csv", "--rejects", "rejects.csv", "--audit", "audit.json"]
        process = _start(arguments, tmp_path)
        err = _interrupt(process, tmp_path, signum)
        assert 128 + signum == process.returncode
        assert ["keys.json"] == sorted(path.name for path in tmp_path.iterdir())
        assert b"nothing written" in err
        assert b"Traceback" not in err
