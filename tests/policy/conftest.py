"""The policy tests register their test transforms for each module, and remove them after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.policy.support import register_all, unregister_all


@pytest.fixture(autouse=True, scope="module")
def _test_transforms() -> Iterator[None]:
    """The test transforms of `tests.policy.support`, registered while a module runs."""
    register_all()
    yield
    unregister_all()
