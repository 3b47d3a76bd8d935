"""
Each figure equals a plain group-by written here, on any purchases and feedback.

The group-bys read records one by one with `Fraction` arithmetic; the figures
are computed on columns of integer minor units. Also: the same figures on
purchases pseudonymised by the built-in ``purchases-analytics`` policy, and on
Arrow, pandas and polars frames.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final
from unittest import mock

import attrs
import pandas as pd
import polars as pl
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from custdata import Feedback, LineItem, Money, Policy, Purchase
from custdata.frames import apply_frame, to_arrow, to_pandas, to_polars
from custdata.insights import (
    LoyaltyThresholds,
    customer_value,
    loyalty,
    rfm,
    satisfaction,
    segment,
    trends,
)
from custdata.keys import KeyRing

TODAY: Final = dt.date(2024, 6, 1)
KEYS: Final = KeyRing.from_mapping({"test-1": bytes(range(32))}, active="test-1")
STATUSES: Final = ("completed", "completed", "completed", "returned", "cancelled", "abandoned")
OFFSETS: Final = (-300, 0, 60, 120, 330)
CENT: Final = Decimal("0.01")


def _zone(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


@st.composite
def purchase_lists(draw: st.DrawFn) -> list[Purchase]:
    """Up to 30 purchases of five contacts, in EUR, of every status, some with lines."""
    count = draw(st.integers(0, 30))
    result = []
    for number in range(count):
        day = draw(st.dates(dt.date(2022, 1, 1), dt.date(2024, 7, 31)))
        moment = dt.datetime(
            day.year,
            day.month,
            day.day,
            draw(st.integers(0, 23)),
            tzinfo=_zone(draw(st.sampled_from(OFFSETS))),
        )
        discount = draw(st.none() | st.integers(0, 5_000))
        lines = draw(
            st.lists(
                st.tuples(
                    st.integers(0, 4),
                    st.integers(0, 9_999),
                    st.sampled_from([None, "books", "toys"]),
                ),
                max_size=3,
            )
        )
        result.append(
            Purchase(
                purchase_id=f"P{number}",
                contact_id=draw(st.sampled_from("ABCDE")),
                purchased_at=moment,
                total=Money(
                    amount=Decimal(draw(st.integers(0, 100_000))).scaleb(-2), currency="EUR"
                ),
                discount=None
                if discount is None
                else Money(amount=Decimal(discount).scaleb(-2), currency="EUR"),
                status=draw(st.sampled_from(STATUSES)),
                lines=tuple(
                    LineItem(
                        sku="S",
                        quantity=quantity,
                        unit_price=Money(amount=Decimal(cents).scaleb(-2), currency="EUR"),
                        category=category,
                    )
                    for quantity, cents, category in lines
                ),
            )
        )
    return result


@st.composite
def feedback_lists(draw: st.DrawFn) -> list[Feedback]:
    """Up to 30 pieces of feedback of five contacts, some with scores."""
    return [
        Feedback(
            feedback_id=f"F{number}",
            contact_id=draw(st.sampled_from("ABCDE")),
            received_at=dt.datetime(
                2024,
                draw(st.integers(1, 3)),
                1,
                draw(st.integers(0, 23)),
                tzinfo=_zone(draw(st.sampled_from(OFFSETS))),
            ),
            kind=draw(st.sampled_from(["survey", "complaint", "question", "review"])),
            nps=draw(st.none() | st.integers(0, 10)),
            satisfaction=draw(st.none() | st.integers(1, 5)),
            channel=draw(st.sampled_from([None, "web", "app"])),
        )
        for number in range(draw(st.integers(0, 30)))
    ]


def _half_even(value: Fraction, places: int) -> Decimal:
    rounded = round(value, places)
    return (Decimal(rounded.numerator) / Decimal(rounded.denominator)).quantize(
        Decimal(1).scaleb(-places)
    )


def _cents(money: Money | None) -> int:
    return 0 if money is None else int(money.amount * 100)


def _done(purchases: Sequence[Purchase], today: dt.date) -> dict[str, list[Purchase]]:
    by_contact: dict[str, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        if purchase.status == "completed" and purchase.purchased_at.date() <= today:
            by_contact[purchase.contact_id].append(purchase)
    return by_contact


def _score(values: list[int], value: int, bins: int) -> int:
    return 1 + bins * sum(1 for other in values if other < value) // len(values)


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class TestAgainstGroupBy:
    @given(purchase_lists(), st.integers(1, 7))
    def test_rfm(self, purchases: list[Purchase], bins: int) -> None:
        """rfm equals the group-by: recency, frequency, money, counted scores, segment table."""
        done = _done(purchases, TODAY)
        recency = {
            c: (TODAY - max(p.purchased_at.date() for p in ps)).days for c, ps in done.items()
        }
        frequency = {c: len(ps) for c, ps in done.items()}
        money = {c: sum(_cents(p.total) for p in ps) for c, ps in done.items()}
        expected = []
        for contact in sorted(done):
            r_score = _score([-v for v in recency.values()], -recency[contact], bins)
            f_score = _score(list(frequency.values()), frequency[contact], bins)
            expected.append(
                {
                    "contact_id": contact,
                    "recency_days": recency[contact],
                    "frequency": frequency[contact],
                    "monetary": Decimal(money[contact]).scaleb(-2),
                    "currency": "EUR",
                    "r_score": r_score,
                    "f_score": f_score,
                    "m_score": _score(list(money.values()), money[contact], bins),
                    "segment": segment(r_score, f_score, bins),
                }
            )
        assert expected == [attrs.asdict(row) for row in rfm(purchases, today=TODAY, bins=bins)]

    @given(purchase_lists(), st.integers(1, 400), st.integers(1, 400), st.integers(1, 6))
    def test_loyalty(self, purchases: list[Purchase], new: int, lapsed: int, regular: int) -> None:
        """loyalty equals the group-by with the thresholds checked in the documented order."""
        limits = LoyaltyThresholds(
            new_days=new, lapsed_days=lapsed, window_days=300, regular_orders=regular
        )
        expected = []
        for contact, ps in sorted(_done(purchases, TODAY).items()):
            days = [(TODAY - p.purchased_at.date()).days for p in ps]
            window = sum(1 for d in days if d < 300)
            if max(days) < new:
                status = "new"
            elif min(days) >= lapsed:
                status = "lapsed"
            elif window >= regular:
                status = "regular"
            else:
                status = "occasional"
            expected.append((contact, status, len(ps), window, max(days), min(days)))
        actual = [
            (
                r.contact_id,
                r.status,
                r.orders,
                r.orders_in_window,
                r.days_since_first,
                r.days_since_last,
            )
            for r in loyalty(purchases, today=TODAY, thresholds=limits)
        ]
        assert expected == actual

    @given(purchase_lists(), st.integers(1, 24))
    def test_customer_value(self, purchases: list[Purchase], horizon: int) -> None:
        """customer_value equals the group-by of every formula, rounded half-even."""
        seen: dict[str, list[Purchase]] = defaultdict(list)
        for purchase in purchases:
            if purchase.purchased_at.date() <= TODAY:
                seen[purchase.contact_id].append(purchase)
        expected = []
        for contact, ps in sorted(seen.items()):
            done = [p for p in ps if p.status == "completed"]
            revenue = sum(_cents(p.total) for p in done)
            discounts = sum(_cents(p.discount) for p in done)
            returns = sum(1 for p in ps if p.status == "returned")
            abandoned = sum(1 for p in ps if p.status == "abandoned")
            first = min((p.purchased_at.date() for p in done), default=None)
            months = (
                None
                if first is None
                else (TODAY.year - first.year) * 12 + TODAY.month - first.month + 1
            )
            expected.append(
                {
                    "contact_id": contact,
                    "currency": "EUR",
                    "revenue": Decimal(revenue).scaleb(-2),
                    "orders": len(done),
                    "average_basket": _half_even(Fraction(revenue, 100 * len(done)), 2)
                    if done
                    else None,
                    "discounts": Decimal(discounts).scaleb(-2),
                    "discount_share": _half_even(Fraction(discounts, revenue + discounts), 4)
                    if revenue + discounts
                    else None,
                    "returns": returns,
                    "return_rate": _half_even(Fraction(returns, len(done) + returns), 4)
                    if done or returns
                    else None,
                    "abandoned": abandoned,
                    "cancelled": sum(1 for p in ps if p.status == "cancelled"),
                    "abandonment_rate": _half_even(Fraction(abandoned, len(ps)), 4),
                    "tenure_days": None if first is None else (TODAY - first).days,
                    "tenure_months": months,
                    "projected_value": None
                    if months is None
                    else _half_even(Fraction(revenue * horizon, 100 * months), 2),
                }
            )
        actual = customer_value(purchases, today=TODAY, horizon_months=horizon)
        assert expected == [attrs.asdict(row) for row in actual]

    @given(purchase_lists())
    def test_trends(self, purchases: list[Purchase]) -> None:
        """trends equals the group-by by month, category (largest remainder) and calendar month."""
        done = [p for p in purchases if p.status == "completed"]
        months: dict[str, list[int]] = {}
        categories: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        if done:
            days = [p.purchased_at.date() for p in done]
            low, high = min(days), max(days)
            year, month = low.year, low.month
            while (year, month) <= (high.year, high.month):
                months[f"{year:04d}-{month:02d}"] = [0, 0]
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        for purchase in done:
            label = _month(purchase.purchased_at.date())
            total = _cents(purchase.total)
            months[label][0] += total
            months[label][1] += 1
            gross = [max(item.quantity, 0) * _cents(item.unit_price) for item in purchase.lines]
            shares: dict[str, int] = defaultdict(int)
            if sum(gross):
                exact = [Fraction(total * g, sum(gross)) for g in gross]
                floors = [int(share) for share in exact]
                left = total - sum(floors)
                ranked = sorted(range(len(gross)), key=lambda i: (-(exact[i] - floors[i]), i))
                for rank, i in enumerate(ranked):
                    floors[i] += rank < left
                for item, share in zip(purchase.lines, floors, strict=True):
                    shares[item.category or "uncategorised"] += share
            else:
                shares["uncategorised"] = total
            for category, share in shares.items():
                categories[label, category][0] += share
                categories[label, category][1] += 1
        result = trends(purchases)
        assert [(m, Decimal(r).scaleb(-2), o) for m, (r, o) in months.items()] == [
            (row.month, row.revenue, row.orders) for row in result.months
        ]
        assert [
            (m, c, Decimal(r).scaleb(-2), o) for (m, c), (r, o) in sorted(categories.items())
        ] == [(row.month, row.category, row.revenue, row.orders) for row in result.categories]
        whole = sum(r for r, _ in months.values())
        by_calendar: dict[int, list[int]] = defaultdict(list)
        for label, (revenue, _) in months.items():
            by_calendar[int(label[5:])].append(revenue)
        expected_season = [
            (
                calendar,
                len(values),
                _half_even(Fraction(sum(values), 100 * len(values)), 2),
                _half_even(Fraction(sum(values) * len(months), len(values) * whole), 4)
                if whole
                else None,
            )
            for calendar, values in sorted(by_calendar.items())
        ]
        assert expected_season == [
            (row.calendar_month, row.months, row.average_revenue, row.index)
            for row in result.seasonality
        ]

    @given(purchase_lists())
    def test_trends_without_flags(self, purchases: list[Purchase]) -> None:
        """Counting orders by sorting (many categories) gives what the flags give."""
        expected = trends(purchases)
        with mock.patch("custdata.insights._figures._FLAG_LIMIT", 0):
            assert expected == trends(purchases)

    @given(feedback_lists(), st.sampled_from([None, "month", "channel"]))
    def test_satisfaction(self, feedback: list[Feedback], by: str | None) -> None:
        """satisfaction equals the group-by of NPS, CSAT and complaint rate."""
        groups: dict[str | None, list[Feedback]] = defaultdict(list)
        for item in feedback:
            key = {
                None: None,
                "month": _month(item.received_at.date()),
                "channel": item.channel and item.channel.value,
            }[by]
            groups[key].append(item)
        expected = []
        for key in sorted(groups, key=lambda k: (k is None, k or "")):
            items = groups[key]
            scored = [i.nps for i in items if i.nps is not None]
            rated = [i.satisfaction for i in items if i.satisfaction is not None]
            complaints = sum(1 for i in items if i.kind == "complaint")
            points = (
                Fraction(
                    100 * (sum(s >= 9 for s in scored) - sum(s <= 6 for s in scored)), len(scored)
                )
                if scored
                else None
            )
            expected.append(
                (
                    key,
                    len(items),
                    _half_even(Fraction(complaints, len(items)), 4),
                    None if points is None else _half_even(points, 2),
                    _half_even(Fraction(sum(s >= 4 for s in rated), len(rated)), 4)
                    if rated
                    else None,
                )
            )
        actual = [
            (r.group, r.feedback, r.complaint_rate, r.nps, r.csat)
            for r in satisfaction(feedback, by=by)
        ]
        assert expected == actual


def _rows(frame: Any) -> list[dict[str, object]]:
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()
    if isinstance(frame, pl.DataFrame):
        return frame.to_arrow().to_pylist()
    return list(frame.to_pylist())


class TestPseudonymised:
    @given(purchase_lists())
    def test_same_figures(self, purchases: list[Purchase]) -> None:
        """Through purchases-analytics, every figure is the raw one under the pseudonyms."""
        bound = Policy.builtin("purchases-analytics").bind(keys=KEYS, today=TODAY)
        protected = apply_frame(bound, to_arrow(purchases, Purchase)).frame
        pseudonym = dict(
            zip((p.contact_id for p in purchases), protected["contact_id"].to_pylist(), strict=True)
        )
        assert len(set(pseudonym.values())) == len(pseudonym)

        def renamed(rows: list[Any]) -> list[dict[str, object]]:
            named = [{**attrs.asdict(row), "contact_id": pseudonym[row.contact_id]} for row in rows]
            return sorted(named, key=lambda row: str(row["contact_id"]))

        assert renamed(rfm(purchases, today=TODAY)) == _rows(rfm(protected, today=TODAY))
        assert renamed(loyalty(purchases, today=TODAY)) == _rows(loyalty(protected, today=TODAY))
        assert renamed(customer_value(purchases, today=TODAY)) == _rows(
            customer_value(protected, today=TODAY)
        )
        raw, masked = trends(purchases), trends(protected)
        for name in ("months", "categories", "seasonality"):
            assert [attrs.asdict(row) for row in getattr(raw, name)] == _rows(getattr(masked, name))


class TestFrames:
    @given(purchase_lists())
    def test_every_kind_same_figures(self, purchases: list[Purchase]) -> None:
        """Arrow, pandas and polars frames give the records' figures, as a frame of their kind."""
        expected = [attrs.asdict(row) for row in customer_value(purchases, today=TODAY)]
        for frame, kind in (
            (to_arrow(purchases, Purchase), pa.Table),
            (to_pandas(purchases, Purchase), pd.DataFrame),
            (to_polars(purchases, Purchase), pl.DataFrame),
        ):
            result = customer_value(frame, today=TODAY)
            assert isinstance(result, kind)
            assert expected == _rows(result)

    def test_flat_text_frame(self) -> None:
        """A frame of text columns, as a CSV gives, is read through from_frame."""
        frame = pa.table(
            {
                "purchase_id": ["P1", "P2"],
                "contact_id": ["A", "A"],
                "purchased_at": ["2024-05-01T10:00:00+02:00", "2024-05-03T10:00:00+02:00"],
                "total.amount": ["10.00", "5.50"],
                "total.currency": ["EUR", "EUR"],
            }
        )
        rows = rfm(frame, today=TODAY).to_pylist()
        assert [("A", 29, 2, Decimal("15.50"))] == [
            (r["contact_id"], r["recency_days"], r["frequency"], r["monetary"]) for r in rows
        ]

    @given(feedback_lists())
    def test_satisfaction_frames(self, feedback: list[Feedback]) -> None:
        """Satisfaction on a pandas frame is the records' figures as a pandas frame."""
        expected = [attrs.asdict(row) for row in satisfaction(feedback, by="month")]
        assert expected == _rows(satisfaction(to_pandas(feedback, Feedback), by="month"))
