"""Surrogate: the documented construction, pinned outputs, gender, reserved contacts, policies."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import pickle
import re
import struct
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custdata import KeyRing, Policy, PolicyError, Surrogate, TransformError
from custdata._reserved import EMAIL_DOMAINS, PHONE_PLANS
from custdata.transforms import base, get
from custdata.transforms import surrogate as module

SECRET = bytes(range(32))
RING = KeyRing.from_mapping({"k1": SECRET}, active="k1")
OTHER = KeyRing.from_mapping({"k1": bytes(range(100, 132))}, active="k1")
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "transforms.md"
DATA = ROOT / "src" / "custdata" / "transforms" / "_surrogate_data"
KINDS = module.KINDS
LOCALES = module.LOCALES

# --- the construction, rebuilt from docs/transforms.md and the JSON word lists alone -----

_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
_CALLING = {"de_DE": "49", "en_GB": "44", "en_US": "1", "fr_BE": "32", "fr_FR": "33"}
_PLAN = {"de_DE": "DE", "en_GB": "GB", "en_US": "US", "fr_BE": "BE", "fr_FR": "FR"}


def _hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _normal(value: str) -> str:
    return " ".join(_nfc(_nfc(value).casefold()).split())


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    return re.sub("[^a-z0-9]", "", folded.encode("ascii", "ignore").decode("ascii"))


def _phone_form(n: str, locale: str) -> str:
    digits = "".join(c for c in n if c in "0123456789")
    north_american = len(digits) == 10 or (len(digits) == 11 and digits.startswith("1"))
    if not digits:
        form = n
    elif n.startswith("+"):
        form = "+" + digits
    elif digits.startswith("00"):
        form = "+" + digits[2:]
    elif locale == "en_US":
        form = "+1" + digits[-10:] if north_american else digits
    elif digits.startswith("0"):
        form = "+" + _CALLING[locale] + digits[1:]
    else:
        form = digits
    return form


class Documented:
    """The construction of docs/transforms.md (section Surrogate), with hmac and json only."""

    def __init__(self, master: bytes, domain: str, kind: str, locale: str) -> None:
        info = b"surrogate" + b"\x00" + _nfc(domain).encode("utf-8")
        self.key = _hkdf_sha256(master, b"custdata/v1", info, 32)
        self.kind, self.locale = kind, locale
        data = json.loads((DATA / f"{locale}.json").read_text("utf-8"))
        shared = json.loads((DATA / "genders.json").read_text("utf-8"))["genders"]
        self.data = data
        self.mixed = sorted(set(data["given_female"]) | set(data["given_male"]))
        female = {_normal(n) for n in data["given_female"]}
        male = {_normal(n) for n in data["given_male"]}
        self.genders = dict(shared)
        for name in female | male:
            self.genders[name] = (
                "" if name in female and name in male else ("f" if name in female else "m")
            )

    def tag(self, message: str) -> tuple[int, int, int, int]:
        digest = hmac.new(self.key, message.encode("utf-8"), hashlib.sha256).digest()
        return struct.unpack(">4Q", digest)

    def __call__(self, value: str) -> str:
        if self.kind == "full_name":
            words = value.split()
            if not words:
                return ""
            given = self.one("given_name", words[0])
            if len(words) == 1:
                return given
            return given + " " + self.one("family_name", " ".join(words[1:]))
        return self.one(self.kind, value)

    def one(self, kind: str, value: str) -> str:
        n = _normal(value)
        if not n:
            return ""
        q0, q1, q2, q3 = self.tag(_phone_form(n, self.locale) if kind == "phone" else n)
        data = self.data
        if kind == "email":
            g = _slug(self.mixed[q0 % len(self.mixed)])
            f = _slug(data["family"][q1 % len(data["family"])])
            local = [f"{g}.{f}", f"{g}{f}", f"{g}_{f}", f"{g}.{f}{q2 // 4 % 90 + 10}"][q2 % 4]
            domains = [
                "example.com",
                "example.org",
                "example.net",
                "mail.example",
                "inbox.example",
                "post.example",
            ]
            return local + "@" + domains[q3 % 6]
        if kind == "phone":
            plan = PHONE_PLANS[_PLAN[self.locale]]
            block = plan.blocks[q0 % len(plan.blocks)]
            rest = str(q1 % 10**plan.free_digits).zfill(plan.free_digits)
            return "+" + plan.calling_code + block + rest
        if kind == "given_name":
            gender = self.genders.get(n)
            if gender is None and ("-" in n or " " in n):
                gender = self.genders.get(re.split("[ -]", n, maxsplit=1)[0])
            pool = {"f": data["given_female"], "m": data["given_male"]}.get(
                gender or "", self.mixed
            )
            word = pool[q0 % len(pool)]
        elif kind == "street":
            street, number = data["streets"][q0 % len(data["streets"])], q1 % 199 + 1
            word = f"{number} {street}" if data["number_first"] else f"{street} {number}"
        else:
            pool = {"family_name": data["family"], "city": data["cities"]}.get(
                kind, data["companies"]
            )
            word = pool[q0 % len(pool)]
        return word.upper() if value.isupper() else word


def _surrogate(kind: str, locale: str = "fr_FR", ring: KeyRing = RING, domain: str = "d") -> Any:
    return Surrogate(keys=ring, domain=domain, kind=kind, locale=locale)


_texts = st.text(max_size=30) | st.sampled_from(
    ["Élodie", "ÉLODIE", "Jean-Pierre", "Marie Claire", "06 12 34 56 78", "+1 (212) 555-0123"]
)


class TestConstruction:
    """Every kind is exactly the documented construction."""

    def test_docs_state_the_construction(self) -> None:
        """docs/transforms.md names every input of the construction."""
        text = DOCS.read_text("utf-8")
        for phrase in (
            "### Surrogate",
            'b"surrogate" + b"\\x00"',
            'struct.unpack(">4Q", tag)',
            '" ".join(NFC(NFC(value).casefold()).split())',
            "q2 // 4 % 90 + 10",
            "q1 % 199 + 1",
            "value.isupper()",
            "scripts/build_surrogate_lists.py",
        ):
            assert phrase in text, phrase

    @pytest.mark.parametrize("locale", LOCALES)
    @pytest.mark.parametrize("kind", KINDS)
    @given(value=_texts, domain=st.text(min_size=1, max_size=8))
    def test_recomputed_from_docs(self, kind: str, locale: str, value: str, domain: str) -> None:
        """A surrogate recomputed from the documented text and the JSON lists is equal."""
        expected = Documented(SECRET, domain, kind, locale)(value)
        assert expected == _surrogate(kind, locale, domain=domain)(value)


# Literal surrogates of a fixed key: any change to the lists or the construction shows here.
SAMPLES: dict[str, tuple[str, ...]] = {
    "given_name": ("Élodie", "Thomas", "Camille"),
    "family_name": ("Martin", "Müller"),
    "full_name": ("Élodie Martin",),
    "email": ("elodie.martin@example.fr",),
    "phone": ("+33 6 12 34 56 78",),
    "street": ("12 rue de la Paix",),
    "city": ("Lyon",),
    "company": ("Acme SA",),
}
PINNED: dict[tuple[str, str], tuple[str, ...]] = {
    ("de_DE", "given_name"): ("Antonia", "Robin", "Francis"),
    ("de_DE", "family_name"): ("Köhler", "Gude"),
    ("de_DE", "full_name"): ("Antonia Köhler",),
    ("de_DE", "email"): ("sarah.naser@mail.example",),
    ("de_DE", "phone"): ("+498999998100",),
    ("de_DE", "street"): ("Gabriella-Kostolzin-Ring 12",),
    ("de_DE", "city"): ("Paderborn",),
    ("de_DE", "company"): ("Klemt e.G.",),
    ("en_GB", "given_name"): ("Carol", "Elliott", "Bethany"),
    ("en_GB", "family_name"): ("Quinn", "Evans"),
    ("en_GB", "full_name"): ("Carol Quinn",),
    ("en_GB", "email"): ("charlie.schofield@mail.example",),
    ("en_GB", "phone"): ("+441214960100",),
    ("en_GB", "street"): ("12 Duncan Drive",),
    ("en_GB", "city"): ("Smithburgh",),
    ("en_GB", "company"): ("Jarvis, Jones and Scott",),
    ("en_US", "given_name"): ("Julie", "Jared", "Bonnie"),
    ("en_US", "family_name"): ("Stone", "Mora"),
    ("en_US", "full_name"): ("Julie Stone",),
    ("en_US", "email"): ("logan.herman@mail.example",),
    ("en_US", "phone"): ("+19195550100",),
    ("en_US", "street"): ("12 Donna Tunnel",),
    ("en_US", "city"): ("Shawberg",),
    ("en_US", "company"): ("Jackson, Davis and Baker",),
    ("fr_BE", "given_name"): ("Joëlle", "Rémy", "Jeanine"),
    ("fr_BE", "family_name"): ("Nys", "Devaux"),
    ("fr_BE", "full_name"): ("Joëlle Nys",),
    ("fr_BE", "email"): ("miguel.pirlot@mail.example",),
    ("fr_BE", "phone"): ("+33199009100",),
    ("fr_BE", "street"): ("boulevard Henri Petit 12",),
    ("fr_BE", "city"): ("Sibret",),
    ("fr_BE", "company"): ("Guyot",),
    ("fr_FR", "given_name"): ("Gabrielle", "Benjamin", "Susanne"),
    ("fr_FR", "family_name"): ("Mercier", "Bonneau"),
    ("fr_FR", "full_name"): ("Gabrielle Mercier",),
    ("fr_FR", "email"): ("josette.laroche@mail.example",),
    ("fr_FR", "phone"): ("+33199009100",),
    ("fr_FR", "street"): ("12 boulevard Henri Petit",),
    ("fr_FR", "city"): ("Saint Jeannine",),
    ("fr_FR", "company"): ("Guyot",),
}


class TestPinned:
    """Outputs never change without this test changing: the lists are custdata's own."""

    def test_every_kind_and_locale_pinned(self) -> None:
        """The table covers every kind in every locale."""
        assert {(locale, kind) for locale in LOCALES for kind in KINDS} == set(PINNED)

    @pytest.mark.parametrize(("locale", "kind"), sorted(PINNED))
    def test_pinned(self, locale: str, kind: str) -> None:
        """A fixed key, domain and original give these literal surrogates."""
        t = Surrogate(keys=RING, domain="pinned", kind=kind, locale=locale)
        assert PINNED[locale, kind] == tuple(t.apply_many(list(SAMPLES[kind])))

    def test_lists_name_their_source(self) -> None:
        """Every data file names Faker, its version and its licence."""
        for path in sorted(DATA.glob("*.json")):
            source = json.loads(path.read_text("utf-8"))["source"]
            assert re.fullmatch(r"Faker \d+\.\d+\.\d+ locale data, MIT licence, .+", source)
        script = (ROOT / "scripts" / "build_surrogate_lists.py").read_text("utf-8")
        assert "Faker 40.63.0" in script
        assert "MIT" in script

    def test_lists_are_clean(self) -> None:
        """Lists are sorted, free of duplicates and of blank entries; names have an email form."""
        for locale in LOCALES:
            data = json.loads((DATA / f"{locale}.json").read_text("utf-8"))
            for name in ("given_female", "given_male", "family", "streets", "cities", "companies"):
                words = data[name]
                assert sorted(set(words)) == words, (locale, name)
                assert all(word.strip() == word and word for word in words)
            for name in ("given_female", "given_male", "family"):
                assert all(_slug(word) for word in data[name])


