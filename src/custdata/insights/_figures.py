"""`rfm`, `loyalty`, `customer_value` and `trends`: figures of purchases, computed on columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from custdata.errors import UsageError
from custdata.insights._money import RATIO_PLACES, div_half_even
from custdata.insights._purchases import (
    ABANDONED,
    CANCELLED,
    COMPLETED,
    PURCHASE_COLUMNS,
    RETURNED,
    Columns,
    amounts,
    decimals,
    group_sum,
    make_rates,
    month_label,
    read_columns,
    today_day,
)
from custdata.insights._rows import (
    CategoryRow,
    LoyaltyRow,
    MonthRow,
    RfmRow,
    SeasonRow,
    Trends,
    ValueRow,
)
from custdata.insights._tables import arrow, combined, give_back, numpy, read_table, strings
from custdata.model import Purchase

__all__ = [
    "SEGMENTS",
    "UNCATEGORISED",
    "LoyaltyThresholds",
    "customer_value",
    "loyalty",
    "rfm",
    "segment",
    "trends",
]

UNCATEGORISED: Final = "uncategorised"
_SAFE_PRODUCT: Final = 2**62
_FLAG_LIMIT: Final = 50_000_000  # flags of purchases x categories held at once (50 MB)
"""The category of purchases without lines, and of lines without a category."""

SEGMENTS: Final[tuple[tuple[str, tuple[int, int], tuple[int, int]], ...]] = (
    ("champions", (4, 5), (4, 5)),
    ("loyal", (3, 5), (3, 5)),
    ("new", (4, 5), (1, 1)),
    ("promising", (3, 5), (1, 2)),
    ("at_risk", (1, 2), (3, 5)),
    ("hibernating", (2, 2), (1, 2)),
    ("lost", (1, 1), (1, 2)),
)
"""
The RFM segments: name, R score range, F score range, on the 1-5 scale; the first that matches wins.

With ``bins`` other than 5 a score ``s`` is read on the 1-5 scale as ``ceil(5 * s / bins)``.
"""


@attrs.frozen(kw_only=True)
class LoyaltyThresholds:
    """
    The thresholds of the loyalty statuses (docs/insights.md), checked in this order.

    Attributes:
        new_days: ``new`` if the first completed purchase is fewer than this many days old.
        lapsed_days: ``lapsed`` if the last completed purchase is at least this many days old.
        window_days: The window in which ``regular`` counts orders.
        regular_orders: ``regular`` with at least this many completed purchases in the
            window; ``occasional`` otherwise.
    """

    new_days: int = 90
    lapsed_days: int = 365
    window_days: int = 365
    regular_orders: int = 4

    def __attrs_post_init__(self) -> None:
        for name in ("new_days", "lapsed_days", "window_days", "regular_orders"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"LoyaltyThresholds: parameter {name!r} must be a positive integer"
                raise UsageError(msg)


def segment(r_score: int, f_score: int, bins: int = 5) -> str:
    """
    The RFM segment of an R and an F score (1 to ``bins``), by the table `SEGMENTS`.

    Example:
        >>> segment(5, 5), segment(5, 1), segment(1, 1)
        ('champions', 'new', 'lost')
    """
    r5 = -(-5 * r_score // bins)
    f5 = -(-5 * f_score // bins)
    for name, (r_low, r_high), (f_low, f_high) in SEGMENTS:
        if r_low <= r5 <= r_high and f_low <= f5 <= f_high:
            return name
    msg = f"segment: scores must be 1 to bins ({bins})"
    raise UsageError(msg)


def _check_bins(bins: object) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        msg = "rfm: parameter 'bins' must be a positive integer"
        raise UsageError(msg)
    return bins


def _scores(np: Any, values: Any, bins: int) -> Any:
    """1 + bins * (how many values are smaller) // n: equal values share the lower score."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    smaller = np.searchsorted(np.sort(values), values, side="left")
    return 1 + (bins * smaller) // len(values)


