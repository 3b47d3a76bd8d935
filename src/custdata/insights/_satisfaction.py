"""`satisfaction`: NPS, CSAT and complaint rate, overall or by month, channel or segment."""

from __future__ import annotations

import sys
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from custdata.errors import UsageError
from custdata.insights._money import ratio
from custdata.insights._purchases import month_label
from custdata.insights._rows import RfmRow, SatisfactionRow
from custdata.insights._tables import arrow, combined, give_back, numpy, read_table, strings
from custdata.model import Feedback, FeedbackKind

__all__ = ["satisfaction"]

_FEEDBACK_COLUMNS: Final = {
    "contact_id": ("text", True),
    "received_at": ("moment", True),
    "received_at.offset_minutes": ("integer", False),
    "kind": ("text", True),
    "nps": ("integer", False),
    "satisfaction": ("integer", False),
    "channel": ("text", False),
}
_BY: Final = (None, "month", "channel", "segment")
_US_PER_DAY: Final = 86_400_000_000


def satisfaction(feedback: object, *, by: str | None = None, segments: object = None) -> Any:
    """
    NPS, CSAT and complaint rate of feedback, overall or by group.

    NPS is the share of promoters (9 and 10) minus the share of detractors (0 to 6)
    among the answers with an NPS score, in points (-100 to 100, two decimals);
    CSAT the share of 4 and 5 among the answers with a satisfaction score; the
    complaint rate the share of complaints among all feedback (shares to four
    decimals, half-even). A figure without answers is None.

    Example:
        >>> import datetime as dt
        >>> from custdata import Feedback
        >>> at = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
        >>> answers = [Feedback(feedback_id=f"F{score}", contact_id="C1", received_at=at,
        ...                     kind="survey", nps=score) for score in (10, 9, 7, 3)]
        >>> satisfaction(answers)[0].nps
        Decimal('25.00')

    Args:
        feedback: `Feedback` records, or an Arrow table, a pandas or a polars frame of them.
        by: None (one row), ``"month"`` (in each answer's own offset), ``"channel"``
            or ``"segment"``.
        segments: With ``by="segment"``: the segment of each contact, as `rfm` gives
            it (records or a frame) or a mapping from contact id to segment.

    Returns:
        `SatisfactionRow` records sorted by group (None last), or a frame of the input's kind.

    Raises:
        UsageError: For a bad ``by``, or ``segments`` missing or given without ``by="segment"``.
        MissingDependencyError: Without pyarrow and NumPy (extra ``arrow``).
    """
    if by not in _BY:
        msg = "satisfaction: parameter 'by' must be None, 'month', 'channel' or 'segment'"
        raise UsageError(msg)
    if (by == "segment") != (segments is not None):
        msg = "satisfaction: parameter 'segments' is needed with by='segment', and only then"
        raise UsageError(msg)
    table, kind = read_table(feedback, Feedback, _FEEDBACK_COLUMNS)
    groups = _groups(table, by, _segment_map(segments) if segments is not None else {})
    kinds = [
        str(value) for value in combined(table.column("kind")).cast(arrow().string()).to_pylist()
    ]
    nps = _optional_ints(table, "nps")
    scores = _optional_ints(table, "satisfaction")
    counts: dict[str | None, list[int]] = {}
    for group, what, nps_score, score in zip(groups, kinds, nps, scores, strict=True):
        tally = counts.setdefault(group, [0] * 7)
        tally[0] += 1
        tally[1] += what == FeedbackKind.COMPLAINT.value
        if nps_score is not None:
            tally[2] += 1
            tally[3] += nps_score >= 9
            tally[4] += nps_score <= 6
        if score is not None:
            tally[5] += 1
            tally[6] += score >= 4
    keys = sorted(counts, key=lambda key: (key is None, key or ""))
    rows = [_row(key, counts[key]) for key in keys]
    pa = arrow()
    result = pa.table(
        {
            "group": strings([typing.cast("str | None", row["group"]) for row in rows]),
            **{
                name: pa.array([row[name] for row in rows], type=_type(pa, name))
                for name in (
                    "feedback",
                    "complaints",
                    "complaint_rate",
                    "nps_answers",
                    "promoters",
                    "detractors",
                    "nps",
                    "csat_answers",
                    "satisfied",
                    "csat",
                )
            },
        }
    )
    return give_back(result, kind, SatisfactionRow)


