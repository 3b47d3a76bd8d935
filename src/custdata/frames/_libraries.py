"""Records to pandas and polars frames, through the typed Arrow table (`to_arrow`)."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from custdata.errors import MissingDependencyError
from custdata.frames._arrow import to_arrow

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = ["to_pandas", "to_polars"]


def _import(package: str, extra: str) -> Any:  # the module, typed at its use sites
    try:
        import importlib

        return importlib.import_module(package)
    except ImportError:
        raise MissingDependencyError(package, extra) from None


def to_pandas(records: Iterable[object], record_type: type | None = None) -> pandas.DataFrame:
    """
    Convert records to a pandas DataFrame whose columns keep the typed Arrow schema.

    Each column is backed by Arrow (`pandas.ArrowDtype`) with the type of
    `arrow_schema`: exact decimals, dates, UTC timestamps beside their offset
    columns, nullable integers, lists. `from_frame` reads it back exactly.

    Args:
        records: Records of one type.
        record_type: Their class; taken from the first record when ``None``.

    Returns:
        A `pandas.DataFrame` with one row per record, in order, and a default index.

    Raises:
        ValidationError: As `to_arrow`, for values the schema cannot hold without loss.
        TypeError: As `to_arrow`.
        MissingDependencyError: If pandas or pyarrow is not installed (extra ``pandas``).
    """
    pd = _import("pandas", "pandas")
    table = to_arrow(records, record_type)
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def to_polars(records: Iterable[object], record_type: type | None = None) -> polars.DataFrame:
    """
    Convert records to a polars DataFrame of the typed Arrow schema.

    Enum columns become polars ``Categorical``, amounts ``Decimal(18, 4)``,
    date-times ``Datetime("us", "UTC")`` beside their ``Int16`` offset columns.
    `from_frame` reads it back exactly.

    Args:
        records: Records of one type.
        record_type: Their class; taken from the first record when ``None``.

    Returns:
        A `polars.DataFrame` with one row per record, in order.

    Raises:
        ValidationError: As `to_arrow`, for values the schema cannot hold without loss.
        TypeError: As `to_arrow`.
        MissingDependencyError: If polars or pyarrow is not installed (extra ``polars``).
    """
    pl = _import("polars", "polars")
    table = to_arrow(records, record_type)
    return typing.cast("polars.DataFrame", pl.from_arrow(table))
