"""Hand-computed cases of every figure of `custdata.insights`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from tests.insights.support import answer, buy, line, money

from custdata.errors import UsageError, ValidationError
from custdata.insights import (
    SEGMENTS,
    CategoryRow,
    LoyaltyRow,
    LoyaltyThresholds,
    MonthRow,
    RfmRow,
    SatisfactionRow,
    SeasonRow,
    ValueRow,
    customer_value,
    loyalty,
    rfm,
    satisfaction,
    segment,
    trends,
)
from custdata.validation import CURRENCIES, MINOR_UNITS

TODAY = dt.date(2024, 6, 1)


def _codes(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(issue.path, issue.code) for issue in error.value.issues]


class TestMinorUnits:
    def test_examples(self) -> None:
        """JPY has no decimals, EUR two, BHD three, CLF four."""
        assert (0, 2, 3, 4) == tuple(MINOR_UNITS[code] for code in ("JPY", "EUR", "BHD", "CLF"))

    def test_metals_absent(self) -> None:
        """XAU, XAG and the SDR have no minor unit; every other currency has one."""
        absent = CURRENCIES - set(MINOR_UNITS)
        assert {
            "XAG",
            "XAU",
            "XBA",
            "XBB",
            "XBC",
            "XBD",
            "XDR",
            "XPD",
            "XPT",
            "XSU",
            "XUA",
        } == absent


class TestRfm:
    def test_one_customer(self) -> None:
        """One customer: days since the purchase, one order, its total, the lowest scores."""
        expected = [
            RfmRow(
                contact_id="C1",
                recency_days=31,
                frequency=1,
                monetary=Decimal("10.00"),
                currency="EUR",
                r_score=1,
                f_score=1,
                m_score=1,
                segment="lost",
            )
        ]
        assert expected == rfm([buy("C1", dt.date(2024, 5, 1), "10.00")], today=TODAY)

    def test_ties_share_the_lower_score(self) -> None:
        """Frequencies 1, 1, 2, 3, 3 over five bins score 1, 1, 3, 4, 4."""
        counts = {"A": 1, "B": 1, "C": 2, "D": 3, "E": 3}
        purchases = [
            buy(name, dt.date(2024, 5, day + 1), "1.00")
            for name, count in counts.items()
            for day in range(count)
        ]
        rows = rfm(purchases, today=TODAY)
        assert [1, 1, 3, 4, 4] == [row.f_score for row in rows]

    def test_recent_buyers_score_high(self) -> None:
        """The most recent of five distinct recencies scores 5, the oldest 1."""
        purchases = [buy(f"C{day}", dt.date(2024, 5, day), "1.00") for day in range(1, 6)]
        assert [1, 2, 3, 4, 5] == [row.r_score for row in rfm(purchases, today=TODAY)]

    def test_return_and_cancelled_do_not_count(self) -> None:
        """A returned and a cancelled purchase count neither as orders, nor money, nor recency."""
        purchases = [
            buy("C1", dt.date(2024, 1, 1), "10.00"),
            buy("C1", dt.date(2024, 5, 1), "99.00", status="returned"),
            buy("C1", dt.date(2024, 5, 2), "99.00", status="cancelled"),
            buy("C2", dt.date(2024, 5, 3), "99.00", status="abandoned"),
        ]
        rows = rfm(purchases, today=TODAY)
        assert [("C1", 152, 1, Decimal("10.00"))] == [
            (row.contact_id, row.recency_days, row.frequency, row.monetary) for row in rows
        ]

    def test_future_purchases_ignored(self) -> None:
        """A purchase after today does not count."""
        rows = rfm([buy("C1", dt.date(2024, 7, 1), "10.00")], today=TODAY)
        assert [] == rows

    def test_local_day(self) -> None:
        """Days are counted in the purchase's own offset: 00:30 at +02:00 is that day."""
        moment = dt.datetime(2024, 5, 31, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        rows = rfm([buy("C1", moment, "1.00")], today=TODAY)
        assert 1 == rows[0].recency_days

    def test_two_currencies_refused(self) -> None:
        """EUR and USD together raise mixed_currencies, never a silent sum."""
        purchases = [
            buy("C1", dt.date(2024, 5, 1), "10.00"),
            buy("C2", dt.date(2024, 5, 1), "10.00", currency="USD"),
        ]
        with pytest.raises(ValidationError) as error:
            rfm(purchases, today=TODAY)
        assert [("total.currency", "mixed_currencies")] == _codes(error)

    def test_rates_convert(self) -> None:
        """With rates, each amount is converted and rounded half-even to the target's minor unit."""
        purchases = [
            buy("C1", dt.date(2024, 5, 1), "10.00"),
            buy("C1", dt.date(2024, 5, 2), "0.05", currency="USD"),
            buy("C2", dt.date(2024, 5, 1), "1000", currency="JPY"),
        ]
        rows = rfm(purchases, today=TODAY, rates={"USD": "0.5", "JPY": "0.0061"}, currency="EUR")
        # 0.05 USD * 0.5 = 0.025 EUR -> 0.02 (half to even); 1000 JPY * 0.0061 = 6.10 EUR
        assert [Decimal("10.02"), Decimal("6.10")] == [row.monetary for row in rows]

    def test_rate_missing(self) -> None:
        """A currency without a rate raises no_rate."""
        purchases = [buy("C1", dt.date(2024, 5, 1), "1.00", currency="USD")]
        with pytest.raises(ValidationError) as error:
            rfm(purchases, today=TODAY, rates={"GBP": "1.2"}, currency="EUR")
        assert [("total.currency", "no_rate")] == _codes(error)

    def test_currency_case(self) -> None:
        """Currency codes are compared trimmed and upper-cased: "eur " is EUR."""
        purchases = [
            buy("C1", dt.date(2024, 5, 1), "1.00"),
            attrs.evolve(buy("C1", dt.date(2024, 5, 2), "2.00"), total=money("2.00", "eur ")),
        ]
        row = rfm(purchases, today=TODAY)[0]
        assert (Decimal("3.00"), "EUR") == (row.monetary, row.currency)

    def test_gold_refused(self) -> None:
        """Amounts in XAU, which has no minor unit, are refused."""
        with pytest.raises(ValidationError) as error:
            rfm([buy("C1", dt.date(2024, 5, 1), "1", currency="XAU")], today=TODAY)
        assert [("total.currency", "no_minor_unit")] == _codes(error)

    def test_finer_than_minor_unit(self) -> None:
        """A JPY amount with decimals is refused."""
        with pytest.raises(ValidationError) as error:
            rfm([buy("C1", dt.date(2024, 5, 1), "1.5", currency="JPY")], today=TODAY)
        assert [("total.amount", "finer_than_minor_unit")] == _codes(error)

    def test_three_decimal_currency(self) -> None:
        """BHD amounts keep their three decimals."""
        purchases = [buy("C1", dt.date(2024, 5, d), "1.005", currency="BHD") for d in (1, 2)]
        assert Decimal("2.010") == rfm(purchases, today=TODAY)[0].monetary

    def test_bad_bins(self) -> None:
        """bins must be a positive integer."""
        with pytest.raises(UsageError, match="'bins'"):
            rfm([], today=TODAY, bins=0)

    def test_bad_today(self) -> None:
        """today must be a date, not a date-time."""
        with pytest.raises(UsageError, match="'today'"):
            rfm([], today=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))

    def test_empty(self) -> None:
        """No purchase, no row."""
        assert [] == rfm([], today=TODAY)


