"""custdata insights: each figure on files, currencies, rejected rows, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_REJECTS, EXIT_USAGE

PURCHASES = (
    "purchase_id;contact_id;purchased_at;total.amount;total.currency;status;discount.amount;discount.currency\n"
    "P-1;C-1;2024-01-15T12:00:00+01:00;30.00;EUR;completed;10.00;EUR\n"
    "P-2;C-1;2024-03-10T12:00:00+01:00;15.01;EUR;completed;;\n"
    "P-3;C-1;2024-04-01T12:00:00+02:00;20.00;EUR;returned;;\n"
    "P-4;C-2;2024-05-02T12:00:00+02:00;12.50;EUR;completed;;\n"
)
FEEDBACK = (
    "feedback_id,contact_id,received_at,kind,nps,satisfaction,channel\n"
    "F-1,C-1,2024-05-01T10:00:00+02:00,survey,10,5,web\n"
    "F-2,C-2,2024-05-01T10:00:00+02:00,survey,3,2,app\n"
    "F-3,C-9,2024-05-01T10:00:00+02:00,complaint,,,web\n"
)
TODAY = "2024-05-20"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Purchases with ';' (sniffed), feedback with ','."""
    paths = {"purchases": tmp_path / "purchases.csv", "feedback": tmp_path / "feedback.csv"}
    paths["purchases"].write_text(PURCHASES, encoding="utf-8")
    paths["feedback"].write_text(FEEDBACK, encoding="utf-8")
    return paths


class TestFigures:
    def test_rfm(self, files: dict[str, Path], tmp_path: Path) -> None:
        """rfm writes one row per contact with its scores and segment."""
        out = tmp_path / "rfm.csv"
        code = main(
            [
                "insights",
                "rfm",
                "--purchases",
                str(files["purchases"]),
                "--today",
                TODAY,
                "-o",
                str(out),
            ]
        )
        assert EXIT_OK == code
        expected = [
            ("C-1", "71", "2", "45.01", "at_risk"),
            ("C-2", "18", "1", "12.50", "promising"),
        ]
        assert expected == [
            (r["contact_id"], r["recency_days"], r["frequency"], r["monetary"], r["segment"])
            for r in _rows(out)
        ]

    def test_value(self, files: dict[str, Path], tmp_path: Path) -> None:
        """value writes the documented formulas, rounded half-even."""
        out = tmp_path / "value.csv"
        code = main(
            [
                "insights",
                "value",
                "--purchases",
                str(files["purchases"]),
                "--today",
                TODAY,
                "-o",
                str(out),
            ]
        )
        assert EXIT_OK == code
        first = _rows(out)[0]
        assert ("45.01", "22.50", "0.1818", "0.3333", "108.02") == (
            first["revenue"],
            first["average_basket"],
            first["discount_share"],
            first["return_rate"],
            first["projected_value"],
        )

    def test_loyalty_thresholds(self, files: dict[str, Path], tmp_path: Path) -> None:
        """loyalty takes its thresholds as options."""
        out = tmp_path / "loyalty.csv"
        args = ["insights", "loyalty", "--purchases", str(files["purchases"]), "--today", TODAY]
        assert EXIT_OK == main([*args, "--new-days", "10", "-o", str(out)])
        assert ["occasional", "occasional"] == [row["status"] for row in _rows(out)]

    def test_satisfaction_by_segment(self, files: dict[str, Path], tmp_path: Path) -> None:
        """satisfaction by segment reads the purchases for rfm's segments."""
        out = tmp_path / "nps.csv"
        code = main(
            [
                "insights",
                "satisfaction",
                "--feedback",
                str(files["feedback"]),
                "--by",
                "segment",
                "--purchases",
                str(files["purchases"]),
                "--today",
                TODAY,
                "-o",
                str(out),
            ]
        )
        assert EXIT_OK == code
        assert [("at_risk", "100.00"), ("promising", "-100.00"), ("", "")] == [
            (row["group"], row["nps"]) for row in _rows(out)
        ]

    def test_trends_parquet(self, files: dict[str, Path], tmp_path: Path) -> None:
        """trends writes the chosen table; Parquet keeps amounts as decimals."""
        out = tmp_path / "months.parquet"
        assert EXIT_OK == main(
            ["insights", "trends", "--purchases", str(files["purchases"]), "-o", str(out)]
        )
        table = pq.read_table(out)
        assert ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"] == table.column(
            "month"
        ).to_pylist()
        assert "decimal128(18, 4)" == str(table.schema.field("revenue").type)


