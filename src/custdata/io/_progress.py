"""A progress bar on the terminal, silent when stderr is not one."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

__all__ = ["progress"]

T = TypeVar("T")


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str | None = None,
    unit: str = "rows",
    weight: Callable[[T], int] | None = None,
    file: TextIO | None = None,
    enabled: bool | None = None,
) -> Iterator[T]:
    """
    Yield the items of ``iterable``, showing a tqdm progress bar on stderr.

    The bar is shown only when the stream is a terminal, so pipes, logs and
    tests stay clean; tqdm is not even imported otherwise.

    Args:
        iterable: The items, such as the batches of a `custdata.io.Reader`.
        total: The expected total of the weights, when known.
        desc: A short label (the command name).
        unit: What is counted.
        weight: How much each item advances the bar (``len`` for batches);
            1 per item by default.
        file: The stream, `sys.stderr` by default.
        enabled: Force the bar on or off; by default on when ``file`` is a terminal.

    Yields:
        The items, unchanged.
    """
    stream = file if file is not None else sys.stderr
    if enabled is None:
        isatty = getattr(stream, "isatty", None)
        enabled = bool(isatty is not None and isatty())
    if not enabled:
        yield from iterable
        return
    with _bar_class()(
        total=total, desc=desc, unit=unit, unit_scale=True, file=stream, leave=False
    ) as bar:
        for item in iterable:
            yield item
            bar.update(weight(item) if weight is not None else 1)


@functools.cache
def _bar_class() -> type:
    """
    tqdm without its monitor thread.

    tqdm starts a monitor thread with its first bar, and it outlives the bar;
    custdata's parallel transforms (``apply_many(workers=n)``) refuse to fork a
    process that runs other threads, so a bar would silently turn them off.
    The subclass keeps the host's own tqdm settings untouched.
    """
    from tqdm import tqdm

    class _Bar(tqdm):  # type: ignore[type-arg]
        monitor_interval = 0

    return _Bar
