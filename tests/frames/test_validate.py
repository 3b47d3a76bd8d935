"""custdata.frames: validate_frame and validate_frames find what validate_many finds."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from tests.frames.support import as_table

from custdata import Contact, normalise, validate
from custdata.errors import ValidationError
from custdata.frames import (
    FrameValidation,
    to_arrow,
    to_pandas,
    to_polars,
    validate_frame,
    validate_frames,
)
from custdata.synthetic import generate
from custdata.validation import validate_many

TODAY: Final = dt.date(2026, 1, 15)
DATASET: Final = generate(300, seed=3, dirty=0.3)


def _issues(checked: FrameValidation) -> list[tuple[int, str, str, str, str]]:
    return [
        (row["index"], row["path"], row["code"], row["severity"], row["message"])
        for row in as_table(checked.issues).to_pylist()
    ]


class TestSameAsValidateMany:
    """Each row has the issues validate_many reports, and the valid rows come back normalised."""

    @pytest.mark.parametrize("convert", [to_arrow, to_pandas, to_polars])
    def test_contacts(self, convert: Any) -> None:
        """Issues by row, the valid rows normalised, counts that reconcile."""
        records = DATASET.contacts
        frame = convert(records)
        checked = validate_frame(frame, Contact, today=TODAY, batch_size=70)
        expected = [
            (index, issue.path, issue.code, issue.severity.value, issue.message)
            for index, (_, report) in enumerate(validate_many(records, today=TODAY))
            for issue in report.issues
        ]
        assert expected == _issues(checked)
        ok = [index for index, record in enumerate(records) if validate(record, today=TODAY).ok]
        assert tuple(ok) == checked.indices
        assert type(frame) is type(checked.frame)
        assert type(frame) is type(checked.issues)
        expected_rows = to_arrow([normalise(records[index]) for index in ok])
        if convert is to_arrow:
            assert expected_rows.schema == checked.frame.schema
        assert expected_rows.to_pylist() == as_table(checked.frame).to_pylist()
        assert checked.rows == checked.valid + checked.rejected
        assert 0 < checked.rejected

    def test_as_read_when_not_normalising(self) -> None:
        """normalise=False gives the valid rows as they were read."""
        records = [Contact(contact_id="C-1", given_name="  jean  ", email="A@Example.COM")]
        checked = validate_frame(to_arrow(records), Contact, normalise=False)
        assert to_arrow(records).to_pylist() == checked.frame.to_pylist()

    def test_unreadable_cells_list_every_issue(self) -> None:
        """A row that is not a record lists its shape issues and its other fields' issues."""
        table = pa.table(
            {
                "contact_id": ["C-1", "C-2"],
                "email": ["a@example.com", "not an email"],
                "birth_date": ["1980-02-03", "31/02/1980"],
            }
        )
        checked = validate_frame(table, Contact, today=TODAY)
        assert (1, 1, 1) == (checked.valid, checked.rejected, len(checked.indices))
        assert {("birth_date", "error"), ("email", "error")} == {
            (path, severity) for index, path, _, severity, _ in _issues(checked) if index == 1
        }


class TestMissingAndNumbers:
    """Missing values of every library are missing; numbers in text columns are read with care."""

    def test_pandas_read_csv_postal_codes(self) -> None:
        """Postal codes read as floats: 75011.0 is 75011; 1000.0 in France lost its zero."""
        frame = pd.DataFrame(
            {
                "contact_id": ["C-1", "C-2", "C-3"],
                "address.postal_code": [75011.0, 1000.0, float("nan")],
                "address.country": ["FR", "FR", None],
            }
        )
        checked = validate_frame(frame, Contact, today=TODAY)
        assert (0, 2) == checked.indices
        assert [(1, "address.postal_code", "leading_zeros_lost")] == [
            (index, path, code) for index, path, code, _, _ in _issues(checked)
        ]
        assert "75011" == as_table(checked.frame).column("address.postal_code")[0].as_py()

    def test_polars_nulls(self) -> None:
        """polars nulls are missing values."""
        frame = pl.DataFrame(
            {"contact_id": ["C-1"], "email": [None]}, schema_overrides={"email": pl.Utf8}
        )
        checked = validate_frame(frame, Contact)
        assert (1, 0) == (checked.valid, checked.rejected)


