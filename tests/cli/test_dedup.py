"""custdata dedup: pairs, clusters, merged file, id map, consents carried over, exit codes,
the progress bar and the summary."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_REJECTS, EXIT_USAGE

CONTACTS = (
    "contact_id,given_name,family_name,email,phone,birth_date,created_at\n"
    "C-1,Élodie,Martin,elodie.martin@example.fr,06 12 34 56 78,1985-04-12,"
    "2024-01-01T10:00:00+01:00\n"
    "C-2,E.,MARTIN,Elodie.Martin@example.fr,+33612345678,1985-04-12,2025-01-01T10:00:00+01:00\n"
    "C-3,Paul,Durand,paul.durand@example.fr,+33699999999,1970-01-01,2024-01-01T10:00:00+01:00\n"
    "C-4,Zoé,Leroy,zoe.leroy@example.fr,,not-a-date,\n"
)
CONSENTS = (
    "contact_id,purpose,channel,status,recorded_at\n"
    "C-1,newsletter,email,granted,2024-01-01T10:00:00+01:00\n"
    "C-2,newsletter,email,withdrawn,2025-06-01T10:00:00+02:00\n"
)
AT = "2026-12-01T09:00:00+01:00"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A contacts file with one duplicate pair and one unreadable row, and consents."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS, encoding="utf-8")
    consents = tmp_path / "consents.csv"
    consents.write_text(CONSENTS, encoding="utf-8")
    return {"contacts": contacts, "consents": consents, "dir": tmp_path}


class TestDedup:
    """The command's outputs and exit codes."""

    def test_outputs(self, files: dict[str, Path]) -> None:
        """Pairs, clusters, id map, merged file and consents are written; a bad row gives 3."""
        out = files["dir"]
        code = main(
            [
                "dedup", str(files["contacts"]), "-o", str(out / "pairs.csv"),
                "--clusters", str(out / "clusters.csv"), "--id-map", str(out / "ids.csv"),
                "--merged", str(out / "merged.csv"), "--consents", str(files["consents"]),
                "--merged-consents", str(out / "mc.csv"), "--at", AT,
            ]
        )  # fmt: skip
        pairs = _rows(out / "pairs.csv")
        assert EXIT_REJECTS == code
        assert [("C-1", "C-2")] == [(row["left_id"], row["right_id"]) for row in pairs]
        assert ["left_id", "right_id", "match_weight", "match_probability"] == list(pairs[0])[:4]
        assert "initial" == pairs[0]["given_name"]
        assert [{"contact_id": "C-2", "surviving_id": "C-1"}] == _rows(out / "ids.csv")
        assert ["C-1", "C-3"] == [row["contact_id"] for row in _rows(out / "merged.csv")]
        assert 2 == len(_rows(out / "clusters.csv"))
        carried = _rows(out / "mc.csv")
        assert {"C-1"} == {row["contact_id"] for row in carried}
        assert "withdrawn" == carried[-1]["status"]

    def test_threshold(self, files: dict[str, Path]) -> None:
        """A threshold above every weight matches nothing."""
        out = files["dir"] / "pairs.csv"
        main(["dedup", str(files["contacts"]), "-o", str(out), "--threshold", "1000"])
        assert [] == _rows(out)

    def test_consents_need_output(self, files: dict[str, Path]) -> None:
        """--consents without --merged-consents is a usage error."""
        code = main(
            [
                "dedup", str(files["contacts"]), "-o", str(files["dir"] / "p.csv"),
                "--consents", str(files["consents"]),
            ]
        )  # fmt: skip
        assert EXIT_USAGE == code

    def test_non_matches(self, files: dict[str, Path]) -> None:
        """A pair listed as a known non-match is not written."""
        known = files["dir"] / "known.csv"
        known.write_text("left_id,right_id\nC-2,C-1\n", encoding="utf-8")
        out = files["dir"] / "pairs.csv"
        code = main(["dedup", str(files["contacts"]), "-o", str(out), "--non-matches", str(known)])
        assert (EXIT_REJECTS, []) == (code, _rows(out))

    def test_against(self, files: dict[str, Path]) -> None:
        """Only new contacts are compared with the clean file."""
        clean = files["dir"] / "clean.csv"
        clean.write_text(CONTACTS.splitlines()[0] + "\n" + CONTACTS.splitlines()[1] + "\n")
        new = files["dir"] / "new.csv"
        new.write_text(CONTACTS.splitlines()[0] + "\n" + CONTACTS.splitlines()[2] + "\n")
        out = files["dir"] / "pairs.csv"
        code = main(["dedup", str(new), "--against", str(clean), "-o", str(out)])
        assert (EXIT_OK, [("C-1", "C-2")]) == (
            code,
            [(row["left_id"], row["right_id"]) for row in _rows(out)],
        )


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        """Claim to be a terminal."""
        return True


class TestProgressAndSummary:
    """The progress bar on a terminal only, and the summary on stderr."""

    def test_summary(self, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
        """The summary gives records, candidate pairs, matched pairs, clusters by size, skips."""
        main(["dedup", str(files["contacts"]), "-o", str(files["dir"] / "pairs.csv")])
        err = capsys.readouterr().err
        assert ("custdata dedup: 3 records, 1 candidate pairs, 1 matched pairs (weight >= ") in err
        assert "1 clusters (1 of 2), 0 blocks skipped" in err

    def test_no_bar_off_a_terminal(
        self, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """When stderr is not a terminal, no bar is drawn."""
        main(["dedup", str(files["contacts"]), "-o", str(files["dir"] / "pairs.csv")])
        err = capsys.readouterr().err
        assert ("\r" in err, "dedup: compare" in err) == (False, False)

    def test_bar_on_a_terminal(
        self, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On a terminal, each step of the work has its bar on stderr."""
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        code = main(["dedup", str(files["contacts"]), "-o", str(files["dir"] / "pairs.csv")])
        err = terminal.getvalue()
        assert EXIT_REJECTS == code
        assert [True] * 3 == [f"dedup: {step}" in err for step in ("prepare", "block", "compare")]
