"""custdata.frames: apply_frame and apply_frames give exactly what apply_many gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import attrs
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from tests.frames.support import PURCHASES, as_table

from custdata import Contact, LineItem, Money, Policy
from custdata.errors import ValidationError
from custdata.frames import (
    OFFSET_SUFFIX,
    FrameResult,
    apply_frame,
    apply_frames,
    to_arrow,
    to_pandas,
    to_polars,
)
from custdata.frames._apply import python_rows
from custdata.io import Reject
from custdata.keys import KeyRing
from custdata.model import to_flat
from custdata.policy import BoundPolicy
from custdata.synthetic import generate

KEYS: Final = KeyRing.from_mapping({"test-1": bytes(range(32))}, active="test-1")
TODAY: Final = dt.date(2026, 1, 15)
PARIS_WINTER: Final = dt.timezone(dt.timedelta(hours=1))

DATASET: Final = generate(400, seed=11, dirty=0.3, duplicates=0.05)

SHIFTED: Final = """
name = "shifted"
version = 1
record_type = "contact"
default = "keep"

[fields.contact_id]
transform = "pseudonymise"
domain = "shifted/contact_id"

[fields.birth_date]
transform = "shift_date"
subject_field = "contact_id"
max_days = 30

[fields.created_at]
transform = "truncate_date"
unit = "day"

