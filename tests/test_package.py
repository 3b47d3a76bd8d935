"""The package as users meet it: its names, its import cost, its metadata."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import custdata
import custdata.transforms
from custdata.transforms import base

HEAVY = (
    "faker",
    "pyarrow",
    "numpy",
    "pandas",
    "polars",
    "pyspark",
    "hypothesis",
    "matplotlib",
    "spacy",
)


class TestExports:
    """custdata.__all__ is sorted, complete and resolvable."""

    def test_all_sorted(self) -> None:
        """__all__ is sorted (constants and classes first, as ruff sorts)."""
        assert sorted(custdata.__all__, key=_ruff_sort_key) == custdata.__all__

    def test_all_unique(self) -> None:
        """No name is listed twice."""
        assert len(set(custdata.__all__)) == len(custdata.__all__)

    def test_every_name_resolves(self) -> None:
        """Every listed name, eager or lazy, can be fetched."""
        for name in custdata.__all__:
            assert getattr(custdata, name) is not None

    def test_lazy_names_listed(self) -> None:
        """Every lazily loaded name is in __all__."""
        assert set(custdata._LAZY) <= set(custdata.__all__)

    def test_public_names_listed(self) -> None:
        """Every public name bound in the package is in __all__ (submodules aside)."""
        public = {
            name
            for name, value in vars(custdata).items()
            if not name.startswith("_") and type(value).__name__ != "module"
        }
        public.discard("annotations")
        public.discard("TYPE_CHECKING")
        public.discard("Final")
        assert public <= set(custdata.__all__)

    def test_unknown_name(self) -> None:
        """An unknown attribute is an AttributeError."""
        assert not hasattr(custdata, "no_such_name")


def _ruff_sort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 "isort-style": SCREAMING_CASE, then CamelCase, then the rest.
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


class TestImportCost:
    """import custdata loads no optional dependency."""

    def test_no_heavy_module_loaded(self) -> None:
        """A fresh interpreter importing custdata has none of the optional packages loaded."""
        code = f"import sys, custdata; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == ""

    def test_version(self) -> None:
        """The version is a non-empty string."""
        assert custdata.__version__


class TestErrorsPickle:
    def test_every_error_pickles(self) -> None:
        """Errors cross process boundaries (workers, Spark executors) with their attributes."""
        import pickle

        from custdata import errors

        samples = [
            errors.ValidationError(
                [errors.Issue(path="email", code="invalid_email", message="bad")],
                record_type="Contact",
            ),
            errors.PolicyError("mask: keep must be a whole number"),
            errors.TransformError("mask", "wrong_type", "expected a string"),
            errors.InvalidToken(3),
            errors.InvalidToken(),
            errors.KeyRingError("no key"),
            errors.MissingDependencyError("pyarrow", "arrow"),
            errors.InputError("unreadable"),
            errors.PrivacyRequirementError("k too low"),
            errors.UsageError("bad option"),
        ]
        for error in samples:
            copy = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes
            assert type(error) is type(copy)
            assert str(error) == str(copy)
            assert vars(error) == vars(copy)


def _builtins() -> dict[str, str]:
    """The built-in transforms' classes and their modules, from the registry's one table."""
    return {
        target.partition(":")[2]: target.partition(":")[0] for target in base._BUILTINS.values()
    }


def _type_checking_imports(package: ModuleType) -> dict[str, str]:
    """The names a package's ``if TYPE_CHECKING:`` block imports, and from where."""
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                assert statement.module is not None
                found.update(
                    dict.fromkeys((a.asname or a.name for a in statement.names), statement.module)
                )
    return found


_PACKAGES = pytest.mark.parametrize(
    "package", [custdata, custdata.transforms], ids=["custdata", "transforms"]
)


class TestBuiltinTable:
    """A built-in is one entry in transforms.base._BUILTINS: the export lists follow it."""

    @_PACKAGES
    def test_every_builtin_exported(self, package: ModuleType) -> None:
        """Each built-in class is in __all__ and loads lazily from its module."""
        missing_all = sorted(set(_builtins()) - set(package.__all__))
        assert [] == missing_all, f"add to {package.__name__}.__all__"
        wrong = {c: m for c, m in _builtins().items() if package._LAZY.get(c) != m}
        assert {} == wrong, f"add to {package.__name__}._LAZY"

    @_PACKAGES
    def test_no_transform_outside_the_table(self, package: ModuleType) -> None:
        """Every transform class a package exports is a built-in of the table."""
        exported = {
            name
            for name in package._LAZY
            if isinstance(getattr(package, name), type)
            and isinstance(getattr(getattr(package, name), "guarantees", None), base.Guarantees)
        }
        assert set(_builtins()) == exported

    @_PACKAGES
    def test_type_checking_imports_follow(self, package: ModuleType) -> None:
        """The imports mypy reads (under TYPE_CHECKING) are exactly the lazy names."""
        assert package._LAZY == _type_checking_imports(package)

    def test_registry_names_the_table_classes(self) -> None:
        """Each entry's class loads and carries the entry's name."""
        for name in base._BUILTINS:
            assert name == base._builtin(name).name  # type: ignore[attr-defined]
