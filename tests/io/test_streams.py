"""Standard input and output, pipes and FIFOs: read and written with no seek."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from custdata.io import UsageError, open_reader, open_writer, parse_batch
from custdata.model import Contact, to_dict

CSV_TEXT = "contact_id;email\nC-1;a@example.org\nC-2;b@example.org\n"
JSONL_TEXT = '{"contact_id": "C-1"}\n{"contact_id": "C-2", "email": "b@example.org"}\n'

CLI = (sys.executable, "-m", "custdata.cli")

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def _python(code: str, *, stdin: bytes = b"", env: dict[str, str] | None = None) -> bytes:
    """Run Python code in a child whose standard input and output are pipes."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def _feed(path: Path, data: bytes) -> threading.Thread:
    """Write data into a FIFO from a thread (opening it blocks until a reader opens it)."""

    def feed() -> None:
        with path.open("wb") as handle:
            handle.write(data)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return thread


def _contact_ids(path: Path, **options: object) -> list[str]:
    with open_reader(path, record_type=Contact, **options) as reader:  # type: ignore[arg-type]
        rows = [row for batch in reader for row in batch]
    return [record.contact_id for record in parse_batch(rows, Contact).records]


def _contacts() -> list[Contact]:
    return [
        Contact(contact_id="C-1", given_name="Élodie", email="e@example.org"),
        Contact(contact_id="C-2", family_name="=cmd", preferred_channels=()),
        Contact(contact_id="C-3"),
    ]


CONTACT_IDS = ["C-1", "C-2", "C-3"]

_JSONL_IN = "".join(json.dumps(to_dict(contact)) + "\n" for contact in _contacts()).encode()

_COPY = (
    "from custdata.io import open_reader, open_writer, parse_batch\n"
    "from custdata.model import Contact\n"
    "with open_reader('-', format='jsonl', record_type=Contact) as reader:\n"
    "    rows = [row for batch in reader for row in batch]\n"
    "records = parse_batch(rows, Contact).records\n"
    "with open_writer('-', format={format!r}, record_type=Contact, row_group_size=1) as writer:\n"
    "    writer.write_records(records)\n"
)
"""A child that copies JSONL contacts from standard input to standard output in a format."""


def _parquet_bytes(tmp_path: Path) -> bytes:
    pytest.importorskip("pyarrow")
    path = tmp_path / "contacts.parquet"
    with open_writer(path, record_type=Contact, row_group_size=1) as writer:
        writer.write_records(_contacts())
    return path.read_bytes()


@posix_only
class TestFifoInput:
    @pytest.mark.parametrize(
        ("suffix", "text"), [(".csv", CSV_TEXT), (".jsonl", JSONL_TEXT)], ids=["csv", "jsonl"]
    )
    def test_text_formats(self, tmp_path: Path, suffix: str, text: str) -> None:
        """CSV and JSONL are read from a FIFO, which cannot seek."""
        path = tmp_path / f"in{suffix}"
        os.mkfifo(path)
        thread = _feed(path, text.encode())
        ids = _contact_ids(path)
        thread.join()
        assert ["C-1", "C-2"] == ids

    def test_parquet_is_spooled(self, tmp_path: Path) -> None:
        """Parquet is read from a FIFO through a temporary copy."""
        data = _parquet_bytes(tmp_path)
        path = tmp_path / "in.parquet"
        os.mkfifo(path)
        thread = _feed(path, data)
        ids = _contact_ids(path)
        thread.join()
        assert CONTACT_IDS == ids

    def test_a_long_csv_is_read_whole(self, tmp_path: Path) -> None:
        """Rows beyond the 64 KiB looked at for the delimiter are all read, in order."""
        lines = [f"C-{number:06d};x{number}@example.org" for number in range(20_000)]
        path = tmp_path / "in.csv"
        os.mkfifo(path)
        thread = _feed(path, ("contact_id;email\n" + "\n".join(lines) + "\n").encode())
        ids = _contact_ids(path, batch_size=999)
        thread.join()
        assert [f"C-{number:06d}" for number in range(20_000)] == ids


class TestStandardInput:
    @pytest.mark.parametrize(
        ("format", "text"), [("csv", CSV_TEXT), ("jsonl", JSONL_TEXT)], ids=["csv", "jsonl"]
    )
    def test_dash_reads_a_pipe(self, format: str, text: str) -> None:
        """'-' reads standard input, a pipe, when the format is given."""
        code = (
            "from custdata.io import open_reader\n"
            f"with open_reader('-', format={format!r}) as reader:\n"
            "    print(sum(len(batch) for batch in reader))\n"
        )
        assert b"2" == _python(code, stdin=text.encode()).strip()

    @posix_only
    def test_dev_stdin_reads_a_pipe(self) -> None:
        """/dev/stdin, a pipe here, reads like any file, with no seek."""
        code = (
            "from custdata.io import open_reader\n"
            "with open_reader('/dev/stdin', format='csv') as reader:\n"
            "    print(sum(len(batch) for batch in reader))\n"
        )
        assert b"2" == _python(code, stdin=CSV_TEXT.encode()).strip()

    @posix_only
    def test_parquet_from_a_pipe_leaves_no_file(self, tmp_path: Path) -> None:
        """Parquet on standard input is copied to a private temporary file that is then gone."""
        data = _parquet_bytes(tmp_path)
        spool = tmp_path / "spool"
        spool.mkdir()
        code = (
            "from custdata.io import open_reader\n"
            "with open_reader('-', format='parquet') as reader:\n"
            "    print(sum(len(batch) for batch in reader))\n"
        )
        counted = _python(code, stdin=data, env={"TMPDIR": str(spool)})
        assert b"3" == counted.strip()
        assert [] == list(spool.iterdir())

    def test_dash_needs_the_format(self) -> None:
        """Standard input has no suffix: without a format, a usage error says how to give it."""
        with pytest.raises(UsageError, match="--format"):
            open_reader("-")

    def test_empty_standard_input(self) -> None:
        """An empty standard input is named as such."""
        code = (
            "from custdata.errors import InputError\n"
            "from custdata.io import open_reader\n"
            "try:\n"
            "    open_reader('-', format='csv')\n"
            "except InputError as error:\n"
            "    print(error)\n"
        )
        assert b"empty file, no header: standard input" == _python(code).strip()


