"""
Customer insights on files: RFM segments, loyalty, value, satisfaction, trends.

Each action reads the purchases (and, for 'satisfaction', the feedback) whole
and writes one row per contact (per group for 'satisfaction', per month or
category for 'trends'), as `custdata.insights` computes it: docs/insights.md
gives every formula. Amounts are exact, in the currency's minor unit; files in
several currencies are refused unless --rates and --currency convert them.
Rows that cannot be read are left out (exit 3, with a warning).

Each input has its own CSV options (--purchases-delimiter, --feedback-encoding...);
--delimiter and --encoding are the default of those that do not give theirs.

examples:
  custdata insights rfm --purchases purchases.csv --today 2025-01-01 -o rfm.csv
  custdata insights value --purchases purchases.csv --today 2025-01-01 \\
      --rates USD=0.92 --rates GBP=1.17 --currency EUR -o value.csv
  custdata insights satisfaction --feedback feedback.csv --by segment \\
      --purchases purchases.csv --today 2025-01-01 -o nps.csv
  custdata insights trends --purchases purchases.csv --table categories -o trends.csv
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from custdata.cli._common import (
    NamedInput,
    UsageError,
    add_date_arguments,
    add_named_inputs,
    add_output_arguments,
    check_named_paths,
    open_output,
    read_named_records,
    records_of,
    today_from,
    warn_rejects,
)
from custdata.model import Feedback, Purchase

__all__ = ["HELP", "add_arguments", "run"]

HELP = "RFM segments, loyalty, customer value, satisfaction (NPS, CSAT) and trends"

_PURCHASES: Final = NamedInput(
    name="purchases",
    record_type=Purchase,
    help="the purchases",
    fields=frozenset(
        {"purchase_id", "contact_id", "purchased_at", "total", "discount", "status", "lines"}
    ),
)
_SEGMENT_PURCHASES: Final = NamedInput(
    name="purchases",
    record_type=Purchase,
    required=False,
    help="the purchases, for --by segment (segments of rfm at --today)",
    fields=frozenset({"purchase_id", "contact_id", "purchased_at", "total", "status"}),
)
_FEEDBACK: Final = NamedInput(
    name="feedback",
    record_type=Feedback,
    help="the feedback: surveys, complaints, questions, reviews",
    fields=frozenset(
        {"feedback_id", "contact_id", "received_at", "kind", "nps", "satisfaction", "channel"}
    ),
)
_ACTIONS: Final = {
    "rfm": "recency, frequency, monetary value, their scores and segment of each contact",
    "loyalty": "the loyalty status of each contact: new, occasional, regular or lapsed",
    "value": "revenue, orders, basket, discounts, returns, tenure and projected value",
    "satisfaction": "NPS, CSAT and complaint rate, overall or by month, channel or segment",
    "trends": "revenue and orders by month or category, or the seasonality index",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the ``rfm``, ``loyalty``, ``value``, ``satisfaction`` and ``trends`` actions.

    Args:
        parser: The ``custdata insights`` parser.
    """
    actions = parser.add_subparsers(dest="insight", metavar="FIGURE", required=True)
    for name, what in _ACTIONS.items():
        action = actions.add_parser(name, help=what, description=what[0].upper() + what[1:] + ".")
        inputs = [_FEEDBACK, _SEGMENT_PURCHASES] if name == "satisfaction" else [_PURCHASES]
        add_named_inputs(action, inputs)
        figure = action.add_argument_group("figure")
        if name == "rfm":
            figure.add_argument(
                "--bins", type=int, default=5, metavar="N", help="scores 1 to N (default: 5)"
            )
        if name == "loyalty":
            for option, default, text in (
                ("--new-days", 90, "new: first completed purchase fewer than N days old"),
                ("--lapsed-days", 365, "lapsed: last completed purchase N days old or more"),
                ("--window-days", 365, "the window in which regular counts orders"),
                ("--regular-orders", 4, "regular: at least N completed purchases in the window"),
            ):
                figure.add_argument(
                    option,
                    type=int,
                    default=default,
                    metavar="N",
                    help=f"{text} (default: {default})",
                )
        if name == "value":
            figure.add_argument(
                "--horizon-months",
                type=int,
                default=12,
                metavar="N",
                help="months the projected value looks ahead (default: 12)",
            )
        if name == "satisfaction":
            figure.add_argument(
                "--by",
                choices=("month", "channel", "segment"),
                default=None,
                help="one row per group (default: one row for all feedback); segment needs "
                "--purchases",
            )
        if name == "trends":
            figure.add_argument(
                "--table",
                choices=("months", "categories", "seasonality"),
                default="months",
                help="the table written (default: months)",
            )
        if name != "loyalty":
            figure.add_argument(
                "--rates",
                action="append",
                default=[],
                metavar="CUR=RATE",
                help="the value of one unit of CUR in --currency, such as USD=0.92 (repeatable)",
            )
            figure.add_argument(
                "--currency", default=None, help="the currency --rates convert to, such as EUR"
            )
        if name != "trends":
            add_date_arguments(action, today_help="the day the figures are as of")
        add_output_arguments(action, rejects=False)


