"""The CSV contacts of the apply tests, and their Parquet copy, for the Parquet command tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tests.cli.test_apply import CONTACTS


def write_inputs(directory: Path, *, row_group_size: int) -> tuple[Path, Path]:
    """Six contacts (one without an id, one impossible phone, an extra column), CSV and Parquet.

    The Parquet copy holds the same cells as text, empty cells as nulls.
    """
    csv_path = directory / "contacts.csv"
    csv_path.write_text(CONTACTS, encoding="utf-8")
    parquet_path = directory / "contacts.parquet"
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = [{k: v or None for k, v in row.items()} for row in csv.DictReader(handle)]
    pq.write_table(pa.Table.from_pylist(rows), parquet_path, row_group_size=row_group_size)
    return csv_path, parquet_path
