"""
The generator proper: one batch of contacts with everything that hangs off them.

Rows are built directly in their flat form (the dotted columns of
`custdata.model.to_flat`), because that is what files need and building a
million attrs records only to flatten them again would double the cost.
`custdata.synthetic.generate` turns the same rows into records with the model's
own codec, so the two forms cannot drift apart (a test checks it row by row).

Every batch draws its contacts from its own `random.Random`, seeded from the
dataset seed and the batch number, and their history (purchases, consents,
feedback) from another, so a batch's content depends neither on the others nor
on the order they are computed in, and contacts can be built without their
history. Emails and phones identify people: each person's email token and phone
(if any) are drawn once per dataset, from the seed and its size (`_identities`).
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import functools
import itertools
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from custdata._reserved import EMAIL_DOMAINS
from custdata.synthetic._dataset import CommentPii, DirtyValue, DuplicateLink
from custdata.synthetic._locales import LocaleProfile
from custdata.synthetic._phones import capacity, fiction_number
from custdata.synthetic._pools import Pools, Product, slug
from custdata.synthetic._texts import CATEGORIES, COMMENTS, CONTACT_SENTENCES

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

__all__ = ["BATCH_SIZE", "LINE_COLUMNS", "PHONE_SHARE", "Batch", "Engine", "FastRandom"]

T = TypeVar("T")

BATCH_SIZE: Final = 10_000
"""Contacts per batch: fixed, so that output never depends on how it is streamed."""

Row = dict[str, object]

PHONE_SHARE: Final = 0.78
"""The share of people with a phone, while the fiction ranges hold enough numbers."""

LINE_COLUMNS: Final = (
    "purchase_id",
    "line_number",
    "sku",
    "quantity",
    "unit_price.amount",
    "unit_price.currency",
    "name",
    "category",
)
"""Columns of the purchase lines file: the purchase, the line's position, then the `LineItem`."""

_HISTORY_DAYS: Final = 6 * 365
_MAX_AGE_DAYS: Final = int(92 * 365.25)  # contacts are 18 to 92 years old
_MONTH_WEIGHTS: Final = (1.1, 0.75, 0.8, 0.8, 0.85, 0.85, 1.05, 0.7, 0.85, 0.95, 1.5, 1.9)
_WEEKDAY_WEIGHTS: Final = (0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 0.85)
_EMAIL_DOMAINS: Final = (
    # RFC 2606 and RFC 6761 reserve these (custdata._reserved): they never deliver mail.
    (EMAIL_DOMAINS[0],) * 8 + (EMAIL_DOMAINS[1],) * 3 + (EMAIL_DOMAINS[2],) * 3 + EMAIL_DOMAINS[3:]
)
_ACQUISITION: Final = (
    ("web_signup",) * 5
    + ("store",) * 4
    + ("web_ads",) * 3
    + ("referral", "salon", "social", "marketplace", "newsletter")
)
_INCOME_BANDS: Final = ("<20k", "20-35k", "35-50k", "50-80k", "80k+")
_CHANNEL_PREFS: Final = ("email",) * 6 + ("sms",) * 3 + ("phone", "post", "app", "app")
_PURCHASE_CHANNELS: Final = ("web",) * 10 + ("store",) * 6 + ("app",) * 3 + ("marketplace",)
_PAYMENTS: Final = {
    "web": ("card",) * 7 + ("paypal",) * 2 + ("gift_card", "voucher"),
    "app": ("card",) * 6 + ("paypal",) * 3 + ("voucher",),
    "marketplace": ("card",) * 4 + ("paypal",),
    "store": ("card",) * 8 + ("cash",) * 3 + ("cheque", "gift_card"),
}
_DISCOUNT_PERCENTS: Final = (5, 10, 10, 15, 20, 20, 30)
_LINE2: Final = {
    "fr": ("Bât. B", "Appartement 12", "3e étage", "Résidence les Pins", "Lieu-dit les Vignes"),
    "de": ("Hinterhaus", "2. OG", "Wohnung 5", "c/o Müller"),
    "en": ("Flat 3", "Apartment 12", "Unit 4", "Suite 200"),
}
_CONSENTS: Final = (
    # purpose, channel, share of contacts who grant it, needs
    ("newsletter", "email", 0.65, "email"),
    ("offers", "sms", 0.35, "phone"),
    ("partners", "email", 0.08, "email"),
    ("profiling", "web", 0.35, ""),
    ("mail_offers", "post", 0.15, "address"),
    ("app_notifications", "push", 0.12, ""),
)
_CONSENT_SOURCES: Final = ("web_signup_form", "checkout_form", "store_tablet", "preference_centre")
_POLICY_VERSIONS: Final = (
    (dt.date(2018, 5, 25), "2018-05"),
    (dt.date(2020, 9, 1), "2020-09"),
    (dt.date(2022, 3, 15), "2022-03"),
    (dt.date(2024, 1, 10), "2024-01"),
)
_DIRTY_KINDS: Final = (
    ("invalid_email",) * 5
    + ("invalid_phone",) * 3
    + ("phone_format",) * 4
    + ("stray_spaces",) * 4
    + ("wrong_case",) * 4
)
_ISSUE_CODES: Final = {"invalid_email": "invalid_email", "invalid_phone": "invalid_phone"}
_VARIATIONS: Final = ("typo",) * 4 + ("swapped_names", "initial", "phone_format", "other_email") * 2


