"""
The transform extension point: protocols, `Guarantees`, `BaseTransform`, the registry.

Consumers (policies, frame adapters, hosts) type against `Transform` and
`RowTransform`. Implementers inherit `BaseTransform`, which owns ``None``
passthrough, `custdata.TransformError` wrapping and `BaseTransform.apply_many`;
a subclass writes ``_one(value)`` and may override ``_many(uniques)``.

The registry maps snake_case names (used in TOML policies) to transform
classes. Built-ins are registered lazily by dotted path, so that ``import
custdata`` loads none of them; plugins may use the entry-point group
``custdata.transforms``; hosts call `register`. The registry is the library's
one global and is guarded by a lock.
"""

from __future__ import annotations

import importlib
import itertools
import pickle
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Final,
    Protocol,
    TypeGuard,
    TypeVar,
    cast,
    runtime_checkable,
)

import attrs

from custdata import _workers
from custdata.errors import MissingDependencyError, PolicyError, TransformError
from custdata.transforms._checks import policy_error

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "READS",
    "BaseTransform",
    "Guarantees",
    "RowTransform",
    "SameAsInput",
    "Transform",
    "get",
    "names",
    "register",
    "row_reads",
    "unregister",
]


@attrs.frozen(kw_only=True)
class Guarantees:
    """
    What a transform promises, declared on its class and tested by the contract test.

    Changing a guarantee of a built-in is a breaking change.

    Args:
        reversible: Whoever holds the key (or nobody, if not keyed) can recover
            the input from the output.
        deterministic: Equal inputs give equal outputs, across calls, instances
            with the same parameters, processes and runs. Deterministic outputs
            are linkable: the same person gets the same output in two releases.
        keyed: The output depends on a secret key from a `custdata.KeyRing`.
        format_preserving: The output has the type of the input and, for
            strings, its length and character classes, so it fits wherever the
            input did.
        output_is_personal_data: The output should still be treated as personal
            data under the GDPR (true of every pseudonymised value).
    """

    reversible: bool
    deterministic: bool
    keyed: bool
    format_preserving: bool
    output_is_personal_data: bool


class SameAsInput:
    """The `output_type` of a transform whose outputs have their input's type (`TopCode`)."""


@runtime_checkable
class Transform(Protocol):
    """
    A value-level transform: one value in, one value out; ``None`` stays ``None``.

    Attributes:
        name: The registry name used in policies (class data).
        guarantees: The declared `Guarantees` (class data).
        output_type: The type of non-``None`` outputs (`str`, `datetime.date`, `int`...),
            or `SameAsInput` when each output has the type of its input.
    """

    name: ClassVar[str]
    guarantees: ClassVar[Guarantees]
    output_type: ClassVar[type]

    def __call__(self, value: object) -> object:
        """Transform one value; raise `custdata.TransformError` if it cannot be."""
        ...

    def apply_many(self, values: Sequence[object]) -> list[object]:
        """Transform a batch; equal to ``[self(v) for v in values]``."""
        ...


@runtime_checkable
class RowTransform(Protocol):
    """
    A transform that needs other fields of the row (such as a subject id).

    A class is a `Transform` or a `RowTransform`, never both: a policy hands a
    value transform one field's values and a row transform whole rows, and the
    registry refuses a class that would be called both ways.

    Attributes:
        name: The registry name used in policies (class data).
        guarantees: The declared `Guarantees` (class data).
        requires: The names of the other fields it reads, per instance (a
            `ShiftDate` reads the subject field it was given): an attrs field
            or a read-only property.
        reads: Which row a policy hands it (class data, optional):
            ``"input"`` (the default when absent), the row as it came in, or
            ``"protected"``, the row with the other fields' rules applied, so
            that its required fields are read as they are released (a
            `ShiftDate` keyed on the contact id reads its pseudonym: whoever
            holds the released row and the key can shift its dates back). A
            policy applies the rules a ``"protected"`` row transform reads
            before it, and refuses a cycle. See `READS`.

    Optional methods, which callers look up with ``getattr`` (they are not
    members of this protocol):

    - ``apply_rows(rows)``: `apply_row` over many rows, equal to
      ``[t.apply_row(row) for row in rows]`` (or the error of the first bad row).
    - ``apply_arrow_rows(columns)``, the columnar form that frame adapters use:
      ``columns`` maps each name of the rows `apply_row` would get (the
      transform's own field and each name in ``requires``) to a pyarrow array,
      all of the same length, and it returns a pyarrow array equal to
      ``apply_rows`` on the rows ``{name: columns[name][i].as_py() ...}``,
      nulls included. If any row would be refused it raises a
      `custdata.TransformError` (that of the first refused row); the caller
      then goes row by row to find which. `ShiftDate` has one.
    """

    name: ClassVar[str]
    guarantees: ClassVar[Guarantees]

    @property
    def requires(self) -> tuple[str, ...]:
        """The names of the other fields `apply_row` reads."""
        ...

    def apply_row(self, row: Mapping[str, object]) -> object:
        """Transform the field's value using the row it belongs to."""
        ...


