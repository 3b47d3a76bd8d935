"""The shared key and date options: --keys FILE or CUSTDATA_KEYS, --today and --at."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import (
    EXIT_OK,
    EXIT_USAGE,
    KEYS_VARIABLE,
    add_date_arguments,
    add_key_arguments,
    at_from,
    exit_code_for,
    keys_from,
    run_command,
    started_at,
    today_from,
)
from custdata.errors import KeyRingError
from custdata.keys import KeyRing


def _parser(**dates: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="custdata test", exit_on_error=False)
    add_key_arguments(parser)
    add_date_arguments(parser, **dates)
    return parser


@pytest.fixture
def no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests start without CUSTDATA_KEYS, whatever the environment running them."""
    monkeypatch.delenv(KEYS_VARIABLE, raising=False)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A key file as `custdata keys new` writes it."""
    path = tmp_path / "keys.json"
    KeyRing.generate(key_id="k-file").dump(path)
    return path


@pytest.mark.usefixtures("no_env_keys")
class TestKeysFrom:
    def test_key_file(self, key_file: Path) -> None:
        """--keys FILE loads the key ring of the file."""
        ring = keys_from(_parser().parse_args(["--keys", str(key_file)]), required=True)
        assert ring is not None
        assert "k-file" == ring.active

    def test_environment_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without --keys, CUSTDATA_KEYS holds the key file's JSON."""
        monkeypatch.setenv(KEYS_VARIABLE, KeyRing.generate(key_id="k-env").to_json())
        ring = keys_from(_parser().parse_args([]), required=True)
        assert ring is not None
        assert "k-env" == ring.active

    def test_option_wins_over_variable(
        self, key_file: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--keys is used when both are given."""
        monkeypatch.setenv(KEYS_VARIABLE, KeyRing.generate(key_id="k-env").to_json())
        ring = keys_from(_parser().parse_args(["--keys", str(key_file)]), required=True)
        assert ring is not None
        assert "k-file" == ring.active

    def test_none_when_not_required(self) -> None:
        """A command that can run without keys gets None."""
        assert keys_from(_parser().parse_args([]), required=False) is None

    def test_empty_variable_is_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """CUSTDATA_KEYS= counts as not set."""
        monkeypatch.setenv(KEYS_VARIABLE, "")
        assert keys_from(_parser().parse_args([]), required=False) is None

    def test_required_and_missing(self) -> None:
        """A command that needs keys says where they come from; exit code 2."""
        with pytest.raises(KeyRingError) as caught:
            keys_from(_parser().parse_args([]), required=True)
        assert "--keys FILE" in str(caught.value)
        assert KEYS_VARIABLE in str(caught.value)
        assert EXIT_USAGE == exit_code_for(caught.value)

    def test_reason_opens_the_error(self) -> None:
        """The command's reason for needing keys opens the error."""
        with pytest.raises(KeyRingError) as caught:
            keys_from(_parser().parse_args([]), required=True, reason="policy 'p' needs keys")
        assert str(caught.value).startswith("policy 'p' needs keys: give --keys FILE")

    def test_missing_file_is_named(self, tmp_path: Path) -> None:
        """A key file that does not exist is named in the error."""
        missing = tmp_path / "nope.json"
        with pytest.raises(KeyRingError) as caught:
            keys_from(_parser().parse_args(["--keys", str(missing)]), required=True)
        assert str(missing) in str(caught.value)

    def test_malformed_file_is_named_without_its_keys(self, tmp_path: Path) -> None:
        """A key file with a short key names the file, never the key."""
        short = base64.b64encode(b"0123456789abcdef").decode("ascii")
        path = tmp_path / "short.json"
        path.write_text(json.dumps({"version": 1, "active": "k1", "keys": {"k1": short}}))
        path.chmod(0o600)
        with pytest.raises(KeyRingError) as caught:
            keys_from(_parser().parse_args(["--keys", str(path)]), required=True)
        message = str(caught.value)
        assert str(path) in message
        assert short not in message
        assert "0123456789abcdef" not in message

    def test_malformed_variable_is_named_without_its_content(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bad CUSTDATA_KEYS names the variable, never its content."""
        document = {"version": 1, "active": "k1", "keys": {"k1": "c2VjcmV0"}}
        monkeypatch.setenv(KEYS_VARIABLE, json.dumps(document))
        with pytest.raises(KeyRingError) as caught:
            keys_from(_parser().parse_args([]), required=True)
        assert KEYS_VARIABLE in str(caught.value)
        assert "c2VjcmV0" not in str(caught.value)

    def test_no_key_value_option(self) -> None:
        """The help says a key is never given on the command line."""
        text = _parser().format_help()
        assert KEYS_VARIABLE in text
        assert "Never a key on the command line" in " ".join(text.split())


class TestDates:
    def test_today_given(self) -> None:
        """--today YYYY-MM-DD is that day."""
        args = _parser().parse_args(["--today", "2026-01-31"])
        assert dt.date(2026, 1, 31) == today_from(args)

    def test_bad_today_is_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A --today that is not a date is refused by the parser."""
        parser = _parser()
        parser.exit_on_error = True
        with pytest.raises(SystemExit) as caught:
            parser.parse_args(["--today", "31/01/2026"])
        assert EXIT_USAGE == caught.value.code
        assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err

    def test_today_defaults_to_the_start_date(self) -> None:
        """Without --today, the day is the command's start date in the local time zone."""
        args = _parser().parse_args([])
        seen: list[dt.date] = []

        def command(parsed: argparse.Namespace) -> int:
            seen.append(today_from(parsed))
            seen.append(started_at().date())
            return EXIT_OK

        assert EXIT_OK == run_command(command, args)
        assert seen[0] == seen[1]

    def test_start_is_read_once(self) -> None:
        """Every helper of one run sees the same start time, aware."""
        args = _parser(at=True).parse_args([])
        seen: list[dt.datetime] = []

        def command(parsed: argparse.Namespace) -> int:
            seen.append(at_from(parsed))
            seen.append(started_at())
            return EXIT_OK

        run_command(command, args)
        assert seen[0] == seen[1]
        assert seen[0].tzinfo is not None

    def test_at_aware(self) -> None:
        """--at with an offset keeps it."""
        args = _parser(at=True).parse_args(["--at", "2026-01-31T18:00:00+01:00"])
        expected = dt.datetime(2026, 1, 31, 17, tzinfo=dt.UTC)
        assert expected == at_from(args)

    def test_at_naive_is_local(self) -> None:
        """--at without an offset is read in the local time zone."""
        args = _parser(at=True).parse_args(["--at", "2026-01-31T18:00:00"])
        expected = dt.datetime(2026, 1, 31, 18).astimezone()  # local, as documented
        assert expected == at_from(args)
        assert at_from(args).tzinfo is not None

    def test_only_the_options_asked_for(self) -> None:
        """add_date_arguments adds --today, --at or both."""
        assert "--at" not in _parser().format_help()
        only_at = _parser(today=False, at=True).format_help()
        assert "--at" in only_at
        assert "--today" not in only_at


class TestValidateToday:
    def test_validate_uses_the_shared_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        """validate --today keeps its meaning and gains the default's explanation."""
        assert EXIT_OK == main(["validate", "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "the date birth dates are checked against" in text
        assert "the date the command starts, in the local time zone" in text