@attrs.define(kw_only=True)
class Batch:
    """The rows of one batch, in their flat form, and its ground truth."""

    contacts: list[Row] = attrs.Factory(list)
    purchases: list[Row] = attrs.Factory(list)
    lines: list[Row] = attrs.Factory(list)
    consents: list[Row] = attrs.Factory(list)
    feedback: list[Row] = attrs.Factory(list)
    duplicates: list[DuplicateLink] = attrs.Factory(list)
    dirty_values: list[DirtyValue] = attrs.Factory(list)
    comment_pii: list[CommentPii] = attrs.Factory(list)


@attrs.define(kw_only=True, slots=True)
class _Person:
    """A contact being built: clean values, before flattening and spoiling."""

    given: str
    family: str
    gender: str | None
    email: str | None
    phone: str | None  # national significant number
    address: tuple[str, str | None, str, str, str] | None
    birth: str | None
    channels: str
    source: str
    interests: tuple[str, ...]
    income: str | None
    company: str | None
    job: str | None
    created: int  # day index
    token: int  # unique per person: ends each of their emails
    duplicate_of: int | None = None
    variations: tuple[str, ...] = ()


@attrs.define(kw_only=True, slots=True)
class _Pending:
    """A purchase waiting for its id (ids follow time order within a batch)."""

    moment: str
    day: int
    row: Row
    lines: list[Row]


class FastRandom(random.Random):
    """
    `random.Random` with a faster `choice` and `randrange`, both built on `random()`.

    The standard ones go through ``_randbelow`` in Python and cost about a
    microsecond each, which a million contacts call tens of millions of times.
    Drawing ``int(random() * n)`` has a bias below 2**-40 for the small ``n``
    used here, which does not matter for fake data.
    """

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        """Return a random element of a non-empty sequence."""
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        """Return a random integer in ``range(start, stop)`` (``step`` must be 1)."""
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