def _type(pa: Any, name: str) -> Any:
    if name == "nps":
        return pa.decimal128(9, 2)
    if name in {"complaint_rate", "csat"}:
        return pa.decimal128(9, 4)
    return pa.int64()


def _row(group: str | None, tally: list[int]) -> dict[str, object]:
    feedback, complaints, answers, promoters, detractors, rated, satisfied = tally
    points: Decimal | None = None
    if answers:
        points = ratio(100 * (promoters - detractors), answers, 2)
    return {
        "group": group,
        "feedback": feedback,
        "complaints": complaints,
        "complaint_rate": ratio(complaints, feedback),
        "nps_answers": answers,
        "promoters": promoters,
        "detractors": detractors,
        "nps": points,
        "csat_answers": rated,
        "satisfied": satisfied,
        "csat": ratio(satisfied, rated),
    }


def _optional_ints(table: Any, name: str) -> list[int | None]:
    if name not in table.column_names:
        return [None] * table.num_rows
    return [
        None if value is None else int(value) for value in combined(table.column(name)).to_pylist()
    ]


def _groups(table: Any, by: str | None, segments: Mapping[str, str]) -> list[str | None]:
    pa = arrow()
    rows = table.num_rows
    if by is None:
        return [None] * rows
    if by == "channel":
        if "channel" not in table.column_names:
            return [None] * rows
        return [None if value is None else str(value) for value in _texts(table, "channel")]
    if by == "segment":
        ids = combined(table.column("contact_id")).cast(pa.string()).to_pylist()
        return [segments.get(str(contact)) for contact in ids]
    np = numpy()
    moment = combined(table.column("received_at"))
    micros = np.asarray(
        moment.cast(pa.timestamp("us", tz=moment.type.tz))
        .cast(pa.int64())
        .to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    if "received_at.offset_minutes" in table.column_names:
        offsets = combined(table.column("received_at.offset_minutes")).cast(pa.int64()).fill_null(0)
        micros = (
            micros + np.asarray(offsets.to_numpy(zero_copy_only=False), dtype=np.int64) * 60_000_000
        )
    months = (
        (micros // _US_PER_DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    )
    return [month_label(int(month)) for month in months]


def _texts(table: Any, name: str) -> list[object]:
    return list(combined(table.column(name)).cast(arrow().string()).to_pylist())


def _segment_map(segments: object) -> dict[str, str]:
    """The segment of each contact: from a mapping, `RfmRow` records or an `rfm` frame."""
    if isinstance(segments, Mapping):
        return {str(key): str(value) for key, value in segments.items()}
    pa = arrow()
    table: Any = None
    pandas = sys.modules.get("pandas")
    polars = sys.modules.get("polars")
    if isinstance(segments, pa.Table):
        table = segments
    elif pandas is not None and isinstance(segments, pandas.DataFrame):
        table = pa.Table.from_pandas(segments[["contact_id", "segment"]], preserve_index=False)
    elif polars is not None and isinstance(segments, polars.DataFrame):
        table = segments.select(["contact_id", "segment"]).to_arrow()
    if table is not None:
        ids = combined(table.column("contact_id")).cast(pa.string()).to_pylist()
        names = combined(table.column("segment")).cast(pa.string()).to_pylist()
        return {str(key): str(value) for key, value in zip(ids, names, strict=True)}
    if isinstance(segments, list | tuple) and all(isinstance(row, RfmRow) for row in segments):
        return {row.contact_id: row.segment for row in segments}
    msg = "satisfaction: parameter 'segments' must be rfm's result or a mapping to segments"
    raise UsageError(msg)
