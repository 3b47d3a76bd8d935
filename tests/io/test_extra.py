"""Columns that are not record fields, kept apart with keep_extra=True, written back unchanged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from custdata.io import open_reader, open_writer, parse_batch
from custdata.io._rejects import open_rejects_writer
from custdata.model import Contact, flat_columns
from custdata.model._rows import MAX_CELL_CHARS, sized_row

CSV_TEXT = (
    "contact_id,loyalty_tier,given_name,Code interne,email\n"
    'C-1,gold,Élodie," A, 7 ",elodie@example.org\n'
    "C-2,,Jean,'=B2,jean@example.org\n"
)


def write(path: Path, text: str) -> Path:
    """Write a small UTF-8 file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


def read_all(path: Path, **options: object) -> tuple[list[object], object]:
    """Read every row of a file kept with its extra columns, and the reader."""
    with open_reader(path, record_type=Contact, keep_extra=True, **options) as reader:  # type: ignore[arg-type]
        rows = [row for batch in reader for row in batch]
    return rows, reader


class TestCsvExtra:
    def test_extra_columns_are_kept_apart_in_file_order(self, tmp_path: Path) -> None:
        """Extra cells are on Row.extra, in file order, as read; never among the values."""
        rows, reader = read_all(write(tmp_path / "in.csv", CSV_TEXT))
        first = rows[0]
        assert {"loyalty_tier": "gold", "Code interne": " A, 7 "} == dict(first.extra)  # type: ignore[attr-defined]
        assert ["loyalty_tier", "Code interne"] == list(first.extra)  # type: ignore[attr-defined]
        assert {"contact_id", "given_name", "email"} == set(first.values)  # type: ignore[attr-defined]
        assert ["loyalty_tier", "Code interne"] == reader.extra_columns  # type: ignore[attr-defined]
        assert [] == reader.ignored_columns  # type: ignore[attr-defined]

    def test_without_keep_extra_nothing_is_kept(self, tmp_path: Path) -> None:
        """By default extra columns are dropped and named as ignored, as before."""
        with open_reader(write(tmp_path / "in.csv", CSV_TEXT), record_type=Contact) as reader:
            (batch,) = list(reader)
            assert {} == dict(batch[0].extra)
            assert [] == reader.extra_columns
            assert ["loyalty_tier", "Code interne"] == reader.ignored_columns

    def test_map_keeps_mapped_columns_as_values(self, tmp_path: Path) -> None:
        """With --map, the mapped columns are fields and the others extras."""
        path = write(tmp_path / "in.csv", "Identifiant;Nom;Palier\nC-1;Dupont;or\n")
        mapping = {"Identifiant": "contact_id", "Nom": "family_name"}
        rows, reader = read_all(path, mapping=mapping)
        assert {"contact_id": "C-1", "family_name": "Dupont"} == dict(rows[0].values)  # type: ignore[attr-defined]
        assert {"Palier": "or"} == dict(rows[0].extra)  # type: ignore[attr-defined]
        assert ["Palier"] == reader.extra_columns  # type: ignore[attr-defined]

    def test_a_short_row_keeps_the_extras_it_has(self, tmp_path: Path) -> None:
        """A row with too few cells keeps the extra cells it holds, for the rejects file."""
        path = write(tmp_path / "in.csv", "contact_id,tier,email,code\nC-1,gold,a@example.org\n")
        rows, _ = read_all(path)
        assert {"tier": "gold"} == dict(rows[0].extra)  # type: ignore[attr-defined]
        assert "wrong_column_count" == rows[0].issues[0].code  # type: ignore[attr-defined]

    def test_parse_batch_gives_extras_with_records_and_rejects(self, tmp_path: Path) -> None:
        """Records get their extras in parallel; rejects carry theirs."""
        path = write(tmp_path / "in.csv", "contact_id,tier,birth_date\nC-1,gold,\nC-2,x,bad\n")
        rows, _ = read_all(path)
        parsed = parse_batch(rows, Contact)  # type: ignore[arg-type]
        assert [{"tier": "gold"}] == [dict(extra) for extra in parsed.extras]
        assert {"tier": "x"} == dict(parsed.rejects[0].extra)
        assert "tier" not in parsed.rejects[0].values


