"""
Build tests/data/text/comments.jsonl: customer comments with their personal data annotated.

The comments are put together from sentences written for the tests (French and
English, below) and values drawn with a fixed seed: valid emails, phone numbers
(checked by custdata's phone validation), IBANs, card numbers and NIRs with their
checksums, and names. Hard negatives are planted too: order and invoice numbers,
dates, prices, tracking numbers, SIRET and SIREN numbers (which pass Luhn), EAN
barcodes, postcodes. Each line is one JSON object:
``{"id", "lang", "text", "names": [given, family], "pii": [[start, end, kind], ...]}``,
with code-point offsets. Run from the repository root:

    PYTHONPATH=src python scripts/build_text_corpus.py
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from custdata.validation.phone import phone_result

OUT = Path("tests/data/text/comments.jsonl")
SEED = 20261207
COUNT = 360

GIVEN = {
    "fr": ["Élodie", "Jean-Pierre", "Camille", "Thomas", "Inès", "Mathieu", "Léa", "François",
           "Nathalie", "Hugo", "Chloé", "Sébastien", "Manon", "Karim", "Aurélie", "Yannick"],
    "en": ["Emily", "James", "Olivia", "Harry", "Sophie", "Oliver", "Grace", "William",
           "Charlotte", "George", "Amelia", "Jack", "Isla", "Thomas", "Priya", "Daniel"],
}  # fmt: skip
FAMILY = {
    "fr": ["Martin", "Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Benali", "Fournier",
           "Lambert", "Bonnet", "Mercier", "Garnier", "Chevalier", "Nguyen", "Faure", "Le Goff"],
    "en": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
           "Patel", "Wright", "Thompson", "Evans", "Walker", "Roberts", "Hughes", "Clarke"],
}  # fmt: skip
DOMAINS = ["example.fr", "example.com", "mail.example.org", "exemple.fr", "example.co.uk"]

OPENINGS = {
    "fr": [
        "Bonjour,", "Bonjour !", "Madame, Monsieur,", "Bonsoir.", "", "", "Salut,",
    ],
    "en": ["Hello,", "Hi,", "Dear team,", "Good morning.", "", ""],
}  # fmt: skip
BODIES = {
    "fr": [
        "Ma commande n'est jamais arrivée.",
        "Le colis était endommagé et il manque un article.",
        "J'ai été débité deux fois pour la même commande.",
        "Le retour a été refusé sans explication.",
        "Très satisfait, livraison rapide.",
        "Le produit ne correspond pas à la description.",
        "Service client injoignable depuis une semaine.",
        "Je souhaite annuler ma commande.",
        "Le remboursement n'est toujours pas arrivé.",
        "Produit conforme, vendeur très aimable.",
        "La taille ne convient pas, je voudrais l'échanger.",
        "Livraison un peu longue mais produit correct.",
    ],
    "en": [
        "My order never arrived.",
        "The parcel was damaged and an item is missing.",
        "I was charged twice for the same order.",
        "My return was refused without explanation.",
        "Very happy, quick delivery.",
        "The product does not match the description.",
        "Customer service has not answered for a week.",
        "I would like to cancel my order.",
        "The refund still has not arrived.",
        "Exactly as described, friendly seller.",
        "The size is wrong, I would like an exchange.",
        "Delivery was slow but the product is fine.",
    ],
}
PII = {
    "fr": {
        "email": [
            "Merci de me répondre à {email}.", "Mon adresse : {email}",
            "Écrivez-moi sur {email} svp.", "mon mail c'est {email}",
        ],
        "phone": [
            "Rappelez-moi au {phone} svp.", "Vous pouvez me joindre au {phone}.",
            "Mon numéro : {phone}", "tel {phone} après 18h",
        ],
        "iban": [
            "Pour le remboursement, mon IBAN est {iban}.", "Remboursez sur {iban} merci.",
            "RIB : {iban}",
        ],
        "card": [
            "J'ai payé avec la carte {card}.", "Ma carte {card} a été débitée deux fois.",
            "carte n° {card}",
        ],
        "nir": [
            "Mon numéro de sécu est {nir}.", "N° de sécurité sociale : {nir}",
            "pour la mutuelle, NIR {nir}",
        ],
        "name": [
            "Cordialement, {full}", "{given} {family}, cliente depuis 2015.",
            "Signé : {family} {given}", "C'est {given} à l'appareil.",
        ],
        "other": [
            "Le livreur, {other}, a été très aimable.", "J'ai parlé à {other} au téléphone.",
        ],
    },
    "en": {
        "email": [
            "Please reply to {email}.", "My email is {email}", "email me at {email} thanks",
        ],
        "phone": [
            "Please call me back on {phone}.", "You can reach me on {phone}.",
            "My number: {phone}", "call {phone} after 6pm",
        ],
        "iban": ["Please refund to {iban}.", "My IBAN is {iban}", "bank details: {iban}"],
        "card": [
            "I paid with card {card}.", "My card {card} was charged twice.", "card no. {card}",
        ],
        "nir": ["My French social security number is {nir}.", "NIR: {nir}"],
        "name": [
            "Kind regards, {full}", "{given} {family}, customer since 2015.",
            "Thanks, {given}", "This is {given} {family} writing.",
        ],
        "other": [
            "The driver, {other}, was very kind.", "I spoke to {other} on the phone.",
        ],
    },
}  # fmt: skip
NEGATIVES = {
    "fr": [
        "Commande n° {order} du {date}.", "Facture {invoice} d'un montant de {price}.",
        "Numéro de suivi : {tracking}.", "Le vendeur (SIRET {siret}) ne répond pas.",
        "Société immatriculée sous le SIREN {siren}.", "Code-barres {ean} sur l'étiquette.",
        "Livré au point relais 75011 Paris le {date} à 14h30.", "J'ai payé {price} le {date}.",
        "Référence article {ref}, quantité 3.", "Ticket SAV {ticket} ouvert le {date}.",
        "RCS Paris {siren}, TVA FR{vat}.", "Colis {tracking} bloqué depuis le {date}.",
    ],
    "en": [
        "Order no. {order} placed on {date}.", "Invoice {invoice} for {price}.",
        "Tracking number: {tracking}.", "The seller (SIRET {siret}) does not answer.",
        "Company number {siren}.", "Barcode {ean} on the label.",
        "Delivered to SW1A 1AA on {date} at 2:30pm.", "I paid {price} on {date}.",
        "Item reference {ref}, quantity 3.", "Support ticket {ticket} opened on {date}.",
        "Parcel {tracking} stuck since {date}.",
    ],
}  # fmt: skip


def luhn_digit(body: str) -> str:
    """The Luhn check digit that completes ``body``."""
    total = 0
    for i, char in enumerate(reversed(body)):
        value = int(char)
        if i % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(count))


def group(text: str, sizes: list[int], sep: str) -> str:
    out, at = [], 0
    for size in sizes:
        out.append(text[at : at + size])
        at += size
    if at < len(text):
        out.append(text[at:])
    return sep.join(part for part in out if part)


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("4970", 16), ("51", 16), ("55", 16), ("2223", 16), ("34", 15), ("37", 15),
         ("6011", 16), ("3530", 16), ("62", 16)]
    )  # fmt: skip
    body = prefix + digits(rng, length - len(prefix) - 1)
    number = body + luhn_digit(body)
    style = rng.random()
    if length == 15:
        return group(number, [4, 6, 5], " ") if style < 0.7 else number
    if style < 0.6:
        return group(number, [4, 4, 4, 4], " ")
    if style < 0.8:
        return group(number, [4, 4, 4, 4], "-")
    return number


IBAN_SHAPES = {
    "FR": lambda rng: digits(rng, 10) + "".join(rng.choice("0123456789ABCDEF") for _ in range(11))
    + digits(rng, 2),
    "DE": lambda rng: digits(rng, 18),
    "BE": lambda rng: digits(rng, 12),
    "ES": lambda rng: digits(rng, 20),
    "IT": lambda rng: rng.choice(string.ascii_uppercase) + digits(rng, 22),
    "GB": lambda rng: letters(rng, 4) + digits(rng, 14),
    "LU": lambda rng: digits(rng, 16),
    "NL": lambda rng: letters(rng, 4) + digits(rng, 10),
}  # fmt: skip


def iban(rng: random.Random) -> str:
    country = rng.choice(["FR", "FR", "FR", "DE", "BE", "ES", "IT", "GB", "LU", "NL"])
    bban = IBAN_SHAPES[country](rng)
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    number = f"{country}{check:02d}{bban}"
    return group(number, [4] * 9, " ") if rng.random() < 0.7 else number


def nir(rng: random.Random) -> str:
    sex = rng.choice("12")
    year = f"{rng.randrange(40, 100):02d}"
    month = f"{rng.randrange(1, 13):02d}"
    department = rng.choice(["75", "69", "13", "33", "2A", "2B", "59", "44", "06", "31"])
    commune = f"{rng.randrange(1, 990):03d}"
    order = f"{rng.randrange(1, 999):03d}"
    body = sex + year + month + department + commune + order
    key = 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97
    if rng.random() < 0.6:
        return f"{sex} {year} {month} {department} {commune} {order} {key:02d}"
    return f"{body}{key:02d}"


PHONE_SHAPES = [
    ("06", "FR"), ("07", "FR"), ("01", "FR"), ("04", "FR"), ("09", "FR"),
    ("+336", "FR"), ("+337", "FR"), ("00336", "FR"), ("0590", "FR"), ("0692", "FR"),
    ("+32470", "BE"), ("+447700", "GB"), ("+4420", "GB"),
]  # fmt: skip


def phone(rng: random.Random) -> str:
    while True:
        head, _ = rng.choice(PHONE_SHAPES)
        if head.startswith(("+33", "0033")):
            national = "0" + head[-1] + digits(rng, 8)
            compact = head[:-1] + national[1:]
            spaced = ("+33 " if head.startswith("+") else "0033 ") + group(
                national[1:], [1, 2, 2, 2, 2], " "
            )
            text = rng.choice([compact, spaced, spaced.replace("+33 ", "+33 (0)")])
        elif head.startswith("+"):
            rest = digits(rng, {"+32470": 6, "+447700": 6, "+4420": 8}[head])
            text = {
                "+32470": f"+32 470 {rest[:2]} {rest[2:4]} {rest[4:]}",
                "+447700": f"+44 7700 {rest}",
                "+4420": f"+44 20 {rest[:4]} {rest[4:]}",
            }[head]
        else:
            national = head + digits(rng, 10 - len(head))
            pairs = group(national, [2, 2, 2, 2, 2], " ")
            text = rng.choice(
                [pairs, pairs, pairs.replace(" ", "."), national, pairs.replace(" ", "-")]
            )
        if phone_result(text, "FR") is not None:
            return text


def negatives(rng: random.Random) -> dict[str, str]:
    siren_body = rng.choice("3456789") + digits(rng, 7)
    siren = siren_body + luhn_digit(siren_body)
    nic_body = "0" + digits(rng, 3)
    siret_body = siren + nic_body
    siret = siret_body + luhn_digit(siret_body)
    ean_body = rng.choice(["3", "4", "5"]) + digits(rng, 11)
    ean_sum = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(ean_body))
    ean = ean_body + str((10 - ean_sum % 10) % 10)
    tracking = rng.choice(
        [
            "6A" + digits(rng, 11),
            "1Z" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "LA" + digits(rng, 9) + "FR",
            "XY " + digits(rng, 4) + " " + digits(rng, 4) + " 9FR",
            digits(rng, 13),
            "JJD" + digits(rng, 18),
        ]
    )
    day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.choice([2024, 2025, 2026])
    return {
        "order": rng.choice(["CMD-", "", "#", "FR-"]) + f"{year}-{digits(rng, 6)}",
        "invoice": f"F{year}{digits(rng, 5)}",
        "date": rng.choice([f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}",
                            f"{day} mars {year}"]),
        "price": rng.choice([f"{rng.randrange(5, 2000)},{rng.randrange(100):02d} €",
                             f"{rng.randrange(1, 9)} {rng.randrange(100, 1000)},00 €",
                             f"£{rng.randrange(5, 500)}.99", f"{rng.randrange(5, 500)} EUR"]),
        "tracking": tracking,
        "siret": rng.choice([siret, f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"]),
        "siren": rng.choice([siren, f"{siren[:3]} {siren[3:6]} {siren[6:]}"]),
        "ean": ean,
        "ref": f"{digits(rng, 3)}-{digits(rng, 4)}-{digits(rng, 3)}",
        "ticket": f"#{digits(rng, 7)}",
        "vat": digits(rng, 11),
    }  # fmt: skip


HARD = 0.12
"""The share of comments whose values are written in a hard form (see `hard`)."""


def _typo(rng: random.Random, text: str) -> str:
    """One digit of ``text`` changed: a checksum that no longer holds."""
    places = [i for i, char in enumerate(text) if char.isdigit()][4:]
    at = rng.choice(places)
    return text[:at] + str((int(text[at]) + rng.randrange(1, 10)) % 10) + text[at + 1 :]


def hard(rng: random.Random, values: dict[str, str]) -> dict[str, str]:
    """
    Values as people also write them, that a detector may miss: still personal data.

    An email with "at" for "@", a phone without its trunk 0 or "+", an IBAN or a
    card number with a typo (its checksum fails), a NIR without its key.
    """
    out = dict(values)
    local, _, domain = values["email"].partition("@")
    out["email"] = rng.choice([f"{local} (at) {domain}", f"{local} arobase {domain}"])
    compact = values["phone"].replace(" ", "").replace(".", "").replace("-", "")
    if compact.startswith("0") and not compact.startswith("00"):
        out["phone"] = "33 " + group(compact[1:], [1, 2, 2, 2, 2], " ")
    out["iban"] = _typo(rng, values["iban"])
    out["card"] = _typo(rng, values["card"])
    nir_compact = values["nir"].replace(" ", "")
    out["nir"] = rng.choice([nir_compact[:13], group(nir_compact[:13], [1, 2, 2, 2, 3, 3], " ")])
    return out


def email(rng: random.Random, given: str, family: str) -> str:
    local = f"{given.lower()}.{family.lower().replace(' ', '')}{rng.randrange(100)}"
    folded = local.translate(str.maketrans("éèçïô", "eecio"))
    return f"{folded}@{rng.choice(DOMAINS)}"


def add(
    parts: list[tuple[str, list[tuple[int, int, str]]]],
    template: str,
    fills: dict[str, str],
    kinds: dict[str, str],
) -> None:
    """Fill a sentence's slots; ``kinds``: slot -> annotated kind (others are not personal)."""
    text, spans, at = "", [], 0
    while True:
        start = template.find("{", at)
        if start < 0:
            text += template[at:]
            break
        end = template.index("}", start)
        slot = template[start + 1 : end]
        text += template[at:start]
        value = fills[slot]
        if slot in kinds:
            spans.append((len(text), len(text) + len(value), kinds[slot]))
        text += value
        at = end + 1
    parts.append((text, spans))


