"""
Dates: birth dates that cannot be true.

custdata never reads the clock: checks relative to the present take ``today``
from the caller and are skipped when it is not given.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from custdata.errors import Issue

__all__ = ["MAX_AGE_YEARS", "birth_date_issues"]

MAX_AGE_YEARS: Final = 120
"""A birth date more than this many years before ``today`` is reported."""


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that is not a leap year
        return day.replace(year=day.year - years, day=28)


def birth_date_issues(value: dt.date, path: str, *, today: dt.date | None) -> list[Issue]:
    """
    Check a birth date against ``today``.

    Example:
        >>> import datetime as dt
        >>> [i.code for i in birth_date_issues(dt.date(1890, 1, 1), "birth_date",
        ...                                     today=dt.date(2025, 1, 1))]
        ['birth_date_too_old']

    Args:
        value: The birth date.
        path: The dotted path of the field.
        today: The current date, from the caller; ``None`` skips both checks.

    Returns:
        ``birth_date_in_future`` if the date is after ``today``, ``birth_date_too_old``
        if it is more than `MAX_AGE_YEARS` years before it; an empty list otherwise.
    """
    if today is None:
        return []
    if value > today:
        return [Issue(path=path, code="birth_date_in_future", message="is after today")]
    if value < _years_before(today, MAX_AGE_YEARS):
        return [
            Issue(
                path=path,
                code="birth_date_too_old",
                message=f"is more than {MAX_AGE_YEARS} years before today",
            )
        ]
    return []
