"""
Dates: birth dates that cannot be true.

custdata never reads the clock: checks relative to the present take ``today``
from the caller and are skipped when it is not given.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from custdata.errors import Issue

__all__ = ["MAX_AGE_YEARS", "birth_date_issues", "oldest_birth_date"]

MAX_AGE_YEARS: Final = 120
"""A birth date more than this many years before ``today`` is reported."""


def oldest_birth_date(today: dt.date) -> dt.date:
    """
    Return the earliest birth date accepted on ``today``: `MAX_AGE_YEARS` years before it.

    Args:
        today: The current date.

    Returns:
        The same day and month `MAX_AGE_YEARS` years earlier (28 February for 29 February).
    """
    try:
        return today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February, and that year is not a leap year
        return today.replace(year=today.year - MAX_AGE_YEARS, day=28)


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
    if value < oldest_birth_date(today):
        return [
            Issue(
                path=path,
                code="birth_date_too_old",
                message=f"is more than {MAX_AGE_YEARS} years before today",
            )
        ]
    return []
