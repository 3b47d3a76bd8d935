"""
The contract every registered transform keeps, and ones this test registers itself.

Value transforms, for each name in the registry: ``None`` maps to ``None``; any
input gives a value or a `TransformError` naming the transform and a code, never
the value; a string holding a lone surrogate (not text) gives output that encodes
as UTF-8 or a `TransformError`, never output nobody can write; each declared
guarantee holds; ``apply_many(v) == [t(x) for x in v]``; no key bytes in a repr,
a str or an error; a transform taking ``key_id=`` gives, under an older key of a
rotated ring, the outputs that key made (and reverses them). A transform added
to the registry without an entry in ``CASES`` is built with ``keys`` and
``domain`` if it has them, else with no parameters, and checked on text.

Row transforms (`RowTransform`) keep the same contract on rows: any row gives a
value or a `TransformError`; rows with a lone surrogate give encodable output or
an error; each declared guarantee holds (reversibility through the class's own
documented reverse, in ``ROW_CASES``); ``requires`` is per instance and says
every other field it reads; no key bytes in any text; an optional columnar
``apply_arrow_rows`` equals ``apply_rows`` on the same pyarrow columns. A row
transform added without an entry in ``ROW_CASES`` is built like a value
transform and checked on rows of text.
"""

from __future__ import annotations

import base64
import pickle
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custdata import KeyRing, TransformError
from custdata.transforms import BaseTransform, Guarantees, RowTransform, get, names, register
from custdata.transforms.base import _is_row_transform

SECRET_A = bytes(range(40, 72))
SECRET_B = bytes(range(140, 172))
RING = KeyRing.from_mapping({"ka": SECRET_A}, active="ka")
OTHER_RING = KeyRing.from_mapping({"ka": SECRET_B}, active="ka")
REFERENCE = date(2024, 6, 30)
MARKER = "zq9MarkerValue@example.fr"


@attrs.frozen(kw_only=True)
class ReverseText(BaseTransform):
    """A host transform registered by this test: reverses a string (reversible, same format)."""

    name: ClassVar[str] = "contract_reverse_text"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=True,
        deterministic=True,
        keyed=False,
        format_preserving=True,
        output_is_personal_data=True,
    )
    output_type: ClassVar[type] = str

    def _one(self, value: object) -> object:
        if not isinstance(value, str):
            raise self._error(code="wrong_type", message="expected str")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self._error(code="invalid_text", message="not text") from None
        return value[::-1]

    def reverse(self, value: str) -> str:
        """Undo the transform."""
        return value[::-1]


register(ReverseText)


@attrs.frozen(kw_only=True)
class AddOffset:
    """A host row transform registered by this test: adds another field's int (reversible)."""

    name: ClassVar[str] = "contract_add_offset"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=True,
        deterministic=True,
        keyed=False,
        format_preserving=True,
        output_is_personal_data=True,
    )
    field: str
    offset_field: str

    @property
    def requires(self) -> tuple[str, ...]:
        """The field holding the offset."""
        return (self.offset_field,)

    def apply_row(self, row: Mapping[str, object]) -> object:
        """``row[field] + row[offset_field]``; ``None`` stays ``None``."""
        value, offset = row.get(self.field), row.get(self.offset_field)
        if value is None:
            return None
        if type(value) is not int or type(offset) is not int:
            raise TransformError(self.name, "wrong_type", "expected int values")
        return value + offset

    def reverse(self, value: int, row: Mapping[str, object]) -> int:
        """Undo the transform, given the row it was applied to."""
        offset = row[self.offset_field]
        assert isinstance(offset, int)
        return value - offset


register(AddOffset)

_text = st.text(max_size=40)
_surrogate = st.integers(0xD800, 0xDFFF).map(chr)
# Strings that are not text: a lone UTF-16 surrogate somewhere (st.text never makes one).
_unpaired = st.tuples(st.text(max_size=10), _surrogate, st.text(max_size=10)).map("".join)
_numbers = st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False)


@attrs.frozen
class Case:
    """How to build one transform and which inputs it accepts."""

    params: Callable[[KeyRing], dict[str, Any]]
    valid: st.SearchStrategy[Any]
    samples: tuple[object, ...]


