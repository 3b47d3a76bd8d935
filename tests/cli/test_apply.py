"""custdata apply: a policy over a file, rejects without values, an audit, the shared exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_USAGE,
    KEYS_VARIABLE,
)
from custdata.keys import KeyRing
from custdata.policy import Policy

# Six contacts: row 3 has no contact_id (it cannot be a contact), row 5 an impossible
# phone (protected as given, or rejected with --reject-invalid). Extra column: tier.
CONTACTS = (
    "contact_id,given_name,family_name,email,phone,birth_date,address.postal_code,"
    "address.city,gender,tier\n"
    "C-1,Élodie,Martin,Elodie.Martin@Example.org,06 12 34 56 78,1985-03-14,75011,Paris,female,"
    "gold\n"
    "C-2,Jean,Dupont,jean.dupont@example.org,+33 6 12 34 56 70,1990-07-01,13001,Marseille,male,\n"
    ",Zoé,Bernard,zoe.bernard@example.org,0612345671,1979-11-30,31000,Toulouse,female,silver\n"
    "C-4,Lucas,Petit,lucas.petit@example.org,+33 6 12 34 56 72,2001-02-03,69003,Lyon,male,\n"
    "C-5,Chloé,Moreau,chloe.moreau@example.org,0612,1995-05-05,33000,Bordeaux,female,gold\n"
    "C-6,Hugo,Laurent,hugo.laurent@example.org,+33 6 12 34 56 74,1968-12-24,59000,Lille,male,\n"
)
PERSONAL = (
    "Martin",
    "Dupont",
    "Bernard",
    "Petit",
    "Moreau",
    "Laurent",
    "Elodie.Martin@Example.org",
    "elodie.martin@example.org",
    "jean.dupont@example.org",
    "zoe.bernard@example.org",
    "chloe.moreau@example.org",
    "06 12 34 56 78",
    "+33612345678",
    "+33 6 12 34 56 70",
    "0612345671",
)
TODAY = "2026-01-15"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys come only from what each test gives."""
    monkeypatch.delenv(KEYS_VARIABLE, raising=False)


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    """Six contacts, one without an id, one with an impossible phone, an extra column."""
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS, encoding="utf-8")
    return path


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    """A key file, as custdata keys new writes it."""
    path = tmp_path / "keys.json"
    KeyRing.generate(key_id="k-test").dump(path)
    return path


def _apply(contacts: Path, keys: Path, out: Path, *more: str) -> int:
    return main(
        [
            "apply",
            "--policy",
            "partner-share",
            "--keys",
            str(keys),
            str(contacts),
            "-o",
            str(out),
            "--today",
            TODAY,
            *more,
        ]
    )


def _files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