def _segments(np: Any, r_scores: Any, f_scores: Any, bins: int) -> Any:
    r5 = -(-5 * r_scores // bins)
    f5 = -(-5 * f_scores // bins)
    names = np.full(len(r5), "", dtype=object)
    for name, (r_low, r_high), (f_low, f_high) in reversed(SEGMENTS):
        names[(r5 >= r_low) & (r5 <= r_high) & (f5 >= f_low) & (f5 <= f_high)] = name
    return names


@attrs.frozen(kw_only=True)
class _PerContact:
    """Per-contact aggregates of the completed purchases up to today, contacts sorted by id."""

    order: Any  # the positions in Columns.ids of the contacts kept, sorted by id
    orders: Any
    revenue: Any
    first: Any
    last: Any


def _columns(
    purchases: object, rates: Mapping[str, object] | None, currency: str | None
) -> tuple[Columns, str]:
    table, kind = read_table(purchases, Purchase, PURCHASE_COLUMNS)
    return read_columns(table, make_rates(rates, currency)), kind


def _sorted_ids(np: Any, columns: Columns, keep: Any) -> Any:
    """The positions of the contacts in ``keep``, sorted by contact id."""
    pc = arrow().compute
    by_id = np.asarray(pc.sort_indices(columns.ids).to_numpy(zero_copy_only=False), dtype=np.int64)
    return by_id[keep[by_id]]


def _completed(np: Any, columns: Columns, today: int) -> _PerContact:
    size = len(columns.ids)
    done = (columns.status == COMPLETED) & (columns.day <= today)
    contact = columns.contact[done]
    day = columns.day[done]
    orders = np.bincount(contact, minlength=size)
    revenue = group_sum(np, contact, columns.total[done], size)
    first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, contact, day)
    np.maximum.at(last, contact, day)
    return _PerContact(
        order=_sorted_ids(np, columns, orders > 0),
        orders=orders,
        revenue=revenue,
        first=first,
        last=last,
    )


def rfm(
    purchases: object,
    *,
    today: object,
    bins: int = 5,
    rates: Mapping[str, object] | None = None,
    currency: str | None = None,
) -> Any:
    """
    Recency, frequency and monetary value of each contact, scored and segmented.

    Only completed purchases on or before ``today`` count; a contact without one
    is not listed. Each score is ``1 + bins * k // n`` where ``k`` counts the
    contacts with a worse value (a longer recency, fewer orders, less money) and
    ``n`` all contacts listed: equal values share the same, lower score. The
    segment follows from the R and F scores by `SEGMENTS`.

    Example:
        >>> import datetime as dt
        >>> from decimal import Decimal
        >>> from custdata import Money, Purchase
        >>> at = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
        >>> paid = Money(amount=Decimal("10.00"), currency="EUR")
        >>> rows = rfm([Purchase(purchase_id="P1", contact_id="C1", purchased_at=at, total=paid)],
        ...            today=dt.date(2024, 6, 1))
        >>> rows[0].recency_days, rows[0].frequency, rows[0].monetary, rows[0].segment
        (31, 1, Decimal('10.00'), 'lost')

    Args:
        purchases: `Purchase` records, or an Arrow table, a pandas or a polars frame of them.
        today: The day the figures are as of (a `datetime.date`).
        bins: How many scores (5: scores 1 to 5).
        rates: For each currency, the value of one unit in ``currency``; without it,
            purchases in several currencies raise.
        currency: The currency to convert to with ``rates``.

    Returns:
        `RfmRow` records sorted by contact id, or a frame of the input's kind
        with their fields as columns.

    Raises:
        ValidationError: ``mixed_currencies`` for several currencies without ``rates``,
            ``no_minor_unit`` for a currency such as XAU, ``finer_than_minor_unit`` for
            an amount finer than its currency allows; rows of a frame that do not fit.
        UsageError: For a bad parameter, naming it.
        MissingDependencyError: Without pyarrow and NumPy (extra ``arrow``).
    """
    bins = _check_bins(bins)
    day = today_day(today)
    np = numpy()
    columns, kind = _columns(purchases, rates, currency)
    per = _completed(np, columns, day)
    order = per.order
    recency = day - per.last[order]
    frequency = per.orders[order]
    monetary = per.revenue[order]
    r_scores = _scores(np, -recency, bins)
    f_scores = _scores(np, frequency, bins)
    m_scores = _scores(np, monetary, bins)
    pa = arrow()
    table = pa.table(
        {
            "contact_id": columns.ids.take(pa.array(order, type=pa.int64())),
            "recency_days": pa.array(recency, type=pa.int64()),
            "frequency": pa.array(frequency, type=pa.int64()),
            "monetary": decimals(monetary, columns.unit),
            "currency": strings([columns.currency] * len(order)),
            "r_score": pa.array(r_scores, type=pa.int64()),
            "f_score": pa.array(f_scores, type=pa.int64()),
            "m_score": pa.array(m_scores, type=pa.int64()),
            "segment": strings(list(_segments(np, r_scores, f_scores, bins))),
        }
    )
    return give_back(table, kind, RfmRow)


def loyalty(
    purchases: object,
    *,
    today: object,
    thresholds: object = None,
) -> Any:
    """
    The loyalty status of each contact with a completed purchase on or before ``today``.

    The first rule that holds gives the status: ``new`` (first completed purchase
    fewer than ``new_days`` days old), ``lapsed`` (last one at least
    ``lapsed_days`` old), ``regular`` (at least ``regular_orders`` completed
    purchases in the last ``window_days``), else ``occasional``.

    Args:
        purchases: `Purchase` records or a frame of them.
        today: The day the statuses are as of.
        thresholds: `LoyaltyThresholds`; the defaults when None.

    Returns:
        `LoyaltyRow` records sorted by contact id, or a frame of the input's kind.

    Raises:
        UsageError: For a bad parameter, naming it.
        ValidationError: As `rfm`.
        MissingDependencyError: Without pyarrow and NumPy (extra ``arrow``).
    """
    limits = thresholds if thresholds is not None else LoyaltyThresholds()
    if not isinstance(limits, LoyaltyThresholds):
        msg = "loyalty: parameter 'thresholds' must be a LoyaltyThresholds"
        raise UsageError(msg)
    day = today_day(today)
    np = numpy()
    table, kind = read_table(purchases, Purchase, PURCHASE_COLUMNS)
    columns = _loyalty_columns(table)
    per = _completed(np, columns, day)
    recent = (
        (columns.status == COMPLETED)
        & (columns.day <= day)
        & (columns.day > day - limits.window_days)
    )
    in_window = np.bincount(columns.contact[recent], minlength=len(columns.ids))
    order = per.order
    since_first = day - per.first[order]
    since_last = day - per.last[order]
    window = in_window[order]
    status = np.where(
        since_first < limits.new_days,
        "new",
        np.where(
            since_last >= limits.lapsed_days,
            "lapsed",
            np.where(window >= limits.regular_orders, "regular", "occasional"),
        ),
    )
    pa = arrow()
    result = pa.table(
        {
            "contact_id": columns.ids.take(pa.array(order, type=pa.int64())),
            "status": strings([str(value) for value in status]),
            "orders": pa.array(per.orders[order], type=pa.int64()),
            "orders_in_window": pa.array(window, type=pa.int64()),
            "days_since_first": pa.array(since_first, type=pa.int64()),
            "days_since_last": pa.array(since_last, type=pa.int64()),
        }
    )
    return give_back(result, kind, LoyaltyRow)


def _loyalty_columns(table: Any) -> Columns:
    """The columns without amounts: loyalty reads no money, so any currency will do."""
    pa = arrow()
    np = numpy()
    plain = table
    for name in ("total.amount", "total.currency", "discount.amount", "discount.currency"):
        if name in plain.column_names:
            plain = plain.drop_columns([name])
    rows = plain.num_rows
    plain = plain.append_column(
        "total.amount", decimals(np.zeros(rows, dtype=np.int64), 4, precision=18)
    )
    plain = plain.append_column("total.currency", pa.array(["EUR"] * rows, type=pa.string()))
    return read_columns(plain, None)


def customer_value(
    purchases: object,
    *,
    today: object,
    horizon_months: int = 12,
    rates: Mapping[str, object] | None = None,
    currency: str | None = None,
) -> Any:
    """
    Revenue, orders, basket, discounts, returns, tenure and projected value of each contact.

    Every contact with a purchase (of any status) on or before ``today`` is listed;
    docs/insights.md gives each formula. Averages are rounded half-even to the
    currency's minor unit, shares half-even to four decimals.

    Args:
        purchases: `Purchase` records or a frame of them.
        today: The day the figures are as of.
        horizon_months: The months ``projected_value`` looks ahead.
        rates: As for `rfm`.
        currency: As for `rfm`.

    Returns:
        `ValueRow` records sorted by contact id, or a frame of the input's kind.

    Raises:
        UsageError: For a bad parameter, naming it.
        ValidationError: As `rfm`.
        MissingDependencyError: Without pyarrow and NumPy (extra ``arrow``).
    """
    if (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, int)
        or horizon_months < 1
    ):
        msg = "customer_value: parameter 'horizon_months' must be a positive integer"
        raise UsageError(msg)
    day = today_day(today)
    np = numpy()
    columns, kind = _columns(purchases, rates, currency)
    per = _completed(np, columns, day)
    size = len(columns.ids)
    until = columns.day <= day
    contact = columns.contact[until]
    status = columns.status[until]
    seen = np.bincount(contact, minlength=size)
    order = _sorted_ids(np, columns, seen > 0)
    done = until & (columns.status == COMPLETED)
    discount, _, _ = amounts(
        columns.table, "discount", columns.rates, done, reference=columns.currency
    )
    discounts = group_sum(np, columns.contact[done], discount[done], size)[order]

    def count(code: int) -> Any:
        return np.bincount(contact[status == code], minlength=size)[order]

    orders = per.orders[order]
    revenue = per.revenue[order]
    returns = count(RETURNED)
    abandoned = count(ABANDONED)
    cancelled = count(CANCELLED)
    everything = seen[order]
    has_orders = orders > 0
    first = np.where(has_orders, per.first[order], day)
    first_month = (np.asarray(first, dtype="datetime64[D]").astype("datetime64[M]")).astype(
        np.int64
    )
    today_month = int(np.datetime64(day, "D").astype("datetime64[M]").astype(np.int64))
    tenure_months = today_month - first_month + 1
    safe_orders = np.maximum(orders, 1)
    pa = arrow()
    unit = columns.unit
    table = pa.table(
        {
            "contact_id": columns.ids.take(pa.array(order, type=pa.int64())),
            "currency": strings([columns.currency] * len(order)),
            "revenue": decimals(revenue, unit),
            "orders": pa.array(orders, type=pa.int64()),
            "average_basket": decimals(div_half_even(revenue, safe_orders), unit, has_orders),
            "discounts": decimals(discounts, unit),
            "discount_share": _shares(np, discounts, revenue + discounts),
            "returns": pa.array(returns, type=pa.int64()),
            "return_rate": _shares(np, returns, orders + returns),
            "abandoned": pa.array(abandoned, type=pa.int64()),
            "cancelled": pa.array(cancelled, type=pa.int64()),
            "abandonment_rate": _shares(np, abandoned, everything),
            "tenure_days": pa.array(day - first, type=pa.int64(), mask=~has_orders),
            "tenure_months": pa.array(tenure_months, type=pa.int64(), mask=~has_orders),
            "projected_value": decimals(
                div_half_even(revenue * horizon_months, tenure_months), unit, has_orders
            ),
        }
    )
    return give_back(table, kind, ValueRow)