class TestSegments:
    @pytest.mark.parametrize(
        ("r_score", "f_score", "expected"),
        [
            (5, 5, "champions"),
            (4, 4, "champions"),
            (3, 5, "loyal"),
            (5, 3, "loyal"),
            (5, 1, "new"),
            (4, 1, "new"),
            (5, 2, "promising"),
            (3, 1, "promising"),
            (2, 5, "at_risk"),
            (1, 3, "at_risk"),
            (2, 2, "hibernating"),
            (2, 1, "hibernating"),
            (1, 2, "lost"),
            (1, 1, "lost"),
        ],
    )
    def test_table(self, r_score: int, f_score: int, expected: str) -> None:
        """The segment of R and F scores on five bins follows the documented table."""
        assert expected == segment(r_score, f_score)

    def test_every_pair_has_a_segment(self) -> None:
        """Each of the 25 score pairs falls in a segment of the table."""
        names = {name for name, _, _ in SEGMENTS}
        assert all(segment(r, f) in names for r in range(1, 6) for f in range(1, 6))

    def test_other_bins_rescaled(self) -> None:
        """On ten bins, scores 9 and 10 are the 5 of five bins."""
        assert "champions" == segment(9, 10, bins=10)


class TestLoyalty:
    def test_statuses(self) -> None:
        """New, lapsed, regular and occasional, by the default thresholds."""
        today = dt.date(2024, 12, 31)
        purchases = [
            buy("N", dt.date(2024, 12, 1), "1.00"),
            buy("L", dt.date(2023, 6, 1), "1.00"),
            buy("R", dt.date(2023, 1, 1), "1.00"),
            *(buy("R", dt.date(2024, month, 1), "1.00") for month in (2, 4, 6, 8)),
            buy("O", dt.date(2023, 1, 1), "1.00"),
            buy("O", dt.date(2024, 6, 1), "1.00"),
        ]
        expected = [
            LoyaltyRow(
                contact_id="L",
                status="lapsed",
                orders=1,
                orders_in_window=0,
                days_since_first=579,
                days_since_last=579,
            ),
            LoyaltyRow(
                contact_id="N",
                status="new",
                orders=1,
                orders_in_window=1,
                days_since_first=30,
                days_since_last=30,
            ),
            LoyaltyRow(
                contact_id="O",
                status="occasional",
                orders=2,
                orders_in_window=1,
                days_since_first=730,
                days_since_last=213,
            ),
            LoyaltyRow(
                contact_id="R",
                status="regular",
                orders=5,
                orders_in_window=4,
                days_since_first=730,
                days_since_last=152,
            ),
        ]
        assert expected == loyalty(purchases, today=today)

    def test_thresholds_configurable(self) -> None:
        """With new_days=10, a first purchase 30 days old is no longer new."""
        purchases = [buy("N", dt.date(2024, 5, 2), "1.00")]
        rows = loyalty(purchases, today=TODAY, thresholds=LoyaltyThresholds(new_days=10))
        assert ["occasional"] == [row.status for row in rows]

    def test_bad_threshold(self) -> None:
        """A threshold must be a positive integer."""
        with pytest.raises(UsageError, match="'lapsed_days'"):
            LoyaltyThresholds(lapsed_days=0)

    def test_cancelled_only(self) -> None:
        """A contact whose only purchase was cancelled has no status."""
        assert [] == loyalty(
            [buy("C", dt.date(2024, 5, 1), "1.00", status="cancelled")], today=TODAY
        )

    def test_mixed_currencies_allowed(self) -> None:
        """Loyalty reads no amount, so purchases in several currencies are fine."""
        purchases = [
            buy("C", dt.date(2024, 5, 1), "1.00"),
            buy("C", dt.date(2024, 5, 2), "1.00", currency="USD"),
        ]
        assert [2] == [row.orders for row in loyalty(purchases, today=TODAY)]