CASES: dict[str, Case] = {
    "age_band": Case(
        lambda _: {"reference": REFERENCE, "width": 5, "top": 90},
        st.dates(max_value=REFERENCE),
        (date(1990, 7, 14), date(1930, 1, 1)),
    ),
    "bottom_code": Case(lambda _: {"threshold": 18}, _numbers, (12, 40, 17.5)),
    "bucket": Case(lambda _: {"edges": (18, 30, 50)}, _numbers, (12, 18, 42.5, 99)),
    "contract_reverse_text": Case(lambda _: {}, _text, ("abc", "")),
    "format_preserving": Case(
        lambda ring: {"keys": ring, "domain": "card"},
        st.from_regex(r"[0-9]{6,20}", fullmatch=True),
        ("4111111111111111", "0612345678"),
    ),
    "mask": Case(lambda _: {"keep_first": 1, "keep_last": 2}, _text, ("secret", "ab")),
    "mask_email": Case(lambda _: {}, st.emails(), ("jean.dupont@example.fr",)),
    "mask_phone": Case(
        lambda _: {},
        st.from_regex(r"(\+33|0)[1-9][0-9]{8}", fullmatch=True),
        ("+33612345678", "0612345678"),
    ),
    "pseudonymise": Case(
        lambda ring: {"keys": ring, "domain": "email"}, _text, ("jean.dupont@example.fr", "")
    ),
    "redact": Case(lambda _: {}, _text | st.integers(), ("x", 3)),
    "scrub_text": Case(
        lambda _: {},
        _text,
        ("Écrivez à jean.dupont@example.fr ou au 06 12 34 56 78", "rien", ""),
    ),
    "keyed_scrub_text": Case(
        lambda ring: {"keys": ring, "domain": "comment"},
        _text,
        (
            "Écrivez à jean.dupont@example.fr ou au 06 12 34 56 78",
            "IBAN FR7630006000011234567890189",
        ),
    ),
    "surrogate": Case(
        lambda ring: {"keys": ring, "domain": "contact", "kind": "full_name", "locale": "fr_FR"},
        _text,
        ("Élodie Martin", "JEAN-PIERRE DUPONT", ""),
    ),
    "tokenise": Case(
        lambda ring: {"keys": ring, "domain": "email"}, _text, ("jean.dupont@example.fr", "")
    ),
    "top_code": Case(lambda _: {"threshold": 90}, _numbers, (97, 42, 90.5)),
    "truncate_date": Case(
        lambda _: {"unit": "quarter"}, st.dates(), (date(2024, 5, 17), "2024-12-31")
    ),
    "truncate_postcode": Case(
        lambda _: {}, st.from_regex(r"[0-9]{5}", fullmatch=True), ("75011", "2A004")
    ),
}


def _case(name: str) -> Case:
    if name in CASES:
        return CASES[name]
    fields = {a.name for a in attrs.fields(get(name)) if a.init}

    def params(ring: KeyRing) -> dict[str, Any]:
        return {"keys": ring, "domain": "contract"} if {"keys", "domain"} <= fields else {}

    return Case(params, _text, ("jean.dupont@example.fr", "abc"))


def _build(name: str, ring: KeyRing = RING) -> Any:
    return get(name)(**_case(name).params(ring))


anything = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(),
    st.binary(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.emails(),
    st.from_regex(r"\+?[0-9 ]{1,15}", fullmatch=True),
    st.sampled_from(["2024-02-30", "2024-13-01", "", " ", "@", "a@", "@b.fr", "a@.fr"]),
    _unpaired,
)


def _spoiled(value: object) -> st.SearchStrategy[object]:
    """A valid input with a lone surrogate put into it (into a row's string values too)."""
    if isinstance(value, str):
        return st.tuples(st.integers(0, len(value)), _surrogate).map(
            lambda at: value[: at[0]] + at[1] + value[at[0] :]
        )
    if isinstance(value, dict):
        texts = [key for key, item in value.items() if isinstance(item, str)]
        if texts:
            return st.sampled_from(texts).flatmap(
                lambda key: _spoiled(value[key]).map(lambda bad: {**value, key: bad})
            )
    return _unpaired


