"""Writing: atomic outputs, the rejects file and the progress bar."""

from __future__ import annotations

import io
import json
import sys
import types
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


COLUMNS = ("id", "name", "address.city", "tags", "count", "note")

# Cells made of the characters that matter: formula triggers, quotes, delimiters,
# line breaks, the list separator, digits and separators of plain numbers.
CELL_TEXT = st.text(alphabet=st.sampled_from(list("a1 .,;|=+-@'\"\t\r\né")), max_size=6) | st.text(
    max_size=4
)
PLAIN_VALUE = st.none() | st.integers(min_value=-(10**20), max_value=10**20) | CELL_TEXT
OTHER_VALUE = st.booleans() | st.lists(CELL_TEXT, max_size=3) | st.floats(allow_nan=False)


def write_csv(
    path: Path,
    rows: Sequence[Mapping[str, object]],
    *,
    general: bool,
    columns: Sequence[str] = COLUMNS,
    **options: object,
) -> bytes:
    """Write rows and return the file; ``general`` hides them behind a read-only mapping,
    which is not a dict, so that they take the general path of the writer."""
    if general:
        rows = [types.MappingProxyType(dict(row)) for row in rows]
    with open_writer(path, columns=columns, **options) as writer:  # type: ignore[arg-type]
        writer.write_rows(rows)
    assert writer.rows_written == len(rows)
    return path.read_bytes()


class TestCsvFastPath:
    def test_known_rows(self, tmp_path: Path) -> None:
        """Plain rows: formulas escaped, plain numbers not, | lists kept, quotes where needed."""
        rows = [
            {
                "id": "C-1",
                "name": "=SUM(A1:A9)",
                "address.city": "-Paris",
                "tags": "a|b",
                "count": -3,
                "note": "+33 6 12 34 56 78",
            },
            {
                "id": "@C-2",
                "name": "'=already",
                "address.city": None,
                "tags": "",
                "count": 0,
                "note": "-12.5",
            },
            {
                "id": "+33612345678",
                "name": 'say "hi", then =go',
                "address.city": "Lyon\nCentre",
                "tags": "x",
                "count": None,
                "note": "\tindent",
            },
            {"id": "=1+1", "name": "a", "address.city": "b", "tags": "", "count": 1, "note": ""},
        ]
        expected = (
            b"id,name,address.city,tags,count,note\r\n"
            b"C-1,'=SUM(A1:A9),'-Paris,a|b,-3,'+33 6 12 34 56 78\r\n"
            b"'@C-2,''=already,,,0,-12.5\r\n"
            b'+33612345678,"say ""hi"", then =go","Lyon\nCentre",x,,\'\tindent\r\n'
            b"'=1+1,a,b,,1,\r\n"
        )
        assert expected == write_csv(tmp_path / "fast.csv", rows, general=False)
        assert expected == write_csv(tmp_path / "general.csv", rows, general=True)

    def test_lists_and_joined_lists_agree(self, tmp_path: Path) -> None:
        """A list written by the general path and the same items joined with | are one cell."""
        listed = [dict.fromkeys(COLUMNS, "") | {"tags": ["a", "=b"]}]
        joined = [dict.fromkeys(COLUMNS, "") | {"tags": "a|=b"}]
        assert write_csv(tmp_path / "a.csv", listed, general=False) == write_csv(
            tmp_path / "b.csv", joined, general=False
        )

    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", " ", "="])
    @pytest.mark.parametrize("escape_formulas", [True, False])
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        rows=st.lists(
            st.fixed_dictionaries(dict.fromkeys(COLUMNS, PLAIN_VALUE))
            | st.fixed_dictionaries(
                dict.fromkeys(COLUMNS[:-1], PLAIN_VALUE),
                optional={"note": PLAIN_VALUE | OTHER_VALUE},
            ),
            max_size=8,
        )
    )
    def test_same_bytes_as_the_general_path(
        self,
        tmp_path: Path,
        delimiter: str,
        escape_formulas: bool,
        rows: list[dict[str, object]],
    ) -> None:
        """Plain dict rows give byte for byte what the general path gives for the same rows."""
        options = {"delimiter": delimiter, "escape_formulas": escape_formulas}
        fast = write_csv(tmp_path / "fast.csv", rows, general=False, **options)
        assert write_csv(tmp_path / "general.csv", rows, general=True, **options) == fast

    @pytest.mark.parametrize("columns", [("only",), ("a", "b", "a")])
    def test_odd_columns(self, tmp_path: Path, columns: tuple[str, ...]) -> None:
        """One column (an empty cell is quoted) and repeated columns agree with the general path."""
        rows = [dict.fromkeys(columns, value) for value in (None, "", "=x", 7, "a,b")]
        fast = write_csv(tmp_path / "fast.csv", rows, general=False, columns=columns)
        assert write_csv(tmp_path / "general.csv", rows, general=True, columns=columns) == fast

    def test_utf8_sig(self, tmp_path: Path) -> None:
        """The byte order mark is written once, before the header."""
        rows = [dict.fromkeys(COLUMNS, "é")] * 3
        data = write_csv(tmp_path / "out.csv", rows, general=False, encoding="utf-8-sig")
        assert data.startswith(b"\xef\xbb\xbfid,")
        assert data.count(b"\xef\xbb\xbf") == 1

    def test_unknown_column_after_plain_rows(self, tmp_path: Path) -> None:
        """A row with a column outside the header still fails, after plain rows."""
        rows = [dict.fromkeys(COLUMNS, "x"), dict.fromkeys((*COLUMNS[:-1], "other"), "y")]
        with (
            pytest.raises(ValueError, match="not in the output"),
            open_writer(tmp_path / "out.csv", columns=COLUMNS) as writer,
        ):
            writer.write_rows(rows)
        assert [] == list(tmp_path.iterdir())


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

    def test_bar_leaves_no_thread(self) -> None:
        """A bar starts no lasting thread (tqdm's monitor), which would stop workers=n forking."""
        import threading

        before = threading.active_count()
        assert [1, 2] == list(progress([1, 2], file=io.StringIO(), enabled=True))
        assert before == threading.active_count()
