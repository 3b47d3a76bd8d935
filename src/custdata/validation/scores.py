"""Survey scores: Net Promoter Score answers (0 to 10) and satisfaction (1 to 5)."""

from __future__ import annotations

from typing import Final

from custdata.errors import Issue
from custdata.validation._common import wrong_type

__all__ = ["NPS_RANGE", "SATISFACTION_RANGE", "score_issues"]

NPS_RANGE: Final = (0, 10)
"""The inclusive range of a Net Promoter Score answer."""
SATISFACTION_RANGE: Final = (1, 5)
"""The inclusive range of a satisfaction score (CSAT)."""

_CODES: Final = {"nps": "nps_out_of_range", "satisfaction": "satisfaction_out_of_range"}
_RANGES: Final = {"nps": NPS_RANGE, "satisfaction": SATISFACTION_RANGE}


def score_issues(value: object, path: str, *, kind: str) -> list[Issue]:
    """
    Check a survey score.

    Args:
        value: The score.
        path: The dotted path of the field.
        kind: ``"nps"`` (0 to 10) or ``"satisfaction"`` (1 to 5).

    Returns:
        ``nps_out_of_range`` or ``satisfaction_out_of_range`` when outside its range,
        ``wrong_type`` when not an integer; an empty list otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return [wrong_type(path, "an integer")]
    low, high = _RANGES[kind]
    if low <= value <= high:
        return []
    return [Issue(path=path, code=_CODES[kind], message=f"must be between {low} and {high}")]
