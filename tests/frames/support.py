"""Helpers the frames tests share: any frame as an Arrow table, and a purchases policy."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import pyarrow as pa

PURCHASES: Final = """
name = "purchases"
version = 1
record_type = "purchase"
default = "keep"

[fields.contact_id]
transform = "pseudonymise"
domain = "purchases/contact_id"
"""
"""Pseudonymised contact ids, every other field kept (amounts, lines, date-times)."""


def as_table(frame: Any) -> pa.Table:
    """An Arrow table, a record batch, a pandas or a polars frame as an Arrow table."""
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame])
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame.to_arrow()
