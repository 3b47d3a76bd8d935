"""
Throughput of ``validate_many`` + ``normalise`` against a bare loop of the value libraries.

Goals (docs/performance.md), on 100 000 synthetic contacts:

- at least 0.9x the bare loop when every email and phone is distinct;
- at least 2.5x when each distinct value appears three times on average (the same
  customer across several files), the repeats spread over the whole file.

The bare loop is what any script would do without custdata: for each contact,
``email_validator.validate_email(email.strip(), check_deliverability=False)`` and
``phonenumbers.parse(phone, "FR")`` + ``is_valid_number`` + ``format_number(E164)``,
over the same values, timed in the same run. custdata does more per contact (names,
postal code, country, record rebuilt with canonical values, a report per record),
which the ratio includes.

The contacts are generated here with a seeded random generator: example.com-style
emails with the messiness of real files (capitals, stray spaces; 3% keep the
accents of the name, 3% are invalid) and French phone numbers in every usual writing
(``06 12 34 56 78``, ``+33 6 12 34 56 78``, ``0033612345678``, ``06.12.34.56.78``,
a few invalid ones).

Run: ``.venv/bin/python benchmarks/bench_validate.py [--records 100000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import statistics
import time
import unicodedata
from collections.abc import Callable

import email_validator
import phonenumbers

from custdata import Address, Contact
from custdata.validation import validate_many

_GIVEN = ["Élodie", "Jean", "Marie", "Noël", "Zoé", "Lucas", "Chloé", "Hugo", "Inès", "Léa"]
_FAMILY = ["Martin", "Dupont", "Lefèvre", "Bernard", "Faure", "Girard", "Müller", "N'Diaye"]
_DOMAINS = ["example.com", "example.fr", "Example.org", "mail.example.net", "exemple.fr"]
_POSTAL = ["75011", "69003", "13 001", "20000", "20200", "33000", "F-59000", "97110"]
_TODAY = dt.date(2025, 6, 1)


def _email(rng: random.Random, serial: int) -> str:
    given = rng.choice(_GIVEN)
    family = rng.choice(_FAMILY).replace("'", "")
    local = f"{given}.{family}{serial}"
    if rng.random() < 0.97:
        # Most people's addresses are ASCII even when their names are not.
        local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    roll = rng.random()
    if roll < 0.50:
        local = local.lower()
    elif roll < 0.80:
        pass  # as typed: "Elodie.Martin123"
    elif roll < 0.97:
        local = local.upper()
    else:
        local = f"{local}..{serial}"  # invalid: two dots in a row
    email = f"{local}@{rng.choice(_DOMAINS)}"
    return f" {email} " if rng.random() < 0.1 else email


def _phone(rng: random.Random, serial: int) -> str:
    prefix = rng.choice("6667712345")
    digits = f"{prefix}{serial:08d}"
    roll = rng.random()
    if roll < 0.3:
        return "0" + " ".join([digits[0], *(digits[i : i + 2] for i in range(1, 9, 2))])
    if roll < 0.5:
        return "+33 " + digits[0] + " " + " ".join(digits[i : i + 2] for i in range(1, 9, 2))
    if roll < 0.65:
        return "0" + digits
    if roll < 0.8:
        return "0" + ".".join([digits[0] + digits[1], *(digits[i : i + 2] for i in range(2, 9, 2))])
    if roll < 0.95:
        return "0033" + digits
    return "0" + digits[:6]  # invalid: too short


def _contacts(count: int, distinct: int, seed: int) -> list[Contact]:
    """Build ``count`` contacts drawing emails and phones from ``distinct`` people."""
    rng = random.Random(seed)
    serials = rng.sample(range(10_000_000), distinct)
    emails = [_email(rng, serial) for serial in serials]
    phones = [_phone(rng, serial) for serial in serials]
    # Every person appears once, the rest are repeats spread over the whole file.
    people = list(range(distinct)) + [rng.randrange(distinct) for _ in range(count - distinct)]
    rng.shuffle(people)
    return [
        Contact(
            contact_id=f"C{row:07d}",
            given_name=f" {_GIVEN[person % len(_GIVEN)]} ",
            family_name=_FAMILY[person % len(_FAMILY)],
            email=emails[person],
            phone=phones[person],
            address=Address(postal_code=_POSTAL[person % len(_POSTAL)], country="fr"),
            birth_date=dt.date(1950 + person % 50, 1 + person % 12, 1 + person % 28),
        )
        for row, person in enumerate(people)
    ]


def _bare(contacts: list[Contact]) -> None:
    validate = email_validator.validate_email
    invalid_email = email_validator.EmailNotValidError
    parse, is_valid, format_number = (
        phonenumbers.parse,
        phonenumbers.is_valid_number,
        phonenumbers.format_number,
    )
    e164, invalid_phone = phonenumbers.PhoneNumberFormat.E164, phonenumbers.NumberParseException
    for contact in contacts:
        try:
            _normalised = validate(contact.email.strip(), check_deliverability=False).normalized  # type: ignore[union-attr]
        except invalid_email:
            _normalised = None
        try:
            number = parse(contact.phone, "FR")
            if is_valid(number):
                format_number(number, e164)
        except invalid_phone:
            pass


def _custdata(contacts: list[Contact]) -> None:
    for _record, _report in validate_many(contacts, today=_TODAY):
        pass


def _time(function: Callable[[list[Contact]], None], contacts: list[Contact]) -> float:
    gc.collect()
    start = time.perf_counter()
    function(contacts)
    return time.perf_counter() - start


def _scenario(name: str, contacts: list[Contact], rounds: int, goal: float) -> None:
    distinct = len({contact.email for contact in contacts})
    bare_times, ours_times = [], []
    for _ in range(rounds):  # alternate, so that machine noise hits both alike
        bare_times.append(_time(_bare, contacts))
        ours_times.append(_time(_custdata, contacts))
    bare, ours = statistics.median(bare_times), statistics.median(ours_times)
    count = len(contacts)
    ratio = bare / ours
    print(
        f"{name}: {count} contacts, {distinct} distinct emails; "
        f"bare loop {count / bare:,.0f} records/s, "
        f"validate_many+normalise {count / ours:,.0f} records/s, "
        f"ratio {ratio:.2f}x (goal >= {goal}x) {'ok' if ratio >= goal else 'MISSED'}"
    )
    print(
        f"  per round, bare: {', '.join(f'{t:.2f}s' for t in bare_times)}; "
        f"custdata: {', '.join(f'{t:.2f}s' for t in ours_times)}"
    )


def main() -> None:
    """Generate the contacts, time both loops in each scenario and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; medians reported")
    parser.add_argument("--seed", type=int, default=20_250_601)
    args = parser.parse_args()
    distinct = _contacts(args.records, args.records, args.seed)
    repeated = _contacts(args.records, args.records // 3, args.seed + 1)
    _custdata(distinct[:1000])  # load the libraries and their metadata outside the timings
    _bare(distinct[:1000])
    _scenario("all distinct", distinct, args.rounds, 0.9)
    _scenario("each value ~3 times", repeated, args.rounds, 2.5)


if __name__ == "__main__":
    main()
