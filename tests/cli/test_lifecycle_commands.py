"""custdata retention and custdata subject: plans, bundles and rectifications from files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_INPUT, EXIT_OK, EXIT_REJECTS, EXIT_USAGE

CONTACTS = (
    "contact_id,given_name,family_name,email,created_at,last_interaction_at\n"
    "P-OLD,Élodie,Martin,elodie@example.org,2022-06-01T12:00:00+00:00,2023-01-10T12:00:00+00:00\n"
    "C-HOLD,Jean,Dupont,jean@example.org,2019-01-01T12:00:00+00:00,2022-05-01T12:00:00+00:00\n"
    "BAD,Zoé,,,not-a-date,\n"
)
PURCHASES = (
    "purchase_id,contact_id,purchased_at,total.amount,total.currency,status\n"
    "O-1,C-HOLD,2022-03-15T12:00:00+00:00,10.00,EUR,completed\n"
)
CONSENTS = (
    "contact_id;purpose;channel;status;recorded_at\n"
    "P-OLD;newsletter;email;granted;2022-06-01T12:00:00+00:00\n"
    "P-OLD;newsletter;email;withdrawn;2025-06-01T12:00:00+00:00\n"
)
TODAY = "2026-12-01"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Contacts (one unreadable row), purchases and consents (with ';')."""
    paths = {name: tmp_path / f"{name}.csv" for name in ("contacts", "purchases", "consents")}
    for name, text in (("contacts", CONTACTS), ("purchases", PURCHASES), ("consents", CONSENTS)):
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _inputs(files: dict[str, Path]) -> list[str]:
    return [
        "--contacts",
        str(files["contacts"]),
        "--purchases",
        str(files["purchases"]),
        "--consents",
        str(files["consents"]),
    ]


