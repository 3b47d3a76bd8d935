"""
Find duplicate contacts, say why each pair matched, and merge them.

'dedup' reads contacts, proposes candidate pairs by blocking (email, phone,
a French phonetic key of a name with the other's initial and the postal
code, birth date with the initials or the postal code, street with the
postal code), weighs each pair field by field (Fellegi-Sunter, parameters
estimated from the file itself: no labelled data), and writes one row per
matched pair: the two ids, the match weight (a log2 Bayes factor), the match
probability, and each field's agreement level. Optional outputs: the
clusters, the merged (golden) file, the map of old ids to surviving ids, and
the consent events carried over to the surviving ids (a withdrawal on any
duplicate holds for the merged person). A summary goes to stderr. See
docs/duplicates.md.

A contact row that cannot be read is left out (exit 3).

examples:
  custdata dedup contacts.csv -o pairs.csv --clusters clusters.csv
  custdata dedup contacts.csv -o pairs.csv --merged merged.csv --id-map ids.csv \\
      --consents consents.csv --merged-consents merged_consents.csv
  custdata dedup new.csv --against clean.csv -o pairs.csv
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from custdata.cli._common import (
    EXIT_OK,
    EXIT_REJECTS,
    NamedInput,
    UsageError,
    add_date_arguments,
    add_named_inputs,
    add_output_arguments,
    at_from,
    check_named_paths,
    open_output,
    read_named_records,
    warn,
)
from custdata.errors import InputError
from custdata.model import Consent, Contact

if TYPE_CHECKING:
    from custdata.cli._common import NamedRecords
    from custdata.quality import DuplicateResult

__all__ = ["HELP", "add_arguments", "run"]

HELP = "find duplicate contacts, explain each match, merge them"

_CONTACTS: Final = NamedInput(
    name="contacts",
    record_type=Contact,
    required=False,
    help="the contacts (or give them as INPUT)",
)
_AGAINST: Final = NamedInput(
    name="against",
    record_type=Contact,
    required=False,
    help="contacts already deduplicated: only the new ones are compared with them",
)
_CONSENTS: Final = NamedInput(
    name="consents",
    record_type=Consent,
    required=False,
    help="consent events to carry over to the surviving ids (with --merged-consents)",
)
_INPUTS: Final = (_CONTACTS, _AGAINST, _CONSENTS)
_PREVIEW: Final = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata dedup``.

    Args:
        parser: The ``custdata dedup`` parser.
    """
    parser.add_argument(
        "input",
        type=Path,
        nargs="?",
        metavar="INPUT",
        help="the contacts: CSV, JSONL or Parquet file (same as --contacts)",
    )
    add_named_inputs(parser, _INPUTS)
    matching = parser.add_argument_group("matching")
    matching.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="W",
        help="the match weight (log2 Bayes factor) a pair needs (default: even odds)",
    )
    matching.add_argument(
        "--max-block",
        type=int,
        default=100,
        metavar="N",
        help="skip (and report) blocks of more than N contacts sharing a key (default: 100)",
    )
    matching.add_argument(
        "--non-matches",
        type=Path,
        default=None,
        metavar="FILE",
        help="CSV of pairs of contact ids known to be different people (first two columns)",
    )
    extra = parser.add_argument_group("more outputs")
    for flag, what in (
        ("--clusters", "the clusters: cluster_id, contact_id"),
        ("--merged", "the deduplicated contacts: one golden record per cluster, others as read"),
        ("--id-map", "each merged-away id and its surviving id"),
        ("--merged-consents", "the consent events under the surviving ids (needs --consents)"),
    ):
        extra.add_argument(flag, type=Path, default=None, metavar="FILE", help=what)
    add_date_arguments(parser, today=False, at=True, at_help="the moment of the merge (consents)")
    add_output_arguments(parser, rejects=False)


_UNITS: Final = {"prepare": "contacts", "block": "rules", "compare": "pairs"}


class _Bars:
    """One progress bar per step of `find_duplicates`, on stderr when it is a terminal."""

    def __init__(self) -> None:
        self.step = ""
        self.done = 0
        self.steps: collections.deque[int] = collections.deque()
        self.bar: Iterator[int] | None = None

    def __call__(self, step: str, done: int, total: int) -> None:
        from custdata.io import progress

        if step != self.step:
            self.close()
            self.step, self.done = step, 0
            # The bar pulls each advance from the queue this callback fills.
            self.bar = progress(
                iter(self.steps.popleft, -1),
                total=total,
                desc=f"dedup: {step}",
                unit=_UNITS.get(step, "steps"),
                weight=int,
            )
        self.steps.append(done - self.done)
        self.done = done
        if self.bar is not None:
            next(self.bar)

    def close(self) -> None:
        """Close the current bar, if any."""
        if self.bar is not None:
            self.bar.close()  # type: ignore[attr-defined]  # progress returns a generator
            self.bar = None


