"""Parquet files are typed (the schema of custdata.frames), and old all-string files still read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custdata import KeyRing, Policy, ValidationError
from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_REJECTS, EXIT_USAGE
from custdata.frames import OFFSET_SUFFIX, arrow_schema, from_frame, to_arrow
from custdata.io import open_reader, open_writer, parse_batch
from custdata.io._parquet import PARQUET_TYPES, column_types
from custdata.model import (
    Address,
    Channel,
    Consent,
    Contact,
    Feedback,
    Gender,
    LineItem,
    Money,
    Purchase,
    flat_columns,
    to_flat,
)
from custdata.testing import records as any_records

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

PLUS_ONE = dt.timezone(dt.timedelta(hours=1))
EUR = "EUR"


def read_back(path: Path, record_type: type, **options: object) -> tuple[list[object], list[str]]:
    """Every record of a file, and the issue texts of its rejects."""
    records: list[object] = []
    rejects: list[str] = []
    with open_reader(path, record_type=record_type, **options) as reader:  # type: ignore[arg-type]
        for batch in reader:
            parsed = parse_batch(batch, record_type)
            records.extend(parsed.records)
            rejects.extend(reject.issues_text for reject in parsed.rejects)
    return records, rejects


def write(path: Path, record_type: type, records: list[object], **options: object) -> Path:
    """Write records to a Parquet file."""
    with open_writer(path, record_type=record_type, **options) as writer:  # type: ignore[arg-type]
        writer.write_records(records)
    return path


def purchase(amount: str = "19.90", **changes: object) -> Purchase:
    """A purchase with one line, a discount and a date-time just after midnight in +01:00."""
    fields: dict[str, object] = {
        "purchase_id": "P-1",
        "contact_id": "C-1",
        "purchased_at": dt.datetime(2024, 3, 1, 0, 30, tzinfo=PLUS_ONE),
        "total": Money(amount=Decimal(amount), currency=EUR),
        "lines": (
            LineItem(
                sku="A-1",
                quantity=2,
                unit_price=Money(amount=Decimal("9.95"), currency=EUR),
                name="Tasse",
            ),
            LineItem(sku="B-2", quantity=1, unit_price=Money(amount=Decimal(0), currency=EUR)),
        ),
        "discount": None,
        "channel": Channel.WEB,
    }
    fields.update(changes)
    return Purchase(**fields)  # type: ignore[arg-type]


CONTACT = Contact(
    contact_id="C-1",
    given_name="Élodie",
    address=Address(postal_code="01000", city="Bourg", country="FR"),
    birth_date=dt.date(1985, 7, 14),
    gender=Gender.FEMALE,
    preferred_channels=(Channel.EMAIL, Channel.SMS),
    interests=("randonnée",),
    created_at=dt.datetime(2024, 1, 1, 0, 5, tzinfo=PLUS_ONE),
)


class TestTypedSchema:
    @pytest.mark.parametrize("record_type", [Contact, Purchase, Consent, Feedback])
    def test_schema_is_the_frames_schema(self, tmp_path: Path, record_type: type) -> None:
        """The file's columns have the types of custdata.frames.arrow_schema, in its order."""
        path = write(tmp_path / "out.parquet", record_type, [])
        expected = arrow_schema(record_type)
        schema = pq.read_schema(path)
        assert expected.names == schema.names
        assert [field.type for field in expected] == [field.type for field in schema]

    def test_read_schema_shows_the_types(self, tmp_path: Path) -> None:
        """read_schema of an output shows date32, decimal, timestamp and list types."""
        contacts = write(tmp_path / "c.parquet", Contact, [CONTACT])
        purchases = write(tmp_path / "p.parquet", Purchase, [purchase()])
        contact_types = {field.name: str(field.type) for field in pq.read_schema(contacts)}
        purchase_types = {field.name: str(field.type) for field in pq.read_schema(purchases)}
        assert "date32[day]" == contact_types["birth_date"]
        assert "timestamp[us, tz=UTC]" == contact_types["created_at"]
        assert "int16" == contact_types["created_at" + OFFSET_SUFFIX]
        assert contact_types["gender"].startswith("dictionary<values=string")
        assert "list<element: string>" == contact_types["interests"]
        assert "decimal128(18, 4)" == purchase_types["total.amount"]
        assert purchase_types["lines"].startswith("list<element: struct<sku: string")

    def test_frames_read_the_file(self, tmp_path: Path) -> None:
        """custdata.frames.from_frame reads a written file's table back into the same records."""
        records = [purchase(), purchase("7", purchase_id="P-2", lines=())]
        path = write(tmp_path / "p.parquet", Purchase, records)
        back = from_frame(pq.read_table(path), Purchase)
        assert ((), tuple(records)) == (back.issues, back.records)

    def test_same_values_as_to_arrow(self, tmp_path: Path) -> None:
        """The file holds exactly the table custdata.frames.to_arrow makes of the records."""
        records = [purchase(), purchase("0.5", purchase_id="P-2", lines=(), channel=None)]
        path = write(tmp_path / "p.parquet", Purchase, records)
        assert to_arrow(records, Purchase).to_pylist() == pq.read_table(path).to_pylist()

    def test_column_types(self) -> None:
        """column_types names one of PARQUET_TYPES per flat column, from the field kinds."""
        types = column_types(Purchase)
        assert list(types) == flat_columns(Purchase)
        assert set(types.values()) <= set(PARQUET_TYPES)
        assert (
            "timestamp[us, UTC]",
            "decimal128(18, 4)",
            "list<struct>",
            "dictionary<string>",
        ) == (types["purchased_at"], types["total.amount"], types["lines"], types["channel"])


