"""Reading: header checks, --map, unknown columns, JSONL shapes, file-level errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from custdata.errors import InputError, MissingDependencyError
from custdata.io import UsageError, infer_format, open_reader, parse_batch
from custdata.model import Contact, Purchase
from custdata.model._rows import MAX_CELL_CHARS


def write(path: Path, text: str) -> Path:
    """Write a small UTF-8 file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


class TestInferFormat:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [("a.csv", "csv"), ("a.TSV", "csv"), ("a.ndjson", "jsonl"), ("a.parquet", "parquet")],
    )
    def test_from_suffix(self, name: str, expected: str) -> None:
        """The format follows the suffix, whatever its case."""
        assert expected == infer_format(name)

    def test_unknown_suffix(self) -> None:
        """An unknown suffix is a usage error that suggests --format."""
        with pytest.raises(UsageError, match="--format"):
            infer_format("clients.xlsx")


class TestCsvHeader:
    def test_map_renames_foreign_headers(self, tmp_path: Path) -> None:
        """--map reads foreign column names as dotted fields."""
        path = write(tmp_path / "in.csv", "Identifiant;Nom;Ville\nC-1;Dupont;Lyon\n")
        mapping = {"Identifiant": "contact_id", "Nom": "family_name", "Ville": "address.city"}
        with open_reader(path, mapping=mapping, record_type=Contact) as reader:
            (batch,) = list(reader)
        (contact,) = parse_batch(batch, Contact).records
        assert contact.family_name == "Dupont"
        assert contact.address is not None
        assert contact.address.city == "Lyon"

    def test_map_to_unknown_field_is_usage_error(self, tmp_path: Path) -> None:
        """A mapping onto a field the record type lacks is a usage error."""
        path = write(tmp_path / "in.csv", "Nom\nDupont\n")
        with pytest.raises(UsageError, match="'nom_de_famille'"):
            open_reader(path, mapping={"Nom": "nom_de_famille"}, record_type=Contact)

    def test_map_from_a_column_not_in_the_header_is_usage_error(self, tmp_path: Path) -> None:
        """A --map source that is not a column (a typo) is a usage error, not silently unused."""
        path = write(tmp_path / "in.csv", "contact_id,Courriel\nC-1,a@example.org\n")
        with pytest.raises(UsageError, match="'Couriel'"):
            open_reader(path, record_type=Contact, mapping={"Couriel": "email"})

    def test_unknown_columns_are_ignored_and_named(self, tmp_path: Path) -> None:
        """Columns that are not fields are dropped and listed, never parsed."""
        path = write(tmp_path / "in.csv", "contact_id,shoe_size,  email \nC-1,43,a@example.org\n")
        with open_reader(path, record_type=Contact) as reader:
            rows = [row for batch in reader for row in batch]
            assert reader.ignored_columns == ["shoe_size"]
        assert {"contact_id": "C-1", "email": "a@example.org"} == rows[0].values

    def test_missing_required_columns(self, tmp_path: Path) -> None:
        """A header without a required column is refused, naming the column."""
        path = write(tmp_path / "in.csv", "purchase_id,contact_id,purchased_at\nP-1,C-1,x\n")
        with pytest.raises(InputError, match=r"'total\.amount', 'total\.currency'"):
            open_reader(path, record_type=Purchase)

    def test_wrong_delimiter_hint(self, tmp_path: Path) -> None:
        """A single-column header holding another delimiter gets a hint."""
        path = write(tmp_path / "in.csv", "contact_id;email\nC-1;a@example.org\n")
        with pytest.raises(InputError, match="delimiter looks wrong"):
            open_reader(path, delimiter=",", record_type=Contact)

    def test_duplicate_columns(self, tmp_path: Path) -> None:
        """A header naming a column twice is refused."""
        path = write(tmp_path / "in.csv", "contact_id,email,email\nC-1,a,b\n")
        with pytest.raises(InputError, match="repeats the columns 'email'"):
            open_reader(path, record_type=Contact)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing input is an input error."""
        with pytest.raises(InputError, match="no such file"):
            open_reader(tmp_path / "nope.csv")

    def test_bom_is_skipped_in_utf8(self, tmp_path: Path) -> None:
        """A byte order mark does not end up in the first column's name."""
        path = tmp_path / "in.csv"
        path.write_bytes(b"\xef\xbb\xbfcontact_id\nC-1\n")
        with open_reader(path, record_type=Contact) as reader:
            assert reader.columns == ("contact_id",)

    def test_bad_batch_size(self, tmp_path: Path) -> None:
        """A batch size below 1 is a usage error."""
        with pytest.raises(UsageError):
            open_reader(write(tmp_path / "in.csv", "a\n1\n"), batch_size=0)