def build() -> list[dict[str, object]]:  # noqa: PLR0912  # one comment per pass, in draw order
    rng = random.Random(SEED)  # noqa: S311  # test data, not secrets
    out: list[dict[str, object]] = []
    for number in range(COUNT):
        lang = "fr" if number % 3 else "en"
        given, family = rng.choice(GIVEN[lang]), rng.choice(FAMILY[lang])
        other = f"{rng.choice(GIVEN[lang])} {rng.choice(FAMILY[lang])}"
        while other.split(maxsplit=1)[0] == given or other.rsplit(maxsplit=1)[-1] == family:
            other = f"{rng.choice(GIVEN[lang])} {rng.choice(FAMILY[lang])}"
        values = {
            "email": email(rng, given, family),
            "phone": phone(rng),
            "iban": iban(rng),
            "card": card(rng),
            "nir": nir(rng),
        }
        if rng.random() < HARD:
            values = hard(rng, values)
        parts: list[tuple[str, list[tuple[int, int, str]]]] = []

        opening = rng.choice(OPENINGS[lang])
        if opening:
            add(parts, opening, {}, {})
        add(parts, rng.choice(BODIES[lang]), {}, {})
        draw = rng.random()
        if draw < 0.7:
            chosen = rng.sample(["email", "phone", "iban", "card", "nir"], rng.choice([1, 1, 1, 2]))
            for kind in chosen:
                if kind == "nir" and rng.random() < 0.5 and lang == "en":
                    continue
                add(parts, rng.choice(PII[lang][kind]), values, {kind: kind})
        if rng.random() < 0.55:
            add(parts, rng.choice(NEGATIVES[lang]), negatives(rng), {})
        if rng.random() < 0.2:
            add(parts, rng.choice(NEGATIVES[lang]), negatives(rng), {})
        if rng.random() < 0.12:
            add(parts, rng.choice(PII[lang]["other"]), {"other": other}, {"other": "name"})
        if rng.random() < 0.3:
            add(
                parts,
                rng.choice(PII[lang]["name"]),
                {"given": given, "family": family, "full": f"{given} {family}"},
                {"given": "name", "family": "name", "full": "name"},
            )
        text, spans = "", []
        for piece, piece_spans in parts:
            if text:
                text += " "
            spans += [(len(text) + a, len(text) + b, kind) for a, b, kind in piece_spans]
            text += piece
        # "Élodie Martin" is one name: adjacent name spans separated by a space merge.
        merged: list[tuple[int, int, str]] = []
        for span in spans:
            if merged and merged[-1][2] == span[2] == "name" and span[0] == merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], span[1], "name")
            else:
                merged.append(span)
        out.append(
            {
                "id": f"T{number:04d}",
                "lang": lang,
                "text": text,
                "names": [given, family],
                "pii": [list(span) for span in merged],
            }
        )
    return out


def main() -> None:
    corpus = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as handle:
        for item in corpus:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(corpus)} comments to {OUT}")


if __name__ == "__main__":
    main()
