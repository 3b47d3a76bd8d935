"""
Build the word lists of `custdata.transforms.Surrogate` from Faker's locale data (run once).

The lists are package data that custdata owns (src/custdata/transforms/_surrogate_data/):
surrogates must never change when a dependency is upgraded, so they are not drawn from
Faker at run time. This script wrote them with Faker 40.63.0, whose locale data is
under the MIT licence (Copyright (c) 2012 Daniele Faraglia); each file records the
version and the licence. Running it again with another Faker version may change the
lists, and with them every surrogate: tests/transforms/test_surrogate.py pins a sample
of surrogates for each kind and locale, and fails if that happens.

    PYTHONPATH=src python scripts/build_surrogate_lists.py

Per locale (the Faker locales of `custdata.synthetic`'s locale profiles):

- ``given_female``, ``given_male``: the locale's ``first_names_female`` and
  ``first_names_male`` (Faker's fixed lists);
- ``family``: its ``last_names``;
- ``streets``: up to 2 000 distinct street names drawn with a seeded Faker;
- ``cities``: up to 1 000 distinct city names, likewise;
- ``companies``: up to 1 000 distinct company names, likewise.

Every list is stripped, deduplicated and sorted by code point. Given and family names
whose email form (the slug of docs/transforms.md) would be empty are left out.

``genders.json`` is the shared name -> gender lexicon: the given names of the Latin-script
locales listed below, keyed by their normalised form (NFC, case-folded, whitespace
collapsed), ``"f"`` or ``"m"``; a name listed with both genders in any of them is left out.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Final

import faker
from faker import Faker

from custdata.synthetic._locales import LOCALES

OUT: Final = Path(__file__).resolve().parent.parent / "src/custdata/transforms/_surrogate_data"
SOURCE: Final = (
    f"Faker {faker.VERSION} locale data, MIT licence, Copyright (c) 2012 Daniele Faraglia"
)
SUPPORTED: Final = ("de_DE", "en_GB", "en_US", "fr_BE", "fr_FR")
STREETS: Final = 2_000
CITIES: Final = 1_000
COMPANIES: Final = 1_000
DRAWS: Final = 40_000
LEXICON_LOCALES: Final = (
    "da_DK", "de_AT", "de_CH", "de_DE", "en_GB", "en_IE", "en_NZ", "en_US",
    "es_ES", "es_MX", "fi_FI", "fr_BE", "fr_CA", "fr_CH", "fr_FR", "it_IT", "nl_BE", "nl_NL",
    "no_NO", "pl_PL", "pt_BR", "pt_PT", "sv_SE",
)  # fmt: skip
_SLUG_FOLD: Final = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
_NON_SLUG: Final = re.compile(r"[^a-z0-9]")


def key(text: str) -> str:
    """The normalised form the surrogates hash and look names up by (docs/transforms.md)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return " ".join(folded.split())


def slug(text: str) -> str:
    """The email form of a name, as docs/transforms.md states it."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_SLUG_FOLD))
    return _NON_SLUG.sub("", folded.encode("ascii", "ignore").decode("ascii"))


def _clean(values: object, *, sluggable: bool = False) -> list[str]:
    out = {unicodedata.normalize("NFC", " ".join(str(v).split())) for v in values}  # type: ignore[attr-defined]
    return sorted(v for v in out if v and (not sluggable or slug(v)))


def _person(locale: str) -> type:
    return importlib.import_module(f"faker.providers.person.{locale}").Provider  # type: ignore[no-any-return]


def _drawn(locale: str, role: str, method: str, count: int) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(f"custdata/surrogate/{locale}/{role}")
    produce = getattr(fake, method)
    seen: dict[str, None] = {}
    for _ in range(DRAWS):
        value = " ".join(str(produce()).split())
        if value:
            seen[unicodedata.normalize("NFC", value)] = None
        if len(seen) >= count:
            break
    return sorted(seen)


def _dump(path: Path, data: dict[str, object]) -> None:
    lines = [
        f"{json.dumps(name)}:{json.dumps(value, ensure_ascii=False, separators=(',', ':'))}"
        for name, value in data.items()
    ]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


def build_locale(locale: str) -> dict[str, object]:
    """The lists of one locale."""
    profile = LOCALES[locale]
    person = _person(profile.names)
    return {
        "source": SOURCE,
        "locale": locale,
        "faker_locales": {
            "names": profile.names,
            "streets": profile.streets,
            "cities": profile.places,
            "companies": profile.work,
        },
        "number_first": profile.number_first,
        "given_female": _clean(person.first_names_female, sluggable=True),
        "given_male": _clean(person.first_names_male, sluggable=True),
        "family": _clean(person.last_names, sluggable=True),
        "streets": _drawn(profile.streets, "streets", "street_name", STREETS),
        "cities": _drawn(profile.places, "cities", "city", CITIES),
        "companies": _drawn(profile.work, "companies", "company", COMPANIES),
    }


def build_lexicon() -> dict[str, object]:
    """The shared name -> gender lexicon."""
    genders: dict[str, set[str]] = {}
    for locale in LEXICON_LOCALES:
        person = _person(locale)
        for gender, names in (("f", person.first_names_female), ("m", person.first_names_male)):
            for name in names:
                normal = key(str(name))
                if normal:
                    genders.setdefault(normal, set()).add(gender)
    lexicon = {name: next(iter(g)) for name, g in sorted(genders.items()) if len(g) == 1}
    return {"source": SOURCE, "locales": list(LEXICON_LOCALES), "genders": lexicon}


def main() -> int:
    """Write every file."""
    OUT.mkdir(parents=True, exist_ok=True)
    for locale in SUPPORTED:
        _dump(OUT / f"{locale}.json", build_locale(locale))
    _dump(OUT / "genders.json", build_lexicon())
    print(f"wrote {len(SUPPORTED) + 1} files to {OUT} from {SOURCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