class TestJsonlExtra:
    def test_dotted_names_met_so_far(self, tmp_path: Path) -> None:
        """JSONL extras are flattened to dotted names; extra_columns grows as they are met."""
        lines = [
            {"contact_id": "C-1", "tier": "gold", "meta": {"code": 7}},
            {"contact_id": "C-2", "tags": ["a", "b"], "address": {"city": "Lyon", "floor": 3}},
        ]
        path = write(tmp_path / "in.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
        with open_reader(path, record_type=Contact, keep_extra=True, batch_size=1) as reader:
            batches = iter(reader)
            (first,) = next(batches)
            assert ["tier", "meta.code"] == reader.extra_columns
            (second,) = next(batches)
            assert ["tier", "meta.code", "tags", "address.floor"] == reader.extra_columns
        assert {"tier": "gold", "meta.code": 7} == dict(first.extra)
        assert {"tags": ["a", "b"], "address.floor": 3} == dict(second.extra)
        assert {"contact_id": "C-2", "address.city": "Lyon"} == dict(second.values)

    def test_a_too_long_extra_value_rejects_the_row(self) -> None:
        """An extra value longer than a CSV cell may hold is field_too_long, cut to fit."""
        extra: dict[str, object] = {"note": "x" * MAX_CELL_CHARS}
        row = sized_row(1, {"contact_id": "C-1"}, (), extra)
        assert ["field_too_long"] == [issue.code for issue in row.issues]
        assert MAX_CELL_CHARS - 1 == len(str(row.extra["note"]))


class TestParquetExtra:
    def test_extras_and_their_types_from_the_schema(self, tmp_path: Path) -> None:
        """Parquet extras come from the header; integer and boolean ones keep their type."""
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        table = pa.table({"contact_id": ["C-1"], "points": [12], "vip": [True], "tier": ["or"]})
        path = tmp_path / "in.parquet"
        pq.write_table(table, path)
        rows, reader = read_all(path)
        assert ["points", "vip", "tier"] == reader.extra_columns  # type: ignore[attr-defined]
        assert {"points": "int64", "vip": "bool"} == dict(reader.extra_types)  # type: ignore[attr-defined]
        assert {"points": 12, "vip": True, "tier": "or"} == dict(rows[0].extra)  # type: ignore[attr-defined]
        assert {"contact_id": "C-1"} == dict(rows[0].values)  # type: ignore[attr-defined]


class TestWritersWithExtras:
    def record(self) -> Contact:
        """A contact to write."""
        return Contact(contact_id="C-1", email="a@example.org")

    def test_csv_writes_extras_after_the_record(self, tmp_path: Path) -> None:
        """CSV: the extra columns follow the record's, cells unchanged."""
        path = tmp_path / "out.csv"
        columns = [*flat_columns(Contact), "tier", "code"]
        with open_writer(path, record_type=Contact, columns=columns) as writer:
            writer.write_records([self.record()], [{"tier": "gold", "code": ' A, "7" '}])
        header, row = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert ["tier", "code"] == header[-2:]
        assert ["gold", ' A, "7" '] == row[-2:]
        assert "C-1" == row[0]

    def test_jsonl_nests_dotted_extras(self, tmp_path: Path) -> None:
        """JSONL: extras follow the record's keys, dotted names nested again."""
        path = tmp_path / "out.jsonl"
        with open_writer(path, record_type=Contact) as writer:
            writer.write_records([self.record()], [{"tier": "gold", "meta.code": 7}])
        data = json.loads(path.read_text(encoding="utf-8"))
        assert ["tier", "meta"] == list(data)[-2:]
        assert {"code": 7} == data["meta"]

    def test_parquet_extras_as_strings_unless_typed(self, tmp_path: Path) -> None:
        """Parquet: extras are strings unless a type is given for them."""
        pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        path = tmp_path / "out.parquet"
        columns = [*flat_columns(Contact), "tier", "points"]
        with open_writer(
            path, record_type=Contact, columns=columns, column_types={"points": "int64"}
        ) as writer:
            writer.write_records([self.record()], [{"tier": 5, "points": 12}])
        table = pq.read_table(path)
        assert "string" == str(table.schema.field("tier").type)
        assert "int64" == str(table.schema.field("points").type)
        assert {"tier": "5", "points": 12} == {
            name: table.column(name)[0].as_py() for name in ("tier", "points")
        }


class TestRejectsWithExtras:
    @pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
    def test_rejects_keep_the_extras(self, tmp_path: Path, suffix: str) -> None:
        """A rejected row's extra columns are in the rejects file, after its values."""
        path = write(tmp_path / "in.csv", "contact_id,tier,birth_date\nC-1,gold,bad\n")
        rows, reader = read_all(path)
        parsed = parse_batch(rows, Contact)  # type: ignore[arg-type]
        out = tmp_path / f"rejects{suffix}"
        columns = [*reader.columns, *reader.extra_columns]  # type: ignore[attr-defined]
        with open_rejects_writer(out, columns=columns) as rejects:
            rejects.write(parsed.rejects)
        text = out.read_text(encoding="utf-8")
        if suffix == ".csv":
            header, row = list(csv.reader(io.StringIO(text)))
            assert ["contact_id", "birth_date", "tier"] == header[2:]
            assert ["C-1", "bad", "gold"] == row[2:]
        else:
            assert {"contact_id": "C-1", "birth_date": "bad", "tier": "gold"} == json.loads(text)[
                "values"
            ]
