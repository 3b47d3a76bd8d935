"""
Local date-times read in a time zone the caller names, never guessed.

French exports write moments as wall-clock times (``29/11/2024 18:05``) with no
offset. Given a time zone (``tz=`` on `custdata.from_dict` and `custdata.from_flat`),
such a time is placed in it; a time the clocks skip at a daylight-saving change
(``nonexistent_time``) or show twice (``ambiguous_time``) is reported, because
either answer would be a guess. The test is PEP 495's: the two readings of a wall
time, ``fold=0`` and ``fold=1``, have one offset except in a gap or a fold.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    import zoneinfo  # loaded on first use: a few milliseconds off `import custdata`

__all__ = [
    "AMBIGUOUS_TIME",
    "NONEXISTENT_TIME",
    "LocalTimeError",
    "TimeZone",
    "check_tz",
    "localise",
]

TimeZone: TypeAlias = "str | zoneinfo.ZoneInfo | dt.timezone"
"""What ``tz=`` accepts: an IANA name, a `zoneinfo.ZoneInfo`, or a fixed offset."""

NONEXISTENT_TIME: Final = "nonexistent_time"
"""The issue code of a wall time that the clocks skip in the time zone."""

AMBIGUOUS_TIME: Final = "ambiguous_time"
"""The issue code of a wall time that the clocks show twice in the time zone."""

_MACHINE_ZONES: Final = frozenset({"localtime", "posixrules"})
"""Names the tz database resolves to this machine's settings, not to a place."""


class LocalTimeError(ValueError):
    """A wall time that has no single instant in the time zone; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_tz(tz: object) -> dt.tzinfo | None:
    """
    Check a ``tz=`` argument, given by a caller (not by the data).

    Args:
        tz: ``None``; an IANA time zone name such as ``"Europe/Paris"``; a
            `zoneinfo.ZoneInfo`; or a fixed offset (`datetime.timezone`).

    Returns:
        The time zone, or ``None``.

    Raises:
        ValueError: If the name is not a time zone of the IANA database (names are
            case-sensitive; ``"localtime"``, this machine's zone, is refused).
        TypeError: If ``tz`` is another kind of object (a pytz or dateutil zone).
    """
    if tz is None or isinstance(tz, dt.timezone):
        return tz
    import zoneinfo

    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz
    if not isinstance(tz, str):
        msg = "tz must be an IANA time zone name, a zoneinfo.ZoneInfo or a datetime.timezone"
        raise TypeError(msg)
    if tz not in _MACHINE_ZONES:
        try:
            return zoneinfo.ZoneInfo(tz)
        except (ValueError, LookupError, OSError):
            pass
    msg = "tz must be an IANA time zone name, such as 'Europe/Paris'"
    raise ValueError(msg)


def localise(naive: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """
    Place a wall-clock time in a time zone, refusing to guess.

    Example:
        >>> import zoneinfo
        >>> paris = zoneinfo.ZoneInfo("Europe/Paris")
        >>> localise(dt.datetime(2024, 11, 29, 18, 5), paris).isoformat()
        '2024-11-29T18:05:00+01:00'
        >>> try:
        ...     localise(dt.datetime(2024, 3, 31, 2, 30), paris)
        ... except LocalTimeError as error:
        ...     print(error.code)
        nonexistent_time

    Args:
        naive: A datetime without ``tzinfo``.
        tz: The time zone (checked by `check_tz`).

    Returns:
        The same wall time with the zone attached.

    Raises:
        LocalTimeError: ``nonexistent_time`` if the clocks skip the time (spring
            forward), ``ambiguous_time`` if they show it twice (fall back).
    """
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before == after:
        return first
    # PEP 495: in a gap or a fold, fold=0 reads the time with the offset in force
    # before the change and fold=1 with the one after. The clocks jumped forward
    # (a gap) when the offset grew, back (a fold) when it shrank.
    if before is not None and after is not None and after > before:
        msg = f"does not exist in {tz}: the clocks skip this time at a daylight-saving change"
        raise LocalTimeError(NONEXISTENT_TIME, msg)
    msg = f"occurs twice in {tz}, at a daylight-saving change: write it with its offset"
    raise LocalTimeError(AMBIGUOUS_TIME, msg)
