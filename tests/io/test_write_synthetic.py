"""custdata.io.write_synthetic: the synthetic dataset streamed to files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from custdata.io import open_writer, write_synthetic
from custdata.synthetic import DEFAULT_TODAY, FILES, generate
from custdata.synthetic._generate import batch_rows, make_engine


class TestWriteSynthetic:
    def test_writes_every_file_and_manifest(self, tmp_path: Path) -> None:
        """CSV files with their headers, the ground truth and a manifest that counts them."""
        manifest = write_synthetic(tmp_path / "out", 500, seed=6)
        out = tmp_path / "out"
        for name, columns in FILES.items():
            with (out / f"{name}.csv").open(encoding="utf-8", newline="") as file:
                rows = list(csv.reader(file))
            assert tuple(rows[0]) == columns
            assert len(rows) - 1 == manifest.counts[name]
        written = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert written == manifest.to_dict()
        assert written["faker_version"]
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []

    def test_files_match_memory(self, tmp_path: Path) -> None:
        """The files hold the same contacts as the in-memory dataset."""
        write_synthetic(tmp_path, 300, seed=6, locale="fr_BE")
        data = generate(300, seed=6, locale="fr_BE")
        with (tmp_path / "contacts.csv").open(encoding="utf-8", newline="") as file:
            ids = [row["contact_id"] for row in csv.DictReader(file)]
        assert ids == [contact.contact_id for contact in data.contacts]

    def test_parquet(self, tmp_path: Path) -> None:
        """Parquet files hold the same rows as the CSV files."""
        import pyarrow.parquet as pq

        manifest = write_synthetic(tmp_path, 200, seed=6, format="both")
        for name in FILES:
            assert pq.read_table(tmp_path / f"{name}.parquet").num_rows == manifest.counts[name]
        lines = pq.read_table(tmp_path / "purchase_lines.parquet")
        assert str(lines.schema.field("quantity").type) == "int64"

    def test_rewriting_a_directory_leaves_no_stale_file(self, tmp_path: Path) -> None:
        """A second run replaces the first: no file of another format or manifest is left."""
        pytest.importorskip("pyarrow")
        write_synthetic(tmp_path, 200, seed=6, format="both")
        (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
        manifest = write_synthetic(tmp_path, 10, seed=6, format="csv")
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == sorted([*(f"{name}.csv" for name in FILES), "manifest.json", "notes.txt"])
        with (tmp_path / "contacts.csv").open(encoding="utf-8", newline="") as file:
            assert len(list(csv.reader(file))) - 1 == manifest.counts["contacts"]

    @pytest.mark.slow
    def test_workers_give_the_same_bytes(self, tmp_path: Path) -> None:
        """Two worker processes write byte for byte what one process writes."""
        write_synthetic(tmp_path / "one", 10_100, seed=1, workers=1)
        write_synthetic(tmp_path / "two", 10_100, seed=1, workers=2)
        for name in FILES:
            one = (tmp_path / "one" / f"{name}.csv").read_bytes()
            assert one == (tmp_path / "two" / f"{name}.csv").read_bytes()

    def test_bad_format(self, tmp_path: Path) -> None:
        """An unknown format fails before anything is written."""
        with pytest.raises(ValueError, match="format"):
            write_synthetic(tmp_path / "x", 5, format="xlsx")
        assert not (tmp_path / "x").exists()

    @pytest.mark.parametrize("locale", ["fr_FR", "en_US"])
    def test_same_bytes_as_the_general_writer_path(self, tmp_path: Path, locale: str) -> None:
        """The files equal what the writer's general path makes of the same rows."""
        write_synthetic(tmp_path / "fast", 2_500, seed=8, locale=locale)
        engine, _ = make_engine(2_500, locale, 8, 0.05, 0.03, DEFAULT_TODAY)
        rows = batch_rows(engine.batch(0, 0, 2_500))
        (tmp_path / "general").mkdir()
        for name, columns in FILES.items():
            path = tmp_path / "general" / f"{name}.csv"
            with open_writer(path, columns=columns) as writer:
                # A read-only mapping is not a dict: the writer takes its general path.
                writer.write_rows(types.MappingProxyType(row) for row in rows[name])
            assert path.read_bytes() == (tmp_path / "fast" / f"{name}.csv").read_bytes()

    def test_reading_files_does_not_load_the_generator(self) -> None:
        """import custdata.io leaves custdata.synthetic unloaded until write_synthetic is used."""
        code = (
            "import sys, custdata.io; print('custdata.synthetic' in sys.modules); "
            "custdata.io.write_synthetic; print('custdata.synthetic' in sys.modules)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        assert result.stdout.split() == ["False", "True"]
