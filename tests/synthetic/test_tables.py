"""SyntheticDataset.to_arrow, to_pandas and to_polars: each table as custdata.frames gives it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from custdata.frames import arrow_schema, from_frame, to_arrow
from custdata.model import Consent, Contact, Feedback, Purchase
from custdata.synthetic import SyntheticDataset, generate

pytest.importorskip("pyarrow")

TABLES = {"contacts": Contact, "purchases": Purchase, "consents": Consent, "feedback": Feedback}


@pytest.fixture(scope="module")
def dataset() -> SyntheticDataset:
    """A small French dataset shared by the tests of this module."""
    return generate(200, locale="fr_FR", seed=5)


class TestToArrow:
    @pytest.mark.parametrize("table", list(TABLES))
    def test_same_as_frames(self, dataset: SyntheticDataset, table: str) -> None:
        """Each table is custdata.frames.to_arrow of the dataset's records of that type."""
        expected = to_arrow(getattr(dataset, table), TABLES[table])
        assert expected.equals(dataset.to_arrow(table))

    @pytest.mark.parametrize("table", list(TABLES))
    def test_typed_schema_and_round_trip(self, dataset: SyntheticDataset, table: str) -> None:
        """The table has the typed schema, and from_frame gives the records back equal."""
        arrow = dataset.to_arrow(table)
        back = from_frame(arrow, TABLES[table])
        assert (arrow_schema(TABLES[table]), getattr(dataset, table)) == (
            arrow.schema,
            back.records,
        )

    def test_empty_dataset(self) -> None:
        """An empty dataset gives empty tables of the typed schema."""
        empty = generate(0, seed=1)
        arrow = empty.to_arrow("purchases")
        assert (0, arrow_schema(Purchase)) == (arrow.num_rows, arrow.schema)


class TestToPandasPolars:
    def test_pandas(self, dataset: SyntheticDataset) -> None:
        """to_pandas gives one row per contact, read back to the same records."""
        pytest.importorskip("pandas")
        frame = dataset.to_pandas("contacts")
        assert dataset.contacts == from_frame(frame, Contact).records

    def test_polars(self, dataset: SyntheticDataset) -> None:
        """to_polars gives one row per purchase, read back to the same records."""
        pytest.importorskip("polars")
        frame = dataset.to_polars("purchases")
        assert dataset.purchases == from_frame(frame, Purchase).records


class TestUnknownTable:
    @pytest.mark.parametrize("method", ["to_arrow", "to_pandas", "to_polars"])
    @pytest.mark.parametrize("table", ["lines", "Contacts", "purchase_lines", ""])
    def test_names_the_allowed_tables(
        self, dataset: SyntheticDataset, method: str, table: str
    ) -> None:
        """An unknown table is a ValueError naming the four allowed names."""
        with pytest.raises(ValueError, match="contacts, purchases, consents, feedback") as caught:
            getattr(dataset, method)(table)
        assert "unknown table" in str(caught.value)

    def test_not_a_string(self, dataset: SyntheticDataset) -> None:
        """A table that is not a string is a ValueError too, naming its type only."""
        with pytest.raises(ValueError, match="unknown table int"):
            dataset.to_arrow(3)  # type: ignore[arg-type]


class TestLazyImports:
    def test_generating_loads_no_frame_library(self) -> None:
        """Generating a dataset imports neither pyarrow, pandas nor polars."""
        code = (
            "import sys\n"
            "from custdata.synthetic import generate\n"
            "generate(5, seed=1)\n"
            "print(sorted(m for m in ('pyarrow', 'pandas', 'polars') if m in sys.modules))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        assert "[]" == out.strip()
