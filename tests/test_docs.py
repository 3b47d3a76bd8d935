"""Every Python block of the README and of docs/ runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [p for p in DOCS if _blocks(p)], ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's Python blocks run in order in one namespace, in an empty directory."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for index, source in enumerate(_blocks(path)):
        code = compile(source, f"{path.name}[block {index}]", "exec")
        exec(code, namespace)  # noqa: S102  # running our own documentation is the point


def test_docs_exist() -> None:
    """The guides every issue relies on are present."""
    names = {p.name for p in DOCS}
    assert {"README.md", "getting-started.md", "model.md"} <= names
