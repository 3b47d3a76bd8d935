"""custdata policy check and show; the demo's policies section and demo -o DIR."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_USAGE
from custdata.policy import Policy

GOOD = """\
name = "mine"
version = 2
record_type = "contact"
[fields.email]
transform = "pseudonymise"
domain = "email"
[fields."address.postal_code"]
transform = "truncate_postcode"
keep = 2
"""

# Two fields with a problem each: an unknown parameter, and a field contacts do not have.
BAD = """\
name = "mine"
record_type = "contact"
[fields."address.postal_code"]
transform = "truncate_postcode"
kepe = 2
[fields.shoe_size]
transform = "keep"
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A policy file without problems."""
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    return path


class TestCheck:
    def test_ok(self, good: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A good policy prints one 'ok' line with its fingerprint and exits 0."""
        assert EXIT_OK == main(["policy", "check", str(good)])
        out = capsys.readouterr().out
        assert f"{good}: ok" in out
        assert Policy.load(good).fingerprint in out

    @pytest.mark.parametrize("name", Policy.builtin_names())
    def test_builtin(self, name: str, capsys: pytest.CaptureFixture[str]) -> None:
        """Every built-in policy checks by name."""
        assert EXIT_OK == main(["policy", "check", name])
        assert f"{name}: ok" in capsys.readouterr().out

    def test_every_problem(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A policy with two problems gets both, each naming the file and the field; exit 2."""
        path = tmp_path / "bad.toml"
        path.write_text(BAD, encoding="utf-8")
        assert EXIT_USAGE == main(["policy", "check", str(path)])
        errors = [
            line
            for line in capsys.readouterr().err.splitlines()
            if line.startswith("custdata policy: error:")
        ]
        assert 2 == len(errors)
        assert all(str(path) in line for line in errors)
        assert "address.postal_code" in errors[0]
        assert "shoe_size" in errors[1]

    def test_bad_toml(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A file that is not TOML is one problem, naming the file."""
        path = tmp_path / "broken.toml"
        path.write_text("name = \n", encoding="utf-8")
        assert EXIT_USAGE == main(["policy", "check", str(path)])
        assert str(path) in capsys.readouterr().err

    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A policy file that does not exist is exit 2, naming it."""
        path = tmp_path / "nope.toml"
        assert EXIT_USAGE == main(["policy", "check", str(path)])
        assert str(path) in capsys.readouterr().err


class TestShow:
    def test_each_field_and_fingerprint(
        self, good: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """show lists every field with what it becomes, then the fingerprint."""
        assert EXIT_OK == main(["policy", "show", str(good)])
        out = capsys.readouterr().out
        policy = Policy.load(good)
        for field, becomes in policy.describe():
            assert re.search(rf"^  {re.escape(field)}\s+{re.escape(becomes)}$", out, re.M)
        assert out.rstrip().endswith(f"fingerprint {policy.fingerprint}")

    def test_builtin(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A built-in policy shows by name."""
        assert EXIT_OK == main(["policy", "show", "partner-share"])
        assert "policy 'partner-share'" in capsys.readouterr().out

    def test_reference_said_only_for_dated_rules(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The day dated rules use is said for a policy with one (an age band), not otherwise."""
        assert EXIT_OK == main(["policy", "show", "partner-share"])
        assert "dated rules use the day given to apply" in capsys.readouterr().out
        assert EXIT_OK == main(["policy", "show", "support-view"])
        assert "dated rules" not in capsys.readouterr().out

    def test_bad_policy(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """show of a policy with a problem is exit 2, naming the file."""
        path = tmp_path / "bad.toml"
        path.write_text(BAD, encoding="utf-8")
        assert EXIT_USAGE == main(["policy", "show", str(path)])
        assert str(path) in capsys.readouterr().err

    def test_action_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        """custdata policy without check or show is a usage error."""
        assert EXIT_USAGE == main(["policy"])
        capsys.readouterr()


class TestDemoPolicies:
    def test_section(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The demo applies partner-share and analytics and shows one contact before and after."""
        pytest.importorskip("faker")
        assert EXIT_OK == main(["demo", "--rows", "60"])
        out = capsys.readouterr().out
        section = next(part for part in re.split(r"^\d+\. ", out, flags=re.M) if "Policies" in part)
        assert "throwaway" in section
        assert re.search(r"partner-share .*: 60 contacts read", section)
        assert re.search(r"analytics .*: 60 contacts read", section)
        assert "(dropped)" in section

    def test_output_directory(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """demo -o DIR writes each policy's output (CSV) and audit (JSON) there."""
        pytest.importorskip("faker")
        out = tmp_path / "demo"
        assert EXIT_OK == main(["demo", "--rows", "40", "-o", str(out)])
        capsys.readouterr()
        expected = [
            "analytics.audit.json",
            "analytics.csv",
            "partner-share.audit.json",
            "partner-share.csv",
        ]
        assert expected == sorted(path.name for path in out.iterdir())
        audit = json.loads((out / "partner-share.audit.json").read_text(encoding="utf-8"))
        with (out / "partner-share.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert audit["rows"]["written"] == len(rows)
        assert audit["started_at"] is not None

    def test_output_is_a_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """demo -o on an existing file is a usage error."""
        path = tmp_path / "file"
        path.write_text("", encoding="utf-8")
        assert EXIT_USAGE == main(["demo", "-o", str(path)])
        assert "not a directory" in capsys.readouterr().err