class TestRoundTrip:
    def test_records_come_back_equal(self, tmp_path: Path) -> None:
        """Records -> typed Parquet -> records gives equal records, offsets and lines included."""
        records = [purchase(), purchase("12", purchase_id="P-2", lines=())]
        again, rejects = read_back(write(tmp_path / "p.parquet", Purchase, records), Purchase)
        assert ([], records) == (rejects, again)

    def test_offset_kept_just_after_midnight(self, tmp_path: Path) -> None:
        """A date-time just after midnight in +01:00 comes back in +01:00, on the same day."""
        again, _ = read_back(write(tmp_path / "c.parquet", Contact, [CONTACT]), Contact)
        moment = again[0].created_at  # type: ignore[attr-defined]
        assert (dt.timedelta(hours=1), dt.date(2024, 1, 1)) == (moment.utcoffset(), moment.date())

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(records=any_records())
    def test_any_record(self, tmp_path: Path, records: object) -> None:
        """Every record the public strategies make comes back equal through typed Parquet."""
        path = tmp_path / "any.parquet"
        again, rejects = read_back(write(path, type(records), [records]), type(records))
        assert ([], [records]) == (rejects, again)

    def test_row_groups_still_streamed(self, tmp_path: Path) -> None:
        """Typed rows are written one row group per row_group_size rows, and read back equal."""
        many = [purchase(purchase_id=f"P-{index}") for index in range(25)]
        path = write(tmp_path / "p.parquet", Purchase, many, row_group_size=10)
        again, _ = read_back(path, Purchase, batch_size=7)
        assert (3, many) == (pq.ParquetFile(path).metadata.num_row_groups, again)

    def test_one_long_call_streams(self, tmp_path: Path) -> None:
        """One call with many rows writes them a row group at a time, not all at the end."""
        path = tmp_path / "p.parquet"
        seen: list[int] = []
        with open_writer(path, record_type=Purchase, row_group_size=10) as writer:

            def records() -> Iterator[Purchase]:
                for index in range(35):
                    seen.append(writer.rows_written)
                    yield purchase(purchase_id=f"P-{index}")

            writer.write_records(records())
        assert (0, 10, 30) == (seen[9], seen[10], seen[34])
        assert 4 == pq.ParquetFile(path).metadata.num_row_groups

    def test_text_rows_written_typed(self, tmp_path: Path) -> None:
        """Flat text rows (to_flat: ISO dates, | lists, JSON lines) are written typed too."""
        records = [purchase(), purchase("3.5", purchase_id="P-2", lines=())]
        path = tmp_path / "p.parquet"
        with open_writer(path, record_type=Purchase) as writer:
            writer.write_rows(to_flat(record) for record in records)
        assert to_arrow(records, Purchase).to_pylist() == pq.read_table(path).to_pylist()


