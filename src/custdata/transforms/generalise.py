"""
Generalisation: `AgeBand`, `TruncateDate`, `TruncatePostcode`, `Bucket`, `TopCode`, `BottomCode`.

Generalisation replaces a value by a coarser one that many people share.
Whether the result still identifies someone depends on the whole dataset:
measure it with ``custdata.anonymity``. The labels come from
`custdata.transforms.labels`, which the anonymity hierarchies share (see
docs/transforms.md), so changing one is a breaking change.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

import attrs

from custdata.transforms._checks import (
    check_text,
    finite_number,
    is_finite,
    is_number,
    is_text,
    one_of,
    policy_error,
    whole,
)
from custdata.transforms._text_input import TextInput, holds_text
from custdata.transforms.base import (
    BaseTransform,
    Guarantees,
    SameAsInput,
    _as_array,
    _pc,
    _pyarrow,
    whole_array,
)
from custdata.transforms.labels import (
    DATE_UNITS,
    band,
    date_label,
    edge_labels,
    format_number,
)

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["AgeBand", "BottomCode", "Bucket", "TopCode", "TruncateDate", "TruncatePostcode"]

_GENERALISING: Final = Guarantees(
    reversible=False,
    deterministic=True,
    keyed=False,
    format_preserving=False,
    output_is_personal_data=True,
)

_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ASCII_SPACE: Final = " \t\n\r\x0b\x0c"


class _DateInput(BaseTransform):
    __slots__ = ()

    def _date(self, value: object) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            if not value.isascii():  # ASCII is always text: the common case skips the call
                check_text(self.name, value)
            if _ISO_DATE.fullmatch(value) is None:
                raise self._error(code="invalid_date", message="expected an ISO date (YYYY-MM-DD)")
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise self._error(
                    code="invalid_date", message="not a valid calendar date"
                ) from None
        raise self._error(code="wrong_type", message=f"expected a date, got {type(value).__name__}")


class _NumberInput(BaseTransform):
    __slots__ = ()

    def _number(self, value: object) -> int | float | Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self._error(
                code="wrong_type", message=f"expected a number, got {type(value).__name__}"
            )
        if isinstance(value, Decimal) and not value.is_finite():
            raise self._error(code="not_a_number", message="the value is not a finite number")
        if isinstance(value, float) and math.isnan(value):
            raise self._error(code="not_a_number", message="the value is NaN")
        return value


@attrs.frozen(kw_only=True)
class AgeBand(_DateInput, _NumberInput):
    """
    Replace an age, or a birth date at a reference date, by an age band.

    Example:
        >>> from datetime import date
        >>> AgeBand(reference=date(2024, 6, 30))(date(1990, 7, 14))
        '30-39'
        >>> AgeBand(reference=date(2024, 6, 30), width=5, top=80)("1930-01-01")
        '80+'
        >>> AgeBand(source="age", width=5).apply_many([42, 42.0, 7.5])
        ['40-44', '40-44', '5-9']

    **Guarantees**: not reversible, deterministic for a fixed reference date,
    not keyed, not format-preserving; the output may still be personal data.

    **Does not protect against**: rare bands (the very old), and combination
    with other quasi-identifiers (postcode, gender): measure k-anonymity.

    **Algorithm**: with ``source="birth_date"``, the age is in whole years at
    ``reference`` (the year difference, minus one if the birthday has not come
    yet that year); with ``source="age"``, the value is the age, in years (a
    non-negative int, float or Decimal). The label is
    ``custdata.transforms.labels.band(age, width, top=top)``: ``f"{lo}-{lo + width - 1}"``
    with ``lo = floor(age) // width * width``, just ``f"{lo}"`` when ``width``
    is 1, or ``f"{top}+"`` when ``age >= top``. Birth dates after ``reference``
    raise ``TransformError`` (code ``after_reference``), negative ages code
    ``negative_age``, NaN and infinite ages code ``not_a_number``; strings
    holding a lone surrogate, code ``invalid_text``.

    Args:
        source: What the values are: ``"birth_date"`` (a date, a datetime or an
            ISO ``YYYY-MM-DD`` string; the default) or ``"age"`` (a number of years).
        reference: The date ages are computed at, with ``source="birth_date"``
            (the library never reads the clock); not given with ``source="age"``.
        width: Years per band (1 to 100).
        top: Ages from this one share the band ``"{top}+"``; a multiple of ``width``.

    Raises:
        custdata.PolicyError: If a parameter is invalid.
    """

    name: ClassVar[str] = "age_band"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = str

    source: Literal["birth_date", "age"] = attrs.field(
        default="birth_date", validator=one_of("birth_date", "age")
    )
    reference: date | None = attrs.field(default=None)
    width: int = attrs.field(default=10, validator=whole(1, 100))
    top: int | None = attrs.field(default=None)

    @reference.validator
    def _check_reference(self, _attribute: object, value: object) -> None:
        if self.source == "age":
            if value is not None:
                raise policy_error(self, "reference", "must not be given when source is age")
            return
        if not isinstance(value, date) or isinstance(value, datetime):
            raise policy_error(self, "reference", "must be a datetime.date (not a datetime)")

    @top.validator
    def _check_top(self, _attribute: object, value: object) -> None:
        if value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 150:
            raise policy_error(self, "top", "must be a whole number from 1 to 150")
        if value % self.width:
            raise policy_error(self, "top", "must be a multiple of width")

    def _one(self, value: object) -> object:
        if self.source == "age":
            age: int | float | Decimal = self._number(value)
            if isinstance(age, float) and not math.isfinite(age):
                raise self._error(code="not_a_number", message="the age is not a finite number")
            if age < 0:
                raise self._error(code="negative_age", message="the age is negative")
        else:
            born = self._date(value)
            ref = self.reference
            assert ref is not None  # noqa: S101  # checked at construction
            if born > ref:
                raise self._error(
                    code="after_reference", message="the birth date is after the reference date"
                )
            age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        return band(age, self.width, top=self.top)

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Band a pyarrow ``date32`` array of birth dates with pyarrow.compute; equal to `apply_many`.

        The ages are computed column-wise (the year difference, minus one
        before the birthday), and each distinct age is labelled once by
        ``labels.band``, the function `apply_many` uses.

        Args:
            array: A date32 array with ``source="birth_date"`` (anything else
                goes through the generic path).

        Returns:
            The labels as strings, nulls kept.

        Raises:
            TransformError: Code ``after_reference`` if a birth date is after
                the reference date, as `apply_many` raises.
            MissingDependencyError: If pyarrow is not installed.
        """
        pa = _pyarrow()
        pc = _pc()
        array = whole_array(array)
        ref = self.reference
        if self.source != "birth_date" or ref is None or not pa.types.is_date32(array.type):
            return super().apply_arrow(array)
        if pc.any(pc.greater(array, pa.scalar(ref, pa.date32()))).as_py():
            raise self._error(
                code="after_reference", message="the birth date is after the reference date"
            )
        month_day = pc.add(pc.multiply(pc.month(array), 100), pc.day(array))
        before_birthday = pc.less(pa.scalar(ref.month * 100 + ref.day, pa.int64()), month_day)
        ages = pc.subtract(
            pc.subtract(pa.scalar(ref.year, pa.int64()), pc.year(array)),
            pc.cast(before_birthday, pa.int64()),
        )
        encoded = ages.dictionary_encode()
        labels = [band(age, self.width, top=self.top) for age in encoded.dictionary.to_pylist()]
        out = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(labels, pa.string()))
        return _as_array(out.cast(pa.string()))