[fields.phone]
transform = "mask_phone"
"""


def _policies() -> list[Policy]:
    builtins = (Policy.builtin(name) for name in Policy.builtin_names())
    return [
        *(policy for policy in builtins if policy.record_type == "contact"),
        Policy.loads(SHIFTED),
    ]


def _rows(result: FrameResult) -> list[dict[str, object]]:
    """The protected rows, date-times in their own offset (as apply_many gives them)."""
    return python_rows(as_table(result.frame))


def _rejects(result: FrameResult) -> list[tuple[int, str, str, str, str]]:
    table = as_table(result.rejects)
    return [
        (row["index"], row["path"], row["code"], row["severity"], row["message"])
        for row in table.to_pylist()
    ]


def _expected(
    bound: BoundPolicy, rows: Sequence[object]
) -> tuple[list[dict[str, object]], list[tuple[int, str, str, str, str]], Any]:
    run = bound.apply_many(rows)
    written: list[dict[str, object]] = []
    rejects: list[tuple[int, str, str, str, str]] = []
    for out in run:
        if isinstance(out, Reject):
            rejects.extend(
                (out.row - 1, issue.path, issue.code, issue.severity.value, issue.message)
                for issue in out.issues
            )
        else:
            written.append(out)
    return written, rejects, run.audit


def _same_cells(expected: list[dict[str, object]], actual: list[dict[str, object]]) -> None:
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual, strict=True):
        assert list(want) == [name for name in got if not name.endswith(OFFSET_SUFFIX)]
        for name, value in want.items():
            assert (name, value) == (name, got[name])
            if isinstance(value, dt.datetime):
                assert value.utcoffset() == got[name].utcoffset()  # type: ignore[union-attr]


class TestSameAsApplyMany:
    """Every cell, reject and audit count of apply_frame equals apply_many's."""

    @pytest.mark.parametrize("policy", _policies(), ids=lambda policy: policy.name)
    @pytest.mark.parametrize("normalise", [False, True])
    @pytest.mark.parametrize("reject_invalid", [False, True])
    def test_every_cell_on_arrow(
        self, policy: Policy, normalise: bool, reject_invalid: bool
    ) -> None:
        """Arrow tables: the same rows, rejects and audit as apply_many on the records."""
        bound = policy.bind(
            keys=KEYS, today=TODAY, normalise=normalise, reject_invalid=reject_invalid
        )
        records = DATASET.contacts
        written, rejects, audit = _expected(bound, records)
        result = apply_frame(bound, to_arrow(records), batch_size=150)
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert audit == result.audit
        assert (result.rows, result.written, result.rejected) == (
            len(records),
            len(written),
            len(records) - len(written),
        )

    @pytest.mark.parametrize("convert", [to_pandas, to_polars], ids=["pandas", "polars"])
    def test_pandas_and_polars(self, convert: Any) -> None:
        """pandas and polars frames give the cells of the Arrow path, in their own kind."""
        bound = Policy.loads(SHIFTED).bind(keys=KEYS, today=TODAY)
        records = DATASET.contacts
        written, rejects, audit = _expected(bound, records)
        frame = convert(records)
        result = apply_frame(bound, frame)
        assert type(frame) is type(result.frame)
        assert type(frame) is type(result.rejects)
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert audit == result.audit

    def test_refused_values_reject_their_rows(self) -> None:
        """A value a transform refuses (a phone that is not one) rejects its row, as apply_many."""
        bound = Policy.loads(SHIFTED).bind(keys=KEYS, today=TODAY, normalise=False)
        records = [
            Contact(contact_id="C-1", phone="+33 6 12 34 56 78"),
            Contact(contact_id="C-2", phone="not a phone"),
            Contact(contact_id="C-3"),
        ]
        written, rejects, audit = _expected(bound, records)
        result = apply_frame(bound, to_arrow(records))
        assert 1 == result.rejected
        assert (0, 2) == result.indices
        assert {1} == {reject[0] for reject in _rejects(result)}
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert audit == result.audit

    def test_text_columns_with_unreadable_cells(self) -> None:
        """A frame of text cells: unreadable cells reject their rows with every issue, as files."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        flat = [
            {"contact_id": "C-1", "email": "a@example.com", "birth_date": "1980-02-03"},
            {"contact_id": "C-2", "email": "not an email", "birth_date": "31/02/1980"},
            {"contact_id": "C-3", "email": None, "birth_date": None},
        ]
        written, rejects, audit = _expected(bound, flat)
        table = pa.Table.from_pylist(flat)
        result = apply_frame(bound, table)
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert {"birth_date", "email"} == {reject[1] for reject in _rejects(result)}
        assert audit == result.audit

    def test_purchases_with_lines_and_amounts(self) -> None:
        """Kept amounts, lines and date-times come out typed, equal to apply_many's values."""
        bound = Policy.loads(PURCHASES).bind(keys=KEYS, today=TODAY)
        records = DATASET.purchases[:300]
        written, rejects, audit = _expected(bound, records)
        result = apply_frame(bound, to_arrow(records))
        schema = as_table(result.frame).schema
        assert pa.decimal128(18, 4) == schema.field("total.amount").type
        assert pa.types.is_list(schema.field("lines").type)
        rows = _rows(result)
        for row in rows:  # lines are structs: compare them as records
            row["lines"] = [
                LineItem(
                    sku=line["sku"],
                    quantity=line["quantity"],
                    unit_price=Money(
                        amount=line["unit_price.amount"], currency=line["unit_price.currency"]
                    ),
                    name=line["name"],
                    category=line["category"],
                )
                for line in row["lines"]  # type: ignore[attr-defined]
            ]
        for row in written:
            row["lines"] = [
                LineItem(
                    sku=line["sku"],
                    quantity=line["quantity"],
                    unit_price=Money(
                        amount=Decimal(line["unit_price"]["amount"]),
                        currency=line["unit_price"]["currency"],
                    ),
                    name=line.get("name"),
                    category=line.get("category"),
                )
                for line in row["lines"]  # type: ignore[attr-defined]
            ]
        _same_cells(written, rows)
        assert rejects == _rejects(result)
        assert audit == result.audit


