"""Writing: atomic outputs, the rejects file and the progress bar."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from custdata.errors import Issue, MissingDependencyError
from custdata.io import (
    REJECT_COLUMNS,
    Reject,
    UsageError,
    open_rejects_writer,
    open_writer,
    progress,
)
from custdata.model import Contact


class BoomError(Exception):
    """Raised on purpose in the middle of a write."""


def rows_then_boom() -> object:
    """Yield a few contacts, then fail."""
    yield Contact(contact_id="C-1")
    yield Contact(contact_id="C-2")
    raise BoomError


class TestAtomicWrites:
    @pytest.mark.parametrize("name", ["out.csv", "out.jsonl", "out.parquet"])
    def test_failure_leaves_no_file(self, tmp_path: Path, name: str) -> None:
        """A failure mid-write leaves neither the output nor a temporary file."""
        path = tmp_path / name
        with pytest.raises(BoomError), open_writer(path, record_type=Contact) as writer:
            writer.write_records(rows_then_boom())  # type: ignore[arg-type]
        assert [] == list(tmp_path.iterdir())

    def test_failure_keeps_previous_file(self, tmp_path: Path) -> None:
        """A failed run leaves an existing output as it was."""
        path = tmp_path / "out.csv"
        path.write_text("previous\n", encoding="utf-8")
        with pytest.raises(BoomError), open_writer(path, record_type=Contact) as writer:
            writer.write_records(rows_then_boom())  # type: ignore[arg-type]
        assert path.read_text(encoding="utf-8") == "previous\n"
        assert [path] == list(tmp_path.iterdir())

    def test_nothing_visible_before_commit(self, tmp_path: Path) -> None:
        """The final name appears only on commit."""
        path = tmp_path / "out.jsonl"
        writer = open_writer(path, record_type=Contact)
        writer.write_records([Contact(contact_id="C-1")])
        assert not path.exists()
        writer.commit()
        assert path.exists()

    def test_missing_directory_is_usage_error(self, tmp_path: Path) -> None:
        """An output in a directory that does not exist is a usage error."""
        with pytest.raises(UsageError, match="does not exist"):
            open_writer(tmp_path / "nope" / "out.csv", record_type=Contact)

    def test_columns_needed_without_record_type(self, tmp_path: Path) -> None:
        """CSV needs columns or a record type."""
        with pytest.raises(UsageError):
            open_writer(tmp_path / "out.csv")

    def test_unknown_column_in_row(self, tmp_path: Path) -> None:
        """A row with a column outside the header is a programming error."""
        with (
            pytest.raises(ValueError, match="not in the output"),
            open_writer(tmp_path / "out.csv", columns=["a"]) as writer,
        ):
            writer.write_rows([{"a": 1, "b": 2}])
        assert [] == list(tmp_path.iterdir())

    def test_missing_pyarrow(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Writing Parquet without pyarrow names the 'arrow' extra."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(MissingDependencyError, match=r"custdata\[arrow\]"):
            open_writer(tmp_path / "out.parquet", record_type=Contact)


REJECT = Reject(
    row=7,
    values={"contact_id": "C-7", "email": "=not-an-email", "interests": ["a", "b"]},
    issues=(
        Issue(path="email", code="invalid_email", message="not an email address"),
        Issue(path="birth_date", code="invalid_date", message="expected a date"),
    ),
)


class TestRejectsWriter:
    def test_csv_columns(self, tmp_path: Path) -> None:
        """CSV rejects hold the row number, the issues, then the escaped values."""
        path = tmp_path / "rejects.csv"
        with open_rejects_writer(path, columns=["contact_id", "email", "interests"]) as rejects:
            rejects.write([REJECT])
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join([*REJECT_COLUMNS, "contact_id", "email", "interests"])
        assert lines[1] == (
            "7,email: not an email address [invalid_email]; "
            "birth_date: expected a date [invalid_date],C-7,'=not-an-email,a|b"
        )

    def test_jsonl(self, tmp_path: Path) -> None:
        """JSONL rejects hold the row, the issues as a list and the values."""
        path = tmp_path / "rejects.jsonl"
        with open_rejects_writer(path, columns=[]) as rejects:
            rejects.write([REJECT])
        line = json.loads(path.read_text(encoding="utf-8"))
        assert line["row"] == 7
        assert line["issues"][0] == "email: not an email address [invalid_email]"
        assert line["values"]["email"] == "=not-an-email"

    def test_parquet_is_refused(self, tmp_path: Path) -> None:
        """Rejects are CSV or JSONL only."""
        with pytest.raises(UsageError):
            open_rejects_writer(tmp_path / "rejects.parquet", columns=[])


class TestProgress:
    def test_quiet_when_not_a_terminal(self) -> None:
        """Without a terminal, nothing is written and the items pass through."""
        stream = io.StringIO()
        assert [1, 2, 3] == list(progress([1, 2, 3], file=stream))
        assert stream.getvalue() == ""

    def test_shows_a_bar_when_enabled(self) -> None:
        """Forced on, the bar counts the weights of the items."""
        stream = io.StringIO()
        batches = [[1, 2], [3]]
        assert batches == list(progress(batches, file=stream, weight=len, enabled=True))
        assert "rows" in stream.getvalue()