@attrs.frozen(kw_only=True)
class TruncateDate(_DateInput):
    """
    Replace a date by its day, month, quarter or year, as a label.

    Example:
        >>> from datetime import date, datetime, UTC
        >>> [TruncateDate(unit=u)(date(2024, 5, 17)) for u in ("month", "quarter", "year")]
        ['2024-05', '2024-Q2', '2024']
        >>> TruncateDate(unit="day")(datetime(2024, 5, 17, 9, 30, tzinfo=UTC))
        '2024-05-17'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving (a label, not a date); the output may still be personal data.

    **Does not protect against**: rare periods, and combination with other
    quasi-identifiers: measure k-anonymity.

    **Algorithm**: for a `datetime.date`, a `datetime.datetime` (its own
    calendar date, in its own time zone) or an ISO ``YYYY-MM-DD`` string,
    ``custdata.transforms.labels.date_label``: ``f"{year:04d}-{month:02d}-{day:02d}"``
    (day: a datetime loses its time), ``f"{year:04d}-{month:02d}"`` (month),
    ``f"{year:04d}-Q{(month + 2) // 3}"`` (quarter) or ``f"{year:04d}"`` (year).
    Strings holding a lone surrogate raise ``TransformError`` (code ``invalid_text``).

    Args:
        unit: ``"day"``, ``"month"``, ``"quarter"`` or ``"year"``.

    Raises:
        custdata.PolicyError: If ``unit`` is not one of these.
    """

    name: ClassVar[str] = "truncate_date"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = str

    unit: Literal["day", "month", "quarter", "year"] = attrs.field(
        default="month", validator=one_of(*DATE_UNITS)
    )

    def _one(self, value: object) -> object:
        return date_label(self._date(value), self.unit)

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Truncate a pyarrow date or timestamp array with pyarrow.compute; equal to `apply_many`.

        Args:
            array: A date32, date64 or timestamp array (others go through `apply_many`).

        Returns:
            The labels as strings, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        if not (pa.types.is_date(array.type) or pa.types.is_timestamp(array.type)):
            return super().apply_arrow(array)
        year = pc.utf8_lpad(pc.cast(pc.year(array), pa.string()), 4, "0")
        if self.unit == "year":
            return _as_array(year)
        if self.unit == "quarter":
            quarter = pc.cast(pc.quarter(array), pa.string())
            return _as_array(pc.binary_join_element_wise(year, "-Q", quarter, ""))
        month = pc.utf8_lpad(pc.cast(pc.month(array), pa.string()), 2, "0")
        if self.unit == "month":
            return _as_array(pc.binary_join_element_wise(year, "-", month, ""))
        day = pc.utf8_lpad(pc.cast(pc.day(array), pa.string()), 2, "0")
        return _as_array(pc.binary_join_element_wise(year, "-", month, "-", day, ""))