def _rates(args: argparse.Namespace) -> dict[str, Decimal] | None:
    items: list[str] = getattr(args, "rates", [])
    if not items:
        return None
    rates: dict[str, Decimal] = {}
    for item in items:
        code, sep, value = item.partition("=")
        try:
            rate = Decimal(value)
        except InvalidOperation:
            rate = Decimal("NaN")
        if not sep or not code.strip() or not rate.is_finite():
            msg = f"--rates takes CUR=RATE, such as USD=0.92, not {item!r}"
            raise UsageError(msg)
        rates[code.strip().upper()] = rate
    return rates


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata insights FIGURE``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows could not be read (they are left out of the figures).

    Raises:
        UsageError: For arguments that cannot be used, and for amounts in several
            currencies without --rates, or in a currency without a minor unit (exit code 2).
        InputError: For an unreadable file (exit code 4).
    """
    from custdata.errors import ValidationError

    satisfaction = args.insight == "satisfaction"
    inputs = [_FEEDBACK, _SEGMENT_PURCHASES] if satisfaction else [_PURCHASES]
    check_named_paths(args, inputs)
    if satisfaction and (args.by == "segment") != (args.purchases is not None):
        msg = "--by segment needs --purchases, and --purchases is read only for it"
        raise UsageError(msg)
    reads = {named: read_named_records(args, named) for named in inputs}
    purchases = records_of(reads.get(_SEGMENT_PURCHASES if satisfaction else _PURCHASES), Purchase)
    feedback = records_of(reads.get(_FEEDBACK), Feedback)
    try:
        rows = _figure(args, purchases, feedback)
    except ValidationError as error:
        details = "; ".join(
            f"{issue.path}: {issue.message} [{issue.code}]" for issue in error.issues
        )
        raise UsageError(f"the figures cannot be computed: {details}") from None
    columns = list(rows[0]) if rows else _columns(_table_name(args))
    with open_output(args, None, columns=columns, column_types=_column_types(columns)) as writer:
        writer.write_rows(rows)
    sys.stderr.write(f"custdata insights: {len(rows)} rows of {_table_name(args)} written\n")
    return warn_rejects(reads, "not counted")


def _table_name(args: argparse.Namespace) -> str:
    if args.insight == "trends":
        return str(args.table)
    return str(args.insight)


def _figure(
    args: argparse.Namespace, purchases: list[Purchase], feedback: list[Feedback]
) -> list[dict[str, object]]:
    import attrs

    from custdata import insights

    rates = _rates(args)
    currency: str | None = getattr(args, "currency", None)
    result: list[Any]
    if args.insight == "rfm":
        result = insights.rfm(
            purchases, today=today_from(args), bins=args.bins, rates=rates, currency=currency
        )
    elif args.insight == "loyalty":
        thresholds = insights.LoyaltyThresholds(
            new_days=args.new_days,
            lapsed_days=args.lapsed_days,
            window_days=args.window_days,
            regular_orders=args.regular_orders,
        )
        result = insights.loyalty(purchases, today=today_from(args), thresholds=thresholds)
    elif args.insight == "value":
        result = insights.customer_value(
            purchases,
            today=today_from(args),
            horizon_months=args.horizon_months,
            rates=rates,
            currency=currency,
        )
    elif args.insight == "satisfaction":
        segments = None
        if args.by == "segment":
            segments = insights.rfm(
                purchases, today=today_from(args), rates=rates, currency=currency
            )
        result = insights.satisfaction(feedback, by=args.by, segments=segments)
    else:
        result = getattr(insights.trends(purchases, rates=rates, currency=currency), args.table)
    return [attrs.asdict(row) for row in result]


def _column_types(columns: list[str]) -> dict[str, str]:
    """Parquet types: exact decimals for amounts and shares, text, and integers for counts."""
    decimals = {
        "monetary",
        "revenue",
        "average_basket",
        "discounts",
        "discount_share",
        "return_rate",
        "abandonment_rate",
        "projected_value",
        "complaint_rate",
        "nps",
        "csat",
        "average_revenue",
        "index",
    }
    texts = {"contact_id", "currency", "segment", "status", "group", "month", "category"}
    return {
        column: "decimal128(18, 4)"
        if column in decimals
        else "string"
        if column in texts
        else "int64"
        for column in columns
    }


def _columns(table: str) -> list[str]:
    """The columns of a table without rows: the fields of its record class."""
    import attrs

    from custdata import insights

    row_type = {
        "rfm": insights.RfmRow,
        "loyalty": insights.LoyaltyRow,
        "value": insights.ValueRow,
        "satisfaction": insights.SatisfactionRow,
        "months": insights.MonthRow,
        "categories": insights.CategoryRow,
        "seasonality": insights.SeasonRow,
    }[table]
    return [field.name for field in attrs.fields(row_type)]
