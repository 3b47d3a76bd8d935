"""custdata retention and custdata subject: plans, bundles and rectifications from files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from custdata import Consent, Purchase
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


def _utc(*day: int) -> dt.datetime:
    return dt.datetime(*day, 12, tzinfo=dt.UTC)


@pytest.fixture
def parquet(tmp_path: Path) -> dict[str, Path]:
    """The CSV fixture's data as Parquet (typed date-times), with one bad row in each file."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    stamp = pa.timestamp("us", tz="UTC")
    tables = {
        "contacts": pa.table(
            {
                "contact_id": ["P-OLD", "C-HOLD", None],
                "email": ["elodie@example.org", "not an email", ""],  # not read: not checked
                "created_at": pa.array([_utc(2022, 6, 1), _utc(2019, 1, 1), None], stamp),
                "last_interaction_at": pa.array([_utc(2023, 1, 10), _utc(2022, 5, 1), None], stamp),
            }
        ),
        "purchases": pa.table(
            {
                "purchase_id": ["O-1", "O-2", "O-3"],
                "contact_id": ["C-HOLD", "C-HOLD", "C-HOLD"],
                "purchased_at": pa.array([_utc(2022, 3, 15), _utc(2022, 3, 16), None], stamp),
                "total.amount": pa.array(
                    [Decimal("19.9"), None, Decimal("5")], pa.decimal128(18, 4)
                ),
                "total.currency": ["EUR", "EUR", "EUR"],
                "status": pa.array(["completed", "bogus", "completed"]).dictionary_encode(),
            }
        ),
        "consents": pa.table(
            {
                "contact_id": ["P-OLD", "P-OLD"],
                "purpose": ["newsletter", "newsletter"],
                "channel": pa.array(["email", "email"]).dictionary_encode(),
                "status": pa.array(["granted", "withdrawn"]).dictionary_encode(),
                "recorded_at": pa.array([_utc(2022, 6, 1), _utc(2025, 6, 1)], stamp),
            }
        ),
    }
    paths = {}
    for name, table in tables.items():
        paths[name] = tmp_path / f"{name}.parquet"
        pq.write_table(table, paths[name])
    return paths