@attrs.frozen(kw_only=True)
class TruncatePostcode(TextInput):
    """
    Keep the first characters of a postcode (from 2 for a French département).

    Example:
        >>> TruncatePostcode()("75011")
        '75'
        >>> TruncatePostcode()("2A004")
        '2A'
        >>> TruncatePostcode(keep=3)(" 69003 ")
        '690'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output may still be personal data.

    **Does not protect against**: sparsely populated areas (a département or
    a district with few customers), and combination with other quasi-identifiers.

    **Algorithm**: strip ASCII whitespace from both ends, keep the first
    ``keep`` code points. An empty postcode raises ``TransformError`` (code
    ``invalid_postcode``); postcodes are strings (an integer would have lost
    its leading zero), and a string holding a lone surrogate raises code
    ``invalid_text``, even beyond the kept characters.

    Args:
        keep: Leading characters kept (1 to 10).

    Raises:
        custdata.PolicyError: If ``keep`` is invalid.
    """

    name: ClassVar[str] = "truncate_postcode"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = str

    keep: int = attrs.field(default=2, validator=whole(1, 10))

    def _one(self, value: object) -> object:
        text = self._text(value).strip(_ASCII_SPACE)
        if not text:
            raise self._error(code="invalid_postcode", message="the postcode is empty")
        return text[: self.keep]

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Truncate a pyarrow string array with pyarrow.compute; equal to `apply_many`.

        Args:
            array: A pyarrow string array.

        Returns:
            The truncated postcodes, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
            TransformError: If a postcode is empty.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        if not holds_text(pa, array):
            return super().apply_arrow(array)
        text = pc.utf8_trim(array, _ASCII_SPACE)
        if pc.any(pc.equal(pc.utf8_length(text), 0)).as_py():
            raise self._error(code="invalid_postcode", message="the postcode is empty")
        return _as_array(pc.utf8_slice_codeunits(text, 0, self.keep))


