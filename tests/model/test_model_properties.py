"""Property tests of the model codec on the public strategies of custdata.testing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata.errors import ValidationError
from custdata.model import (
    RECORD_TYPES,
    Record,
    flat_columns,
    from_dict,
    from_flat,
    to_dict,
    to_flat,
)
from custdata.testing import json_like, records


class TestCodecProperties:
    @given(records())
    def test_dict_round_trip(self, record: Record) -> None:
        """from_dict(to_dict(x)) == x."""
        assert from_dict(type(record), to_dict(record)) == record

    @given(records())
    def test_flat_round_trip(self, record: Record) -> None:
        """from_flat(to_flat(x)) == x."""
        assert from_flat(type(record), to_flat(record)) == record

    @pytest.mark.parametrize("name", sorted(RECORD_TYPES))
    @given(data=st.data())
    def test_from_dict_is_total(self, name: str, data: st.DataObject) -> None:
        """from_dict raises nothing but ValidationError on arbitrary JSON-like input."""
        record_type = RECORD_TYPES[name]
        keys = [column.split(".")[0] for column in flat_columns(record_type)]
        value = data.draw(
            json_like(keys=keys) | st.dictionaries(st.sampled_from(keys), json_like())
        )
        record: object = None
        issues: tuple[object, ...] = ()
        try:
            record = from_dict(record_type, value)
        except ValidationError as error:
            issues = error.issues
        assert isinstance(record, record_type) or issues

    @pytest.mark.parametrize("name", sorted(RECORD_TYPES))
    @given(data=st.data())
    def test_from_flat_is_total(self, name: str, data: st.DataObject) -> None:
        """from_flat raises nothing but ValidationError on arbitrary rows of text cells."""
        record_type = RECORD_TYPES[name]
        columns = flat_columns(record_type)
        row = data.draw(st.dictionaries(st.sampled_from(columns), st.none() | st.text(max_size=30)))
        record: object = None
        issues: tuple[object, ...] = ()
        try:
            record = from_flat(record_type, row)
        except ValidationError as error:
            issues = error.issues
        assert isinstance(record, record_type) or issues