def _assert_encodable(output: object) -> None:
    """Every string in an output (a row's keys and values too) encodes as UTF-8."""
    if isinstance(output, str):
        output.encode("utf-8")
    elif isinstance(output, dict):
        for key, item in output.items():
            _assert_encodable(key)
            _assert_encodable(item)
    elif isinstance(output, list | tuple):
        for item in output:
            _assert_encodable(item)


ALL = names()
ROWS = [name for name in ALL if _is_row_transform(get(name))]
# The registry admits a class of one kind only: every other name is a value transform.
VALUES = [name for name in ALL if name not in ROWS]


def _check_error(name: str, error: TransformError, value: object) -> None:
    assert name == error.transform
    assert re.fullmatch(r"[a-z][a-z0-9_]*", error.code)
    text = str(error)
    shown = str(value)
    if isinstance(value, str | int | float | Decimal | bytes) and len(shown) >= 12:
        assert shown not in text


def _assert_no_secret(text: str) -> None:
    for secret in (SECRET_A, SECRET_B):
        for form in (secret.hex(), base64.b64encode(secret).decode(), repr(secret)):
            assert form not in text


def test_registry_lists_builtins_and_own() -> None:
    """The registry holds every built-in and the transform this test registered."""
    expected = {
        "age_band",
        "bottom_code",
        "bucket",
        "mask",
        "mask_email",
        "mask_phone",
        "pseudonymise",
        "redact",
        "surrogate",
        "top_code",
        "truncate_date",
        "truncate_postcode",
        "contract_reverse_text",
    }
    assert expected <= set(VALUES)
    assert {"shift_date", "contract_add_offset"} <= set(ROWS)


