"""custdata anonymise: the release and its report written together, or nothing and exit 5."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custdata.anonymity import assess
from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_PRIVACY, EXIT_USAGE

EXPORT = (
    "id;age;zip;sex;illness\n"
    "1;31;75011;f;flu\n"
    "2;33;75012;f;cold\n"
    "3;35;75011;f;flu\n"
    "4;38;75012;m;cancer\n"
    "5;42;69001;m;flu\n"
    "6;44;69002;m;cold\n"
    "7;47;69001;m;flu\n"
    "8;49;69002;f;cold\n"
    "9;90;13001;f;flu\n"
)
KINDS = ["--kind", "age=age", "--kind", "zip=postcode"]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A small export with ';', and a hierarchy file for sex."""
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    (tmp_path / "sex.csv").write_text("f;*\nm;*\n", encoding="utf-8")
    return path


def _args(export: Path, *more: str) -> list[str]:
    sexes = str(export.parent / "sex.csv")
    return [
        "anonymise",
        str(export),
        "--quasi",
        "age,zip,sex",
        *KINDS,
        "--hierarchy",
        f"sex={sexes}",
        *more,
    ]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


class TestAnonymiseCommand:
    def test_global_release(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The release meets k, its report is written beside it, and no value is printed."""
        out = export.parent / "release.csv"
        code = main(_args(export, "--k", "3", "--max-suppression", "0.5", "-o", str(out)))
        assert EXIT_OK == code
        rows = _rows(out)
        assert 9 == len(rows)
        assert 3 <= assess(rows, ["age", "zip", "sex"]).k
        assert ["*", "*", "*"] == [rows[-1][q] for q in ("age", "zip", "sex")]
        report = json.loads((export.parent / "release.csv.risk.json").read_text(encoding="utf-8"))
        assert 3 <= report["k"]
        err = capsys.readouterr().err
        assert "3 suppressed" in err
        for value in ("75011", "flu", "90"):
            assert value not in err

    def test_mondrian_release(self, export: Path) -> None:
        """--method mondrian releases ranges of the numbers given --kind age."""
        out = export.parent / "release.csv"
        assert EXIT_OK == main(_args(export, "--k", "3", "--method", "mondrian", "-o", str(out)))
        rows = _rows(out)
        assert 3 <= assess(rows, ["age", "zip", "sex"]).k
        assert all("-" in row["age"] for row in rows)

    def test_sensitive_l(self, export: Path) -> None:
        """--sensitive with --l gives a release whose classes hold l values."""
        out = export.parent / "release.csv"
        code = main(
            _args(
                export,
                "--k",
                "2",
                "--sensitive",
                "illness",
                "--l",
                "2",
                "--max-suppression",
                "0.5",
                "-o",
                str(out),
            )
        )
        assert EXIT_OK == code
        report = assess(_rows(out), ["age", "zip", "sex"], sensitive=["illness"])
        assert 2 <= report.sensitive[0].distinct_l

    def test_requirement_not_met(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """When no release meets the request, the exit code is 5 and nothing is written."""
        out = export.parent / "release.csv"
        assert EXIT_PRIVACY == main(
            _args(export, "--k", "30", "--max-suppression", "0", "-o", str(out))
        )
        assert ["export.csv", "sex.csv"] == sorted(p.name for p in export.parent.iterdir())
        assert "highest k reached is 9" in capsys.readouterr().err

    def test_no_hierarchy_is_usage_error(
        self, export: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A quasi-identifier without --hierarchy or --kind is named, and never guessed."""
        out = export.parent / "release.csv"
        code = main(
            ["anonymise", str(export), "--quasi", "age,zip", "--kind", "age=age", "-o", str(out)]
        )
        assert EXIT_USAGE == code
        assert "'zip'" in capsys.readouterr().err
        assert not out.exists()

    @pytest.mark.parametrize(
        "extra",
        [
            ["--kind", "age=height"],
            ["--kind", "other=age"],
            ["--l", "2"],
            ["--sensitive", "age"],
        ],
    )
    def test_bad_arguments(self, export: Path, extra: list[str]) -> None:
        """Unknown kinds, columns outside --quasi and l without a sensitive column exit 2."""
        out = export.parent / "release.csv"
        assert EXIT_USAGE == main([*_args(export, "-o", str(out)), *extra])
        assert not out.exists()

    @pytest.mark.parametrize("option", ["--l", "--t", "--max-suppression"])
    def test_nan_is_refused(
        self, export: Path, option: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """NaN is no bound: --l nan would meet any l-diversity, so it is a usage error."""
        out = export.parent / "release.csv"
        more = ["--sensitive", "illness", option, "nan", "-o", str(out)]
        assert EXIT_USAGE == main(_args(export, *more))
        assert f"argument {option}: expected a number" in capsys.readouterr().err
        assert not out.exists()

    def test_parquet_in_and_out(self, export: Path) -> None:
        """A Parquet file is read with its types and the release written as Parquet."""
        source = export.parent / "export.parquet"
        rows = _rows_semicolon(export)
        table = pa.Table.from_pylist([{**row, "age": int(row["age"])} for row in rows])
        pq.write_table(table, source)
        out = export.parent / "release.parquet"
        arguments = _args(export, "--k", "4", "--max-suppression", "0.5", "-o", str(out))
        arguments[1] = str(source)
        code = main(arguments)
        assert EXIT_OK == code
        released = pq.read_table(out)
        assert 4 <= assess(released, ["age", "zip", "sex"]).k
        assert (export.parent / "release.parquet.risk.json").exists()


def _rows_semicolon(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))
