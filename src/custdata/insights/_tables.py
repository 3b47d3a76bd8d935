"""
The inputs of the figures as typed Arrow tables, and results in the input's kind (private).

An Arrow table, a pandas or a polars frame whose columns already have the types
`custdata.frames.arrow_schema` gives is read as it is; any other frame is read
through `custdata.frames.from_frame` (rows that do not fit raise
`ValidationError`), and records through `custdata.frames.to_arrow`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from custdata.errors import Issue, MissingDependencyError, ValidationError
from custdata.frames import FrameRecords, from_frame, to_arrow

__all__ = ["Kind", "arrow", "give_back", "numpy", "read_table"]

Kind = str
"""``"records"``, ``"arrow"``, ``"pandas"`` or ``"polars"``."""

_TEXT: Final = "text"
_MOMENT: Final = "moment"
_AMOUNT: Final = "amount"
_PYARROW: Final = "pyarrow"
_NUMPY: Final = "numpy"
_EXTRA: Final = "arrow"


def arrow() -> Any:  # the module, typed at its use sites
    """pyarrow, or `MissingDependencyError` naming the ``arrow`` extra."""
    try:
        return importlib.import_module("pyarrow")
    except ImportError:
        raise MissingDependencyError(_PYARROW, _EXTRA) from None


def numpy() -> Any:  # the module, typed at its use sites
    """NumPy, or `MissingDependencyError` naming the ``arrow`` extra."""
    try:
        return importlib.import_module("numpy")
    except ImportError:
        raise MissingDependencyError(_NUMPY, _EXTRA) from None


def _loaded(module: str, name: str) -> type | None:
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) else None


def _fits(pa: Any, column: Any, kind: str) -> bool:
    kind_type = column.type
    if pa.types.is_dictionary(kind_type):
        kind_type = kind_type.value_type
    if kind == _TEXT:
        return bool(pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type))
    if kind == _MOMENT:
        return bool(pa.types.is_timestamp(kind_type) and kind_type.tz is not None)
    if kind == _AMOUNT:
        return bool(pa.types.is_decimal(kind_type))
    return bool(pa.types.is_integer(kind_type))


def _typed(pa: Any, table: Any, columns: dict[str, tuple[str, bool]]) -> bool:
    """Whether every column the figures read has its typed kind (and no null if required)."""
    names = set(table.column_names)
    for name, (kind, required) in columns.items():
        if name not in names:
            if required:
                return False
            continue
        column = table.column(name)
        if not _fits(pa, column, kind) or (required and column.null_count):
            return False
    return not any(pa.types.is_struct(field.type) for field in table.schema)


def read_table(
    data: object, record_type: type, columns: dict[str, tuple[str, bool]]
) -> tuple[Any, Kind]:
    """
    The typed Arrow table of the input, and its kind.

    Args:
        data: Records of ``record_type``, or an Arrow table or record batch, a pandas
            or a polars frame.
        record_type: `Purchase` or `Feedback`.
        columns: The columns read, each with its kind and whether it is required.
    """
    pa = arrow()
    kind: Kind
    table: Any
    pandas_frame = _loaded("pandas", "DataFrame")
    polars_frame = _loaded("polars", "DataFrame")
    if pandas_frame is not None and isinstance(data, pandas_frame):
        kind = "pandas"
        try:
            table = pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table = None
    elif polars_frame is not None and isinstance(data, polars_frame):
        kind, table = "polars", data.to_arrow()  # type: ignore[attr-defined]  # polars, untyped here
    elif isinstance(data, pa.RecordBatch):
        kind, table = "arrow", pa.Table.from_batches([data])
    elif isinstance(data, pa.Table):
        kind, table = "arrow", data
    else:
        if not isinstance(data, Iterable):
            msg = f"insights: expected records or a frame, got {type(data).__name__}"
            raise TypeError(msg)
        return to_arrow(list(data), record_type), "records"
    if table is not None and _typed(pa, table, columns):
        return table, kind
    read: FrameRecords[Any] = from_frame(data, record_type)
    if read.rejected:
        issues = [
            Issue(path=f"[{issue.index}].{issue.path}", code=issue.code, message=issue.message)
            for issue in read.issues
        ]
        raise ValidationError(issues, record_type=record_type.__name__)
    return to_arrow(read.records, record_type), kind


def give_back(table: Any, kind: Kind, row: Callable[..., object]) -> Any:
    """The result table as records (``row(**columns)``) or as a frame of the input's kind."""
    if kind == "records":
        return [row(**values) for values in table.to_pylist()]
    if kind == "pandas":
        pd = importlib.import_module("pandas")
        return table.to_pandas(types_mapper=pd.ArrowDtype)
    if kind == "polars":
        pl = importlib.import_module("polars")
        return pl.from_arrow(table)
    return table


def combined(column: Any) -> Any:
    """One contiguous array of a chunked column."""
    return column.combine_chunks() if hasattr(column, "combine_chunks") else column


def optional_column(table: Any, name: str) -> Any | None:
    """The column, or None when the table does not have it."""
    return combined(table.column(name)) if name in table.column_names else None


def strings(values: Sequence[str | None]) -> Any:
    """An Arrow string array."""
    return arrow().array(list(values), type=arrow().string())