class TestProperties:
    """Determinism, keys, domains, normalisation and the shape of each kind."""

    @pytest.mark.parametrize("kind", KINDS)
    @given(value=st.text())
    def test_total_and_deterministic(self, kind: str, value: str) -> None:
        """Any text gives a string, the same from two instances, one value or a batch."""
        t, again = _surrogate(kind), _surrogate(kind)
        out = t(value)
        assert isinstance(out, str)
        assert out == again(value) == t.apply_many([value, None, value])[2]

    @pytest.mark.parametrize("kind", KINDS)
    def test_key_and_domain_change_outputs(self, kind: str) -> None:
        """Another key or another domain gives other surrogates (most of 200 originals)."""
        originals = [f"Person {i}" for i in range(200)]
        mine = _surrogate(kind).apply_many(originals)
        other_key = _surrogate(kind, ring=OTHER).apply_many(originals)
        other_domain = _surrogate(kind, domain="elsewhere").apply_many(originals)
        assert sum(a != b for a, b in zip(mine, other_key, strict=True)) > 150
        assert sum(a != b for a, b in zip(mine, other_domain, strict=True)) > 150

    @pytest.mark.parametrize("kind", ["given_name", "family_name", "city", "company", "email"])
    def test_spellings_agree(self, kind: str) -> None:
        """Case, composition and whitespace runs do not change the surrogate."""
        t = _surrogate(kind)
        base_value = "élodie Martin-Lefèvre"
        variants = [
            " élodie   Martin-Lefèvre ",
            unicodedata.normalize("NFD", base_value),
            "Élodie\tmartin-lefèvre",
        ]
        assert [t(base_value)] * 3 == [t(v) for v in variants]

    @pytest.mark.parametrize(
        ("locale", "spellings"),
        [
            ("fr_FR", ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78"]),
            ("en_US", ["(212) 555-0123", "+1 212 555 0123", "1-212-555-0123", "2125550123"]),
            ("en_GB", ["020 7946 0123", "+44 20 7946 0123"]),
        ],
    )
    def test_phone_spellings_agree(self, locale: str, spellings: list[str]) -> None:
        """The spellings of one number give one surrogate number."""
        t = _surrogate("phone", locale)
        assert len(set(t.apply_many(spellings))) == 1

    def test_full_name_is_its_parts(self) -> None:
        """A full name is the given-name surrogate of its first word and the family of the rest."""
        given, family, full = (_surrogate(k) for k in ("given_name", "family_name", "full_name"))
        assert given("Élodie") + " " + family("Martin") == full("Élodie Martin")
        assert given("Jean") + " " + family("de la Tour") == full("Jean  de la Tour")
        assert given("Madonna") == full("Madonna")

    def test_capitals_kept(self) -> None:
        """An original in capitals gives a surrogate in capitals."""
        family = _surrogate("family_name")
        assert family("Martin").upper() == family("MARTIN")
        assert _surrogate("full_name")("Élodie MARTIN") == (
            _surrogate("given_name")("Élodie") + " " + family("MARTIN")
        )

    @pytest.mark.parametrize("kind", KINDS)
    def test_empty_stays_empty(self, kind: str) -> None:
        """An empty or blank original gives the empty string; None stays None."""
        assert ["", "", None] == _surrogate(kind).apply_many(["", " \t ", None])

    @pytest.mark.parametrize("kind", KINDS)
    def test_values_refused(self, kind: str) -> None:
        """Non-strings are wrong_type, text with a lone surrogate invalid_text."""
        t = _surrogate(kind)
        for value, code in ((3, "wrong_type"), (b"x", "wrong_type"), ("a\ud800", "invalid_text")):
            with pytest.raises(TransformError) as caught:
                t(value)
            assert code == caught.value.code
        with pytest.raises(TransformError) as caught:
            t.apply_many(["ok", "a\ud800b"])
        assert "invalid_text" == caught.value.code

    @pytest.mark.parametrize("kind", KINDS)
    def test_zero_bytes(self, kind: str) -> None:
        """Values holding U+0000 take the per-value path, with equal results."""
        t = _surrogate(kind)
        values = ["a\x00b", "Élodie", "x\x00"]
        assert [t(v) for v in values] == t.apply_many(values)

    @pytest.mark.parametrize("kind", KINDS)
    def test_batch_whitespace(self, kind: str) -> None:
        """Batches that need whitespace collapsed agree with value-by-value results."""
        t = _surrogate(kind)
        values = ["Élodie ", " Martin", "a  b", "c\u2003d", "plain"]
        assert [t(v) for v in values] == t.apply_many(values)

    def test_pickle_and_workers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A pickled copy and apply_many(workers=2) give the same surrogates."""
        monkeypatch.setattr(base, "_MIN_PARALLEL", 10)
        t = _surrogate("full_name")
        values: list[object] = [f"Given{i % 97} Family{i}" for i in range(500)] + [None]
        expected = [t(v) for v in values]
        copy = pickle.loads(pickle.dumps(t))  # noqa: S301  # our own bytes
        assert expected == copy.apply_many(values)
        assert expected == t.apply_many(values, workers=2)

    def test_threads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Threads loading the lists and sharing one instance get the serial results."""
        monkeypatch.setattr(module, "_loaded", {})
        values = [f"Person {i}" for i in range(300)]
        expected = Documented(SECRET, "d", "email", "en_GB")
        with ThreadPoolExecutor(8) as pool:
            built = list(pool.map(lambda _: _surrogate("email", "en_GB"), range(8)))
            results = list(pool.map(lambda t: t.apply_many(values), built * 4))
        assert all(result == [expected(v) for v in values] for result in results)

    def test_key_id(self) -> None:
        """key_id picks an older key of the ring: its surrogates are those of that key."""
        rotated = RING.rotate(key_id="k2")
        old = Surrogate(keys=rotated, domain="d", kind="city", locale="fr_FR", key_id="k1")
        values = [f"City {i}" for i in range(50)]
        assert _surrogate("city").apply_many(values) == old.apply_many(values)
        assert _surrogate("city").apply_many(values) != _surrogate("city", ring=rotated).apply_many(
            values
        )


class TestGender:
    """A given name keeps the gender of the original where the lexicon knows it."""

    @pytest.mark.parametrize("locale", LOCALES)
    def test_gender_kept(self, locale: str) -> None:
        """Female names give female names, male names male ones, in every locale."""
        data = json.loads((DATA / f"{locale}.json").read_text("utf-8"))
        female, male = set(data["given_female"]), set(data["given_male"])
        t = _surrogate("given_name", locale)
        for name in sorted(female - male)[:60]:
            assert t(name) in female
        for name in sorted(male - female)[:60]:
            assert t(name) in male

    def test_shared_lexicon(self) -> None:
        """Names from other locales keep their gender through the shared lexicon."""
        data = json.loads((DATA / "fr_FR.json").read_text("utf-8"))
        t = _surrogate("given_name", "fr_FR")
        assert t("Ingrid") in data["given_female"]  # not a fr_FR name
        assert t("Giuseppe") in data["given_male"]
        assert t("Marie-Sophie") in data["given_female"]  # its first part
        assert t("INGRID") == t("Ingrid").upper()

    def test_unknown_gender_mixed(self) -> None:
        """Unknown names draw from both lists."""
        data = json.loads((DATA / "fr_FR.json").read_text("utf-8"))
        out = set(_surrogate("given_name").apply_many([f"Zq{i}" for i in range(400)]))
        assert out & set(data["given_female"])
        assert out & set(data["given_male"])


class TestReservedContacts:
    """No surrogate email or phone reaches a real person."""

    @pytest.mark.parametrize("locale", LOCALES)
    @given(value=st.text(min_size=1).filter(str.strip))
    def test_emails_on_example_domains(self, locale: str, value: str) -> None:
        """Every surrogate email is a plain address on a domain reserved for examples."""
        out = _surrogate("email", locale)(value)
        local, _, domain = out.partition("@")
        assert domain in EMAIL_DOMAINS
        assert re.fullmatch(r"[a-z0-9]+([._]?[a-z0-9]+)*", local)

    @pytest.mark.parametrize("locale", LOCALES)
    @given(value=st.text(min_size=1).filter(str.strip))
    def test_phones_in_fiction_ranges(self, locale: str, value: str) -> None:
        """Every surrogate number is in its locale's fiction range and valid."""
        plan = PHONE_PLANS[_PLAN[locale]]
        out = _surrogate("phone", locale)(value)
        head = "+" + plan.calling_code
        assert out.startswith(head)
        nsn = out.removeprefix(head)
        assert nsn[: -plan.free_digits] in plan.blocks
        assert len(nsn) == len(nsn[: -plan.free_digits]) + plan.free_digits
        assert phonenumbers.is_valid_number(phonenumbers.parse(out))

    def test_synthetic_uses_the_same_plans(self) -> None:
        """Synthetic data and surrogates share one table of reserved contacts."""
        from custdata.synthetic import _engine, _locales, _phones

        assert _phones.PHONE_PLANS is PHONE_PLANS
        assert all(p.phones in PHONE_PLANS.values() for p in _locales.LOCALES.values())
        assert set(_engine._EMAIL_DOMAINS) == set(EMAIL_DOMAINS)


class TestParameters:
    """Bad parameters are PolicyErrors naming the class and the parameter, never the value."""

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"kind": "zq9Marker"}, "kind"),
            ({"kind": 3}, "kind"),
            ({"kind": None}, "kind"),
            ({"locale": "zq9Marker"}, "locale"),
            ({"locale": "fr"}, "locale"),
            ({"locale": ["fr_FR"]}, "locale"),
            ({"domain": ""}, "domain"),
            ({"domain": "\ud800"}, "domain"),
        ],
    )
    def test_bad(self, params: dict[str, object], parameter: str) -> None:
        """The message is "Surrogate: <parameter> ..." and holds no value given."""
        full = {"keys": RING, "domain": "d", "kind": "city", "locale": "fr_FR", **params}
        with pytest.raises(PolicyError) as caught:
            Surrogate(**full)
        assert str(caught.value).startswith(f"Surrogate: {parameter} ")
        assert "zq9Marker" not in str(caught.value)

    def test_keys_must_be_a_ring(self) -> None:
        """A key ring is the only thing keys can be (a programming mistake otherwise)."""
        with pytest.raises(TypeError):
            Surrogate(keys=SECRET, domain="d", kind="city", locale="fr_FR")  # type: ignore[arg-type]

    def test_repr_holds_no_key(self) -> None:
        """The repr names the parameters, not the key."""
        text = repr(_surrogate("city"))
        assert "kind='city'" in text
        assert SECRET.hex() not in text

    def test_registered(self) -> None:
        """The registry knows it as surrogate."""
        assert get("surrogate") is Surrogate


