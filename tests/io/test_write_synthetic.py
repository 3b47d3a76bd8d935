"""custdata.io.write_synthetic: the synthetic dataset streamed to files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fork_checks import recorded_forks

from custdata import _workers
from custdata.io import _synthetic, open_writer, write_synthetic
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

    def test_parquet_record_files_are_typed(self, tmp_path: Path) -> None:
        """The record files are typed as custdata types them; the ground truth stays text."""
        pq = pytest.importorskip("pyarrow.parquet")
        write_synthetic(tmp_path, 120, seed=6, format="parquet")
        contacts = pq.read_schema(tmp_path / "contacts.parquet")
        purchases = pq.read_schema(tmp_path / "purchases.parquet")
        lines = pq.read_schema(tmp_path / "purchase_lines.parquet")
        truth = pq.read_schema(tmp_path / "dirty_values.parquet")
        assert (
            "date32[day]",
            "timestamp[us, tz=UTC]",
            "decimal128(18, 4)",
            "decimal128(18, 4)",
            "string",
        ) == (
            str(contacts.field("birth_date").type),
            str(contacts.field("created_at").type),
            str(purchases.field("total.amount").type),
            str(lines.field("unit_price.amount").type),
            str(truth.field("path").type),
        )

    @pytest.mark.parametrize(
        ("name", "record_type"), [("contacts", "Contact"), ("feedback", "Feedback")]
    )
    def test_parquet_reads_as_the_dataset(
        self, tmp_path: Path, name: str, record_type: str
    ) -> None:
        """The typed Parquet files read back into the records of the in-memory dataset."""
        pytest.importorskip("pyarrow")
        import custdata
        from custdata.io import open_reader, parse_batch

        write_synthetic(tmp_path, 150, seed=8, format="parquet")
        kind = getattr(custdata, record_type)
        records: list[object] = []
        with open_reader(tmp_path / f"{name}.parquet", record_type=kind) as reader:
            for batch in reader:
                parsed = parse_batch(batch, kind)
                assert [] == parsed.rejects
                records.extend(parsed.records)
        assert list(getattr(generate(150, seed=8), name)) == records

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


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 50 contacts, so that a few hundred make several jobs for the workers."""
    monkeypatch.setattr(_synthetic, "BATCH_SIZE", 50)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch, small_batches: None) -> Iterator[list[int]]:
    """Record every forked worker; after the test, check each was waited for."""
    if not hasattr(os, "fork"):
        pytest.skip("worker processes need os.fork")
    monkeypatch.setattr(_workers, "can_fork", lambda: True)  # threads other tests left
    yield from recorded_forks(monkeypatch)


def _same_files(one: Path, two: Path) -> None:
    assert sorted(p.name for p in one.iterdir()) == sorted(p.name for p in two.iterdir())
    for path in one.iterdir():
        if path.suffix == ".csv":
            assert path.read_bytes() == (two / path.name).read_bytes()


class TestWorkers:
    """Forked workers: the output of one process, and nothing left behind."""

    def test_csv_same_bytes(self, tmp_path: Path, forks: list[int]) -> None:
        """Forked workers writing CSV parts give the bytes of one process."""
        write_synthetic(tmp_path / "one", 430, seed=3, workers=1)
        assert [] == forks
        write_synthetic(tmp_path / "two", 430, seed=3, workers=3)
        assert 3 == len(forks)
        _same_files(tmp_path / "one", tmp_path / "two")

    def test_parquet_same_rows(self, tmp_path: Path, forks: list[int]) -> None:
        """Forked workers sending rows give the Parquet and CSV files of one process."""
        pq = pytest.importorskip("pyarrow.parquet")
        write_synthetic(tmp_path / "one", 230, seed=3, format="both", workers=1)
        write_synthetic(tmp_path / "two", 230, seed=3, format="both", workers=2)
        assert 2 == len(forks)
        _same_files(tmp_path / "one", tmp_path / "two")
        for name in FILES:
            one = pq.read_table(tmp_path / "one" / f"{name}.parquet")
            assert one.equals(pq.read_table(tmp_path / "two" / f"{name}.parquet"))

    @pytest.mark.parametrize("format", ["csv", "parquet"])
    def test_failed_worker(
        self, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch, format: str
    ) -> None:
        """A worker that fails has its batches built here: same output, no error."""
        if format == "parquet":
            pytest.importorskip("pyarrow")
        parent = os.getpid()
        batch = _synthetic.Engine.batch

        def failing_in_children(self: Any, number: int, start: int, size: int) -> Any:
            if os.getpid() != parent and number == 3:
                raise MemoryError
            return batch(self, number, start, size)

        write_synthetic(tmp_path / "one", 330, seed=4, format=format, workers=1)
        monkeypatch.setattr(_synthetic.Engine, "batch", failing_in_children)
        write_synthetic(tmp_path / "two", 330, seed=4, format=format, workers=2)
        assert forks
        _same_files(tmp_path / "one", tmp_path / "two")

    def test_interrupted(self, tmp_path: Path, forks: list[int]) -> None:
        """Interrupted (Ctrl-C) mid-run: no file, temporary or final, and no worker left."""

        def interrupt(size: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            write_synthetic(tmp_path, 430, seed=3, workers=2, on_batch=interrupt)
        assert 2 == len(forks)  # the fixture checks they were waited for
        assert [] == list(tmp_path.iterdir())

    def test_threads_run_here(
        self, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """While another thread runs, nothing is forked and the output is the same."""
        forked: list[object] = []
        monkeypatch.setattr(_workers, "_fork", lambda *args: forked.append(args))
        write_synthetic(tmp_path / "one", 130, seed=5, workers=1)
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            write_synthetic(tmp_path / "two", 130, seed=5, workers=2)
        finally:
            stop.set()
            thread.join()
        assert [] == forked
        _same_files(tmp_path / "one", tmp_path / "two")

    @pytest.mark.parametrize("workers", ["2", 1.5, 0, True, 65, None])
    def test_bad_workers(self, tmp_path: Path, workers: object) -> None:
        """workers must be a whole number from 1 to 64; nothing is written otherwise."""
        with pytest.raises(ValueError, match="workers must be a whole number from 1 to 64"):
            write_synthetic(tmp_path / "x", 5, workers=workers)  # type: ignore[arg-type]
        assert not (tmp_path / "x").exists()