class TestCsvLineEndings:
    def test_bare_cr_in_a_cell(self, tmp_path: Path) -> None:
        """A carriage return inside an unquoted cell is named as such, with its line."""
        path = tmp_path / "in.csv"
        path.write_bytes(b"contact_id,family_name\nC-1,Du\rrand\nC-2,Martin\n")
        with open_reader(path, record_type=Contact) as reader, pytest.raises(InputError) as caught:
            list(reader)
        assert "line 2: a cell holds a carriage return (CR)" in str(caught.value)
        assert "quoted" not in str(caught.value)
        assert "rand" not in str(caught.value)

    def test_cr_only_line_endings(self, tmp_path: Path) -> None:
        """A file whose lines end with CR alone is named as such."""
        path = tmp_path / "in.csv"
        path.write_bytes(b"contact_id,family_name\rC-1,Durand\rC-2,Martin\r")
        with pytest.raises(InputError, match=r"carriage return \(CR\) only"):
            open_reader(path, record_type=Contact)

    def test_quoted_cr_is_a_value(self, tmp_path: Path) -> None:
        """A CR inside a quoted cell is part of the value."""
        path = tmp_path / "in.csv"
        path.write_bytes(b'contact_id,family_name\r\nC-1,"Du\rrand"\r\n')
        with open_reader(path, record_type=Contact) as reader:
            (batch,) = list(reader)
        assert "Du\rrand" == batch[0].values["family_name"]


class TestIgnoredColumnNames:
    def test_a_first_line_of_data_is_named_by_position(self, tmp_path: Path) -> None:
        """When the first line looks like data, ignored columns are named by position only."""
        path = write(
            tmp_path / "in.csv",
            "contact_id,jean.dupont@example.org,Dupont,0612345678\nC-2,b@example.org,X,1\n",
        )
        with open_reader(path, record_type=Contact) as reader:
            assert ["column 2", "column 3", "column 4"] == reader.ignored_columns

    def test_a_csv_column_named_like_a_nested_record_is_ignored(self, tmp_path: Path) -> None:
        """A CSV column 'address' (the fields are address.city...) is ignored and named."""
        path = write(tmp_path / "in.csv", "contact_id,address\nC-1,12 rue X\n")
        with open_reader(path, record_type=Contact) as reader:
            (batch,) = list(reader)
            assert ["address"] == reader.ignored_columns
        assert {"contact_id": "C-1"} == batch[0].values

    def test_a_jsonl_key_that_looks_like_data_is_not_shown(self, tmp_path: Path) -> None:
        """A JSONL key holding an email is ignored without being named."""
        path = write(
            tmp_path / "in.jsonl",
            '{"contact_id": "C-1", "jean.dupont@example.org": 1, "tier": "gold"}\n',
        )
        with open_reader(path, record_type=Contact) as reader:
            list(reader)
            ignored = reader.ignored_columns
        assert ["(keys that look like data, not shown)", "tier"] == ignored

    def test_a_header_is_named(self, tmp_path: Path) -> None:
        """Ignored columns of a real header keep their names."""
        path = write(tmp_path / "in.csv", "contact_id,shoe_size,Code client\nC-1,43,x\n")
        with open_reader(path, record_type=Contact) as reader:
            assert ["shoe_size", "Code client"] == reader.ignored_columns


