"""
`generate` and `iter_batches`, the entry points of `custdata.synthetic`.

Also what `custdata.io.write_synthetic` builds on: the engine, the files and
their columns, and batches as flat rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from custdata._version import __version__
from custdata.model import Consent, Contact, Feedback, Purchase, flat_columns, from_flat
from custdata.synthetic._dataset import GroundTruth, Manifest, SyntheticDataset
from custdata.synthetic._engine import BATCH_SIZE, LINE_COLUMNS, Batch, Engine, Row
from custdata.synthetic._locales import LOCALES
from custdata.synthetic._pools import build_pools, faker_version

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TODAY",
    "FILES",
    "INT_COLUMNS",
    "batch_rows",
    "generate",
    "generate_contacts",
    "iter_batches",
    "make_engine",
    "raw_batches",
    "with_counts",
]

DEFAULT_SEED: Final = 2024
"""The seed used when none is given."""

DEFAULT_TODAY: Final = dt.date(2025, 1, 1)
"""The day data is generated "as of" when none is given (custdata never reads the clock)."""

FILES: Final[dict[str, tuple[str, ...]]] = {
    "contacts": tuple(flat_columns(Contact)),
    "purchases": tuple(column for column in flat_columns(Purchase) if column != "lines"),
    "purchase_lines": LINE_COLUMNS,
    "consents": tuple(flat_columns(Consent)),
    "feedback": tuple(flat_columns(Feedback)),
    "duplicates": ("contact_id", "duplicate_of", "variations"),
    "dirty_values": ("contact_id", "path", "kind", "issue_code", "clean"),
    "comment_pii": ("feedback_id", "kind", "value", "start", "end"),
}
"""The files `custdata.io.write_synthetic` writes (without their suffix) and their columns."""

INT_COLUMNS: Final = frozenset({"line_number", "quantity", "nps", "satisfaction", "start", "end"})
_MAX_DUPLICATES: Final = 0.5


def _check(  # noqa: PLR0917  # the parameters of generate, in order
    n: int, locale: str, seed: int, dirty: float, duplicates: float, today: dt.date
) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        msg = "n must be a non-negative integer"
        raise ValueError(msg)
    if locale not in LOCALES:
        msg = f"unsupported locale {locale!r}: use one of {', '.join(sorted(LOCALES))}"
        raise ValueError(msg)
    if isinstance(seed, bool) or not isinstance(seed, int):
        msg = "seed must be an integer"
        raise TypeError(msg)
    if not (isinstance(dirty, int | float) and 0 <= dirty <= 1 and math.isfinite(dirty)):
        msg = "dirty must be a share between 0 and 1"
        raise ValueError(msg)
    if not (isinstance(duplicates, int | float) and 0 <= duplicates <= _MAX_DUPLICATES):
        msg = "duplicates must be a share between 0 and 0.5"
        raise ValueError(msg)
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        msg = "today must be a datetime.date"
        raise TypeError(msg)


def make_engine(  # noqa: PLR0917  # the parameters of generate, in order
    n: int, locale: str, seed: int, dirty: float, duplicates: float, today: dt.date
) -> tuple[Engine, Manifest]:
    _check(n, locale, seed, dirty, duplicates, today)
    profile = LOCALES[locale]
    engine = Engine(
        profile=profile,
        pools=build_pools(profile, seed),
        seed=seed,
        today=today,
        dirty=float(dirty),
        duplicates=float(duplicates),
        n=n,
    )
    manifest = Manifest(
        custdata_version=__version__,
        faker_version=faker_version(),
        locale=locale,
        seed=seed,
        rows=n,
        dirty=float(dirty),
        duplicates=float(duplicates),
        today=today,
    )
    return engine, manifest


def raw_batches(engine: Engine, n: int) -> Iterator[Batch]:
    for number, start in enumerate(range(0, n, BATCH_SIZE)):
        yield engine.batch(number, start, min(BATCH_SIZE, n - start))


def _counts(batch: Batch) -> dict[str, int]:
    return {
        "contacts": len(batch.contacts),
        "purchases": len(batch.purchases),
        "purchase_lines": len(batch.lines),
        "consents": len(batch.consents),
        "feedback": len(batch.feedback),
        "duplicates": len(batch.duplicates),
        "dirty_values": len(batch.dirty_values),
        "comment_pii": len(batch.comment_pii),
    }


def _purchases(batch: Batch) -> list[Purchase]:
    lines_by_purchase: dict[object, list[dict[str, object]]] = {}
    for line in batch.lines:
        lines_by_purchase.setdefault(line["purchase_id"], []).append(
            {
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": {
                    "amount": line["unit_price.amount"],
                    "currency": line["unit_price.currency"],
                },
                "name": line["name"],
                "category": line["category"],
            }
        )
    purchases = []
    for row in batch.purchases:
        data: dict[str, object] = dict(row)
        data["lines"] = lines_by_purchase.get(row["purchase_id"], [])
        purchases.append(from_flat(Purchase, data))
    return purchases


def _dataset(batch: Batch, manifest: Manifest) -> SyntheticDataset:
    return SyntheticDataset(
        contacts=tuple(from_flat(Contact, row) for row in batch.contacts),
        purchases=tuple(_purchases(batch)),
        consents=tuple(from_flat(Consent, row) for row in batch.consents),
        feedback=tuple(from_flat(Feedback, row) for row in batch.feedback),
        truth=GroundTruth(
            duplicates=tuple(batch.duplicates),
            dirty_values=tuple(batch.dirty_values),
            comment_pii=tuple(batch.comment_pii),
        ),
        manifest=manifest,
    )


def generate(
    n: int,
    *,
    locale: str = "fr_FR",
    seed: int = DEFAULT_SEED,
    dirty: float = 0.05,
    duplicates: float = 0.03,
    today: dt.date = DEFAULT_TODAY,
) -> SyntheticDataset:
    """
    Generate ``n`` fake contacts with their purchases, consents and feedback, in memory.

    The same arguments give the same dataset with the same custdata and Faker
    versions (both recorded in ``dataset.manifest``). Emails are on reserved
    example domains and phone numbers in ranges reserved for fiction, so no
    value reaches a real person. For large ``n`` use `iter_batches` or
    `custdata.io.write_synthetic`, which never hold the whole dataset.

    Example:
        >>> from custdata.synthetic import generate
        >>> dataset = generate(200, seed=7)
        >>> len(dataset.contacts)
        200

    Args:
        n: How many contacts, near-duplicates included.
        locale: ``fr_FR``, ``fr_BE``, ``de_DE``, ``en_GB`` or ``en_US``.
        seed: The seed; `DEFAULT_SEED` if not given.
        dirty: Share of contacts (near-duplicates aside) with one spoiled value.
        duplicates: Share of contacts that are near-duplicates of another (at most 0.5).
        today: The day the data is "as of": every moment is before it.

    Returns:
        The dataset, its ground truth and its manifest.

    Raises:
        ValueError: For a negative ``n``, an unsupported locale or a share out of range.
        TypeError: For a seed that is not an integer or a ``today`` that is not a date.
        MissingDependencyError: If Faker is not installed (extra ``synthetic``).
    """
    parts = list(
        iter_batches(n, locale=locale, seed=seed, dirty=dirty, duplicates=duplicates, today=today)
    )
    counts: dict[str, int] = {}
    for part in parts:
        for name, count in part.manifest.counts.items():
            counts[name] = counts.get(name, 0) + count
    engine_manifest = (
        parts[0].manifest if parts else make_engine(n, locale, seed, dirty, duplicates, today)[1]
    )
    manifest = Manifest(
        custdata_version=engine_manifest.custdata_version,
        faker_version=engine_manifest.faker_version,
        locale=locale,
        seed=seed,
        rows=n,
        dirty=float(dirty),
        duplicates=float(duplicates),
        today=today,
        counts=counts or dict.fromkeys(FILES, 0),
    )
    return SyntheticDataset(
        contacts=tuple(record for part in parts for record in part.contacts),
        purchases=tuple(record for part in parts for record in part.purchases),
        consents=tuple(record for part in parts for record in part.consents),
        feedback=tuple(record for part in parts for record in part.feedback),
        truth=GroundTruth(
            duplicates=tuple(link for part in parts for link in part.truth.duplicates),
            dirty_values=tuple(value for part in parts for value in part.truth.dirty_values),
            comment_pii=tuple(value for part in parts for value in part.truth.comment_pii),
        ),
        manifest=manifest,
    )


def generate_contacts(
    n: int,
    *,
    locale: str = "fr_FR",
    seed: int = DEFAULT_SEED,
    dirty: float = 0.05,
    duplicates: float = 0.03,
    today: dt.date = DEFAULT_TODAY,
) -> SyntheticDataset:
    """
    Generate the contacts of `generate` only, with their duplicates and dirty values, fast.

    The contacts are those `generate` returns for the same arguments, but for
    ``last_interaction_at``, left empty: it follows from purchases, which are not
    built. Purchases, consents and feedback are empty, and so is the ground truth
    of comments. About four times as fast as `generate`: for matching
    benchmarks, which need many contacts and nothing else.

    Example:
        >>> from custdata.synthetic import generate_contacts
        >>> len(generate_contacts(200, seed=7).contacts)
        200

    Args:
        n: As for `generate`.
        locale: As for `generate`.
        seed: As for `generate`.
        dirty: As for `generate`.
        duplicates: As for `generate`.
        today: As for `generate`.

    Returns:
        The contacts, their ground truth and the manifest.

    Raises:
        ValueError: As for `generate`.
        TypeError: As for `generate`.
        MissingDependencyError: If Faker is not installed (extra ``synthetic``).
    """
    engine, manifest = make_engine(n, locale, seed, dirty, duplicates, today)
    batches = [
        engine.contacts_only(number, start, min(BATCH_SIZE, n - start))
        for number, start in enumerate(range(0, n, BATCH_SIZE))
    ]
    counts = dict.fromkeys(FILES, 0)
    for batch in batches:
        for name, count in _counts(batch).items():
            counts[name] += count
    return SyntheticDataset(
        contacts=tuple(from_flat(Contact, row) for batch in batches for row in batch.contacts),
        purchases=(),
        consents=(),
        feedback=(),
        truth=GroundTruth(
            duplicates=tuple(link for batch in batches for link in batch.duplicates),
            dirty_values=tuple(value for batch in batches for value in batch.dirty_values),
            comment_pii=(),
        ),
        manifest=with_counts(manifest, counts),
    )


def iter_batches(
    n: int,
    *,
    locale: str = "fr_FR",
    seed: int = DEFAULT_SEED,
    dirty: float = 0.05,
    duplicates: float = 0.03,
    today: dt.date = DEFAULT_TODAY,
) -> Iterator[SyntheticDataset]:
    """
    Generate the same dataset as `generate`, one batch of 10 000 contacts at a time.

    Each batch is a `SyntheticDataset` holding its contacts and everything that
    refers to them (a near-duplicate is always in the same batch as its
    original); its manifest counts that batch only.

    Args:
        n: How many contacts in all.
        locale: As for `generate`.
        seed: As for `generate`.
        dirty: As for `generate`.
        duplicates: As for `generate`.
        today: As for `generate`.

    Yields:
        One dataset per batch, in order.

    Raises:
        ValueError: As for `generate`.
        TypeError: As for `generate`.
        MissingDependencyError: If Faker is not installed (extra ``synthetic``).
    """
    engine, manifest = make_engine(n, locale, seed, dirty, duplicates, today)
    return _iter_datasets(engine, manifest, n)


def _iter_datasets(engine: Engine, manifest: Manifest, n: int) -> Iterator[SyntheticDataset]:
    for batch in raw_batches(engine, n):
        yield _dataset(batch, with_counts(manifest, _counts(batch)))


def with_counts(
    manifest: Manifest,
    counts: Mapping[str, int],
    files: Mapping[str, tuple[str, ...]] | None = None,
) -> Manifest:
    return Manifest(
        custdata_version=manifest.custdata_version,
        faker_version=manifest.faker_version,
        locale=manifest.locale,
        seed=manifest.seed,
        rows=manifest.rows,
        dirty=manifest.dirty,
        duplicates=manifest.duplicates,
        today=manifest.today,
        counts=dict(counts),
        files=dict(files) if files is not None else manifest.files,
    )


def batch_rows(batch: Batch) -> dict[str, Sequence[Row]]:
    return {
        "contacts": batch.contacts,
        "purchases": batch.purchases,
        "purchase_lines": batch.lines,
        "consents": batch.consents,
        "feedback": batch.feedback,
        "duplicates": [
            {
                "contact_id": link.contact_id,
                "duplicate_of": link.duplicate_of,
                "variations": "|".join(link.variations),
            }
            for link in batch.duplicates
        ],
        "dirty_values": [
            {
                "contact_id": value.contact_id,
                "path": value.path,
                "kind": value.kind,
                "issue_code": value.issue_code,
                "clean": value.clean,
            }
            for value in batch.dirty_values
        ],
        "comment_pii": [
            {
                "feedback_id": pii.feedback_id,
                "kind": pii.kind,
                "value": pii.value,
                "start": pii.start,
                "end": pii.end,
            }
            for pii in batch.comment_pii
        ],
    }
