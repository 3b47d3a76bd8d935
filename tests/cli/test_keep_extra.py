"""--keep-extra on validate and convert, and the warning about dropped columns without it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_REJECTS
from custdata.io import open_reader
from custdata.model import Contact

# Extra cells that a careless writer would change: spaces, a delimiter, quotes,
# an escaped formula, accents, an empty cell.
INPUT = (
    "contact_id,loyalty_tier,email,internal_code\r\n"
    'C-1,gold,elodie@example.org," A, ""7"" "\r\n'
    "C-2,,jean@example.org,'=B2\r\n"
    "C-3,argent é,zoe@example.org,\r\n"
)
EXTRA = [["gold", ' A, "7" '], ["", "'=B2"], ["argent é", ""]]
WARNING = (
    "warning: 2 columns that are not fields of Contact are dropped "
    "(loyalty_tier, internal_code): --keep-extra keeps them\n"
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A contacts file with two columns that are not fields."""
    path = tmp_path / "in.csv"
    path.write_bytes(INPUT.encode("utf-8"))
    return path


def csv_rows(path: Path) -> list[list[str]]:
    """The cells of a CSV file."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def extras_of(path: Path, **options: object) -> list[dict[str, object]]:
    """Each row's extra columns, read back from any format."""
    with open_reader(path, record_type=Contact, keep_extra=True, **options) as reader:  # type: ignore[arg-type]
        return [dict(row.extra) for batch in reader for row in batch]