READS: Final = ("input", "protected")
"""The values of `RowTransform.reads`: the row a row transform reads, before or after protection."""


def row_reads(transform: object) -> str:
    """
    Which row a row transform reads: its ``reads`` class attribute, ``"input"`` by default.

    Args:
        transform: A `RowTransform` or its class.

    Returns:
        ``"input"`` or ``"protected"``.

    Raises:
        TypeError: If ``reads`` is set to another value (a programming mistake).
    """
    reads = getattr(transform, "reads", "input")
    if reads not in READS:
        owner = transform if isinstance(transform, type) else type(transform)
        msg = f"{owner.__qualname__}.reads must be 'input' or 'protected'"
        raise TypeError(msg)
    return str(reads)


# Types for which equal values are indistinguishable, so that computing each
# distinct value once cannot change a result. Floats (0.0 == -0.0), Decimals
# (1.0 == 1.00), bools (True == 1) and datetimes (equal instants in two time
# zones) are not: they are transformed one occurrence at a time.
_DEDUP_SAFE: Final[frozenset[type]] = frozenset({str, int, bytes, date, type(None)})

# apply_many always merges equal values in batches up to this size; above it, a
# sample of this many values decides (see BaseTransform._worth_merging).
_MERGE_ALWAYS_BELOW: Final = 4096
_SAMPLE: Final = 2048

# Below this many distinct values worker processes cost more than they save.
_MIN_PARALLEL: Final = 20_000

# The calling process's share of a batch split across workers, relative to an even
# share. It rebuilds the children's results after they finish, but a child's share
# costs more per value (pages copied after the fork, packing, the pipe): measured
# best for Pseudonymise on 1 000 000 values over two free cores.
_PARENT_SHARE: Final = 1.05


