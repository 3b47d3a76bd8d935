"""custdata.frames with pandas and polars: records to frames and back, missing values, numbers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import Address, Contact, Money, Purchase
from custdata.errors import MissingDependencyError, ValidationError
from custdata.frames import from_frame, to_arrow, to_pandas, to_polars
from custdata.model import Channel, to_flat
from custdata.testing import consents, contacts, feedback, purchases

_LISTS = {
    "contacts": st.lists(contacts(), max_size=4),
    "purchases": st.lists(purchases(), max_size=4),
    "consents": st.lists(consents(), max_size=4),
    "feedback": st.lists(feedback(), max_size=4),
}


def _codes(frame: object, record_type: type = Contact) -> list[tuple[int, str, str]]:
    return [(i.index, i.path, i.code) for i in from_frame(frame, record_type).issues]


class TestRoundTrip:
    """from_frame(to_pandas(records)) and from_frame(to_polars(records)) give the records back."""

    @given(st.sampled_from(sorted(_LISTS)).flatmap(_LISTS.__getitem__))
    def test_pandas(self, rows: list[object]) -> None:
        """Every record type comes back equal through pandas."""
        if not rows:
            return
        kind = type(rows[0])
        assert tuple(rows) == from_frame(to_pandas(rows), kind).records

    @given(st.sampled_from(sorted(_LISTS)).flatmap(_LISTS.__getitem__))
    def test_polars(self, rows: list[object]) -> None:
        """Every record type comes back equal through polars."""
        if not rows:
            return
        kind = type(rows[0])
        assert tuple(rows) == from_frame(to_polars(rows), kind).records

    @given(st.sampled_from(sorted(_LISTS)).flatmap(_LISTS.__getitem__))
    def test_numpy_backed_pandas(self, rows: list[object]) -> None:
        """pyarrow's plain to_pandas (float offsets, object decimals) reads back equal."""
        if not rows:
            return
        kind = type(rows[0])
        assert tuple(rows) == from_frame(to_arrow(rows).to_pandas(), kind).records

    def test_pandas_types(self) -> None:
        """pandas columns keep the typed schema (Arrow-backed), nullable integers stay integers."""
        frame = to_pandas([Contact(contact_id="C-1"), Contact(contact_id="C-2")])
        assert (
            "timestamp[us, tz=UTC][pyarrow]",
            "int16[pyarrow]",
            "date32[day][pyarrow]",
        ) == (
            str(frame["created_at"].dtype),
            str(frame["created_at.offset_minutes"].dtype),
            str(frame["birth_date"].dtype),
        )

    def test_polars_types(self) -> None:
        """polars columns: decimals, UTC date-times, Int16 offsets, categoricals."""
        purchase = Purchase(
            purchase_id="P-1",
            contact_id="C-1",
            purchased_at=dt.datetime(2024, 3, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            total=Money(amount=Decimal("19.90"), currency="EUR"),
        )
        schema = to_polars([purchase]).schema
        assert (pl.Decimal(18, 4), pl.Datetime("us", "UTC"), pl.Int16, pl.Categorical) == (
            schema["total.amount"],
            schema["purchased_at"],
            schema["purchased_at.offset_minutes"],
            schema["status"],
        )


class TestMissingValues:
    """NaN, None, NA and nulls mean missing."""

    def test_pandas_missing(self) -> None:
        """pandas NaN, None and NA are missing values, whatever the column's dtype."""
        frame = pd.DataFrame(
            {
                "contact_id": ["C-1", "C-2", "C-3"],
                "email": [float("nan"), None, pd.NA],
                "birth_date": [None, float("nan"), "1980-01-02"],
                "address.city": pd.array([pd.NA, "Lyon", None], dtype="string"),
            }
        )
        result = from_frame(frame, Contact)
        assert (
            Contact(contact_id="C-1"),
            Contact(contact_id="C-2", address=Address(city="Lyon")),
            Contact(contact_id="C-3", birth_date=dt.date(1980, 1, 2)),
        ) == result.records

    def test_pandas_nat_and_nullable_ints(self) -> None:
        """NaT and a nullable integer NA are missing; an Int64 offset column is read."""
        frame = pd.DataFrame(
            {
                "contact_id": ["C-1", "C-2"],
                "created_at": pd.to_datetime(["2024-01-01T00:30:00+01:00", None], utc=True),
                "created_at.offset_minutes": pd.array([60, pd.NA], dtype="Int64"),
                "birth_date": pd.to_datetime(["1980-01-01", pd.NaT]),
            }
        )
        paris = dt.timezone(dt.timedelta(hours=1))
        expected = (
            Contact(
                contact_id="C-1",
                created_at=dt.datetime(2024, 1, 1, 0, 30, tzinfo=paris),
                birth_date=dt.date(1980, 1, 1),
            ),
            Contact(contact_id="C-2"),
        )
        result = from_frame(frame, Contact)
        assert expected == result.records
        assert dt.timedelta(hours=1) == result.records[0].created_at.utcoffset()  # type: ignore[union-attr]

    def test_pandas_mixed_column(self) -> None:
        """An object column of numbers and text is read value by value."""
        frame = pd.DataFrame(
            {"contact_id": ["C-1", "C-2"], "address.postal_code": ["2A004", 75011]}
        )
        codes = [c.address.postal_code for c in from_frame(frame, Contact).records]  # type: ignore[union-attr]
        assert ["2A004", "75011"] == codes

    def test_pandas_dates_as_timestamps(self) -> None:
        """A date column pandas parsed as midnight timestamps is read as dates."""
        frame = pd.DataFrame({"contact_id": ["C-1"], "birth_date": pd.to_datetime(["1980-01-02"])})
        assert dt.date(1980, 1, 2) == from_frame(frame, Contact).records[0].birth_date

    def test_polars_nulls(self) -> None:
        """polars nulls and float NaN are missing values."""
        frame = pl.DataFrame(
            {
                "contact_id": ["C-1", "C-2"],
                "email": [None, None],
                "address.postal_code": [float("nan"), 75011.0],
                "address.country": ["FR", "FR"],
            },
            schema_overrides={"email": pl.String},
        )
        expected = (
            Contact(contact_id="C-1", address=Address(country="FR")),
            Contact(contact_id="C-2", address=Address(postal_code="75011", country="FR")),
        )
        assert expected == from_frame(frame, Contact).records

    def test_pandas_duplicate_column(self) -> None:
        """A pandas frame naming a column twice stops the read, naming it."""
        frame = pd.DataFrame([["C-1", "C-2"]], columns=["contact_id", "contact_id"])
        with pytest.raises(ValidationError) as caught:
            from_frame(frame, Contact)
        assert ["duplicate_column"] == [issue.code for issue in caught.value.issues]

    def test_pandas_index_ignored(self) -> None:
        """A filtered frame (its index no longer 0..n-1) reads by position, index ignored."""
        frame = pd.DataFrame({"contact_id": ["C-0", None, "C-2"]}).iloc[[2, 1]]
        assert [(1, "contact_id", "missing")] == _codes(frame)


class TestNumbersInTextColumns:
    """Columns a reader took for numbers: unambiguous values accepted, lost zeros reported."""

    def test_postal_codes(self) -> None:
        """75011.0 is 75011; a French 1000.0 lost its zero; a Belgian 1000 did not."""
        frame = pd.DataFrame(
            {
                "contact_id": ["C-1", "C-2", "C-3", "C-4"],
                "address.postal_code": [75011.0, 1000.0, 1000.0, 1000.0],
                "address.country": ["FR", "FR", "BE", None],
            }
        )
        result = from_frame(frame, Contact)
        assert [
            (1, "address.postal_code", "leading_zeros_lost"),
            (3, "address.postal_code", "leading_zeros_lost"),
        ] == _codes(frame)
        assert ["75011", "1000"] == [c.address.postal_code for c in result.records]  # type: ignore[union-attr]
        assert "dtype=str" in result.issues[0].message

    def test_phone_as_number(self) -> None:
        """A phone number read as a number may have lost its 0 or +: an issue."""
        frame = pd.DataFrame({"contact_id": ["C-1"], "phone": [612345678]})
        assert [(0, "phone", "leading_zeros_lost")] == _codes(frame)

    def test_identifiers_as_numbers(self) -> None:
        """Other text read as whole numbers becomes their digits; fractions are wrong_type."""
        frame = pd.DataFrame({"contact_id": [123.0, 4.5]})
        result = from_frame(frame, Contact)
        assert (("123",), [(1, "contact_id", "wrong_type")]) == (
            tuple(c.contact_id for c in result.records),
            _codes(frame),
        )

    @given(
        codes=st.lists(
            st.tuples(
                st.none() | st.integers(-10, 200_000) | st.floats(allow_nan=False, width=32),
                st.sampled_from([None, "FR", "BE", "DE"]),
                st.none() | st.integers(0, 10**12),
            ),
            min_size=1,
            max_size=8,
        )
    )
    def test_row_path_reads_numbers_alike(
        self, codes: list[tuple[float | None, str | None, int | None]]
    ) -> None:
        """A Parquet file's numeric text columns: the io row path reads what from_frame reads."""
        import tempfile

        import pyarrow as pa
        import pyarrow.parquet as pq

        from custdata.io import open_reader, parse_batch

        postal_type = pa.float64() if any(isinstance(c, float) for c, _, _ in codes) else pa.int64()
        table = pa.table(
            {
                "contact_id": [f"C-{i}" for i in range(len(codes))],
                "address.postal_code": pa.array([c for c, _, _ in codes], postal_type),
                "address.country": [country for _, country, _ in codes],
                "phone": pa.array([phone for _, _, phone in codes], pa.int64()),
            }
        )
        framed = from_frame(table, Contact)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "numbers.parquet"
            pq.write_table(table, path)
            with open_reader(path, record_type=Contact) as reader:
                parsed = [parse_batch(batch, Contact) for batch in reader]
        assert list(framed.records) == [r for p in parsed for r in p.records]
        assert [(i.index + 1, i.path, i.code) for i in framed.issues] == [
            (reject.row, issue.path, issue.code)
            for p in parsed
            for reject in p.rejects
            for issue in reject.issues
        ]

    def test_read_csv_of_contacts(self, tmp_path: Path) -> None:
        """read_csv of our contacts: rows that lost zeros are rejected; dtype=str reads all."""
        pytest.importorskip("faker")
        from custdata.io import write_synthetic

        write_synthetic(tmp_path, 300, locale="fr_FR", seed=7, format="csv")
        guessed = from_frame(pd.read_csv(tmp_path / "contacts.csv"), Contact)
        as_text = from_frame(pd.read_csv(tmp_path / "contacts.csv", dtype=str), Contact)
        assert {"leading_zeros_lost"} == {issue.code for issue in guessed.issues}
        assert (300, 300, 0) == (len(as_text.records), guessed.rows, as_text.rejected)

    def test_flat_text_frame(self) -> None:
        """A pandas frame of flat rows (to_flat) reads back the records."""
        contact = Contact(
            contact_id="C-1",
            preferred_channels=(Channel.EMAIL,),
            created_at=dt.datetime(2024, 3, 1, 0, 30, tzinfo=dt.UTC),
        )
        assert (contact,) == from_frame(pd.DataFrame([to_flat(contact)]), Contact).records


class TestLazyImport:
    """pandas and polars load only when their functions run."""

    def test_import_loads_neither(self) -> None:
        """Importing custdata.frames loads neither pandas nor polars."""
        code = (
            "import sys, custdata.frames; "
            "print([m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules])"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "[]" == result.stdout.strip()

    @pytest.mark.parametrize(
        ("function", "package"), [(to_pandas, "pandas"), (to_polars, "polars")]
    )
    def test_missing(self, monkeypatch: pytest.MonkeyPatch, function: object, package: str) -> None:
        """Without the library, its function raises MissingDependencyError naming the extra."""
        monkeypatch.setitem(sys.modules, package, None)
        with pytest.raises(MissingDependencyError) as caught:
            function([Contact(contact_id="C-1")])  # type: ignore[operator]
        assert (package, package) == (caught.value.extra, caught.value.package)
