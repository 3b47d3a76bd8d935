"""
Collision rates of `custdata.transforms.Surrogate`, per kind and locale (docs/transforms.md).

Surrogates are deterministic, not unique: two different originals can get the same one.
For each kind and locale this prints:

- ``p``: the probability that two distinct originals get the same surrogate, from the
  word lists: 1 / (the number of surrogates the lists can give), all equally likely
  (a given name of unknown gender: the mixed list; a full name: mixed given names
  times family names; a phone: the fiction range's numbers; a street: street names
  times 199 numbers), except emails, whose local-part forms are not equally likely
  and whose names can share an email form (accents dropped);
- ``pairs``: the same probability measured, colliding pairs over all pairs of ``--size``
  distinct originals (``original-0``, ``original-1``...) under a fixed key;
- ``shared``: the share of those originals whose surrogate another one also got.

    PYTHONPATH=src python scripts/surrogate_collisions.py [--size 10000]
"""

from __future__ import annotations

import argparse
import collections
import sys

from custdata import KeyRing
from custdata._reserved import EMAIL_DOMAINS, PHONE_PLANS
from custdata.transforms.surrogate import _PHONES, KINDS, LOCALES, Surrogate, lists

# An email's local part: g.f, gf or g_f (a quarter of tags each), or g.f followed by
# one of 90 numbers (the last quarter).
EMAIL_FORM_SAME = 3 * (1 / 4) ** 2 + 90 * (1 / 4 / 90) ** 2


def _same(words: tuple[str, ...]) -> float:
    """The probability that two uniform draws from a list give equal strings."""
    counts = collections.Counter(words)
    return sum((count / len(words)) ** 2 for count in counts.values())


def probability(kind: str, locale: str) -> float:
    """The probability that two distinct originals get the same surrogate."""
    words = lists(locale)
    plan = PHONE_PLANS[_PHONES[locale][1]]
    if kind == "email":  # two names can share an email form (accents dropped)
        return (
            _same(words.mixed_slugs)
            * _same(words.family_slugs)
            * EMAIL_FORM_SAME
            / len(EMAIL_DOMAINS)
        )
    outputs = {
        "given_name": len(words.mixed),  # an original of unknown gender
        "family_name": len(words.family),
        "full_name": len(words.mixed) * len(words.family),
        "phone": len(plan.blocks) * 10**plan.free_digits,
        "street": len(words.streets) * 199,
        "city": len(words.cities),
        "company": len(words.companies),
    }[kind]
    return 1 / outputs


def measured(kind: str, locale: str, size: int) -> tuple[float, float]:
    """Colliding pairs over all pairs, and the share of originals that collide."""
    ring = KeyRing.from_mapping({"k1": bytes(range(32))}, active="k1")
    originals = [f"original-{i}" for i in range(size)]
    if kind == "full_name":  # distinct given and family names
        originals = [f"given-{i} family-{i}" for i in range(size)]
    out = Surrogate(keys=ring, domain="collisions", kind=kind, locale=locale).apply_many(originals)
    counts = collections.Counter(out)
    pairs = sum(c * (c - 1) // 2 for c in counts.values())
    shared = sum(c for c in counts.values() if c > 1)
    return pairs / (size * (size - 1) // 2), shared / size


def main() -> int:
    """Print the table, in Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--size", type=int, default=10_000)
    size = parser.parse_args().size
    print(f"| kind | locale | p (word lists) | pairs (measured) | shared ({size:,} originals) |")
    print("| --- | --- | --- | --- | --- |")
    for kind in KINDS:
        for locale in LOCALES:
            p = probability(kind, locale)
            pairs, shared = measured(kind, locale, size)
            print(f"| {kind} | {locale} | {p:.2g} | {pairs:.2g} | {shared:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
