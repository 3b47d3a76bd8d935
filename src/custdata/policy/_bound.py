"""`BoundPolicy` and `PolicyRun`: a policy with its transforms built, applied to rows (private)."""

from __future__ import annotations

import collections
import datetime as dt
import inspect
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from custdata.errors import Issue, PolicyError, Severity, TransformError, ValidationError
from custdata.keys import KeyRing
from custdata.model import from_flat, to_dict, to_flat
from custdata.model._codec import FieldSpec, flat_specs
from custdata.model._rows import NO_EXTRA, Reject, Row, flatten
from custdata.policy._audit import Audit, FieldCount
from custdata.policy._rules import DROP, KEEP, Resolved, build, rule_order
from custdata.transforms.base import _DEDUP_SAFE, SameAsInput
from custdata.validation import BatchValidator, content_issues

if TYPE_CHECKING:
    from custdata.model import Record, TimeZone
    from custdata.policy._policy import Policy

__all__ = ["BoundPolicy", "PolicyRun"]

_RECORD: Final = "<record>"

_SUBJECT: Final = "contact_id"
"""The field through which a free-text scrubber finds the names given to bind (names=)."""

# Distinct emails and phones whose parsed forms are kept across batches: bounded so
# that memory stays flat over millions of rows (as `custdata validate` does).
_CACHE_SIZE: Final = 20_000

KIND_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {
        "str": str,
        "int": int,
        "bool": bool,
        "decimal": Decimal,
        "date": dt.date,
        "datetime": dt.datetime,
        "enum": str,
        "list": list,
    }
)
"""The Python type of each field kind's values in a protected row (`BoundPolicy.output_types`)."""


def _column_reader(path: str, spec: FieldSpec) -> Callable[[Sequence[object]], list[object]]:
    """
    How a batch of records becomes the column of one field, as plain Python values.

    Enum members become their values, tuples lists, nested records dicts; a
    column is one comprehension, with no Python function called per value.
    """
    head, _, rest = path.partition(".")
    outer = operator.attrgetter(head)
    if rest:
        inner = operator.attrgetter(rest)

        def read(records: Sequence[object]) -> list[object]:
            return [None if value is None else inner(value) for value in map(outer, records)]

    else:

        def read(records: Sequence[object]) -> list[object]:
            return list(map(outer, records))

    if spec.kind == "enum":
        return lambda records: [None if v is None else v.value for v in read(records)]  # type: ignore[attr-defined]  # enum members
    if spec.kind != "list":
        return read
    if spec.item_kind == "record":
        return lambda records: [
            None if v is None else [to_dict(item) for item in v]  # type: ignore[attr-defined]  # tuples of records
            for v in read(records)
        ]
    if spec.item_kind == "enum":
        return lambda records: [
            None if v is None else [item.value for item in v]  # type: ignore[attr-defined]  # tuples of enum members
            for v in read(records)
        ]
    return lambda records: [None if v is None else list(v) for v in read(records)]  # type: ignore[call-overload]  # tuples


@attrs.frozen(kw_only=True)
class _Step:
    """One released field: how its input value is read, and what protects it."""

    path: str
    rule: str  # the transform's name, or keep
    kind: str  # keep, value or row
    transform: Any
    reads: str
    requires: tuple[str, ...]
    reversible: bool
    reverse_takes_key_id: bool  # its output does not name its key (shifted dates, FPE)
    key_id: str | None
    dated: bool


@attrs.define(kw_only=True)
class _Entry:
    """One input row on its way: its number, its record (or issues), what a reject shows."""

    number: int
    record: object | None
    issues: list[Issue]
    values: Mapping[str, object]
    extra: Mapping[str, object]
    # Validation errors of released fields that did not reject the row: listed in its
    # reject if something else rejects it (every issue of the row).
    invalid: Sequence[Issue] = ()  # shared while empty: no list made per row


