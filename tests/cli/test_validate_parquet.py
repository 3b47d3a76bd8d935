"""custdata validate on Parquet: through the frames engine, the same outputs as the row path."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.cli.parquet_inputs import write_inputs
from tests.cli.test_apply import TODAY

from custdata.cli import main
from custdata.cli._common import EXIT_INPUT, EXIT_REJECTS


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """The six contacts of the row-path tests, as CSV and as Parquet (extra column kept)."""
    return write_inputs(tmp_path, row_group_size=4)


def _validate(source: Path, out: Path, *more: str) -> int:
    return main(["validate", str(source), "-o", str(out), "--today", TODAY, *more])


class TestSameAsRowPath:
    """Outputs, rejects and the summary are those of the row reader on the same file."""

    @pytest.mark.parametrize(
        ("suffix", "options"),
        [
            ("csv", ()),
            ("jsonl", ("--keep-extra",)),
            ("csv", ("--keep-extra", "--keep-email-case")),
            ("parquet", ()),
        ],
    )
    @pytest.mark.parametrize("typed", [False, True], ids=["text-parquet", "typed-parquet"])
    def test_outputs_and_rejects(  # noqa: PLR0917  # fixtures and parameters
        self,
        inputs: tuple[Path, Path],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        suffix: str,
        options: tuple[str, ...],
        typed: bool,
    ) -> None:
        """Byte for byte (a Parquet output: row for row), rejects and issue summary included."""
        csv_path, source = inputs
        if typed:  # as custdata writes Parquet: the typed schema, extra columns kept
            source = tmp_path / "typed.parquet"
            main(["convert", str(csv_path), "-o", str(source), "--keep-extra"])
            capsys.readouterr()
        found = []
        # An identity --map sends the same file through the row reader.
        for name, more in (("frames", ()), ("rows", ("--map", "contact_id=contact_id"))):
            out, rejects = tmp_path / f"out-{name}.{suffix}", tmp_path / f"rejects-{name}.csv"
            code = _validate(source, out, "--rejects", str(rejects), *options, *more)
            written = pq.read_table(out).to_pylist() if suffix == "parquet" else out.read_bytes()
            summary = capsys.readouterr().err.replace(f"rejects-{name}", "rejects-X")
            found.append((code, written, rejects.read_bytes(), summary))
        assert found[0] == found[1]
        assert found[1][0] in (0, EXIT_REJECTS)

    def test_csv_and_parquet_agree(self, inputs: tuple[Path, Path], tmp_path: Path) -> None:
        """The CSV file and its Parquet copy (empty cells as nulls) give the same rows."""
        for source in inputs:
            _validate(source, tmp_path / f"{source.suffix.lstrip('.')}.csv")
        assert (tmp_path / "csv.csv").read_bytes() == (tmp_path / "parquet.csv").read_bytes()

    def test_goes_through_frames(
        self, inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The Parquet input is read by the frames engine, the CSV one by the row reader."""
        import custdata.frames._apply as frames

        calls: list[int] = []
        original = frames.checked_batches

        def counting(*args: object, **kwargs: object) -> object:
            calls.append(1)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(frames, "checked_batches", counting)
        csv_path, parquet_path = inputs
        _validate(csv_path, tmp_path / "a.csv")
        assert [] == calls
        _validate(parquet_path, tmp_path / "b.csv")
        assert [1] == calls


def test_unreadable_parquet(tmp_path: Path) -> None:
    """A text file named .parquet is an input error, with no output left."""
    fake = tmp_path / "fake.parquet"
    fake.write_text("contact_id\nC-1\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert EXIT_INPUT == _validate(fake, out)
    assert not out.exists()