class TestCustomerValue:
    def test_formulas(self) -> None:
        """Revenue, basket, discount share, return and abandonment rates, tenure, projection."""
        purchases = [
            buy("C1", dt.date(2024, 1, 15), "30.00", discount="10.00"),
            buy("C1", dt.date(2024, 3, 10), "15.01"),
            buy("C1", dt.date(2024, 4, 1), "20.00", status="returned"),
            buy("C1", dt.date(2024, 4, 2), "5.00", status="abandoned"),
        ]
        expected = [
            ValueRow(
                contact_id="C1",
                currency="EUR",
                revenue=Decimal("45.01"),
                orders=2,
                average_basket=Decimal("22.50"),  # 22.505, half to even
                discounts=Decimal("10.00"),
                discount_share=Decimal("0.1818"),  # 10 / 55.01
                returns=1,
                return_rate=Decimal("0.3333"),
                abandoned=1,
                cancelled=0,
                abandonment_rate=Decimal("0.2500"),
                tenure_days=126,
                tenure_months=5,  # January to May
                projected_value=Decimal("108.02"),  # 45.01 * 12 / 5 = 108.024
            )
        ]
        assert expected == customer_value(purchases, today=dt.date(2024, 5, 20))

    def test_cancelled_only(self) -> None:
        """A contact with only a cancelled order is listed with no revenue and no averages."""
        rows = customer_value(
            [buy("C", dt.date(2024, 5, 1), "9.00", status="cancelled")], today=TODAY
        )
        expected = ValueRow(
            contact_id="C",
            currency="EUR",
            revenue=Decimal("0.00"),
            orders=0,
            average_basket=None,
            discounts=Decimal("0.00"),
            discount_share=None,
            returns=0,
            return_rate=None,
            abandoned=0,
            cancelled=1,
            abandonment_rate=Decimal("0.0000"),
            tenure_days=None,
            tenure_months=None,
            projected_value=None,
        )
        assert [expected] == rows

    def test_discount_in_other_currency_refused(self) -> None:
        """A discount in another currency than the totals raises mixed_currencies."""
        purchase = buy("C", dt.date(2024, 5, 1), "9.00")
        odd = attrs.evolve(purchase, discount=money("1.00", "USD"))
        with pytest.raises(ValidationError) as error:
            customer_value([odd], today=TODAY)
        assert [("discount.currency", "mixed_currencies")] == _codes(error)

    def test_bad_horizon(self) -> None:
        """horizon_months must be a positive integer."""
        with pytest.raises(UsageError, match="'horizon_months'"):
            customer_value([], today=TODAY, horizon_months=0)


