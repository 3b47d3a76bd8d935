"""custdata.synthetic: determinism, realism, reserved values only, and a ground truth that holds."""

from __future__ import annotations

import collections
import datetime as dt
import re

import attrs
import phonenumbers
import pytest
from email_validator import validate_email

from custdata.model import Contact, flat_columns, to_flat
from custdata.synthetic import (
    DEFAULT_TODAY,
    DIRTY_KINDS,
    FILES,
    LOCALES,
    VARIATIONS,
    SyntheticDataset,
    generate,
    generate_contacts,
    iter_batches,
)
from custdata.synthetic._generate import batch_rows, make_engine
from custdata.synthetic._phones import PHONE_PLANS, capacity, fiction_number
from custdata.validation import normalise, validate

RESERVED_DOMAIN = re.compile(r"(^|\.)(example\.(com|org|net)|example)$")
PHONE_IN_TEXT = re.compile(r"(\+|00)?\d[\d .()/-]{7,}\d")
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w.-]+")
COUNTRY = {"fr_FR": "FR", "fr_BE": "BE", "de_DE": "DE", "en_GB": "GB", "en_US": "US"}


@pytest.fixture(scope="module", params=LOCALES)
def dataset(request: pytest.FixtureRequest) -> SyntheticDataset:
    """A small dataset per locale, shared by the tests of this module."""
    return generate(2_000, locale=request.param, seed=11)


@pytest.fixture(scope="module")
def french() -> SyntheticDataset:
    """A larger French dataset, for the shares and distributions."""
    return generate(6_000, seed=3)


def _get(record: object, path: str) -> object:
    for part in path.split("."):
        record = getattr(record, part)
    return record


def _dirty_ids(data: SyntheticDataset) -> set[tuple[str, str]]:
    return {(value.contact_id, value.path) for value in data.truth.dirty_values}


class TestDeterminism:
    def test_same_seed_same_dataset(self) -> None:
        """Two runs with the same arguments give equal datasets and manifests."""
        assert generate(300, seed=5, locale="de_DE") == generate(300, seed=5, locale="de_DE")

    def test_other_seed_other_dataset(self) -> None:
        """Another seed gives other contacts."""
        assert generate(50, seed=1).contacts != generate(50, seed=2).contacts

    def test_manifest_records_versions(self) -> None:
        """The manifest names the Faker and custdata versions and the parameters."""
        import faker

        import custdata

        manifest = generate(10, seed=4).manifest
        assert manifest.faker_version == faker.VERSION
        assert manifest.custdata_version == custdata.__version__
        assert (manifest.seed, manifest.rows, manifest.today) == (4, 10, DEFAULT_TODAY)
        assert manifest.counts["contacts"] == 10

    def test_batches_are_the_dataset(self) -> None:
        """iter_batches yields the records generate returns, in order."""
        whole = generate(250, seed=9)
        parts = list(iter_batches(250, seed=9))
        assert tuple(c for part in parts for c in part.contacts) == whole.contacts
        assert tuple(p for part in parts for p in part.purchases) == whole.purchases

    def test_empty(self) -> None:
        """Zero contacts is an empty dataset, not an error."""
        data = generate(0)
        assert (data.contacts, data.purchases, data.manifest.counts["contacts"]) == ((), (), 0)


class TestArguments:
    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"n": -1}, ValueError),
            ({"n": 5, "locale": "xx_XX"}, ValueError),
            ({"n": 5, "dirty": 1.5}, ValueError),
            ({"n": 5, "duplicates": 0.9}, ValueError),
            ({"n": 5, "seed": "7"}, TypeError),
            ({"n": 5, "today": dt.datetime(2025, 1, 1, tzinfo=dt.UTC)}, TypeError),
        ],
    )
    def test_bad_arguments_fail_at_once(self, kwargs: dict[str, object], error: type) -> None:
        """Bad arguments raise before anything is generated."""
        with pytest.raises(error):
            generate(**kwargs)  # type: ignore[arg-type]


