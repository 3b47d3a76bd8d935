"""find_duplicates: blocking, comparison rules, weights, clusters, the chaining guard, quality."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from custdata.errors import PolicyError
from custdata.model import Address, Contact
from custdata.quality import (
    DEFAULT_RULES,
    FIELDS,
    LEVELS,
    BlockingRule,
    MatchModel,
    compare,
    find_duplicates,
    french_phonetic,
    prepare,
)
from custdata.synthetic import generate_contacts


def _contact(contact_id: str, **values: object) -> Contact:
    return Contact(contact_id=contact_id, **values)  # type: ignore[arg-type]


def _levels(left: Contact, right: Contact) -> dict[str, str]:
    found, _swapped = compare(prepare(left), prepare(right))
    return {
        field: "missing" if level == -1 else LEVELS[field][level]
        for field, level in zip(FIELDS, found, strict=True)
    }


def _pairs(clusters: object) -> set[frozenset[str]]:
    return {
        frozenset(pair)
        for cluster in clusters  # type: ignore[attr-defined]
        for pair in itertools.combinations(sorted(cluster), 2)
    }


class TestPhonetic:
    """The French phonetic key joins names said alike and keeps others apart."""

    @pytest.mark.parametrize(
        ("left", "right"),
        [
            ("Renaud", "Renault"),
            ("Philippe", "Filipe"),
            ("Gauthier", "Gautier"),
            ("Lefèvre", "Lefebvre"),
            ("Dupont", "Dupond"),
            ("Rousseau", "Roussot"),
            ("Élodie", "ELODIE"),
        ],
    )
    def test_alike(self, left: str, right: str) -> None:
        """Names spelt differently but said alike share a key."""
        assert french_phonetic(left) == french_phonetic(right)

    def test_apart(self) -> None:
        """Names said differently keep different keys."""
        assert french_phonetic("Martin") != french_phonetic("Martel")

    def test_silent_final_consonants(self) -> None:
        """Final consonants French leaves silent are dropped together."""
        assert french_phonetic("Robert") == french_phonetic("Roberts")

    def test_no_letters(self) -> None:
        """A name without letters has the empty key."""
        assert "" == french_phonetic("1234 -")


class TestCompare:
    """Each comparison rule gives the level it documents."""

    def test_accents_case_hyphens(self) -> None:
        """Accents, case and hyphens do not make names differ."""
        left = _contact("1", given_name="Jean-Édouard", family_name="Lévêque")
        right = _contact("2", given_name="jean edouard", family_name="LEVEQUE")
        levels = _levels(left, right)
        assert ("exact", "exact") == (levels["given_name"], levels["family_name"])

    def test_initial(self) -> None:
        """An initial agrees with a name that begins with it, and no other."""
        left = _contact("1", given_name="Élodie", family_name="Martin")
        assert (
            "initial"
            == _levels(left, _contact("2", given_name="E.", family_name="Martin"))["given_name"]
        )
        assert (
            "different"
            == _levels(left, _contact("3", given_name="P.", family_name="Martin"))["given_name"]
        )

    def test_swapped_names(self) -> None:
        """Given and family names written the other way round agree exactly, marked as swapped."""
        left = prepare(_contact("1", given_name="Élodie", family_name="Martin"))
        right = prepare(_contact("2", given_name="Martin", family_name="Elodie"))
        levels, swapped = compare(left, right)
        assert (3, 2, True) == (levels[0], levels[1], swapped)

    def test_typo_is_close(self) -> None:
        """One typo in a family name is close, not different."""
        levels = _levels(
            _contact("1", family_name="Guillaume"), _contact("2", family_name="Guilaume")
        )
        assert "close" == levels["family_name"]

    def test_email_and_phone_normalised(self) -> None:
        """Emails compare case-insensitively, phones in E.164 whatever their format."""
        left = _contact("1", email="Elodie.Martin@Example.FR", phone="06 12 34 56 78")
        right = _contact("2", email="elodie.martin@example.fr", phone="+33 6 12 34 56 78")
        levels = _levels(left, right)
        assert ("exact", "exact") == (levels["email"], levels["phone"])

    @pytest.mark.parametrize(
        ("other", "expected"),
        [
            (dt.date(1980, 4, 12), "exact"),
            (dt.date(1980, 4, 21), "near"),  # transposed day digits
            (dt.date(1980, 12, 4), "near"),  # day and month swapped
            (dt.date(1981, 4, 12), "near"),  # one digit
            (dt.date(1975, 9, 3), "different"),
        ],
    )
    def test_birth_date(self, other: dt.date, expected: str) -> None:
        """Transposed digits and swapped day and month are near, not different."""
        left = _contact("1", birth_date=dt.date(1980, 4, 12))
        assert expected == _levels(left, _contact("2", birth_date=other))["birth_date"]

    def test_missing(self) -> None:
        """A field missing on either side is missing, and weighs nothing."""
        levels = _levels(_contact("1", email="a@example.fr"), _contact("2"))
        assert "missing" == levels["email"]

    def test_street(self) -> None:
        """Street lines compare by their words, so abbreviations aside they agree."""
        left = _contact("1", address=Address(line1="12 rue des Lilas", postal_code="75011"))
        right = _contact("2", address=Address(line1="12, Rue des Lilas", postal_code="75 011"))
        levels = _levels(left, right)
        assert ("exact", "exact") == (levels["street"], levels["postal_code"])

    def test_pseudonyms_compare_as_given(self) -> None:
        """A value that is no email (a pseudonym) is compared as it is."""
        left = _contact("1", email="k1:Zm9vYmFy", phone="k1:YmFyYmF6")
        right = _contact("2", email="k1:Zm9vYmFy", phone="k1:YmFyYmF6")
        levels = _levels(left, right)
        assert ("exact", "exact") == (levels["email"], levels["phone"])


class TestFind:
    """Candidate pairs, weights, explanations, clusters."""

    def test_example(self) -> None:
        """The example of the issue: the shop's and the web form's records are one person."""
        people = [
            _contact("1", given_name="Élodie", family_name="Martin", phone="06 12 34 56 78"),
            _contact("2", given_name="E.", family_name="MARTIN", phone="+33612345678"),
            _contact("3", given_name="Paul", family_name="Durand", phone="+33612000000"),
        ]
        result = find_duplicates(people)
        assert (("1", "2"),) == result.clusters

    def test_progress(self) -> None:
        """Each step reports its progress, in order, and ends with its total done."""
        people = [
            _contact(str(i), given_name="Jean", family_name="Dupont", email="jean@example.com")
            for i in range(3)
        ]
        told: list[tuple[str, int, int]] = []
        find_duplicates(people, on_progress=lambda *call: told.append(call))
        steps = list(dict.fromkeys(step for step, _done, _total in told))
        last = {step: (done, total) for step, done, total in told}
        assert ["prepare", "block", "compare", "estimate", "cluster"] == steps
        rules = len(DEFAULT_RULES)
        assert {
            "prepare": (3, 3),
            "block": (rules, rules),
            "estimate": (1, 1),
            "cluster": (1, 1),
        } == {step: last[step] for step in steps if step != "compare"}
        assert last["compare"][0] == last["compare"][1] > 0

    def test_explanation(self) -> None:
        """Each pair's weight is the sum of its field weights, each field named with its level."""
        dataset = generate_contacts(1500, seed=5)
        result = find_duplicates(dataset.contacts)
        pair = result.pairs[0]
        assert pytest.approx(pair.weight, abs=0.01) == sum(item.weight for item in pair.fields)
        assert list(FIELDS) == [item.field for item in pair.fields]
        assert pair.explain().startswith("weight ")

    def test_skipped_block(self) -> None:
        """A placeholder email shared by many is reported, not compared pairwise, nor its value."""
        people = [
            _contact(f"{index}", given_name=f"Name{index}", email="test@example.fr")
            for index in range(20)
        ]
        result = find_duplicates(people, max_block=10)
        assert [("email", 20)] == [(block.rule, block.size) for block in result.skipped_blocks]
        assert 0 == result.candidate_pairs
        assert "test@" not in repr(result.skipped_blocks)

    def test_non_matches(self) -> None:
        """A pair known not to match is never matched."""
        people = [
            _contact("1", given_name="Élodie", family_name="Martin", phone="+33612345678"),
            _contact("2", given_name="Élodie", family_name="Martin", phone="+33612345678"),
        ]
        assert () == find_duplicates(people, non_matches=[("2", "1")]).clusters

    def test_against(self) -> None:
        """Against a clean file, only pairs with a new record are compared."""
        clean = [
            _contact("1", given_name="Élodie", family_name="Martin", phone="+33612345678"),
            _contact("2", given_name="Élodie", family_name="Martin", phone="+33612345678"),
        ]
        new = [_contact("3", given_name="Elodie", family_name="Martin", phone="+33612345678")]
        result = find_duplicates(new, against=clean)
        assert (2, 1) == (result.candidate_pairs, result.records)
        assert {frozenset(("1", "3")), frozenset(("2", "3"))} == {
            frozenset((pair.left, pair.right)) for pair in result.pairs
        }

    def test_user_rule(self) -> None:
        """A user blocking rule proposes pairs the built-in ones do not."""
        people = [
            _contact("1", given_name="Ana", family_name="Lopes", company="ACME", job_title="CFO"),
            _contact("2", given_name="Ana", family_name="Lopes", company="ACME", job_title="CFO"),
        ]
        rule = BlockingRule(
            name="company",
            keys=lambda contact, _prepared: [f"{contact.company}|{contact.job_title}"],
        )
        assert 0 == find_duplicates(people).candidate_pairs
        assert 1 == find_duplicates(people, rules=(*DEFAULT_RULES, rule)).candidate_pairs

    def test_bad_rule(self) -> None:
        """A rule naming an unknown field fails when built."""
        with pytest.raises(PolicyError, match="BlockingRule: fields"):
            BlockingRule(name="x", keys=lambda _c, _p: (), fields={"shoe_size"})

    def test_bad_model(self) -> None:
        """A model missing a field's probabilities fails when built, naming the field."""
        with pytest.raises(PolicyError, match="m needs 4 probabilities for given_name"):
            MatchModel(m={"email": (0.5, 0.5)}, u={})

    def test_frame(self) -> None:
        """A frame of flat rows gives the same clusters as the records."""
        from custdata.frames import to_arrow

        dataset = generate_contacts(600, seed=9)
        assert (
            find_duplicates(dataset.contacts).clusters
            == find_duplicates(to_arrow(dataset.contacts)).clusters
        )