class TestNothingRounded:
    def test_too_many_decimals_is_an_error_naming_the_column(self, tmp_path: Path) -> None:
        """An amount with more than 4 decimal places raises, naming row and column; no rounding."""
        path = tmp_path / "p.parquet"
        writer = open_writer(path, record_type=Purchase)
        with pytest.raises(ValidationError) as caught:
            writer.write_records([purchase(), purchase("19.12345")])
        writer.abort()
        assert [("[1].total.amount", "too_many_decimals")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]
        assert "19.12345" not in str(caught.value)
        assert not path.exists()

    def test_nothing_of_the_call_is_written(self, tmp_path: Path) -> None:
        """A refused call (within a row group) leaves nothing buffered: the next rows go on."""
        path = tmp_path / "p.parquet"
        with open_writer(path, record_type=Purchase) as writer:
            with pytest.raises(ValidationError):
                writer.write_records([purchase(purchase_id="P-0"), purchase("1.00001")])
            writer.write_records([purchase()])
        assert (1, ["P-1"]) == (
            writer.rows_written,
            pq.read_table(path).column("purchase_id").to_pylist(),
        )

    def test_line_amount_too_precise(self, tmp_path: Path) -> None:
        """An amount inside a line is checked too, at its place in the lines."""
        line = LineItem(
            sku="A", quantity=1, unit_price=Money(amount=Decimal("0.00001"), currency=EUR)
        )
        writer = open_writer(tmp_path / "p.parquet", record_type=Purchase)
        with pytest.raises(ValidationError) as caught:
            writer.write_records([purchase(lines=(line,))])
        writer.abort()
        assert [("[0].lines[0].unit_price.amount", "too_many_decimals")] == [
            (issue.path, issue.code) for issue in caught.value.issues
        ]

    def test_convert_refuses_and_leaves_no_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """custdata convert to Parquet of an amount it cannot hold exits 2 naming it; no output."""
        source = tmp_path / "p.csv"
        source.write_text(
            "purchase_id,contact_id,purchased_at,total.amount,total.currency\n"
            "P-1,C-1,2024-03-01T00:30:00+01:00,19.123456,EUR\n",
            encoding="utf-8",
        )
        out = tmp_path / "p.parquet"
        code = main(["convert", str(source), "-o", str(out), "--type", "purchase"])
        err = capsys.readouterr().err
        assert EXIT_USAGE == code
        assert "[0].total.amount" in err
        assert "19.123456" not in err
        assert "bug" not in err
        assert not out.exists()