class TestReservedValues:
    def test_emails_on_reserved_domains_only(self, dataset: SyntheticDataset) -> None:
        """Every email, clean or dirty, is on an RFC 2606 / RFC 6761 example domain."""
        for contact in dataset.contacts:
            if contact.email is not None:
                domain = contact.email.strip().lower().rsplit("@", 1)[-1]
                assert RESERVED_DOMAIN.search(domain.rstrip(",")) or "example" in domain

    def test_clean_emails_pass_email_validator(self, dataset: SyntheticDataset) -> None:
        """Clean emails pass email-validator without a deliverability check."""
        dirty = _dirty_ids(dataset)
        for contact in dataset.contacts:
            if contact.email is not None and (contact.contact_id, "email") not in dirty:
                validate_email(contact.email, check_deliverability=False)
                assert RESERVED_DOMAIN.search(contact.email.rsplit("@", 1)[1])

    def test_phones_in_fiction_ranges_and_valid(self, dataset: SyntheticDataset) -> None:
        """Clean phones are E.164, valid for phonenumbers, and inside a fiction block."""
        plan = PHONE_PLANS[COUNTRY[dataset.manifest.locale]]
        dirty = _dirty_ids(dataset)
        checked = 0
        for contact in dataset.contacts:
            phone = contact.phone
            if phone is None or (contact.contact_id, "phone") in dirty:
                continue
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone))
            nsn = phone.removeprefix(f"+{plan.calling_code}")
            assert nsn[: -plan.free_digits] in plan.blocks
            checked += 1
        assert checked > 1_000

    def test_phones_in_comments_are_fiction_numbers(self, dataset: SyntheticDataset) -> None:
        """Phones written in comments normalise to fiction numbers."""
        plan = PHONE_PLANS[COUNTRY[dataset.manifest.locale]]
        for pii in dataset.truth.comment_pii:
            if pii.kind == "phone":
                number = phonenumbers.parse(pii.value, plan.country[:2])
                nsn = str(number.national_number)
                assert nsn[: -plan.free_digits] in plan.blocks


class TestValidation:
    def test_clean_records_have_no_issue(self, dataset: SyntheticDataset) -> None:
        """Validation finds nothing on clean values, only on the values listed as dirty."""
        dirty = _dirty_ids(dataset)
        today = dataset.manifest.today
        for contact in dataset.contacts:
            for issue in validate(contact, today=today).issues:
                assert (contact.contact_id, issue.path) in dirty, issue
        for record in (*dataset.purchases, *dataset.consents, *dataset.feedback):
            assert validate(record).issues == ()

    def test_dirty_values_really_are_dirty(self, dataset: SyntheticDataset) -> None:
        """Each dirty value gives its issue code, or normalisation turns it into the clean one."""
        by_id = {contact.contact_id: contact for contact in dataset.contacts}
        for value in dataset.truth.dirty_values:
            contact = by_id[value.contact_id]
            assert _get(contact, value.path) != value.clean
            if value.issue_code is not None:
                issues = validate(contact).issues
                assert (value.path, value.issue_code) in {(i.path, i.code) for i in issues}
            else:
                assert _get(normalise(contact), value.path) == value.clean

    def test_dirty_kinds_and_codes_are_documented(self, french: SyntheticDataset) -> None:
        """Every kind used is in DIRTY_KINDS, with its code; every kind occurs."""
        kinds = collections.Counter(value.kind for value in french.truth.dirty_values)
        assert set(kinds) == set(DIRTY_KINDS)
        for value in french.truth.dirty_values:
            assert value.issue_code == DIRTY_KINDS[value.kind]


