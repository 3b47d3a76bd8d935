"""
Customer records as tables: typed Arrow schemas, records to tables and back.

`arrow_schema` gives the typed Arrow schema of a record type, `to_arrow` turns
records into a table of that schema and `from_frame` reads a table back into
records, keeping the rows that do not fit apart with their issues.

`to_pandas` and `to_polars` give the same table as pandas and polars frames,
and `from_frame` reads those too.

`validate_frame` validates every row of a frame and `apply_frame` protects it
with a bound policy, with the results `validate_many` and `apply_many` give;
`validate_frames` and `apply_frames` do so for a stream of record batches,
Parquet row groups or pandas chunks.

Needs the ``arrow`` extra (pyarrow), and the ``pandas`` or ``polars`` extra for
those libraries, imported on first use, never on import:
``pip install 'custdata[arrow]'``.
"""

from __future__ import annotations

from custdata.frames._apply import (
    FrameResult,
    FrameRun,
    FrameValidation,
    apply_frame,
    apply_frames,
    validate_frame,
    validate_frames,
)
from custdata.frames._arrow import (
    AMOUNT_SCALE,
    OFFSET_SUFFIX,
    FrameIssue,
    FrameRecords,
    arrow_schema,
    to_arrow,
)
from custdata.frames._libraries import to_pandas, to_polars
from custdata.frames._read import from_frame

__all__ = [
    "AMOUNT_SCALE",
    "OFFSET_SUFFIX",
    "FrameIssue",
    "FrameRecords",
    "FrameResult",
    "FrameRun",
    "FrameValidation",
    "apply_frame",
    "apply_frames",
    "arrow_schema",
    "from_frame",
    "to_arrow",
    "to_pandas",
    "to_polars",
    "validate_frame",
    "validate_frames",
]