class TestSatisfaction:
    def test_overall(self) -> None:
        """NPS in points, CSAT and complaint rate as shares, over the answers with a score."""
        feedback = [
            answer(nps=10, score=5),
            answer(nps=9, score=4),
            answer(nps=7, score=2),
            answer(nps=3),
            answer(kind="complaint"),
        ]
        expected = SatisfactionRow(
            group=None,
            feedback=5,
            complaints=1,
            complaint_rate=Decimal("0.2000"),
            nps_answers=4,
            promoters=2,
            detractors=1,
            nps=Decimal("25.00"),
            csat_answers=3,
            satisfied=2,
            csat=Decimal("0.6667"),
        )
        assert [expected] == satisfaction(feedback)

    def test_by_month_in_own_offset(self) -> None:
        """00:30 on 1 April at +02:00 is April, though it is still March in UTC."""
        paris = dt.timezone(dt.timedelta(hours=2))
        feedback = [
            answer(nps=10, at=dt.datetime(2024, 4, 1, 0, 30, tzinfo=paris)),
            answer(nps=0, at=dt.datetime(2024, 3, 31, 12, tzinfo=dt.UTC)),
        ]
        rows = satisfaction(feedback, by="month")
        assert [("2024-03", Decimal("-100.00")), ("2024-04", Decimal("100.00"))] == [
            (row.group, row.nps) for row in rows
        ]

    def test_by_channel(self) -> None:
        """One row per channel, feedback without a channel last."""
        feedback = [answer(nps=10, channel="web"), answer(nps=0, channel="app"), answer(nps=8)]
        rows = satisfaction(feedback, by="channel")
        assert [("app", -100), ("web", 100), (None, 0)] == [(row.group, row.nps) for row in rows]

    def test_by_segment(self) -> None:
        """Segments come from rfm's result."""
        purchases = [buy("C1", dt.date(2024, 5, 1), "1.00")]
        feedback = [answer("C1", nps=10), answer("C2", nps=0)]
        rows = satisfaction(feedback, by="segment", segments=rfm(purchases, today=TODAY))
        assert [("lost", 100), (None, -100)] == [(row.group, row.nps) for row in rows]

    def test_no_scores(self) -> None:
        """Without any score, NPS and CSAT are None."""
        rows = satisfaction([answer(kind="question")])
        assert (None, None, Decimal("0.0000")) == (
            rows[0].nps,
            rows[0].csat,
            rows[0].complaint_rate,
        )

    def test_segments_needed(self) -> None:
        """by='segment' needs segments."""
        with pytest.raises(UsageError, match="'segments'"):
            satisfaction([], by="segment")

    def test_bad_by(self) -> None:
        """by must be one of the documented groupings."""
        with pytest.raises(UsageError, match="'by'"):
            satisfaction([], by="week")


