"""
Generalisation hierarchies: how a value climbs, level by level, to ``*``.

Level 0 is the value itself (as text), the last level is
`custdata.transforms.labels.SUPPRESSED` (``"*"``), and each level in between
is coarser than the one below: every label has exactly one parent. The labels
are those of `custdata.transforms.labels`, the ones the generalising transforms
write, so a column a policy banded to ``"30-39"`` sits on a level of the
matching hierarchy.

=====================  =====================================================
built by               levels
=====================  =====================================================
`Hierarchy.numbers`    bands of growing widths that divide one another
`Hierarchy.dates`      day, month, quarter, year
`Hierarchy.postcodes`  the first characters, fewer at each level
`Hierarchy.french_departments`  postal code, department
`Hierarchy.from_rows`  a user tree, one row per value (the ARX CSV layout:
                       `Hierarchy.from_csv`)
=====================  =====================================================
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from custdata.transforms.labels import DATE_UNITS, SUPPRESSED, band, date_label, format_number

__all__ = ["Hierarchy"]

_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_Label = Callable[[object], str]


def _number(value: object) -> int | float | Decimal:
    if isinstance(value, str):  # a number read from a text file
        value = Decimal(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        msg = f"expected a number, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _number_text(value: object) -> str:
    return format_number(_number(value))


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return date.fromisoformat(value)
    msg = f"expected a date or an ISO date string, got {type(value).__name__}"
    raise TypeError(msg)


def _postcode_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        msg = "expected a non-empty postal code string"
        raise TypeError(msg)
    return value.strip()


@attrs.frozen(kw_only=True, eq=False)  # two hierarchies are equal only if they are one
class Hierarchy:
    """
    A generalisation hierarchy: a label for every value at every level, ``*`` at the top.

    Build one with `numbers`, `dates`, `postcodes`, `french_departments`,
    `from_rows` or `from_csv`; each checks its levels when built.

    Example:
        >>> ages = Hierarchy.numbers(widths=(5, 10, 20))
        >>> ages.height, ages.apply([42, 37, None], 2).to_pylist()
        (4, ['40-49', '30-39', None])
        >>> Hierarchy.dates().apply(["2024-05-17"], 3).to_pylist()
        ['2024']

    Attributes:
        name: What the hierarchy generalises, for messages.
        height: The level of ``*`` (the number of levels above the values).
    """

    name: str
    height: int
    _levels: tuple[_Label, ...] = attrs.field(repr=False, eq=False)
    _tree: Mapping[str, tuple[str, ...]] | None = attrs.field(default=None, repr=False, eq=False)

    # --- builders ---------------------------------------------------------------------

    @classmethod
    def numbers(
        cls,
        *,
        widths: Sequence[int | float],
        origin: int | float = 0,
        top: int | float | None = None,
        name: str = "numbers",
    ) -> Hierarchy:
        """
        Ages and other numbers: bands of growing widths, each dividing the next, then ``*``.

        The labels are `custdata.transforms.labels.band` (``"30-39"``), so bands
        nest: with the same origin, a band of width 20 holds exactly two of width 10.

        Args:
            widths: The band widths, level 1 first, strictly growing, each a whole
                multiple of the one before.
            origin: Where one band of every width starts.
            top: Values from this one share ``"{top}+"`` at every band level; a
                multiple of every width above the origin.
            name: For messages.

        Returns:
            The hierarchy, of height ``len(widths) + 1``.

        Raises:
            ValueError: If the widths do not nest, or ``top`` is not on every band's edge.
        """
        if not widths:
            msg = f"{name}: widths must hold at least one width"
            raise ValueError(msg)
        exact = [Decimal(format_number(w)) for w in widths]
        if any(w <= 0 for w in exact):
            msg = f"{name}: widths must be positive"
            raise ValueError(msg)
        for low, high in itertools.pairwise(exact):
            if high <= low or high % low != 0:
                msg = f"{name}: each width must be a whole multiple of the one before, and larger"
                raise ValueError(msg)
        if top is not None:
            offset = Decimal(format_number(top)) - Decimal(format_number(origin))
            if any(offset % w != 0 for w in exact):
                msg = f"{name}: top must be a multiple of every width above the origin"
                raise ValueError(msg)

        def level(width: int | float) -> _Label:
            def label(value: object) -> str:
                return band(_number(value), width, origin=origin, top=top)

            return label

        levels = (_number_text, *(level(w) for w in widths))
        return cls(name=name, height=len(widths) + 1, levels=levels)

    @classmethod
    def dates(cls, *, units: Sequence[str] = DATE_UNITS, name: str = "dates") -> Hierarchy:
        """
        Dates: the day, then month, quarter and year (`custdata.transforms.labels.date_label`).

        Args:
            units: The units, finest first, from ``("day", "month", "quarter", "year")``;
                the first is level 0.
            name: For messages.

        Returns:
            The hierarchy, of height ``len(units)``.

        Raises:
            ValueError: If the units are not in that order, or unknown.
        """
        positions = [DATE_UNITS.index(u) if u in DATE_UNITS else -1 for u in units]
        if not units or min(positions) < 0 or positions != sorted(set(positions)):
            msg = f"{name}: units must be some of day, month, quarter, year, in that order"
            raise ValueError(msg)

        def level(unit: Any) -> _Label:
            return lambda value: date_label(_as_date(value), unit)

        return cls(name=name, height=len(units), levels=tuple(level(u) for u in units))

    @classmethod
    def postcodes(cls, *, keep: Sequence[int] = (4, 3, 2), name: str = "postcodes") -> Hierarchy:
        """
        Postal codes: the first characters, fewer at each level, then ``*``.

        Args:
            keep: Characters kept at levels 1, 2, ...; strictly decreasing, positive.
            name: For messages.

        Returns:
            The hierarchy, of height ``len(keep) + 1``.

        Raises:
            ValueError: If ``keep`` is not strictly decreasing positive numbers.
        """
        if not keep or any(k < 1 for k in keep) or any(a <= b for a, b in itertools.pairwise(keep)):
            msg = f"{name}: keep must be positive numbers of characters, strictly decreasing"
            raise ValueError(msg)

        def level(count: int) -> _Label:
            return lambda value: _postcode_text(value)[:count]

        levels = (_postcode_text, *(level(k) for k in keep))
        return cls(name=name, height=len(keep) + 1, levels=levels)

    @classmethod
    def french_departments(cls, *, name: str = "french_departments") -> Hierarchy:
        """
        French postal codes: the code, its department, then ``*``.

        The department is `custdata.validation.french_department`, from its table
        of every commune's postal code (not a prefix: Corsica's codes are 20xxx
        and its departments 2A and 2B, and 97133 is Saint-Barthélemy, 977).

        Args:
            name: For messages.

        Returns:
            The hierarchy, of height 2.
        """
        from custdata.validation.postal import french_department

        def department(value: object) -> str:
            found = french_department(value)
            if found is None:
                msg = "expected a canonical French postal code with a department"
                raise ValueError(msg)
            return found

        def code(value: object) -> str:
            department(value)
            return str(value)

        return cls(name=name, height=2, levels=(code, department))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[str]], *, name: str = "tree") -> Hierarchy:
        """
        A user tree: one row per value, one column per level, the last ``*``.

        Args:
            rows: Each row is a value, then its label at levels 1, 2, ..., and ``*``.
            name: For messages.

        Returns:
            The hierarchy, of height ``len(row) - 1``.

        Raises:
            ValueError: If rows differ in length, a row does not end in ``*``, a
                value appears twice, or a label has two parents. Messages give
                row numbers, never the values.
        """
        tree: dict[str, tuple[str, ...]] = {}
        parents: list[dict[str, str]] = []
        width = None
        for number, raw in enumerate(rows, start=1):
            row = tuple(str(cell).strip() for cell in raw)
            if width is None:
                width = len(row)
                if width < 2:
                    msg = f"{name}: row {number} has fewer than two levels"
                    raise ValueError(msg)
                parents = [{} for _ in range(width - 1)]
            if len(row) != width:
                msg = f"{name}: row {number} has {len(row)} levels, row 1 has {width}"
                raise ValueError(msg)
            if row[-1] != SUPPRESSED:
                msg = f"{name}: row {number} does not end in {SUPPRESSED!r}"
                raise ValueError(msg)
            if any(not cell for cell in row):
                msg = f"{name}: row {number} has an empty label"
                raise ValueError(msg)
            if row[0] in tree:
                msg = f"{name}: row {number} repeats a value of an earlier row"
                raise ValueError(msg)
            for level, (child, parent) in enumerate(itertools.pairwise(row)):
                if parents[level].setdefault(child, parent) != parent:
                    msg = f"{name}: row {number} gives a label of level {level} a second parent"
                    raise ValueError(msg)
            tree[row[0]] = row
        if width is None:
            msg = f"{name}: no rows"
            raise ValueError(msg)

        def at(index: int) -> _Label:
            def label(value: object) -> str:
                path = tree.get(str(value))
                if path is None:
                    msg = f"{name}: a value has no row in the hierarchy"
                    raise ValueError(msg)
                return path[index]

            return label

        levels = tuple(at(i) for i in range(width - 1))
        return cls(name=name, height=width - 1, levels=levels, tree=tree)

    @classmethod
    def from_csv(
        cls, source: str | Path, *, delimiter: str = ";", name: str | None = None
    ) -> Hierarchy:
        """
        Load a hierarchy in the CSV layout ARX uses: ``value;level1;...;*``, no header.

        Args:
            source: A file path, or the CSV text itself when it holds a line break.
            delimiter: The field separator (``;`` in ARX).
            name: For messages (default: the file name, or ``"csv"``).

        Returns:
            The hierarchy (see `from_rows`).
        """
        if isinstance(source, str) and "\n" in source:
            text, label = source, name or "csv"
        else:
            path = Path(source)
            text, label = path.read_text(encoding="utf-8-sig"), name or path.name
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
        return cls.from_rows(rows, name=label)

    # --- use --------------------------------------------------------------------------

    def label(self, value: object, level: int) -> str | None:
        """
        The label of one value at a level (``None`` stays ``None``).

        Args:
            value: A value of the kind the hierarchy is built for.
            level: From 0 (the value as text) to `height` (``"*"``).

        Returns:
            The label.

        Raises:
            ValueError: If the level is out of range or the value has no path to the root.
        """
        self._check_level(level)
        if value is None:
            return None
        if level == self.height:
            self._levels[0](value)  # the value must still belong to the hierarchy
            return SUPPRESSED
        return self._levels[level](value)

    def apply(self, values: object, level: int) -> Any:
        """
        Generalise a column to a level: each distinct value is labelled once.

        Args:
            values: A pyarrow Array or ChunkedArray, or a sequence of values.
            level: From 0 (the value as text) to `height` (``"*"``).

        Returns:
            A pyarrow string array of the labels, nulls kept.

        Raises:
            ValueError: If the level is out of range, or a value has no path to
                the root (the message counts them; it never shows one).
            MissingDependencyError: If pyarrow is not installed.
        """
        from custdata.anonymity._encode import pyarrow

        pa = pyarrow()
        self._check_level(level)
        if isinstance(values, pa.Array | pa.ChunkedArray):
            array = values
        else:
            try:
                array = pa.array(values)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                return self._apply_mixed(pa, values, level)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks else pa.array([], array.type)
        if pa.types.is_dictionary(array.type):
            array = array.cast(array.type.value_type)
        if pa.types.is_null(array.type):  # only missing values (a list of None): all kept
            return pa.nulls(len(array), pa.string())
        encoded = array.dictionary_encode()
        labels = self._labels(encoded.dictionary.to_pylist(), level)
        out = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(labels, pa.string()))
        return out.cast(pa.string())

    def _apply_mixed(self, pa: Any, values: object, level: int) -> Any:
        """A sequence of values of several types: each distinct value labelled once."""
        if not isinstance(values, Iterable) or isinstance(values, str | bytes):
            msg = f"{self.name}: expected a pyarrow array or a sequence of values"
            raise TypeError(msg)
        items = list(values)
        distinct = list(dict.fromkeys(item for item in items if item is not None))
        labels = dict(zip(distinct, self._labels(distinct, level), strict=True))
        return pa.array([None if item is None else labels[item] for item in items], pa.string())

    def _labels(self, distinct: Sequence[object], level: int) -> list[str]:
        labels: list[str] = []
        failed = 0
        for value in distinct:
            try:
                label = self.label(value, level)
            except (TypeError, ValueError, ArithmeticError):
                failed += 1
                continue
            assert label is not None  # noqa: S101  # a dictionary holds no null
            labels.append(label)
        if failed:
            msg = f"{self.name}: {failed} distinct values have no path to the root"
            raise ValueError(msg)
        return labels

    def check(self, values: object) -> None:
        """
        Check that every value present has a path to the root.

        Args:
            values: A pyarrow array or a sequence of values.

        Raises:
            ValueError: Counting the values without a path (never showing them).
        """
        self.apply(values, self.height)

    def _check_level(self, level: int) -> None:
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= self.height:
            msg = f"{self.name}: level must be a whole number from 0 to {self.height}"
            raise ValueError(msg)