@pytest.mark.parametrize("name", VALUES)
class TestContract:
    """The transform contract, for every registered name."""

    def test_class_data(self, name: str) -> None:
        """name and guarantees are class data; the class is an attrs class."""
        cls = get(name)
        assert name == cls.name
        assert isinstance(cls.guarantees, Guarantees)
        assert attrs.has(cls)

    def test_none_passthrough(self, name: str) -> None:
        """None maps to None, alone and in batches."""
        t = _build(name)
        assert t(None) is None
        assert [None, None] == t.apply_many([None, None])

    @given(value=anything)
    def test_total(self, name: str, value: object) -> None:
        """Any input gives a value or a TransformError naming transform and code, not the value."""
        t = _build(name)
        try:
            t(value)
        except TransformError as error:
            _check_error(name, error, value)

    @given(data=st.data())
    def test_invalid_text_never_output(self, name: str, data: st.DataObject) -> None:
        """A string with a lone surrogate gives UTF-8-encodable output or a TransformError."""
        case = _case(name)
        t = _build(name)
        value = data.draw(
            _unpaired
            | case.valid.flatmap(_spoiled)
            | st.sampled_from(case.samples).flatmap(_spoiled)
        )
        for run in (lambda: t(value), lambda: t.apply_many([value, None, value])):
            try:
                output = run()
            except TransformError as error:
                _check_error(name, error, value)
            else:
                _assert_encodable(output)

    def test_error_hides_value(self, name: str) -> None:
        """A refused value never appears in the error text."""
        t = _build(name)
        texts = []
        for value in (MARKER + " not valid", [MARKER], {MARKER: 1}, MARKER.encode()):
            try:
                t(value)
            except TransformError as error:
                texts.extend([str(error), repr(error)])
        assert not any(MARKER in text for text in texts)

    @given(data=st.data())
    def test_apply_many_equals_loop(self, name: str, data: st.DataObject) -> None:
        """apply_many(v) == [t(x) for x in v], duplicates and None included."""
        case = _case(name)
        t = _build(name)
        values = data.draw(st.lists(case.valid | st.none(), max_size=12))
        values = values + values[: len(values) // 2]
        assert [t(v) for v in values] == t.apply_many(values)

    @settings(max_examples=20)
    @given(values=st.lists(anything, max_size=6))
    def test_apply_many_same_failures(self, name: str, values: list[object]) -> None:
        """On any batch, apply_many returns what the loop returns or raises the same error."""
        t = _build(name)
        try:
            expected: object = [t(v) for v in values]
        except TransformError as error:
            expected = error.code
        try:
            actual: object = t.apply_many(values)
        except TransformError as error:
            actual = error.code
        assert expected == actual

    def test_deterministic(self, name: str) -> None:
        """Deterministic transforms give equal outputs across calls, instances and pickles."""
        cls = get(name)
        if not cls.guarantees.deterministic:
            pytest.skip("not deterministic")
        t = _build(name)
        again = _build(name)
        copy = pickle.loads(pickle.dumps(t))  # noqa: S301  # our own bytes
        for value in _case(name).samples:
            assert t(value) == t(value) == again(value) == copy(value)

    def test_keyed(self, name: str) -> None:
        """Keyed transforms depend on the key; others take no key ring."""
        cls = get(name)
        t, other = _build(name), _build(name, OTHER_RING)
        samples = _case(name).samples
        if cls.guarantees.keyed:
            assert any(t(v) != other(v) for v in samples)
        else:
            assert all(t(v) == other(v) for v in samples)
            assert not any(isinstance(getattr(t, a.name), KeyRing) for a in attrs.fields(cls))

    def test_reversible(self, name: str) -> None:
        """Reversible transforms have reverse(t(x)) == x; others have no reverse."""
        cls = get(name)
        t = _build(name)
        if cls.guarantees.reversible:
            for value in _case(name).samples:
                assert value == t.reverse(t(value))
        else:
            assert not hasattr(t, "reverse")

    def test_personal_data(self, name: str) -> None:
        """Keyed or reversible outputs are declared personal data (pseudonymised data is)."""
        g = get(name).guarantees
        if g.keyed or g.reversible:
            assert g.output_is_personal_data

    def test_no_key_bytes(self, name: str) -> None:
        """No key bytes in repr, str or error text."""
        t = _build(name)
        texts = [repr(t), str(t)]
        for value in (object(), 3.5, MARKER, b"x"):
            try:
                texts.append(repr(t(value)))
            except TransformError as error:
                texts.extend([str(error), repr(error)])
        for text in texts:
            _assert_no_secret(text)


def test_datetime_inputs_are_not_merged() -> None:
    """Equal datetimes in two time zones are transformed one by one in batches."""
    from datetime import timezone

    t = _build("truncate_date")
    a = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    b = a.astimezone(timezone(timedelta(hours=2)))
    assert a == b
    assert [t(a), t(b)] == t.apply_many([a, b])
    assert t(a) != t(b)


def _takes_key_id(name: str) -> bool:
    return any(a.name == "key_id" and a.init for a in attrs.fields(get(name)))


KEY_IDS: Final = [name for name in VALUES if _takes_key_id(name)]


@pytest.mark.parametrize("name", KEY_IDS)
class TestKeyId:
    """A value transform taking key_id= makes an older key's outputs after a rotation."""

    def test_the_keyed_ones_take_it(self, name: str) -> None:
        """Pseudonymise, Tokenise and FormatPreserving are among them."""
        assert {"pseudonymise", "tokenise", "format_preserving"} <= set(KEY_IDS)
        assert _takes_key_id(name)

    def test_key_id(self, name: str) -> None:
        """Taking key_id=, it gives under an older key of a rotated ring that key's outputs."""
        cls = get(name)
        before = _build(name)
        rotated = RING.rotate(key_id="kb")
        old = cls(**_case(name).params(rotated), key_id="ka")
        for value in _case(name).samples:
            assert before(value) == old(value)
            if cls.guarantees.reversible:
                assert value == old.reverse(old(value))
        assert any(old(v) != cls(**_case(name).params(rotated))(v) for v in _case(name).samples)


@pytest.mark.parametrize("name", [n for n in VALUES if get(n).guarantees.format_preserving])
def test_format_preserving(name: str) -> None:
    """Format-preserving transforms keep the type, and the length of strings."""
    t = _build(name)
    for value in _case(name).samples:
        out = t(value)
        assert type(value) is type(out)
        if isinstance(value, str):
            assert len(value) == len(out)


def test_some_transforms_are_format_preserving() -> None:
    """The format-preserving contract above is exercised, not vacuous."""
    assert "format_preserving" in {n for n in VALUES if get(n).guarantees.format_preserving}


# Row transforms ------------------------------------------------------------------------


@attrs.frozen
class RowCase:
    """How to build one row transform, which rows it accepts and how to undo it."""

    params: Callable[[KeyRing], dict[str, Any]]
    field: str  # the field whose value apply_row transforms (its own, not in requires)
    rows: st.SearchStrategy[dict[str, Any]]
    samples: tuple[dict[str, object], ...]
    # The class's documented reverse: (transform, row, output) -> the original value.
    reverse: Callable[[Any, Mapping[str, object], object], object] | None = None


_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 1, 1))

