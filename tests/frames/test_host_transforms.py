"""custdata.frames: a host's transform without an Arrow kernel goes through its apply_many."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import ClassVar, Final

import attrs
import pyarrow as pa
import pytest

from custdata import Contact, Policy, TransformError
from custdata.frames import apply_frame, to_arrow
from custdata.io import Reject
from custdata.transforms import register, unregister
from custdata.transforms.base import Guarantees

TODAY: Final = dt.date(2026, 1, 15)


@attrs.frozen
class Shout:
    """A host's value transform: a plain class, no apply_arrow; refuses "nope"."""

    name: ClassVar[str] = "test_shout"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=False,
        deterministic=True,
        keyed=False,
        format_preserving=False,
        output_is_personal_data=True,
    )
    output_type: ClassVar[type] = str

    def __call__(self, value: object) -> object:
        if value is None:
            return None
        if value == "nope":
            raise TransformError(transform=self.name, code="refused", message="refused")
        return str(value).upper()

    def apply_many(self, values: Sequence[object]) -> list[object]:
        return [self(value) for value in values]


POLICY: Final = """
name = "host"
version = 1
record_type = "contact"
default = "drop"

[fields.contact_id]
transform = "keep"

[fields.given_name]
transform = "test_shout"
"""


@pytest.fixture(autouse=True, scope="module")
def _registered() -> Iterator[None]:
    register(Shout)
    yield
    unregister(Shout.name)


@pytest.mark.parametrize("validate", [True, False])
def test_same_as_apply_many(validate: bool) -> None:
    """Rows, rejects and audit as apply_many, whether records are built or not."""
    bound = Policy.loads(POLICY).bind(today=TODAY, normalise=validate, validate=validate)
    records = [
        Contact(contact_id="C-1", given_name="jean"),
        Contact(contact_id="C-2", given_name="nope"),
        Contact(contact_id="C-3"),
    ]
    run = bound.apply_many(records)
    outs = list(run)
    result = apply_frame(bound, to_arrow(records))
    assert [out for out in outs if not isinstance(out, Reject)] == result.frame.to_pylist()
    assert [1] == sorted({row["index"] for row in result.rejects.to_pylist()})
    assert ["refused"] == result.rejects.column("code").to_pylist()
    assert run.audit == result.audit
    assert pa.string() == result.frame.schema.field("given_name").type


def test_is_not_a_base_transform() -> None:
    """The transform really has no Arrow kernel."""
    assert not hasattr(Shout(), "apply_arrow")