class TestChainingGuard:
    """A chain of near matches does not join strangers into one cluster."""

    def test_chain_split(self) -> None:
        """A matches B by email, C matches B by phone, A and C disagree: the guard splits them."""
        people = [
            _contact(
                "A",
                given_name="Jean",
                family_name="Petit",
                email="j.petit@example.fr",
                birth_date=dt.date(1970, 1, 1),
            ),
            _contact(
                "B",
                given_name="Jean",
                family_name="Petit",
                email="j.petit@example.fr",
                phone="+33612345678",
            ),
            _contact(
                "C",
                given_name="Marc",
                family_name="Durand",
                phone="+33612345678",
                birth_date=dt.date(1999, 9, 9),
            ),
        ]
        model = MatchModel(
            m={
                "given_name": (0.05, 0.1, 0.15, 0.7),
                "family_name": (0.05, 0.15, 0.8),
                "email": (0.3, 0.7),
                "phone": (0.2, 0.8),
                "birth_date": (0.05, 0.05, 0.9),
                "postal_code": (0.1, 0.9),
                "street": (0.1, 0.1, 0.8),
            },
            u={
                "given_name": (0.98, 0.005, 0.01, 0.005),
                "family_name": (0.99, 0.005, 0.005),
                "email": (0.99999, 0.00001),
                "phone": (0.99999, 0.00001),
                "birth_date": (0.999, 0.0009, 0.0001),
                "postal_code": (0.999, 0.001),
                "street": (0.999, 0.0009, 0.0001),
            },
            prior=0.001,
        )
        unguarded = find_duplicates(people, model=model, threshold=5, guard=-1000)
        guarded = find_duplicates(people, model=model, threshold=5, guard=0)
        assert (("A", "B", "C"),) == unguarded.clusters
        assert (("A", "B"),) == guarded.clusters
        assert 1 == guarded.split_clusters


