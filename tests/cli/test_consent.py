"""custdata consent audience and history: several named inputs, counts by reason, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_INPUT, EXIT_OK, EXIT_REJECTS, EXIT_USAGE

CONSENTS = (
    "contact_id;purpose;channel;status;recorded_at;source;policy_version;proof\n"
    "C-001;newsletter;email;granted;2026-01-15T10:00:00+01:00;web_signup_form;2026-01;form-1\n"
    "C-001;newsletter;sms;withdrawn;2026-06-10T18:02:00+02:00;sms_stop;;sms-77\n"
    "C-002;newsletter;email;granted;2026-02-01T10:00:00+01:00;checkout_form;2026-01;\n"
    "C-003;all;phone;withdrawn;2026-03-01T10:00:00+01:00;call_centre;;call-9\n"
    "C-002;offers;sms;granted;2026-02-01T10:00:00+01:00;checkout_form;2026-01;\n"
)
CONTACTS = (
    "contact_id,given_name,company,birth_date\n"
    "C-001,Élodie,,1985-01-01\n"
    "C-002,Jean,,not-a-date\n"
    "C-003,Marie,,\n"
    "C-004,Paul,Durand SA,\n"
    "C-005,Zoé,,\n"
)
PURCHASES = (
    "purchase_id,contact_id,purchased_at,total.amount,total.currency,status\n"
    "P-1,C-005,2026-10-01T10:00:00+02:00,25.00,EUR,completed\n"
)
AT = "2026-12-01T09:00:00+01:00"


def _ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["contact_id"] for row in csv.DictReader(handle)]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A consents export with ';', contacts and purchases with ','."""
    paths = {
        "consents": tmp_path / "consents.csv",
        "contacts": tmp_path / "contacts.csv",
        "purchases": tmp_path / "purchases.csv",
    }
    for name, text in (("consents", CONSENTS), ("contacts", CONTACTS), ("purchases", PURCHASES)):
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _audience(files: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "consent",
        "audience",
        "--consents",
        str(files["consents"]),
        "--contacts",
        str(files["contacts"]),
        "--purpose",
        "newsletter",
        "--channel",
        "email",
        "--at",
        AT,
        "-o",
        str(out),
        *extra,
    ]


