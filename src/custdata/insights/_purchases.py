"""
The purchase columns every figure reads, as NumPy arrays of exact integers (private).

A purchase's status decides what it counts for (docs/insights.md): ``completed``
counts for recency, frequency, monetary value and revenue; ``returned`` only for
the return rate; ``cancelled`` and ``abandoned`` for nothing but the abandonment
rate. Days are counted in each purchase's own offset, as `custdata.frames`
truncates: the UTC instant plus the offset column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

import attrs

from custdata.errors import Issue, UsageError, ValidationError
from custdata.insights._money import Rates, currency_error, div_half_even, minor_unit
from custdata.insights._tables import arrow, combined, numpy, optional_column
from custdata.model import PurchaseStatus

__all__ = [
    "ABANDONED",
    "CANCELLED",
    "COMPLETED",
    "PURCHASE_COLUMNS",
    "RETURNED",
    "Columns",
    "decimals",
    "group_sum",
    "month_label",
    "read_columns",
    "today_day",
]

STATUSES: Final = (
    PurchaseStatus.COMPLETED,
    PurchaseStatus.RETURNED,
    PurchaseStatus.CANCELLED,
    PurchaseStatus.ABANDONED,
)
COMPLETED: Final = 0
RETURNED: Final = 1
CANCELLED: Final = 2
ABANDONED: Final = 3

PURCHASE_COLUMNS: Final = {
    "contact_id": ("text", True),
    "purchased_at": ("moment", True),
    "purchased_at.offset_minutes": ("integer", False),
    "total.amount": ("amount", True),
    "total.currency": ("text", True),
    "discount.amount": ("amount", False),
    "discount.currency": ("text", False),
    "status": ("text", False),
}
_SCALE: Final = 4  # the decimal places of every amount column of the typed schema
_US_PER_DAY: Final = 86_400_000_000
_EPOCH: Final = dt.date(1970, 1, 1)
_SAFE_PRODUCT: Final = 2**62


@attrs.frozen(kw_only=True)
class Columns:
    """
    The purchases as arrays, one item per purchase.

    Attributes:
        ids: The distinct contact ids, as an Arrow string array.
        contact: Each purchase's position in ``ids``.
        day: The purchase's local day, in days since 1970-01-01.
        status: `COMPLETED`, `RETURNED`, `CANCELLED` or `ABANDONED`.
        total: The total in minor units of ``currency``.
        currency: The one currency of the amounts (None when there is no purchase).
        unit: Its minor unit.
        table: The typed table, for the columns a figure reads itself.
        rates: The conversion, if any.
    """

    ids: Any
    contact: Any
    day: Any
    status: Any
    total: Any
    currency: str | None
    unit: int
    table: Any
    rates: Rates | None


def today_day(today: object) -> int:
    """``today`` in days since 1970-01-01, or `UsageError` naming the parameter."""
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        msg = "insights: parameter 'today' must be a datetime.date"
        raise UsageError(msg)
    return (today - _EPOCH).days


def month_label(month: int) -> str:
    """Months since 1970-01 as ``"YYYY-MM"``."""
    return f"{1970 + month // 12:04d}-{month % 12 + 1:02d}"


def make_rates(rates: Mapping[str, object] | None, currency: str | None) -> Rates | None:
    """The `Rates` of the ``rates=`` and ``currency=`` parameters."""
    if rates is None:
        if currency is not None:
            msg = "insights: parameter 'currency' needs 'rates' to convert to it"
            raise UsageError(msg)
        return None
    if currency is None:
        msg = "insights: parameter 'rates' needs 'currency', the currency to convert to"
        raise UsageError(msg)
    return Rates(rates, currency)


def read_columns(table: Any, rates: Rates | None) -> Columns:
    """Read the typed purchase table into `Columns`."""
    pa = arrow()
    np = numpy()
    pc = arrow().compute
    ids = pc.dictionary_encode(combined(table.column("contact_id")))
    if pa.types.is_dictionary(ids.type.value_type):  # already dictionary-encoded text
        ids = ids.dictionary_decode()
        ids = pc.dictionary_encode(ids)
    contact = _dictionary_indices(np, ids)
    names = ids.dictionary.cast(pa.string())
    moment = combined(table.column("purchased_at"))
    micros = _int64(np, moment.cast(pa.timestamp("us", tz=moment.type.tz)).cast(pa.int64()))
    offsets = optional_column(table, "purchased_at.offset_minutes")
    if offsets is not None:
        micros = micros + _int64(np, offsets.cast(pa.int64())) * 60_000_000
    day = micros // _US_PER_DAY
    status = _statuses(pa, np, optional_column(table, "status"), table.num_rows)
    total, currency, unit = amounts(
        table, "total", rates, np.ones(table.num_rows, dtype=bool), reference=None
    )
    return Columns(
        ids=names,
        contact=contact,
        day=day,
        status=status,
        total=total,
        currency=currency,
        unit=unit,
        table=table,
        rates=rates,
    )


def _dictionary_indices(np: Any, encoded: Any) -> Any:
    indices = encoded.indices
    return _int64(np, indices.cast(arrow().int64()))


def _int64(np: Any, array: Any, fill: int = 0) -> Any:
    """An Arrow integer array as an int64 NumPy array, nulls as ``fill``."""
    if array.null_count:
        array = arrow().compute.fill_null(array, fill)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


def _statuses(pa: Any, np: Any, column: Any | None, rows: int) -> Any:
    if column is None:
        return np.zeros(rows, dtype=np.int8)
    values = pa.array([status.value for status in STATUSES], type=pa.string())
    if pa.types.is_dictionary(column.type):
        codes = pa.compute.index_in(column.dictionary.cast(pa.string()), value_set=values)
        if codes.null_count:
            raise _bad_status()
        known = np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int8)
        positions = column.indices
        result = known[_int64(np, positions.cast(pa.int64()))]
        if positions.null_count:
            result[np.asarray(positions.is_null().to_numpy(zero_copy_only=False))] = COMPLETED
        return result
    codes = pa.compute.index_in(column.cast(pa.string()), value_set=values)
    if codes.null_count != column.null_count:
        raise _bad_status()
    return np.asarray(_int64(np, codes, COMPLETED), dtype=np.int8)


def _bad_status() -> ValidationError:
    return ValidationError(
        [Issue(path="status", code="invalid_choice", message="is not a purchase status")]
    )


def amounts(
    table: Any, field: str, rates: Rates | None, wanted: Any, reference: str | None
) -> tuple[Any, str | None, int]:
    """
    A money column in exact minor units: ``(units, currency, minor unit)``; nulls are 0.

    Only the rows of ``wanted`` count for the currency checks; ``reference`` is the
    currency the amounts must share (the totals') when there is no conversion.
    """
    np = numpy()
    pa = arrow()
    amount = optional_column(table, f"{field}.amount")
    rows = table.num_rows
    if amount is None:
        unit = (
            rates.unit
            if rates
            else (minor_unit(reference, f"{field}.currency") if reference else 0)
        )
        return np.zeros(rows, dtype=np.int64), reference, unit
    scaled = scaled_amounts(amount, f"{field}.amount")
    present = wanted & ~np.asarray(amount.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    encoded = pa.compute.dictionary_encode(combined(table.column(f"{field}.currency")))
    if pa.types.is_dictionary(encoded.type.value_type):
        encoded = pa.compute.dictionary_encode(encoded.dictionary_decode())
    codes = _int64(np, encoded.indices.cast(pa.int64()), -1)
    # Codes are compared trimmed and upper-cased, as validation compares them ("eur" is EUR).
    names = [str(name).strip().upper() for name in encoded.dictionary.to_pylist()]
    seen = np.flatnonzero(np.bincount(codes[present] + 1, minlength=len(names) + 1)[1:])
    used = sorted({names[code] for code in seen})
    path = f"{field}.currency"
    if rates is None:
        if reference is not None and used and used != [reference]:
            raise currency_error(sorted({*used, reference}), path)
        if len(used) > 1:
            raise currency_error(used, path)
        currency = used[0] if used else reference
        unit = minor_unit(currency, path) if currency else 0
        return _to_minor(np, scaled, unit, present, f"{field}.amount"), currency, unit
    units = np.zeros(rows, dtype=np.int64)
    for name in used:
        same = [index for index, other in enumerate(names) if other == name]
        rows_of = present & np.isin(codes, same)
        own = minor_unit(name, path)
        minor = _to_minor(np, np.where(rows_of, scaled, 0), own, rows_of, f"{field}.amount")
        numerator, denominator = rates.factor(name, path)
        if denominator == 1 and numerator == 1:
            converted = minor
        elif int(np.abs(minor).max(initial=0)) * numerator < _SAFE_PRODUCT:
            converted = div_half_even(minor * numerator, denominator)
        else:  # Python integers: exact at any size
            exact = [int(div_half_even(int(v) * numerator, denominator)) for v in minor]
            converted = np.asarray(exact, dtype=np.int64)
        units = np.where(rows_of, converted, units)
    return units, rates.currency, rates.unit


def scaled_amounts(amount: Any, path: str) -> Any:
    """
    A decimal column as int64 ten-thousandths, read from the decimal128 buffer.

    A ``decimal128(18, 4)`` value fits in the low 64 bits of its 128; other decimal
    types are cast to it first (safely: a value it cannot hold raises).
    """
    pa = arrow()
    np = numpy()
    wanted = pa.decimal128(18, _SCALE)
    if amount.type != wanted:
        try:
            amount = amount.cast(wanted)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ValidationError(
                [
                    Issue(
                        path=path, code="amount_out_of_range", message="does not fit decimal(18, 4)"
                    )
                ]
            ) from None
    if len(amount) == 0:
        return np.zeros(0, dtype=np.int64)
    words = np.frombuffer(amount.buffers()[1], dtype="<i8")
    start = amount.offset * 2
    low = words[start : start + 2 * len(amount) : 2].astype(np.int64)
    if amount.null_count:
        low = np.where(np.asarray(amount.is_null().to_numpy(zero_copy_only=False)), 0, low)
    return low


def _to_minor(np: Any, scaled: Any, unit: int, present: Any, path: str) -> Any:
    step = 10 ** (_SCALE - unit)
    if step == 1:
        return np.where(present, scaled, 0)
    minor, rest = np.divmod(scaled, step)
    if bool(np.any(rest[present] != 0)):
        raise ValidationError(
            [
                Issue(
                    path=path,
                    code="finer_than_minor_unit",
                    message="has more decimal places than its currency's minor unit",
                )
            ]
        )
    return np.where(present, minor, 0)


def group_sum(np: Any, keys: Any, values: Any, size: int) -> Any:
    """Exact int64 sums of ``values`` by ``keys`` (0 to ``size - 1``)."""
    if len(values) == 0:
        return np.zeros(size, dtype=np.int64)
    if int(np.abs(values).sum()) < 2**53:  # every partial sum is an exact float64
        return np.bincount(keys, weights=values, minlength=size).astype(np.int64)
    sums = np.zeros(size, dtype=np.int64)
    np.add.at(sums, keys, values)
    return sums


def decimals(units: Any, scale: int, valid: Any | None = None, precision: int = 38) -> Any:
    """Int64 units as an Arrow ``decimal128(precision, scale)`` array (null where not ``valid``)."""
    pa = arrow()
    np = numpy()
    units = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty(2 * len(units), dtype="<i8")
    words[0::2] = units
    words[1::2] = np.where(units < 0, -1, 0)
    array = pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(units), [None, pa.py_buffer(words)]
    )
    if valid is not None and not bool(np.all(valid)):
        array = pa.compute.if_else(pa.array(valid), array, pa.scalar(None, type=array.type))
    return array
