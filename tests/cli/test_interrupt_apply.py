"""An interrupted ``custdata apply`` on a Parquet file (the frames path) leaves no file behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custdata.keys import KeyRing


def _contacts(path: Path, rows: int) -> None:
    table = pa.table(
        {
            "contact_id": [f"C-{n}" for n in range(rows)],
            "email": [f"person.{n}@example.org" for n in range(rows)],
            "phone": [
                f"+33 6 {n % 100:02d} {n // 100 % 100:02d} 00 {n % 97:02d}" for n in range(rows)
            ],
        }
    )
    pq.write_table(table, path, row_group_size=20_000)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_nothing_left(tmp_path: Path, signum: signal.Signals) -> None:
    """Ctrl-C or kill mid-run: no output, no rejects, no audit, and the exit code says so."""
    source, keys = tmp_path / "contacts.parquet", tmp_path / "keys.json"
    _contacts(source, 300_000)
    KeyRing.generate(key_id="k-test").dump(keys)
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-m", "custdata.cli", "apply", "--policy", "partner-share"]
    command += ["--keys", str(keys), str(source), "-o", str(out / "partner.parquet")]
    command += ["--rejects", str(out / "rejects.csv"), "--audit", str(out / "audit.json")]
    command += ["--today", "2026-01-15"]
    # A child inherits the signals its parent blocks: they must reach the command.
    assert set() == signal.pthread_sigmask(signal.SIG_BLOCK, []) & {signum}, "blocked here"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None and not any(out.iterdir()):
            time.sleep(0.05)
        time.sleep(0.5)  # well into the batches
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert 128 + signum == process.returncode, stderr.decode(errors="replace")[-2000:]
    assert b"nothing written" in stderr
    assert [] == sorted(entry.name for entry in out.iterdir())