class TestJsonl:
    def test_nested_and_flat_objects_both_parse(self, tmp_path: Path) -> None:
        """JSONL rows may be nested like to_dict or flat with dotted keys."""
        lines = [
            {"contact_id": "C-1", "address": {"city": "Lyon"}, "interests": ["a", "b"]},
            {"contact_id": "C-2", "address.city": "Nantes", "interests": "a|b"},
            {"contact_id": "C-3", "address": None, "nickname": "x"},
        ]
        path = write(tmp_path / "in.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
        with open_reader(path, record_type=Contact) as reader:
            rows = [row for batch in reader for row in batch]
            assert reader.ignored_columns == ["nickname"]
        parsed = parse_batch(rows, Contact)
        assert [] == parsed.rejects
        cities = [c.address.city if c.address else None for c in parsed.records]
        assert ["Lyon", "Nantes", None] == cities
        assert parsed.records[0].interests == parsed.records[1].interests == ("a", "b")

    def test_row_numbers_are_line_numbers(self, tmp_path: Path) -> None:
        """JSONL row numbers are line numbers; blank lines are skipped."""
        path = write(tmp_path / "in.jsonl", '{"contact_id": "C-1"}\n\n{"contact_id": "C-2"}\n')
        with open_reader(path, record_type=Contact) as reader:
            assert [2 - 1, 3] == [row.number for batch in reader for row in batch]

    def test_lone_surrogate_rejects_the_row(self, tmp_path: Path) -> None:
        """A lone surrogate escape is a row reject (no encoding can write it); a pair is text."""
        path = write(
            tmp_path / "in.jsonl",
            '{"contact_id": "C-1", "given_name": "A\\ud800b"}\n'
            '{"contact_id": "C-2", "given_name": "\\ud83d\\ude00", "interests": ["x\\udc00"]}\n'
            '{"contact_id": "C-3", "given_name": "\\ud83d\\ude00"}\n',
        )
        with open_reader(path, record_type=Contact) as reader:
            rows = [row for batch in reader for row in batch]
        parsed = parse_batch(rows, Contact)
        assert ["C-3"] == [c.contact_id for c in parsed.records]
        assert parsed.records[0].given_name == "\U0001f600"
        assert [(1, "given_name"), (2, "interests")] == [
            (r.row, i.path) for r in parsed.rejects for i in r.issues
        ]
        assert {"invalid_text"} == {i.code for r in parsed.rejects for i in r.issues}
        assert parsed.rejects[0].values["given_name"] == "A\ufffdb"
        for reject in parsed.rejects:
            json.dumps(dict(reject.values), ensure_ascii=False).encode("utf-8")

    def test_value_over_the_cell_limit_rejects_the_row(self, tmp_path: Path) -> None:
        """A JSONL value that would not fit a CSV cell rejects its row, cut to fit."""
        limit = MAX_CELL_CHARS
        lines = [
            {"contact_id": "C-1", "given_name": "A" * limit},
            {"contact_id": "C-2", "interests": ["x" * (limit // 2), "y" * (limit // 2)]},
            {"contact_id": "C-3", "given_name": "B" * (limit - 1)},
        ]
        path = write(tmp_path / "in.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
        with open_reader(path, record_type=Contact) as reader:
            parsed = parse_batch([row for batch in reader for row in batch], Contact)
        assert ["C-3"] == [c.contact_id for c in parsed.records]
        assert [(1, "given_name", "field_too_long"), (2, "interests", "field_too_long")] == [
            (r.row, i.path, i.code) for r in parsed.rejects for i in r.issues
        ]
        assert all("A" not in i.message for r in parsed.rejects for i in r.issues)
        for reject in parsed.rejects:
            assert all(len(str(v)) < limit for v in reject.values.values())

    @pytest.mark.parametrize(
        ("line", "field"),
        [
            ({"contact_id": "C-3", "address": "12 rue X"}, "address"),
            ({"contact_id": "C-3", "address": ["12 rue X"]}, "address"),
            ({"contact_id": "C-3", "interests": {"main": "garden"}}, "interests"),
            ({"contact_id": "C-3", "interests": {}}, "interests"),
            ({"contact_id": "C-3", "given_name": {"first": "Jean"}}, "given_name"),
            ({"contact_id": "C-3", "address": {"city": {"name": "Lyon"}}}, "address.city"),
        ],
        ids=[
            "value-for-object",
            "list-for-object",
            "object-for-list",
            "empty-object",
            "object-for-text",
            "nested",
        ],
    )
    def test_wrong_shape_rejects_the_row(
        self, tmp_path: Path, line: dict[str, object], field: str
    ) -> None:
        """A field of the wrong shape rejects its row as wrong_type on that field, never dropped."""
        lines = [{"contact_id": "C-1"}, line, {"contact_id": "C-4"}]
        path = write(tmp_path / "in.jsonl", "".join(json.dumps(one) + "\n" for one in lines))
        with open_reader(path, record_type=Contact) as reader:
            parsed = parse_batch([row for batch in reader for row in batch], Contact)
            assert [] == reader.ignored_columns
        assert (["C-1", "C-4"], [2]) == (
            [c.contact_id for c in parsed.records],
            [r.row for r in parsed.rejects],
        )
        assert [(field, "wrong_type")] == [(i.path, i.code) for i in parsed.rejects[0].issues]
        assert all("rue" not in i.message for i in parsed.rejects[0].issues)


class TestParquet:
    def test_value_over_the_cell_limit_rejects_the_row(self, tmp_path: Path) -> None:
        """A Parquet value that would not fit a CSV cell rejects its row."""
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        table = pa.table(
            {"contact_id": ["C-1", "C-2"], "family_name": ["Z" * MAX_CELL_CHARS, "Durand"]}
        )
        path = tmp_path / "in.parquet"
        pq.write_table(table, path)
        with open_reader(path, record_type=Contact) as reader:
            parsed = parse_batch([row for batch in reader for row in batch], Contact)
        assert ["C-2"] == [c.contact_id for c in parsed.records]
        assert [(1, "family_name", "field_too_long")] == [
            (r.row, i.path, i.code) for r in parsed.rejects for i in r.issues
        ]

    def test_missing_pyarrow_names_the_extra(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without pyarrow, Parquet raises MissingDependencyError naming 'arrow'."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
        with pytest.raises(MissingDependencyError) as caught:
            open_reader(tmp_path / "in.parquet")
        assert caught.value.extra == "arrow"

    def test_foreign_struct_columns_are_flattened(self, tmp_path: Path) -> None:
        """A Parquet file with a struct column reads as dotted fields."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {"contact_id": ["C-1"], "address": [{"city": "Lyon", "postal_code": "69001"}]}
        )
        pq.write_table(table, tmp_path / "in.parquet")
        with open_reader(tmp_path / "in.parquet", record_type=Contact) as reader:
            assert reader.total_rows == 1
            (batch,) = list(reader)
        (contact,) = parse_batch(batch, Contact).records
        assert contact.address is not None
        assert contact.address.postal_code == "69001"

    def test_wrong_shape_rejects_the_row(self, tmp_path: Path) -> None:
        """A text column where the type has an object, or a struct for a list, is wrong_type."""
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        table = pa.table(
            {
                "contact_id": ["C-1", "C-2", "C-3"],
                "address": ["12 rue X", None, ""],
                "interests": [None, {"main": "garden"}, None],
            }
        )
        pq.write_table(table, tmp_path / "in.parquet")
        with open_reader(tmp_path / "in.parquet", record_type=Contact) as reader:
            parsed = parse_batch([row for batch in reader for row in batch], Contact)
            assert [] == reader.ignored_columns
        assert ["C-3"] == [c.contact_id for c in parsed.records]
        assert [(1, "address", "wrong_type"), (2, "interests", "wrong_type")] == [
            (r.row, i.path, i.code) for r in parsed.rejects for i in r.issues
        ]


class TestSharedNames:
    @pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
    def test_rows_share_their_column_names(self, tmp_path: Path, suffix: str) -> None:
        """Shaped rows reuse one string per column name instead of building one per row."""
        if suffix == ".parquet":
            pytest.importorskip("pyarrow")
        from custdata.io import open_writer

        path = tmp_path / f"in{suffix}"
        with open_writer(path, columns=["contact_id", "address.city"]) as writer:
            writer.write_rows(
                [{"contact_id": f"C-{n}", "address": {"city": "Lyon"}} for n in range(3)]
            )
        with open_reader(path, record_type=Contact) as reader:
            rows = [row for batch in reader for row in batch]
        names = [next(name for name in row.values if name == "address.city") for row in rows]
        assert all(name is names[0] for name in names)


class TestImports:
    def test_import_custdata_loads_no_optional_dependency(self) -> None:
        """Importing custdata and custdata.io loads neither tqdm nor pyarrow."""
        import subprocess

        code = (
            "import sys, custdata, custdata.io;"
            "print(sorted({'tqdm', 'pyarrow'} & set(sys.modules)))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"


class TestWrongShapeEndToEnd:
    def test_validate_rejects_and_reconciles(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """custdata validate rejects a JSONL row whose address is text, without a false warning."""
        from custdata.cli import main

        path = write(
            tmp_path / "in.jsonl",
            '{"contact_id":"C-1"}\n{"contact_id":"C-3","address":"12 rue X"}\n',
        )
        rejects = tmp_path / "rejects.jsonl"
        code = main(
            ["validate", str(path), "-o", str(tmp_path / "out.csv"), "--rejects", str(rejects)]
        )
        err = capsys.readouterr().err
        assert 3 == code
        assert "1 written" in err
        assert "not fields" not in err
        assert "12 rue" not in err
        (reject,) = [json.loads(line) for line in rejects.read_text().splitlines()]
        assert (2, ["address: expected an object [wrong_type]"]) == (
            reject["row"],
            reject["issues"],
        )
