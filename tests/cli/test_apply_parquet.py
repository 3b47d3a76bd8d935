"""custdata apply on Parquet: through custdata.frames, the same outputs as the row path gives."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.cli.parquet_inputs import write_inputs
from tests.cli.test_apply import TODAY

from custdata.cli import main
from custdata.cli._common import EXIT_INPUT, EXIT_REJECTS, KEYS_VARIABLE
from custdata.keys import KeyRing


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys come only from what each test gives."""
    monkeypatch.delenv(KEYS_VARIABLE, raising=False)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """The six contacts of the row-path tests, as CSV and as Parquet (extra column kept)."""
    return write_inputs(tmp_path, row_group_size=2)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    """A key file."""
    path = tmp_path / "keys.json"
    KeyRing.generate(key_id="k-test").dump(path)
    return path


def _apply(source: Path, keys: Path, out: Path, *more: str) -> int:
    return main(
        [
            "apply",
            "--policy",
            "support-view",
            "--keys",
            str(keys),
            str(source),
            "-o",
            str(out),
            "--today",
            TODAY,
            *more,
        ]
    )


def _audit(path: Path) -> dict[str, object]:
    found = json.loads(path.read_text(encoding="utf-8"))
    found.pop("started_at")
    found.pop("ended_at")
    return dict(found)


class TestSameAsRowPath:
    """Parquet goes through frames; its outputs are byte for byte the CSV input's."""

    @pytest.mark.parametrize(
        ("suffix", "options"),
        [
            ("csv", ()),
            ("jsonl", ("--reject-invalid",)),
            ("csv", ("--reject-invalid", "--rejects-with-values")),
        ],
    )
    def test_outputs_rejects_and_audit(
        self,
        inputs: tuple[Path, Path],
        keys: Path,
        tmp_path: Path,
        suffix: str,
        options: tuple[str, ...],
    ) -> None:
        """The protected rows, the rejects and the audit (times aside) are the same."""
        found = []
        for source in inputs:
            name = source.suffix.lstrip(".")
            out = tmp_path / f"out-{name}.{suffix}"
            rejects, audit = tmp_path / f"rejects-{name}.csv", tmp_path / f"audit-{name}.json"
            code = _apply(
                source, keys, out, "--rejects", str(rejects), "--audit", str(audit), *options
            )
            found.append((code, out.read_bytes(), rejects.read_bytes(), _audit(audit)))
        # An identity --map sends the same Parquet file through the row reader.
        out, rejects, audit = tmp_path / f"rows.{suffix}", tmp_path / "r.csv", tmp_path / "a.json"
        code = _apply(
            inputs[1],
            keys,
            out,
            "--rejects",
            str(rejects),
            "--audit",
            str(audit),
            "--map",
            "contact_id=contact_id",
            *options,
        )
        found.append((code, out.read_bytes(), rejects.read_bytes(), _audit(audit)))
        assert found[0] == found[1] == found[2]
        assert EXIT_REJECTS == found[1][0]

    def test_parquet_output(self, inputs: tuple[Path, Path], keys: Path, tmp_path: Path) -> None:
        """A Parquet output holds the same rows from either input."""
        tables = []
        for source in inputs:
            out = tmp_path / f"out-{source.suffix.lstrip('.')}.parquet"
            _apply(source, keys, out)
            tables.append(pq.read_table(out).to_pylist())
        assert tables[0] == tables[1]
        assert 5 == len(tables[1])


class TestBadInput:
    """A Parquet input that cannot be read is an input error, with no output left."""

    def test_missing_file(self, keys: Path, tmp_path: Path) -> None:
        """A file that is not there: exit code 4."""
        out = tmp_path / "out.csv"
        assert EXIT_INPUT == _apply(tmp_path / "nope.parquet", keys, out)
        assert not out.exists()

    def test_not_parquet(self, keys: Path, tmp_path: Path) -> None:
        """A text file named .parquet: exit code 4."""
        fake = tmp_path / "fake.parquet"
        fake.write_text("contact_id\nC-1\n", encoding="utf-8")
        out = tmp_path / "out.csv"
        assert EXIT_INPUT == _apply(fake, keys, out)
        assert not out.exists()


def test_parquet_goes_through_frames(
    inputs: tuple[Path, Path],
    keys: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A Parquet input is read batch by batch by apply_frames; a CSV input is not."""
    import custdata.frames

    calls: list[str] = []
    original = custdata.frames.apply_frames

    def counting(*args: object, **kwargs: object) -> object:
        calls.append("apply_frames")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(custdata.frames, "apply_frames", counting)
    csv_path, parquet_path = inputs
    _apply(csv_path, keys, tmp_path / "a.csv")
    assert [] == calls
    capsys.readouterr()
    _apply(parquet_path, keys, tmp_path / "b.csv")
    assert ["apply_frames"] == calls
    assert "is not passed through (tier)" in capsys.readouterr().err
