"""
Consent events: what makes a consent provable.

Under GDPR article 7(1) the controller must be able to demonstrate consent, which
takes knowing what for (purpose), on which channel, when, and where it was
collected (source). Each missing element is an error.
"""

from __future__ import annotations

import datetime as dt

from custdata.errors import Issue
from custdata.model import Channel, Consent

__all__ = ["consent_issues"]


def _missing(path: str, what: str) -> Issue:
    return Issue(
        path=path, code=f"consent_{what}_missing", message=f"the consent {what} is missing"
    )


def _blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


def consent_issues(record: Consent) -> list[Issue]:
    """
    Check that a consent event has a purpose, a channel, a time and a source.

    Args:
        record: The consent event.

    Returns:
        ``consent_purpose_missing``, ``consent_channel_missing``,
        ``consent_time_missing`` and ``consent_source_missing`` as they apply.
    """
    issues: list[Issue] = []
    if _blank(record.purpose):
        issues.append(_missing("purpose", "purpose"))
    channel: object = record.channel
    recorded_at: object = record.recorded_at
    if not isinstance(channel, Channel):
        issues.append(_missing("channel", "channel"))
    if not isinstance(recorded_at, dt.datetime):
        issues.append(_missing("recorded_at", "time"))
    if _blank(record.source):
        issues.append(_missing("source", "source"))
    return issues