class BaseTransform:
    """
    The mixin built-in transforms inherit: ``None`` passthrough, errors, batches.

    Subclasses are frozen attrs classes whose fields are their parameters, and
    implement ``_one(value)`` for a non-``None`` value. They raise
    `custdata.TransformError` for values they cannot transform; any other
    exception is wrapped into one (code ``"internal_error"``) whose message
    names the exception type only, never the value.
    """

    __slots__ = ()

    name: ClassVar[str]
    guarantees: ClassVar[Guarantees]
    output_type: ClassVar[type] = str

    def _one(self, value: object) -> object:
        raise NotImplementedError

    def _many(self, values: list[object]) -> list[object]:
        """Transform distinct non-``None`` values; override for a faster batch loop."""
        one = self._one
        return [one(value) for value in values]

    def _pack(self, results: list[object]) -> bytes:
        """
        Encode a worker process's results (``None`` included) as one blob for `_unpack`.

        The default pickles the list; a transform whose results have a simple
        shape (such as ASCII pseudonyms) can send them more cheaply.
        """
        return pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)

    def _unpack(self, data: bytearray) -> list[object]:
        """Rebuild in the calling process the results a worker's `_pack` encoded."""
        # The bytes come from a child this process forked, through a private pipe.
        out: list[object] = pickle.loads(data)  # noqa: S301  # see above
        return out

    def _error(self, code: str, message: str) -> TransformError:
        """The `TransformError` of this transform: ``raise self._error(code=..., message=...)``."""
        return TransformError(self.name, code, message)

    def _wrap(self, exc: Exception) -> TransformError:
        if isinstance(exc, TransformError):
            return exc
        return TransformError(self.name, "internal_error", f"unexpected {type(exc).__name__}")

    def __call__(self, value: object) -> object:
        """
        Transform one value.

        Args:
            value: The value; ``None`` is returned unchanged.

        Returns:
            The transformed value.

        Raises:
            TransformError: If the value cannot be transformed; the message
                names the transform and the problem, never the value.
        """
        if value is None:
            return None
        try:
            return self._one(value)
        except TransformError:
            raise
        except Exception as exc:  # noqa: BLE001  # wrapped: the message must not hold the value
            raise self._wrap(exc) from None

    def apply_many(self, values: Sequence[object], *, workers: int = 1) -> list[object]:
        """
        Transform a batch, computing each distinct value once and keeping order.

        The result equals ``[self(v) for v in values]``; for a bad value it
        raises the error ``self`` would raise on the first bad value. Equal
        values are merged only when equality means identity (`str`, `int`,
        `bytes`, `datetime.date`). Batches of more than 4 096 values that a
        sample shows to be nearly all distinct are transformed in place when
        the transform is deterministic: merging would cost more than it saves,
        and the results are the same.

        Args:
            values: The values (``None`` stays ``None``).
            workers: Processes to spread the batch over, a whole number from 1 to 64.
                With more than one, batches of at least 20 000 values to transform are
                split into ``workers`` shares: this process takes the first and forks a
                child for each of the others (hashing short strings holds the GIL, so
                threads would not help). Children inherit the values and the transform
                through fork, so nothing is pickled to them and no key leaves the
                process's memory; each sends its results back as one blob. Smaller
                batches run in this process, and so does everything where ``os.fork`` is
                unavailable (Windows) or while other threads run (forking them is
                unsafe). Results and errors are those of ``workers=1``.

        Returns:
            The transformed values, in order.

        Raises:
            TransformError: If a value cannot be transformed.
            custdata.PolicyError: If ``workers`` is not a whole number from 1 to 64.
        """
        problem = _workers.check_workers(workers)
        if problem is not None:
            raise policy_error(self, "workers", problem)
        if not isinstance(values, list):
            values = list(values)
        if (
            workers > 1
            and len(values) >= _MIN_PARALLEL
            and _workers.can_fork()
            and not self._worth_merging(values)
        ):
            # Not merged, each value's result depends on it alone: the batch splits
            # into shares that are each transformed as a batch of their own.
            return _parallel(self, values, workers, whole=True)
        return self._apply(values, workers)

    def _apply(self, values: Sequence[object], workers: int) -> list[object]:
        merge = self._worth_merging(values)
        if not merge:
            done = self._unmerged(values)
            if done is not None:
                return done
        types = set(map(type, values))
        if not types <= _DEDUP_SAFE:
            return self._apply_mixed(values)
        if not merge:
            return self._in_place(values, workers)
        table = dict.fromkeys(values)
        if len(table) == len(values):
            return self._in_place(values, workers)
        table.pop(None, None)
        uniques = list(table)
        # Filling the existing table in place avoids building (and resizing) a second one.
        table.update(zip(uniques, self._run_many(uniques, workers), strict=True))
        table[None] = None
        return list(map(table.__getitem__, values))

    def _unmerged(self, values: Sequence[object]) -> list[object] | None:
        """
        Transform a batch that is not merged, in one pass, or return ``None``.

        The shortcut for batches that are nearly all distinct: a transform whose
        batch loop can tell at no cost that every value is a `str` (``str.join``
        raises on anything else, ``None`` included) returns the results here and
        skips the pass over the batch that checks types. ``None`` means "take
        the general path", which also finds and raises errors.
        """
        return None

    def _worth_merging(self, values: Sequence[object]) -> bool:
        # Merging equal values costs a hash table over the batch and a lookup per
        # value: on large batches that look nearly all distinct it costs more than
        # it saves. A deterministic transform gives the same results either way, so
        # the choice is made from a strided sample; small batches and other
        # transforms are always merged (unhashable values are never merged).
        size = len(values)
        if size <= _MERGE_ALWAYS_BELOW or not self.guarantees.deterministic:
            return True
        return _merging_pays(size, values[:: size // _SAMPLE])

    def _in_place(self, values: Sequence[object], workers: int) -> list[object]:
        present = [value for value in values if value is not None]
        if len(present) == len(values):
            return self._run_many(present, workers)
        done = iter(self._run_many(present, workers))
        return [None if value is None else next(done) for value in values]

    def _run_many(self, uniques: list[object], workers: int) -> list[object]:
        if workers > 1 and len(uniques) >= _MIN_PARALLEL and _workers.can_fork():
            return _parallel(self, uniques, workers)
        try:
            return self._many(uniques)
        except TransformError:
            raise
        except Exception as exc:  # noqa: BLE001  # wrapped: the message must not hold the value
            raise self._wrap(exc) from None

    def _apply_mixed(self, values: Sequence[object]) -> list[object]:
        memo: dict[object, object] = {}
        out: list[object] = []
        for value in values:
            if type(value) in _DEDUP_SAFE:
                try:
                    out.append(memo[value])
                except KeyError:
                    out.append(memo.setdefault(value, self(value)))
            else:
                out.append(self(value))
        return out

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Transform a pyarrow array; the result equals `apply_many` on its values.

        This generic version dictionary-encodes the array and transforms each
        distinct value once, unless a sample shows nearly all values distinct (as
        `apply_many` decides); transforms with a pyarrow.compute kernel override it.

        Args:
            array: A pyarrow array or chunked array.

        Returns:
            An array of the transformed values, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed (extra ``arrow``).
            TransformError: If a value cannot be transformed.
        """
        pa = _pyarrow()
        whole = whole_array(array)
        if not worth_encoding(self, whole):
            # apply_many's choice: on nearly all distinct values a dictionary
            # costs more than it saves.
            outputs = self.apply_many(whole.to_pylist())
            return _as_array(pa.array(outputs, type=_arrow_type(pa, self.output_type, outputs)))
        encoded = whole.dictionary_encode()
        dictionary = encoded.dictionary.to_pylist()
        outputs = self.apply_many(dictionary)
        out_dictionary = pa.array(outputs, type=_arrow_type(pa, self.output_type, outputs))
        return _as_array(out_dictionary.take(encoded.indices))


def worth_encoding(transform: BaseTransform, array: Any) -> bool:
    """
    Whether transforming each distinct value of a pyarrow array once pays.

    `BaseTransform.apply_many`'s choice for a batch, made from the same strided
    sample of the array: small arrays and transforms that are not deterministic
    always merge; a large array that looks nearly all distinct does not.

    Args:
        transform: The transform.
        array: A contiguous pyarrow array (see `whole_array`).

    Returns:
        Whether to dictionary-encode the array first.
    """
    size = len(array)
    if size <= _MERGE_ALWAYS_BELOW or not transform.guarantees.deterministic:
        return True
    pa = _pyarrow()
    return _merging_pays(size, array.take(pa.array(range(0, size, size // _SAMPLE))).to_pylist())


def _merging_pays(size: int, strided: Sequence[object]) -> bool:
    """Whether merging equal values of a batch of ``size`` pays, judged from a strided sample."""
    sample = [v for v in strided if v is not None]
    try:
        repeats = len(sample) - len(set(sample))
    except TypeError:
        return True
    if not repeats:
        return False
    # Birthday estimate of the number of distinct values in the batch.
    return len(sample) ** 2 / (2 * repeats) < size / 2


def _pyarrow() -> Any:  # the module, typed loosely on purpose
    try:
        import pyarrow as pa
    except ImportError:
        package = "pyarrow"
        raise MissingDependencyError(package, "arrow") from None
    return pa


def whole_array(array: object) -> Any:  # a pyarrow array, typed loosely on purpose
    """One contiguous array: a chunked array's chunks combined, any other array as it is."""
    pa = _pyarrow()
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _as_array(array: object) -> pa.Array[Any]:
    return cast("pa.Array[Any]", array)


def _pc() -> Any:  # the module, typed loosely on purpose
    _pyarrow()
    import pyarrow.compute as pc

    return pc


def _arrow_type(pa: Any, output_type: type, outputs: Sequence[object]) -> Any:
    if output_type is str:
        return pa.string()
    if output_type is bool:
        return pa.bool_()
    if output_type is date:
        return pa.date32()
    if output_type is SameAsInput:  # pyarrow infers it from the outputs, typed as the inputs
        return None
    if output_type is int and all(v is None or type(v) is int for v in outputs):
        return pa.int64()
    return None


# Worker processes ------------------------------------------------------------------
#
# apply_many(workers=n) splits a batch into n shares: this process transforms the
# first while a child forked by custdata._workers transforms each of the others (it
# inherits the batch and the transform, keys included, so nothing is pickled to it),
# packs its results into one blob (`BaseTransform._pack`) and sends it back through a
# pipe, where this process rebuilds them (`BaseTransform._unpack`). A child that fails
# for any reason sends nothing; its share is then transformed here, which raises
# exactly the error that workers=1 raises.


def _parallel(
    transform: BaseTransform, values: list[object], workers: int, *, whole: bool = False
) -> list[object]:
    # ``values`` are distinct non-None values for `BaseTransform._run_many`, or with
    # ``whole`` a batch as apply_many takes it (None, repeats), never merged.
    run = transform._apply if whole else transform._run_many
    pack = transform._pack
    # Shares (see _PARENT_SHARE) are sliced before forking: slicing touches every
    # value's reference count, and after the fork each such write would copy a page.
    count = len(values)
    first = min(count - 1, max(1, round(count / workers * _PARENT_SHARE)))
    rest = count - first
    cuts = [first + rest * i // (workers - 1) for i in range(workers)]
    shares = [values[a:b] for a, b in itertools.pairwise([0, *cuts]) if a < b]
    others = shares[1:]

    def work(job: int) -> bytes:
        return pack(run(others[job], 1))

    with _workers.Forked(work, len(others), len(others)) as children:
        out = run(shares[0], 1)
        for share, data in zip(others, children, strict=True):
            part = None if data is None else _unpacked(transform, data, len(share))
            if part is None:  # the child failed: this raises its error, or recovers
                part = run(share, 1)
            out += part
    return out


def _unpacked(transform: BaseTransform, data: bytearray, count: int) -> list[object] | None:
    try:
        part = transform._unpack(data)
    except Exception:  # noqa: BLE001  # treated as a failed child: recomputed here
        return None
    return part if len(part) == count else None


# The registry ----------------------------------------------------------------------

_NAME: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

# Built-in transforms by name: "module:Class", imported on first use. Adding a built-in
# is one entry here; tests/test_package.py checks the exports of custdata and
# custdata.transforms (__all__, _LAZY, the TYPE_CHECKING imports) against this table.
_BUILTINS: Final[dict[str, str]] = {
    "age_band": "custdata.transforms.generalise:AgeBand",
    "bottom_code": "custdata.transforms.generalise:BottomCode",
    "bucket": "custdata.transforms.generalise:Bucket",
    "format_preserving": "custdata.transforms.fpe:FormatPreserving",
    "keyed_scrub_text": "custdata.transforms.text:KeyedScrubText",
    "mask": "custdata.transforms.masking:Mask",
    "mask_email": "custdata.transforms.masking:MaskEmail",
    "mask_phone": "custdata.transforms.masking:MaskPhone",
    "pseudonymise": "custdata.transforms.pseudonymise:Pseudonymise",
    "redact": "custdata.transforms.masking:Redact",
    "scrub_text": "custdata.transforms.text:ScrubText",
    "shift_date": "custdata.transforms.shift:ShiftDate",
    "surrogate": "custdata.transforms.surrogate:Surrogate",
    "tokenise": "custdata.transforms.tokenise:Tokenise",
    "top_code": "custdata.transforms.generalise:TopCode",
    "truncate_date": "custdata.transforms.generalise:TruncateDate",
    "truncate_postcode": "custdata.transforms.generalise:TruncatePostcode",
}

_ENTRY_POINT_GROUP: Final = "custdata.transforms"

_lock = threading.RLock()
_registered: dict[str, type] = {}
_entry_points: dict[str, Any] | None = None

T = TypeVar("T", bound=type)


def _is_attrs_class(cls: object) -> TypeGuard[type[attrs.AttrsInstance]]:
    return isinstance(cls, type) and bool(attrs.has(cls))


def _defines(cls: type, attribute: str) -> bool:
    # Defined by the class or a base, not by the metaclass: every class is callable.
    return any(attribute in vars(base) for base in cls.__mro__ if base is not object)


def _is_value_transform(cls: type) -> bool:
    return _defines(cls, "__call__") and callable(getattr(cls, "apply_many", None))


def _is_row_transform(cls: type[attrs.AttrsInstance]) -> bool:
    if not callable(getattr(cls, "apply_row", None)):
        return False
    fields = attrs.fields_dict(cls)
    return "requires" in fields or isinstance(_static(cls, "requires"), property)


def _static(cls: type, attribute: str) -> object:
    for base in cls.__mro__:
        if attribute in vars(base):
            return vars(base)[attribute]
    return None


def _check(cls: object) -> str:
    if not _is_attrs_class(cls):
        msg = "a transform must be an attrs class (decorate it with @attrs.frozen)"
        raise TypeError(msg)
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        msg = f"{cls.__qualname__}.name must be a snake_case string class attribute"
        raise TypeError(msg)
    if not isinstance(getattr(cls, "guarantees", None), Guarantees):
        msg = f"{cls.__qualname__}.guarantees must be a Guarantees instance"
        raise TypeError(msg)
    is_value, is_row = _is_value_transform(cls), _is_row_transform(cls)
    if is_value and is_row:
        msg = (
            f"{cls.__qualname__} must be a Transform (__call__, apply_many) or a"
            " RowTransform (apply_row, requires), not both"
        )
        raise TypeError(msg)
    if is_row:
        row_reads(cls)  # a reads other than "input" or "protected" is refused here
    if is_value and not isinstance(getattr(cls, "output_type", None), type):
        msg = f"{cls.__qualname__}.output_type must be a type (class data)"
        raise TypeError(msg)
    if not (is_value or is_row):
        msg = (
            f"{cls.__qualname__} must implement __call__ and apply_many (Transform;"
            " inherit BaseTransform) or apply_row and requires (RowTransform, with"
            " requires an attrs field or a property)"
        )
        raise TypeError(msg)
    return name


def register(cls: T) -> T:
    """
    Register a transform class under its ``name``; usable as a class decorator.

    Checked at once: an attrs class, a unique snake_case ``name``, a `Guarantees`
    in ``guarantees``, and exactly one of the two kinds: a `Transform`
    (``__call__``, ``apply_many`` and an ``output_type``) or a `RowTransform`
    (``apply_row``, ``requires`` as an attrs field or a property, and ``reads``,
    if set, ``"input"`` or ``"protected"``).

    Args:
        cls: The transform class.

    Returns:
        ``cls`` unchanged.

    Raises:
        TypeError: If the class is not a valid transform.
        ValueError: If another class already has this name.
    """
    name = _check(cls)
    with _lock:
        existing = _registered.get(name)
        if existing is cls:
            return cls
        if existing is not None or (name in _BUILTINS and _builtin(name) is not cls):
            msg = f"a transform named {name!r} is already registered"
            raise ValueError(msg)
        _registered[name] = cls
    return cls


def unregister(name: str) -> None:
    """
    Remove a transform registered with `register` (built-ins cannot be removed).

    Args:
        name: The registry name.

    Raises:
        KeyError: If no such transform was registered.
    """
    with _lock:
        if name in _BUILTINS:
            msg = f"built-in transform {name!r} cannot be unregistered"
            raise ValueError(msg)
        del _registered[name]


def _builtin(name: str) -> type:
    module_name, _, class_name = _BUILTINS[name].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cast("type", cls)


def _plugins() -> dict[str, Any]:
    global _entry_points  # noqa: PLW0603  # loaded once, under the lock
    if _entry_points is None:
        from importlib.metadata import entry_points

        _entry_points = {ep.name: ep for ep in entry_points(group=_ENTRY_POINT_GROUP)}
    return _entry_points


def get(name: str) -> type:
    """
    The transform class registered under ``name``.

    Looks at transforms registered with `register`, then built-ins (imported
    on first use), then the ``custdata.transforms`` entry points of installed
    plugins (checked like `register` does).

    Args:
        name: The registry name, such as ``"pseudonymise"``.

    Returns:
        The class; call it with its parameters to build a transform.

    Raises:
        custdata.PolicyError: If no transform has this name.
        MissingDependencyError: If the transform needs a missing extra.
    """
    with _lock:
        cls = _registered.get(name)
        if cls is not None:
            return cls
        if name in _BUILTINS:
            cls = _builtin(name)
            _registered[name] = cls
            return cls
        plugin = _plugins().get(name)
        if plugin is not None:
            cls = cast("type", plugin.load())
            if _check(cls) != name:
                msg = f"entry point {name!r} loads a transform with another name"
                raise PolicyError(msg)
            _registered[name] = cls
            return cls
    msg = f"unknown transform {name!r}"
    raise PolicyError(msg)


def names() -> list[str]:
    """
    Every known transform name: built-ins, registered ones and installed plugins.

    Returns:
        The names, sorted.
    """
    with _lock:
        return sorted(set(_BUILTINS) | set(_registered) | set(_plugins()))
