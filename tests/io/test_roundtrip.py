"""Readers and writers give records back exactly, in every format."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custdata.io import open_reader, open_writer, parse_batch
from custdata.model import Contact, Feedback, Purchase, flat_columns, to_dict

FORMATS = ["out.csv", "out.tsv", "out.jsonl", "out.parquet"]


def read_all(path: Path, record_type: type, **options: object) -> list[object]:
    """Read every record of a file, failing on any reject."""
    records: list[object] = []
    with open_reader(path, record_type=record_type, **options) as reader:  # type: ignore[arg-type]
        for batch in reader:
            parsed = parse_batch(batch, record_type)
            assert [] == [reject.issues_text for reject in parsed.rejects]
            records.extend(parsed.records)
    return records


def at_amount_scale(data: object) -> object:
    """A to_dict form with every amount at 4 decimal places, as a Parquet file gives it back."""
    if isinstance(data, dict):
        return {
            key: str(Decimal(value).quantize(Decimal("0.0001")))
            if key == "amount" and isinstance(value, str)
            else at_amount_scale(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [at_amount_scale(item) for item in data]
    return data


class TestRecordRoundTrip:
    @pytest.mark.parametrize("name", FORMATS)
    def test_records_come_back_equal(
        self, tmp_path: Path, name: str, records: tuple[type, list[object]]
    ) -> None:
        """Writing records then reading them gives equal records and equal dicts."""
        record_type, originals = records
        path = tmp_path / name
        with open_writer(path, record_type=record_type) as writer:
            writer.write_records(originals)
        assert writer.rows_written == len(originals)
        again = read_all(path, record_type, batch_size=2)
        assert originals == again
        expected = [to_dict(record) for record in originals]
        if name.endswith(".parquet"):  # decimal128(18, 4): 19.90 comes back as 19.9000
            expected = [at_amount_scale(data) for data in expected]
        assert expected == [to_dict(r) for r in again]

    def test_csv_is_escaped_on_disk(self, tmp_path: Path, sample_contacts: list[Contact]) -> None:
        """On disk, formula-like cells carry a quote and phones stay intact."""
        path = tmp_path / "out.csv"
        with open_writer(path, record_type=Contact) as writer:
            writer.write_records(sample_contacts)
        with path.open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        assert rows[0]["phone"] == "+33612345678"
        assert rows[0]["interests"] == "randonnée|cuisine"
        assert rows[0]["preferred_channels"] == "email|sms"
        assert rows[1]["given_name"].startswith("'=")
        assert rows[1]["family_name"] == "'-Durand"
        assert rows[1]["phone"] == "-12.5"
        assert rows[1]["income_band"] == "''=already quoted"
        assert list(rows[0]) == flat_columns(Contact)

    def test_parquet_writes_row_groups(self, tmp_path: Path) -> None:
        """Parquet output is written one row group per row_group_size rows."""
        import pyarrow.parquet as pq

        path = tmp_path / "out.parquet"
        many = [Contact(contact_id=f"C-{index}") for index in range(25)]
        with open_writer(path, record_type=Contact, row_group_size=10) as writer:
            writer.write_records(many)
        assert pq.ParquetFile(path).metadata.num_row_groups == 3
        assert many == read_all(path, Contact, batch_size=7)

    def test_parquet_column_types(self, tmp_path: Path, sample_feedbacks: list[Feedback]) -> None:
        """Parquet columns are typed: int64 integers, decimal128 amounts, UTC timestamps."""
        import pyarrow.parquet as pq

        path = tmp_path / "out.parquet"
        with open_writer(path, record_type=Purchase) as writer:
            writer.write_records([])
        schema = pq.read_schema(path)
        assert str(schema.field("total.amount").type) == "decimal128(18, 4)"
        assert str(schema.field("purchased_at").type) == "timestamp[us, tz=UTC]"
        assert str(schema.field("purchased_at.offset_minutes").type) == "int16"
        feedback_path = tmp_path / "feedback.parquet"
        with open_writer(feedback_path, record_type=Feedback) as writer:
            writer.write_records(sample_feedbacks)
        assert str(pq.read_schema(feedback_path).field("nps").type) == "int64"


class TestFrenchExports:
    @pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
    def test_semicolon_export(self, tmp_path: Path, encoding: str) -> None:
        """A ';' export in cp1252 or utf-8 with BOM, with decimal commas, is read right."""
        text = (
            "purchase_id;contact_id;purchased_at;total.amount;total.currency\r\n"
            "P-1;C-1;18/05/2024 15:04;12,50;EUR\r\n"
        ).replace("18/05/2024 15:04", "2024-05-18T15:04:00+02:00")
        text += "P-2;C-2;2024-05-19T10:00:00+02:00;3,20;EUR\r\n"
        header = "contact_id;given_name;family_name;address.city\r\n"
        path = tmp_path / "achats.csv"
        path.write_bytes(text.encode(encoding))
        purchases = read_all(path, Purchase, encoding=encoding)
        assert [str(p.total.amount) for p in purchases] == ["12.50", "3.20"]  # type: ignore[attr-defined]
        contacts_path = tmp_path / "clients.csv"
        contacts_path.write_bytes((header + "C-1;Hélène;Lefèvre;Orléans\r\n").encode(encoding))
        (contact,) = read_all(contacts_path, Contact, encoding=encoding)
        assert contact.given_name == "Hélène"  # type: ignore[attr-defined]
        assert contact.address.city == "Orléans"  # type: ignore[attr-defined]


ROW_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


class TestRawCsvRoundTrip:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rows=st.lists(st.tuples(ROW_TEXT, ROW_TEXT, ROW_TEXT), max_size=5))
    def test_any_text_survives(self, tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
        """Arbitrary cells (quotes, line breaks, formulas, delimiters) come back exactly."""
        path = tmp_path / "raw.csv"
        columns = ["a", "b", "c"]
        with open_writer(path, columns=columns, delimiter=";") as writer:
            writer.write_rows(dict(zip(columns, row, strict=True)) for row in rows)
        with open_reader(path, delimiter=";", batch_size=2) as reader:
            again = [tuple(row.values.values()) for batch in reader for row in batch]
        assert rows == again

    def test_row_numbers_skip_the_header(self, tmp_path: Path) -> None:
        """Row numbers count data rows from 1, across batches."""
        path = tmp_path / "raw.csv"
        path.write_text("a,b\n1,2\n\n3,4\n5,6\n", encoding="utf-8")
        with open_reader(path, batch_size=2) as reader:
            numbers = [[row.number for row in batch] for batch in reader]
        assert numbers == [[1, 2], [3]]
