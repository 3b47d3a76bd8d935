"""
Answer from consent events: who may be contacted (audience), and a person's history.

'audience' reads the consent events, the contacts and, for the soft opt-in,
the purchases, and writes the ids of the contacts that may be sent a message
for one purpose on one channel at one moment (--at, by default now), with the
counts by reason on stderr. The legal regime is the French one (see
docs/consent.md: guidance, not legal advice). A consent row that cannot be
read stops the command (exit 4, nothing written): it might be a withdrawal.
A contact row that cannot be read is left out of the audience (exit 3).

'history' writes one contact's consent events, oldest first, for an access
request or an audit: purpose, channel, status, when, where collected, which
notice, which proof. With --purpose, only the events that bear on it.

Each input has its own CSV options (--consents-delimiter, --contacts-encoding...);
--delimiter and --encoding are the default of those that do not give theirs.

examples:
  custdata consent audience --consents consents.csv --contacts contacts.csv \\
      --purchases purchases.csv --purpose newsletter --channel email \\
      --at 2026-12-01T09:00:00+01:00 -o audience.csv
  custdata consent history --consents consents.csv --contact-id C-001
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from custdata.cli._common import (
    EXIT_OK,
    NamedInput,
    UsageError,
    add_date_arguments,
    add_named_inputs,
    add_output_arguments,
    at_from,
    check_consents,
    check_named_paths,
    open_output,
    open_records_output,
    output_name,
    read_named_records,
    records_of,
    warn,
    warn_rejects,
)
from custdata.model import Channel, Consent, Contact, Purchase

if TYPE_CHECKING:
    from custdata.cli._common import NamedRecords
    from custdata.consent import ConsentLedger

__all__ = ["HELP", "add_arguments", "run"]

HELP = "who may be contacted for a purpose on a channel (audience), a person's consents (history)"

_CONSENTS: Final = NamedInput(
    name="consents", record_type=Consent, help="the consent events, granted and withdrawn"
)
_CONTACTS: Final = NamedInput(
    name="contacts",
    record_type=Contact,
    help="the contacts to choose from (contact_id; company and last_interaction_at are read)",
    fields=frozenset({"contact_id", "company", "last_interaction_at"}),
)
_PURCHASES: Final = NamedInput(
    name="purchases",
    record_type=Purchase,
    required=False,
    help="their purchases, for the soft opt-in of existing customers",
    fields=frozenset({"purchase_id", "contact_id", "purchased_at", "total", "status"}),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the ``audience`` and ``history`` sub-commands.

    Args:
        parser: The ``custdata consent`` parser.
    """
    actions = parser.add_subparsers(dest="consent_action", metavar="ACTION", required=True)
    audience = actions.add_parser(
        "audience",
        help="write the ids of the contacts that may be contacted; counts by reason on stderr",
        description="Write the ids of the contacts that may be sent a message for PURPOSE on "
        "CHANNEL at --at, and count the others by reason.",
    )
    add_named_inputs(audience, [_CONSENTS, _CONTACTS, _PURCHASES])
    question = audience.add_argument_group("question")
    question.add_argument("--purpose", required=True, help="the purpose, such as newsletter")
    question.add_argument(
        "--channel",
        required=True,
        choices=[channel.value for channel in Channel],
        help="the channel of the message",
    )
    _add_ledger_options(question)
    add_date_arguments(audience, today=False, at=True, at_help="the moment of sending")
    add_output_arguments(audience, rejects=False)

    history = actions.add_parser(
        "history",
        help="write one contact's consent events, oldest first",
        description="Write one contact's consent events, oldest first, for an access request "
        "or an audit.",
    )
    add_named_inputs(history, [_CONSENTS])
    history.add_argument("--contact-id", required=True, help="the contact")
    history.add_argument(
        "--purpose", default=None, help="only the events of this purpose and global opt-outs"
    )
    history.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("-"),
        metavar="OUTPUT",
        help="output file: .csv, .jsonl or .parquet (default: - for standard output)",
    )
    history.add_argument(
        "--output-format",
        choices=("csv", "jsonl", "parquet"),
        default=None,
        help="output format (default: from the suffix, csv for standard output)",
    )