class TestRetentionParquet:
    """On Parquet, custdata retention reads only the rules' columns, as Arrow, no record per row."""

    def test_plan_and_rejects(
        self,
        parquet: dict[str, Path],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Good rows are planned as from CSV; bad rows are reported with their issues."""
        import custdata.io
        from custdata.cli import retention

        def refused(args: object, named: object) -> None:
            assert getattr(args, named.dest) is None  # type: ignore[attr-defined]  # not given

        monkeypatch.setattr(retention, "read_named_records", refused)
        parsed: list[int] = []
        parse_batch = custdata.io.parse_batch

        def counting(rows: list[object], *args: object, **kwargs: object) -> object:
            parsed.append(len(rows))
            return parse_batch(rows, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(custdata.io, "parse_batch", counting)
        out = tmp_path / "plan.csv"
        code = main(["retention", *_inputs(parquet), "--today", TODAY, "-o", str(out)])
        assert EXIT_REJECTS == code
        rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        actions = {(r["record_type"], r["record_id"]): r["action"] for r in rows}
        assert {
            ("contact", "P-OLD"): "erase",
            ("contact", "C-HOLD"): "archive",
            ("purchase", "O-1"): "archive",
            ("consent", "P-OLD|newsletter|email|granted|2022-06-01T12:00:00+00:00"): "keep",
            ("consent", "P-OLD|newsletter|email|withdrawn|2025-06-01T12:00:00+00:00"): "keep",
            ("do_not_contact", "P-OLD|newsletter|email"): "keep",
        } == actions
        err = capsys.readouterr().err
        assert "1 rows of --contacts cannot be read" in err
        assert "row 3: contact_id: is required [missing]" in err
        assert "2 rows of --purchases cannot be read" in err
        assert "row 2: total.amount: is required [missing]; status: expected one of" in err
        assert "row 3: purchased_at: is required [missing]" in err
        # Counts reconcile: every row is planned or reported.
        assert 6 == len(rows)
        assert "keep 3, archive 2, pseudonymise 0, erase 1" in err
        # Only the rows with a missing or bad value were parsed into records.
        assert [1, 2] == parsed

    def test_same_plan_as_csv(self, files: dict[str, Path], tmp_path: Path) -> None:
        """The CSV fixture written as Parquet gives the same plan."""
        pq = pytest.importorskip("pyarrow.parquet")
        from custdata.frames import to_arrow
        from custdata.io import open_reader, parse_batch

        paths = dict(files)
        for name, record_type in (("purchases", Purchase), ("consents", Consent)):
            with open_reader(files[name], record_type=record_type) as reader:
                records = [r for batch in reader for r in parse_batch(batch, record_type).records]
            paths[name] = tmp_path / f"{name}.parquet"
            pq.write_table(to_arrow(records, record_type), paths[name])
        from_csv, from_parquet = tmp_path / "a.csv", tmp_path / "b.csv"
        main(["retention", *_inputs(files), "--today", TODAY, "-o", str(from_csv)])
        main(["retention", *_inputs(paths), "--today", TODAY, "-o", str(from_parquet)])
        assert from_csv.read_text(encoding="utf-8") == from_parquet.read_text(encoding="utf-8")

    def test_required_columns_as_from_csv(
        self, parquet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Purchases without a total column: refused on Parquet as on CSV, nothing written."""
        pq = pytest.importorskip("pyarrow.parquet")
        table = pq.read_table(parquet["purchases"]).drop(["total.amount", "total.currency"])
        pq.write_table(table, parquet["purchases"])
        as_csv = tmp_path / "purchases.csv"
        as_csv.write_text(
            "purchase_id,contact_id,purchased_at,status\n"
            "O-1,C-HOLD,2022-03-15T10:00:00+00:00,completed\n",
            encoding="utf-8",
        )
        codes = []
        for purchases in (parquet["purchases"], as_csv):
            out = tmp_path / "plan.csv"
            paths = {**parquet, "purchases": purchases}
            codes.append(main(["retention", *_inputs(paths), "--today", TODAY, "-o", str(out)]))
            assert not out.exists()
            assert "total.amount" in capsys.readouterr().err
        assert [EXIT_INPUT, EXIT_INPUT] == codes

    def test_bad_consent_stops(self, parquet: dict[str, Path], tmp_path: Path) -> None:
        """A consent row with a bad status is exit 4 on Parquet too, nothing written."""
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        table = pq.read_table(parquet["consents"])
        status = pa.array(["granted", "maybe"]).dictionary_encode()
        pq.write_table(table.set_column(3, "status", status), parquet["consents"])
        out = tmp_path / "plan.csv"
        assert EXIT_INPUT == main(
            ["retention", *_inputs(parquet), "--today", TODAY, "-o", str(out)]
        )
        assert not out.exists()

    def test_naive_date_times_go_through_the_row_reader(
        self, parquet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Date-times without a time zone are read row by row, and rejected without --timezone."""
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        table = pq.read_table(parquet["contacts"], columns=["contact_id", "created_at"])
        naive = table.column("created_at").cast(pa.timestamp("us"))
        pq.write_table(table.set_column(1, "created_at", naive), parquet["contacts"])
        out = tmp_path / "plan.csv"
        args = ["retention", "--contacts", str(parquet["contacts"]), "--today", TODAY]
        code = main([*args, "-o", str(tmp_path / "first.csv")])
        assert EXIT_REJECTS == code
        assert "naive_datetime" in capsys.readouterr().err
        code = main(
            [
                "retention",
                "--contacts",
                str(parquet["contacts"]),
                "--timezone",
                "Europe/Paris",
                "--today",
                TODAY,
                "-o",
                str(out),
            ]
        )
        assert EXIT_REJECTS == code  # the contact without an id
        assert 2 == len(out.read_text(encoding="utf-8").splitlines()) - 1
