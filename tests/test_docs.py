"""
Every code block of the README and of docs/ runs as written, and shows what it prints.

- ```python blocks of a file run in order in one namespace, in a fresh directory
  holding a copy of docs/examples/, with hypothesis's default settings (a
  reader's, not this project's bounded profile). A block directly followed by a
  ```text block must print exactly that text.
- ```console blocks: each line starting with ``$ `` is a command, run by bash in
  that directory (the file's blocks share it, in order) with this interpreter's
  ``bin`` first on PATH, so ``custdata`` is the command under test. The lines
  after a command, up to the next one, are what it prints (stdout and stderr
  together); a command shown without output is run and its output not compared.
  Durations and the run's temporary directory are masked on both sides.
- A command that cannot run here (installing, a benchmark, a million rows)
  ends with a visible ``# not run: REASON`` comment; it is skipped, not hidden.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "docs" / "examples"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
NOT_RUN = re.compile(r"#\s*not run:\s*\S")
DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|µs|s)\b")
COMMAND_TIMEOUT = 300


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, text and position in the file."""

    language: str
    text: str
    line: int
    output: str | None = None  # the ```text block right after a python block


def _blocks(path: Path) -> list[Block]:
    source = path.read_text(encoding="utf-8")
    found = [
        (match.group(1), match.group(2), source.count("\n", 0, match.start()) + 1, match)
        for match in FENCE.finditer(source)
    ]
    blocks: list[Block] = []
    for index, (language, text, line, match) in enumerate(found):
        if language not in {"python", "console"}:
            continue
        output = None
        if language == "python" and index + 1 < len(found):
            following = found[index + 1]
            between = source[match.end() : following[3].start()]
            if following[0] == "text" and not between.strip():
                output = following[1]
        blocks.append(Block(language, text, line, output))
    return blocks


def _workdir(tmp_path: Path) -> Path:
    if EXAMPLES.is_dir():
        shutil.copytree(EXAMPLES, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _mask(text: str, workdir: Path) -> list[str]:
    text = text.replace(str(workdir), "<tmp>").replace(str(workdir.resolve()), "<tmp>")
    text = DURATION.sub("<duration>", text)
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def _commands(block: Block) -> list[tuple[str, list[str], int]]:
    """(command, expected output lines, line number) of each ``$`` line of a console block."""
    commands: list[tuple[str, list[str], int]] = []
    for offset, line in enumerate(block.text.splitlines()):
        if commands and commands[-1][0].endswith("\\") and not commands[-1][1]:
            command, output, number = commands[-1]
            commands[-1] = (f"{command}\n{line}", output, number)  # a continued command
        elif line.startswith("$ "):
            commands.append((line[2:], [], block.line + 1 + offset))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            pytest.fail(f"line {block.line + 1 + offset}: console output before any '$ ' command")
    return commands


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "80"  # help texts wrap the same way everywhere
    env.pop("CUSTDATA_KEYS", None)
    return env


def _run_console(block: Block, path: Path, workdir: Path) -> None:
    for command, expected, line in _commands(block):
        if NOT_RUN.search(command):
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=workdir,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        actual = done.stdout.decode("utf-8", "replace")
        if done.returncode not in {0, 3} and not expected:
            pytest.fail(f"{path.name}:{line}: {command!r} exited {done.returncode}:\n{actual}")
        if expected:
            assert _mask("\n".join(expected), workdir) == _mask(actual, workdir), (
                f"{path.name}:{line}: {command!r}"
            )


def _run_python(block: Block, path: Path, namespace: dict[str, object], workdir: Path) -> None:
    code = compile(block.text, f"{path.name}:{block.line}", "exec")
    # A byte stream underneath, as a real standard output has: `open_writer("-")` uses it.
    raw = io.BytesIO()
    printed = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(printed):
        exec(code, namespace)  # noqa: S102  # running our own documentation is the point
    if block.output is not None:
        shown = raw.getvalue().decode("utf-8")
        assert _mask(block.output, workdir) == _mask(shown, workdir), (
            f"{path.name}:{block.line}: printed output differs"
        )


@pytest.mark.parametrize("path", [p for p in DOCS if _blocks(p)], ids=lambda p: p.name)
def test_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's Python and console blocks run in order and print what they show."""
    workdir = _workdir(tmp_path)
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    previous = settings.get_current_profile_name()
    settings.load_profile("default")
    try:
        for block in _blocks(path):
            if block.language == "python":
                _run_python(block, path, namespace, workdir)
            else:
                _run_console(block, path, workdir)
    finally:
        settings.load_profile(previous)
        if "pyspark" in sys.modules:  # docs/spark.md starts a session: stop it and its JVM
            from tests.frames.spark_support import stop_spark

            stop_spark()


class TestRunner:
    def test_not_run_marker_is_visible(self) -> None:
        """Every skipped command says why, in the text a reader sees."""
        for path in DOCS:
            for block in _blocks(path):
                if block.language != "console":
                    continue
                for command, _, line in _commands(block):
                    if "not run" in command:
                        assert NOT_RUN.search(command), f"{path.name}:{line}: give a reason"

    def test_console_output_is_compared(self, tmp_path: Path) -> None:
        """A command whose output differs from the one shown fails the docs test."""
        block = Block("console", "$ echo one\ntwo\n", 1)
        with pytest.raises(AssertionError):
            _run_console(block, Path("x.md"), tmp_path)

    def test_failing_command_without_output_fails(self, tmp_path: Path) -> None:
        """A command shown without output must still succeed (exit 0 or 3)."""
        block = Block("console", "$ exit 4\n", 1)
        with pytest.raises(pytest.fail.Exception):
            _run_console(block, Path("x.md"), tmp_path)

    def test_masking(self, tmp_path: Path) -> None:
        """Durations and the temporary directory do not make two runs differ."""
        assert ["took <duration> in <tmp>/a"] == _mask(f"took 1.25 s in {tmp_path}/a", tmp_path)


def test_docs_exist() -> None:
    """The guides every issue relies on are present."""
    names = {p.name for p in DOCS}
    assert {"README.md", "getting-started.md", "model.md"} <= names