def _add_ledger_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--withdrawal-scope",
        choices=("purpose", "channel"),
        default="purpose",
        help="what a withdrawal withdraws: its purpose on every channel (default), or only "
        "on its channel",
    )
    group.add_argument(
        "--expiry-months",
        type=int,
        default=None,
        metavar="N",
        help="a grant lapses after N months without interaction (default: never)",
    )


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata consent audience`` or ``custdata consent history``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if contact or purchase rows could not be read.

    Raises:
        UsageError: For arguments that cannot be used (exit code 2).
        InputError: For an unreadable file, or a consent row that cannot be read (exit code 4).
    """
    if args.consent_action == "history":
        return _history(args)
    return _audience(args)


def _ledger(args: argparse.Namespace, consents: NamedRecords) -> ConsentLedger:
    from custdata.consent import ConsentLedger
    from custdata.errors import PolicyError

    check_consents(consents)
    try:
        return ConsentLedger(
            records_of(consents, Consent),
            withdrawal_scope=getattr(args, "withdrawal_scope", "purpose"),
            expiry_months=getattr(args, "expiry_months", None),
        )
    except PolicyError as error:
        raise UsageError(str(error).replace("ConsentLedger: ", "--").replace("_", "-")) from None


def _audience(args: argparse.Namespace) -> int:
    from custdata.consent import Reason

    check_named_paths(args, [_CONSENTS, _CONTACTS, _PURCHASES])
    at = at_from(args)
    consents = read_named_records(args, _CONSENTS)
    contacts = read_named_records(args, _CONTACTS)
    purchases = read_named_records(args, _PURCHASES)
    if consents is None or contacts is None:  # required options: argparse saw to it
        msg = "--consents and --contacts are required"
        raise UsageError(msg)
    ledger = _ledger(args, consents)
    try:
        audience = ledger.audience(
            records_of(contacts, Contact),
            args.purpose,
            args.channel,
            at=at,
            purchases=records_of(purchases, Purchase) if purchases is not None else None,
        )
    except ValueError as error:  # PolicyError: a reserved purpose
        raise UsageError(str(error).replace("ConsentLedger: ", "--")) from None
    with open_output(args, None, columns=["contact_id"]) as writer:
        writer.write_rows({"contact_id": contact_id} for contact_id in audience.contact_ids)
    rule = ledger.regime.rule_for(
        args.channel, business=False, day=ledger.regime.local_date(at)
    )  # the consumers' rule; professionals may have their own
    sys.stderr.write(
        f"custdata consent: {contacts.rows} contacts read, {len(audience.contact_ids)} may be "
        f"contacted for {args.purpose} on {args.channel} at {at.isoformat()} "
        f"(rule {rule.name})\n"
    )
    for reason in Reason:
        count = audience.counts.get(reason)
        if count:
            sys.stderr.write(f"  {reason.value}: {count}\n")
    if rule.host_checks:
        for check in rule.host_checks:
            warn(f"before sending: {check}")
    if ledger.issues:
        codes: dict[str, int] = {}
        for issue in ledger.issues:
            codes[issue.code] = codes.get(issue.code, 0) + 1
        warn(
            "consent events with anomalies: "
            + ", ".join(f"{code} {count}" for code, count in sorted(codes.items()))
        )
    left_out = warn_rejects({_CONTACTS: contacts}, "left out of the audience")
    not_counted = warn_rejects({_PURCHASES: purchases}, "not counted")
    return max(left_out, not_counted)  # 3 when either has rejects


def _history(args: argparse.Namespace) -> int:
    check_named_paths(args, [_CONSENTS])
    consents = read_named_records(args, _CONSENTS)
    if consents is None:
        msg = "--consents is required"
        raise UsageError(msg)
    ledger = _ledger(args, consents)
    if args.purpose is None:
        events = ledger.history(args.contact_id)
    else:
        events = ledger.proof(args.contact_id, args.purpose)
    with open_records_output(args, Consent) as writer:
        writer.write_records(events)
    sys.stderr.write(
        f"custdata consent: {len(events)} events written to {output_name(args.output)}\n"
    )
    return EXIT_OK
