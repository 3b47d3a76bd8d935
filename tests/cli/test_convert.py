"""custdata convert: formats, rejects, counts and the broken-file corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_INPUT, EXIT_OK, EXIT_REJECTS, EXIT_USAGE

BROKEN = Path(__file__).parent.parent / "data" / "broken"
PLANTED = ("jean.dupont@example.org", "Dupont", "Durand", "+33612345678", "Jean", "Marie")

CONTACTS_CSV = (
    "contact_id;given_name;family_name;email;phone;interests\r\n"
    "C-1;Jean;Dupont;jean.dupont@example.org;+33612345678;vélo|cuisine\r\n"
    "C-2;Marie;=Durand;marie@example.com;-12;\r\n"
)


def clean(err: str) -> None:
    """Assert a stderr holds no traceback and no planted personal value."""
    assert "Traceback" not in err
    for value in PLANTED:
        assert value not in err


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    """A small French contacts export in cp1252 with ';'."""
    path = tmp_path / "clients.csv"
    path.write_bytes(CONTACTS_CSV.encode("cp1252"))
    return path


class TestConvert:
    @pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".tsv"])
    def test_round_trip_through_every_format(
        self, contacts_csv: Path, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """CSV -> format -> CSV gives the same rows, and exit code 0."""
        middle = tmp_path / f"middle{suffix}"
        back = tmp_path / "back.csv"
        args = ["convert", str(contacts_csv), "--encoding", "cp1252", "-o", str(middle)]
        assert main(args) == EXIT_OK
        assert main(["convert", str(middle), "-o", str(back)]) == EXIT_OK
        text = back.read_text(encoding="utf-8")
        assert "C-1,Jean,Dupont,jean.dupont@example.org,+33612345678" in text
        assert "'=Durand" in text
        assert "vélo|cuisine" in text
        err = capsys.readouterr().err
        assert "2 rows read, 2 written, 0 rejected" in err
        assert "\r" not in err  # no progress bar: stderr is not a terminal
        clean(err)

    def test_map_and_type(self, tmp_path: Path) -> None:
        """--map reads foreign headers and --type picks the record type."""
        path = tmp_path / "achats.csv"
        path.write_text(
            "Commande;Client;Date;Montant;Devise\nP-1;C-1;2024-05-18T15:04:00+02:00;12,50;EUR\n",
            encoding="utf-8",
        )
        out = tmp_path / "out.jsonl"
        maps = ["Commande=purchase_id", "Client=contact_id", "Date=purchased_at"]
        maps += ["Montant=total.amount", "Devise=total.currency"]
        args = ["convert", str(path), "--type", "purchase", "-o", str(out)]
        for item in maps:
            args += ["--map", item]
        assert main(args) == EXIT_OK
        assert json.loads(out.read_text(encoding="utf-8"))["total"]["amount"] == "12.50"

    def test_rejects_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Rejected rows go to --rejects with their issues; the exit code is 3."""
        path = tmp_path / "in.csv"
        path.write_text(
            "contact_id,birth_date,email\nC-1,1985-07-14,a@example.org\n"
            ",31/02/1990,jean.dupont@example.org\n",
            encoding="utf-8",
        )
        out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
        args = ["convert", str(path), "-o", str(out), "--rejects", str(rejects)]
        assert main(args) == EXIT_REJECTS
        lines = rejects.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "_row,_issues,contact_id,birth_date,email"
        assert lines[1].startswith("2,")
        assert "contact_id: is required [missing]" in lines[1]
        assert "[invalid_date]" in lines[1]
        assert "jean.dupont@example.org" in lines[1]  # rejects keep values: internal use
        err = capsys.readouterr().err
        assert "2 rows read, 1 written, 1 rejected (see" in err
        clean(err)

    def test_rejects_without_file_are_announced(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without --rejects, the count, the issues and the way to keep them are printed."""
        path = tmp_path / "in.csv"
        path.write_text("contact_id,birth_date\nC-1,31/02/1990\n", encoding="utf-8")
        assert main(["convert", str(path), "-o", str(tmp_path / "o.csv")]) == EXIT_REJECTS
        err = capsys.readouterr().err
        assert "1 rejected and not written anywhere" in err
        assert "--rejects FILE" in err
        assert "row 1: birth_date:" in err
        clean(err)

    def test_unknown_columns_warn(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Columns that are not fields are named in a warning and ignored."""
        path = tmp_path / "in.csv"
        path.write_text("contact_id,shoe_size\nC-1,43\n", encoding="utf-8")
        assert main(["convert", str(path), "-o", str(tmp_path / "o.csv")]) == EXIT_OK
        expected = (
            "custdata convert: warning: 1 column that is not a field of Contact is dropped "
            "(shoe_size): --keep-extra keeps it\n"
        )
        assert expected in capsys.readouterr().err

    @pytest.mark.parametrize(
        "extra",
        [
            ["--map", "given_name=prenom"],
            ["--encoding", "latin-1"],
            ["--delimiter", "ab"],
            ["--batch-size", "0"],
            ["--type", "order"],
        ],
    )
    def test_usage_errors(self, contacts_csv: Path, tmp_path: Path, extra: list[str]) -> None:
        """Bad arguments exit 2 and write nothing."""
        out = tmp_path / "out.csv"
        assert main(["convert", str(contacts_csv), "-o", str(out), *extra]) == EXIT_USAGE
        assert not out.exists()

    def test_output_is_input(self, contacts_csv: Path) -> None:
        """Writing over the input is refused."""
        args = ["convert", str(contacts_csv), "--encoding", "cp1252", "-o", str(contacts_csv)]
        assert main(args) == EXIT_USAGE

    def test_unreadable_midway_writes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Invalid text after good batches: exit 4, no output, an older output kept."""
        path = tmp_path / "in.csv"
        path.write_bytes(b"contact_id,family_name\nC-1,Martin\nC-2,Martin\nC-3,Dupr\xe9\n")
        out, rejects = tmp_path / "out.parquet", tmp_path / "rejects.csv"
        out.write_bytes(b"older")
        args = ["convert", str(path), "--batch-size", "1", "-o", str(out)]
        assert main([*args, "--rejects", str(rejects)]) == EXIT_INPUT
        assert out.read_bytes() == b"older"
        assert not rejects.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.parquet"]
        err = capsys.readouterr().err
        assert "line 4" in err
        assert "--encoding cp1252" in err
        clean(err)


def truncated_parquet(directory: Path) -> Path:
    """Write a Parquet file of contacts and cut it in half."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = directory / "truncated.parquet"
    table = pa.table({"contact_id": ["C-1", "C-2"], "family_name": ["Dupont", "Durand"]})
    pq.write_table(table, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def invalid_utf8(directory: Path) -> Path:
    """Write a CSV with a cp1252 byte in a UTF-8 file."""
    path = directory / "invalid_utf8.csv"
    path.write_bytes(b"contact_id,family_name\nC-1,Dupont\nC-2,Lef\xe8vre\n")
    return path


def field_too_long(directory: Path) -> Path:
    """Write a CSV with a cell one character over Python's default limit."""
    path = directory / "field_too_long.csv"
    cell = "Dupont" + "x" * 131_073
    path.write_text(f"contact_id,family_name\nC-1,Durand\nC-2,{cell}\n", encoding="utf-8")
    return path


GENERATED = {
    "truncated.parquet": (truncated_parquet, [], "not a readable Parquet file"),
    "invalid_utf8.csv": (invalid_utf8, [], "line 3: not valid utf-8"),
    "field_too_long.csv": (field_too_long, [], "line 3: a cell is longer than the limit"),
}

COMMITTED = {
    "empty.csv": ([], "empty file"),
    "empty.jsonl": ([], "empty file"),
    "blank_lines.csv": ([], "empty file"),
    "wrong_delimiter.csv": (["--delimiter", ","], "delimiter looks wrong"),
    "missing_columns.csv": (["--type", "purchase"], "'total.currency'"),
    "duplicate_header.csv": ([], "repeats the columns 'email'"),
    "unclosed_quote.csv": ([], "line 3: malformed CSV"),
    "not_parquet.parquet": ([], "not a readable Parquet file"),
}


class TestBrokenFiles:
    @pytest.mark.parametrize("name", sorted(COMMITTED))
    def test_committed_files_exit_4(
        self, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each unreadable file exits 4 with a clear message, nothing written, no values."""
        extra, message = COMMITTED[name]
        out = tmp_path / "out.jsonl"
        assert main(["convert", str(BROKEN / name), "-o", str(out), *extra]) == EXIT_INPUT
        err = capsys.readouterr().err
        assert message in err
        clean(err)
        assert [] == list(tmp_path.iterdir())

    @pytest.mark.parametrize("name", sorted(GENERATED))
    def test_generated_files_exit_4(
        self, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Binary broken files (truncated Parquet, bad UTF-8, a huge cell) exit 4 cleanly."""
        make, extra, message = GENERATED[name]
        source = tmp_path / "in"
        source.mkdir()
        out = tmp_path / "out.csv"
        assert main(["convert", str(make(source)), "-o", str(out), *extra]) == EXIT_INPUT
        err = capsys.readouterr().err
        assert message in err
        clean(err)
        assert not out.exists()

    def test_wrong_column_count_rejects_rows(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Rows with too few or too many cells are rejected, the others converted."""
        rejects = tmp_path / "rejects.jsonl"
        args = ["convert", str(BROKEN / "wrong_column_count.csv"), "-o", str(tmp_path / "o.csv")]
        assert main([*args, "--rejects", str(rejects)]) == EXIT_REJECTS
        lines = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
        assert [2, 3] == [line["row"] for line in lines]
        assert all("[wrong_column_count]" in line["issues"][0] for line in lines)
        err = capsys.readouterr().err
        assert "3 rows read, 1 written, 2 rejected" in err
        clean(err)

    def test_bad_json_lines_are_rejected(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Lines that are not JSON objects are rejected as invalid_json; counts reconcile."""
        args = ["convert", str(BROKEN / "bad_lines.jsonl"), "-o", str(tmp_path / "o.csv")]
        assert main(args) == EXIT_REJECTS
        err = capsys.readouterr().err
        assert "4 rows read, 1 written, 3 rejected" in err
        assert "row 2: <record>: not valid JSON [invalid_json]" in err
        assert "row 3: <record>: not a JSON object [invalid_json]" in err
        assert "row 4: birth_date:" in err
        clean(err)

    def test_bad_json_lines_keep_their_text_in_jsonl_rejects(self, tmp_path: Path) -> None:
        """The text of a line that is not a JSON object is kept, as "_line", for fixing."""
        rejects = tmp_path / "rejects.jsonl"
        args = ["convert", str(BROKEN / "bad_lines.jsonl"), "-o", str(tmp_path / "o.csv")]
        assert main([*args, "--rejects", str(rejects)]) == EXIT_REJECTS
        lines = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
        source = (BROKEN / "bad_lines.jsonl").read_text(encoding="utf-8").splitlines()
        assert [source[1], source[2]] == [line["values"]["_line"] for line in lines[:2]]

    def test_lone_surrogate_is_rejected_not_a_crash(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A lone surrogate escape in JSONL rejects its row; CSV out and rejects are written."""
        rejects = tmp_path / "rejects.csv"
        out = tmp_path / "o.csv"
        args = ["convert", str(BROKEN / "lone_surrogate.jsonl"), "-o", str(out)]
        assert main([*args, "--rejects", str(rejects)]) == EXIT_REJECTS
        err = capsys.readouterr().err
        assert "2 rows read, 1 written, 1 rejected" in err
        clean(err)
        assert "given_name: holds unpaired surrogates" in rejects.read_text(encoding="utf-8")
        assert "\U0001f600 Zoé" in out.read_text(encoding="utf-8")


class TestTimezone:
    _CSV = (
        "purchase_id;contact_id;purchased_at;total.amount;total.currency\n"
        "P-1;C-1;29/11/2024 18:05;10,00;EUR\n"
        "P-2;C-1;31/03/2024 02:30;10,00;EUR\n"
        "P-3;C-1;27/10/2024 02:30:00;10,00;EUR\n"
    )

    def test_french_date_times_read_in_the_zone(self, tmp_path: Path) -> None:
        """--timezone reads date-times without an offset; DST gaps and overlaps are rejected."""
        source = tmp_path / "achats.csv"
        source.write_text(self._CSV, encoding="utf-8")
        out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
        zone = ["--timezone", "Europe/Paris"]
        outputs = ["-o", str(out), "--rejects", str(rejects)]
        code = main(["convert", str(source), "--type", "purchase", *zone, *outputs])
        written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        refused = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
        assert 3 == code
        assert ["2024-11-29T18:05:00+01:00"] == [row["purchased_at"] for row in written]
        assert [("[nonexistent_time]",), ("[ambiguous_time]",)] == [
            tuple(issue.rpartition(" ")[2] for issue in row["issues"]) for row in refused
        ]

    def test_without_timezone_names_the_option(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without --timezone such date-times are naive_datetime, and the message names it."""
        source = tmp_path / "achats.csv"
        source.write_text(self._CSV, encoding="utf-8")
        main(["convert", str(source), "--type", "purchase", "-o", str(tmp_path / "o.jsonl")])
        err = capsys.readouterr().err
        assert "[naive_datetime]" in err
        assert "--timezone" in err

    def test_unknown_zone_is_usage_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A zone that is not an IANA name is exit 2, naming the option."""
        source = tmp_path / "achats.csv"
        source.write_text(self._CSV, encoding="utf-8")
        code = main(["convert", str(source), "--timezone", "Paris", "-o", str(tmp_path / "o")])
        assert 2 == code
        assert "--timezone" in capsys.readouterr().err
