"""
Show what custdata does, on a few hand-made records (all fake: emails at example.com/.org).

The demo is a list of sections (`SECTIONS`); each part of custdata adds its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import json
import sys
import textwrap
from collections.abc import Callable
from typing import Final

HELP = "show what custdata does, on a few hand-made fake records"

_MESSY_CONTACT: Final[dict[str, object]] = {
    "contact_id": "C-0001",
    "given_name": "Élodie",
    "family_name": "Martin",
    "email": "elodie.martin@example.com",
    "phone": "+33612345678",
    "birth_date": "14/07/1985",
    "gender": "Female",
    "preferred_channels": ["email", "SMS"],
    "address": {"line1": "12 rue des Lilas", "postal_code": "75011", "city": "Paris"},
    "created_at": "2024-03-01T09:30:00+01:00",
}

_MESSY_PURCHASE: Final[dict[str, object]] = {
    "purchase_id": "P-1001",
    "contact_id": "C-0001",
    "purchased_at": "2024-05-18T15:04:00+02:00",
    "total": {"amount": "49,90", "currency": "EUR"},
    "lines": [
        {"sku": "TSHIRT-M", "quantity": "2", "unit_price": {"amount": "19.95", "currency": "EUR"}}
    ],
    "payment_method": "card",
    "channel": "web",
}

_MESSY_CONSENT: Final[dict[str, object]] = {
    "contact_id": "C-0001",
    "purpose": "newsletter",
    "channel": "Email",
    "status": "granted",
    "recorded_at": "2024-03-01T09:31:00+01:00",
    "source": "checkout_form",
}

_MESSY_FEEDBACK: Final[dict[str, object]] = {
    "feedback_id": "F-0042",
    "contact_id": "C-0002",
    "received_at": "2024-06-02T11:00:00+00:00",
    "kind": "survey",
    "nps": "9",
    "comment": "Livraison rapide. Écrivez-moi à jean.dupont@example.org",
}

_BROKEN_CONTACT: Final[dict[str, object]] = {
    "given_name": "Jean",
    "email": "jean.dupont@example.org",
    "birth_date": "31/02/1990",
    "gender": "sometimes",
    "created_at": "2024-01-01T10:00:00",
    "shoe_size": 43,
}


def _write(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _show(value: object) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, dt.date):
        return f"{type(value).__name__} {value.isoformat()}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(item) for item in value) + ")"
    return repr(value)


def _section(title: str) -> None:
    _write()
    _write(title)
    _write("-" * len(title))


def _records() -> None:
    from custdata.model import Consent, Contact, Feedback, Purchase, from_dict

    _section("1. Typed records from messy dicts")
    _write("from_dict checks shape and types, and reads the text forms found in exports.")
    contact = from_dict(Contact, _MESSY_CONTACT)
    _write(f"Contact   birth_date '14/07/1985' -> {_show(contact.birth_date)}")
    _write(f"          gender 'Female' -> {_show(contact.gender)}")
    channels = _show(contact.preferred_channels)
    _write(f"          preferred_channels ['email', 'SMS'] -> {channels}")
    _write(f"          address.city -> {contact.address.city if contact.address else None!r}")
    purchase = from_dict(Purchase, _MESSY_PURCHASE)
    _write(f"Purchase  total '49,90' EUR -> {purchase.total.amount!r} {purchase.total.currency}")
    _write(f"          lines[0].quantity '2' -> {purchase.lines[0].quantity!r}")
    _write(f"          status (absent) -> {_show(purchase.status)}")
    consent = from_dict(Consent, _MESSY_CONSENT)
    _write(
        f"Consent   channel 'Email' -> {_show(consent.channel)}, status -> {_show(consent.status)}"
    )
    feedback = from_dict(Feedback, _MESSY_FEEDBACK)
    _write(f"Feedback  nps '9' -> {feedback.nps!r}, kind -> {_show(feedback.kind)}")


def _validation_error() -> None:
    from custdata.errors import ValidationError
    from custdata.model import Contact, from_dict

    _section("2. Every problem at once, and never the values")
    _write("A contact with no id, an impossible date, an unknown gender, a time without")
    _write("a time zone and an unknown field raises one ValidationError listing them all:")
    try:
        from_dict(Contact, _BROKEN_CONTACT)
    except ValidationError as error:
        for issue in error.issues:
            _write(f"  {issue}")


def _categories() -> None:
    from custdata.model import Contact, categories

    _section("3. The personal-data category of every field of Contact")
    by_category: dict[str, list[str]] = {}
    for path, category in categories(Contact).items():
        by_category.setdefault(category.value, []).append(path)
    for name, paths in by_category.items():
        _write(f"{name}:")
        _write(
            textwrap.fill(", ".join(paths), width=88, initial_indent="  ", subsequent_indent="  ")
        )


def _to_dict() -> None:
    from custdata.model import Purchase, from_dict, to_dict

    _section("4. Back to JSON-safe dicts, exactly")
    purchase = from_dict(Purchase, _MESSY_PURCHASE)
    data = to_dict(purchase)
    _write(json.dumps(data, ensure_ascii=False, indent=2))
    _write(f"from_dict(Purchase, to_dict(p)) == p: {from_dict(Purchase, data) == purchase}")


def _files() -> None:
    _section("5. Files, from the command line")
    _write("custdata convert reads CSV (delimiter sniffed, utf-8 or cp1252), JSONL or Parquet,")
    _write("checks each row against a record type and writes CSV, JSONL or Parquet atomically;")
    _write("rows that do not fit go to --rejects with their issues (exit code 3):")
    _write(
        "  custdata convert clients.csv --delimiter ';' -o clients.parquet --rejects rejects.csv"
    )


SECTIONS: Final[list[Callable[[], None]]] = [
    _records,
    _validation_error,
    _categories,
    _to_dict,
    _files,
]
"""The demo's sections, in order; later parts of custdata append theirs."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Add the arguments of ``custdata demo`` (none).

    Args:
        parser: The sub-command's parser.
    """
    del parser


def run(args: argparse.Namespace) -> int:
    """
    Print the demo on stdout.

    Args:
        args: The parsed arguments (unused).

    Returns:
        0.
    """
    del args
    from custdata import __version__

    _write(f"custdata {__version__}: customer data governance under the GDPR (RGPD)")
    _write("Every record below is made up.")
    for section in SECTIONS:
        section()
    return 0