class TestOldAndForeignFiles:
    def test_old_string_file_still_reads(self, tmp_path: Path) -> None:
        """An all-string Parquet file (custdata's earlier format) reads into the same records."""
        records = [purchase(), purchase("12.5", purchase_id="P-2", lines=())]
        rows = [to_flat(record) for record in records]
        columns = flat_columns(Purchase)
        table = pa.table(
            {
                column: pa.array(
                    [None if row[column] is None else str(row[column]) for row in rows], pa.string()
                )
                for column in columns
            }
        )
        path = tmp_path / "old.parquet"
        pq.write_table(table, path)
        again, rejects = read_back(path, Purchase)
        assert ([], records) == (rejects, again)

    def test_foreign_typed_file(self, tmp_path: Path) -> None:
        """A file another tool wrote (ns timestamps, wide decimals, nested structs) reads too."""
        line_type = pa.struct(
            [
                ("sku", pa.string()),
                ("quantity", pa.int32()),
                (
                    "unit_price",
                    pa.struct([("amount", pa.decimal128(38, 18)), ("currency", pa.string())]),
                ),
            ]
        )
        table = pa.table(
            {
                "purchase_id": pa.array(["P-1"], pa.large_string()),
                "contact_id": ["C-1"],
                "purchased_at": pa.array(
                    [dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)], pa.timestamp("ns", tz="UTC")
                ),
                "total.amount": pa.array([Decimal("19.9")], pa.decimal128(38, 18)),
                "total.currency": pa.array(["EUR"]).dictionary_encode(),
                "lines": pa.array(
                    [
                        [
                            {
                                "sku": "A",
                                "quantity": 2,
                                "unit_price": {"amount": Decimal("9.95"), "currency": "EUR"},
                            }
                        ]
                    ],
                    pa.list_(line_type),
                ),
            }
        )
        path = tmp_path / "foreign.parquet"
        pq.write_table(table, path)
        again, rejects = read_back(path, Purchase)
        expected = purchase(
            purchased_at=dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC),
            lines=(
                LineItem(
                    sku="A", quantity=2, unit_price=Money(amount=Decimal("9.95"), currency=EUR)
                ),
            ),
            channel=None,
        )
        assert ([], [expected]) == (rejects, again)

    def test_dates_stored_as_midnight_timestamps(self, tmp_path: Path) -> None:
        """A date column stored as naive midnight timestamps (pandas datetime64) reads as dates."""
        table = pa.table(
            {
                "contact_id": ["C-1", "C-2"],
                "birth_date": pa.array(
                    [dt.datetime(1985, 7, 14), dt.datetime(1990, 1, 2, 12, 0)],  # noqa: DTZ001  # naive, as pandas
                    pa.timestamp("ns"),
                ),
            }
        )
        path = tmp_path / "pandas.parquet"
        pq.write_table(table, path)
        again, rejects = read_back(path, Contact)
        assert [Contact(contact_id="C-1", birth_date=dt.date(1985, 7, 14))] == again
        assert 1 == len(rejects)
        assert "birth_date" in rejects[0]

    def test_bad_offset_rejects_its_row(self, tmp_path: Path) -> None:
        """An offset column value of a day or more rejects its row as invalid_offset."""
        table = to_arrow(
            [CONTACT, Contact(contact_id="C-2", created_at=CONTACT.created_at)], Contact
        )
        offsets = pa.array([60, 24 * 60], pa.int16())
        index = table.schema.get_field_index("created_at" + OFFSET_SUFFIX)
        path = tmp_path / "bad.parquet"
        pq.write_table(table.set_column(index, "created_at" + OFFSET_SUFFIX, offsets), path)
        again, rejects = read_back(path, Contact)
        assert [CONTACT] == again
        assert 1 == len(rejects)
        assert "created_at.offset_minutes" in rejects[0]
        assert "[invalid_offset]" in rejects[0]

    def test_offset_columns_are_not_extra(self, tmp_path: Path) -> None:
        """Offset columns are folded into their date-times: neither ignored nor extra columns."""
        path = write(tmp_path / "c.parquet", Contact, [CONTACT])
        with open_reader(path, record_type=Contact, keep_extra=True) as reader:
            list(reader)
            assert ([], []) == (reader.ignored_columns, reader.extra_columns)
            assert "created_at" + OFFSET_SUFFIX not in (reader.columns or ())