class TestKeepExtra:
    @pytest.mark.parametrize("command", ["convert", "validate"])
    def test_csv_to_csv_keeps_cells_byte_for_byte(
        self, source: Path, tmp_path: Path, command: str
    ) -> None:
        """CSV to CSV: the extra columns follow the record's, their cells and bytes unchanged."""
        out = tmp_path / "out.csv"
        assert EXIT_OK == main([command, str(source), "-o", str(out), "--keep-extra"])
        header, *rows = csv_rows(out)
        assert ["loyalty_tier", "internal_code"] == header[-2:]
        assert EXTRA == [row[-2:] for row in rows]
        lines = out.read_bytes().split(b"\r\n")
        assert lines[1].endswith(b',gold," A, ""7"" "')
        assert lines[2].endswith(b",,'=B2")

    def test_without_keep_extra_columns_are_dropped(self, source: Path, tmp_path: Path) -> None:
        """By default the output has only the record's columns."""
        out = tmp_path / "out.csv"
        assert EXIT_OK == main(["convert", str(source), "-o", str(out)])
        assert "loyalty_tier" not in csv_rows(out)[0]

    @pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
    def test_every_output_format(self, source: Path, tmp_path: Path, suffix: str) -> None:
        """CSV, JSONL and Parquet outputs hold the extra columns, read back as written."""
        if suffix == ".parquet":
            pytest.importorskip("pyarrow")
        out = tmp_path / f"out{suffix}"
        assert EXIT_OK == main(["convert", str(source), "-o", str(out), "--keep-extra"])
        expected = [
            {"loyalty_tier": "gold", "internal_code": ' A, "7" '},
            {"loyalty_tier": "", "internal_code": "=B2"},
            {"loyalty_tier": "argent é", "internal_code": ""},
        ]
        assert expected == extras_of(out)

    @pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
    def test_every_input_format_back_to_csv(
        self, source: Path, tmp_path: Path, suffix: str
    ) -> None:
        """JSONL and Parquet inputs give their extra columns to a CSV output."""
        if suffix == ".parquet":
            pytest.importorskip("pyarrow")
        middle = tmp_path / f"middle{suffix}"
        back = tmp_path / "back.csv"
        assert EXIT_OK == main(["convert", str(source), "-o", str(middle), "--keep-extra"])
        assert EXIT_OK == main(["convert", str(middle), "-o", str(back), "--keep-extra"])
        header, *rows = csv_rows(back)
        assert ["loyalty_tier", "internal_code"] == header[-2:]
        assert EXTRA == [row[-2:] for row in rows]

    def test_jsonl_to_parquet_keeps_json_types_as_strings(self, tmp_path: Path) -> None:
        """JSONL extras written to Parquet are strings (JSON gives a type per value)."""
        pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        path = tmp_path / "in.jsonl"
        path.write_text('{"contact_id": "C-1", "points": 12}\n', encoding="utf-8")
        out = tmp_path / "out.parquet"
        assert EXIT_OK == main(["convert", str(path), "-o", str(out), "--keep-extra"])
        assert ["12"] == pq.read_table(out).column("points").to_pylist()

    def test_parquet_to_parquet_keeps_the_input_type(self, tmp_path: Path) -> None:
        """An integer extra column of a Parquet input stays an integer column."""
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        path = tmp_path / "in.parquet"
        pq.write_table(pa.table({"contact_id": ["C-1"], "points": [12]}), path)
        out = tmp_path / "out.parquet"
        assert EXIT_OK == main(["convert", str(path), "-o", str(out), "--keep-extra"])
        column = pq.read_table(out).column("points")
        assert ("int64", [12]) == (str(column.type), column.to_pylist())

    def test_with_map(self, tmp_path: Path) -> None:
        """With --map, mapped columns are fields and the others pass through."""
        path = tmp_path / "in.csv"
        path.write_text("Identifiant;Palier;Courriel\nC-1;or;a@example.org\n", encoding="utf-8")
        out = tmp_path / "out.csv"
        args = ["convert", str(path), "-o", str(out), "--keep-extra"]
        args += ["--map", "Identifiant=contact_id", "--map", "Courriel=email"]
        assert EXIT_OK == main(args)
        header, row = csv_rows(out)
        assert ("contact_id", "C-1") == (header[0], row[0])
        assert ("email", "a@example.org") == (header[3], row[3])
        assert (["Palier"], ["or"]) == (header[-1:], row[-1:])

    @pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
    def test_rejects_keep_the_extras(self, tmp_path: Path, suffix: str) -> None:
        """A rejected row keeps its extra columns in the rejects file."""
        path = tmp_path / "in.csv"
        path.write_text("contact_id,tier,email\nC-1,gold,not-an-email\n", encoding="utf-8")
        rejects = tmp_path / f"rejects{suffix}"
        args = ["validate", str(path), "-o", str(tmp_path / "o.csv"), "--rejects", str(rejects)]
        assert EXIT_REJECTS == main([*args, "--keep-extra"])
        if suffix == ".csv":
            header, row = csv_rows(rejects)
            assert (["tier"], ["gold"]) == (header[-1:], row[-1:])
        else:
            values = json.loads(rejects.read_text(encoding="utf-8"))["values"]
            assert {"contact_id": "C-1", "tier": "gold", "email": "not-an-email"} == values

    def test_a_jsonl_column_after_the_first_batch_is_rejected(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """JSONL to CSV: an extra column first met after the first batch rejects its row."""
        path = tmp_path / "in.jsonl"
        lines = [{"contact_id": "C-1", "tier": "gold"}, {"contact_id": "C-2", "late": "x"}]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        out = tmp_path / "out.csv"
        rejects = tmp_path / "rejects.jsonl"
        args = ["convert", str(path), "-o", str(out), "--keep-extra", "--batch-size", "1"]
        assert EXIT_REJECTS == main([*args, "--rejects", str(rejects)])
        header, row = csv_rows(out)
        assert (["tier"], ["gold"]) == (header[-1:], row[-1:])
        reject = json.loads(rejects.read_text(encoding="utf-8"))
        assert [
            "late: not a field, and not among the extra columns of the output (those of "
            "the first batch of rows) [unknown_extra_column]"
        ] == reject["issues"]
        assert "x" == reject["values"]["late"]
        assert "2 rows read, 1 written, 1 rejected" in capsys.readouterr().err


class TestDroppedWarning:
    @pytest.mark.parametrize("command", ["convert", "validate"])
    def test_warned_once_with_the_count(
        self, source: Path, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without --keep-extra, one warning gives the count of dropped columns and the option."""
        args = [command, str(source), "-o", str(tmp_path / "o.csv"), "--batch-size", "1"]
        assert EXIT_OK == main(args)
        err = capsys.readouterr().err
        assert f"custdata {command}: {WARNING}" in err
        assert 1 == err.count("warning:")

    def test_no_warning_with_keep_extra(
        self, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With --keep-extra nothing is dropped, and nothing is said."""
        assert EXIT_OK == main(
            ["convert", str(source), "-o", str(tmp_path / "o.csv"), "--keep-extra"]
        )
        assert "warning" not in capsys.readouterr().err

    def test_jsonl_keys_warned_once_at_the_end(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """JSONL keys met in any batch are counted in one warning, at the end."""
        path = tmp_path / "in.jsonl"
        lines = [{"contact_id": "C-1", "a": 1}, {"contact_id": "C-2", "b": {"c": 2}}]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        args = ["convert", str(path), "-o", str(tmp_path / "o.csv"), "--batch-size", "1"]
        assert EXIT_OK == main(args)
        err = capsys.readouterr().err
        expected = (
            "custdata convert: warning: 2 columns that are not fields of Contact are dropped "
            "(a, b.c): --keep-extra keeps them\n"
        )
        assert expected in err
        assert 1 == err.count("warning:")

    def test_headerless_file_names_columns_by_position(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """When the first line looks like data, the dropped columns are named by position."""
        path = tmp_path / "in.csv"
        path.write_text("contact_id,a@example.org\nC-1,b@example.org\n", encoding="utf-8")
        assert EXIT_OK == main(["convert", str(path), "-o", str(tmp_path / "o.csv")])
        err = capsys.readouterr().err
        assert "1 column that is not a field of Contact is dropped (column 2)" in err
        assert "a@example.org" not in err