class Engine:
    """Builds batches for one locale, seed, day and pair of rates."""

    def __init__(
        self,
        *,
        profile: LocaleProfile,
        pools: Pools,
        seed: int,
        today: dt.date,
        dirty: float,
        duplicates: float,
        n: int,
    ) -> None:
        self.profile = profile
        self.pools = pools
        self.seed = seed
        self.dirty = dirty
        self.duplicates = duplicates
        self.currency = profile.currency
        self.language = profile.language
        self.today = today
        first = today - dt.timedelta(days=_HISTORY_DAYS)
        self.first = first
        self.days = _HISTORY_DAYS  # day indexes 0 .. days-1; day `days` is today
        self.day_text = [(first + dt.timedelta(days=i)).isoformat() for i in range(self.days + 1)]
        self.times = _times_of_day()
        # Birth dates by age in days: formatting a date per contact costs more than this table.
        self.birth_text = [
            (today - dt.timedelta(days=age)).isoformat() for age in range(_MAX_AGE_DAYS + 1)
        ]
        self.month = [(first + dt.timedelta(days=i)).month for i in range(self.days + 1)]
        weights = [
            _MONTH_WEIGHTS[(first + dt.timedelta(days=i)).month - 1]
            * _WEEKDAY_WEIGHTS[(first + dt.timedelta(days=i)).weekday()]
            for i in range(self.days)
        ]
        # Cumulated seasonal weights: a day drawn between two bounds lands more
        # often in November-December, in the January and July sales, on Saturdays.
        self.cumulated = list(itertools.accumulate(weights))
        self.policy_by_day = [
            _policy_version(first + dt.timedelta(days=i)) for i in range(self.days + 1)
        ]
        self.categories = tuple(CATEGORIES)
        self.tokens, self.phones = _identities(seed, n, profile)
        # Fiction ranges hold few mobile numbers: nobody prefers SMS on a landline.
        self.channel_prefs = tuple(
            channel for channel in _CHANNEL_PREFS if profile.phones.mobile or channel != "sms"
        )
        self.all_products = tuple(
            product for products in pools.products.values() for product in products
        )
        # The columns of a purchase line that depend on the product only, built once.
        self.line_templates: dict[str, Row] = {
            product.sku: {
                "purchase_id": None,
                "line_number": None,
                "sku": product.sku,
                "quantity": None,
                "unit_price.amount": _amount(product.price_cents),
                "unit_price.currency": profile.currency,
                "name": product.name,
                "category": product.category,
            }
            for product in self.all_products
        }

    # --- time ----------------------------------------------------------------------

    def _moment(self, rng: random.Random, day: int) -> str:
        times = self.times
        return self.day_text[day] + times[int(rng.random() * len(times))]

    def _seasonal_day(self, rng: random.Random, low: int, high: int) -> int:
        """Draw a day in [low, high) with seasonal weights."""
        start = self.cumulated[low - 1] if low > 0 else 0.0
        end = self.cumulated[high - 1]
        return min(bisect.bisect_right(self.cumulated, rng.uniform(start, end)), high - 1)

    # --- people --------------------------------------------------------------------

    def _email(self, rng: random.Random, given: str, family: str, token: int) -> str:
        """
        An address built from the names and ending with the person's token.

        The names' part never ends with a digit, so the token is the run of digits
        that ends the local part: two people (two tokens) never share an address.
        """
        slugs = self.pools.slugs
        first = slugs.get(given) or slug(given) or "client"
        last = slugs.get(family) or slug(family) or "client"
        pattern = rng.randrange(7)
        if pattern == 0:
            local = f"{first}{last}"
        elif pattern == 1:
            local = f"{first[0]}.{last}"
        elif pattern == 2:
            local = f"{last}.{first}"
        elif pattern == 3:
            local = f"{first}_{last}"
        elif pattern == 4:
            local = f"{first}.{last}."
        else:
            local = f"{first}.{last}"
        if local[-1].isdigit():
            local += "."
        local += str(token)
        return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"

    def _person(self, rng: random.Random, slot: int) -> _Person:
        """A new person; ``slot`` is their index among all people of the dataset."""
        pools = self.pools
        draw = rng.random()
        if draw < 0.49:
            gender: str | None = "female"
            given = rng.choice(pools.female)
        elif draw < 0.96:
            gender = "male"
            given = rng.choice(pools.male)
        else:
            gender = ("other", "undisclosed", None, None)[rng.randrange(4)]
            given = rng.choice(pools.female if draw < 0.98 else pools.male)
        if gender is not None and rng.random() < 0.1:
            gender = None  # not everyone declares it
        family = rng.choice(pools.family)
        birth: str | None = None
        if rng.random() < 0.85:
            birth = self.birth_text[int(rng.triangular(18, 92, 38) * 365.25)]
        token = self.tokens[slot]
        email = self._email(rng, given, family, token) if rng.random() < 0.92 else None
        phone = self.phones.get(slot)
        address = None
        if rng.random() < 0.85:
            postcode, city, region = rng.choice(pools.places)
            street = rng.choice(pools.streets)
            number = rng.choice((rng.randrange(1, 40), rng.randrange(1, 200)))
            line1 = f"{number} {street}" if self.profile.number_first else f"{street} {number}"
            line2 = rng.choice(_LINE2[self.language]) if rng.random() < 0.1 else None
            address = (line1, line2, postcode, city, region)
        channel_count = rng.choice((1, 1, 2, 2, 3))
        channels = "|".join(sorted(set(rng.choices(self.channel_prefs, k=channel_count))))
        interests = tuple(sorted(set(rng.choices(self.categories, k=rng.randrange(4)))))
        b2b = rng.random() < 0.12
        # More contacts recently than six years ago: the base grows.
        created = int(self.days * (rng.random() ** 0.6))
        created = min(created, self.days - 1)
        return _Person(
            given=given,
            family=family,
            gender=gender,
            email=email,
            phone=phone,
            address=address,
            birth=birth,
            channels=channels,
            source=rng.choice(_ACQUISITION),
            interests=interests,
            income=rng.choice(_INCOME_BANDS) if rng.random() < 0.35 else None,
            company=rng.choice(pools.companies) if b2b else None,
            job=rng.choice(pools.jobs) if b2b else None,
            created=created,
            token=token,
        )

    def _near_duplicate(self, rng: random.Random, original: _Person, index: int) -> _Person:
        count = 1 if rng.random() < 0.7 else 2
        variations: list[str] = []
        while len(variations) < count:
            variation = rng.choice(_VARIATIONS)
            if variation in variations:
                continue
            if variation == "phone_format" and original.phone is None:
                continue
            if variation == "other_email" and original.email is None:
                continue
            variations.append(variation)
        given, family, email = original.given, original.family, original.email
        for variation in variations:
            if variation == "typo":
                if rng.random() < 0.6:
                    family = _typo(rng, family)
                else:
                    given = _typo(rng, given)
            elif variation == "swapped_names":
                given, family = family, given
            elif variation == "initial":
                given = given[0] + "."
            elif variation == "other_email":
                other = email
                while other == email:
                    other = self._email(rng, original.given, original.family, original.token)
                email = other
        created = rng.randrange(original.created, self.days)
        return attrs.evolve(
            original,
            given=given,
            family=family,
            email=email,
            birth=original.birth if rng.random() < 0.85 else None,
            address=original.address if rng.random() < 0.9 else None,
            source=rng.choice(_ACQUISITION),
            created=created,
            duplicate_of=index,
            variations=tuple(variations),
        )

    # --- a batch ---------------------------------------------------------------------

    def batch(self, number: int, start: int, size: int) -> Batch:
        """
        Build one batch of ``size`` contacts whose ids start after ``start``.

        Args:
            number: The batch number (seeds its random generators).
            start: How many contacts come before this batch.
            size: How many contacts it holds, near-duplicates included.

        Returns:
            The batch.
        """
        out, rows = self._contacts(number, start, size)
        # The history draws from a generator of its own: the contacts are the same
        # whether it is built or not (`contacts_only`).
        rng = FastRandom(f"custdata/{self.seed}/batch/{number}/history")
        pending: list[_Pending] = []
        for contact_id, row, person in rows:
            row["last_interaction_at"] = self._history(
                rng, contact_id, person, created_at=str(row["created_at"]), pending=pending, out=out
            )
        pending.sort(key=lambda item: item.moment)
        for sequence, item in enumerate(pending):
            purchase_id = f"P{number:05d}{sequence + 1:06d}"
            item.row["purchase_id"] = purchase_id
            out.purchases.append(item.row)
            for line_number, line in enumerate(item.lines, start=1):
                line["purchase_id"] = purchase_id
                line["line_number"] = line_number
                out.lines.append(line)
        self._feedback(rng, number, rows, pending, out)
        return out

    def contacts_only(self, number: int, start: int, size: int) -> Batch:
        """
        Build the contacts of one batch and their ground truth, without their history.

        The contacts are those of `batch`, but for ``last_interaction_at``, left
        empty: it depends on purchases, which are not built.

        Args:
            number: As for `batch`.
            start: As for `batch`.
            size: As for `batch`.

        Returns:
            The batch, with contacts, duplicates and dirty values only.
        """
        return self._contacts(number, start, size)[0]

    def _contacts(
        self, number: int, start: int, size: int
    ) -> tuple[Batch, list[tuple[str, Row, _Person]]]:
        rng = FastRandom(f"custdata/{self.seed}/batch/{number}")
        duplicates = _share(rng, size, self.duplicates)
        # A batch's people take the slots from `start` on: each slot is one person
        # of the whole dataset (its email token, its phone if any).
        originals = [self._person(rng, start + slot) for slot in range(size - duplicates)]
        people = list(originals)
        for _ in range(duplicates):
            index = rng.randrange(len(originals))
            people.append(self._near_duplicate(rng, originals[index], index))
        # Shuffle, so that a near-duplicate is not next to its original.
        order = list(range(len(people)))
        rng.shuffle(order)
        ids = [""] * len(people)
        for position, index in enumerate(order):
            ids[index] = f"C{start + position + 1:08d}"
        dirty = set(rng.sample(range(len(originals)), _share(rng, len(originals), self.dirty)))
        out = Batch()
        rows: list[tuple[str, Row, _Person]] = []
        for index in order:
            person = people[index]
            contact_id = ids[index]
            row = self._contact_row(contact_id, person)
            if person.duplicate_of is not None:
                out.duplicates.append(
                    DuplicateLink(
                        contact_id=contact_id,
                        duplicate_of=ids[person.duplicate_of],
                        variations=person.variations,
                    )
                )
                if "phone_format" in person.variations:
                    self._spoil(
                        rng,
                        row=row,
                        person=person,
                        contact_id=contact_id,
                        kind="phone_format",
                        out=out,
                    )
            elif index in dirty:
                kind = rng.choice(_DIRTY_KINDS)
                self._spoil(rng, row=row, person=person, contact_id=contact_id, kind=kind, out=out)
            row["created_at"] = self._moment(rng, person.created)
            rows.append((contact_id, row, person))
            out.contacts.append(row)
        return out, rows

    def _contact_row(self, contact_id: str, person: _Person) -> Row:
        address = person.address
        return {
            "contact_id": contact_id,
            "given_name": person.given,
            "family_name": person.family,
            "email": person.email,
            "phone": None if person.phone is None else self.profile.phones.e164(person.phone),
            "address.line1": address[0] if address else None,
            "address.line2": address[1] if address else None,
            "address.postal_code": address[2] if address else None,
            "address.city": address[3] if address else None,
            "address.region": address[4] if address else None,
            "address.country": self.profile.country if address else None,
            "birth_date": person.birth,
            "gender": person.gender,
            "preferred_channels": person.channels,
            "acquisition_source": person.source,
            "interests": "|".join(person.interests),
            "income_band": person.income,
            "company": person.company,
            "job_title": person.job,
            "created_at": None,  # set with the contact's history
            "last_interaction_at": None,
        }

    def _spoil(
        self,
        rng: random.Random,
        *,
        row: Row,
        person: _Person,
        contact_id: str,
        kind: str,
        out: Batch,
    ) -> None:
        """Spoil one value of the row with ``kind`` (or an applicable kind) and record it."""
        for _ in range(10):
            spoiled = _SPOILERS[kind](self, rng, row, person)
            if spoiled is not None:
                path, clean = spoiled
                out.dirty_values.append(
                    DirtyValue(
                        contact_id=contact_id,
                        path=path,
                        kind=kind,
                        issue_code=_ISSUE_CODES.get(kind),
                        clean=clean,
                    )
                )
                return
            kind = rng.choice(_DIRTY_KINDS)

    # --- purchases and consents --------------------------------------------------------

    def _history(
        self,
        rng: random.Random,
        contact_id: str,
        person: _Person,
        *,
        created_at: str,
        pending: list[_Pending],
        out: Batch,
    ) -> str:
        """Add the contact's purchases and consents; return its last interaction."""
        created = person.created
        kind = rng.random()
        if kind < 0.3:
            count = 0  # prospect: never bought
        elif kind < 0.65:
            count = 1  # one-off buyer
        else:
            count = 2 + int(rng.expovariate(1 / 2.5))  # repeat buyer
        last_day, last_moment = created, created_at
        if count and created < self.days - 1:
            days = sorted(self._seasonal_day(rng, created, self.days) for _ in range(count))
            for day in days:
                item = self._purchase(rng, contact_id, person, day)
                pending.append(item)
                if item.moment > last_moment:
                    last_day, last_moment = day, item.moment
        self._consents(
            rng,
            contact_id=contact_id,
            person=person,
            created=created,
            created_at=created_at,
            out=out,
        )
        if rng.random() < 0.5 and last_day < self.days - 1:
            # Later activity that is not a purchase: a login, an email click.
            last_moment = self._moment(rng, rng.randrange(last_day + 1, self.days))
        return last_moment

    def _purchase(self, rng: random.Random, contact_id: str, person: _Person, day: int) -> _Pending:
        channel = rng.choice(_PURCHASE_CHANNELS)
        month = self.month[day]
        line_count = 1 + min(int(rng.expovariate(1.2)), 7)
        lines: list[Row] = []
        subtotal = 0
        currency = self.currency
        for _ in range(line_count):
            if person.interests and rng.random() < 0.6:
                product: Product = rng.choice(self.pools.products[rng.choice(person.interests)])
            else:
                product = rng.choice(self.all_products)
            quantity = 1 if rng.random() < 0.8 else rng.choice((2, 2, 3, 4))
            subtotal += quantity * product.price_cents
            line = self.line_templates[product.sku].copy()
            line["quantity"] = quantity
            lines.append(line)
        sales = month in {1, 7, 11}
        discount = 0
        if rng.random() < (0.35 if sales else 0.12):
            discount = subtotal * rng.choice(_DISCOUNT_PERCENTS) // 100
        status_draw = rng.random()
        if status_draw < 0.03 and channel in {"web", "app"}:
            status = "abandoned"
        elif status_draw < 0.05:
            status = "cancelled"
        elif status_draw < 0.05 + (0.12 if lines[0]["category"] in {"clothing", "shoes"} else 0.04):
            status = "returned"
        else:
            status = "completed"
        payment = None if status == "abandoned" else rng.choice(_PAYMENTS[channel])
        moment = self._moment(rng, day)
        row: Row = {
            "purchase_id": None,
            "contact_id": contact_id,
            "purchased_at": moment,
            "total.amount": _amount(subtotal - discount),
            "total.currency": currency,
            "payment_method": payment,
            "discount.amount": _amount(discount) if discount else None,
            "discount.currency": currency if discount else None,
            "channel": channel,
            "status": status,
        }
        return _Pending(moment=moment, day=day, row=row, lines=lines)

    def _consents(
        self,
        rng: random.Random,
        *,
        contact_id: str,
        person: _Person,
        created: int,
        created_at: str,
        out: Batch,
    ) -> None:
        source = rng.choice(_CONSENT_SOURCES)
        for purpose, channel, share, needs in _CONSENTS:
            if needs == "email" and person.email is None:
                continue
            if needs == "phone" and person.phone is None:
                continue
            if needs == "address" and person.address is None:
                continue
            draw = rng.random()
            if draw < share:
                status = "granted"
            elif draw < share + 0.05:
                status = "withdrawn"  # refused when asked
            else:
                continue
            out.consents.append(
                self._consent(
                    rng,
                    contact_id=contact_id,
                    purpose=purpose,
                    channel=channel,
                    status=status,
                    day=created,
                    source=source,
                )
            )
            out.consents[-1]["recorded_at"] = created_at
            day = created
            while status == "granted" and day < self.days - 1 and rng.random() < 0.25:
                # Withdrawn later (unsubscribe link, preference centre), sometimes granted again.
                day = rng.randrange(day + 1, self.days)
                out.consents.append(
                    self._consent(
                        rng,
                        contact_id=contact_id,
                        purpose=purpose,
                        channel=channel,
                        status="withdrawn",
                        day=day,
                        source="unsubscribe_link",
                    )
                )
                if day < self.days - 1 and rng.random() < 0.2:
                    day = rng.randrange(day + 1, self.days)
                    out.consents.append(
                        self._consent(
                            rng,
                            contact_id=contact_id,
                            purpose=purpose,
                            channel=channel,
                            status="granted",
                            day=day,
                            source="preference_centre",
                        )
                    )
                else:
                    break

    def _consent(
        self,
        rng: random.Random,
        *,
        contact_id: str,
        purpose: str,
        channel: str,
        status: str,
        day: int,
        source: str,
    ) -> Row:
        return {
            "contact_id": contact_id,
            "purpose": purpose,
            "channel": channel,
            "status": status,
            "recorded_at": self._moment(rng, day),
            "source": source,
            "policy_version": self.policy_by_day[day],
            "proof": f"{source.split('_', maxsplit=1)[0]}-{rng.getrandbits(48):012x}",
        }

    # --- feedback ------------------------------------------------------------------------

    def _feedback(
        self,
        rng: random.Random,
        number: int,
        rows: list[tuple[str, Row, _Person]],
        pending: list[_Pending],
        out: Batch,
    ) -> None:
        by_contact: dict[str, list[_Pending]] = {}
        for item in pending:
            by_contact.setdefault(str(item.row["contact_id"]), []).append(item)
        comments = COMMENTS[self.language]
        sequence = itertools.count(1)
        for contact_id, _, person in rows:
            purchases = by_contact.get(contact_id, ())
            for item in purchases:
                kind = _feedback_kind(rng.random(), returned=item.row["status"] == "returned")
                if kind is None:
                    continue
                mood = kind
                day = min(item.day + rng.randrange(1, 15), self.days - 1)
                feedback_id = f"F{number:05d}{next(sequence):06d}"
                nps: int | None = None
                satisfaction: int | None = None
                if kind in {"survey", "review"}:
                    nps = _nps(rng)
                    mood = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
                    satisfaction = max(1, min(5, round(nps / 2.2 + rng.uniform(-0.8, 0.8))))
                    if kind == "review":
                        nps = None  # reviews are rated 1 to 5 only
                    if rng.random() < 0.15:
                        satisfaction = None
                comment: str | None = None
                if kind in {"complaint", "question"} or rng.random() < 0.4:
                    comment = rng.choice(comments[mood])
                    if kind in {"complaint", "question"}:
                        comment = self._with_contact(
                            rng, comment=comment, feedback_id=feedback_id, person=person, out=out
                        )
                out.feedback.append(
                    {
                        "feedback_id": feedback_id,
                        "contact_id": contact_id,
                        "received_at": self._moment(rng, day),
                        "kind": kind,
                        "nps": nps,
                        "satisfaction": satisfaction,
                        "comment": comment,
                        "channel": rng.choice(("email", "web", "web", "phone", "store", "app")),
                        "survey_id": _survey_id(self.day_text[day]) if kind == "survey" else None,
                    }
                )

    def _with_contact(
        self,
        rng: random.Random,
        *,
        comment: str,
        feedback_id: str,
        person: _Person,
        out: Batch,
    ) -> str:
        """Sometimes add the writer's personal data to a comment, and record it with its span."""
        draw = rng.random()
        sentences = CONTACT_SENTENCES[self.language]
        if draw < 0.2 and person.email:
            value = person.email
            kind = "email"
        elif draw < 0.4 and person.phone:
            value = self.profile.phones.local(person.phone, rng.randrange(4))
            kind = "phone"
        else:
            # The kinds added after emails and phones draw from a generator of their own,
            # so that every other value of the dataset stays as it was.
            later = _later_kind(draw, self.language)
            if later is None:
                return comment
            kind = later
            own = FastRandom(f"custdata/{self.seed}/comment/{feedback_id}")
            value = (
                f"{person.given} {person.family}" if kind == "name" else _LATER_VALUES[kind](own)
            )
        template = rng.choice(sentences[kind]) if kind in {"email", "phone"} else None
        if template is None:
            own = FastRandom(f"custdata/{self.seed}/comment/{feedback_id}/sentence")
            template = own.choice(sentences[kind])
        start = len(comment) + 1 + template.index("{value}")
        out.comment_pii.append(
            CommentPii(
                feedback_id=feedback_id,
                kind=kind,
                value=value,
                start=start,
                end=start + len(value),
            )
        )
        return f"{comment} {template.format(value=value)}"