def _pairs_of(path: Path) -> list[tuple[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        msg = f"--non-matches cannot be read: {error.strerror}"
        raise InputError(msg) from None
    pairs = [(row[0].strip(), row[1].strip()) for row in rows if len(row) >= 2]
    return pairs[1:] if pairs and pairs[0][0].lower().endswith("id") else pairs


def _contacts(found: NamedRecords | None) -> list[Contact]:
    if found is None:
        return []
    return [record for record in found.records if isinstance(record, Contact)]


def run(args: argparse.Namespace) -> int:  # one step per output
    """
    Run ``custdata dedup``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if contact rows could not be read (they are left out).

    Raises:
        UsageError: For arguments that cannot be used (exit code 2).
        InputError: For an unreadable file, or a consent row that cannot be read (exit code 4).
    """
    from custdata.io import open_writer
    from custdata.quality import merge

    if args.input is not None and args.contacts is not None:
        msg = "give the contacts once: as INPUT or as --contacts"
        raise UsageError(msg)
    if args.input is not None:
        args.contacts = args.input
    if args.contacts is None:
        msg = "the contacts are required (INPUT or --contacts)"
        raise UsageError(msg)
    if (args.consents is None) != (args.merged_consents is None):
        msg = "--consents and --merged-consents go together"
        raise UsageError(msg)
    check_named_paths(args, _INPUTS)
    at = at_from(args)
    contacts = read_named_records(args, _CONTACTS)
    against = read_named_records(args, _AGAINST)
    consents = read_named_records(args, _CONSENTS)
    if consents is not None and consents.rejects:
        msg = (
            f"{len(consents.rejects)} consent rows cannot be read, and any of them might be a "
            "withdrawal: nothing written"
        )
        raise InputError(msg)
    known = _pairs_of(args.non_matches) if args.non_matches is not None else []
    records = _contacts(contacts)
    sys.stderr.write(f"custdata dedup: {len(records)} contacts read; comparing\n")
    result = _find(args, records, against, known)
    _write_pairs(args, result)
    by_id = {contact.contact_id: contact for contact in [*_contacts(against), *records]}
    merged = [merge([by_id[member] for member in cluster]) for cluster in result.clusters]
    id_map = {old: new for one in merged for old, new in one.id_map.items()}
    if args.clusters is not None:
        with open_writer(args.clusters, columns=["cluster_id", "contact_id"]) as writer:
            writer.write_rows(
                {"cluster_id": str(number), "contact_id": member}
                for number, cluster in enumerate(result.clusters, 1)
                for member in cluster
            )
    if args.id_map is not None:
        with open_writer(args.id_map, columns=["contact_id", "surviving_id"]) as writer:
            writer.write_rows(
                {"contact_id": old, "surviving_id": new} for old, new in sorted(id_map.items())
            )
    if args.merged is not None:
        golden = {one.record.contact_id: one.record for one in merged}
        with open_writer(args.merged, record_type=Contact) as writer:
            writer.write_records(
                golden.get(contact.contact_id, contact)
                for contact in records
                if contact.contact_id not in id_map
            )
    if consents is not None and args.merged_consents is not None:
        from custdata.consent import merge_consents

        events = [record for record in consents.records if isinstance(record, Consent)]
        carried = merge_consents(events, id_map, at=at)
        with open_writer(args.merged_consents, record_type=Consent) as writer:
            writer.write_records(carried)
    _summary(result)
    if contacts is not None and contacts.rejects:
        warn(f"{len(contacts.rejects)} contact rows cannot be read and are left out")
        for reject in contacts.rejects[:_PREVIEW]:
            sys.stderr.write(f"  row {reject.row}: {reject.issues_text}\n")
        return EXIT_REJECTS
    return EXIT_OK


def _find(
    args: argparse.Namespace,
    records: list[Contact],
    against: NamedRecords | None,
    known: list[tuple[str, str]],
) -> DuplicateResult:
    from custdata.quality import find_duplicates

    bars = _Bars()
    try:
        return find_duplicates(
            records,
            against=_contacts(against) if against is not None else None,
            threshold=args.threshold,
            max_block=args.max_block,
            non_matches=known,
            on_progress=bars,
        )
    finally:
        bars.close()


def _write_pairs(args: argparse.Namespace, result: DuplicateResult) -> None:
    from custdata.quality import FIELDS

    columns = ["left_id", "right_id", "match_weight", "match_probability", *FIELDS]
    with open_output(args, None, columns=columns) as writer:
        writer.write_rows(
            {
                "left_id": pair.left,
                "right_id": pair.right,
                "match_weight": f"{pair.weight:.3f}",
                "match_probability": f"{pair.probability:.6f}",
                **{item.field: item.level for item in pair.fields},
            }
            for pair in result.pairs
        )


def _summary(result: DuplicateResult) -> None:
    sizes = Counter(len(cluster) for cluster in result.clusters)
    by_size = ", ".join(f"{count} of {size}" for size, count in sorted(sizes.items())) or "none"
    sys.stderr.write(
        f"custdata dedup: {result.records} records, {result.candidate_pairs} candidate pairs, "
        f"{len(result.pairs)} matched pairs (weight >= {result.threshold:.2f}), "
        f"{len(result.clusters)} clusters ({by_size}), "
        f"{len(result.skipped_blocks)} blocks skipped\n"
    )
    if result.split_clusters:
        sys.stderr.write(f"  {result.split_clusters} chained clusters split by the guard\n")
    for block in result.skipped_blocks[:_PREVIEW]:
        sys.stderr.write(f"  skipped: a block of {block.size} contacts on {block.rule}\n")
