"""
Customer insights: who buys often, who is worth most, who is slipping away, who is unhappy.

`rfm` scores and segments contacts by recency, frequency and monetary value;
`loyalty` gives each a status (new, occasional, regular, lapsed);
`customer_value` their revenue, basket, discounts, returns, tenure and projected
value; `satisfaction` NPS, CSAT and complaint rate of feedback; `trends` revenue
and orders by month and category, and seasonality.

Purchase statuses count the same everywhere: ``completed`` for recency,
frequency, monetary value and revenue; ``returned`` only for the return rate;
``cancelled`` and ``abandoned`` only for the abandonment rate.
Amounts are summed exactly in integer minor units of their ISO 4217 currency
and given as `Decimal`; averages are rounded half-even to the minor unit.
Amounts in several currencies raise unless ``rates=`` converts them.

Each function takes records or a frame (Arrow, pandas, polars) and gives records
or a frame of the same kind. The figures are the same on pseudonymised contact
ids (the built-in ``purchases-analytics`` policy) as on raw ones.
docs/insights.md states every formula.

Needs the ``arrow`` extra (pyarrow and NumPy), imported on first use:
``pip install 'custdata[arrow]'``.
"""

from __future__ import annotations

from custdata.insights._figures import (
    SEGMENTS,
    UNCATEGORISED,
    LoyaltyThresholds,
    customer_value,
    loyalty,
    rfm,
    segment,
    trends,
)
from custdata.insights._rows import (
    CategoryRow,
    LoyaltyRow,
    MonthRow,
    RfmRow,
    SatisfactionRow,
    SeasonRow,
    Trends,
    ValueRow,
)
from custdata.insights._satisfaction import satisfaction

__all__ = [
    "SEGMENTS",
    "UNCATEGORISED",
    "CategoryRow",
    "LoyaltyRow",
    "LoyaltyThresholds",
    "MonthRow",
    "RfmRow",
    "SatisfactionRow",
    "SeasonRow",
    "Trends",
    "ValueRow",
    "customer_value",
    "loyalty",
    "rfm",
    "satisfaction",
    "segment",
    "trends",
]