def _identities(
    seed: int, n: int, profile: LocaleProfile
) -> tuple[array.array[int], dict[int, str]]:
    """
    Each person's email token, and the phone of the people who have one, by slot.

    A dataset of ``n`` contacts has ``n`` slots (``start + i`` for the ``i``-th new
    person of the batch starting at ``start``; near-duplicates take no slot).
    The tokens are a permutation of ``range(n)``: one per person, none shared.
    The fiction ranges hold few numbers: a share `PHONE_SHARE` of the slots, but
    never more slots than the ranges hold numbers, get a phone each, the others none.
    Drawn from the seed and ``n`` alone, so every batch and every worker sees the
    same, whatever order they are built in.
    """
    rng = FastRandom(f"custdata/{seed}/identities/{n}")
    order = list(range(n))
    rng.shuffle(order)
    tokens = array.array("q", order)
    del order
    plan = profile.phones
    count = min(round(PHONE_SHARE * n), capacity(plan))
    slots = rng.sample(range(n), count)
    numbers = rng.sample(range(capacity(plan)), count)
    phones = {
        slot: fiction_number(plan, number) for slot, number in zip(slots, numbers, strict=True)
    }
    return tokens, phones


def _later_kind(draw: float, language: str) -> str | None:
    """The kind a comment gets from a draw above the emails' and phones' share, if any."""
    for limit, kind in ((0.46, "name"), (0.5, "iban"), (0.53, "card"), (0.56, "nir")):
        if draw < limit:
            return kind if kind != "nir" or language == "fr" else None
    return None


