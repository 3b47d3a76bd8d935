"""custdata generate: files, manifest, reproducibility and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custdata.cli import main
from custdata.cli._common import EXIT_OK, EXIT_USAGE
from custdata.synthetic import FILES


class TestGenerate:
    def test_writes_csv_and_ground_truth(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every CSV file and the manifest are written; the summary counts them."""
        out = tmp_path / "data"
        args = ["generate", "--rows", "300", "--locale", "en_GB", "--seed", "4", "-o", str(out)]
        assert main(args) == EXIT_OK
        for name in FILES:
            assert (out / f"{name}.csv").is_file()
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert (manifest["rows"], manifest["locale"], manifest["seed"]) == (300, "en_GB", 4)
        assert "300 contacts" in capsys.readouterr().err

    def test_same_seed_same_files(self, tmp_path: Path) -> None:
        """Two runs with the same seed write identical files."""
        for name in ("a", "b"):
            args = ["generate", "--rows", "200", "--seed", "9", "-o", str(tmp_path / name)]
            assert main(args) == EXIT_OK
        for name in (*FILES, "manifest"):
            suffix = "json" if name == "manifest" else "csv"
            first = (tmp_path / "a" / f"{name}.{suffix}").read_bytes()
            assert first == (tmp_path / "b" / f"{name}.{suffix}").read_bytes()

    def test_parquet_and_today(self, tmp_path: Path) -> None:
        """--format both writes Parquet too; --today is recorded."""
        args = ["generate", "--rows", "50", "-o", str(tmp_path), "--format", "both"]
        assert main([*args, "--today", "2024-03-01"]) == EXIT_OK
        assert (tmp_path / "purchase_lines.parquet").is_file()
        manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["today"] == "2024-03-01"

    @pytest.mark.parametrize(
        "extra",
        [
            ["--rows", "-3"],
            ["--rows", "10", "--locale", "xx_XX"],
            ["--rows", "10", "--dirty", "2"],
            ["--rows", "10", "--duplicates", "0.7"],
            ["--rows", "10", "--today", "01/02/2024"],
        ],
    )
    def test_usage_errors(
        self, tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Bad options exit with 2 and write nothing."""
        out = tmp_path / "out"
        assert main(["generate", *extra, "-o", str(out)]) == EXIT_USAGE
        assert not out.exists()
        assert "Traceback" not in capsys.readouterr().err

    def test_output_is_a_file(self, tmp_path: Path) -> None:
        """An output path that is a file is a usage error."""
        target = tmp_path / "file.txt"
        target.write_text("x", encoding="utf-8")
        assert main(["generate", "--rows", "5", "-o", str(target)]) == EXIT_USAGE


class TestGenerateHelp:
    def test_defaults_shown_are_the_library_defaults(self) -> None:
        """The help's default seed and day are those of custdata.synthetic."""
        import argparse

        from custdata.cli import build_parser
        from custdata.synthetic import DEFAULT_SEED, DEFAULT_TODAY

        commands = next(
            action
            for action in build_parser()._actions
            if isinstance(action, argparse._SubParsersAction)
        )
        helps = {action.dest: str(action.help) for action in commands.choices["generate"]._actions}
        assert f"(default: {DEFAULT_SEED})" in helps["seed"]
        assert f"(default: {DEFAULT_TODAY.isoformat()}," in helps["today"]
