"""
docs/policies.md and docs/examples/policies/ say what the code does, and cannot drift from it.

- The ``by-category`` tables of docs/policies.md are those `custdata.policy.by_category`
  gives, field by field, for every record type.
- The field tables of the built-in policies say what `Policy.describe` says,
  and the fingerprints shown are the policies' own.
- docs/examples/policies/ holds byte-for-byte copies of the built-in policy files.

Run this module as a script to print the tables to paste into the doc.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import re
import sys
from pathlib import Path

import pytest

from custdata import Policy
from custdata.model import RECORD_TYPES
from custdata.policy import FieldRule, by_category
from custdata.policy._policy import column_categories

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "policies.md"
EXAMPLES = ROOT / "docs" / "examples" / "policies"
BUILTINS = ("partner-share", "analytics", "support-view", "purchases-analytics")

_TABLE_ROW = re.compile(r"^\|.*\|$")


def _params(rule: FieldRule) -> str:
    return ", ".join(f"`{key} = {json.dumps(value)}`" for key, value in rule.params.items())


def by_category_table(record_type: str) -> list[str]:
    """The Markdown table of one record type's by-category rules, as the doc shows it."""
    categories = column_categories(RECORD_TYPES[record_type])
    lines = [
        "| field | category | rule | parameters |",
        "| --- | --- | --- | --- |",
    ]
    for path, rule in by_category(record_type).items():
        lines.append(
            f"| `{path}` | {categories[path].value} | `{rule.transform}` | {_params(rule)} |"
        )
    return lines


def _section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    body = text[start + len(heading) + 2 :]
    stop = re.search(rf"^#{{1,{len(level)}}} ", body, re.MULTILINE)
    return body if stop is None else body[: stop.start()]


def _first_table(section: str) -> list[str]:
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if _TABLE_ROW.match(line))
    table: list[str] = []
    for line in lines[start:]:
        if not _TABLE_ROW.match(line):
            break
        table.append(line)
    return table


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("|").split(" | ")]


class TestByCategoryTable:
    @pytest.mark.parametrize("record_type", list(RECORD_TYPES))
    def test_table_equals_code(self, record_type: str) -> None:
        """The doc's by-category table of a record type is the one by_category gives."""
        section = _section(DOC.read_text(encoding="utf-8"), f"### `{record_type}`")
        assert by_category_table(record_type) == _first_table(section)

    def test_every_record_type_has_a_table(self) -> None:
        """The by-category section has one table per record type, and no other."""
        section = _section(DOC.read_text(encoding="utf-8"), "## The `by-category` table")
        headings = re.findall(r"^### `(\w+)`$", section, re.MULTILINE)
        assert list(RECORD_TYPES) == headings


class TestBuiltinPolicies:
    @pytest.mark.parametrize("name", BUILTINS)
    def test_field_table_says_what_describe_says(self, name: str) -> None:
        """Each field row of a built-in policy's table shows what describe() says it becomes."""
        section = _section(DOC.read_text(encoding="utf-8"), f"### `{name}`")
        rows = [_cells(line) for line in _first_table(section)[2:]]
        expected = [(f"`{path}`", f"`{what}`") for path, what in Policy.builtin(name).describe()]
        assert expected == [(row[0], row[1]) for row in rows]

    @pytest.mark.parametrize("name", BUILTINS)
    def test_fingerprint_shown_is_the_policys(self, name: str) -> None:
        """The fingerprint shown under a built-in policy is its fingerprint."""
        section = _section(DOC.read_text(encoding="utf-8"), f"### `{name}`")
        shown = re.findall(r"`(sha256:[0-9a-f]{64})`", section)
        assert [Policy.builtin(name).fingerprint] == shown

    def test_every_builtin_is_documented(self) -> None:
        """The doc documents every built-in policy."""
        assert sorted(BUILTINS) == Policy.builtin_names()


class TestExampleFiles:
    def test_same_names(self) -> None:
        """docs/examples/policies/ holds one file per built-in policy, and nothing else."""
        names = sorted(path.name for path in EXAMPLES.iterdir())
        assert [f"{name}.toml" for name in Policy.builtin_names()] == names

    @pytest.mark.parametrize("name", BUILTINS)
    def test_copy_is_byte_for_byte(self, name: str) -> None:
        """Each example file equals the package's built-in file byte for byte."""
        package = importlib.resources.files("custdata.policy").joinpath("builtin", f"{name}.toml")
        assert package.read_bytes() == (EXAMPLES / f"{name}.toml").read_bytes()

    @pytest.mark.parametrize("name", BUILTINS)
    def test_copy_loads_as_the_builtin(self, name: str) -> None:
        """Loading the example file gives the built-in policy's fingerprint."""
        loaded = Policy.load(EXAMPLES / f"{name}.toml")
        assert Policy.builtin(name).fingerprint == loaded.fingerprint


class TestCanonical:
    @pytest.mark.parametrize("name", BUILTINS)
    def test_canonical_is_what_is_hashed(self, name: str) -> None:
        """canonical() returns the form whose sorted, compact UTF-8 JSON the fingerprint hashes."""
        policy = Policy.builtin(name)
        text = json.dumps(
            policy.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert f"sha256:{digest}" == policy.fingerprint

    def test_canonical_is_a_copy(self) -> None:
        """Changing what canonical() returned does not change the policy."""
        policy = Policy.builtin("analytics")
        first = policy.canonical()
        first["fields"].clear()
        assert policy.canonical()["fields"]


if __name__ == "__main__":
    for record_type in RECORD_TYPES:
        table = "\n".join(by_category_table(record_type))
        sys.stdout.write(f"### `{record_type}`\n\n{table}\n\n")