class BoundPolicy:
    """
    A policy with every transform built with the real keys: apply it to records and streams.

    Built by `custdata.Policy.bind`. It holds no mutable state: one bound
    policy may serve many threads at once; each `apply_many` call is its own
    run with its own audit.

    Attributes:
        policy: The policy.
        today: The ``today`` it was bound with.
        reference: The reference date of its dated rules (the policy's, else ``today``).
        region: The region values are read in.
        normalise: Whether records are normalised first.
        reject_invalid: Whether a value that fails validation rejects its row.
        validate: Whether records are validated (their invalid values counted).
        output_columns: The dotted columns of a protected row, in column order.
        output_types: The Python type of each output column's values (`str`,
            `int`, `datetime.date`, `decimal.Decimal`, `list`...).
    """

    def __init__(
        self,
        *,
        policy: Policy,
        keys: KeyRing | None,
        today: dt.date | None,
        region: str,
        normalise: bool,
        reject_invalid: bool,
        validate: bool = True,
        names: Mapping[str, object] | None = None,
    ) -> None:
        if names is not None and not isinstance(cast(object, names), Mapping):
            msg = "names must map contact ids to names, or be None"
            raise TypeError(msg)
        if keys is not None and not isinstance(cast(object, keys), KeyRing):
            msg = "keys must be a custdata.KeyRing"
            raise TypeError(msg)
        day = cast(object, today)
        if day is not None and (not isinstance(day, dt.date) or isinstance(day, dt.datetime)):
            msg = "today must be a datetime.date (not a datetime), or None"
            raise TypeError(msg)
        for name, flag in (
            ("normalise", normalise),
            ("reject_invalid", reject_invalid),
            ("validate", validate),
        ):
            if not isinstance(cast(object, flag), bool):
                msg = f"{name} must be True or False"
                raise TypeError(msg)
        if not validate and (normalise or reject_invalid):
            msg = (
                "validate=False needs normalise=False and reject_invalid=False: "
                "normalising and rejecting invalid values validate each record"
            )
            raise ValueError(msg)
        BatchValidator(region=region, today=today)  # refuses an unknown region now
        self.policy = policy
        self._keys = keys
        self.today = today
        self.region = region
        self.normalise = normalise
        self.reject_invalid = reject_invalid
        self.validate = validate
        self._names = names
        resolved = policy.resolved()
        self.reference = policy.reference or today
        specs = flat_specs(policy.record_class)
        self._specs = specs
        self._subject = _SUBJECT if _SUBJECT in specs else None
        self._readers = {path: _column_reader(path, spec) for path, spec in specs.items()}
        steps: list[_Step] = []
        for path in rule_order(resolved):
            steps.append(self._step(path, resolved[path]))
        self._steps = tuple(steps)
        columns = [path for path in resolved if resolved[path].rule.transform != DROP]
        self.output_columns: tuple[str, ...] = tuple(columns)
        self._released = frozenset(columns)
        self._dropped = tuple(path for path in resolved if path not in self._released)
        self._by_path = {step.path: step for step in steps}
        self.output_types: dict[str, type] = {
            path: _output_type(self._by_path[path], specs[path]) for path in columns
        }
        self._key_ids = tuple(sorted({step.key_id for step in steps if step.key_id is not None}))
        self._record_class: type[Record] = policy.record_class
        self._known = frozenset(specs)

    def __repr__(self) -> str:
        return (
            f"BoundPolicy(policy={self.policy.name!r}, version={self.policy.version}, "
            f"record_type={self.policy.record_type!r}, key_ids={list(self._key_ids)!r})"
        )

    def _step(self, path: str, resolved: Resolved) -> _Step:
        name = resolved.rule.transform
        transform: Any = None
        if name != KEEP:
            if resolved.dated and self.reference is None:
                msg = (
                    f"{name} needs a reference date: give reference in the policy, "
                    "or today to bind()"
                )
                raise PolicyError(msg, source=self.policy.source, field=path)
            try:
                transform = build(
                    resolved,
                    keys=self._keys,
                    reference=self.reference if resolved.dated else None,
                )
            except PolicyError as error:
                raise PolicyError(error.problem, source=self.policy.source, field=path) from None
        named = self._names is not None and callable(getattr(transform, "with_names", None))
        if named:
            # A free-text scrubber given names= reads the row's contact id: it becomes a
            # row transform that also removes that contact's names.
            if self._subject is None:
                msg = f"{name} with names= needs a {_SUBJECT} field in the record"
                raise PolicyError(msg, source=self.policy.source, field=path)
            transform = transform.with_names(self._names, field=path, subject=self._subject)
        key_id = None
        if resolved.keyed and self._keys is not None:
            key_id = getattr(transform, "key_id", None) or self._keys.active
        guarantees = getattr(transform, "guarantees", None)
        reverse = getattr(transform, "reverse", None)
        return _Step(
            path=path,
            rule=name,
            kind="keep" if transform is None else ("row" if resolved.is_row or named else "value"),
            transform=transform,
            reads=resolved.reads,
            requires=(_SUBJECT,) if named else resolved.requires,
            reversible=bool(guarantees and guarantees.reversible) and callable(reverse),
            reverse_takes_key_id=callable(reverse)
            and "key_id" in inspect.signature(reverse).parameters,
            key_id=key_id,
            dated=resolved.dated,
        )

    # --- applying ------------------------------------------------------------------

    def apply(self, record: object, *, tz: TimeZone | None = None) -> dict[str, object]:
        """
        Protect one record: its flat released row.

        Args:
            record: A record of the policy's type, or a flat (dotted) or nested
                mapping of its fields.
            tz: The time zone of date-times written without an offset.

        Returns:
            The protected row: dotted keys (`output_columns`), each value a
            Python value of its rule's output type.

        Raises:
            custdata.ValidationError: If the row is rejected: its issues say why
                (a shape problem, a value a transform refuses, an invalid value
                with ``reject_invalid``).
            TypeError: If ``record`` is a record of another type.
        """
        run = self.apply_many([record], strict=True, tz=tz)
        out = next(iter(run))
        assert isinstance(out, dict)  # noqa: S101  # strict: a reject raised instead
        return out

    def apply_many(
        self,
        rows: Iterable[object],
        *,
        batch_size: int = 10_000,
        strict: bool = False,
        reject_values: bool = False,
        tz: TimeZone | None = None,
    ) -> PolicyRun:
        """
        Protect a stream of rows: a run yielding, in input order, a dict per row or a reject.

        Rows are read ``batch_size`` at a time (memory stays flat) and each
        distinct value of a batch is transformed once. A row that cannot become
        a record, or has a value a transform refuses, or (with ``reject_invalid``)
        a value that fails validation, becomes a `custdata.io.Reject` listing
        every issue of the row; the rest of the batch goes on. Counts reconcile:
        rows in = rows out + rejects. The run's `PolicyRun.audit` is complete
        once the run is exhausted.

        Args:
            rows: Records of the policy's type, flat (dotted) or nested mappings,
                or `custdata.io.Row` objects from a reader; consumed lazily.
            batch_size: Rows per batch.
            strict: Raise on the first reject instead of yielding it.
            reject_values: Keep each reject's values as read; by default a reject
                holds its row number and issues only, for rejects files that
                travel with a protected output.
            tz: The time zone of date-times written without an offset.

        Returns:
            The run: an iterator.

        Raises:
            ValueError: If ``batch_size`` is not a positive whole number.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            msg = "batch_size must be a positive integer"
            raise ValueError(msg)
        return PolicyRun(
            self, rows, batch_size=batch_size, strict=strict, reject_values=reject_values, tz=tz
        )

    # --- reversing -----------------------------------------------------------------

    def reverse(
        self,
        row: Mapping[str, object],
        *,
        key_id: str | None = None,
        tz: TimeZone | None = None,
    ) -> dict[str, object]:
        """
        Restore the fields whose rules are reversible; leave the others as they are.

        Tokens (`custdata.transforms.Tokenise`), format-preserving encryption and
        shifted dates come back with the keys; pseudonyms, masks and
        generalisations stay as released. Row transforms that read the
        protected row are reversed first, from the released values they read.

        Args:
            row: A protected row (from `apply`, or read back from a file: dates
                may be ISO strings).
            key_id: The key the row was protected with (the audit's ``key_ids``),
                for the rules whose outputs do not name their key (shifted dates,
                format-preserving encryption) after the ring was rotated; the
                active key by default. Tokens name their key.
            tz: The time zone of date-times written without an offset.

        Returns:
            A copy of the row with the reversible fields restored.

        Raises:
            custdata.InvalidToken: If a token is malformed, altered or from an
                unknown key.
            custdata.TransformError: If a value cannot be reversed.
            custdata.ValidationError: If a date cannot be read.
            custdata.KeyRingError: If ``key_id`` is not in the key ring.
        """
        out = dict(row)
        steps = [step for step in self._steps if step.reversible]
        first = [s for s in reversed(steps) if s.kind == "row" and s.reads == "protected"]
        middle = [s for s in reversed(steps) if s.kind == "value"]
        last = [s for s in reversed(steps) if s.kind == "row" and s.reads == "input"]
        for step in [*first, *middle, *last]:
            value = out.get(step.path)
            if value is None:
                continue
            by_key = {"key_id": key_id} if step.reverse_takes_key_id and key_id else {}
            if step.kind == "value":
                out[step.path] = step.transform.reverse(value, **by_key)
                continue
            view = {name: out.get(name) for name in step.requires}
            view[step.path] = self._typed(step.path, value, tz)
            out[step.path] = step.transform.reverse(view, **by_key)[step.path]
        return out

    def _typed(self, path: str, value: object, tz: TimeZone | None) -> object:
        if not isinstance(value, str):
            return value
        from custdata.model import check_tz

        parsed, issues = self._specs[path].parse(value, path, check_tz(tz))
        if issues:
            raise ValidationError(issues, record_type=self._record_class.__name__)
        return parsed

    # --- used by runs ----------------------------------------------------------------

    def _audit(self, counts: _Counts) -> Audit:
        fields = {
            path: FieldCount(
                rule=self._by_path[path].rule,
                values=counts.values[path],
                empty=counts.empty[path],
            )
            for path in self.output_columns
        }
        return Audit(
            policy=self.policy.name,
            version=self.policy.version,
            fingerprint=self.policy.fingerprint,
            record_type=self.policy.record_type,
            key_ids=self._key_ids,
            today=self.today,
            reference=self.reference if any(step.dated for step in self._steps) else None,
            region=self.region,
            normalised=self.normalise,
            reject_invalid=self.reject_invalid,
            validated=self.validate,
            rows_read=counts.read,
            rows_written=counts.written,
            rows_rejected=counts.rejected,
            fields=fields,
            dropped=self._dropped,
            invalid={path: dict(codes) for path, codes in sorted(counts.invalid.items())},
            rejects=dict(sorted(counts.reject_codes.items())),
            rejects_by_field={
                path: dict(codes) for path, codes in sorted(counts.reject_fields.items())
            },
            columns_not_passed=dict(sorted(counts.not_passed.items())),
        )


def _output_type(step: _Step, spec: FieldSpec) -> type:
    field_type = KIND_TYPES.get(spec.kind, str)
    if step.kind == "value":
        declared = getattr(step.transform, "output_type", str)
        return field_type if declared is SameAsInput else cast(type, declared)
    return field_type


@attrs.define
class _Counts:
    read: int = 0
    written: int = 0
    rejected: int = 0
    values: collections.Counter[str] = attrs.field(factory=collections.Counter)
    empty: collections.Counter[str] = attrs.field(factory=collections.Counter)
    invalid: dict[str, collections.Counter[str]] = attrs.field(
        factory=lambda: collections.defaultdict(collections.Counter)
    )
    reject_codes: collections.Counter[str] = attrs.field(factory=collections.Counter)
    reject_fields: dict[str, collections.Counter[str]] = attrs.field(
        factory=lambda: collections.defaultdict(collections.Counter)
    )
    not_passed: collections.Counter[str] = attrs.field(factory=collections.Counter)

    def add(self, other: _Counts) -> None:
        """Add the counts of another part of the same run (a forked child's) to these."""
        self.read += other.read
        self.written += other.written
        self.rejected += other.rejected
        self.values.update(other.values)
        self.empty.update(other.empty)
        self.reject_codes.update(other.reject_codes)
        self.not_passed.update(other.not_passed)
        for path, counter in other.invalid.items():
            self.invalid[path].update(counter)
        for path, counter in other.reject_fields.items():
            self.reject_fields[path].update(counter)


def _column(path: str) -> str:
    """The column an issue path points into: ``lines[2].quantity`` -> ``lines``."""
    if not path:
        return _RECORD
    return path.partition("[")[0]


class PolicyRun:
    """
    One run of a bound policy over a stream: iterate it for rows and rejects, then read `audit`.

    Yields, in input order, a `dict` per protected row (see `BoundPolicy.apply`)
    or a `custdata.io.Reject`. Built by `BoundPolicy.apply_many`.

    Attributes:
        read: Rows read so far.
        written: Protected rows yielded so far.
        rejected: Rejects yielded so far.
    """

    def __init__(
        self,
        bound: BoundPolicy,
        rows: Iterable[object],
        *,
        batch_size: int,
        strict: bool,
        reject_values: bool,
        tz: TimeZone | None,
    ) -> None:
        from custdata.model import check_tz

        self._bound = bound
        self._rows = iter(rows)
        self._batch_size = batch_size
        self._strict = strict
        self._reject_values = reject_values
        self._tz = check_tz(tz)
        self._counts = _Counts()
        self._validator = BatchValidator(
            region=bound.region, today=bound.today, cache_size=_CACHE_SIZE
        )
        self._position = 0
        self._done = False
        self._out = self._generate()

    def __iter__(self) -> Iterator[dict[str, object] | Reject]:
        return self

    def __next__(self) -> dict[str, object] | Reject:
        return next(self._out)

    @property
    def read(self) -> int:  # documented on the class
        return self._counts.read

    @property
    def written(self) -> int:  # documented on the class
        return self._counts.written

    @property
    def rejected(self) -> int:  # documented on the class
        return self._counts.rejected

    @property
    def done(self) -> bool:
        """Whether the run is exhausted, and its audit complete."""
        return self._done

    @property
    def audit(self) -> Audit:
        """
        The run's `Audit`: complete once the run is exhausted, counts so far before.

        Start and end times are left empty: give them with `Audit.with_times`.
        """
        return self._bound._audit(self._counts)

    def _generate(self) -> Iterator[dict[str, object] | Reject]:
        while True:
            batch = list(itertools.islice(self._rows, self._batch_size))
            if not batch:
                self._done = True
                return
            if not self._strict:
                yield from self._batch(batch)
                continue
            for out in self._batch(batch):
                if isinstance(out, Reject):
                    raise ValidationError(
                        out.issues, record_type=self._bound.policy.record_class.__name__
                    )
                yield out

    def _entry(self, item: object) -> _Entry:  # one return per kind of input
        bound = self._bound
        self._position += 1
        keep = self._reject_values
        if isinstance(item, Row):
            number = item.number
            for name in item.extra:
                self._counts.not_passed[name] += 1
            values = item.values if keep else NO_EXTRA
            extra = item.extra if keep else NO_EXTRA
            if item.issues:
                return _Entry(
                    number=number, record=None, issues=list(item.issues), values=values, extra=extra
                )
            return self._parsed(number, item.values, values, extra)
        number = self._position
        if isinstance(item, bound._record_class):
            values = to_flat(item) if keep else NO_EXTRA
            return _Entry(number=number, record=item, issues=[], values=values, extra=NO_EXTRA)
        if isinstance(item, Mapping):
            flat = flatten(item) if any(isinstance(v, Mapping) for v in item.values()) else item
            known = {name: value for name, value in flat.items() if name in bound._known}
            if len(known) != len(flat):
                for name in flat:
                    if name not in bound._known:
                        self._counts.not_passed[str(name)[:64]] += 1
            values = dict(flat) if keep else NO_EXTRA
            return self._parsed(number, known, values, NO_EXTRA)
        msg = (
            f"apply_many takes {bound._record_class.__name__} records, mappings or "
            f"custdata.io.Row objects, not {type(item).__name__}"
        )
        raise TypeError(msg)

    def _parsed(
        self,
        number: int,
        data: Mapping[str, object],
        values: Mapping[str, object],
        extra: Mapping[str, object],
    ) -> _Entry:
        try:
            record = from_flat(self._bound._record_class, data, tz=self._tz)  # type: ignore[arg-type]  # a checked zone
        except ValidationError as error:
            # Every issue of the row: the other fields' invalid values too.
            bound = self._bound
            invalid: Sequence[Issue] = ()
            if bound.validate:
                invalid = self._invalid(
                    content_issues(
                        data,
                        error.issues,
                        bound._record_class,
                        region=bound.region,
                        today=bound.today,
                        tz=self._tz,  # type: ignore[arg-type]  # a checked zone
                    )
                )
            return _Entry(
                number=number,
                record=None,
                issues=list(error.issues),
                values=values,
                extra=extra,
                invalid=invalid,
            )
        return _Entry(number=number, record=record, issues=[], values=values, extra=extra)

    def _invalid(self, issues: Iterable[Issue]) -> list[Issue]:
        """The validation errors of released fields (or the record), counted in the audit."""
        released = self._bound._released
        bad = [
            issue
            for issue in issues
            if issue.severity is Severity.ERROR
            and (_column(issue.path) in released or _column(issue.path) == _RECORD)
        ]
        for issue in bad:
            self._counts.invalid[_column(issue.path)][issue.code] += 1
        return bad

    def _batch(self, batch: list[object]) -> list[dict[str, object] | Reject]:
        bound = self._bound
        counts = self._counts
        entries = [self._entry(item) for item in batch]
        records, kept = self._admit(entries)
        columns = self._protect(records, kept)
        out: list[dict[str, object] | Reject] = []
        order = bound.output_columns
        index = {id(entry): i for i, entry in enumerate(kept)}
        rows_out = list(zip(*(columns[path] for path in order), strict=True)) if order else []
        written: list[int] = []
        for entry in entries:
            if entry.issues:
                out.append(self._reject(entry))
                continue
            i = index[id(entry)]
            written.append(i)
            out.append(dict(zip(order, rows_out[i], strict=True)) if order else {})
        counts.written += len(written)
        if len(written) == len(kept):
            for path in order:
                column = columns[path]
                empty = column.count(None)
                counts.empty[path] += empty
                counts.values[path] += len(column) - empty
        else:
            for path in order:
                column = columns[path]
                empty = sum(1 for i in written if column[i] is None)
                counts.empty[path] += empty
                counts.values[path] += len(written) - empty
        return out

    def _admit(self, entries: list[_Entry]) -> tuple[list[object], list[_Entry]]:
        """
        Count the entries read; validate those with a record, noting invalid values.

        Returns the records to protect (canonical when normalising) and their
        entries, in order; an entry's issues gain its invalid values when
        ``reject_invalid`` rejects them.
        """
        bound = self._bound
        self._counts.read += len(entries)
        live = [entry for entry in entries if entry.record is not None]
        if not bound.validate:
            return [entry.record for entry in live], live
        checked = self._validator.run([entry.record for entry in live])
        records: list[object] = []
        kept: list[_Entry] = []
        for entry, (canonical, report) in zip(live, checked, strict=True):
            if report.issues:  # most rows have none: nothing to count or reject
                bad = self._invalid(report.issues)
                if bad and bound.reject_invalid:
                    # Rejected, but still protected: a value a transform refuses is an issue too.
                    entry.issues.extend(bad)
                elif bad:
                    entry.invalid = bad
            records.append(canonical if bound.normalise else entry.record)
            kept.append(entry)
        return records, kept

    def _refused(
        self, entries: Sequence[_Entry], path: str, errors: Mapping[int, TransformError]
    ) -> None:
        """Note each value a transform refused as an issue of its row."""
        for i, error in errors.items():
            entries[i].issues.append(
                Issue(
                    path=path,
                    code=error.code,
                    severity=Severity.ERROR,
                    message=f"{error.transform}: {error.message}",
                )
            )

    def _reject(self, entry: _Entry) -> Reject:
        counts = self._counts
        counts.rejected += 1
        for issue in entry.issues:
            counts.reject_codes[issue.code] += 1
            counts.reject_fields[_column(issue.path)][issue.code] += 1
        issues = (*entry.invalid, *entry.issues)
        return Reject(row=entry.number, values=entry.values, issues=issues, extra=entry.extra)

    def _protect(self, records: list[object], entries: list[_Entry]) -> dict[str, list[object]]:
        """Apply every step to the batch's records, column by column; note refused values."""
        inputs: dict[str, list[object]] = {}
        protected: dict[str, list[object]] = {}
        readers = self._bound._readers

        def input_of(path: str) -> list[object]:
            column = inputs.get(path)
            if column is None:
                column = inputs[path] = readers[path](records)
            return column

        for step in self._bound._steps:
            values = input_of(step.path)
            if step.kind == "keep":
                protected[step.path] = values
                continue
            if step.kind == "value":
                results, errors = _apply_values(step.transform, values)
            else:
                source = protected if step.reads == "protected" else inputs
                needed = {
                    name: (source[name] if name in source else input_of(name))
                    for name in step.requires
                }
                views = [
                    {step.path: values[i], **{name: needed[name][i] for name in needed}}
                    for i in range(len(values))
                ]
                results, errors = _apply_rows(step.transform, views)
            self._refused(entries, step.path, errors)
            protected[step.path] = results
        return protected


def _apply_values(
    transform: Any, values: Sequence[object]
) -> tuple[list[object], dict[int, TransformError]]:
    try:
        return transform.apply_many(values), {}
    except TransformError:
        pass
    # A value was refused: transform one value at a time to find which rows to reject,
    # each distinct value once where equality means identity (as apply_many merges).
    results: list[object] = []
    errors: dict[int, TransformError] = {}
    memo: dict[object, object] = {}
    for i, value in enumerate(values):
        merge = type(value) in _DEDUP_SAFE
        if merge and value in memo:
            done = memo[value]
        else:
            try:
                done = transform(value)
            except TransformError as error:
                done = error
            if merge:
                memo[value] = done
        if isinstance(done, TransformError):
            errors[i] = done
            results.append(None)
        else:
            results.append(done)
    return results, errors


def _apply_rows(
    transform: Any, views: list[dict[str, object]]
) -> tuple[list[object], dict[int, TransformError]]:
    many = getattr(transform, "apply_rows", None)
    if callable(many):
        try:
            return list(many(views)), {}
        except TransformError:
            pass
    results: list[object] = []
    errors: dict[int, TransformError] = {}
    for i, view in enumerate(views):
        try:
            results.append(transform.apply_row(view))
        except TransformError as error:
            errors[i] = error
            results.append(None)
    return results, errors