class TestProblems:
    def test_two_currencies_refused(self, tmp_path: Path) -> None:
        """EUR and USD without --rates: exit 2, nothing written."""
        path = tmp_path / "p.csv"
        path.write_text(
            "purchase_id,contact_id,purchased_at,total.amount,total.currency\n"
            "P-1,C-1,2024-05-01T12:00:00+00:00,1.00,EUR\n"
            "P-2,C-1,2024-05-02T12:00:00+00:00,1.00,USD\n",
            encoding="utf-8",
        )
        out = tmp_path / "out.csv"
        args = ["insights", "rfm", "--purchases", str(path), "--today", TODAY, "-o", str(out)]
        assert EXIT_USAGE == main(args)
        assert not out.exists()
        assert EXIT_OK == main([*args, "--rates", "USD=0.5", "--currency", "EUR"])
        assert ["1.50"] == [row["monetary"] for row in _rows(out)]

    def test_bad_rate(self, files: dict[str, Path], tmp_path: Path) -> None:
        """A --rates item that is not CUR=RATE is a usage error."""
        args = ["insights", "rfm", "--purchases", str(files["purchases"]), "--today", TODAY]
        assert EXIT_USAGE == main(
            [*args, "--rates", "USD", "--currency", "EUR", "-o", str(tmp_path / "o.csv")]
        )

    def test_segment_needs_purchases(self, files: dict[str, Path], tmp_path: Path) -> None:
        """--by segment without --purchases is a usage error."""
        args = ["insights", "satisfaction", "--feedback", str(files["feedback"]), "--by", "segment"]
        assert EXIT_USAGE == main([*args, "-o", str(tmp_path / "o.csv")])

    def test_rejected_rows(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A row that cannot be read is left out, with a warning and exit 3."""
        path = tmp_path / "p.csv"
        path.write_text(
            "purchase_id,contact_id,purchased_at,total.amount,total.currency\n"
            "P-1,C-1,2024-05-01T12:00:00+00:00,1.00,EUR\n"
            "P-2,C-2,not a date,1.00,EUR\n",
            encoding="utf-8",
        )
        out = tmp_path / "out.csv"
        code = main(["insights", "rfm", "--purchases", str(path), "--today", TODAY, "-o", str(out)])
        assert EXIT_REJECTS == code
        assert ["C-1"] == [row["contact_id"] for row in _rows(out)]
        assert "1 rows of --purchases cannot be read" in capsys.readouterr().err

    def test_empty_file(self, tmp_path: Path) -> None:
        """No purchase: a file with the header only."""
        path = tmp_path / "p.csv"
        path.write_text(
            "purchase_id,contact_id,purchased_at,total.amount,total.currency\n", encoding="utf-8"
        )
        out = tmp_path / "out.csv"
        assert EXIT_OK == main(
            ["insights", "rfm", "--purchases", str(path), "--today", TODAY, "-o", str(out)]
        )
        assert out.read_text(encoding="utf-8").startswith(
            "contact_id,recency_days,frequency,monetary"
        )


class TestDemo:
    def test_demo_shows_segments_and_nps(self, capsys: pytest.CaptureFixture[str]) -> None:
        """custdata demo shows the generated buyers by RFM segment with their NPS."""
        assert EXIT_OK == main(["demo", "--rows", "120", "--seed", "5"])
        out = capsys.readouterr().out
        section = out.split("Customer insights: segments and satisfaction")[1].split("\n\n")[0]
        assert "champions" in section
        assert "All feedback: NPS" in section