class TestProtectedRows:
    def test_output_types_follow_the_rules(self) -> None:
        """A column keeps its field's type, or takes its rule's output type (age band: string)."""
        types = column_types(
            Contact,
            {"contact_id": str, "birth_date": str, "created_at": dt.datetime, "gender": str},
        )
        assert {
            "contact_id": "string",
            "birth_date": "string",
            "created_at": "timestamp[us, UTC]",
            "gender": "dictionary<string>",
        } == types

    def test_policy_output_written_typed(self, tmp_path: Path) -> None:
        """A policy's protected rows are written with the types column_types gives them."""
        keys = KeyRing.generate(key_id="k-test")
        bound = Policy.builtin("partner-share").bind(keys=keys, today=dt.date(2025, 1, 1))
        rows = [row for row in bound.apply_many([CONTACT]) if isinstance(row, dict)]
        types = column_types(Contact, bound.output_types)
        path = tmp_path / "out.parquet"
        with open_writer(
            path, record_type=Contact, columns=bound.output_columns, column_types=types
        ) as writer:
            writer.write_rows(rows)
        schema = pq.read_schema(path)
        for column, kind in types.items():
            if kind == "string":
                assert pa.string() == schema.field(column).type
            elif kind == "date32":
                assert pa.date32() == schema.field(column).type
        assert len(rows) == pq.read_table(path).num_rows


class TestCommands:
    def test_convert_then_validate_same_counts(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """convert x.csv -o y.parquet, then validate y.parquet: the same counts as on the CSV."""
        source = tmp_path / "contacts.csv"
        source.write_text(
            "contact_id;given_name;email;phone;address.postal_code;address.country;birth_date;"
            "created_at;preferred_channels\n"
            "c1;Élodie;elodie@example.com;0612345678;01000;FR;1985-03-14;"
            "2024-01-01T00:05:00+01:00;email|sms\n"
            "c2;Jean2;jean.durand@;06 12 34;2A004;FR;2090-01-01;;\n"
            "c3;Marie;marie@example.com;+32 470 12 34 56;1000;BE;;;\n",
            encoding="utf-8",
        )
        typed = tmp_path / "contacts.parquet"
        assert EXIT_OK == main(["convert", str(source), "-o", str(typed)])
        capsys.readouterr()
        summaries = []
        for source_file in (source, typed):
            code = main(
                [
                    "validate",
                    str(source_file),
                    "-o",
                    str(tmp_path / f"v-{source_file.suffix[1:]}.csv"),
                    "--today",
                    "2025-06-01",
                ]
            )
            assert EXIT_REJECTS == code
            summaries.append(capsys.readouterr().err)
        assert summaries[0] == summaries[1]  # counts, and issues by field and code
        assert "3 rows read, 2 written, 1 rejected" in summaries[0]
        assert "date32[day]" == str(pq.read_schema(typed).field("birth_date").type)


class TestAmountProperty:
    @given(
        amount=st.decimals(
            min_value=Decimal("-99999999999999.9999"),
            max_value=Decimal("99999999999999.9999"),
            allow_nan=False,
            allow_infinity=False,
            places=4,
        )
    )
    def test_four_places_come_back_equal(self, amount: Decimal) -> None:
        """Any amount of at most 4 decimal places under 10**14 is written and read back equal."""
        assert amount == _written_amount(amount)

    @given(
        amount=st.builds(
            lambda digits, places: Decimal(digits).scaleb(-places),
            st.integers(-(10**20), 10**20),
            st.integers(0, 12),
        )
    )
    def test_refused_exactly_when_not_held(self, amount: Decimal) -> None:
        """An amount is refused exactly when decimal128(18, 4) cannot hold it: never rounded."""
        held = amount.quantize(Decimal("0.0001")) == amount and abs(amount) < 10**14
        try:
            written = _written_amount(amount)
        except ValidationError as error:
            codes = {issue.code for issue in error.issues}
            assert (False, True) == (held, codes <= {"too_many_decimals", "amount_out_of_range"})
        else:
            assert (True, amount) == (held, written)


def _written_amount(amount: object) -> Decimal:
    """Write one purchase total through a typed Parquet writer in memory and read it back."""
    import io
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "p.parquet"
        with open_writer(
            path, columns=["total.amount"], column_types={"total.amount": "decimal128(18, 4)"}
        ) as writer:
            writer.write_rows([{"total.amount": amount}])
        value = pq.read_table(io.BytesIO(path.read_bytes()))["total.amount"][0].as_py()
    assert isinstance(value, Decimal)
    return value


class TestOtherLibrariesFiles:
    def test_pandas_file(self, tmp_path: Path) -> None:
        """A file pandas wrote (datetime64 dates, aware timestamps, decimals, lists) reads."""
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(
            {
                "contact_id": ["C-1", "C-2"],
                "birth_date": pd.to_datetime(["1985-07-14", None]),
                "created_at": pd.to_datetime(["2024-01-01T00:05:00+01:00", None], utc=True),
                "interests": [["vélo", "cuisine"], None],
                "gender": pd.Categorical(["female", None]),
            }
        )
        path = tmp_path / "pandas.parquet"
        frame.to_parquet(path, index=False)
        again, rejects = read_back(path, Contact)
        expected = [
            Contact(
                contact_id="C-1",
                birth_date=dt.date(1985, 7, 14),
                created_at=dt.datetime(2023, 12, 31, 23, 5, tzinfo=dt.UTC),
                interests=("vélo", "cuisine"),
                gender=Gender.FEMALE,
            ),
            Contact(contact_id="C-2"),
        ]
        assert ([], expected) == (rejects, again)

    def test_polars_file(self, tmp_path: Path) -> None:
        """A file polars wrote (dates, UTC datetimes, decimals, categorical, lists) reads."""
        pl = pytest.importorskip("polars")
        frame = pl.DataFrame(
            {
                "purchase_id": ["P-1"],
                "contact_id": ["C-1"],
                "purchased_at": [dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)],
                "total.amount": pl.Series([Decimal("19.90")], dtype=pl.Decimal(10, 2)),
                "total.currency": pl.Series(["EUR"], dtype=pl.Categorical),
            }
        )
        path = tmp_path / "polars.parquet"
        frame.write_parquet(path)
        again, rejects = read_back(path, Purchase)
        expected = purchase(
            purchased_at=dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC), lines=(), channel=None
        )
        assert ([], [expected]) == (rejects, again)


