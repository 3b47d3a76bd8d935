"""
Answer one person's request: access (export), erasure (erase), rectification (rectify).

'export' writes everything held about the person as one JSON bundle (RGPD
art. 15): each record's fields with their category, the declared purpose and
retention of each record type, the consent history, and the portable subset
(art. 20). --purpose RECORD_TYPE=TEXT declares the purpose of a record type
(repeatable; every record type the person has records of needs one).

'erase' writes the erasure plan as JSON (art. 17): which records to erase,
which a legal hold keeps (invoices, with the identity on them; proofs of
consent) and why, the do-not-contact entries that survive, and the person's
pseudonyms and tokens under each --policy and every key id of the ring, so
that pseudonymised copies can be found too. custdata decides; the host erases.

'rectify' applies the changes of a JSON object (--changes) to the person's
contact (art. 16), validated and normalised, and writes the new contact row
(-o) and the change-log entry on stderr (--log FILE to write it as JSON): the
fields changed, when, the request id; never a value.

examples:
  custdata subject export --contact-id C-001 --contacts contacts.csv \\
      --purchases purchases.csv --consents consents.csv \\
      --purpose contact="customer relationship" --purpose purchase=accounting \\
      --purpose consent="proof of consent" -o C-001.json
  custdata subject erase --contact-id C-001 --contacts contacts.csv \\
      --purchases purchases.csv --policy partner-share --keys keys.json \\
      --today 2026-12-01 -o C-001-erasure.json
  custdata subject rectify --contact-id C-001 --contacts contacts.csv \\
      --changes changes.json --request-id R-42 --today 2026-12-01 -o C-001.csv
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Final

from custdata.cli._common import (
    EXIT_OK,
    NamedInput,
    UsageError,
    _committed,
    add_date_arguments,
    add_key_arguments,
    add_named_inputs,
    check_consents,
    check_named_paths,
    keys_from,
    open_records_output,
    output_name,
    policy_from,
    read_named_records,
    records_of,
    today_from,
    warn_rejects,
)
from custdata.cli.retention import (
    CONSENTS,
    FEEDBACK,
    PURCHASES,
    add_rules_argument,
    rules_from,
)
from custdata.errors import InputError, ValidationError
from custdata.model import Consent, Contact, Feedback, Purchase

__all__ = ["HELP", "add_arguments", "run"]

HELP = "one person's request: export what is held (access), plan an erasure, rectify a contact"

_CONTACTS: Final = NamedInput(
    name="contacts", record_type=Contact, help="the contacts (only the person's is kept)"
)
_ALL_PURCHASES: Final = NamedInput(
    name="purchases", record_type=Purchase, required=False, help="the purchases"
)
_ALL_FEEDBACK: Final = NamedInput(
    name="feedback", record_type=Feedback, required=False, help="the feedback"
)
_INPUTS: Final = (_CONTACTS, _ALL_PURCHASES, _ALL_FEEDBACK, CONSENTS)
_RECTIFY_INPUTS: Final = (_CONTACTS,)
del PURCHASES, FEEDBACK  # the retention command reads fewer fields; a request reads all


def _output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTPUT",
        help=f"{what} (written atomically; - for standard output)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the ``export``, ``erase`` and ``rectify`` sub-commands.

    Args:
        parser: The ``custdata subject`` parser.
    """
    actions = parser.add_subparsers(dest="subject_action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write everything held about one person as JSON (access, portability)",
        description="Write everything held about one person as one JSON bundle.",
    )
    export.add_argument("--contact-id", required=True, help="the person")
    add_named_inputs(export, _INPUTS)
    export.add_argument(
        "--purpose",
        action="append",
        default=[],
        metavar="RECORD_TYPE=TEXT",
        help="the declared purpose of a record type (repeatable)",
    )
    add_rules_argument(export)
    _output(export, "the JSON bundle")

    erase = actions.add_parser(
        "erase",
        help="write the erasure plan of one person as JSON",
        description="Write what to erase, what to hold and why, and the person's pseudonyms.",
    )
    erase.add_argument("--contact-id", required=True, help="the person")
    add_named_inputs(erase, _INPUTS)
    erase.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="POLICY",
        help="a policy copies were released under: a built-in name or a TOML file (repeatable)",
    )
    add_key_arguments(erase)
    add_rules_argument(erase)
    add_date_arguments(erase, today=True, today_help="the day of the request")
    _output(erase, "the erasure plan, JSON")

    rectify = actions.add_parser(
        "rectify",
        help="apply a person's corrections to their contact; log the fields changed",
        description="Apply the changes of a JSON object to one contact, validated and "
        "normalised, and write the new contact.",
    )
    rectify.add_argument("--contact-id", required=True, help="the person")
    add_named_inputs(rectify, _RECTIFY_INPUTS)
    rectify.add_argument(
        "--changes", type=Path, required=True, metavar="FILE", help="a JSON object: field -> value"
    )
    rectify.add_argument("--request-id", required=True, help="the request's id, for the log")
    rectify.add_argument(
        "--region",
        default="FR",
        help="the country assumed for phones and postal codes (default: FR)",
    )
    rectify.add_argument(
        "--log", type=Path, default=None, metavar="FILE", help="write the change-log entry as JSON"
    )
    add_date_arguments(rectify, today=True, today_help="the day of the request")
    _output(rectify, "the new contact: .csv, .jsonl or .parquet")
    rectify.add_argument(
        "--output-format", choices=("csv", "jsonl", "parquet"), default=None, help="output format"
    )