def _luhn_completed(body: str) -> str:
    """``body`` and the Luhn check digit that completes it."""
    total = 0
    for i, char in enumerate(reversed(body)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def _iban(rng: random.Random) -> str:
    """A French IBAN of bank code 99999, which no bank has, with its check digits."""
    bban = "99999" + _digits(rng, 16) + _digits(rng, 2)
    number = int("".join(str(int(char, 36)) for char in bban + "FR00"))
    compact = f"FR{98 - number % 97:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _card(rng: random.Random) -> str:
    """A Visa number in the 400000 test range, with its Luhn digit."""
    number = _luhn_completed("400000" + _digits(rng, 9))
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def _nir(rng: random.Random) -> str:
    """A French social security number drawn at random (Corsica's 2A and 2B too), with its key."""
    department = rng.choice(("75", "69", "13", "33", "59", "2A", "2B", "44", "31", "99"))
    body = (
        f"{rng.choice('12')}{rng.randrange(40, 100):02d}{rng.randrange(1, 13):02d}"
        f"{department}{rng.randrange(1, 990):03d}{rng.randrange(1, 999):03d}"
    )
    key = 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:]} {key:02d}"


_LATER_VALUES: Final[dict[str, Callable[[random.Random], str]]] = {
    "iban": _iban,
    "card": _card,
    "nir": _nir,
}