class TestStandardOutput:
    @pytest.mark.parametrize("format", ["csv", "jsonl"])
    def test_dash_writes_a_pipe(self, format: str, tmp_path: Path) -> None:
        """'-' streams to standard output the bytes a file gets, from a pipe to a pipe."""
        streamed = _python(_COPY.format(format=format), stdin=_JSONL_IN)
        path = tmp_path / f"out.{format}"
        with open_writer(path, record_type=Contact) as writer:
            writer.write_records(_contacts())
        assert path.read_bytes() == streamed

    def test_parquet_to_a_pipe(self, tmp_path: Path) -> None:
        """Parquet streams to a pipe (no seek) and reads back whole."""
        pytest.importorskip("pyarrow")
        path = tmp_path / "piped.parquet"
        path.write_bytes(_python(_COPY.format(format="parquet"), stdin=_JSONL_IN))
        assert CONTACT_IDS == _contact_ids(path)

    def test_standard_output_stays_open(self) -> None:
        """Standard output keeps the order of what was printed, and stays open after the writer."""
        code = (
            "from custdata.io import open_writer\n"
            "print('before')\n"
            "with open_writer('-', format='jsonl') as writer:\n"
            "    writer.write_rows([{'a': 1}])\n"
            "print('after')\n"
        )
        assert b'before\n{"a": 1}\nafter\n' == _python(code)

    def test_no_part_file(self, tmp_path: Path) -> None:
        """Standard output is written as it goes: no temporary file in the working directory."""
        code = (
            "from custdata.io import open_writer\n"
            "with open_writer('-', format='csv', columns=['a']) as writer:\n"
            "    writer.write_rows([{'a': 'x'}])\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, check=True, cwd=tmp_path
        )
        assert b"a\r\nx\r\n" == result.stdout
        assert [] == list(tmp_path.iterdir())

    def test_text_only_standard_output(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A standard output without bytes underneath (a notebook) is a usage error."""
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        with pytest.raises(UsageError, match="not a byte stream"):
            open_writer("-", format="jsonl")

    def test_dash_needs_the_format(self) -> None:
        """Standard output has no suffix: without a format, a usage error names --output-format."""
        with pytest.raises(UsageError, match="--output-format"):
            open_writer("-", record_type=Contact)


class TestCommandLine:
    def test_validate_reads_standard_input(self, tmp_path: Path) -> None:
        """custdata validate - --format csv reads a pipe end to end."""
        out = tmp_path / "out.csv"
        result = subprocess.run(
            [*CLI, "validate", "-", "--format", "csv", "-o", str(out)],
            input=CSV_TEXT.encode(),
            capture_output=True,
            check=False,
        )
        assert 0 == result.returncode, result.stderr.decode(errors="replace")
        assert b"UnsupportedOperation" not in result.stderr
        assert 3 == len(out.read_text(encoding="utf-8").splitlines())

    def test_convert_parquet_from_standard_input(self, tmp_path: Path) -> None:
        """custdata convert - --format parquet spools the pipe and converts it."""
        data = _parquet_bytes(tmp_path)
        out = tmp_path / "out.jsonl"
        result = subprocess.run(
            [*CLI, "convert", "-", "--format", "parquet", "-o", str(out)],
            input=data,
            capture_output=True,
            check=False,
        )
        assert 0 == result.returncode, result.stderr.decode(errors="replace")
        ids = [json.loads(line)["contact_id"] for line in out.read_text().splitlines()]
        assert CONTACT_IDS == ids


class TestReplay:
    def test_non_seekable_stream(self) -> None:
        """The replayed stream gives the whole input from a stream that cannot seek."""
        from custdata.io._base import replayable

        class Pipe(io.RawIOBase):
            def __init__(self, data: bytes) -> None:
                self._data = io.BytesIO(data)

            def readable(self) -> bool:
                return True

            def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
                chunk = self._data.read(min(len(buffer), 7))
                buffer[: len(chunk)] = chunk
                return len(chunk)

        data = bytes(range(256)) * 50
        head, stream = replayable(io.BufferedReader(Pipe(data)), 1000)
        assert (data[:1000], data) == (head, stream.read())
