"""
Date shifting: every date of one subject moves by the same keyed number of days.

`ShiftDate` is a row transform: the offset comes from another field of the row,
the subject (a customer id, usually already pseudonymised).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast

import attrs

from custdata import _crypto
from custdata.errors import TransformError
from custdata.transforms._checks import (
    INVALID_TEXT,
    INVALID_TEXT_MESSAGE,
    policy_error,
    text_field,
    whole,
)
from custdata.transforms._keyed import Keyed
from custdata.transforms.base import Guarantees, _as_array, _pc, _pyarrow, whole_array

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["MAX_SHIFT_DAYS", "ShiftDate"]

MAX_SHIFT_DAYS: Final = 36_525
"""The largest ``max_days`` accepted (about a hundred years)."""


_check_name = text_field()

# Days from 1970-01-01 to the first and the last day Python's dates can hold.
_FIRST_DAY: Final = (date.min - date(1970, 1, 1)).days
_LAST_DAY: Final = (date.max - date(1970, 1, 1)).days
# Units of a pyarrow timestamp in one day; nanoseconds are left to the row path.
_TIMESTAMP_UNITS_PER_DAY: Final = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000}


def _check_field(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is None:
        return
    if not isinstance(cast(object, value), str) or not value:
        raise policy_error(instance, attribute.name, "must be a non-empty string or None")
    _check_name(instance, attribute, value)


@attrs.frozen(kw_only=True)
class ShiftDate(Keyed[_crypto.MacState]):
    """
    Shift dates by a keyed per-subject offset, so intervals within a subject survive.

    Every date of one subject (a customer) moves by the same number of days, in
    ``[-max_days, max_days]`` and never 0 (unless ``max_days`` is 0): the time
    between two purchases of a customer is kept, the dates themselves are
    hidden. The offset is derived from the subject value *as it appears in the
    output*, such as its pseudonym, so the key holder can shift back with
    `unshift` after the subject id was pseudonymised.

    It is a row transform (`custdata.transforms.RowTransform`), not a value
    transform: it reads the subject from another field of the row, named in
    its ``requires``. `apply_row` returns the shifted value of ``field`` (or of
    the field it is given), `apply_rows` does so for many rows, and `reverse`
    takes a row whose field was shifted and returns a copy with the original
    date. A date alone carries no subject: `shift` and `unshift` take the
    subject as a second argument. In a policy it reads the protected row
    (``reads = "protected"``): the subject field's own rule is applied first,
    and the offset comes from the released subject value.

    Example:
        >>> from datetime import date
        >>> from custdata.keys import KeyRing
        >>> shift = ShiftDate(
        ...     keys=KeyRing.generate(key_id="k1"),
        ...     domain="purchases",
        ...     max_days=30,
        ...     subject_field="customer",
        ...     field="bought_on",
        ... )
        >>> first = shift.apply_row({"customer": "c-1", "bought_on": date(2024, 3, 1)})
        >>> second = shift.apply_row({"customer": "c-1", "bought_on": date(2024, 3, 15)})
        >>> second - first
        datetime.timedelta(days=14)
        >>> shift.unshift(first, "c-1")
        datetime.date(2024, 3, 1)

    **Guarantees**: reversible with the key ring and the subject value;
    deterministic (one subject, one offset); keyed; format preserving (a date
    stays a date, an aware datetime an aware datetime in its time zone); the
    output is still personal data.

    **Does not protect against**: anything the intervals reveal (the order of
    events, durations, weekly patterns up to the shift); values near the
    edges of a known range (a date known to be in March, shifted by at most
    ``max_days``); several dates of one subject against a known one (one
    known date gives the offset for all); anyone who holds the key ring.

    **Algorithm**: ``K = HKDF-SHA256(master key, salt=b"custdata/v1",
    info=b"shift_date" || 0x00 || NFC(domain), 32 bytes)``; ``x =
    big-endian uint64 of HMAC-SHA256(K, UTF-8(str(subject)))[:8]``; with
    ``m = max_days > 0``, ``k = x mod 2m`` and ``offset = k - m`` if
    ``k < m`` else ``k - m + 1`` (so ``offset`` is in ``[-m, -1]`` or ``[1, m]``);
    ``offset = 0`` if ``m = 0``. A date moves by ``offset`` days; an aware
    datetime by ``24 * offset`` hours of elapsed time (computed in UTC, then
    converted back to its own time zone, so across a DST change the wall-clock
    time moves by the DST difference).

    Args:
        keys: The key ring; offsets use its active key.
        domain: Separates uses: two domains give unrelated offsets.
        max_days: The largest shift in days, from 0 to 36 525.
        subject_field: The field holding the subject, as it appears in the
            output (for example its pseudonym).
        field: The date field `apply_row` shifts when not given one.

    Raises:
        TypeError: If ``keys`` is not a `custdata.KeyRing` (a programming
            mistake: no policy can write a key ring).
        custdata.PolicyError: If the domain, ``subject_field`` or ``field`` is
            empty or not valid text, or ``max_days`` is not a whole number
            from 0 to 36 525.
    """

    name: ClassVar[str] = "shift_date"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=True,
        deterministic=True,
        keyed=True,
        format_preserving=True,
        output_is_personal_data=True,
    )
    key_bytes: ClassVar[int] = _crypto.HMAC_KEY_BYTES
    # A policy hands it the protected row: the subject as released (its pseudonym),
    # so the released row and the key ring are all that reversing needs.
    reads: ClassVar[str] = "protected"

    max_days: int = attrs.field(validator=whole(0, MAX_SHIFT_DAYS))
    subject_field: str = attrs.field(validator=_check_name)
    field: str | None = attrs.field(default=None, validator=_check_field)

    def __attrs_post_init__(self) -> None:
        self._keyed()  # the active key's state, made once, at construction

    def _make(self, key: bytes) -> _crypto.MacState:
        return _crypto.MacState(key)

    @property
    def requires(self) -> tuple[str, ...]:
        """The other fields `apply_row` reads: the subject field (per instance)."""
        return (self.subject_field,)

    def _error(self, code: str, message: str) -> TransformError:
        return TransformError(self.name, code, message)

    def _row(self, row: object) -> Mapping[str, object]:
        if not isinstance(row, Mapping):
            raise self._error(code="wrong_type", message="expected a row (a mapping)")
        return cast(Mapping[str, object], row)

    def _field_name(self, field: str | None) -> str:
        name = field if field is not None else self.field
        if name is None:
            raise self._error(
                code="no_field",
                message="no date field: give field= when building it, or to apply_row",
            )
        return name

    def offset(self, subject: object, *, key_id: str | None = None) -> int:
        """
        Return the number of days a subject's dates move by.

        Args:
            subject: The subject value as it appears in the output (a string or an int).
            key_id: The key to use; the active key by default.

        Returns:
            The offset in days, in ``[-max_days, max_days]``, 0 only if ``max_days`` is 0.

        Raises:
            TransformError: If the subject is missing or not a string or an int
                (codes ``missing_subject``, ``wrong_subject_type``), an int too
                large to write in decimal (code ``subject_too_large``), or a
                string holding a lone surrogate (code ``invalid_text``).
            KeyRingError: If ``key_id`` is not in the ring.
        """
        if subject is None:
            raise self._error(code="missing_subject", message="the subject is missing")
        if isinstance(subject, bool) or not isinstance(subject, str | int):
            raise self._error(
                code="wrong_subject_type", message="the subject must be a str or an int"
            )
        span = self.max_days
        if span == 0:
            return 0
        mac = self._keyed(key_id)
        try:
            message = str(subject).encode("utf-8")
        except UnicodeEncodeError:
            raise self._error(code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE) from None
        except ValueError:  # an int beyond the interpreter's limit on decimal digits
            raise self._error(
                code="subject_too_large", message="the subject int has too many digits"
            ) from None
        k = int.from_bytes(mac.digest(message)[:8], "big") % (2 * span)
        return k - span if k < span else k - span + 1

    def _move(self, value: object, days: int) -> date:
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise self._error(code="naive_datetime", message="datetimes must be timezone-aware")
            try:
                return (value.astimezone(UTC) + timedelta(days=days)).astimezone(value.tzinfo)
            except OverflowError:
                raise self._error(
                    code="out_of_range", message="the shifted datetime is out of range"
                ) from None
        if isinstance(value, date):
            try:
                return value + timedelta(days=days)
            except OverflowError:
                raise self._error(
                    code="out_of_range", message="the shifted date is out of range"
                ) from None
        raise self._error(code="wrong_type", message="expected a date or an aware datetime")

    def shift(self, value: object, subject: object) -> date | None:
        """
        Shift one date of one subject.

        Args:
            value: A `datetime.date` or a timezone-aware `datetime.datetime`;
                ``None`` stays ``None``.
            subject: The subject value as it appears in the output.

        Returns:
            The shifted date or datetime, of the type given.

        Raises:
            TransformError: If the value or the subject is of the wrong type, a
                datetime is naive, or the result is out of range.
        """
        if value is None:
            return None
        return self._move(value, self.offset(subject))

    def unshift(self, value: object, subject: object, *, key_id: str | None = None) -> date | None:
        """
        Undo `shift`: move a shifted date back.

        The output does not say which key shifted it: pass ``key_id`` for dates
        shifted before the key ring was rotated.

        Args:
            value: A shifted date or aware datetime; ``None`` stays ``None``.
            subject: The subject value as it appears in the output (the same
                value the date was shifted with, such as the pseudonym).
            key_id: The key the date was shifted with; the active key by default.

        Returns:
            The original date or datetime.

        Raises:
            TransformError: As `shift`.
            KeyRingError: If ``key_id`` is not in the ring.
        """
        if value is None:
            return None
        return self._move(value, -self.offset(subject, key_id=key_id))

    def apply_row(self, row: Mapping[str, object], field: str | None = None) -> object:
        """
        Shift the date in ``row[field]`` by the offset of ``row[subject_field]``.

        Args:
            row: The row, with the subject as it appears in the output.
            field: The date field; ``self.field`` by default.

        Returns:
            The shifted value (``None`` if the field is ``None`` or absent).

        Raises:
            TransformError: If the row is not a mapping, the subject is missing,
                a value is of the wrong type, or no field is given here or at
                construction (code ``no_field``).
        """
        mapping = self._row(row)
        name = self._field_name(field)
        value = mapping.get(name)
        if value is None:
            return None
        return self._move(value, self.offset(mapping.get(self.subject_field)))

    def apply_rows(
        self, rows: Iterable[Mapping[str, object]], field: str | None = None
    ) -> list[object]:
        """
        `apply_row` over many rows, computing each subject's offset once.

        Args:
            rows: The rows.
            field: The date field; ``self.field`` by default.

        Returns:
            The shifted values, in order.

        Raises:
            TransformError: As `apply_row`, for the first bad row.
        """
        name = self._field_name(field)
        offsets: dict[object, int] = {}
        out: list[object] = []
        subject_field = self.subject_field
        for row in rows:
            value = self._row(row).get(name)
            if value is None:
                out.append(None)
                continue
            subject = row.get(subject_field)
            if type(subject) in (str, int):
                key = (type(subject), subject)
                days = offsets.get(key)
                if days is None:
                    days = offsets[key] = self.offset(subject)
            else:
                days = self.offset(subject)
            out.append(self._move(value, days))
        return out

    def apply_arrow_rows(
        self, columns: Mapping[str, pa.Array[Any] | pa.ChunkedArray[Any]]
    ) -> pa.Array[Any]:
        """
        `apply_rows` on pyarrow columns: ``columns[field]`` shifted by ``columns[subject_field]``.

        The optional columnar method of a `custdata.transforms.RowTransform`.
        The result equals `apply_rows` on the rows ``{name: columns[name][i].as_py()
        ...}``, nulls included, and a refused row raises the error `apply_rows`
        raises for the first refused row (the caller then goes row by row to
        find them all). The subject column is dictionary-encoded, so each
        subject's offset is computed once, with `offset`; the dates then move
        in one pass: ``date32`` by whole days, a timestamp with a time zone by
        whole days of elapsed time (its instant moves, its zone is kept, as
        `shift` does: a value's UTC offset only changes where its zone has a
        DST change, and a fixed offset never does). Other types (naive or
        nanosecond timestamps, subjects that are not strings or integers...)
        go through `apply_rows`, with the same result.

        Args:
            columns: A pyarrow array (or chunked array) per field name: this
                transform's ``field`` and its ``subject_field``, all the same length.

        Returns:
            The shifted values, of the type of ``columns[field]``, nulls kept.

        Raises:
            TransformError: As `apply_rows`, for the first refused row: a
                missing subject (code ``missing_subject``), a result outside
                years 1 to 9999 (``out_of_range``), a value or subject of the
                wrong type, no ``field`` given at construction (``no_field``).
            ValueError: If the columns are not all the same length.
            KeyError: If ``columns`` lacks the field or the subject field.
            custdata.MissingDependencyError: If pyarrow is not installed.
        """
        pa = _pyarrow()
        pc = _pc()

        name = self._field_name(None)
        values = whole_array(columns[name])
        subjects = whole_array(columns[self.subject_field])
        if len(values) != len(subjects):
            msg = f"{self.name}: the columns {name!r} and {self.subject_field!r} differ in length"
            raise ValueError(msg)
        per_day = _units_per_day(pa, values.type)
        if per_day is None or not _is_subject_type(pa, subjects.type):
            return self._arrow_by_rows(pa, name, values, subjects)
        if pa.types.is_dictionary(subjects.type):
            distinct, indices = subjects.dictionary, subjects.indices
        else:
            encoded = subjects.dictionary_encode()
            distinct, indices = encoded.dictionary, encoded.indices
        offsets = [self._offset_or_none(subject) for subject in distinct.to_pylist()]
        days = pc.take(pa.array(offsets, pa.int64()), indices)  # null: no offset
        raw = values.cast(pa.int32()).cast(pa.int64()) if per_day == 1 else values.cast(pa.int64())
        moved = pc.add(raw, pc.multiply(days, per_day))
        # A timestamp is also refused when its local time leaves years 1 to 9999,
        # which its UTC offset (less than a day) decides: those near the edges are
        # suspects, checked one by one, as are rows without an offset.
        margin = 0 if per_day == 1 else per_day
        low, high = _FIRST_DAY * per_day + margin, (_LAST_DAY + 1) * per_day - 1 - margin
        outside = pc.or_kleene(
            pc.or_(pc.less(raw, low), pc.greater(raw, high)),
            pc.or_(pc.less(moved, low), pc.greater(moved, high)),
        )
        suspects = pc.or_(
            pc.and_(pc.is_valid(values), pc.is_null(days)), pc.fill_null(outside, False)
        )
        for index in pc.indices_nonzero(suspects).to_pylist():
            row = {name: values[index].as_py(), self.subject_field: subjects[index].as_py()}
            self.apply_row(row)  # raises the error of the first refused row
        if per_day == 1:
            return _as_array(moved.cast(pa.int32()).cast(values.type))
        return _as_array(moved.cast(values.type))

    def _offset_or_none(self, subject: object) -> int | None:
        """The subject's offset; ``None`` for rows `apply_row` must check one by one."""
        try:
            return None if subject is None else self.offset(subject)
        except TransformError:
            return None

    def _arrow_by_rows(self, pa: Any, name: str, values: Any, subjects: Any) -> pa.Array[Any]:
        """`apply_arrow_rows` for column types the columnar path does not take: `apply_rows`."""
        rows = [
            {name: value, self.subject_field: subject}
            for value, subject in zip(values.to_pylist(), subjects.to_pylist(), strict=True)
        ]
        shifted = self.apply_rows(rows)
        try:
            return _as_array(pa.array(shifted, type=values.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # such as all-null strings
            return _as_array(pa.array(shifted))

    def reverse(
        self, row: object, field: str | None = None, *, key_id: str | None = None
    ) -> dict[str, object] | None:
        """
        Undo `apply_row` on a row: a copy of the row with ``field`` shifted back.

        ``{**row, field: shift.apply_row(row)}`` reverses to ``row``.

        Args:
            row: A row whose date field was shifted (a mapping); ``None`` stays ``None``.
            field: The date field; ``self.field`` by default.
            key_id: The key the row was shifted with; the active key by default.

        Returns:
            A copy of the row with the original date (the row unchanged but
            copied when the field is ``None`` or absent).

        Raises:
            TransformError: As `apply_row`.
            KeyRingError: If ``key_id`` is not in the ring.
        """
        if row is None:
            return None
        mapping = self._row(row)
        name = self._field_name(field)
        value = mapping.get(name)
        if value is None:
            return dict(mapping)
        subject = mapping.get(self.subject_field)
        return {**mapping, name: self._move(value, -self.offset(subject, key_id=key_id))}


def _units_per_day(pa: Any, kind: Any) -> int | None:
    """Units of a ``date32`` or time-zoned timestamp type in one day; ``None`` for others."""
    if pa.types.is_date32(kind):
        return 1
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        return _TIMESTAMP_UNITS_PER_DAY.get(kind.unit)
    return None


def _is_subject_type(pa: Any, kind: Any) -> bool:
    """Strings or integers (dictionary-encoded or not): subjects `ShiftDate.offset` takes."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
    )