# People act by day; built on first use, not on import. Safe under threads: the
# result is an immutable tuple and functools.cache guards its own table.
@functools.cache
def _times_of_day() -> tuple[str, ...]:
    """Return the times of day of moments, from ``T07:00:00+00:00`` to ``T22:59:59+00:00``."""
    return tuple(
        f"T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00:00"
        for second in range(7 * 3600, 23 * 3600)
    )


def _feedback_kind(draw: float, *, returned: bool) -> str | None:
    """Return the kind of feedback a purchase gets, if any: returns draw complaints."""
    if returned and draw < 0.3:
        return "complaint"
    for limit, kind in ((0.2, "survey"), (0.22, "complaint"), (0.24, "question"), (0.28, "review")):
        if draw < limit:
            return kind
    return None


def _share(rng: random.Random, size: int, rate: float) -> int:
    """Return ``size * rate`` rounded up or down at random, so the expectation is exact."""
    exact = size * rate
    whole = int(exact)
    return whole + (1 if rng.random() < exact - whole else 0)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _nps(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.45:
        return rng.choice((9, 10, 10))
    if draw < 0.75:
        return rng.choice((7, 8))
    return rng.choice((0, 1, 2, 3, 4, 5, 5, 6, 6, 6))


def _survey_id(day: str) -> str:
    quarter = (int(day[5:7]) - 1) // 3 + 1
    return f"NPS-{day[:4]}-Q{quarter}"


def _policy_version(day: dt.date) -> str | None:
    version = None
    for start, name in _POLICY_VERSIONS:
        if day >= start:
            version = name
    return version


_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"


def _typo(rng: random.Random, name: str) -> str:
    """Return ``name`` with one typing mistake (never the same text)."""
    if len(name) < 3:
        return name + rng.choice(_LETTERS)
    for _ in range(10):
        position = rng.randrange(1, len(name))
        operation = rng.randrange(4)
        if operation == 0:  # a letter dropped
            typo = name[:position] + name[position + 1 :]
        elif operation == 1:  # two letters swapped
            position = min(position, len(name) - 2)
            typo = name[:position] + name[position + 1] + name[position] + name[position + 2 :]
        elif operation == 2:  # a letter doubled
            typo = name[:position] + name[position] + name[position:]
        else:  # a wrong letter
            typo = name[:position] + rng.choice(_LETTERS) + name[position + 1 :]
        if typo != name and typo.strip() == typo:
            return typo
    return name + rng.choice(_LETTERS)


# --- spoilers: each returns (path, clean value) or None when not applicable ---------------

Spoiler = Callable[[Engine, random.Random, Row, _Person], tuple[str, str] | None]


def _invalid_email(
    engine: Engine, rng: random.Random, row: Row, person: _Person
) -> tuple[str, str] | None:
    email = person.email
    if email is None:
        return None
    local, domain = email.split("@")
    form = rng.randrange(6)
    if form == 0:
        bad = local + domain  # the @ forgotten
    elif form == 1:
        bad = f"{local}@@{domain}"
    elif form == 2:
        bad = f"{local}@example"  # no top-level domain; still the reserved name
    elif form == 3:
        bad = f"{local}@{domain.replace('.', ',')}"
    elif form == 4:
        bad = f"{local.replace('.', ' ', 1) if '.' in local else local + ' '}x@{domain}"
    else:
        bad = f"{local}..x@{domain}"
    row["email"] = bad
    return "email", email


def _invalid_phone(
    engine: Engine, rng: random.Random, row: Row, person: _Person
) -> tuple[str, str] | None:
    if person.phone is None:
        return None
    plan = engine.profile.phones
    clean = plan.e164(person.phone)
    # Too many digits for any numbering plan: a person's own number with digits added,
    # so that two people never share even a spoiled number.
    row["phone"] = clean + str(rng.randrange(10, 100_000_000))
    return "phone", clean


def _phone_format(
    engine: Engine, rng: random.Random, row: Row, person: _Person
) -> tuple[str, str] | None:
    if person.phone is None:
        return None
    # Without an address, normalisation cannot know the country: write the country code.
    row["phone"] = engine.profile.phones.local(
        person.phone, rng.randrange(4), international=person.address is None
    )
    return "phone", engine.profile.phones.e164(person.phone)


def _stray_spaces(
    engine: Engine, rng: random.Random, row: Row, person: _Person
) -> tuple[str, str] | None:
    fields = ["given_name", "family_name"]
    if person.email is not None:
        fields.append("email")
    if person.address is not None:
        fields.append("address.city")
    path = rng.choice(fields)
    clean = str(row[path])
    form = rng.randrange(3)
    if form == 0:
        row[path] = " " + clean
    elif form == 1:
        row[path] = clean + "  "
    else:
        row[path] = " " + clean + " "
    return path, clean


def _wrong_case(
    engine: Engine, rng: random.Random, row: Row, person: _Person
) -> tuple[str, str] | None:
    # Only case that normalisation restores: emails are lower-cased, countries upper-cased.
    fields = []
    if person.email is not None:
        fields.append("email")
    if person.address is not None:
        fields.append("address.country")
    if not fields:
        return None
    path = rng.choice(fields)
    clean = str(row[path])
    row[path] = clean.upper() if path == "email" else clean.lower()
    return path, clean


_SPOILERS: Final[dict[str, Spoiler]] = {
    "invalid_email": _invalid_email,
    "invalid_phone": _invalid_phone,
    "phone_format": _phone_format,
    "stray_spaces": _stray_spaces,
    "wrong_case": _wrong_case,
}
