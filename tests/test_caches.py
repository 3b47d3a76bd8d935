"""
The module-level caches outside the transform registry are known and safe under threads.

`KNOWN_STATE` lists every piece of module-level state that the library writes to
at run time, and a test fails on any other, so that the registry stays the one
global and every other cache says why it is safe. Each thread test empties a
cache, lets many threads fill and read it at once (started together by a barrier,
with the interpreter switching threads as often as it can), and compares what
every thread got with a single-threaded run.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final, TypeVar

import attrs
import pytest

import custdata
from custdata import keys as keys_module
from custdata.model import Address, Category, Contact, flat_columns, from_flat, schema, to_dict
from custdata.model import _codec as codec
from custdata.model.categories import category_field
from custdata.validation import normalise, normalise_phone, parse_phone
from custdata.validation import phone as phone_module

T = TypeVar("T")

THREADS = 16
ROUNDS = 10


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can, so races show."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _hammer(work: Callable[[int], T], threads: int = THREADS) -> list[T]:
    """Run ``work(i)`` on ``threads`` threads started together; return the results in order."""
    barrier = threading.Barrier(threads)

    def run(index: int) -> T:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def _schema_of(record_type: type, _: int) -> codec.Schema:
    return schema(record_type)


def _fresh_record_type() -> type:
    """A record class that no cache has seen yet."""

    @attrs.frozen(kw_only=True)
    class Note:
        note_id: str = category_field(Category.NOT_PERSONAL)
        body: str | None = category_field(Category.PERSONAL, default=None)
        address: Address | None = category_field(Category.QUASI_IDENTIFIER, default=None)
        tags: tuple[str, ...] = category_field(Category.PERSONAL, default=())

    return Note


class TestSchemaCache:
    """custdata.model's compiled schemas (_SCHEMAS) and known flat columns (_KNOWN_COLUMNS)."""

    def test_one_schema_per_class(self) -> None:
        """Threads compiling a new class's schema at once all get the same object."""
        for _ in range(ROUNDS):
            record_type = _fresh_record_type()
            results = _hammer(functools.partial(_schema_of, record_type))
            assert [schema(record_type)] * THREADS == results
            assert 1 == len({id(result) for result in results})

    def test_flat_rows_read_alike(self) -> None:
        """Threads reading flat rows of a new class get what one thread gets."""
        record_type = _fresh_record_type()
        rows = [
            {"note_id": f"N-{index}", "body": "x" * index, "address.postal_code": "75011"}
            for index in range(THREADS)
        ]
        results: list[object] = _hammer(lambda index: from_flat(record_type, rows[index]))
        expected: list[object] = [from_flat(record_type, row) for row in rows]
        assert expected == results

    def test_known_columns_alike(self) -> None:
        """Threads listing the columns of a new class, then rejecting an unknown one, agree."""
        record_type = _fresh_record_type()

        def work(_: int) -> tuple[list[str], list[str]]:
            try:
                from_flat(record_type, {"note_id": "N-1", "nope": "1"})
            except custdata.ValidationError as error:
                return flat_columns(record_type), [issue.code for issue in error.issues]
            return flat_columns(record_type), []

        results = _hammer(work)
        assert [(flat_columns(record_type), ["unknown_field"])] * THREADS == results
        assert frozenset(flat_columns(record_type)) == codec._known_columns(record_type)


_MESSY: tuple[dict[str, object], ...] = (
    {"contact_id": "C-1", "email": "Elodie.Martin@Example.ORG", "phone": "06 12 34 56 78"},
    {
        "contact_id": "C-2",
        "given_name": "  \uff2a\uff45\uff41\uff4e   ",
        "address": {"postal_code": " 75011 "},
    },
    {"contact_id": "C-3", "phone": "+32 470 12 34 56", "family_name": "Dupont "},
)