ROW_CASES: dict[str, RowCase] = {
    "contract_add_offset": RowCase(
        lambda _: {"field": "amount", "offset_field": "delta"},
        "amount",
        st.fixed_dictionaries(
            {"amount": st.integers(-(10**9), 10**9), "delta": st.integers(-(10**6), 10**6)}
        ),
        ({"amount": 120, "delta": 7}, {"amount": -3, "delta": 0, "other": "x"}),
        lambda t, row, out: t.reverse(out, row),
    ),
    "shift_date": RowCase(
        lambda ring: {
            "keys": ring,
            "domain": "orders",
            "max_days": 30,
            "subject_field": "customer",
            "field": "ordered_on",
        },
        "ordered_on",
        st.fixed_dictionaries(
            {"customer": st.text(min_size=1, max_size=12) | st.integers(), "ordered_on": _dates}
        )
        | st.fixed_dictionaries(
            {
                "customer": st.text(min_size=1, max_size=12),
                "ordered_on": st.tuples(_dates, st.integers(0, 86_399)).map(
                    lambda at: (
                        datetime.combine(at[0], time(), tzinfo=UTC) + timedelta(seconds=at[1])
                    )
                ),
            }
        ),
        (
            {"customer": "c-1", "ordered_on": date(2024, 3, 1)},
            {"customer": "c-2", "ordered_on": date(2023, 12, 31), "total": 12},
            {"customer": 42, "ordered_on": datetime(2024, 3, 31, 1, 30, tzinfo=UTC)},
        ),
        lambda t, row, out: t.unshift(out, row["customer"]),
    ),
}


def _row_case(name: str) -> RowCase:
    if name in ROW_CASES:
        return ROW_CASES[name]
    value_case = _case(name)  # built with keys and domain if it has them
    t = get(name)(**value_case.params(RING))
    fields = (*t.requires, "value")
    return RowCase(
        value_case.params,
        "value",
        st.fixed_dictionaries(dict.fromkeys(fields, _text)),
        ({field: f"{field}-1" for field in fields},),
    )


def _build_row(name: str, ring: KeyRing = RING) -> Any:
    return get(name)(**_row_case(name).params(ring))


def _declared(name: str) -> tuple[str, ...]:
    t = _build_row(name)
    return (*t.requires, _row_case(name).field)


def _any_rows(name: str) -> st.SearchStrategy[dict[str, object]]:
    """Rows whose fields (declared or not, present or not) hold anything."""
    keys = st.sampled_from([*_declared(name), "other"]) | st.text(max_size=3)
    return st.fixed_dictionaries(dict.fromkeys(_declared(name), anything)) | st.dictionaries(
        keys, anything, max_size=4
    )


def _outcome(t: Any, row: Mapping[str, object]) -> object:
    """The output, or the code of the TransformError."""
    try:
        return t.apply_row(row)
    except TransformError as error:
        return ("error", error.code)


def _check_row_error(name: str, error: TransformError, row: Mapping[str, object]) -> None:
    for key, value in row.items():
        _check_error(name, error, key)
        _check_error(name, error, value)