class TestApplyFromTypedParquet:
    def test_same_output_as_from_csv(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """custdata apply gives the same CSV output from a typed Parquet input as from its CSV."""
        source = tmp_path / "contacts.csv"
        source.write_text(
            "contact_id,given_name,email,phone,address.postal_code,address.country,birth_date,"
            "created_at,interests,gender\n"
            "c1,Élodie,elodie@example.com,+33612345678,01000,FR,1985-03-14,"
            "2024-01-01T00:05:00+01:00,vélo|cuisine,female\n"
            "c2,Jean,jean@example.com,,75011,FR,,,,\n",
            encoding="utf-8",
        )
        typed = tmp_path / "contacts.parquet"
        assert EXIT_OK == main(["convert", str(source), "-o", str(typed)])
        keys = tmp_path / "keys.json"
        KeyRing.generate(key_id="k-test").dump(keys)
        outputs = []
        for given_file in (source, typed):
            out = tmp_path / f"out-{given_file.suffix[1:]}.csv"
            args = ["apply", str(given_file), "--policy", "support-view", "--keys", str(keys)]
            assert EXIT_OK == main([*args, "-o", str(out), "--today", "2025-01-01"])
            outputs.append(out.read_text(encoding="utf-8"))
        capsys.readouterr()
        assert outputs[0] == outputs[1]


class TestReadingLoadsNoPandas:
    def test_typed_file_read_without_pandas(self, tmp_path: Path) -> None:
        """Reading a typed file (UTC timestamps included) does not import pandas."""
        import subprocess
        import sys

        path = write(tmp_path / "c.parquet", Contact, [CONTACT])
        code = (
            "import sys\n"
            "from custdata.io import open_reader, parse_batch\n"
            "from custdata.model import Contact\n"
            f"with open_reader({str(path)!r}, record_type=Contact) as reader:\n"
            "    records = [r for b in reader for r in parse_batch(b, Contact).records]\n"
            "print(records[0].created_at.isoformat(), 'pandas' in sys.modules)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        assert "2024-01-01T00:05:00+01:00 False" == out.strip()
