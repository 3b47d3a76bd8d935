"""
Plan retention: for each record, keep, archive under legal hold, pseudonymise or erase, and why.

Reads the contacts and, when given, their purchases, feedback and consent
events, and writes the plan: one row per record with its record type, id,
contact, action, rule, reason, the date the action became due and, for an
archive, the end of the hold (for a kept record, the day its rule falls due).
The totals by action are written on stderr. Without --rules, the documented
default rules (docs/lifecycle.md: a starting point modelled on the CNIL's
guidance, not legal advice). custdata decides; the host executes the plan.

A row that cannot be read is left out of the plan (exit 3); a consent row that
cannot be read stops the command (exit 4): it might be a withdrawal.

Each input has its own CSV options (--contacts-delimiter, --purchases-encoding...);
--delimiter and --encoding are the default of those that do not give theirs.

examples:
  custdata retention --contacts contacts.csv --purchases purchases.csv \\
      --consents consents.csv --today 2026-12-01 -o plan.csv
  custdata retention --rules rules.toml --contacts contacts.parquet -o plan.parquet
"""

from __future__ import annotations

import argparse
import contextlib
import sys
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
    check_named_paths,
    open_output,
    read_named_records,
    today_from,
    warn,
)
from custdata.errors import InputError
from custdata.model import Consent, Contact, Feedback, Purchase

if TYPE_CHECKING:
    from custdata.cli._common import NamedRecords
    from custdata.lifecycle import RetentionRules

__all__ = ["CONSENTS", "CONTACTS", "FEEDBACK", "HELP", "PURCHASES", "add_arguments", "run"]

HELP = "plan retention: keep, archive, pseudonymise or erase each record, with the rule and reason"

CONTACTS: Final = NamedInput(
    name="contacts",
    record_type=Contact,
    help="the contacts (contact_id, created_at and last_interaction_at are read)",
    fields=frozenset({"contact_id", "created_at", "last_interaction_at"}),
)
PURCHASES: Final = NamedInput(
    name="purchases",
    record_type=Purchase,
    required=False,
    help="their purchases (who is a customer, and the invoices under legal hold)",
    fields=frozenset({"purchase_id", "contact_id", "purchased_at", "total", "status"}),
)
FEEDBACK: Final = NamedInput(
    name="feedback",
    record_type=Feedback,
    required=False,
    help="their feedback",
    fields=frozenset({"feedback_id", "contact_id", "received_at", "kind"}),
)
CONSENTS: Final = NamedInput(
    name="consents",
    record_type=Consent,
    required=False,
    help="their consent events (the proofs, and the oppositions' do-not-contact entries)",
    fields=frozenset({"contact_id", "purpose", "channel", "status", "recorded_at"}),
)
_INPUTS: Final = (CONTACTS, PURCHASES, FEEDBACK, CONSENTS)
_PREVIEW: Final = 5


def add_rules_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """
    Add ``--rules FILE``: a TOML retention rule set, the default rules without it.

    Args:
        parser: The parser or group.
    """
    parser.add_argument(
        "--rules",
        type=Path,
        default=None,
        metavar="FILE",
        help="the retention rules, a TOML file (default: the documented default rules)",
    )


def rules_from(args: argparse.Namespace) -> RetentionRules:
    """
    Return the rule set of ``--rules``, or the default one.

    Args:
        args: The parsed arguments.

    Returns:
        The rules.

    Raises:
        PolicyError: For a file that cannot be read or holds a bad rule set (exit 2).
    """
    from custdata.lifecycle import RetentionRules, default_rules

    path: Path | None = getattr(args, "rules", None)
    return default_rules() if path is None else RetentionRules.load(path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the inputs, ``--rules``, ``--today`` and the output.

    Args:
        parser: The ``custdata retention`` parser.
    """
    add_named_inputs(parser, _INPUTS)
    add_rules_argument(parser.add_argument_group("rules"))
    add_date_arguments(parser, today=True, today_help="the day the plan is made for")
    add_output_arguments(parser, rejects=False)


def check_consents(consents: NamedRecords | None) -> None:
    """
    Refuse consent rows that cannot be read: any might be a withdrawal.

    Args:
        consents: The consents read, if any.

    Raises:
        InputError: If a row cannot be read (exit code 4).
    """
    if consents is None or not consents.rejects:
        return
    shown = "; ".join(
        f"row {reject.row}: {reject.issues_text}" for reject in consents.rejects[:_PREVIEW]
    )
    more = len(consents.rejects) - _PREVIEW
    msg = (
        f"{len(consents.rejects)} consent rows cannot be read, and any of them might be a "
        f"withdrawal: nothing written ({shown}{f'; and {more} more' if more > 0 else ''})"
    )
    raise InputError(msg)


def records_of(read: NamedRecords | None, record_type: type) -> list[object]:
    """
    Return the records read of one type (none when the input was not given).

    Args:
        read: What `read_named_records` returned.
        record_type: The record class.

    Returns:
        The records.
    """
    if read is None:
        return []
    return [record for record in read.records if isinstance(record, record_type)]


def warn_rejects(reads: dict[NamedInput, NamedRecords | None], fate: str) -> int:
    """
    Warn about the rows that could not be read, and return the exit code they give.

    Args:
        reads: What was read, by input.
        fate: What became of them (``"left out of the plan"``).

    Returns:
        0, or 3 when a row was rejected.
    """
    code = EXIT_OK
    for named, read in reads.items():
        if read is None or not read.rejects:
            continue
        code = EXIT_REJECTS
        warn(f"{len(read.rejects)} rows of {named.flag} cannot be read and are {fate}")
        for reject in read.rejects[:_PREVIEW]:
            sys.stderr.write(f"  row {reject.row}: {reject.issues_text}\n")
    return code


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata retention``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows could not be read (they are left out of the plan).

    Raises:
        UsageError: For arguments that cannot be used (exit code 2).
        PolicyError: For a bad rule set (exit code 2).
        InputError: For an unreadable file or consent row (exit code 4).
    """
    from custdata.lifecycle import PLAN_COLUMNS, plan_retention

    check_named_paths(args, _INPUTS)
    rules = rules_from(args)
    today = today_from(args)
    reads = {named: read_named_records(args, named) for named in _INPUTS}
    check_consents(reads[CONSENTS])
    if reads[CONTACTS] is None:  # a required option: argparse saw to it
        msg = "--contacts is required"
        raise UsageError(msg)
    plan = plan_retention(
        contacts=records_of(reads[CONTACTS], Contact),
        purchases=records_of(reads[PURCHASES], Purchase),
        feedback=records_of(reads[FEEDBACK], Feedback),
        consents=records_of(reads[CONSENTS], Consent),
        rules=rules,
        today=today,
    )
    with contextlib.ExitStack() as stack:
        writer = stack.enter_context(open_output(args, None, columns=list(PLAN_COLUMNS)))
        writer.write_rows(plan.rows())
    totals = plan.by_action()
    sys.stderr.write(
        f"custdata retention: {len(plan)} records planned for {today.isoformat()} "
        f"(rules {plan.rules}): "
        + ", ".join(f"{action} {count}" for action, count in totals.items())
        + "\n"
    )
    for record_type, counts in plan.totals().items():
        shown = ", ".join(f"{action} {count}" for action, count in counts.items() if count)
        sys.stderr.write(f"  {record_type}: {shown}\n")
    return warn_rejects(
        {named: read for named, read in reads.items() if named is not CONSENTS},
        "left out of the plan",
    )