class TestOutputTypes:
    """Each output column has its rule's output type; a kept field keeps its schema type."""

    def test_types(self) -> None:
        """Bands and pseudonyms are strings, shifted dates dates, kept date-times with offsets."""
        bound = Policy.loads(SHIFTED).bind(keys=KEYS, today=TODAY)
        schema = apply_frame(bound, to_arrow(DATASET.contacts[:20])).frame.schema
        typed = to_arrow([], Contact).schema
        assert pa.string() == schema.field("contact_id").type
        assert pa.date32() == schema.field("birth_date").type
        assert pa.string() == schema.field("created_at").type  # a day label
        assert typed.field("gender").type == schema.field("gender").type
        moment = "last_interaction_at"
        assert typed.field(moment).type == schema.field(moment).type
        assert pa.int16() == schema.field(moment + OFFSET_SUFFIX).type
        age = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        ages = apply_frame(age, to_arrow(DATASET.contacts[:20])).frame.schema
        assert pa.string() == ages.field("birth_date").type


class TestDatesInTheirOwnOffset:
    """Truncating a date-time gives the day of its own offset, on every path."""

    def test_just_after_midnight_in_paris(self) -> None:
        """00:30 at +01:00 is still that day (23:30 the day before in UTC)."""
        bound = Policy.loads(SHIFTED).bind(keys=KEYS, today=TODAY)
        record = Contact(
            contact_id="C-1", created_at=dt.datetime(2024, 3, 1, 0, 30, tzinfo=PARIS_WINTER)
        )
        result = apply_frame(bound, to_arrow([record]))
        row = _rows(result)[0]
        assert "2024-03-01" == row["created_at"]
        assert bound.apply(record)["created_at"] == row["created_at"]


class TestStreams:
    """apply_frames: record batches stream through, indices count across them."""

    def test_batches_give_what_the_whole_frame_gives(self) -> None:
        """The parts of a stream, put together, are the whole frame's result."""
        bound = Policy.builtin("support-view").bind(keys=KEYS, today=TODAY, reject_invalid=True)
        table = to_arrow(DATASET.contacts)
        whole = apply_frame(bound, table)
        run = apply_frames(bound, table.to_batches(max_chunksize=70))
        parts = list(run)
        assert 1 < len(parts)
        assert all(isinstance(part.frame, pa.RecordBatch) for part in parts)
        assert whole.indices == tuple(index for part in parts for index in part.indices)
        assert _rejects(whole) == [reject for part in parts for reject in _rejects(part)]
        assert _rows(whole) == [row for part in parts for row in _rows(part)]
        assert whole.audit == run.audit
        assert whole.rejected > 0

    def test_pandas_row_labels_are_kept(self) -> None:
        """A pandas result keeps the labels of its input rows, rejected ones left out."""
        bound = Policy.loads(SHIFTED).bind(keys=KEYS, today=TODAY, normalise=False)
        records = [Contact(contact_id=f"C-{i}", phone="bad" if i == 1 else None) for i in range(3)]
        frame = to_pandas(records)
        frame.index = pd.Index(["a", "b", "c"])
        result = apply_frame(bound, frame)
        assert ["a", "c"] == list(result.frame.index)
        assert {1} == set(result.rejects["index"])

    def test_counts_reconcile_on_an_empty_frame(self) -> None:
        """An empty frame gives an empty result, with the output columns."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        result = apply_frame(bound, to_arrow([], Contact))
        assert (0, 0, 0) == (result.rows, result.written, result.rejected)
        assert list(bound.output_columns) == as_table(result.frame).column_names
        assert 0 == result.audit.rows_read


class TestBadInput:
    """Bad arguments fail before any row is read, with clear errors."""

    def test_not_a_frame(self) -> None:
        """A list of rows is not a frame."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        with pytest.raises(TypeError, match="expected a pyarrow Table"):
            apply_frame(bound, [to_flat(Contact(contact_id="C-1"))])

    def test_not_a_bound_policy(self) -> None:
        """A policy must be bound with its keys first."""
        with pytest.raises(TypeError, match="BoundPolicy"):
            apply_frame(Policy.builtin("partner-share"), to_arrow([], Contact))  # type: ignore[arg-type]

    @pytest.mark.parametrize("size", [0, -1, True, 1.5])
    def test_batch_size(self, size: object) -> None:
        """batch_size is a positive whole number."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        with pytest.raises(ValueError, match="batch_size"):
            apply_frame(bound, to_arrow([], Contact), batch_size=size)  # type: ignore[arg-type]

    def test_unknown_columns_are_counted_not_passed(self) -> None:
        """A column of no field is never released, and counted in the audit, as apply_many does."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        flat = [{"contact_id": "C-1", "shoe_size": "42"}, {"contact_id": "C-2", "shoe_size": None}]
        written, rejects, audit = _expected(bound, flat)
        result = apply_frame(bound, pa.Table.from_pylist(flat))
        assert "shoe_size" not in as_table(result.frame).column_names
        assert {"shoe_size": 2} == dict(result.audit.columns_not_passed)
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert audit == result.audit

    def test_duplicate_column_is_named(self) -> None:
        """A column given twice is refused before any row is read."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        table = pa.Table.from_arrays([pa.array(["C-1"]), pa.array(["C-2"])], ["contact_id"] * 2)
        with pytest.raises(ValidationError, match="duplicate_column"):
            apply_frame(bound, table)


def test_polars_frame_in_polars_out() -> None:
    """A polars frame gives a polars frame whose columns are the policy's."""
    bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
    result = apply_frame(bound, to_polars(DATASET.contacts[:20]))
    assert isinstance(result.frame, pl.DataFrame)
    assert list(bound.output_columns) == result.frame.columns


