"""The command line as one tool: prefixes, suggestions, help texts and --max-rejects."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from custdata.cli import build_parser, main
from custdata.cli._common import EXIT_OK, EXIT_REJECTS, EXIT_USAGE, MaxRejects
from custdata.keys import KeyRing

# 10 rows, 2 of them with an email that cannot be valid.
_CONTACTS = "contact_id,email\n" + "".join(
    f"C-{i},{'broken' if i < 2 else f'user{i}@example.org'}\n" for i in range(10)
)


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    """Ten contacts, two of them rejected by validation."""
    path = tmp_path / "contacts.csv"
    path.write_text(_CONTACTS, encoding="utf-8")
    return path


def _parsers(parser: argparse.ArgumentParser, name: str = "custdata") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found += _parsers(sub, f"{name} {sub_name}")
    return found


_ALL = _parsers(build_parser())
_COMMANDS = [(name, parser) for name, parser in _ALL if name.count(" ") == 1]


class TestPrefixes:
    def test_error_names_the_command(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Once the command is known, errors read 'custdata validate: error: ...'."""
        code = main(["validate", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o.csv")])
        err = capsys.readouterr().err
        assert EXIT_OK != code
        assert err.startswith("custdata validate: error: ")

    def test_unknown_command_suggests_the_closest(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A mistyped sub-command is a usage error that suggests the closest one."""
        assert EXIT_USAGE == main(["validat", "x.csv"])
        err = capsys.readouterr().err
        assert err.startswith("custdata: error: unknown command 'validat'")
        assert "did you mean 'validate'?" in err

    def test_unknown_command_without_close_match(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A word close to no command lists the commands instead."""
        assert EXIT_USAGE == main(["zzzz"])
        err = capsys.readouterr().err
        assert "did you mean" not in err
        assert "commands: anonymise, apply, consent, convert, dedup, demo" in err

    def test_summary_goes_to_stderr(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Summaries are on stderr; stdout stays empty for the data."""
        main(["convert", str(contacts), "-o", str(tmp_path / "out.csv")])
        captured = capsys.readouterr()
        assert "" == captured.out
        assert "custdata convert: 10 rows read" in captured.err


class TestHelpTexts:
    @pytest.mark.parametrize(("name", "parser"), _ALL, ids=[name for name, _ in _ALL])
    def test_no_source_markup(self, name: str, parser: argparse.ArgumentParser) -> None:
        """Help shows no reStructuredText or Markdown code marks."""
        text = parser.format_help()
        assert "`" not in text

    @pytest.mark.parametrize(("name", "parser"), _ALL, ids=[name for name, _ in _ALL])
    def test_defaults_are_shown(self, name: str, parser: argparse.ArgumentParser) -> None:
        """Every option with a default says what it is."""
        missing = [
            action.option_strings
            for action in parser._actions
            if action.help not in (None, argparse.SUPPRESS)
            and action.default not in (None, False, [], argparse.SUPPRESS)
            and "default" not in str(action.help)
        ]
        assert [] == missing

    @pytest.mark.parametrize(("name", "parser"), _COMMANDS, ids=[name for name, _ in _COMMANDS])
    def test_each_command_has_an_example(self, name: str, parser: argparse.ArgumentParser) -> None:
        """Each command's help ends its description with an example running it."""
        text = parser.format_help()
        assert "example:" in text or "examples:" in text
        assert f"\n  {name} " in text


class TestMaxRejects:
    @pytest.mark.parametrize(
        ("option", "expected"),
        [("2", EXIT_OK), ("1", EXIT_REJECTS), ("20%", EXIT_OK), ("19.9%", EXIT_REJECTS)],
    )
    def test_validate_threshold(
        self,
        contacts: Path,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        option: str,
        expected: int,
    ) -> None:
        """Two rejects out of ten: within 2 or 20 % exit 0, beyond exit 3."""
        code = main(
            ["validate", str(contacts), "-o", str(tmp_path / "o.csv"), "--max-rejects", option]
        )
        err = capsys.readouterr().err
        assert expected == code
        assert "2 rejected" in err
        assert ("within --max-rejects" in err) == (expected == EXIT_OK)

    def test_convert_accepts_it(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """convert takes --max-rejects too (a clean file exits 0 whatever the level)."""
        code = main(["convert", str(contacts), "-o", str(tmp_path / "o.csv"), "--max-rejects", "0"])
        capsys.readouterr()
        assert EXIT_OK == code

    @pytest.mark.parametrize("text", ["-1", "abc", "101%", "5 %%", "1.5", ""])
    def test_bad_values(self, text: str) -> None:
        """Anything but a whole number or a percentage up to 100 is refused."""
        with pytest.raises(argparse.ArgumentTypeError):
            MaxRejects.parse(text)

    def test_bad_value_is_usage_error(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """On the command line a bad level is exit 2, naming the option."""
        code = main(["validate", str(contacts), "-o", str(tmp_path / "o"), "--max-rejects", "x"])
        assert EXIT_USAGE == code
        assert "--max-rejects" in capsys.readouterr().err

    def test_percentage_of_no_rows(self) -> None:
        """With no row read, nothing can be rejected, and 0 % tolerates that."""
        assert MaxRejects.parse("0%").tolerates(0, 0)
        assert not MaxRejects.parse("0%").tolerates(1, 10)


class TestSameFile:
    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["-o", "{input}"], "the output must not be the same file as INPUT"),
            (["-o", "{rejects}", "--rejects", "{rejects}"], "the same file as --rejects"),
            (
                ["-o", "{out}", "--rejects", "{input}"],
                "--rejects must not be the same file as INPUT",
            ),
        ],
    )
    def test_convert_refuses_one_file_twice(
        self,
        contacts: Path,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        extra: list[str],
        message: str,
    ) -> None:
        """An output, a rejects file and the input must be three files: exit 2 otherwise."""
        names = {"input": str(contacts), "out": str(tmp_path / "o.csv")}
        names["rejects"] = str(tmp_path / "r.csv")
        code = main(["convert", str(contacts), *(item.format(**names) for item in extra)])
        assert EXIT_USAGE == code
        assert message in capsys.readouterr().err
        assert _CONTACTS == contacts.read_text(encoding="utf-8")

    def test_audit_is_not_the_input(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--audit naming the input is exit 2, and the input is left as it was."""
        keys = tmp_path / "keys.json"
        KeyRing.generate().dump(keys)
        out = tmp_path / "o.csv"
        arguments = ["apply", "--policy", "analytics", "--keys", str(keys), str(contacts)]
        code = main([*arguments, "-o", str(out), "--audit", str(contacts)])
        assert EXIT_USAGE == code
        assert "--audit must not be the same file as INPUT" in capsys.readouterr().err
        assert _CONTACTS == contacts.read_text(encoding="utf-8")

    def test_standard_streams_are_no_file(
        self, contacts: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """'-o -' is never the same file as the input."""
        code = main(["convert", str(contacts), "-o", "-", "--output-format", "csv"])
        assert EXIT_OK == code
        assert "C-9" in capsys.readouterr().out