def _shares(np: Any, numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator`` half-even to four decimals; null where the denominator is 0."""
    valid = denominator > 0
    units = div_half_even(numerator * 10**RATIO_PLACES, np.maximum(denominator, 1))
    return decimals(units, RATIO_PLACES, valid)


def trends(
    purchases: object,
    *,
    rates: Mapping[str, object] | None = None,
    currency: str | None = None,
) -> Trends[Any]:
    """
    Revenue and orders by month and by line category, and the seasonality of each calendar month.

    Only completed purchases count. A purchase's total is spread over its lines
    pro rata of their amounts (quantity times unit price), in whole minor units
    by largest remainder, so that the categories of a month add up to its revenue;
    a purchase without lines, and lines without a category, go to ``uncategorised``.
    The seasonality index of a calendar month is its months' average revenue
    divided by the average revenue of all the months of the period (four decimals).

    Args:
        purchases: `Purchase` records or a frame of them.
        rates: As for `rfm`.
        currency: As for `rfm`.

    Returns:
        A `Trends` of three tables (records, or frames of the input's kind).

    Raises:
        ValidationError: As `rfm`.
        MissingDependencyError: Without pyarrow and NumPy (extra ``arrow``).
    """
    np = numpy()
    pa = arrow()
    columns, kind = _columns(purchases, rates, currency)
    done = columns.status == COMPLETED
    positions = np.flatnonzero(done)
    month_of = (
        np.asarray(columns.day, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
    )
    months_done = month_of[positions]
    totals = columns.total[positions]
    unit = columns.unit
    if len(positions):
        low = int(months_done.min())
        span = int(months_done.max()) - low + 1
    else:
        low, span = 0, 0
    month_index = months_done - low
    revenue = group_sum(np, month_index, totals, span)
    orders = np.bincount(month_index, minlength=span)
    labels = [month_label(low + i) for i in range(span)]
    months = pa.table(
        {
            "month": strings(labels),
            "currency": strings([columns.currency] * span),
            "revenue": decimals(revenue, unit),
            "orders": pa.array(orders, type=pa.int64()),
        }
    )
    categories = _categories(np, pa, columns, positions, month_index, low, span)
    calendar = (low + np.arange(span)) % 12
    present = np.unique(calendar)
    season_months = np.bincount(calendar, minlength=12)[present]
    season_revenue = group_sum(np, calendar, revenue, 12)[present]
    # Twelve rows at most: Python integers, exact whatever the sums.
    whole = sum(int(value) for value in revenue)
    counts = [int(value) for value in season_months]
    sums = [int(value) for value in season_revenue]
    averages = [int(div_half_even(total, count)) for total, count in zip(sums, counts, strict=True)]
    indices = [
        int(div_half_even(total * span * 10**RATIO_PLACES, count * whole)) if whole > 0 else 0
        for total, count in zip(sums, counts, strict=True)
    ]
    seasonality = pa.table(
        {
            "calendar_month": pa.array(present + 1, type=pa.int64()),
            "months": pa.array(counts, type=pa.int64()),
            "average_revenue": decimals(np.asarray(averages, dtype=np.int64), unit),
            "currency": strings([columns.currency] * len(present)),
            "index": decimals(
                np.asarray(indices, dtype=np.int64), RATIO_PLACES, np.full(len(present), whole > 0)
            ),
        }
    )
    return Trends(
        months=give_back(months, kind, MonthRow),
        categories=give_back(categories, kind, CategoryRow),
        seasonality=give_back(seasonality, kind, SeasonRow),
    )


def _lines(np: Any, pa: Any, columns: Columns, positions: Any) -> tuple[Any, Any, Any, list[str]]:
    """
    The lines of the purchases at ``positions``: parent, amount, category code, category names.

    The parent is the position in ``positions``; the amount is the quantity times the
    unit price in minor units of the totals' currency; code 0 is `UNCATEGORISED`.
    """
    table = columns.table
    empty = np.zeros(0, dtype=np.int64)
    if "lines" not in table.column_names or len(positions) == 0:
        return empty, empty, empty, [UNCATEGORISED]
    chosen = combined(table.column("lines")).take(pa.array(positions, type=pa.int64()))
    parent = _numbers(np, pa.compute.list_parent_indices(chosen))
    items = chosen.flatten()
    if len(items) == 0:
        return empty, empty, empty, [UNCATEGORISED]
    quantity = _numbers(np, items.field("quantity").fill_null(0))
    prices = pa.table(
        {
            "unit_price.amount": items.field("unit_price.amount"),
            "unit_price.currency": items.field("unit_price.currency"),
        }
    )
    wanted = np.ones(len(items), dtype=bool)
    price, _, _ = amounts(prices, "unit_price", columns.rates, wanted, reference=columns.currency)
    encoded = pa.compute.dictionary_encode(items.field("category").cast(pa.string()))
    found = [str(name) for name in encoded.dictionary.to_pylist()]
    names = [UNCATEGORISED, *(name for name in found if name != UNCATEGORISED)]
    mapping = np.asarray([names.index(name) for name in found] or [0], dtype=np.int64)
    codes = _numbers(np, encoded.indices.fill_null(-1))
    category = np.where(codes >= 0, mapping[np.maximum(codes, 0)], 0)
    return parent, np.maximum(quantity, 0) * price, category, names


def _numbers(np: Any, array: Any) -> Any:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


def _spread(np: Any, totals: Any, parent: Any, gross: Any) -> Any:
    """
    Each purchase's total spread over its lines pro rata of ``gross``, by largest remainder.

    Each line gets ``floor(total * gross / sum of gross)``; the units left go one
    each to the lines with the largest remainders, the first line first on a tie.
    """
    count = len(totals)
    denominators = group_sum(np, parent, gross, count)[parent]
    if len(parent) and int(np.abs(totals).max()) * int(gross.max()) >= _SAFE_PRODUCT:
        pairs = zip(totals[parent].tolist(), gross.tolist(), strict=True)
        products = np.asarray([total * amount for total, amount in pairs], dtype=object)
    else:
        products = totals[parent] * gross
    shares = np.asarray(products // denominators, dtype=np.int64)
    remainders = np.asarray(products - shares * denominators, dtype=np.float64)
    left = totals - group_sum(np, parent, shares, count)
    by_rank = np.lexsort((np.arange(len(parent)), -remainders, parent))
    ranked_parent = parent[by_rank]
    rank = np.arange(len(parent)) - np.searchsorted(ranked_parent, ranked_parent, side="left")
    bonus = np.zeros(len(parent), dtype=np.int64)
    bonus[by_rank] = rank < left[ranked_parent]
    return shares + bonus


def _distinct_orders(  # noqa: PLR0917  # the arrays _categories holds
    np: Any, owners: Any, category: Any, month_index: Any, size: int, cells: int
) -> Any:
    """Purchases per month and category: each purchase once per category it has lines in."""
    purchases = len(month_index)
    if purchases * size <= _FLAG_LIMIT:  # one flag per purchase and category: no sort
        flags = np.zeros(purchases * size, dtype=bool)
        flags[owners * size + category] = True
        pairs = np.flatnonzero(flags)
        owner, kind = pairs // size, pairs % size
    else:
        pairs = np.unique(owners * size + category)
        owner, kind = pairs // size, pairs % size
    return np.bincount(month_index[owner] * size + kind, minlength=cells)


def _categories(  # noqa: PLR0917  # the month columns trends computed already
    np: Any, pa: Any, columns: Columns, positions: Any, month_index: Any, low: int, span: int
) -> Any:
    """Revenue and orders by month and category: each total spread over its lines."""
    parent, gross, category, names = _lines(np, pa, columns, positions)
    totals = columns.total[positions]
    spread = group_sum(np, parent, gross, len(positions)) > 0
    lined = spread[parent]
    parent, gross, category = parent[lined], gross[lined], category[lined]
    shares = _spread(np, totals, parent, gross)
    size = len(names)
    whole = np.flatnonzero(~spread)
    keys = np.concatenate([month_index[parent] * size + category, month_index[whole] * size])
    values = np.concatenate([shares, totals[whole]])
    owners = np.concatenate([parent, whole])
    cells = span * size
    revenue = group_sum(np, keys, values, cells)
    orders = _distinct_orders(np, owners, keys % size, month_index, size, cells)
    filled = sorted(np.flatnonzero(orders > 0).tolist(), key=lambda c: (c // size, names[c % size]))
    chosen = np.asarray(filled, dtype=np.int64)
    return pa.table(
        {
            "month": strings([month_label(low + cell // size) for cell in filled]),
            "category": strings([names[cell % size] for cell in filled]),
            "currency": strings([columns.currency] * len(filled)),
            "revenue": decimals(revenue[chosen], columns.unit),
            "orders": pa.array(orders[chosen], type=pa.int64()),
        }
    )
