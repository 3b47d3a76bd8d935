"""The table of formats: one entry per suffix, and format modules that import no other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import custdata.io
from custdata.io import FORMATS, infer_format, open_reader, open_writer, parse_batch
from custdata.io._base import FileFormat
from custdata.io._formats import file_format
from custdata.model import Contact

IO_DIR = Path(custdata.io.__file__).parent
FORMAT_MODULES = ("_csv", "_jsonl", "_parquet")


def _imports(module: str) -> set[str]:
    """Every custdata module a module imports, inside functions included."""
    tree = ast.parse((IO_DIR / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("custdata")}


class TestFormatTable:
    def test_every_suffix_has_a_format(self) -> None:
        """Each suffix of FORMATS resolves to the format of that name."""
        expected = dict(FORMATS)
        actual = {suffix: file_format(f"file{suffix}").name for suffix in FORMATS}
        assert expected == actual
        assert all(isinstance(file_format(f"f{suffix}"), FileFormat) for suffix in FORMATS)

    @pytest.mark.parametrize("suffix", sorted(FORMATS))
    def test_each_format_reads_what_it_writes(self, suffix: str, tmp_path: Path) -> None:
        """Through the table, each suffix's writer writes what its reader reads back."""
        if infer_format(f"f{suffix}") == "parquet":
            pytest.importorskip("pyarrow")
        path = tmp_path / f"contacts{suffix}"
        contacts = [Contact(contact_id="C-1", given_name="Zoé"), Contact(contact_id="C-2")]
        with open_writer(path, record_type=Contact) as writer:
            writer.write_records(contacts)
        with open_reader(path, record_type=Contact) as reader:
            parsed = parse_batch([row for batch in reader for row in batch], Contact)
        assert contacts == parsed.records

    @pytest.mark.parametrize("module", FORMAT_MODULES)
    def test_format_modules_import_no_other_format(self, module: str) -> None:
        """A format module imports the shared pieces, never another format or the table."""
        others = {f"custdata.io.{name}" for name in (*FORMAT_MODULES, "_formats") if name != module}
        assert set() == _imports(module) & others

    def test_shared_module_imports_no_format(self) -> None:
        """custdata.io._base, which every format imports, imports none of them."""
        formats = {f"custdata.io.{name}" for name in (*FORMAT_MODULES, "_formats", "_rejects")}
        assert set() == _imports("_base") & formats