class TestRetention:
    """custdata retention writes the plan and its totals."""

    def test_plan(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each record gets its action; the unreadable contact gives exit 3."""
        out = tmp_path / "plan.csv"
        code = main(["retention", *_inputs(files), "--today", TODAY, "-o", str(out)])
        assert EXIT_REJECTS == code
        with out.open(encoding="utf-8", newline="") as handle:
            actions = {
                (r["record_type"], r["record_id"]): r["action"] for r in csv.DictReader(handle)
            }
        assert "erase" == actions["contact", "P-OLD"]
        assert "archive" == actions["contact", "C-HOLD"]
        assert "archive" == actions["purchase", "O-1"]
        assert "keep" == actions["do_not_contact", "P-OLD|newsletter|email"]
        err = capsys.readouterr().err
        assert "keep 3, archive 2, pseudonymise 0, erase 1" in err
        assert "1 rows of --contacts cannot be read" in err

    def test_rules_file(self, files: dict[str, Path], tmp_path: Path) -> None:
        """--rules reads a TOML rule set; a bad one is exit 2 with nothing written."""
        rules = tmp_path / "rules.toml"
        rules.write_text(
            '[[rules]]\nname = "p"\nrecord_type = "contact"\ncondition = "prospect_inactive"\n'
            'months = 60\naction = "erase"\n',
            encoding="utf-8",
        )
        out = tmp_path / "plan.csv"
        args = ["retention", *_inputs(files), "--rules", str(rules), "--today", TODAY]
        assert EXIT_REJECTS == main([*args, "-o", str(out)])
        rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        assert "keep" == next(r for r in rows if r["record_id"] == "P-OLD")["action"]
        rules.write_text("[[rules]]\nname = 1\n", encoding="utf-8")
        out2 = tmp_path / "plan2.csv"
        assert EXIT_USAGE == main([*args, "-o", str(out2)])
        assert not out2.exists()

    def test_unreadable_consent_stops(self, files: dict[str, Path], tmp_path: Path) -> None:
        """A consent row that cannot be read is exit 4, nothing written."""
        files["consents"].write_text(
            CONSENTS + "P-OLD;newsletter;email;maybe;x\n", encoding="utf-8"
        )
        out = tmp_path / "plan.csv"
        assert EXIT_INPUT == main(["retention", *_inputs(files), "--today", TODAY, "-o", str(out)])
        assert not out.exists()


class TestSubject:
    """custdata subject export, erase and rectify."""

    def test_export(self, files: dict[str, Path], tmp_path: Path) -> None:
        """The bundle is JSON with the person's records and purposes."""
        out = tmp_path / "bundle.json"
        code = main(
            [
                "subject",
                "export",
                "--contact-id",
                "C-HOLD",
                *_inputs(files),
                "--purpose",
                "contact=customer relationship",
                "--purpose",
                "purchase=accounting",
                "-o",
                str(out),
            ]
        )
        assert EXIT_REJECTS == code
        bundle = json.loads(out.read_text(encoding="utf-8"))
        assert "jean@example.org" == bundle["portable"]["contact"][0]["email"]
        assert "accounting" == bundle["purposes"]["purchase"]

    def test_export_needs_purposes(self, files: dict[str, Path], tmp_path: Path) -> None:
        """A record type without a purpose is exit 2."""
        out = tmp_path / "bundle.json"
        args = ["subject", "export", "--contact-id", "C-HOLD", *_inputs(files), "-o", str(out)]
        assert EXIT_USAGE == main(args)
        assert not out.exists()

    def test_erase(self, files: dict[str, Path], tmp_path: Path) -> None:
        """The erasure plan holds the invoice and lists pseudonyms under every key."""
        keys = tmp_path / "keys.json"
        assert EXIT_OK == main(["keys", "new", "-o", str(keys)])
        out = tmp_path / "erase.json"
        code = main(
            [
                "subject",
                "erase",
                "--contact-id",
                "C-HOLD",
                *_inputs(files),
                "--policy",
                "partner-share",
                "--keys",
                str(keys),
                "--today",
                TODAY,
                "-o",
                str(out),
            ]
        )
        assert EXIT_REJECTS == code
        plan = json.loads(out.read_text(encoding="utf-8"))
        assert {"keep": 0, "archive": 2, "pseudonymise": 0, "erase": 0} == plan["totals"]
        assert {"contact_id", "email"} == {p["field"] for p in plan["pseudonyms"]}

    def test_erase_unknown_person(self, files: dict[str, Path], tmp_path: Path) -> None:
        """An id no contact has is exit 2."""
        out = tmp_path / "erase.json"
        args = ["subject", "erase", "--contact-id", "NOBODY", *_inputs(files), "-o", str(out)]
        assert EXIT_USAGE == main([*args, "--today", TODAY])

    def test_rectify(self, files: dict[str, Path], tmp_path: Path) -> None:
        """The new contact is written normalised; the log names the field only."""
        changes = tmp_path / "changes.json"
        changes.write_text('{"email": "Jean.Dupont@Example.org"}', encoding="utf-8")
        out, log = tmp_path / "new.csv", tmp_path / "log.json"
        code = main(
            [
                "subject",
                "rectify",
                "--contact-id",
                "C-HOLD",
                "--contacts",
                str(files["contacts"]),
                "--changes",
                str(changes),
                "--request-id",
                "R-1",
                "--today",
                TODAY,
                "--log",
                str(log),
                "-o",
                str(out),
            ]
        )
        assert EXIT_OK == code
        row = next(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        assert "jean.dupont@example.org" == row["email"]
        assert {
            "contact_id": "C-HOLD",
            "request_id": "R-1",
            "changed_at": TODAY,
            "fields": ["email"],
        } == json.loads(log.read_text(encoding="utf-8"))

    def test_rectify_invalid(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An invalid change is exit 4, nothing written, the value never shown."""
        changes = tmp_path / "changes.json"
        changes.write_text('{"email": "nope-at-all"}', encoding="utf-8")
        out = tmp_path / "new.csv"
        code = main(
            [
                "subject",
                "rectify",
                "--contact-id",
                "C-HOLD",
                "--contacts",
                str(files["contacts"]),
                "--changes",
                str(changes),
                "--request-id",
                "R-1",
                "--today",
                TODAY,
                "-o",
                str(out),
            ]
        )
        assert EXIT_INPUT == code
        assert not out.exists()
        assert "nope-at-all" not in capsys.readouterr().err
