"""custdata validate: normalised output, rejects with issues and values, summary, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_REJECTS, EXIT_USAGE

CONTACTS = (
    "contact_id;given_name;email;phone;address.postal_code;address.country;birth_date\n"
    "c1; Élodie ;Elodie.Martin@Example.FR;06 12 34 56 78;75011;fr;1985-03-14\n"
    "c2;Jean2;jean.durand@;06 12 34;2A004;FR;2090-01-01\n"
    "c3;Marie;marie@example.com;+32 470 12 34 56;1000;BE;\n"
    "c4;Zoé;zoe@example.com;0612345678;;;not-a-date\n"
    "c5;Paul7;paul@example.com;07 56 34 56 78;20200;FR;1970-01-01\n"
)
PLANTED = ("Elodie.Martin@Example.FR", "jean.durand@", "06 12 34", "2A004", "Jean2")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    """A messy French contacts export with ';'."""
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS, encoding="utf-8")
    return path


class TestValidateCommand:
    def test_outputs_and_reconciliation(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Clean rows are normalised, others rejected with issues and values; counts reconcile."""
        out, rejects = tmp_path / "normalised.csv", tmp_path / "rejects.csv"
        code = main(
            [
                "validate",
                str(contacts),
                "-o",
                str(out),
                "--rejects",
                str(rejects),
                "--today",
                "2025-06-01",
            ]
        )
        assert code == EXIT_REJECTS
        rows = _read(out)
        assert [row["contact_id"] for row in rows] == ["c1", "c3", "c5"]
        first = rows[0]
        assert (first["given_name"], first["email"], first["phone"], first["address.country"]) == (
            "Élodie",
            "elodie.martin@example.fr",
            "+33612345678",
            "FR",
        )
        assert rows[1]["phone"] == "+32470123456"
        refused = _read(rejects)
        assert [row["_row"] for row in refused] == ["2", "4"]
        assert refused[0]["email"] == "jean.durand@"  # rejects keep the row's values
        for code_name in (
            "invalid_email",
            "invalid_phone",
            "invalid_postal_code",
            "birth_date_in_future",
            "name_contains_digits",
        ):
            assert code_name in refused[0]["_issues"]
        assert "invalid_date" in refused[1]["_issues"]
        err = capsys.readouterr().err
        assert "5 rows read, 3 written, 2 rejected" in err
        assert "issues by field and code" in err
        assert "name_contains_digits  warning   2" in err
        for value in PLANTED:
            assert value not in err

    def test_all_clean(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A clean file exits 0 and says so."""
        path = tmp_path / "clean.csv"
        path.write_text("contact_id,email\nc1,a@example.com\n", encoding="utf-8")
        assert main(["validate", str(path), "-o", str(tmp_path / "out.csv")]) == EXIT_OK
        err = capsys.readouterr().err
        assert "no issues found" in err
        assert "1 rows read, 1 written, 0 rejected" in err

    def test_jsonl_and_keep_email_case(self, contacts: Path, tmp_path: Path) -> None:
        """JSONL output works, and --keep-email-case keeps the local part's case."""
        out = tmp_path / "out.jsonl"
        main(
            [
                "validate",
                str(contacts),
                "-o",
                str(out),
                "--keep-email-case",
                "--today",
                "2025-06-01",
            ]
        )
        first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        assert first["email"] == "Elodie.Martin@example.fr"

    def test_region(self, tmp_path: Path) -> None:
        """--region sets the country of national numbers and postal codes."""
        path = tmp_path / "be.csv"
        path.write_text(
            "contact_id,phone,address.postal_code\nc1,0470 12 34 56,1000\n", encoding="utf-8"
        )
        out = tmp_path / "out.csv"
        assert main(["validate", str(path), "-o", str(out), "--region", "BE"]) == EXIT_OK
        assert _read(out)[0]["phone"] == "+32470123456"

    def test_bad_region(self, contacts: Path, tmp_path: Path) -> None:
        """An unknown region is a usage error and nothing is written."""
        out = tmp_path / "out.csv"
        assert main(["validate", str(contacts), "-o", str(out), "--region", "ZZ"]) == EXIT_USAGE
        assert not out.exists()

    def test_bad_today(self, contacts: Path, tmp_path: Path) -> None:
        """--today must be a date."""
        args = ["validate", str(contacts), "-o", str(tmp_path / "o.csv"), "--today", "tomorrow"]
        assert main(args) == EXIT_USAGE

    def test_small_batches(self, contacts: Path, tmp_path: Path) -> None:
        """Tiny batches give the same output as one batch."""
        one, many = tmp_path / "one.csv", tmp_path / "many.csv"
        base = ["validate", str(contacts), "--today", "2025-06-01"]
        main([*base, "-o", str(one)])
        main([*base, "-o", str(many), "--batch-size", "2"])
        assert one.read_text(encoding="utf-8") == many.read_text(encoding="utf-8")


class TestParseAndContentIssues:
    def test_row_reports_both(self, tmp_path: Path) -> None:
        """A row whose date cannot be read and whose email is invalid reports both issues."""
        path = tmp_path / "both.csv"
        path.write_text(
            "contact_id,email,birth_date\nC-1,broken-email,not-a-date\nC-2,a@example.org,\n",
            encoding="utf-8",
        )
        rejects = tmp_path / "rejects.csv"
        code = main(
            ["validate", str(path), "-o", str(tmp_path / "o.csv"), "--rejects", str(rejects)]
        )
        rows = _read(rejects)
        assert EXIT_REJECTS == code
        assert ["1"] == [row["_row"] for row in rows]
        assert "[invalid_date]" in rows[0]["_issues"]
        assert "[invalid_email]" in rows[0]["_issues"]

    def test_bad_required_field_reports_its_shape_issue(self, tmp_path: Path) -> None:
        """When the record cannot be built without the bad column, its shape issues remain."""
        path = tmp_path / "bad.csv"
        path.write_text("contact_id,email,preferred_channels\n,broken,\n", encoding="utf-8")
        rejects = tmp_path / "rejects.csv"
        main(["validate", str(path), "-o", str(tmp_path / "o.csv"), "--rejects", str(rejects)])
        assert 1 == len(_read(rejects))
