"""The base class of every record: `to_dict` and `from_dict` as methods."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs

from custdata.model import _codec

if TYPE_CHECKING:
    from custdata.model._time import TimeZone

E = TypeVar("E", bound=enum.Enum)

__all__ = ["Record", "aware", "enum_tuple", "optional_enum"]


class Record:
    """
    Mixin of every custdata record: JSON-safe conversion in both directions.

    Records are frozen, slotted, keyword-only attrs classes.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, object]:
        """
        Return the record as a JSON-safe dict (see `custdata.model.to_dict`).

        Returns:
            A dict of JSON-safe values; `from_dict` reverses it exactly.
        """
        return _codec.to_dict(self)

    @classmethod
    def from_dict(cls, data: object, *, tz: TimeZone | None = None) -> Self:
        """
        Build a record from a JSON-like mapping (see `custdata.model.from_dict`).

        Args:
            data: A mapping, typically from ``json.loads`` or `to_dict`.
            tz: The time zone of date-times written without an offset
                (``"Europe/Paris"``); without it they are ``naive_datetime`` issues.

        Returns:
            The record.

        Raises:
            ValidationError: Listing every problem found in the data.
            ValueError: If ``tz`` is not a time zone name of the IANA database.
        """
        return _codec.from_dict(cls, data, tz=tz)


def optional_enum(enum_type: type[E]) -> Callable[[object], E | None]:
    """
    Return a converter that turns a value (or its text) into a member of ``enum_type``.

    ``None`` stays ``None``; an unknown value raises `ValueError` naming the choices.
    """

    def convert(value: object) -> E | None:
        if value is None or type(value) is enum_type:  # a member already: the common case
            return value  # a member, checked just above
        return enum_type(value)

    return convert


def enum_tuple(enum_type: type[E]) -> Callable[[Iterable[object]], tuple[E, ...]]:
    """Return a converter that turns an iterable of values into a tuple of ``enum_type``."""

    def convert(values: Iterable[object]) -> tuple[E, ...]:
        # A tuple of members (as parsing gives them) is kept as it is, without a lookup each.
        if type(values) is tuple:
            for value in values:
                if type(value) is not enum_type:
                    break
            else:
                return values
        return tuple(value if type(value) is enum_type else enum_type(value) for value in values)

    return convert


def aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """
    Refuse naive datetimes: every moment custdata handles carries its offset.

    Raises:
        ValueError: If the value is a datetime without a time zone.
    """
    if isinstance(value, dt.datetime) and (value.tzinfo is None or value.utcoffset() is None):
        msg = f"{attribute.name}: a datetime must carry a time zone"
        raise ValueError(msg)
