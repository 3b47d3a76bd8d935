"""
Word pools drawn from Faker once per locale and seed.

Calling Faker for every row costs tens of microseconds a value; drawing a few
thousand values once and choosing among them with `random.Random` is what makes
a million contacts possible in a couple of minutes. Names keep Faker's own
frequencies because the pools are drawn from its weighted lists.
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from typing import Final

import attrs

from custdata.errors import MissingDependencyError
from custdata.synthetic._locales import LocaleProfile
from custdata.synthetic._texts import CATEGORIES, MODEL_NAMES, PRODUCT_NOUNS
from custdata.validation.postal import canonical_postal_code

__all__ = ["Pools", "Product", "build_pools", "faker_version", "slug"]

_NAMES: Final = 1_500
_PLACES: Final = 2_000
_STREETS: Final = 2_000
_WORK: Final = 400
_PRODUCTS_PER_CATEGORY: Final = 30


@attrs.frozen(kw_only=True)
class Product:
    """One product of the generated catalogue."""

    sku: str
    name: str
    category: str
    price_cents: int


@attrs.frozen(kw_only=True)
class Pools:
    """
    The values rows are assembled from, for one locale and one seed.

    Shared between datasets and threads through the cache of `build_pools`: read it,
    never change it (the dicts included).
    """

    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    slugs: dict[str, str] = attrs.field(repr=False)
    streets: tuple[str, ...]
    places: tuple[tuple[str, str, str], ...]
    companies: tuple[str, ...]
    jobs: tuple[str, ...]
    products: dict[str, tuple[Product, ...]] = attrs.field(repr=False)


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Return ``text`` folded to lower-case ASCII letters and digits, for email local parts."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("", folded.lower())


def faker_version() -> str:
    """
    Return the installed Faker version.

    Raises:
        MissingDependencyError: If Faker is not installed (extra ``synthetic``).
    """
    try:
        import faker
    except ImportError:
        package = "faker"
        raise MissingDependencyError(package, "synthetic") from None
    return str(faker.VERSION)


def _faker(locale: str, seed: int, role: str) -> object:
    try:
        from faker import Faker
    except ImportError:
        package = "faker"
        raise MissingDependencyError(package, "synthetic") from None
    fake = Faker(locale)
    fake.seed_instance(f"custdata/{seed}/{role}")
    return fake


def _draw(fake: object, method: str, count: int) -> tuple[str, ...]:
    produce = getattr(fake, method)
    return tuple(str(produce()) for _ in range(count))


# The last few locales and seeds: drawing pools from Faker takes a while. Safe under
# threads: functools.lru_cache guards its own table, each call draws from Faker
# instances of its own, and the Pools returned are shared, so nothing writes to them.
@functools.lru_cache(maxsize=8)
def build_pools(profile: LocaleProfile, seed: int) -> Pools:
    """
    Draw the pools of one locale from Faker, deterministically for ``seed``.

    Args:
        profile: The locale.
        seed: The dataset seed.

    Returns:
        The pools.

    Raises:
        MissingDependencyError: If Faker is not installed.
    """
    names = _faker(profile.names, seed, "names")
    female = _draw(names, "first_name_female", _NAMES)
    male = _draw(names, "first_name_male", _NAMES)
    family = _draw(names, "last_name", _NAMES * 2)
    places_fake = _faker(profile.places, seed, "places")
    postcodes = _draw(places_fake, "postcode", _PLACES)
    cities = _draw(places_fake, "city", _PLACES)
    regions = _draw(places_fake, profile.region_method, _PLACES)
    streets = _draw(_faker(profile.streets, seed, "streets"), "street_name", _STREETS)
    work = _faker(profile.work, seed, "work")
    companies = _draw(work, "company", _WORK)
    jobs = _draw(work, "job", _WORK)
    slugs = {name: slug(name) or "client" for name in (*female, *male, *family)}
    # Keep the places whose postal code is well formed for the country (Faker's
    # German codes, for one, may start with 00, which Germany never assigns).
    places = tuple(
        place
        for place in zip(postcodes, cities, regions, strict=True)
        if canonical_postal_code(place[0], profile.country) == place[0]
    )
    return Pools(
        female=female,
        male=male,
        family=family,
        slugs=slugs,
        streets=streets,
        places=places,
        companies=companies,
        jobs=jobs,
        products=_catalogue(profile, seed),
    )


def _catalogue(profile: LocaleProfile, seed: int) -> dict[str, tuple[Product, ...]]:
    rng = random.Random(f"custdata/{seed}/catalogue")  # noqa: S311  # fake data, not secrets
    nouns = PRODUCT_NOUNS[profile.language]
    catalogue: dict[str, tuple[Product, ...]] = {}
    for category, (low, high) in CATEGORIES.items():
        products = []
        for index in range(_PRODUCTS_PER_CATEGORY):
            # Log-uniform prices: many cheap products, a few expensive ones.
            cents = int(low * (high / low) ** rng.random())
            cents = max(99, (cents // 100) * 100 + rng.choice((-1, -10, 0)))
            name = f"{rng.choice(nouns[category])} {rng.choice(MODEL_NAMES)}"
            sku = f"{category[:3].upper()}-{index + 1:04d}"
            products.append(Product(sku=sku, name=name, category=category, price_cents=cents))
        catalogue[category] = tuple(products)
    return catalogue