class TestStreams:
    """validate_frames: indices count across batches; the parts make the whole."""

    def test_batches(self) -> None:
        """Record batches, one result each, indices global."""
        table = to_arrow(DATASET.contacts)
        whole = validate_frame(table, Contact, today=TODAY)
        parts = list(validate_frames(table.to_batches(max_chunksize=64), Contact, today=TODAY))
        assert 1 < len(parts)
        assert _issues(whole) == [issue for part in parts for issue in _issues(part)]
        assert whole.indices == tuple(index for part in parts for index in part.indices)
        assert whole.rows == sum(part.rows for part in parts)

    def test_pandas_chunks(self) -> None:
        """pandas chunks keep their own row labels."""
        frame = to_pandas(DATASET.contacts[:50])
        chunks = [frame.iloc[:20], frame.iloc[20:]]
        parts = list(validate_frames(chunks, Contact, today=TODAY))
        assert [index for part in parts for index in part.indices] == [
            label for part in parts for label in part.frame.index
        ]


class TestBadInput:
    """Bad arguments fail with clear errors, before any row is read."""

    def test_unknown_column(self) -> None:
        """A column of no field is named."""
        with pytest.raises(ValidationError, match="shoe_size"):
            validate_frame(pa.table({"contact_id": ["C-1"], "shoe_size": [42]}), Contact)

    def test_unknown_region(self) -> None:
        """An unknown region is refused."""
        with pytest.raises(ValueError, match="region"):
            validate_frame(to_arrow([], Contact), Contact, region="XX")

    def test_not_a_frame(self) -> None:
        """A dict is not a frame."""
        with pytest.raises(TypeError, match="expected a pyarrow Table"):
            validate_frame({"contact_id": ["C-1"]}, Contact)


class TestWorkers:
    """validate_frame(workers=n): slices validated in forked children give one process's result."""

    @pytest.mark.parametrize("convert", [to_arrow, to_pandas, to_polars])
    @pytest.mark.parametrize("normalised", [True, False])
    def test_same_result(self, convert: Any, normalised: bool) -> None:
        """Every valid row, issue, index and count equals the one-process run's."""
        frame = convert(DATASET.contacts)
        one = validate_frame(frame, Contact, today=TODAY, normalise=normalised, batch_size=70)
        two = validate_frame(
            frame, Contact, today=TODAY, normalise=normalised, batch_size=70, workers=2
        )
        assert one.rejected > 0
        assert (one.rows, one.valid, one.rejected) == (two.rows, two.valid, two.rejected)
        assert one.indices == two.indices
        assert _issues(one) == _issues(two)
        assert as_table(one.frame).equals(as_table(two.frame))
        assert type(one.frame) is type(two.frame)
        if isinstance(frame, pd.DataFrame):
            assert list(one.frame.index) == list(two.frame.index)

    def test_a_failing_child_raises_the_error_here(self) -> None:
        """An error in a child's slice is raised by the caller, as one process raises it."""
        table = pa.table({"contact_id": [f"C-{i}" for i in range(40)], "shoe_size": [42] * 40})
        with pytest.raises(ValidationError, match="shoe_size"):
            validate_frame(table, Contact, batch_size=10, workers=2)

    @pytest.mark.parametrize("workers", [0, 65, True, 2.0])
    def test_bad_workers(self, workers: object) -> None:
        """workers is a whole number from 1 to 64."""
        with pytest.raises(ValueError, match="workers must be a whole number from 1 to 64"):
            validate_frame(to_arrow([], Contact), Contact, workers=workers)  # type: ignore[arg-type]