class TestTrends:
    def test_categories_add_up(self) -> None:
        """The discount is spread pro rata: 100 of lines, 90 paid, 45 to each half."""
        purchases = [
            buy(
                "C",
                dt.date(2024, 1, 5),
                "90.00",
                discount="10.00",
                lines=(line(2, "25.00", "books"), line(1, "50.00", "toys")),
            )
        ]
        result = trends(purchases)
        assert [
            CategoryRow(
                month="2024-01",
                category="books",
                currency="EUR",
                revenue=Decimal("45.00"),
                orders=1,
            ),
            CategoryRow(
                month="2024-01", category="toys", currency="EUR", revenue=Decimal("45.00"), orders=1
            ),
        ] == result.categories

    def test_largest_remainder(self) -> None:
        """10.00 over three equal lines: 3.34, 3.33, 3.33, the first line first."""
        lines = (line(1, "1.00", "a"), line(1, "1.00", "b"), line(1, "1.00", "c"))
        result = trends([buy("C", dt.date(2024, 1, 5), "10.00", lines=lines)])
        assert [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")] == [
            row.revenue for row in result.categories
        ]

    def test_uncategorised(self) -> None:
        """A purchase without lines, and a line without a category, are uncategorised."""
        purchases = [
            buy("C", dt.date(2024, 1, 5), "5.00"),
            buy("C", dt.date(2024, 1, 6), "7.00", lines=(line(1, "7.00", None),)),
        ]
        assert [("uncategorised", Decimal("12.00"), 2)] == [
            (row.category, row.revenue, row.orders) for row in trends(purchases).categories
        ]

    def test_empty_month_and_seasonality(self) -> None:
        """February has no purchase: a zero month; January's index is its average over the mean."""
        purchases = [
            buy("C", dt.date(2024, 1, 5), "100.00"),
            buy("C", dt.date(2024, 3, 5), "20.00", status="returned"),
            buy("C", dt.date(2025, 1, 5), "50.00"),
        ]
        result = trends(purchases)
        assert 13 == len(result.months)
        assert (
            MonthRow(month="2024-02", currency="EUR", revenue=Decimal("0.00"), orders=0)
            == result.months[1]
        )
        # 13 months, 150.00 in all; January: 150.00 over 2 months; 75 / (150 / 13) = 6.5
        assert (
            SeasonRow(
                calendar_month=1,
                months=2,
                average_revenue=Decimal("75.00"),
                currency="EUR",
                index=Decimal("6.5000"),
            )
            == result.seasonality[0]
        )
        assert Decimal("0.0000") == result.seasonality[1].index

    def test_empty(self) -> None:
        """No purchase: three empty tables."""
        result = trends([])
        assert ([], [], []) == (result.months, result.categories, result.seasonality)

    def test_two_currencies_refused(self) -> None:
        """Trends refuse to add EUR and GBP."""
        purchases = [
            buy("C", dt.date(2024, 1, 5), "1.00"),
            buy("C", dt.date(2024, 1, 5), "1.00", currency="GBP"),
        ]
        with pytest.raises(ValidationError, match="mixed_currencies"):
            trends(purchases)