class TestPolicy:
    """A policy builds surrogates like any transform, with the field's path as default domain."""

    def test_test_database_policy(self) -> None:
        """Names and contacts are replaced consistently; the name rules share one domain."""
        policy = Policy.loads(
            """
name = "test-database"
version = 1
record_type = "contact"
default = "drop"

[fields.contact_id]
transform = "pseudonymise"

[fields.given_name]
transform = "surrogate"
kind = "given_name"
locale = "fr_FR"
domain = "test-db/names"

[fields.family_name]
transform = "surrogate"
kind = "family_name"
locale = "fr_FR"
domain = "test-db/names"

[fields.email]
transform = "surrogate"
kind = "email"
locale = "fr_FR"
"""
        )
        bound = policy.bind(keys=RING, today=dt.date(2026, 1, 1))
        out = bound.apply(
            {
                "contact_id": "C-1",
                "given_name": "Élodie",
                "family_name": "Martin",
                "email": "elodie.martin@example.fr",
            }
        )
        names = Surrogate(keys=RING, domain="test-db/names", kind="full_name", locale="fr_FR")
        assert names("Élodie Martin") == f"{out['given_name']} {out['family_name']}"
        email = Surrogate(keys=RING, domain="email", kind="email", locale="fr_FR")
        assert email("elodie.martin@example.fr") == out["email"]

    def test_bad_kind_fails_at_load(self) -> None:
        """An unknown kind is refused when the policy is loaded."""
        with pytest.raises(PolicyError, match="kind"):
            Policy.loads(
                'name = "x"\nversion = 1\nrecord_type = "contact"\n'
                '[fields.given_name]\ntransform = "surrogate"\nkind = "nickname"\n'
                'locale = "fr_FR"\n'
            )