class TestValidationCaches:
    """custdata.validation's record copying and phone library table (_LIB)."""

    def test_normalise_alike(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Threads normalising records at once get what one thread gets."""
        contacts = [Contact.from_dict(raw) for raw in _MESSY]
        expected = [to_dict(normalise(contact)) for contact in contacts]
        results = _hammer(lambda index: to_dict(normalise(contacts[index % len(contacts)])))
        assert [expected[index % len(contacts)] for index in range(THREADS)] == results

    def test_phone_library_alike(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Threads loading the phone library table at once parse numbers as one thread does."""
        numbers = ["06 12 34 56 78", "+32 470 12 34 56", "01 42 68 53 00", "+1 212 555 0123"]
        expected = [(parse_phone(number), normalise_phone(number)) for number in numbers]
        monkeypatch.setattr(phone_module, "_LIB", None)

        def work(index: int) -> tuple[phone_module.PhoneResult, str]:
            number = numbers[index % len(numbers)]
            return parse_phone(number), normalise_phone(number)

        results = _hammer(work)
        assert [expected[index % len(numbers)] for index in range(THREADS)] == results


class TestTestingCaches:
    """custdata.testing's strategy factories (functools caches of immutable strategies)."""

    def test_strategies_alike(self) -> None:
        """Threads asking for the same strategy with a cold cache draw what one thread draws."""
        from hypothesis import find

        from custdata.testing import _strategies

        for factory in (_strategies.emails, _strategies.phones, _strategies.names):
            factory.cache_clear()

        def work(index: int) -> str:
            strategy = (_strategies.emails(), _strategies.phones("FR"), _strategies.names())
            chosen = strategy[index % 3]
            return str(find(chosen, lambda value: len(str(value)) > 3))

        expected = [work(index) for index in range(3)]
        results = _hammer(work)
        assert [expected[index % 3] for index in range(THREADS)] == results


class TestSyntheticCaches:
    """custdata.synthetic's pools per locale and seed and its times of day (functools caches)."""

    def test_generate_alike(self) -> None:
        """Threads generating datasets with cold caches get what one thread gets."""
        pytest.importorskip("faker")
        from custdata.synthetic import _engine, _pools, generate

        def work(index: int) -> object:
            dataset = generate(20, seed=index % 2, locale=("fr_FR", "de_DE")[index % 2])
            return [to_dict(contact) for contact in dataset.contacts]

        expected = [work(index) for index in range(2)]
        _pools.build_pools.cache_clear()
        _engine._times_of_day.cache_clear()
        results = _hammer(work, threads=6)
        assert [expected[index % 2] for index in range(6)] == results


class TestSurrogateLists:
    """custdata.transforms.surrogate's word lists per locale (_loaded), read once under a lock."""

    def test_lists_alike(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Threads building surrogates with no list loaded get one list object and one output."""
        from custdata import KeyRing, Surrogate
        from custdata.transforms import surrogate

        ring = KeyRing.from_mapping({"k1": bytes(range(32))}, active="k1")
        values = [f"Person {i}" for i in range(50)]

        def work(index: int) -> object:
            locale = ("fr_FR", "de_DE")[index % 2]
            t = Surrogate(keys=ring, domain="d", kind="full_name", locale=locale)
            return (id(surrogate.lists(locale)), t.apply_many(values))

        monkeypatch.setattr(surrogate, "_loaded", {})
        expected = [work(index) for index in range(2)]
        monkeypatch.setattr(surrogate, "_loaded", {})
        results = _hammer(work)
        assert [r[1] for r in expected] == [results[index][1] for index in range(2)]
        assert all(results[index] == results[index % 2] for index in range(THREADS))


class TestFrenchDepartments:
    """The postal code table of french_department is read once, alike on every thread."""

    def test_table_alike(self) -> None:
        """Threads reading the table none has loaded yet all get the same departments."""
        from custdata.validation import postal

        codes = ("97133", "20000", "75011", "01200")
        expected = [tuple(map(postal.french_department, codes))] * THREADS
        postal.french_departments.cache_clear()
        results = _hammer(lambda _: tuple(map(postal.french_department, codes)))
        assert expected == results


class TestTextCaches:
    """custdata.transforms.text's caches: folded characters, name patterns, phone matchers."""

    def test_scan_alike(self) -> None:
        """Threads scanning with emptied caches find what one thread finds."""
        from custdata.transforms import _names, text

        texts = [
            f"Élodie Martin{i} : 06 12 34 56 7{i % 10}, elodie{i}@example.fr, 0590 27 12 34. "
            f"Cordialement, Karim Haddad{i}"
            for i in range(40)
        ]

        def work(index: int) -> object:
            names = ("Élodie", f"Martin{index % 4}")
            return [
                text.scan(t, names=names, regions=("FR", "BE"), names_rules=index % 2 == 0)
                for t in texts
            ]

        def clear() -> None:
            for cached in (_names._fold_char, text._name_pattern, text._phones):
                cached.cache_clear()
            _names._lists.clear()

        clear()
        expected = [work(index) for index in range(4)]
        clear()
        results = _hammer(work)
        assert all(results[index] == expected[index % 4] for index in range(THREADS))

    def test_model_cache_alike(self) -> None:
        """Threads storing and reading a model's persons by digest read what was stored."""
        from custdata.transforms import text

        def work(index: int) -> list[object]:
            out: list[object] = []
            for i in range(300):
                key = ("model", text._digest(f"text {index % 4} {i}"))
                text._store(key, ((index % 4, i),))
                out.append(text._cached(key))
            return out

        text._cache.clear()
        results = _hammer(work)
        for index, out in enumerate(results):
            assert all(spans in {((index % 4, i),), None} for i, spans in enumerate(out))
        assert len(text._cache) <= text._CACHE_SIZE
        text._cache.clear()


class TestLazyNames:
    """Names a package loads on first use (custdata._lazy) are bound once, to the right object."""

    def test_lazy_name_alike(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Threads reaching a lazy name none has loaded yet all get the defining module's object."""
        monkeypatch.delattr(custdata, "KeyRing", raising=False)
        results = _hammer(lambda _: custdata.KeyRing)
        assert [keys_module.KeyRing] * THREADS == results
        assert keys_module.KeyRing is vars(custdata)["KeyRing"]


class TestSparkWorkerCaches:
    """custdata.frames.spark's bound policies per run (_BOUND) and key sources (_SOURCES)."""

    def test_one_binding_and_one_source_call(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Threads starting tasks of one run at once share one bound policy and one key ring."""
        from custdata import Policy
        from custdata.frames import spark as spark_module

        (tmp_path / "custdata_cache_test_keys.py").write_text(
            "from custdata import KeyRing\n"
            "CALLS = []\n"
            "def ring():\n"
            "    CALLS.append(1)\n"
            "    return KeyRing.from_mapping({'k': bytes(range(32))}, active='k')\n",
            encoding="utf-8",
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(spark_module, "_SOURCES", {})
        policy = Policy.builtin("partner-share")
        for round_ in range(ROUNDS):
            job = spark_module._Job(
                token=f"cache-test-{round_}",
                policy=policy,
                record_type=policy.record_class,
                keys="custdata_cache_test_keys:ring",
                options={"today": dt.date(2025, 1, 1)},
                tz=None,
                names=(),
                id_position=0,
                drop_id=False,
                outputs=(),
                schema=None,
            )
            results = _hammer(lambda _, job=job: spark_module._bound_for(job))
            assert 1 == len({id(result) for result in results})
        assert [1] == sys.modules["custdata_cache_test_keys"].CALLS


PACKAGE_DIR: Final = Path(__file__).resolve().parent.parent / "src" / "custdata"

KNOWN_STATE: Final[dict[tuple[str, str], str]] = {
    ("custdata.transforms.base", "_registered"): "the transform registry: the one global, locked",
    ("custdata.transforms.base", "_entry_points"): "the registry's plugins, read under its lock",
    ("custdata.model._codec", "_SCHEMAS"): "compiled once per class under a lock",
    ("custdata.model._codec", "_KNOWN_COLUMNS"): "immutable per class; racing writes are equal",
    ("custdata.validation.phone", "_LIB"): "built once, never changed; racing builds are equal",
    ("custdata.transforms.surrogate", "_loaded"): "each locale's lists read once under a lock",
    ("custdata.validation.postal", "french_departments"): "functools.cache of a fixed table",
    ("custdata.transforms._names", "_fold_char"): "functools.lru_cache of a str per character",
    ("custdata.transforms._names", "_lists"): "the name word lists, built once under a lock",
    ("custdata.transforms.text", "_cache"): "a model's persons by text digest, under a lock",
    ("custdata.transforms.text", "_name_pattern"): "functools.lru_cache of compiled patterns",
    ("custdata.transforms.text", "_phones"): "functools.lru_cache of matchers nobody changes",
    ("custdata.transforms.text", "_models"): "each spaCy model loaded once under a lock",
    ("custdata.synthetic._engine", "_times_of_day"): "functools.cache of an immutable tuple",
    ("custdata.quality._phonetic", "_fold"): "functools.lru_cache of str to str, bounded",
    ("custdata.quality._phonetic", "_phonetic"): "functools.lru_cache of str to str, bounded",
    ("custdata.synthetic._pools", "build_pools"): "functools.lru_cache of pools nobody changes",
    ("custdata.io._progress", "_bar_class"): "functools.cache of a class; racing builds are alike",
    ("custdata.testing._strategies", "_optional"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "emails"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "phones"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "postal_codes"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "names"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "countries"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "currencies"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "aware_datetimes"): "functools.cache of an immutable strategy",
    ("custdata.testing._strategies", "money"): "functools.cache of an immutable strategy",
    ("custdata.frames.spark", "_BOUND"): "a Spark worker's bound policies, under its lock",
    ("custdata.frames.spark", "_SOURCES"): "a Spark worker's key sources, under its lock",
}
"""
Module-level state written at run time, by (module, name), with why it is safe.

A new entry needs a comment where the state is defined saying why it is safe under
threads, and a test in this file that hammers it.
"""

_MUTATORS: Final = frozenset(
    {"append", "add", "clear", "discard", "extend", "insert", "pop", "popitem", "remove"}
    | {"setdefault", "update", "__setitem__", "__delitem__"}
)
_CACHE_DECORATORS: Final = frozenset({"cache", "lru_cache"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _written_state(tree: ast.Module) -> set[str]:
    """Module-level names that functions rebind or change, and cached module functions."""
    top = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    written: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                called = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = called.attr if isinstance(called, ast.Attribute) else None
                name = called.id if isinstance(called, ast.Name) else name
                if name in _CACHE_DECORATORS:
                    written.add(node.name)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for inner in ast.walk(function):
            if isinstance(inner, ast.Global):
                written.update(inner.names)
            elif isinstance(inner, ast.Subscript) and isinstance(inner.ctx, ast.Store | ast.Del):
                if isinstance(inner.value, ast.Name) and inner.value.id in top:
                    written.add(inner.value.id)
            elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
                owner = inner.func.value
                if inner.func.attr in _MUTATORS and isinstance(owner, ast.Name) and owner.id in top:
                    written.add(owner.id)
    return written


def _package_state() -> set[tuple[str, str]]:
    state: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        state.update((_module_name(path), name) for name in _written_state(tree))
    return state


class TestInventory:
    """No module-level state beyond the registry and the caches known to be safe."""

    def test_no_unknown_state(self) -> None:
        """Every module-level name written at run time is listed in KNOWN_STATE."""
        unknown = sorted(_package_state() - set(KNOWN_STATE))
        assert [] == unknown, "document it as safe, test it here and list it in KNOWN_STATE"

    def test_inventory_sees_writes(self) -> None:
        """The scan finds each way of writing module state, and ignores local names."""
        source = """
            import functools
            _A = {}
            _B = []
            _C = None
            _LOCAL_ONLY = {}
            def fill(key):
                _A[key] = 1
                _B.append(key)
                global _C
                _C = key
                table = {}
                table[key] = 2
                return _LOCAL_ONLY.get(key)
            @functools.lru_cache(maxsize=2)
            def cached(x):
                return x
        """
        tree = ast.parse(textwrap.dedent(source))
        assert {"_A", "_B", "_C", "cached"} == _written_state(tree)