class TestQuality:
    """Pairwise precision, recall and F1 on the synthetic ground truth, without labels."""

    @pytest.mark.parametrize("dirty", [0.0, 0.1, 0.3])
    def test_f1_floor(self, dirty: float) -> None:
        """
        F1 is at least 0.95 at every dirt level on 3 000 fixed contacts.

        Measured 0.994 at each level (precision 1.0, one true pair of 90 missed):
        the generator's emails and phones identify people, so nothing joins
        strangers; what is missed is a near-duplicate with too little left in
        common with its original. The floor leaves room for estimation noise.
        """
        dataset = generate_contacts(3000, seed=21, dirty=dirty)
        truth = _pairs(dataset.truth.duplicate_clusters())
        found = _pairs(find_duplicates(dataset.contacts).clusters)
        hits = len(truth & found)
        precision, recall = hits / len(found), hits / len(truth)
        assert 0.95 <= 2 * precision * recall / (precision + recall)


class TestBlockingRules:
    """Each rule leaves out of estimation the fields its keys hold, and keeps blocks small."""

    def test_rules_leave_out_the_fields_they_key_on(self) -> None:
        """The name and birth rules key on names: their sessions leave the names out."""
        fields = {rule.name: rule.fields for rule in DEFAULT_RULES}
        assert {"given_name", "family_name", "postal_code"} == fields["name_postal"]
        assert {"given_name", "family_name", "birth_date"} == fields["birth_initial"]
        assert {"birth_date", "postal_code"} == fields["birth_postal"]
        assert {"street", "postal_code"} == fields["street_postal"]

    def test_names_misspelt_at_their_initials(self) -> None:
        """Names misspelt from their first letter still meet on birth date or street, postcode."""
        address = Address(line1="12 rue des Lilas", postal_code="75011", country="FR")
        people = [
            _contact(
                "1", given_name="Élodie", family_name="Martin", address=address,
                birth_date=dt.date(1985, 4, 12),
            ),
            _contact(
                "2", given_name="Lodie", family_name="Nartin", address=address,
                birth_date=dt.date(1985, 4, 12),
            ),
        ]  # fmt: skip
        assert 1 == find_duplicates(people).candidate_pairs

    def test_m_of_namesakes_not_taken_for_matches(self) -> None:
        """
        Namesakes in one postal code do not pass for matches in estimation.

        A near-duplicate keeps its original's birth date or loses it, never
        changes it: m of a different birth date must stay small. When the name
        rule's session kept the given name, it took namesakes for matches and
        estimated it at 0.14 on this file, and 0.3 at 300 000 contacts.
        """
        dataset = generate_contacts(20_000, seed=2024)
        model = find_duplicates(dataset.contacts).model
        assert model.m["birth_date"][0] < 0.05
        assert model.m["street"][0] < 0.05

    def test_few_candidates(self) -> None:
        """Blocks on both initials and a name with the other's initial stay small."""
        dataset = generate_contacts(20_000, seed=2024)
        result = find_duplicates(dataset.contacts)
        assert result.candidate_pairs < 0.1 * len(dataset.contacts)

    @pytest.mark.parametrize(
        ("left", "right"),
        [
            (("Élodie", "Martin"), ("Martin", "Élodie")),
            (("Élodie", "Martin"), ("E.", "Martin")),
            (("Élodie", "Martin"), ("Élodie", "Matrin")),
            (("Élodie", "Martin"), ("Elodei", "Martin")),
        ],
    )
    def test_variations_keep_a_key(self, left: tuple[str, str], right: tuple[str, str]) -> None:
        """Swapped names, an initial or a typo in either name keep a name key in common."""
        address = Address(postal_code="75011", country="FR")
        one, two = (
            _contact(name, given_name=given, family_name=family, address=address)
            for name, (given, family) in (("1", left), ("2", right))
        )
        rule = next(rule for rule in DEFAULT_RULES if rule.name == "name_postal")
        keys = [set(rule.keys(contact, prepare(contact)) or ()) for contact in (one, two)]
        assert keys[0] & keys[1]