class TestWithoutValidation:
    """validate=False: typed frames are protected from their columns, with apply_many's results."""

    @staticmethod
    def _bound(policy: Policy) -> BoundPolicy:
        return policy.bind(keys=KEYS, today=TODAY, normalise=False, validate=False)

    @pytest.mark.parametrize("policy", _policies(), ids=lambda policy: policy.name)
    @pytest.mark.parametrize("convert", [to_arrow, to_pandas, to_polars])
    def test_every_cell(self, policy: Policy, convert: Any) -> None:
        """Every built-in policy, on Arrow, pandas and polars: the cells, rejects and audit."""
        bound = self._bound(policy)
        records = DATASET.contacts
        written, rejects, audit = _expected(bound, records)
        result = apply_frame(bound, convert(records), batch_size=150)
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert audit == result.audit
        assert not audit.validated
        assert {} == dict(audit.invalid)

    def test_no_record_is_built_for_rows_that_fit(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Rows of a typed frame that fit are not read into records; the others are."""
        import custdata.frames._apply as module

        read: list[int] = []
        original = module.read_rows

        def counting(frame: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(frame, *args, **kwargs)
            read.append(out.count)
            return out

        monkeypatch.setattr(module, "read_rows", counting)
        bound = self._bound(Policy.loads(SHIFTED))
        table = to_arrow(DATASET.contacts)
        apply_frame(bound, table)
        assert [] == read
        messy = table.set_column(
            table.schema.get_field_index("contact_id"),
            "contact_id",
            pa.array([None, *table.column("contact_id").to_pylist()[1:]], pa.string()),
        )
        result = apply_frame(bound, messy)
        assert [1] == read
        assert [0] == sorted({reject[0] for reject in _rejects(result)})

    def test_messy_typed_values(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Enum spellings, bad enum values, nulls where required, half addresses, null items."""
        import custdata.frames._apply as module

        bound = self._bound(Policy.loads(SHIFTED))
        schema = pa.schema(
            [
                pa.field("contact_id", pa.string()),
                pa.field("gender", pa.string()),
                pa.field("preferred_channels", pa.list_(pa.string())),
                pa.field("interests", pa.list_(pa.string())),
                pa.field("address.city", pa.string()),
                pa.field("address.country", pa.string()),
                pa.field("created_at", pa.timestamp("ns", tz="Europe/Paris")),
                pa.field("created_at" + OFFSET_SUFFIX, pa.int32()),
            ]
        )
        moment = dt.datetime(2024, 3, 1, 0, 30, tzinfo=PARIS_WINTER)
        rows = [
            ["C-1", " Female", ["Email", "sms"], ["golf"], "Lyon", None, moment, 60],
            ["C-2", "robot", None, None, None, "FR", None, None],
            [None, None, [None], [], None, None, moment, 2000],
            ["C-4", None, ["fax machine"], ["a", None], None, None, moment, None],
            ["C-5", "male", [], None, "Paris", "fr", moment, -300],
        ]
        table = pa.table(list(zip(*rows, strict=True)), schema=schema)
        result = apply_frame(bound, table)
        assert (0, 4) == result.indices
        # The same rows through records (the path of frames that are not typed).
        monkeypatch.setattr(module, "_typed", lambda *_: None)
        via_records = apply_frame(bound, table)
        assert _rows(via_records) == _rows(result)
        assert _rejects(via_records) == _rejects(result)
        assert via_records.audit == result.audit
        # And apply_many on the same values, date-times in their own offset.
        flat = table.to_pylist()
        for row in flat:
            minutes = row.pop("created_at" + OFFSET_SUFFIX)
            if minutes is not None:
                zone = dt.timezone(dt.timedelta(minutes=minutes if abs(minutes) < 1440 else 0))
                row["created_at"] = row["created_at"].astimezone(zone)
        written, rejects, _ = _expected(bound, flat)
        _same_cells(written, _rows(result))
        assert {0, 1, 2, 3, 4} - {reject[0] for reject in rejects} == set(result.indices)

    def test_validate_false_needs_no_normalising(self) -> None:
        """validate=False with normalise or reject_invalid is refused."""
        with pytest.raises(ValueError, match="validate=False"):
            Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY, validate=False)
        with pytest.raises(ValueError, match="validate=False"):
            Policy.builtin("partner-share").bind(
                keys=KEYS, today=TODAY, normalise=False, reject_invalid=True, validate=False
            )


