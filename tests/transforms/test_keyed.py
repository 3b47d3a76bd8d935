"""The keyed-transform base: one key-ring check, one derived-key cache, pickling, worker blobs."""

from __future__ import annotations

import inspect
import pickle
import threading
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import KeyRing, KeyRingError
from custdata.transforms import (
    FormatPreserving,
    Pseudonymise,
    ShiftDate,
    Tokenise,
    fpe,
    pseudonymise,
    shift,
    tokenise,
)
from custdata.transforms._keyed import AsciiResults, Keyed

SECRET = bytes(range(100, 132))
OLD = bytes(range(1, 33))
RING = KeyRing.from_mapping({"k0": OLD, "k1": SECRET}, active="k1")
BUILDS: dict[str, Any] = {
    "pseudonymise": lambda ring: Pseudonymise(keys=ring, domain="email", bits=192),
    "tokenise": lambda ring: Tokenise(keys=ring, domain="email"),
    "format_preserving": lambda ring: FormatPreserving(
        keys=ring, domain="phone", alphabet="0123456789", min_length=8, keep_country_code=True
    ),
    "shift_date": lambda ring: ShiftDate(
        keys=ring, domain="orders", max_days=40, subject_field="customer", field="day"
    ),
}
VALUES = ["+33 6 12 34 56 78", "0612345678", "+1 202 555 0143"]


def _outputs(transform: Any) -> list[object]:
    """What a transform makes of a few values, with the active key and with the old one."""
    if isinstance(transform, ShiftDate):
        rows = [{"customer": value, "day": date(2024, 3, 1)} for value in VALUES]
        return [transform.apply_row(row) for row in rows] + [
            transform.unshift(date(2024, 3, 1), value, key_id="k0") for value in VALUES
        ]
    if isinstance(transform, FormatPreserving):
        return [*map(transform, VALUES), *(transform.reverse(v, key_id="k0") for v in VALUES)]
    if isinstance(transform, Tokenise):
        old = Tokenise(keys=KeyRing.from_mapping({"k0": OLD}, active="k0"), domain="email")
        return [*map(transform, VALUES), *(transform.reverse(old(v)) for v in VALUES)]
    return [*map(transform, VALUES), *transform.repseudonymise(VALUES).items()]


@pytest.mark.parametrize("name", sorted(BUILDS))
class TestKeyed:
    """What every keyed transform gets from the one base."""

    def test_uses_the_base(self, name: str) -> None:
        """The transform inherits Keyed and defines none of its parts again."""
        transform = BUILDS[name](RING)
        assert isinstance(transform, Keyed)
        own = vars(type(transform))
        for part in ("__reduce__", "_keyed", "_derive", "_pack", "_unpack"):
            assert part not in own

    def test_pickle_round_trip(self, name: str) -> None:
        """A pickled transform carries its key ring and gives equal outputs, old keys included."""
        transform = BUILDS[name](RING)
        copy = pickle.loads(pickle.dumps(transform))  # noqa: S301  # our own bytes
        assert type(transform) is type(copy)
        assert transform == copy
        assert RING == copy.keys
        assert _outputs(transform) == _outputs(copy)

    def test_pickle_carries_the_key(self, name: str) -> None:
        """As docs/keys.md says: the pickle holds the master keys, the repr none of them."""
        transform = BUILDS[name](RING)
        blob = pickle.dumps(transform)
        assert SECRET in blob
        assert OLD in blob
        assert SECRET.hex() not in repr(transform)

    def test_pickle_holds_no_derived_state(self, name: str) -> None:
        """Only parameters are pickled: the cache of derived keys is rebuilt, not copied."""
        transform = BUILDS[name](RING)
        _outputs(transform)  # fills the cache with the old key's primitive too
        copy = pickle.loads(pickle.dumps(transform))  # noqa: S301  # our own bytes
        assert ["k1"] == list(copy._derived)

    def test_one_primitive_per_key_id(self, name: str) -> None:
        """Each key id's primitive is built once, and kept."""
        transform = BUILDS[name](RING)
        first = transform._keyed("k0")
        assert first is transform._keyed("k0")
        assert transform._keyed() is transform._keyed("k1")
        assert first is not transform._keyed("k1")

    @pytest.mark.parametrize("key_id", ["k9", "", 7, ["k1"], None])
    def test_unknown_key_id(self, name: str, key_id: Any) -> None:
        """A key id not in the ring is a KeyRingError (None means the active key)."""
        transform = BUILDS[name](RING)
        if key_id is None:
            assert transform._keyed() is transform._keyed(key_id)
            return
        with pytest.raises(KeyRingError, match="unknown key id"):
            transform._keyed(key_id)

    def test_threads_share_one_primitive(self, name: str) -> None:
        """Threads asking for one key id at once all get the same primitive."""
        transform = BUILDS[name](RING)
        start = threading.Barrier(8)
        got: list[object] = []

        def ask() -> None:
            start.wait()
            got.append(transform._keyed("k0"))

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert 8 == len(got)
        assert all(item is got[0] for item in got)

    @pytest.mark.parametrize("keys", [None, "keys.json", {"k1": SECRET}])
    def test_key_ring_checked(self, name: str, keys: object) -> None:
        """keys must be a KeyRing: anything else is a TypeError naming it."""
        with pytest.raises(TypeError, match=r"keys must be a custdata\.KeyRing"):
            BUILDS[name](keys)


def test_no_copy_left_in_transforms() -> None:
    """No keyed transform module keeps its own key-ring check, cache, rebuild or lock."""
    for module in (fpe, pseudonymise, shift, tokenise):
        source = inspect.getsource(module)
        for copy in ("_check_key", "_rebuild", "_readers", "_macs", "_ff1s", "def _pack"):
            assert copy not in source


class _Echo(AsciiResults):
    """An AsciiResults with nothing else: its _pack and _unpack under test."""

    name = "echo"


_RESULTS = st.lists(
    st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1),
    max_size=20,
)


class TestAsciiResults:
    """The newline-joined blob a worker sends back."""

    @given(results=_RESULTS)
    def test_round_trip(self, results: list[str | None]) -> None:
        """Unpacking a packed list gives it back, None included."""
        echo = _Echo()
        assert results == echo._unpack(bytearray(echo._pack(list(results))))

    @pytest.mark.parametrize(
        ("results", "blob"),
        [
            ([], b""),
            (["a", "bc"], b"a\nbc\n"),
            ([None], b"\n?"),
            (["a", None, "b"], b"a\n\nb\n?"),
        ],
    )
    def test_layout(self, results: list[object], blob: bytes) -> None:
        """One line per result; a final '?' says that empty lines stand for None."""
        assert blob == _Echo()._pack(results)
