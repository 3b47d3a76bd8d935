"""custdata risk: the report on stdout, gates and exit codes, no record values."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_PRIVACY, EXIT_USAGE

QUASI = "birth_date,address.postal_code,gender"
EXPORT = (
    "contact_id;birth_date;address.postal_code;gender;income_band\n"
    "c1;30-39;75;female;band-low\n"
    "c2;30-39;75;female;band-high\n"
    "c3;40-49;69;male;band-low\n"
    "c4;40-49;69;male;band-low\n"
    "c5;50-59;13;;band-high\n"
)
VALUES = ("30-39", "40-49", "50-59", "female", "male", "band-low", "band-high", "c1")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A generalised partner export, with ';'."""
    path = tmp_path / "partner.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


class TestRiskCommand:
    def test_text_report(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Without gates the report is printed and the exit code is 0; no value is shown."""
        code = main(["risk", str(export), "--quasi", QUASI, "--sensitive", "income_band"])
        out = capsys.readouterr().out
        assert EXIT_OK == code
        assert out.startswith(f"Measured against the quasi-identifiers: {QUASI.replace(',', ', ')}")
        assert "k (smallest class): 1\n" in out
        assert "distinct l = 1" in out
        for value in VALUES:
            assert value not in out
        assert "anonymous" not in out.lower()

    def test_json_report(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--json prints the counts; an empty cell is one missing value."""
        assert EXIT_OK == main(["risk", str(export), "--quasi", QUASI, "--json"])
        data = _json(capsys)
        assert (5, 3, 1) == (data["records"], data["classes"], data["k"])
        assert [{"size": 1, "classes": 1}, {"size": 2, "classes": 2}] == data["class_sizes"]

    def test_min_k_gate(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A k below --min-k exits 5, after printing the report."""
        code = main(["risk", str(export), "--quasi", QUASI, "--min-k", "2"])
        captured = capsys.readouterr()
        assert EXIT_PRIVACY == code
        assert "k (smallest class): 1" in captured.out
        assert "custdata risk: error: k = 1 is below --min-k 2\n" == captured.err

    def test_gates_met(self, export: Path) -> None:
        """Gates that hold exit 0."""
        code = main(["risk", str(export), "--quasi", "gender", "--min-k", "1", "--max-risk", "1"])
        assert EXIT_OK == code

    def test_max_risk_gate(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A highest risk above --max-risk exits 5; the threshold counts records above it."""
        code = main(["risk", str(export), "--quasi", "birth_date", "--max-risk", "0.6", "--json"])
        data = _json(capsys)
        assert EXIT_PRIVACY == code
        assert {"highest": 1.0, "average": 0.6, "records_above": 1, "share_above": 0.2} == data[
            "prosecutor"
        ]
        assert 0.6 == data["risk_threshold"]

    def test_population(
        self, export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A population file gives journalist risk and k-map; its gate uses journalist risk."""
        population = tmp_path / "population.csv"
        population.write_text(
            "birth_date,address.postal_code,gender,count\n"
            "30-39,75,female,40\n40-49,69,male,12\n50-59,13,,4\n",
            encoding="utf-8",
        )
        code = main(
            [
                "risk",
                str(export),
                "--quasi",
                QUASI,
                "--population",
                str(population),
                "--max-risk",
                "0.25",
                "--json",
            ]
        )
        data = _json(capsys)
        assert EXIT_OK == code
        assert (4, 56, 0.25) == (data["k_map"], data["population"], data["highest_risk"])

    def test_parquet_input(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A typed Parquet file is read as it is: dates and numbers group by value."""
        path = tmp_path / "census.parquet"
        table = pa.table({"age": [34, 34, 51, None], "sex": ["F", "F", "M", "M"]})
        pq.write_table(table, path)
        assert EXIT_OK == main(["risk", str(path), "--quasi", "age,sex", "--json"])
        assert [{"size": 1, "classes": 2}, {"size": 2, "classes": 1}] == _json(capsys)[
            "class_sizes"
        ]

    def test_parquet_problems(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A Parquet file without the column, or without rows, is a usage error."""
        path = tmp_path / "census.parquet"
        pq.write_table(pa.table({"age": pa.array([], pa.int64())}), path)
        assert EXIT_USAGE == main(["risk", str(path), "--quasi", "sex"])
        assert "INPUT: no column 'sex'" in capsys.readouterr().err
        assert EXIT_USAGE == main(["risk", str(path), "--quasi", "age"])
        assert "no records" in capsys.readouterr().err

    def test_parquet_dictionary_and_dates(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Typed Parquet columns (dictionary, date) are grouped by value, across row groups."""
        import datetime as dt

        path = tmp_path / "contacts.parquet"
        table = pa.table(
            {
                "gender": pa.array(["female", "male", "female", None]).dictionary_encode(),
                "birth_date": [dt.date(1990, 1, 1)] * 3 + [None],
            }
        )
        pq.write_table(table, path, row_group_size=2)
        code = main(
            ["risk", str(path), "--quasi", "gender,birth_date", "--batch-size", "1", "--json"]
        )
        assert EXIT_OK == code
        assert [{"size": 1, "classes": 2}, {"size": 2, "classes": 1}] == _json(capsys)[
            "class_sizes"
        ]

    def test_jsonl_nested(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """JSONL objects are flattened to dotted names."""
        path = tmp_path / "rows.jsonl"
        path.write_text(
            '{"address": {"postal_code": "75"}}\n{"address": {"postal_code": "75"}}\n',
            encoding="utf-8",
        )
        assert EXIT_OK == main(["risk", str(path), "--quasi", "address.postal_code", "--json"])
        assert 2 == _json(capsys)["k"]

    def test_jsonl_missing_column(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A column no JSONL row holds is a usage error once the rows are read."""
        path = tmp_path / "rows.jsonl"
        path.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
        assert EXIT_USAGE == main(["risk", str(path), "--quasi", "a,b"])
        assert "INPUT: no column 'b'" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["--quasi", "nope"], "INPUT: no column 'nope'"),
            (["--quasi", "gender", "--sensitive", "gender"], "also in --quasi"),
        ],
    )
    def test_usage_errors(
        self,
        export: Path,
        capsys: pytest.CaptureFixture[str],
        arguments: list[str],
        message: str,
    ) -> None:
        """Unknown columns and overlapping options exit 2 and print nothing on stdout."""
        code = main(["risk", str(export), *arguments])
        captured = capsys.readouterr()
        assert EXIT_USAGE == code
        assert message in captured.err
        assert "" == captured.out

    @pytest.mark.parametrize("option", [["--max-risk", "2"], ["--min-k", "0"], ["--quasi", "a,,b"]])
    def test_bad_values(
        self, export: Path, option: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Out-of-range gates and empty column names are usage errors."""
        arguments = ["risk", str(export), "--quasi", "gender", *option]
        assert EXIT_USAGE == main(arguments)
        assert "custdata risk: error: argument" in capsys.readouterr().err

    def test_bad_population(self, export: Path, tmp_path: Path) -> None:
        """A population whose counts are not numbers, or that misses people, exits 2."""
        population = tmp_path / "population.csv"
        population.write_text("gender,count\nfemale,many\n", encoding="utf-8")
        arguments = ["risk", str(export), "--quasi", "gender", "--population", str(population)]
        assert EXIT_USAGE == main(arguments)
        population.write_text("gender,count\nfemale,1\nmale,2\n,1\n", encoding="utf-8")
        assert EXIT_USAGE == main(arguments)