def run(args: argparse.Namespace) -> int:
    """
    Run ``custdata subject export``, ``erase`` or ``rectify``.

    Args:
        args: The parsed arguments.

    Returns:
        0, or 3 if rows could not be read (they are left out).

    Raises:
        UsageError: For arguments that cannot be used (exit code 2).
        PolicyError: For a bad policy or rule set (exit code 2).
        InputError: For an unreadable file or consent row, or changes that
            cannot be used (exit code 4).
    """
    if args.subject_action == "rectify":
        return _rectify(args)
    check_named_paths(args, _INPUTS)
    rules = rules_from(args)
    reads = {named: read_named_records(args, named) for named in _INPUTS}
    check_consents(reads[CONSENTS])
    records: dict[str, Any] = {
        "contacts": records_of(reads[_CONTACTS], Contact),
        "purchases": records_of(reads[_ALL_PURCHASES], Purchase),
        "feedback": records_of(reads[_ALL_FEEDBACK], Feedback),
        "consents": records_of(reads[CONSENTS], Consent),
    }
    if not any(getattr(c, "contact_id", None) == args.contact_id for c in records["contacts"]):
        msg = "--contact-id: no contact of --contacts has this id"
        raise UsageError(msg)
    if args.subject_action == "export":
        document = _export(args, records, rules)
        summary = "access bundle"
    else:
        document = _erase(args, records, rules)
        summary = "erasure plan"
    _write_json(args.output, document)
    where = output_name(args.output)
    sys.stderr.write(f"custdata subject: {summary} of {args.contact_id} written to {where}\n")
    if args.subject_action == "erase":
        totals = document["totals"]
        sys.stderr.write(
            "  " + ", ".join(f"{action} {count}" for action, count in totals.items()) + "\n"
        )
    return warn_rejects(
        {named: read for named, read in reads.items() if named is not CONSENTS}, "left out"
    )


def _export(args: argparse.Namespace, records: dict[str, Any], rules: Any) -> dict[str, Any]:
    from custdata.lifecycle import access_export

    purposes: dict[str, str] = {}
    for item in args.purpose:
        name, equals, text = item.partition("=")
        if not equals or not name.strip() or not text.strip():
            msg = "--purpose must be RECORD_TYPE=TEXT"
            raise UsageError(msg)
        purposes[name.strip()] = text.strip()
    try:
        return access_export(args.contact_id, **records, processing_purposes=purposes, rules=rules)
    except ValueError as error:  # PolicyError: a record type without a purpose
        raise UsageError(
            str(error).replace("access_export: processing_purposes", "--purpose")
        ) from None


def _erase(args: argparse.Namespace, records: dict[str, Any], rules: Any) -> dict[str, Any]:
    from custdata.lifecycle import erasure_plan

    policies = [policy_from(text) for text in args.policy]
    keys = keys_from(args, required=False)
    if keys is None and policies:
        keys = keys_from(args, required=True, reason="--policy needs the key ring its copies used")
    plan = erasure_plan(
        args.contact_id,
        **records,
        policies=policies,
        keys=keys,
        rules=rules,
        today=today_from(args),
    )
    return plan.to_dict()


def _write_json(path: Path, document: object) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=1, default=str) + "\n"
    if str(path) == "-":
        sys.stdout.write(text)
        return
    with _committed(path) as file:
        file.file.write(text.encode("utf-8"))


def _rectify(args: argparse.Namespace) -> int:
    from custdata.lifecycle import rectify

    check_named_paths(args, _RECTIFY_INPUTS)
    try:
        changes = json.loads(args.changes.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        msg = f"--changes: cannot read a JSON object ({type(error).__name__})"
        raise InputError(msg) from None
    if not isinstance(changes, dict):
        msg = "--changes must hold a JSON object of field -> value"
        raise UsageError(msg)
    read = read_named_records(args, _CONTACTS)
    contacts = [
        record
        for record in records_of(read, Contact)
        if isinstance(record, Contact) and record.contact_id == args.contact_id
    ]
    if len(contacts) != 1:
        msg = f"--contact-id: {len(contacts)} contacts of --contacts have this id (need one)"
        raise UsageError(msg)
    today = today_from(args)
    try:
        new, entry = rectify(
            contacts[0], changes, today=today, region=args.region, request_id=args.request_id
        )
    except ValidationError as error:  # the changes say what cannot be used, never a value
        msg = f"--changes: {error}"
        raise InputError(msg) from None
    with contextlib.ExitStack() as stack:
        if args.log is not None:
            log = stack.enter_context(_committed(args.log))
            log.file.write((json.dumps(entry.to_dict()) + "\n").encode("utf-8"))
        writer = stack.enter_context(open_records_output(args, Contact))
        writer.write_records([new])
    sys.stderr.write(
        f"custdata subject: rectified {entry.contact_id} for request {entry.request_id} on "
        f"{entry.changed_at.isoformat()}: {', '.join(entry.fields) or 'nothing changed'}\n"
    )
    return EXIT_OK
