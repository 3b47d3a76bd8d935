"""
The package's import graph: no cycles, and every import goes down the layer order.

docs/architecture.md draws the layers; `LAYERS` below is the order this test holds,
and a test checks that the two agree. Edges are the static imports of every module,
read with `ast`: imports inside functions count, imports under ``if TYPE_CHECKING:``
do not, and the dotted strings of the lazy tables (``_LAZY``, ``_BUILTINS``) are
data, not imports. Importing ``a.b`` is an edge to ``a.b``, not to the package
``a``; so is ``from a import b`` when ``b`` is a submodule.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, NamedTuple

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGE_DIR: Final = ROOT / "src" / "custdata"
ARCHITECTURE_DOC: Final = ROOT / "docs" / "architecture.md"

LAYERS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "foundations",
        ("custdata._version", "custdata._text", "custdata._lazy", "custdata._reserved"),
    ),
    ("errors", ("custdata.errors",)),
    ("primitives", ("custdata._crypto", "custdata._workers")),
    ("model", ("custdata.model",)),
    ("validation and keys", ("custdata.validation", "custdata.keys")),
    ("transforms", ("custdata.transforms",)),
    ("policy", ("custdata.policy",)),
    (
        "dataset tools",
        (
            "custdata.frames",
            "custdata.anonymity",
            "custdata.consent",
            "custdata.lifecycle",
            "custdata.quality",
            "custdata.insights",
        ),
    ),
    ("outputs", ("custdata.report", "custdata.synthetic", "custdata.testing")),
    ("files", ("custdata.io",)),
    ("entry points", ("custdata.cli", "custdata")),
)
"""
The layers, bottom first. A module may import its own layer and the layers below.

An entry places a module and every module under it (``custdata.io`` places
``custdata.io._readers`` and any io module still to come); the most specific entry
wins. The root package is the exception: ``custdata`` places only its own
``__init__`` (the names users import), so a new top-level module needs an entry.
Inside one layer any import is allowed, within a package or across, as long as no
cycle forms.
"""


class Import(NamedTuple):
    """One static import of a module of the package."""

    source: str
    target: str
    path: str
    """The file, relative to the directory holding the package (``custdata/keys.py``)."""
    line: int

    def where(self) -> str:
        """Where the import is written, as ``package/module.py:line``."""
        return f"{self.path}:{self.line}"


def find_modules(package_dir: Path) -> dict[str, Path]:
    """Return every module of the package under ``package_dir``, by dotted name."""
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _nearest_module(name: str, modules: Mapping[str, Path]) -> str:
    """The module itself or, if it names no module, its closest enclosing module."""
    while name not in modules and "." in name:
        name = name.rpartition(".")[0]
    return name


class _ImportVisitor(ast.NodeVisitor):
    def __init__(self, module: str, path: Path, modules: Mapping[str, Path], package: str) -> None:
        self.module = module
        self.path = path.relative_to(modules[package].parent.parent).as_posix()
        self.modules = modules
        self.package = package
        self.is_package = path.name == "__init__.py"
        self.found: dict[Import, None] = {}  # one edge per statement, in file order

    def _internal(self, name: str) -> bool:
        return name == self.package or name.startswith(self.package + ".")

    def _add(self, target: str, node: ast.stmt) -> None:
        if self._internal(target):
            target = _nearest_module(target, self.modules)
            self.found[Import(self.module, target, self.path, node.lineno)] = None

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.module.split(".")
            base_parts = parts if self.is_package else parts[:-1]
            base_parts = base_parts[: len(base_parts) - (node.level - 1)]
            base = ".".join([*base_parts, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.modules else base, node)


def find_imports(modules: Mapping[str, Path], package: str) -> list[Import]:
    """Return every static import between modules of the package, in file order."""
    found: list[Import] = []
    for module, path in modules.items():
        visitor = _ImportVisitor(module, path, modules, package)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(visitor.found)
    return found


def layer_of(module: str, layers: Sequence[tuple[str, Sequence[str]]], package: str) -> int | None:
    """Return the index of the module's layer (0 at the bottom), or None if unplaced."""
    best: tuple[int, int] | None = None  # (length of the entry, layer index)
    for index, (_, entries) in enumerate(layers):
        for entry in entries:
            covers = module == entry or (entry != package and module.startswith(entry + "."))
            if covers and (best is None or len(entry) > best[0]):
                best = (len(entry), index)
    return None if best is None else best[1]


def unplaced(
    modules: Mapping[str, Path], layers: Sequence[tuple[str, Sequence[str]]], package: str
) -> list[str]:
    """Return the modules no layer entry places."""
    return [module for module in modules if layer_of(module, layers, package) is None]


def upward_imports(
    imports: Sequence[Import], layers: Sequence[tuple[str, Sequence[str]]], package: str
) -> list[str]:
    """Return a line for every import of a module from a higher layer."""
    problems: list[str] = []
    for edge in imports:
        low, high = layer_of(edge.source, layers, package), layer_of(edge.target, layers, package)
        if low is not None and high is not None and high > low:
            problems.append(
                f"{edge.source} (layer {layers[low][0]!r}) imports {edge.target} "
                f"(layer {layers[high][0]!r}) at {edge.where()}"
            )
    return problems