class TestGroundTruth:
    def test_duplicate_share(self, french: SyntheticDataset) -> None:
        """Near-duplicates make up the requested share of contacts."""
        share = len(french.truth.duplicates) / len(french.contacts)
        assert share == pytest.approx(0.03, abs=0.005)

    def test_dirty_share(self, french: SyntheticDataset) -> None:
        """Contacts that are not near-duplicates carry a dirty value at the requested rate."""
        duplicates = {link.contact_id for link in french.truth.duplicates}
        spoiled = {v.contact_id for v in french.truth.dirty_values} - duplicates
        share = len(spoiled) / (len(french.contacts) - len(duplicates))
        assert share == pytest.approx(0.05, abs=0.008)

    def test_rates_are_parameters(self) -> None:
        """Other rates give other shares, zero included."""
        data = generate(2_000, seed=8, dirty=0.2, duplicates=0.0)
        assert data.truth.duplicates == ()
        assert len({v.contact_id for v in data.truth.dirty_values}) == pytest.approx(400, abs=40)

    def test_duplicates_point_at_existing_originals(self, dataset: SyntheticDataset) -> None:
        """Every link joins two existing contacts; originals are never duplicates themselves."""
        ids = {contact.contact_id for contact in dataset.contacts}
        duplicates = {link.contact_id for link in dataset.truth.duplicates}
        for link in dataset.truth.duplicates:
            assert link.contact_id in ids
            assert link.duplicate_of in ids
            assert link.duplicate_of not in duplicates
            assert link.variations
            assert set(link.variations) <= set(VARIATIONS)

    def test_duplicates_look_like_their_original(self, french: SyntheticDataset) -> None:
        """A near-duplicate keeps its original's phone number or one of its names."""
        by_id = {contact.contact_id: contact for contact in french.contacts}
        for link in french.truth.duplicates:
            copy, original = by_id[link.contact_id], by_id[link.duplicate_of]
            names = {copy.given_name, copy.family_name} & {
                original.given_name,
                original.family_name,
            }
            same_phone = copy.phone is not None and normalise(copy).phone == original.phone
            assert names or same_phone or "typo" in link.variations

    def test_clusters(self, french: SyntheticDataset) -> None:
        """Clusters hold each original with its near-duplicates."""
        clusters = french.truth.duplicate_clusters()
        assert sum(len(cluster) - 1 for cluster in clusters) == len(french.truth.duplicates)

    def test_ids_are_unique(self, french: SyntheticDataset) -> None:
        """Contact, purchase and feedback ids are unique; references resolve."""
        ids = [contact.contact_id for contact in french.contacts]
        assert len(set(ids)) == len(ids)
        purchase_ids = [purchase.purchase_id for purchase in french.purchases]
        assert len(set(purchase_ids)) == len(purchase_ids)
        feedback_ids = [item.feedback_id for item in french.feedback]
        assert len(set(feedback_ids)) == len(feedback_ids)
        known = set(ids)
        for record in (*french.purchases, *french.consents, *french.feedback):
            assert record.contact_id in known


def _people(data: SyntheticDataset) -> dict[str, str]:
    """Each contact id and the id of the person it is (its original's id)."""
    person = {contact.contact_id: contact.contact_id for contact in data.contacts}
    for link in data.truth.duplicates:
        person[link.contact_id] = link.duplicate_of
    return person


def _holders(data: SyntheticDataset, field: str, *, clean: bool) -> dict[str, set[str]]:
    """Each value of ``field`` (clean or as written) and the people holding it."""
    dirty = {(value.contact_id, value.path): value.clean for value in data.truth.dirty_values}
    person = _people(data)
    holders: dict[str, set[str]] = collections.defaultdict(set)
    for contact in data.contacts:
        value = getattr(contact, field)
        if value is None:
            continue
        if clean:
            value = dirty.get((contact.contact_id, field), value)
            if field == "phone" and not value.startswith("+"):
                value = str(normalise(contact).phone)
        holders[value.strip().lower()].add(person[contact.contact_id])
    return holders


class TestIdentities:
    def test_an_email_is_one_person(self, dataset: SyntheticDataset) -> None:
        """No two people share an email, clean or spoiled; a near-duplicate may have another."""
        for clean in (True, False):
            holders = _holders(dataset, "email", clean=clean)
            assert [] == [len(people) for people in holders.values() if len(people) > 1]

    def test_a_phone_is_one_person(self, dataset: SyntheticDataset) -> None:
        """No two people share a phone number, clean or as written."""
        for clean in (True, False):
            holders = _holders(dataset, "phone", clean=clean)
            assert [] == [len(people) for people in holders.values() if len(people) > 1]

    def test_phones_while_the_ranges_suffice(self, french: SyntheticDataset) -> None:
        """While the ranges hold enough numbers, 78 % of the people have a phone."""
        originals = [c for c in french.contacts if c.contact_id in set(_people(french).values())]
        share = sum(contact.phone is not None for contact in originals) / len(originals)
        assert share == pytest.approx(0.78, abs=0.02)

    def test_phones_never_exceed_the_ranges(self) -> None:
        """Past the ranges' capacity, each number goes to one person and the others have none."""
        data = generate_contacts(8_000, locale="en_US", seed=4)
        holders = _holders(data, "phone", clean=True)
        people = len(set(_people(data).values()))
        assert len(holders) <= capacity(PHONE_PLANS["US"]) == 2_500
        assert len(holders) == pytest.approx(2_500 * (people / 8_000), abs=60)
        assert [] == [len(found) for found in holders.values() if len(found) > 1]

    @pytest.mark.parametrize("country", sorted(PHONE_PLANS))
    def test_fiction_numbers_are_distinct(self, country: str) -> None:
        """Each index of a plan gives another number of its ranges."""
        plan = PHONE_PLANS[country]
        numbers = {fiction_number(plan, index) for index in range(capacity(plan))}
        assert len(numbers) == capacity(plan)
        assert all(number.startswith(plan.blocks) for number in numbers)

    def test_capacities(self) -> None:
        """The ranges hold 60 000 French, 14 000 British, 5 000 German, 2 500 US numbers."""
        expected = {"BE": 60_000, "DE": 5_000, "FR": 60_000, "GB": 14_000, "US": 2_500}
        assert expected == {country: capacity(plan) for country, plan in PHONE_PLANS.items()}


