"""
Generalisation: `AgeBand`, `TruncateDate`, `TruncatePostcode`, `Bucket`, `TopCode`, `BottomCode`.

Generalisation replaces a value by a coarser one that many people share.
Whether the result still identifies someone depends on the whole dataset:
measure it with ``custdata.anonymity``. The labels produced here are the ones
the anonymity hierarchies use (see docs/transforms.md), so changing one is a
breaking change.
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
    is_number,
    is_text,
    one_of,
    policy_error,
    whole,
)
from custdata.transforms.base import BaseTransform, Guarantees, _as_array, _pc, _pyarrow

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


def _fmt(number: float | int) -> str:
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return str(number)


@attrs.frozen(kw_only=True)
class AgeBand(_DateInput):
    """
    Replace a birth date by an age band at a reference date.

    Example:
        >>> from datetime import date
        >>> AgeBand(reference=date(2024, 6, 30))(date(1990, 7, 14))
        '30-39'
        >>> AgeBand(reference=date(2024, 6, 30), width=5, top=80)("1930-01-01")
        '80+'

    **Guarantees**: not reversible, deterministic for a fixed reference date,
    not keyed, not format-preserving; the output may still be personal data.

    **Does not protect against**: rare bands (the very old), and combination
    with other quasi-identifiers (postcode, gender): measure k-anonymity.

    **Algorithm**: age in whole years at ``reference`` (the year difference,
    minus one if the birthday has not come yet that year); label
    ``f"{lo}-{lo + width - 1}"`` with ``lo = age // width * width`` (just
    ``f"{age}"`` when ``width`` is 1), or ``f"{top}+"`` when ``age >= top``.
    Dates after ``reference`` raise ``TransformError`` (code ``after_reference``);
    strings holding a lone surrogate, code ``invalid_text``.

    Args:
        reference: The date ages are computed at (the library never reads the clock).
        width: Years per band (1 to 100).
        top: Ages from this one share the band ``"{top}+"``; a multiple of ``width``.

    Raises:
        custdata.PolicyError: If a parameter is invalid.
    """

    name: ClassVar[str] = "age_band"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = str

    reference: date = attrs.field()
    width: int = attrs.field(default=10, validator=whole(1, 100))
    top: int | None = attrs.field(default=None)

    @reference.validator
    def _check_reference(self, _attribute: object, value: object) -> None:
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
        born = self._date(value)
        ref = self.reference
        if born > ref:
            raise self._error(
                code="after_reference", message="the birth date is after the reference date"
            )
        age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        if self.top is not None and age >= self.top:
            return f"{self.top}+"
        if self.width == 1:
            return str(age)
        low = age // self.width * self.width
        return f"{low}-{low + self.width - 1}"


@attrs.frozen(kw_only=True)
class TruncateDate(_DateInput):
    """
    Replace a date by its month, quarter or year, as a label.

    Example:
        >>> from datetime import date
        >>> [TruncateDate(unit=u)(date(2024, 5, 17)) for u in ("month", "quarter", "year")]
        ['2024-05', '2024-Q2', '2024']

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving (a label, not a date); the output may still be personal data.

    **Does not protect against**: rare periods, and combination with other
    quasi-identifiers: measure k-anonymity.

    **Algorithm**: for a `datetime.date`, a `datetime.datetime` (its own
    calendar date, in its own time zone) or an ISO ``YYYY-MM-DD`` string:
    ``f"{year:04d}-{month:02d}"`` (month), ``f"{year:04d}-Q{(month + 2) // 3}"``
    (quarter) or ``f"{year:04d}"`` (year). Strings holding a lone surrogate
    raise ``TransformError`` (code ``invalid_text``).

    Args:
        unit: ``"month"``, ``"quarter"`` or ``"year"``.

    Raises:
        custdata.PolicyError: If ``unit`` is not one of these.
    """

    name: ClassVar[str] = "truncate_date"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = str

    unit: Literal["month", "quarter", "year"] = attrs.field(
        default="month", validator=one_of("month", "quarter", "year")
    )

    def _one(self, value: object) -> object:
        day = self._date(value)
        if self.unit == "month":
            return f"{day.year:04d}-{day.month:02d}"
        if self.unit == "quarter":
            return f"{day.year:04d}-Q{(day.month + 2) // 3}"
        return f"{day.year:04d}"

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

        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not (pa.types.is_date(array.type) or pa.types.is_timestamp(array.type)):
            return super().apply_arrow(array)
        year = pc.utf8_lpad(pc.cast(pc.year(array), pa.string()), 4, "0")
        if self.unit == "year":
            return _as_array(year)
        if self.unit == "quarter":
            quarter = pc.cast(pc.quarter(array), pa.string())
            return _as_array(pc.binary_join_element_wise(year, "-Q", quarter, ""))
        month = pc.utf8_lpad(pc.cast(pc.month(array), pa.string()), 2, "0")
        return _as_array(pc.binary_join_element_wise(year, "-", month, ""))


@attrs.frozen(kw_only=True)
class TruncatePostcode(BaseTransform):
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
        if not isinstance(value, str):
            raise self._error(
                code="wrong_type", message=f"expected str, got {type(value).__name__}"
            )
        if not value.isascii():  # ASCII is always text: the common case skips the call
            check_text(self.name, value)
        text = value.strip(_ASCII_SPACE)
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

        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
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
        '[30, 50)'
        >>> Bucket(edges=(18, 30, 50))(12), Bucket(edges=(18, 30, 50))(70)
        ('<18', '>=50')
        >>> Bucket(width=1000)(2499.5)
        '[2000, 3000)'
        >>> Bucket(edges=(18, 65), labels=("minor", "adult", "senior"))(70)
        'senior'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output may still be personal data.

    **Does not protect against**: sparse intervals (the open top one above
    all), and combination with other quasi-identifiers.

    **Algorithm**: with ``edges`` ``e0 < e1 < ... < en``, the index is the
    number of edges ``<= value`` (`bisect.bisect_right`); the default labels
    are ``"<e0"``, ``"[e0, e1)"``, ..., ``">=en"``. With ``width``,
    ``lo = origin + floor((value - origin) / width) * width`` (exact for
    integers, `Decimal` values are converted to float) and the label is
    ``"[lo, lo + width)"``. Numbers are written as ``str`` does, floats with
    an integral value without ``.0``. NaN raises ``TransformError`` (code
    ``not_a_number``).

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

    def __attrs_post_init__(self) -> None:
        if (self.edges is None) == (self.width is None):
            raise policy_error(self, "edges or width", "must be given, not both")
        if self.width is not None:
            if not is_number(self.width) or not math.isfinite(self.width) or self.width <= 0:
                raise policy_error(self, "width", "must be a positive finite number")
            if self.labels is not None:
                raise policy_error(self, "labels", "need edges (they cannot go with width)")
            object.__setattr__(self, "_names", ())
            return
        edges = self.edges or ()
        if not edges or not all(is_number(e) and math.isfinite(e) for e in edges):
            raise policy_error(self, "edges", "must be at least one finite int or float")
        if any(a >= b for a, b in itertools.pairwise(edges)):
            raise policy_error(self, "edges", "must be strictly increasing")
        if self.labels is not None:
            if len(self.labels) != len(edges) + 1:
                raise policy_error(self, "labels", "must have one more item than edges")
            names = self.labels
        else:
            middle = [f"[{_fmt(a)}, {_fmt(b)})" for a, b in itertools.pairwise(edges)]
            names = (f"<{_fmt(edges[0])}", *middle, f">={_fmt(edges[-1])}")
        object.__setattr__(self, "_names", names)

    def _one(self, value: object) -> object:
        number = self._number(value)
        if self.edges is not None:
            return self._names[bisect.bisect_right(self.edges, number)]
        width = self.width
        assert width is not None  # noqa: S101  # set by __attrs_post_init__
        if isinstance(number, Decimal):
            number = float(number)
        if isinstance(number, float) and not math.isfinite(number):
            raise self._error(code="not_a_number", message="the value is not a finite number")
        if isinstance(number, int) and isinstance(width, int) and isinstance(self.origin, int):
            low: int | float = self.origin + (number - self.origin) // width * width
        else:
            low = self.origin + math.floor((number - self.origin) / width) * width
        return f"[{_fmt(low)}, {_fmt(low + width)})"

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

        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        numeric = pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
        if self.edges is None or not numeric:
            return super().apply_arrow(array)
        if pa.types.is_floating(array.type) and pc.any(pc.is_nan(array)).as_py():
            raise self._error(code="not_a_number", message="the value is NaN")
        index = pa.nulls(len(array), pa.int32()).fill_null(0)
        for edge in self.edges:
            index = pc.add(index, pc.cast(pc.greater_equal(array, edge), pa.int32()))
        return _as_array(pa.array(self._names, pa.string()).take(index))


@attrs.frozen(kw_only=True)
class TopCode(_NumberInput):
    """
    Replace numbers above a threshold by the threshold (top-coding).

    Example:
        >>> TopCode(threshold=90)(97)
        90
        >>> TopCode(threshold=90)(42)
        42

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving (an int may become the float threshold); the output may
    still be personal data.

    **Does not protect against**: the values below the threshold, which are
    kept exactly, and the fact that someone is at the threshold.

    **Algorithm**: ``threshold if value > threshold else value``; NaN raises
    ``TransformError`` (code ``not_a_number``).

    Args:
        threshold: A finite int or float.

    Raises:
        custdata.PolicyError: If ``threshold`` is not a finite int or float.
    """

    name: ClassVar[str] = "top_code"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = float

    threshold: int | float = attrs.field(validator=finite_number)

    def _one(self, value: object) -> object:
        number = self._number(value)
        return self.threshold if number > self.threshold else number


@attrs.frozen(kw_only=True)
class BottomCode(_NumberInput):
    """
    Replace numbers below a threshold by the threshold (bottom-coding).

    Example:
        >>> BottomCode(threshold=18)(16)
        18

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output may still be personal data.

    **Does not protect against**: the values above the threshold, which are
    kept exactly, and the fact that someone is at the threshold.

    **Algorithm**: ``threshold if value < threshold else value``; NaN raises
    ``TransformError`` (code ``not_a_number``).

    Args:
        threshold: A finite int or float.

    Raises:
        custdata.PolicyError: If ``threshold`` is not a finite int or float.
    """

    name: ClassVar[str] = "bottom_code"
    guarantees: ClassVar[Guarantees] = _GENERALISING
    output_type: ClassVar[type] = float

    threshold: int | float = attrs.field(validator=finite_number)

    def _one(self, value: object) -> object:
        number = self._number(value)
        return self.threshold if number < self.threshold else number