def _strongly_connected(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def cycles(imports: Sequence[Import]) -> list[str]:
    """Return one paragraph per import cycle: its modules and the imports that close it."""
    graph: dict[str, list[str]] = {}
    for edge in imports:
        graph.setdefault(edge.source, []).append(edge.target)
        graph.setdefault(edge.target, [])
    problems: list[str] = []
    for component in sorted(_strongly_connected(graph)):
        members = set(component)
        closing = [e for e in imports if e.source in members and e.target in members]
        if len(component) == 1 and not closing:
            continue
        lines = [f"cycle: {' <-> '.join(component)}"]
        lines += [f"    {e.source} imports {e.target} at {e.where()}" for e in closing]
        problems.append("\n".join(lines))
    return problems


def check(package_dir: Path, layers: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Return every problem of the package: unplaced modules, cycles, upward imports."""
    package = package_dir.name
    modules = find_modules(package_dir)
    imports = find_imports(modules, package)
    return [
        *(f"unplaced module: {module}" for module in unplaced(modules, layers, package)),
        *cycles(imports),
        *upward_imports(imports, layers, package),
    ]


def _report(problems: Sequence[str]) -> str:
    return "\n" + "\n".join(problems)


# --- the real package ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> dict[str, Path]:
    """Every module of custdata."""
    return find_modules(PACKAGE_DIR)


@pytest.fixture(scope="module")
def imports(modules: dict[str, Path]) -> list[Import]:
    """Every static import between modules of custdata."""
    return find_imports(modules, "custdata")


class TestPackage:
    """custdata's own modules follow the layer order, without cycles."""

    def test_every_module_placed(self, modules: dict[str, Path]) -> None:
        """Every module has a layer; a new top-level module needs an entry in LAYERS."""
        assert [] == unplaced(modules, LAYERS, "custdata"), "add the module to LAYERS and docs"

    def test_no_import_cycles(self, imports: list[Import]) -> None:
        """No module reaches itself through imports, even imports inside functions."""
        found = cycles(imports)
        assert [] == found, _report(found)

    def test_imports_go_down(self, imports: list[Import]) -> None:
        """Every import targets the importer's own layer or one below."""
        found = upward_imports(imports, LAYERS, "custdata")
        assert [] == found, _report(found)

    def test_no_entry_placed_twice(self) -> None:
        """Each entry of LAYERS appears once."""
        entries = [entry for _, layer in LAYERS for entry in layer]
        assert sorted(set(entries)) == sorted(entries)

    def test_graph_is_read(self, modules: dict[str, Path], imports: list[Import]) -> None:
        """The checker sees the package: the private helpers, and imports known to exist."""
        assert {"custdata._crypto", "custdata._text", "custdata._lazy", "custdata._version"} <= set(
            modules
        )
        edges = {(edge.source, edge.target) for edge in imports}
        assert ("custdata.model.contact", "custdata.model._record") in edges
        assert ("custdata.validation.records", "custdata.validation.phone") in edges

    def test_docs_draw_the_same_layers(self) -> None:
        """docs/architecture.md draws exactly LAYERS, top first."""
        drawn = _drawn_layers(ARCHITECTURE_DOC.read_text(encoding="utf-8"))
        held = [
            [entry.removeprefix("custdata.") for entry in entries]
            for _, entries in reversed(LAYERS)
        ]
        assert held == drawn


def _drawn_layers(doc: str) -> list[list[str]]:
    """The module names of each row of the first ``text`` block's boxes, top first."""
    block = re.search(r"^```text\n(.*?)^```", doc, re.DOTALL | re.MULTILINE)
    assert block is not None, "docs/architecture.md has no ```text diagram"
    rows: list[list[str]] = []
    for line in block.group(1).splitlines():
        if line.startswith("│"):
            cells = line.strip("│ ").split("│")[0]
            rows.append([name.strip() for name in re.sub(r"\(.*?\)", "", cells).split("·")])
    return rows


# --- the checker itself, on small packages made for each test --------------------------------

_TOY_LAYERS: Final = (
    ("bottom", ("toy._util", "toy.low")),
    ("top", ("toy.high", "toy")),
)


def _toy(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """Write a package ``toy`` with an empty ``__init__`` and the given modules."""
    package_dir = tmp_path / "toy"
    package_dir.mkdir()
    (package_dir / "__init__.py").write_text("")
    for name, source in files.items():
        path = package_dir.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return package_dir


class TestChecker:
    """The checker catches what it should on a toy package, so it cannot pass vacuously."""

    def test_clean_package(self, tmp_path: Path) -> None:
        """Imports down and across one layer are no problem."""
        package_dir = _toy(
            tmp_path,
            {
                "_util.py": "import os\n",
                "low/__init__.py": "from toy import _util\n",
                "low/a.py": "from toy.low import b\n",
                "low/b.py": "import toy._util\n",
                "high.py": "from toy.low import a\nfrom toy import low\n",
            },
        )
        assert [] == check(package_dir, _TOY_LAYERS)

    def test_cycle_caught(self, tmp_path: Path) -> None:
        """Two modules importing each other are a cycle, named with both imports."""
        package_dir = _toy(
            tmp_path, {"low/a.py": "from toy.low import b\n", "low/b.py": "import toy.low.a\n"}
        )
        expected = [
            "cycle: toy.low.a <-> toy.low.b\n"
            "    toy.low.a imports toy.low.b at toy/low/a.py:1\n"
            "    toy.low.b imports toy.low.a at toy/low/b.py:1"
        ]
        assert expected == check(package_dir, _TOY_LAYERS)

    def test_upward_import_caught(self, tmp_path: Path) -> None:
        """A lower layer importing a higher one is reported with its place."""
        package_dir = _toy(
            tmp_path, {"low.py": "x = 1\nfrom toy.high import y\n", "high.py": "y = 2\n"}
        )
        expected = ["toy.low (layer 'bottom') imports toy.high (layer 'top') at toy/low.py:2"]
        assert expected == check(package_dir, _TOY_LAYERS)

    def test_in_function_import_caught(self, tmp_path: Path) -> None:
        """An import inside a function is an edge like any other."""
        source = """
            def late():
                from toy import high
                return high
        """
        package_dir = _toy(tmp_path, {"low.py": source, "high.py": "import toy.low\n"})
        problems = check(package_dir, _TOY_LAYERS)
        assert ["cycle: toy.high <-> toy.low"] == [p.splitlines()[0] for p in problems[:1]]
        assert 2 == len(problems)
        assert problems[1].startswith("toy.low (layer 'bottom') imports toy.high")

    def test_type_checking_import_ignored(self, tmp_path: Path) -> None:
        """Imports under ``if [typing.]TYPE_CHECKING:`` are not edges; those of its else are."""
        source = """
            import typing
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from toy.high import y
            if typing.TYPE_CHECKING:
                import toy.high
            else:
                import toy._util
        """
        package_dir = _toy(
            tmp_path, {"low.py": source, "high.py": "import toy.low\n", "_util.py": ""}
        )
        modules = find_modules(package_dir)
        edges = [(e.source, e.target) for e in find_imports(modules, "toy")]
        assert [("toy.low", "toy._util"), ("toy.high", "toy.low")] == sorted(edges, reverse=True)
        assert [] == check(package_dir, _TOY_LAYERS)

    def test_lazy_table_strings_are_not_edges(self, tmp_path: Path) -> None:
        """A table of dotted module paths, resolved at run time, is data."""
        source = '_LAZY = {"thing": "toy.high"}\n_BUILTINS = {"t": "toy.high:Thing"}\n'
        package_dir = _toy(tmp_path, {"low.py": source, "high.py": "import toy.low\n"})
        assert [] == check(package_dir, _TOY_LAYERS)

    def test_submodule_edge_not_package(self, tmp_path: Path) -> None:
        """``import a.b`` and ``from a import b`` (b a module) are edges to a.b, not to a."""
        package_dir = _toy(
            tmp_path,
            {
                "low/__init__.py": "name = 1\n",
                "low/a.py": "",
                "high.py": "import toy.low.a\nfrom toy.low import a\nfrom toy.low import name\n",
            },
        )
        modules = find_modules(package_dir)
        targets = [e.target for e in find_imports(modules, "toy")]
        assert ["toy.low.a", "toy.low.a", "toy.low"] == targets

    def test_relative_imports_resolved(self, tmp_path: Path) -> None:
        """Relative imports count, resolved against the importing module's package."""
        package_dir = _toy(
            tmp_path,
            {
                "low/__init__.py": "from . import a\n",
                "low/a.py": "from .b import x\nfrom .. import high\n",
                "low/b.py": "x = 1\n",
                "high.py": "",
            },
        )
        modules = find_modules(package_dir)
        edges = [(e.source, e.target) for e in find_imports(modules, "toy")]
        expected = [("toy.low", "toy.low.a"), ("toy.low.a", "toy.low.b"), ("toy.low.a", "toy.high")]
        assert expected == edges

    def test_unplaced_module_caught(self, tmp_path: Path) -> None:
        """A module no entry places is reported; a new module under a placed package is placed."""
        package_dir = _toy(tmp_path, {"extra.py": "", "low/new.py": ""})
        assert ["unplaced module: toy.extra"] == check(package_dir, _TOY_LAYERS)

    def test_root_entry_places_only_the_root(self) -> None:
        """The root package's entry does not place the modules under it."""
        assert 1 == layer_of("toy", _TOY_LAYERS, "toy")
        assert None is layer_of("toy.other", _TOY_LAYERS, "toy")
        assert 0 == layer_of("toy.low.deep.er", _TOY_LAYERS, "toy")
