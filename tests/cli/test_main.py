"""The custdata command: help, version, discovery and the exit-code mapping."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custdata import __version__
from custdata.cli import main
from custdata.cli._common import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PRIVACY,
    EXIT_USAGE,
    UsageError,
    run_command,
)
from custdata.errors import (
    InputError,
    KeyRingError,
    MissingDependencyError,
    PolicyError,
    PrivacyRequirementError,
)

PLANTED = "jean.dupont@example.org"


class TestHelpAndVersion:
    def test_help_lists_commands_and_exit_codes(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--help exits 0 and lists the sub-commands and the exit codes."""
        assert main(["--help"]) == EXIT_OK
        out = capsys.readouterr().out
        assert "convert" in out
        assert "demo" in out
        assert "privacy requirement" in out

    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the version and exits 0."""
        assert main(["--version"]) == EXIT_OK
        assert capsys.readouterr().out.strip() == f"custdata {__version__}"

    def test_no_command_is_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without a sub-command, the help goes to stderr and the exit code is 2."""
        assert main([]) == EXIT_USAGE
        assert "usage: custdata" in capsys.readouterr().err

    def test_unknown_option_is_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """argparse errors become exit code 2 without raising SystemExit."""
        assert main(["convert", "--nope"]) == EXIT_USAGE
        assert "error:" in capsys.readouterr().err

    def test_sub_command_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Each sub-command has its own help with the shared options."""
        assert main(["convert", "--help"]) == EXIT_OK
        out = capsys.readouterr().out
        for option in ("--delimiter", "--encoding", "--map", "--type", "--rejects", "-o"):
            assert option in out

    def test_python_m(self) -> None:
        """python -m custdata.cli exits with main's code."""
        result = subprocess.run(
            [sys.executable, "-m", "custdata.cli", "convert"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == EXIT_USAGE
        assert "Traceback" not in result.stderr

    def test_console_script(self) -> None:
        """The installed console script exits with main's code."""
        script = Path(sys.executable).with_name("custdata")
        if not script.exists():
            script = Path(shutil.which("custdata") or "custdata")
        result = subprocess.run(
            [str(script), "--version"], capture_output=True, text=True, check=False
        )
        assert result.returncode == EXIT_OK
        assert __version__ in result.stdout


def raising(error: BaseException) -> object:
    """Return a run function that raises ``error``."""

    def run(args: argparse.Namespace) -> int:
        raise error

    return run


class TestRunCommand:
    @pytest.mark.parametrize(
        ("error", "code"),
        [
            (UsageError("bad argument"), EXIT_USAGE),
            (PolicyError("bad policy"), EXIT_USAGE),
            (KeyRingError("unknown key id"), EXIT_USAGE),
            (MissingDependencyError("pyarrow", "arrow"), EXIT_USAGE),
            (InputError("empty file"), EXIT_INPUT),
            (PrivacyRequirementError("k below 5"), EXIT_PRIVACY),
        ],
    )
    def test_errors_map_to_codes(
        self, error: Exception, code: int, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each custdata error maps to its documented exit code, with its message."""
        assert code == run_command(raising(error), argparse.Namespace())  # type: ignore[arg-type]
        err = capsys.readouterr().err
        assert err.startswith("custdata: error: ")
        assert "Traceback" not in err

    def test_bug_hides_values_and_traceback(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An unexpected error prints its type only, asks for a report and shows no traceback."""
        monkeypatch.delenv("CUSTDATA_DEBUG", raising=False)
        error = KeyError(PLANTED)
        assert EXIT_BUG == run_command(raising(error), argparse.Namespace())  # type: ignore[arg-type]
        err = capsys.readouterr().err
        assert "unexpected KeyError" in err
        assert "report" in err
        assert PLANTED not in err
        assert "Traceback" not in err

    def test_debug_shows_traceback(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """CUSTDATA_DEBUG=1 shows the traceback of an unexpected error."""
        monkeypatch.setenv("CUSTDATA_DEBUG", "1")
        assert EXIT_BUG == run_command(raising(ValueError("x")), argparse.Namespace())  # type: ignore[arg-type]
        assert "Traceback" in capsys.readouterr().err

    def test_os_error_is_short(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A system error (disk full) prints its reason, not a bug report."""
        error = OSError(28, "No space left on device", "out.csv")
        assert EXIT_BUG == run_command(raising(error), argparse.Namespace())  # type: ignore[arg-type]
        err = capsys.readouterr().err
        assert "No space left on device: out.csv" in err
        assert "report" not in err


class TestDemo:
    def test_demo_runs(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The demo exits 0 and shows records, issues, categories and to_dict."""
        assert main(["demo"]) == EXIT_OK
        out = capsys.readouterr().out
        assert "date 1985-07-14" in out
        assert "[invalid_date]" in out
        assert "quasi_identifier:" in out
        assert '"amount": "49.90"' in out

    def test_demo_validates_a_generated_dataset(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Rows per record type, issues by code matching the ground truth, one before/after."""
        pytest.importorskip("faker")
        from custdata.synthetic import generate

        assert main(["demo", "--rows", "120", "--seed", "5"]) == EXIT_OK
        out = capsys.readouterr().out
        dataset = generate(120, seed=5)
        assert f"{len(dataset.contacts):>7} contacts" in out
        assert f"{len(dataset.purchases):>7} purchases" in out
        section = _section(out, "Validation and normalisation")
        assert re.search(rf"contacts\s+{len(dataset.contacts)}\s+\d+\s+\d+", section)
        planted: dict[str, int] = {}
        for value in dataset.truth.dirty_values:
            if value.issue_code:
                planted[value.issue_code] = planted.get(value.issue_code, 0) + 1
        for code, count in planted.items():
            assert re.search(rf"^  {code}\s+error\s+{count}$", section, re.MULTILINE)
        assert "before and after normalise" in section
        assert " -> " in section.split("before and after normalise")[1]

    def test_demo_without_faker_still_runs(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without the synthetic extra the generated part is skipped with the extra to install."""
        import custdata.synthetic

        def missing(*args: object, **kwargs: object) -> None:
            raise MissingDependencyError("faker", "synthetic")

        monkeypatch.setattr(custdata.synthetic, "generate", missing)
        assert main(["demo"]) == EXIT_OK
        out = capsys.readouterr().out
        assert "Skipped:" in out
        assert "synthetic" in _section(out, "A synthetic customer base")
        assert "detokenise(token) gives the email back: True" in out

    def test_demo_rejects_bad_options(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown locale or a row count out of range is a usage error."""
        assert main(["demo", "--locale", "xx_XX"]) == EXIT_USAGE
        assert "--locale" in capsys.readouterr().err
        assert main(["demo", "--rows", "0"]) == EXIT_USAGE
        assert "--rows" in capsys.readouterr().err

    def test_demo_uses_reserved_domains_only(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Every email the demo shows is on a domain reserved for examples (RFC 2606, 6761)."""
        main(["demo"])
        domains = set(re.findall(r"@([\w.-]+\w)", capsys.readouterr().out))
        assert domains
        for domain in domains:
            assert domain in {"example.com", "example.org", "example.net"} or domain.endswith(
                (".example", ".test", ".invalid")
            ), domain

    def test_demo_never_shows_invalid_values(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The validation sections show issues, not the rejected values."""
        pytest.importorskip("faker")
        from custdata.synthetic import generate

        main(["demo"])
        out = capsys.readouterr().out
        section = _section(out, "Every problem at once")
        assert "31/02/1990" not in section
        assert "sometimes" not in section
        issues = _section(out, "Validation and normalisation").split("before and after")[0]
        dataset = generate(300)
        for value in dataset.truth.dirty_values:
            if value.issue_code:
                contact = next(c for c in dataset.contacts if c.contact_id == value.contact_id)
                spoiled = getattr(contact, value.path)
                assert spoiled not in issues


def _section(out: str, title: str) -> str:
    """The text of the demo section whose heading contains ``title``."""
    parts = re.split(r"^\d+\. ", out, flags=re.MULTILINE)
    return next(part for part in parts if part.startswith(title))