class TestContactsOnly:
    def test_same_contacts_as_generate(self) -> None:
        """generate_contacts gives generate's contacts and truth, without the last interaction."""
        whole = generate(1_200, seed=6, locale="en_GB")
        alone = generate_contacts(1_200, seed=6, locale="en_GB")
        expected = tuple(
            attrs.evolve(contact, last_interaction_at=None) for contact in whole.contacts
        )
        assert expected == alone.contacts
        assert whole.truth.duplicates == alone.truth.duplicates
        assert whole.truth.dirty_values == alone.truth.dirty_values
        assert (alone.purchases, alone.consents, alone.feedback) == ((), (), ())
        assert alone.manifest.counts["contacts"] == 1_200

    def test_empty(self) -> None:
        """Zero contacts is an empty dataset."""
        assert generate_contacts(0).contacts == ()


class TestRealism:
    def test_repeat_and_one_off_buyers(self, french: SyntheticDataset) -> None:
        """Some contacts never buy, some buy once, some buy again and again."""
        per_contact = collections.Counter(p.contact_id for p in french.purchases)
        buyers = collections.Counter(per_contact.values())
        never = len(french.contacts) - len(per_contact)
        assert never > 1_000
        assert buyers[1] > 1_000
        assert sum(count for times, count in buyers.items() if times >= 4) > 300

    def test_seasonality(self, french: SyntheticDataset) -> None:
        """November and December hold more purchases per day than spring months."""
        months = collections.Counter(p.purchased_at.month for p in french.purchases)
        assert months[12] / 31 > 1.5 * months[4] / 30
        assert months[11] / 30 > 1.3 * months[5] / 31

    def test_baskets_discounts_and_returns(self, french: SyntheticDataset) -> None:
        """Baskets span categories; some purchases are discounted, some returned."""
        categories = {line.category for p in french.purchases for line in p.lines}
        assert len(categories) == 10
        assert sum(p.discount is not None for p in french.purchases) > 500
        statuses = collections.Counter(p.status.value for p in french.purchases)
        assert statuses["returned"] > 100
        assert statuses["completed"] > statuses["returned"]

    def test_totals_are_lines_minus_discount(self, french: SyntheticDataset) -> None:
        """Each total is the sum of its lines minus its discount."""
        for purchase in french.purchases[:2_000]:
            subtotal = sum(line.unit_price.amount * line.quantity for line in purchase.lines)
            discount = purchase.discount.amount if purchase.discount else 0
            assert purchase.total.amount == subtotal - discount

    def test_consents_granted_and_withdrawn(self, french: SyntheticDataset) -> None:
        """Consents are granted and withdrawn over time, on several channels."""
        statuses = collections.Counter(c.status.value for c in french.consents)
        assert statuses["granted"] > statuses["withdrawn"] > 500
        assert len({c.channel for c in french.consents}) >= 5
        by_key = collections.defaultdict(list)
        for consent in french.consents:
            by_key[(consent.contact_id, consent.purpose)].append(consent)
        later = [
            events
            for events in by_key.values()
            if [e.status.value for e in events][:2] == ["granted", "withdrawn"]
        ]
        assert later
        assert all(events[0].recorded_at < events[1].recorded_at for events in later)

    def test_nps_and_satisfaction_spread(self, french: SyntheticDataset) -> None:
        """NPS answers cover promoters, passives and detractors; satisfaction 1 to 5."""
        scores = [f.nps for f in french.feedback if f.nps is not None]
        assert min(scores) == 0
        assert max(scores) == 10
        promoters = sum(score >= 9 for score in scores) / len(scores)
        detractors = sum(score <= 6 for score in scores) / len(scores)
        assert 0.3 < promoters < 0.6
        assert 0.1 < detractors < 0.4
        assert {f.satisfaction for f in french.feedback} >= {1, 2, 3, 4, 5}

    def test_comments_sometimes_hold_contact_details(self, french: SyntheticDataset) -> None:
        """Some complaint comments hold an email or a phone number, as the ground truth says."""
        by_id = {item.feedback_id: item for item in french.feedback}
        kinds = collections.Counter(pii.kind for pii in french.truth.comment_pii)
        assert kinds["email"] > 20
        assert kinds["phone"] > 20
        for pii in french.truth.comment_pii:
            comment = by_id[pii.feedback_id].comment
            assert comment is not None
            assert pii.value in comment
        listed = {pii.feedback_id for pii in french.truth.comment_pii}
        for item in french.feedback:
            if item.feedback_id not in listed and item.comment:
                assert not EMAIL_IN_TEXT.search(item.comment)
                assert not PHONE_IN_TEXT.search(item.comment)

    def test_moments_are_before_today(self, dataset: SyntheticDataset) -> None:
        """Every moment is before `today`; a contact is created before its last interaction."""
        today = dt.datetime.combine(dataset.manifest.today, dt.time(), tzinfo=dt.UTC)
        for contact in dataset.contacts:
            assert contact.created_at is not None
            assert contact.last_interaction_at is not None
            assert contact.created_at <= contact.last_interaction_at < today
        for purchase in dataset.purchases:
            assert purchase.purchased_at < today

    def test_locale_shapes_addresses_and_money(self, dataset: SyntheticDataset) -> None:
        """Addresses carry the locale's country; purchases its currency."""
        country = COUNTRY[dataset.manifest.locale]
        currency = {"GB": "GBP", "US": "USD"}.get(country, "EUR")
        assert {(c.address.country or "").upper() for c in dataset.contacts if c.address} == {
            country
        }
        assert {p.total.currency for p in dataset.purchases} == {currency}