class TestLargeColumns:
    """Columns above apply_many's merging threshold: kernels on each distinct value or on all."""

    @staticmethod
    def _contacts(distinct: bool) -> list[Contact]:
        base = [c for c in DATASET.contacts if c.phone is not None]
        return [
            attrs.evolve(
                base[i % len(base)],
                contact_id=f"C-{i}",
                phone=f"+336{i:08d}" if distinct else base[i % len(base)].phone,
            )
            for i in range(6_000)
        ]

    @pytest.mark.parametrize("distinct", [False, True])
    @pytest.mark.parametrize("policy", ["partner-share", "shifted"])
    def test_every_cell(self, policy: str, distinct: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        """Repeated and distinct phone numbers: the cells, rejects and audit of apply_many."""
        import custdata.frames._apply as module
        from custdata.transforms import MaskPhone

        chosen = Policy.loads(SHIFTED) if policy == "shifted" else Policy.builtin(policy)
        bound = chosen.bind(keys=KEYS, today=TODAY, normalise=False, validate=False)
        records = self._contacts(distinct)
        written, rejects, audit = _expected(bound, records)
        decided: list[bool] = []
        original = module.worth_encoding

        def spy(transform: Any, array: object) -> bool:
            answer = original(transform, array)
            if isinstance(transform, MaskPhone):
                decided.append(answer)
            return answer

        monkeypatch.setattr(module, "worth_encoding", spy)
        result = apply_frame(bound, to_arrow(records))
        _same_cells(written, _rows(result))
        assert rejects == _rejects(result)
        assert audit == result.audit
        assert [not distinct] == decided


class TestWorkers:
    """apply_frame(workers=n): slices protected in forked children give the one-process result."""

    @staticmethod
    def _same(want: FrameResult, got: FrameResult) -> None:
        assert want.indices == got.indices
        assert (want.rows, want.written, want.rejected) == (got.rows, got.written, got.rejected)
        assert _rows(want) == _rows(got)
        assert _rejects(want) == _rejects(got)
        assert want.audit == got.audit

    @pytest.mark.parametrize("validate", [True, False])
    @pytest.mark.parametrize("convert", [to_arrow, to_pandas, to_polars])
    def test_same_result(self, convert: Any, validate: bool) -> None:
        """Every cell, reject, index and audit count equals the one-process run's."""
        bound = Policy.loads(SHIFTED).bind(
            keys=KEYS,
            today=TODAY,
            normalise=validate,
            validate=validate,
            reject_invalid=validate,
        )
        frame = convert(DATASET.contacts)
        one = apply_frame(bound, frame, batch_size=70)
        two = apply_frame(bound, frame, batch_size=70, workers=3)
        assert one.rejected > 0 or not validate
        self._same(one, two)
        assert type(one.frame) is type(two.frame)
        if isinstance(frame, pd.DataFrame):
            assert list(one.frame.index) == list(two.frame.index)

    def test_children_do_the_work(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The slices are protected in other processes than the caller's."""
        import os

        import custdata.frames._apply as module

        pids: list[int] = []
        original = module._ArrowRun.protect_apart

        def noting(self: Any, *args: Any) -> Any:
            done, counts = original(self, *args)
            # The pid travels back in the result: the child's list is its own copy.
            done.rejects.append(os.getpid())
            return done, counts

        def reading(self: Any, pa_: Any, kind: str, frame: Any, done: Any) -> Any:
            pids.append(done.rejects.pop())
            return original_result(self, pa_, kind, frame, done)

        original_result = module._ArrowRun.result
        monkeypatch.setattr(module._ArrowRun, "protect_apart", noting)
        monkeypatch.setattr(module._ArrowRun, "result", reading)
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY, normalise=False)
        table = to_arrow([Contact(contact_id=f"C-{i}") for i in range(40)])
        result = apply_frame(bound, table, batch_size=10, workers=2)
        assert 40 == result.written
        assert 4 == len(pids)
        assert os.getpid() not in pids
        assert 2 == len(set(pids))

    def test_a_failing_child_raises_the_error_here(self) -> None:
        """An error in a child's slice is raised by the caller, as one process raises it."""
        policy = Policy.loads(SHIFTED)
        bound = policy.bind(keys=KEYS, today=TODAY, normalise=False)
        table = to_arrow([Contact(contact_id=f"C-{i}") for i in range(40)])
        bad = table.append_column("shoe_size", pa.array(["42"] * 40))
        with pytest.raises(ValidationError) as one:
            apply_frame(bound, bad.rename_columns([*bad.column_names[:-1], "contact_id"]))
        with pytest.raises(ValidationError) as two:
            apply_frame(
                bound,
                bad.rename_columns([*bad.column_names[:-1], "contact_id"]),
                batch_size=10,
                workers=2,
            )
        assert str(one.value) == str(two.value)

    def test_while_another_thread_runs(self) -> None:
        """With another thread running, the frame is protected here, with the same result."""
        import threading

        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        table = to_arrow(DATASET.contacts)
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            two = apply_frame(bound, table, batch_size=70, workers=2)
        finally:
            stop.set()
            thread.join()
        self._same(apply_frame(bound, table, batch_size=70), two)

    @pytest.mark.parametrize("workers", [0, -1, 65, True, 1.5, "2"])
    def test_bad_workers(self, workers: object) -> None:
        """workers is a whole number from 1 to 64."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        with pytest.raises(ValueError, match="workers must be a whole number from 1 to 64"):
            apply_frame(bound, to_arrow([], Contact), workers=workers)  # type: ignore[arg-type]
