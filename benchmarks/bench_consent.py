"""
Building a consent ledger and answering from it, on the synthetic consents of 430 000 contacts.

Goals (docs/performance.md), on the consents `custdata.synthetic` generates for
430 000 contacts (about 1 000 000 events), already in memory as
`custdata.Consent` records:

- building the `ConsentLedger` under 10 s;
- at least 150 000 `allows` per second, one at a time;
- at least 1 000 000 decisions per second through `allows_many`;
- `audience` over all the contacts, with their purchases, under 2 s.

The questions are asked at the generator's "as of" day (2025-01-01, 09:00 in
Paris), for each of the generator's purposes on its channel, over every
contact id. CPU time (user + system of this process) is printed beside the
elapsed time: when other jobs share the machine, it is the steadier figure.
The load average is printed at the start and the end.

Run: ``.venv/bin/python benchmarks/bench_consent.py [--contacts 430000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import time
import zoneinfo
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

_QUESTIONS = (
    ("newsletter", "email"),
    ("offers", "sms"),
    ("partners", "email"),
    ("profiling", "web"),
    ("mail_offers", "post"),
    ("app_notifications", "push"),
)
_BUILD_GOAL_S = 10.0
_ALLOWS_GOAL = 150_000
_MANY_GOAL = 1_000_000
_AUDIENCE_GOAL_S = 2.0


def _timed(action: Callable[[], T]) -> tuple[T, float, float]:
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - start, time.process_time() - cpu


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    """Generate the data, then time each measure ``--rounds`` times; print the best."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=430_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    from custdata.consent import Audience, ConsentLedger
    from custdata.synthetic import iter_batches

    print(f"load average at start: {_load()} ({os.cpu_count()} cores)")
    contacts, purchases, consents = [], [], []
    start = time.perf_counter()
    for batch in iter_batches(options.contacts, seed=2024):
        contacts.extend(batch.contacts)
        purchases.extend(batch.purchases)
        consents.extend(batch.consents)
    print(
        f"generated {len(contacts)} contacts, {len(purchases)} purchases and "
        f"{len(consents)} consent events in {time.perf_counter() - start:.1f} s"
    )
    at = dt.datetime(2025, 1, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    ids = [contact.contact_id for contact in contacts]

    builds = [_timed(lambda: ConsentLedger(consents)) for _ in range(options.rounds)]
    ledger = builds[-1][0]
    build = min(builds, key=lambda item: item[1])
    _report("build ConsentLedger", build[1], build[2], f"goal < {_BUILD_GOAL_S:.0f} s")
    del builds

    def one_at_a_time() -> int:
        allows = ledger.allows
        count = 0
        for purpose, channel in _QUESTIONS:
            for contact_id in ids:
                allows(contact_id, purpose, channel, at=at)
                count += 1
        return count

    def many(on: ConsentLedger) -> int:
        count = 0
        for purpose, channel in _QUESTIONS:
            count += len(on.allows_many(ids, purpose, channel, at=at))
        return count

    runs = [_timed(one_at_a_time) for _ in range(options.rounds)]
    _rate("allows, one at a time", runs, _ALLOWS_GOAL)

    # The first question on a purpose and channel indexes each contact's last event
    # for it (kept until the next add): timed on a fresh ledger each round, then again.
    def cold_then_warm() -> tuple[tuple[int, float, float], tuple[int, float, float]]:
        fresh = ConsentLedger(consents)
        return _timed(lambda: many(fresh)), _timed(lambda: many(fresh))

    cold, warm = zip(*(cold_then_warm() for _ in range(options.rounds)), strict=True)
    _rate("allows_many, first question on each purpose (indexing included)", cold, _MANY_GOAL)
    _rate("allows_many, later questions", warm, _MANY_GOAL)

    def audience_of(on: ConsentLedger) -> Audience:
        return on.audience(contacts, "newsletter", "email", at=at, purchases=purchases)

    for name, fresh_each in (("first question", True), ("later question", False)):
        runs = []
        for _ in range(options.rounds):
            on = ConsentLedger(consents) if fresh_each else ledger
            runs.append(_timed(lambda: audience_of(on)))  # noqa: B023  # run before on changes
        audience, seconds, cpu = min(runs, key=lambda item: item[1])
        counts = ", ".join(f"{reason.value} {count}" for reason, count in audience.counts.items())
        _report(
            f"audience (newsletter, email, with purchases), {name}",
            seconds,
            cpu,
            f"goal < {_AUDIENCE_GOAL_S:.0f} s; {len(audience.contact_ids)} allowed; {counts}",
        )
    print(f"load average at end: {_load()}")


def _rate(name: str, runs: Sequence[tuple[int, float, float]], goal: int) -> None:
    count, seconds, cpu = min(runs, key=lambda item: item[1])
    rate = count / seconds
    _report(
        name,
        seconds,
        cpu,
        f"{count} decisions, {rate:,.0f}/s (goal >= {goal:,}/s: {rate / goal:.2f}x)",
    )


def _report(name: str, seconds: float, cpu: float, note: str) -> None:
    print(f"{name}: {seconds:.2f} s (CPU {cpu:.2f} s); {note}")


if __name__ == "__main__":
    main()