class TestFlatRows:
    def test_rows_are_the_flat_form_of_the_records(self) -> None:
        """The rows written to files equal custdata.model.to_flat of the records."""
        engine, _ = make_engine(400, "en_GB", 2, 0.05, 0.03, DEFAULT_TODAY)
        rows = batch_rows(engine.batch(0, 0, 400))
        data = generate(400, locale="en_GB", seed=2)
        assert [to_flat(contact) for contact in data.contacts] == rows["contacts"]
        for purchase, row in zip(data.purchases, rows["purchases"], strict=True):
            flat = to_flat(purchase)
            del flat["lines"]
            assert flat == row
        assert [to_flat(c) for c in data.consents] == rows["consents"]
        assert [to_flat(f) for f in data.feedback] == rows["feedback"]
        assert flat_columns(Contact) == list(FILES["contacts"])


class TestOptionalDependencies:
    def test_missing_faker(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without Faker, generating raises MissingDependencyError naming the extra."""
        import sys

        from custdata.errors import MissingDependencyError

        monkeypatch.setitem(sys.modules, "faker", None)
        with pytest.raises(MissingDependencyError) as info:
            generate(5, seed=987_654)
        assert info.value.extra == "synthetic"

    def test_import_custdata_loads_neither(self) -> None:
        """import custdata loads neither Faker nor hypothesis nor these packages."""
        import subprocess
        import sys

        code = (
            "import sys, custdata; "
            "print([m for m in ('faker', 'hypothesis', 'custdata.synthetic', 'custdata.testing')"
            " if m in sys.modules])"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        assert result.stdout.strip() == "[]"

    def test_files_layer_is_not_imported(self) -> None:
        """Generating loads neither custdata.io nor custdata.cli, which sit above (DESIGN.md)."""
        import subprocess
        import sys

        code = (
            "import sys; from custdata.synthetic import generate, iter_batches; "
            "generate(20, seed=3); next(iter_batches(20, seed=3)); "
            "print(sorted(m for m in sys.modules if m.startswith(('custdata.io', 'custdata.cli'))))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        assert result.stdout.strip() == "[]"
