"""
The contract every registered transform keeps, and one this test registers itself.

For each name in the registry: ``None`` maps to ``None``; any input gives a value
or a `TransformError` naming the transform and a code, never the value; a string
holding a lone surrogate (not text) gives output that encodes as UTF-8 or a
`TransformError`, never output nobody can write; each declared guarantee holds;
``apply_many(v) == [t(x) for x in v]``; no key bytes in a repr, a str or an
error. A transform added to the registry without an entry in ``CASES`` is built
with ``keys`` and ``domain`` if it has them, else with no parameters, and
checked on text.
"""

from __future__ import annotations

import base64
import pickle
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custdata import KeyRing, TransformError
from custdata.transforms import BaseTransform, Guarantees, get, names, register

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
    "shift_date": Case(
        lambda ring: {
            "keys": ring,
            "domain": "orders",
            "max_days": 30,
            "subject_field": "customer",
            "field": "ordered_on",
        },
        st.fixed_dictionaries(
            {
                "customer": st.text(min_size=1, max_size=12),
                "ordered_on": st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 1, 1)),
            }
        ),
        (
            {"customer": "c-1", "ordered_on": date(2024, 3, 1)},
            {"customer": "c-2", "ordered_on": date(2023, 12, 31), "total": 12},
        ),
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
        "top_code",
        "truncate_date",
        "truncate_postcode",
        "contract_reverse_text",
    }
    assert expected <= set(ALL)


@pytest.mark.parametrize("name", ALL)
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
    from datetime import timedelta, timezone

    t = _build("truncate_date")
    a = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    b = a.astimezone(timezone(timedelta(hours=2)))
    assert a == b
    assert [t(a), t(b)] == t.apply_many([a, b])
    assert t(a) != t(b)


@pytest.mark.parametrize("name", [n for n in ALL if get(n).guarantees.format_preserving])
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
    assert "format_preserving" in {n for n in ALL if get(n).guarantees.format_preserving}