def _edges(value: object) -> tuple[int | float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise policy_error(Bucket, "edges", "must be a sequence of numbers")
    return tuple(value)


def _labels(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise policy_error(Bucket, "labels", "must be a sequence of strings")
    if not all(map(is_text, value)):
        raise policy_error(
            Bucket, "labels", "must be valid Unicode text (one holds a lone surrogate)"
        )
    return tuple(value)


@attrs.frozen(kw_only=True)
class Bucket(_NumberInput):
    """
    Replace a number by the label of its interval: given edges or a fixed width.

    Example:
        >>> Bucket(edges=(18, 30, 50))(42)
        '30-49'
        >>> Bucket(edges=(18, 30, 50))(12), Bucket(edges=(18, 30, 50))(70)
        ('<18', '50+')
        >>> Bucket(width=1000)(2499.5), Bucket(width=0.25)(0.6)
        ('2000-2999', '[0.5, 0.75)')
        >>> Bucket(edges=(18, 65), labels=("minor", "adult", "senior"))(70)
        'senior'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output may still be personal data.

    **Does not protect against**: sparse intervals (the open top one above
    all), and combination with other quasi-identifiers.

    **Algorithm**: with ``edges`` ``e0 < e1 < ... < en``, the index is the
    number of edges ``<= value`` (`bisect.bisect_right`; a `Decimal` meets
    the edges as the labels write them: ``0.3``, not the nearest float); the default labels
    are ``custdata.transforms.labels.edge_labels(edges)``: ``"<e0"``, one range
    per pair of edges, ``"en+"``. With ``width``, the label is
    ``custdata.transforms.labels.band(value, width, origin=origin)``, the band
    ``[lo, lo + width)`` with ``lo = origin + floor((value - origin) / width) * width``,
    computed exactly. Ranges are closed (``"30-49"``: from 30 included to 50
    excluded) when the edges, or the width and origin, are all whole numbers,
    and half-open (``"[0.5, 0.75)"``) otherwise: the parameters choose the
    format, never the value's type (``42``, ``42.0`` and ``Decimal("42")`` get
    one label). NaN raises ``TransformError`` (code ``not_a_number``), and so
    do infinite values with ``width``.

    Args:
        edges: Increasing finite interval bounds (at least one).
        width: A fixed interval width (positive); exclusive with ``edges``.
        origin: Where fixed-width intervals start.
        labels: With ``edges``, one label per interval: ``len(edges) + 1``.

    Raises:
        custdata.PolicyError: If a parameter is invalid or they are inconsistent.
    """

    name: ClassVar[str] = "bucket"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = str

    edges: tuple[int | float, ...] | None = attrs.field(default=None, converter=_edges)
    width: int | float | None = attrs.field(default=None)
    origin: int | float = attrs.field(default=0, validator=finite_number)
    labels: tuple[str, ...] | None = attrs.field(default=None, converter=_labels)
    _names: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)
    _decimal_edges: tuple[Decimal, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_decimal_edges", ())
        if (self.edges is None) == (self.width is None):
            raise policy_error(self, "edges or width", "must be given, not both")
        if self.width is not None:
            if not is_number(self.width) or not is_finite(self.width) or self.width <= 0:
                raise policy_error(self, "width", "must be a positive finite number")
            if self.labels is not None:
                raise policy_error(self, "labels", "need edges (they cannot go with width)")
            object.__setattr__(self, "_names", ())
            return
        edges = self.edges or ()
        if not edges or not all(is_number(e) and is_finite(e) for e in edges):
            raise policy_error(self, "edges", "must be at least one finite int or float")
        if any(a >= b for a, b in itertools.pairwise(edges)):
            raise policy_error(self, "edges", "must be strictly increasing")
        if self.labels is not None:
            if len(self.labels) != len(edges) + 1:
                raise policy_error(self, "labels", "must have one more item than edges")
            names = self.labels
        else:
            names = edge_labels(edges)
        object.__setattr__(self, "_names", names)
        # A Decimal value meets the edges as the labels write them (0.3, not the float nearest).
        object.__setattr__(self, "_decimal_edges", tuple(Decimal(format_number(e)) for e in edges))

    def _one(self, value: object) -> object:
        number = self._number(value)
        if self.edges is not None:
            edges = self._decimal_edges if isinstance(number, Decimal) else self.edges
            return self._names[bisect.bisect_right(edges, number)]
        width = self.width
        assert width is not None  # noqa: S101  # set by __attrs_post_init__
        if isinstance(number, float) and not math.isfinite(number):
            raise self._error(code="not_a_number", message="the value is not a finite number")
        return band(number, width, origin=self.origin)

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Bucket a pyarrow numeric array with pyarrow.compute; equal to `apply_many`.

        The kernel covers ``edges`` on integer and floating-point arrays;
        ``width`` and other types go through `apply_many` on the distinct values.

        Args:
            array: A pyarrow array.

        Returns:
            The labels as strings, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
            TransformError: If a value is NaN.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        numeric = pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
        if self.edges is None or not numeric:
            return super().apply_arrow(array)
        if pa.types.is_floating(array.type) and pc.any(pc.is_nan(array)).as_py():
            raise self._error(code="not_a_number", message="the value is NaN")
        index = pa.nulls(len(array), pa.int32()).fill_null(0)
        for edge in self.edges:
            index = pc.add(index, pc.cast(pc.greater_equal(array, edge), pa.int32()))
        return _as_array(pa.array(self._names, pa.string()).take(index))


class _Coding(_NumberInput):
    """Top- and bottom-coding: outputs have their input's type (`SameAsInput`)."""

    __slots__ = ()

    _top: ClassVar[bool]
    threshold: int | float
    _whole_limit: int
    _decimal_limit: Decimal

    def __attrs_post_init__(self) -> None:
        # Over the integers, top-coding at 10.5 is top-coding at 10: an int stays an int.
        whole_limit = math.floor(self.threshold) if self._top else math.ceil(self.threshold)
        object.__setattr__(self, "_whole_limit", whole_limit)
        object.__setattr__(self, "_decimal_limit", Decimal(format_number(self.threshold)))

    def _beyond(self, number: object, limit: object) -> bool:
        return bool(number > limit if self._top else number < limit)  # type: ignore[operator]  # numbers

    def _one(self, value: object) -> object:
        number = self._number(value)
        if isinstance(number, int):
            limit: int | float | Decimal = self._whole_limit
        elif isinstance(number, float):
            limit = float(self.threshold)
        else:
            limit = self._decimal_limit
        return limit if self._beyond(number, limit) else number

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Code a pyarrow integer or float64 array with pyarrow.compute, keeping its type.

        Other arrays go through `apply_many` on their distinct values, and get
        the type pyarrow infers from the results.

        Args:
            array: A pyarrow array.

        Returns:
            The coded values, nulls kept; equal to `apply_many`.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
            TransformError: If a value is NaN.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        kind = array.type
        if pa.types.is_integer(kind):
            try:
                limit = pa.scalar(self._whole_limit, kind)
            except (pa.ArrowInvalid, OverflowError):  # no value of the type reaches the limit
                return super().apply_arrow(array)
        elif pa.types.is_float64(kind):
            if pc.any(pc.is_nan(array)).as_py():
                raise self._error(code="not_a_number", message="the value is NaN")
            limit = pa.scalar(float(self.threshold), kind)
        else:
            return super().apply_arrow(array)
        beyond = pc.greater(array, limit) if self._top else pc.less(array, limit)
        return _as_array(pc.if_else(beyond, limit, array))


@attrs.frozen(kw_only=True)
class TopCode(_Coding):
    """
    Replace numbers above a threshold by the threshold (top-coding).

    Example:
        >>> TopCode(threshold=90).apply_many([97, 42, 97.5])
        [90, 42, 90.0]
        >>> TopCode(threshold=89.5)(97)
        89

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output may still be personal data.

    **Does not protect against**: the values below the threshold, which are
    kept exactly, and the fact that someone is at the threshold.

    **Algorithm**: ``threshold if value > threshold else value``, the result of
    the value's own type (``output_type`` is `SameAsInput`): for an int, the
    threshold rounded down (over the integers, top-coding at 89.5 is top-coding
    at 89); for a float, ``float(threshold)``; for a `Decimal`,
    ``Decimal(format_number(threshold))`` (a float threshold as Python prints
    it: ``0.1`` is ``Decimal("0.1")``), compared exactly. NaN raises
    ``TransformError`` (code ``not_a_number``); booleans, code ``wrong_type``.

    Args:
        threshold: A finite int or float.

    Raises:
        custdata.PolicyError: If ``threshold`` is not a finite int or float.
    """

    name: ClassVar[str] = "top_code"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = SameAsInput
    _top: ClassVar[bool] = True

    threshold: int | float = attrs.field(validator=finite_number)
    _whole_limit: int = attrs.field(init=False, repr=False, eq=False)
    _decimal_limit: Decimal = attrs.field(init=False, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class BottomCode(_Coding):
    """
    Replace numbers below a threshold by the threshold (bottom-coding).

    Example:
        >>> BottomCode(threshold=18).apply_many([16, 40, 16.5])
        [18, 40, 18.0]
        >>> BottomCode(threshold=17.5)(3)
        18

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output may still be personal data.

    **Does not protect against**: the values above the threshold, which are
    kept exactly, and the fact that someone is at the threshold.

    **Algorithm**: ``threshold if value < threshold else value``, the result of
    the value's own type (``output_type`` is `SameAsInput`): for an int, the
    threshold rounded up; for a float, ``float(threshold)``; for a `Decimal`,
    ``Decimal(format_number(threshold))``, compared exactly. NaN raises
    ``TransformError`` (code ``not_a_number``); booleans, code ``wrong_type``.

    Args:
        threshold: A finite int or float.

    Raises:
        custdata.PolicyError: If ``threshold`` is not a finite int or float.
    """

    name: ClassVar[str] = "bottom_code"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = SameAsInput
    _top: ClassVar[bool] = False

    threshold: int | float = attrs.field(validator=finite_number)
    _whole_limit: int = attrs.field(init=False, repr=False, eq=False)
    _decimal_limit: Decimal = attrs.field(init=False, repr=False, eq=False)