class TestAudience:
    """custdata consent audience."""

    def test_audience_and_counts(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The allowed ids are written; the counts by reason go to stderr."""
        out = tmp_path / "audience.csv"
        code = main(_audience(files, out, "--purchases", str(files["purchases"])))
        err = capsys.readouterr().err
        assert (EXIT_OK, ["C-002", "C-004", "C-005"]) == (code, _ids(out))
        assert "5 contacts read, 3 may be contacted for newsletter on email" in err
        for line in (
            "  consent_granted: 1",
            "  soft_opt_in: 1",
            "  no_objection: 1",
            "  withdrawn: 1",
            "  global_opt_out: 1",
        ):
            assert line in err.splitlines()

    def test_without_purchases_no_soft_opt_in(self, files: dict[str, Path], tmp_path: Path) -> None:
        """Without --purchases, the customer without consent is left out."""
        out = tmp_path / "audience.csv"
        assert EXIT_OK == main(_audience(files, out))
        assert ["C-002", "C-004"] == _ids(out)

    def test_channel_scope(self, files: dict[str, Path], tmp_path: Path) -> None:
        """With --withdrawal-scope channel, the SMS STOP leaves the email newsletter."""
        out = tmp_path / "audience.csv"
        assert EXIT_OK == main(_audience(files, out, "--withdrawal-scope", "channel"))
        assert ["C-001", "C-002", "C-004"] == _ids(out)

    def test_unreadable_consent_row_stops(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A consent row that cannot be read might be a withdrawal: exit 4, nothing written."""
        files["consents"].write_text(
            CONSENTS + "C-005;newsletter;email;maybe;2026-03-01T10:00:00+01:00;;;\n",
            encoding="utf-8",
        )
        out = tmp_path / "audience.csv"
        code = main(_audience(files, out))
        err = capsys.readouterr().err
        assert (EXIT_INPUT, False) == (code, out.exists())
        assert "1 consent rows cannot be read" in err
        assert "row 6: status" in err
        assert "maybe" not in err

    def test_unreadable_contact_row(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A contact row that cannot be read is left out, and the exit code is 3."""
        files["contacts"].write_text(
            CONTACTS + "C-006,Luc,,,extra-cell\n,Anonyme,,\n", encoding="utf-8"
        )
        out = tmp_path / "audience.csv"
        code = main(_audience(files, out))
        err = capsys.readouterr().err
        assert (EXIT_REJECTS, ["C-002", "C-004"]) == (code, _ids(out))
        assert "2 rows of --contacts cannot be read and are left out of the audience" in err

    def test_each_input_its_own_delimiter(self, files: dict[str, Path], tmp_path: Path) -> None:
        """--consents-delimiter applies to the consents, --delimiter to the other inputs."""
        files["contacts"].write_text(CONTACTS.replace(",", ";"), encoding="utf-8")
        files["consents"].write_text(CONSENTS.replace(";", "|"), encoding="utf-8")
        out = tmp_path / "audience.csv"
        code = main(_audience(files, out, "--consents-delimiter", "|", "--delimiter", ";"))
        assert (EXIT_OK, ["C-002", "C-004"]) == (code, _ids(out))

    def test_per_input_map(self, files: dict[str, Path], tmp_path: Path) -> None:
        """--contacts-map reads a foreign header for the contacts only."""
        files["contacts"].write_text(
            CONTACTS.replace("contact_id,", "Identifiant,", 1), encoding="utf-8"
        )
        out = tmp_path / "audience.csv"
        code = main(_audience(files, out, "--contacts-map", "Identifiant=contact_id"))
        assert (EXIT_OK, ["C-002", "C-004"]) == (code, _ids(out))

    def test_jsonl_output(self, files: dict[str, Path], tmp_path: Path) -> None:
        """The output's format comes from its suffix."""
        out = tmp_path / "audience.jsonl"
        assert EXIT_OK == main(_audience(files, out))
        assert ['{"contact_id":"C-002"}', '{"contact_id":"C-004"}'] == [
            line.replace(" ", "") for line in out.read_text(encoding="utf-8").splitlines()
        ]

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (("--expiry-months", "0"), "--expiry-months must be a positive int"),
            (("--consents-format", "xml"), "invalid choice"),
        ],
    )
    def test_usage_errors(
        self,
        files: dict[str, Path],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        extra: tuple[str, ...],
        message: str,
    ) -> None:
        """Bad options exit 2 and write nothing."""
        out = tmp_path / "audience.csv"
        code = main(_audience(files, out, *extra))
        assert (EXIT_USAGE, False) == (code, out.exists())
        assert message in capsys.readouterr().err

    def test_reserved_purpose(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The reserved purpose 'all' cannot be asked about."""
        out = tmp_path / "audience.csv"
        arguments = _audience(files, out)
        arguments[arguments.index("newsletter")] = "all"
        assert EXIT_USAGE == main(arguments)
        assert "reserved" in capsys.readouterr().err

    def test_output_is_an_input(
        self, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Writing over an input is refused."""
        assert EXIT_USAGE == main(_audience(files, files["contacts"]))
        assert "the same file as --contacts" in capsys.readouterr().err
        assert CONTACTS == files["contacts"].read_text(encoding="utf-8")

    def test_two_standard_inputs(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Only one input may be standard input."""
        arguments = _audience(files, tmp_path / "out.csv")
        arguments[arguments.index(str(files["consents"]))] = "-"
        arguments[arguments.index(str(files["contacts"]))] = "-"
        assert EXIT_USAGE == main(arguments)
        assert "only one input can be standard input" in capsys.readouterr().err

    def test_missing_input(self, files: dict[str, Path], tmp_path: Path) -> None:
        """A consents file that does not exist is exit 4."""
        files["consents"].unlink()
        assert EXIT_INPUT == main(_audience(files, tmp_path / "out.csv"))


class TestHistory:
    """custdata consent history."""

    def test_history_to_standard_output(
        self, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One contact's events, oldest first, as CSV on standard output."""
        code = main(
            [
                "consent",
                "history",
                "--consents",
                str(files["consents"]),
                "--contact-id",
                "C-002",
            ]
        )
        captured = capsys.readouterr()
        rows = list(csv.DictReader(captured.out.splitlines()))
        assert (EXIT_OK, [("newsletter", "email"), ("offers", "sms")]) == (
            code,
            [(row["purpose"], row["channel"]) for row in rows],
        )
        assert "2 events written to standard output" in captured.err

    def test_proof_of_a_purpose(self, files: dict[str, Path], tmp_path: Path) -> None:
        """With --purpose, the events of that purpose only, to a file."""
        out = tmp_path / "history.csv"
        code = main(
            [
                "consent",
                "history",
                "--consents",
                str(files["consents"]),
                "--contact-id",
                "C-002",
                "--purpose",
                "offers",
                "-o",
                str(out),
            ]
        )
        assert (EXIT_OK, ["C-002"]) == (code, _ids(out))

    def test_help_lists_the_actions(self, capsys: pytest.CaptureFixture[str]) -> None:
        """custdata consent --help names audience and history."""
        assert EXIT_OK == main(["consent", "--help"])
        out = capsys.readouterr().out
        assert ("audience" in out, "history" in out) == (True, True)