class TestApply:
    def test_reconciliation(
        self, contacts: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Rows read = rows written + rows rejected, in the summary and in the files."""
        out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
        code = _apply(contacts, keys, out, "--rejects", str(rejects))
        assert EXIT_REJECTS == code
        written, refused = _read_csv(out), _read_csv(rejects)
        assert 6 == len(written) + len(refused)
        assert ["3"] == [row["_row"] for row in refused]
        assert "6 rows read, 5 written, 1 rejected" in capsys.readouterr().err

    def test_output_columns_are_the_policy_s(
        self, contacts: Path, keys: Path, tmp_path: Path
    ) -> None:
        """The output has the bound policy's columns, in order, and nothing else."""
        out = tmp_path / "out.csv"
        _apply(contacts, keys, out)
        bound = Policy.builtin("partner-share").bind(
            keys=KeyRing.load(keys), today=dt.date.fromisoformat(TODAY)
        )
        with out.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert list(bound.output_columns) == header
        assert "tier" not in header

    def test_no_personal_value_leaves(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """No input email, phone or family name in the output, the audit or the rejects."""
        out, rejects, audit = tmp_path / "out.csv", tmp_path / "rejects.csv", tmp_path / "a.json"
        _apply(contacts, keys, out, "--rejects", str(rejects), "--audit", str(audit))
        for path in (out, rejects, audit):
            text = path.read_text(encoding="utf-8")
            for value in PERSONAL:
                assert value not in text, (path.name, value)

    def test_rejects_hold_no_values(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """Without --rejects-with-values, a rejects file holds row numbers and issues only."""
        rejects = tmp_path / "rejects.csv"
        _apply(contacts, keys, tmp_path / "out.csv", "--rejects", str(rejects))
        with rejects.open(encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        assert ["_row", "_issues"] == table[0]
        assert "contact_id" in table[1][1]  # the issue names the field
        assert "Bernard" not in rejects.read_text(encoding="utf-8")

    def test_jsonl_rejects_hold_no_values(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """A JSONL rejects file has empty values without --rejects-with-values."""
        rejects = tmp_path / "rejects.jsonl"
        _apply(contacts, keys, tmp_path / "out.csv", "--rejects", str(rejects))
        (line,) = rejects.read_text(encoding="utf-8").splitlines()
        reject = json.loads(line)
        assert (3, {}) == (reject["row"], reject["values"])

    def test_rejects_with_values(
        self, contacts: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--rejects-with-values keeps the values, and says so on stderr."""
        rejects = tmp_path / "rejects.csv"
        _apply(
            contacts, keys, tmp_path / "out.csv", "--rejects", str(rejects), "--rejects-with-values"
        )
        (row,) = _read_csv(rejects)
        assert "Bernard" == row["family_name"]
        err = capsys.readouterr().err
        assert "custdata apply: warning:" in err
        assert "holds customer values" in err

    def test_audit(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """The audit names the policy and fingerprint, the day, the keys, the times and counts."""
        audit_path = tmp_path / "audit.json"
        _apply(contacts, keys, tmp_path / "out.csv", "--audit", str(audit_path))
        audit = json.loads(audit_path.read_text(encoding="utf-8"))
        policy = Policy.builtin("partner-share")
        assert "partner-share" == audit["policy"]["name"]
        assert policy.fingerprint == audit["policy"]["fingerprint"]
        assert TODAY == audit["today"]
        assert ["k-test"] == audit["key_ids"]
        assert {"read": 6, "written": 5, "rejected": 1} == audit["rows"]
        assert "tier" in audit["columns_not_passed"]
        started = dt.datetime.fromisoformat(audit["started_at"])
        ended = dt.datetime.fromisoformat(audit["ended_at"])
        assert started.tzinfo is not None
        assert started <= ended

    def test_today_defaults_to_the_local_date(
        self, contacts: Path, keys: Path, tmp_path: Path
    ) -> None:
        """Without --today, the audit records the command's start date in the local time zone."""
        audit_path = tmp_path / "audit.json"
        before = dt.datetime.now(dt.UTC).astimezone().date()
        main(
            [
                "apply",
                "--policy",
                "partner-share",
                "--keys",
                str(keys),
                str(contacts),
                "-o",
                str(tmp_path / "out.csv"),
                "--audit",
                str(audit_path),
            ]
        )
        after = dt.datetime.now(dt.UTC).astimezone().date()
        today = dt.date.fromisoformat(json.loads(audit_path.read_text())["today"])
        assert before <= today <= after

    def test_extra_columns_are_named(
        self, contacts: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Columns that are not fields are never passed through, and a warning names them."""
        _apply(contacts, keys, tmp_path / "out.csv")
        err = capsys.readouterr().err
        assert "1 column that is not a field of Contact is not passed through (tier)" in err

    def test_reject_invalid(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """--reject-invalid rejects the row with an impossible phone too."""
        rejects = tmp_path / "rejects.csv"
        code = _apply(
            contacts, keys, tmp_path / "out.csv", "--rejects", str(rejects), "--reject-invalid"
        )
        assert EXIT_REJECTS == code
        refused = _read_csv(rejects)
        assert ["3", "5"] == [row["_row"] for row in refused]
        assert "phone" in refused[1]["_issues"]

    def test_max_rejects(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """--max-rejects turns exit 3 into 0 within the tolerance."""
        assert EXIT_OK == _apply(contacts, keys, tmp_path / "out.csv", "--max-rejects", "1")

    def test_same_keys_same_bytes(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """The same keys give the same bytes; other keys other bytes."""
        first, second, third = (tmp_path / f"out{i}.csv" for i in range(3))
        _apply(contacts, keys, first)
        _apply(contacts, keys, second)
        other = tmp_path / "other.json"
        KeyRing.generate(key_id="k-test").dump(other)
        _apply(contacts, other, third)
        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes() != third.read_bytes()

    def test_keys_from_environment(
        self, contacts: Path, keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """CUSTDATA_KEYS holds the key file's JSON when --keys is not given."""
        monkeypatch.setenv(KEYS_VARIABLE, keys.read_text(encoding="utf-8"))
        out, by_file = tmp_path / "env.csv", tmp_path / "file.csv"
        code = main(
            ["apply", "--policy", "partner-share", str(contacts), "-o", str(out), "--today", TODAY]
        )
        assert EXIT_REJECTS == code
        monkeypatch.delenv(KEYS_VARIABLE)
        _apply(contacts, keys, by_file)
        assert by_file.read_bytes() == out.read_bytes()

    def test_jsonl_output(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """The output format follows -o: JSONL here, one object per written row."""
        out = tmp_path / "out.jsonl"
        _apply(contacts, keys, out)
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert 5 == len(rows)
        assert "email" in json.dumps(rows[0])

    def test_jsonl_output_nests_dotted_fields(
        self, contacts: Path, keys: Path, tmp_path: Path
    ) -> None:
        """Nested fields are JSON objects, as records are written; they read back as dotted."""
        from custdata.io import open_reader

        out = tmp_path / "out.jsonl"
        _apply(contacts, keys, out)
        first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        assert "address.postal_code" not in first
        assert set(first["address"]) == {"postal_code"}
        with open_reader(out) as reader:
            row = next(iter(reader))[0]
        assert first["address"]["postal_code"] == row.values["address.postal_code"]

    def test_jsonl_input_with_unknown_keys(self, keys: Path, tmp_path: Path) -> None:
        """A JSONL key that is not a field is counted in the audit and never written."""
        source = tmp_path / "in.jsonl"
        rows = [
            {"contact_id": "C-1", "email": "a@example.org", "note": "call back", "tier": "gold"},
            {"contact_id": "C-2", "email": "b@example.org", "note": "VIP"},
        ]
        source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        out, audit = tmp_path / "out.jsonl", tmp_path / "audit.json"
        assert EXIT_OK == _apply(source, keys, out, "--audit", str(audit))
        text = out.read_text(encoding="utf-8")
        assert "call back" not in text
        assert "gold" not in text
        assert {"note": 2, "tier": 1} == json.loads(audit.read_text())["columns_not_passed"]

    def test_standard_output(
        self, contacts: Path, keys: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o - writes the protected rows to stdout, the summary to stderr."""
        code = _apply(contacts, keys, Path("-"), "--output-format", "csv")
        assert EXIT_REJECTS == code
        captured = capsys.readouterr()
        assert 6 == len(captured.out.splitlines())  # the header and 5 rows
        assert "6 rows read, 5 written, 1 rejected" in captured.err

    def test_parquet_output_types(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """A Parquet output has apply_frame's types: kept fields typed, others by their rule."""
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        from custdata.frames import apply_frame, to_arrow

        out = tmp_path / "out.parquet"
        _apply(contacts, keys, out)
        bound = Policy.builtin("partner-share").bind(
            keys=KeyRing.load(keys), today=dt.date.fromisoformat(TODAY)
        )
        frame = apply_frame(bound, to_arrow([], bound.policy.record_class)).frame
        schema = pq.read_schema(out)
        assert [(field.name, field.type) for field in frame.schema] == [
            (field.name, field.type) for field in schema
        ]
        assert pa.dictionary(pa.int32(), pa.string()) == schema.field("gender").type
        assert 5 == pq.read_table(out).num_rows


class TestRefusals:
    def test_type_that_disagrees(
        self, contacts: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--type that is not the policy's record type is a usage error; nothing written."""
        code = _apply(contacts, keys, tmp_path / "out.csv", "--type", "purchase")
        assert EXIT_USAGE == code
        assert "--type purchase disagrees with the policy 'partner-share'" in (
            capsys.readouterr().err
        )
        assert "out.csv" not in _files(tmp_path)

    def test_type_that_agrees(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """--type that is the policy's record type is accepted."""
        assert EXIT_REJECTS == _apply(contacts, keys, tmp_path / "out.csv", "--type", "contact")

    def test_policy_error_names_file_and_field(
        self, contacts: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad parameter in a policy file is exit 2, naming the file and the field."""
        policy = tmp_path / "bad.toml"
        policy.write_text(
            'name = "bad"\nrecord_type = "contact"\n'
            '[fields."address.postal_code"]\ntransform = "truncate_postcode"\nkepe = 2\n',
            encoding="utf-8",
        )
        code = main(
            [
                *("apply", "--policy", str(policy), "--keys", str(keys), str(contacts)),
                *("-o", str(tmp_path / "out.csv"), "--audit", str(tmp_path / "a.json")),
            ]
        )
        assert EXIT_USAGE == code
        err = capsys.readouterr().err
        assert str(policy) in err
        assert "address.postal_code" in err
        assert not (tmp_path / "out.csv").exists()
        assert not (tmp_path / "a.json").exists()

    def test_unknown_policy_name(
        self, contacts: Path, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A name that is neither a built-in policy nor a file is exit 2, listing the built-ins."""
        code = main(
            [
                *("apply", "--policy", "partner", "--keys", str(keys), str(contacts)),
                *("-o", str(tmp_path / "out.csv")),
            ]
        )
        assert EXIT_USAGE == code
        assert "partner-share" in capsys.readouterr().err

    def test_missing_keys(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A keyed policy without keys is exit 2, saying where keys come from; nothing written."""
        code = main(
            ["apply", "--policy", "partner-share", str(contacts), "-o", str(tmp_path / "o.csv")]
        )
        assert EXIT_USAGE == code
        err = capsys.readouterr().err
        assert "the policy 'partner-share' needs keys for its keyed rules (contact_id" in err
        assert "--keys FILE" in err
        assert KEYS_VARIABLE in err
        assert ["contacts.csv"] == _files(tmp_path)

    def test_keyless_policy_needs_no_keys(self, contacts: Path, tmp_path: Path) -> None:
        """A policy without a keyed rule runs without --keys."""
        policy = tmp_path / "masks.toml"
        policy.write_text(
            'name = "masks"\nrecord_type = "contact"\n'
            '[fields.contact_id]\ntransform = "keep"\n'
            '[fields.phone]\ntransform = "mask_phone"\n',
            encoding="utf-8",
        )
        out = tmp_path / "out.csv"
        code = main(["apply", "--policy", str(policy), str(contacts), "-o", str(out)])
        assert EXIT_REJECTS == code
        assert ["C-1", "C-2", "C-4", "C-5", "C-6"] == [row["contact_id"] for row in _read_csv(out)]

    def test_bad_key_file(
        self, contacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A malformed key file is exit 2, naming the file; nothing written."""
        bad = tmp_path / "keys.json"
        bad.write_text("{not json", encoding="utf-8")
        bad.chmod(0o600)
        code = _apply(contacts, bad, tmp_path / "out.csv")
        assert EXIT_USAGE == code
        assert str(bad) in capsys.readouterr().err
        assert ["contacts.csv", "keys.json"] == _files(tmp_path)

    def test_unreadable_input(self, keys: Path, tmp_path: Path) -> None:
        """A missing input is exit 4, and no output, rejects or audit is written."""
        code = _apply(
            tmp_path / "missing.csv",
            keys,
            tmp_path / "out.csv",
            "--rejects",
            str(tmp_path / "r.csv"),
            "--audit",
            str(tmp_path / "a.json"),
        )
        assert EXIT_INPUT == code
        assert ["keys.json"] == _files(tmp_path)

    def test_audit_must_not_be_the_input(self, contacts: Path, keys: Path, tmp_path: Path) -> None:
        """The audit file cannot overwrite the input."""
        code = _apply(contacts, keys, tmp_path / "out.csv", "--audit", str(contacts))
        assert EXIT_USAGE == code
        assert CONTACTS == contacts.read_text(encoding="utf-8")

    def test_no_key_value_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        """apply takes a key file or the environment variable, never a key value."""
        assert EXIT_OK == main(["apply", "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--keys FILE" in text
        assert KEYS_VARIABLE in text
        assert "--key " not in text
