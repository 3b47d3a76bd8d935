"""The extension point: BaseTransform batches and errors, the registry, Arrow kernels."""

from __future__ import annotations

import builtins
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.transforms.arrow_checks import same_as_apply_many

from custdata import MissingDependencyError, PolicyError, TransformError
from custdata.transforms import (
    BaseTransform,
    Bucket,
    Guarantees,
    Mask,
    MaskEmail,
    Redact,
    RowTransform,
    Transform,
    TruncateDate,
    TruncatePostcode,
    base,
    get,
    names,
    register,
    unregister,
)

pa = pytest.importorskip("pyarrow")

G = Guarantees(
    reversible=False,
    deterministic=True,
    keyed=False,
    format_preserving=False,
    output_is_personal_data=False,
)


@attrs.frozen(kw_only=True)
class Counting(BaseTransform):
    """Counts calls to _one, to check each distinct value is computed once."""

    name: ClassVar[str] = "test_counting"
    guarantees: ClassVar[Guarantees] = G
    calls: list[object] = attrs.field(factory=list, eq=False)

    def _one(self, value: object) -> object:
        self.calls.append(value)
        if value == "boom":
            raise RuntimeError(f"secret {value}")
        return f"<{value!r}>"


class TestBaseTransform:
    """None passthrough, error wrapping and apply_many."""

    def test_distinct_values_once(self) -> None:
        """apply_many computes each distinct value once and keeps order."""
        t = Counting()
        assert ["<'a'>", "<'b'>", "<'a'>", None] == t.apply_many(["a", "b", "a", None])
        assert ["a", "b"] == t.calls

    def test_equal_but_different_values_not_merged(self) -> None:
        """True and 1, 0.0 and -0.0, Decimal 1.0 and 1.00 are computed separately."""
        t = Counting()
        values: list[object] = [1, True, 0.0, -0.0, Decimal("1.0"), Decimal("1.00"), 1]
        assert [t(v) for v in values] == t.apply_many(values)

    def test_large_batches(self) -> None:
        """Large batches, nearly all distinct or repetitive, equal the per-value loop."""
        t = Mask(keep_first=1)
        distinct: list[object] = [f"value{i}" for i in range(10_000)] + [None]
        repeated: list[object] = [f"v{i % 50}" for i in range(10_000)] + [None]
        assert [t(v) for v in distinct] == t.apply_many(distinct)
        assert [t(v) for v in repeated] == t.apply_many(repeated)

    def test_large_repetitive_batches_merged(self) -> None:
        """A large batch with few distinct values computes each once."""
        t = Counting()
        values: list[object] = [i % 50 for i in range(10_000)]
        t.apply_many(values)
        assert 50 == len(t.calls)

    def test_unhashable_values(self) -> None:
        """Unhashable values go through one at a time."""
        t = Counting()
        assert ["<[1]>", "<'a'>"] == t.apply_many([[1], "a"])

    def test_errors_wrapped_without_value(self) -> None:
        """Unexpected exceptions become TransformError naming only their type."""
        with pytest.raises(TransformError) as info:
            Counting()("boom")
        assert ("test_counting", "internal_error") == (info.value.transform, info.value.code)
        assert "secret" not in str(info.value)
        assert info.value.__cause__ is None
        with pytest.raises(TransformError, match="RuntimeError"):
            Counting().apply_many(["ok", "boom"])

    def test_is_a_transform(self) -> None:
        """Built-ins satisfy the Transform protocol."""
        assert isinstance(MaskEmail(), Transform)

    def test_thread_safe(self) -> None:
        """A shared instance gives the same results from several threads."""
        t = Mask(keep_first=1)
        values = [f"value{i}" for i in range(2000)]
        expected = t.apply_many(values)
        results: list[list[object]] = []
        threads = [
            threading.Thread(target=lambda: results.append(t.apply_many(values))) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [expected] * 4 == results


class TestRegistry:
    """register, get, names, unregister."""

    def test_builtins_lazy(self) -> None:
        """Built-ins are listed and load on first get."""
        assert {"pseudonymise", "mask_email", "bucket"} <= set(names())
        assert MaskEmail is get("mask_email")

    def test_unknown(self) -> None:
        """Unknown names raise PolicyError."""
        with pytest.raises(PolicyError, match="unknown transform"):
            get("no_such_transform")

    def test_register_and_unregister(self) -> None:
        """A host transform registers, resolves and unregisters."""
        register(Counting)
        try:
            assert Counting is get("test_counting")
            assert Counting is register(Counting)
            assert "test_counting" in names()
        finally:
            unregister("test_counting")
        with pytest.raises(PolicyError):
            get("test_counting")

    def test_duplicate_name(self) -> None:
        """Another class with a taken name is refused, built-ins included."""

        @attrs.frozen
        class Impostor(BaseTransform):
            name: ClassVar[str] = "mask_email"
            guarantees: ClassVar[Guarantees] = G

        with pytest.raises(ValueError, match="already registered"):
            register(Impostor)
        with pytest.raises(ValueError, match="cannot be unregistered"):
            unregister("mask_email")

    @pytest.mark.parametrize(
        ("attributes", "message"),
        [
            ({"name": "BadName", "guarantees": G}, "snake_case"),
            ({"name": "ok_name", "guarantees": None}, "Guarantees"),
            ({"name": 3, "guarantees": G}, "snake_case"),
        ],
    )
    def test_checked_at_registration(self, attributes: dict[str, Any], message: str) -> None:
        """Bad names and missing guarantees are refused at once."""
        cls = attrs.frozen(type("Bad", (BaseTransform,), {"__slots__": (), **attributes}))
        with pytest.raises(TypeError, match=message):
            register(cls)

    def test_not_attrs(self) -> None:
        """Plain classes are refused."""

        class Plain(BaseTransform):
            name: ClassVar[str] = "plain_one"
            guarantees: ClassVar[Guarantees] = G

        with pytest.raises(TypeError, match="attrs class"):
            register(Plain)

    def test_concurrent_get(self) -> None:
        """Concurrent lookups all resolve to the same class."""
        found: list[type] = []
        threads = [threading.Thread(target=lambda: found.append(get("bucket"))) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {Bucket} == set(found)


@attrs.frozen(kw_only=True)
class SubjectPrefix:
    """A row transform whose requires is a property of its parameter."""

    name: ClassVar[str] = "test_subject_prefix"
    guarantees: ClassVar[Guarantees] = G
    subject_field: str

    @property
    def requires(self) -> tuple[str, ...]:
        """The subject field."""
        return (self.subject_field,)

    def apply_row(self, row: Mapping[str, object]) -> object:
        """The subject, as a prefix."""
        return f"{row.get(self.subject_field)}:"


@attrs.frozen(kw_only=True)
class Joined:
    """A row transform whose requires is an attrs field."""

    name: ClassVar[str] = "test_joined"
    guarantees: ClassVar[Guarantees] = G
    requires: tuple[str, ...] = ("a", "b")

    def apply_row(self, row: Mapping[str, object]) -> object:
        """The required fields, joined."""
        return "-".join(str(row.get(field)) for field in self.requires)


class TestKinds:
    """A registered class is exactly one of Transform and RowTransform."""

    @pytest.mark.parametrize("name", sorted(base._BUILTINS))
    def test_builtins_pass_the_check(self, name: str) -> None:
        """Every built-in passes the check register applies to a host's class."""
        assert name == base._check(get(name))

    @pytest.mark.parametrize("cls", [SubjectPrefix, Joined])
    def test_row_transforms(self, cls: type) -> None:
        """requires as a property or as an attrs field: registered, and a RowTransform."""
        register(cls)
        try:
            assert cls is get(cls.name)  # type: ignore[attr-defined]
        finally:
            unregister(cls.name)  # type: ignore[attr-defined]
        instance = SubjectPrefix(subject_field="customer") if cls is SubjectPrefix else Joined()
        assert isinstance(instance, RowTransform)
        assert not isinstance(instance, Transform)

    def test_requires_per_instance(self) -> None:
        """requires follows the instance's parameters."""
        assert ("customer",) == SubjectPrefix(subject_field="customer").requires
        assert ("x",) == Joined(requires=("x",)).requires

    def test_class_level_requires_refused(self) -> None:
        """requires as class data says nothing of the instance: refused."""

        @attrs.frozen
        class Constant:
            name: ClassVar[str] = "test_constant_requires"
            guarantees: ClassVar[Guarantees] = G
            requires: ClassVar[tuple[str, ...]] = ("a",)

            def apply_row(self, row: Mapping[str, object]) -> object:
                return row.get("a")

        with pytest.raises(TypeError, match="attrs field or a property"):
            register(Constant)

    def test_reads(self) -> None:
        """Row transforms read the input row unless they say so; ShiftDate reads the protected."""
        assert "input" == base.row_reads(SubjectPrefix)
        assert "protected" == base.row_reads(get("shift_date"))

    def test_bad_reads_refused(self) -> None:
        """reads other than input or protected is refused at registration."""

        @attrs.frozen
        class Output:
            name: ClassVar[str] = "test_bad_reads"
            guarantees: ClassVar[Guarantees] = G
            reads: ClassVar[str] = "output"
            requires: tuple[str, ...] = ("a",)

            def apply_row(self, row: Mapping[str, object]) -> object:
                return row.get("a")

        with pytest.raises(TypeError, match="reads must be"):
            register(Output)
        assert "test_bad_reads" not in names()

    def test_both_kinds_refused(self) -> None:
        """A class with the methods of both kinds is refused."""

        @attrs.frozen
        class Both(BaseTransform):
            name: ClassVar[str] = "test_both_kinds"
            guarantees: ClassVar[Guarantees] = G
            field: str = "a"

            @property
            def requires(self) -> tuple[str, ...]:
                return (self.field,)

            def apply_row(self, row: Mapping[str, object]) -> object:
                return row.get(self.field)

        with pytest.raises(TypeError, match="not both"):
            register(Both)
        assert "test_both_kinds" not in names()

    def test_neither_kind_refused(self) -> None:
        """Neither kind's methods: refused (that a class is callable is not a __call__)."""

        @attrs.frozen
        class Neither:
            name: ClassVar[str] = "test_neither_kind"
            guarantees: ClassVar[Guarantees] = G

            def apply_many(self, values: list[object]) -> list[object]:
                return values

        with pytest.raises(TypeError, match="must implement"):
            register(Neither)

    def test_value_transform_needs_output_type(self) -> None:
        """A value transform declares the type of its outputs."""

        @attrs.frozen
        class Untyped:
            name: ClassVar[str] = "test_untyped"
            guarantees: ClassVar[Guarantees] = G

            def __call__(self, value: object) -> object:
                return value

            def apply_many(self, values: list[object]) -> list[object]:
                return values

        with pytest.raises(TypeError, match="output_type"):
            register(Untyped)


emails = st.emails() | st.sampled_from(["x@localhost", "a@b.c.d", "é@ü.fr", "@", "a@", "a@b."])


class TestArrow:
    """apply_arrow results equal apply_many results."""

    @given(values=st.lists(emails | st.none(), max_size=8), keep=st.booleans())
    def test_mask_email(self, values: list[str | None], keep: bool) -> None:
        """MaskEmail kernel."""
        same_as_apply_many(MaskEmail(keep_length=keep), pa.array(values, pa.string()))

    @given(
        values=st.lists(st.text() | st.none(), max_size=8), a=st.integers(0, 4), b=st.integers(0, 4)
    )
    def test_mask(self, values: list[str | None], a: int, b: int) -> None:
        """Mask kernel."""
        same_as_apply_many(Mask(keep_first=a, keep_last=b), pa.array(values, pa.string()))

    @given(
        values=st.lists(st.text(" \t0123456789AB") | st.none(), max_size=8), keep=st.integers(1, 4)
    )
    def test_truncate_postcode(self, values: list[str | None], keep: int) -> None:
        """TruncatePostcode kernel."""
        same_as_apply_many(TruncatePostcode(keep=keep), pa.array(values, pa.string()))

    @given(values=st.lists(st.dates() | st.none(), max_size=8))
    @pytest.mark.parametrize("unit", ["month", "quarter", "year"])
    def test_truncate_date(self, unit: str, values: list[date | None]) -> None:
        """TruncateDate kernel on dates."""
        same_as_apply_many(TruncateDate(unit=unit), pa.array(values, pa.date32()))  # type: ignore[arg-type]

    def test_truncate_date_timestamps(self) -> None:
        """TruncateDate kernel on aware timestamps uses their own calendar date."""
        values = [datetime(2024, 3, 31, 23, 30, tzinfo=UTC), None]
        same_as_apply_many(TruncateDate(), pa.array(values, pa.timestamp("us", tz="Europe/Paris")))
        same_as_apply_many(TruncateDate(), pa.array(values, pa.timestamp("us", tz="UTC")))

    @given(
        values=st.lists(
            st.floats(allow_infinity=False, min_value=-1e6, max_value=1e6) | st.none(), max_size=8
        )
    )
    def test_bucket_floats(self, values: list[float | None]) -> None:
        """Bucket kernel on floats (NaN refused by both)."""
        same_as_apply_many(Bucket(edges=(0, 1.5, 18)), pa.array(values, pa.float64()))

    @given(values=st.lists(st.integers(-(10**6), 10**6) | st.none(), max_size=8))
    def test_bucket_ints(self, values: list[int | None]) -> None:
        """Bucket kernel on integers, and the width fallback."""
        same_as_apply_many(Bucket(edges=(18, 30, 50)), pa.array(values, pa.int64()))
        same_as_apply_many(Bucket(width=7, origin=3), pa.array(values, pa.int64()))

    def test_redact(self) -> None:
        """Redact kernel keeps nulls."""
        same_as_apply_many(Redact(), pa.array([1, None, 3]))

    def test_chunked(self) -> None:
        """Chunked arrays are accepted."""
        chunked = pa.chunked_array([["a@b.fr"], [None, "c@d.fr"]])
        assert ["a***@b***.fr", None, "c***@d***.fr"] == MaskEmail().apply_arrow(
            chunked
        ).to_pylist()

    def test_generic_fallback(self) -> None:
        """Transforms without a kernel go through the dictionary of distinct values."""
        array = pa.array(["b", "a", "b", None])
        assert ["<'b'>", "<'a'>", "<'b'>", None] == Counting().apply_arrow(array).to_pylist()

    def test_generic_distinct_values_not_encoded(self) -> None:
        """A large array of nearly all distinct values goes to apply_many as it is."""
        values: list[str | None] = [None if i % 7 == 0 else f"v{i}" for i in range(10_000)]
        values += ["v1", "v2"]  # two repeats: computed twice, not worth a dictionary
        counting = Counting()
        actual = counting.apply_arrow(pa.array(values)).to_pylist()
        assert Counting().apply_many(values) == actual
        assert [v for v in values if v is not None] == counting.calls

    def test_generic_repeated_values_encoded(self) -> None:
        """A large array of repeated values is transformed one distinct value at a time."""
        values = [f"v{i % 50}" for i in range(10_000)]
        counting = Counting()
        actual = counting.apply_arrow(pa.chunked_array([values[:3000], values[3000:]]))
        assert Counting().apply_many(values) == actual.to_pylist()
        assert 50 == len(counting.calls)

    def test_missing_pyarrow(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow, apply_arrow raises MissingDependencyError naming the extra."""
        real_import = builtins.__import__

        def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
            if name.startswith("pyarrow"):
                raise ImportError(name)
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", fake_import)
        with pytest.raises(MissingDependencyError) as info:
            MaskEmail().apply_arrow(object())  # type: ignore[arg-type]
        assert "arrow" == info.value.extra