@pytest.mark.parametrize("name", ROWS)
class TestRowContract:
    """The transform contract, for every registered row transform."""

    def test_class_data(self, name: str) -> None:
        """name and guarantees are class data; the class is an attrs class; a RowTransform."""
        cls = get(name)
        assert name == cls.name
        assert isinstance(cls.guarantees, Guarantees)
        assert attrs.has(cls)
        assert isinstance(_build_row(name), RowTransform)

    def test_requires_per_instance(self, name: str) -> None:
        """requires is a tuple of field names read from the instance, not class data."""
        t = _build_row(name)
        assert isinstance(t.requires, tuple)
        assert all(isinstance(field, str) and field for field in t.requires)
        assert "requires" not in vars(type(t)) or isinstance(vars(type(t))["requires"], property)

    @given(data=st.data())
    def test_reads_only_what_it_declares(self, name: str, data: st.DataObject) -> None:
        """Other fields of the row change nothing: requires says every other field it reads."""
        t = _build_row(name)
        row = data.draw(_row_case(name).rows)
        declared = set(_declared(name))
        extra = data.draw(
            st.dictionaries(st.text(max_size=5).filter(lambda k: k not in declared), anything)
        )
        only_declared = {key: value for key, value in row.items() if key in declared}
        assert _outcome(t, only_declared) == _outcome(t, {**extra, **row})

    @given(data=st.data())
    def test_total(self, name: str, data: st.DataObject) -> None:
        """Any row gives a value or a TransformError naming transform and code, not the values."""
        t = _build_row(name)
        row = data.draw(_any_rows(name))
        try:
            t.apply_row(row)
        except TransformError as error:
            _check_row_error(name, error, row)

    @given(data=st.data())
    def test_invalid_text_never_output(self, name: str, data: st.DataObject) -> None:
        """A row with a lone surrogate in a value gives encodable output or a TransformError."""
        case = _row_case(name)
        t = _build_row(name)
        row = data.draw(
            case.rows.flatmap(_spoiled) | st.sampled_from(case.samples).flatmap(_spoiled)
        )
        if not isinstance(row, dict):  # no string value to spoil: a bare bad string
            row = dict.fromkeys(_declared(name), row)
        try:
            output = t.apply_row(row)
        except TransformError as error:
            _check_row_error(name, error, row)
        else:
            _assert_encodable(output)

    def test_error_hides_value(self, name: str) -> None:
        """A refused row's values never appear in the error text."""
        t = _build_row(name)
        texts = []
        for bad in (MARKER + " not valid", [MARKER], {MARKER: 1}, MARKER.encode()):
            for field in _declared(name):
                row = {**_row_case(name).samples[0], field: bad}
                try:
                    t.apply_row(row)
                except TransformError as error:
                    texts.extend([str(error), repr(error)])
        assert not any(MARKER in text for text in texts)

    @given(data=st.data())
    def test_deterministic(self, name: str, data: st.DataObject) -> None:
        """Deterministic row transforms agree across calls, instances and pickles."""
        if not get(name).guarantees.deterministic:
            pytest.skip("not deterministic")
        t, again = _build_row(name), _build_row(name)
        copy = pickle.loads(pickle.dumps(t))  # noqa: S301  # our own bytes
        row = data.draw(_row_case(name).rows | st.sampled_from(_row_case(name).samples))
        assert _outcome(t, row) == _outcome(t, row) == _outcome(again, row) == _outcome(copy, row)

    def test_keyed(self, name: str) -> None:
        """Keyed row transforms depend on the key; others take no key ring."""
        cls = get(name)
        t, other = _build_row(name), _build_row(name, OTHER_RING)
        samples = _row_case(name).samples
        if cls.guarantees.keyed:
            assert any(t.apply_row(row) != other.apply_row(row) for row in samples)
        else:
            assert all(t.apply_row(row) == other.apply_row(row) for row in samples)
            assert not any(isinstance(getattr(t, a.name), KeyRing) for a in attrs.fields(cls))

    @given(data=st.data())
    def test_reversible(self, name: str, data: st.DataObject) -> None:
        """Reversible row transforms are undone by their documented reverse; others have none."""
        cls = get(name)
        case = _row_case(name)
        t = _build_row(name)
        if not cls.guarantees.reversible:
            assert not hasattr(t, "reverse")
            return
        assert case.reverse is not None, f"give {name} a ROW_CASES entry with its reverse"
        row = data.draw(case.rows | st.sampled_from(case.samples))
        output = _outcome(t, row)
        if isinstance(output, tuple):  # refused (out of range): nothing to undo
            return
        assert row[case.field] == case.reverse(t, row, output)

    def test_personal_data(self, name: str) -> None:
        """Keyed or reversible outputs are declared personal data."""
        g = get(name).guarantees
        if g.keyed or g.reversible:
            assert g.output_is_personal_data

    def test_format_preserving(self, name: str) -> None:
        """A format-preserving row transform keeps its field's type (and a string's length)."""
        if not get(name).guarantees.format_preserving:
            pytest.skip("not format preserving")
        case = _row_case(name)
        t = _build_row(name)
        for row in case.samples:
            value, out = row[case.field], t.apply_row(row)
            assert type(value) is type(out)
            if isinstance(value, str):
                assert len(value) == len(out)

    def test_no_key_bytes(self, name: str) -> None:
        """No key bytes in repr, str or error text."""
        t = _build_row(name)
        texts = [repr(t), str(t)]
        for row in (*_row_case(name).samples, {}, {field: object() for field in _declared(name)}):
            try:
                texts.append(repr(t.apply_row(row)))
            except TransformError as error:
                texts.extend([str(error), repr(error)])
        for text in texts:
            _assert_no_secret(text)

    @given(data=st.data())
    def test_apply_rows_equals_loop(self, name: str, data: st.DataObject) -> None:
        """A batch form, where the class offers one, equals apply_row row by row."""
        t = _build_row(name)
        if not hasattr(t, "apply_rows"):
            return
        rows = data.draw(st.lists(_row_case(name).rows, max_size=8))
        rows += rows[: len(rows) // 2]
        try:
            expected: object = [t.apply_row(row) for row in rows]
        except TransformError as error:
            expected = error.code
        try:
            actual: object = t.apply_rows(rows)
        except TransformError as error:
            actual = error.code
        assert expected == actual

    @given(data=st.data())
    def test_apply_arrow_rows_equals_apply_rows(self, name: str, data: st.DataObject) -> None:
        """The optional columnar form, where the class offers one, equals apply_rows, nulls too."""
        t = _build_row(name)
        if not hasattr(t, "apply_arrow_rows"):
            return
        pa = pytest.importorskip("pyarrow")
        fields = _declared(name)
        rows = data.draw(st.lists(_row_case(name).rows, max_size=8))
        # One Python type per column (a date column, or an aware datetime one), as a table has.
        rows = [row for row in rows if _kinds(row, fields) == _kinds(rows[0], fields)]
        holes = data.draw(
            st.lists(st.sampled_from(fields) | st.none(), min_size=len(rows), max_size=len(rows))
        )
        cells = {
            field: [
                None if hole == field else row.get(field)
                for row, hole in zip(rows, holes, strict=True)
            ]
            for field in fields
        }
        columns = {field: _arrow_column(pa, values) for field, values in cells.items()}
        views = [{field: columns[field][i].as_py() for field in fields} for i in range(len(rows))]
        expected = _rows_outcome(lambda: t.apply_rows(views))
        actual = _rows_outcome(lambda: t.apply_arrow_rows(columns).to_pylist())
        assert expected == actual


def _kinds(row: Mapping[str, object], fields: tuple[str, ...]) -> list[type]:
    """The type of each field's value in a row."""
    return [type(row.get(field)) for field in fields]


def _arrow_column(pa: Any, values: list[object]) -> Any:
    """A pyarrow array of the values, or of their text where pyarrow cannot type them."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # ints beyond int64...
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _rows_outcome(call: Callable[[], list[object]]) -> object:
    """The outputs with their UTC offsets (equal instants in two offsets are ==), or the error."""
    try:
        return [(out, out.utcoffset()) if isinstance(out, datetime) else out for out in call()]
    except TransformError as error:
        return ("error", error.code, error.message)
