"""
Surrogates: `Surrogate`, a believable fake value chosen by a keyed hash of the original.

The word lists are package data (``_surrogate_data/<locale>.json`` and the shared
``genders.json``), built once from Faker's locale data by
``scripts/build_surrogate_lists.py``: custdata owns them, so no upgrade of a
dependency changes a surrogate. The exact construction is in docs/transforms.md;
a test rebuilds surrogates from that text and the JSON files alone.
"""

from __future__ import annotations

import json
import re
import struct
import threading
import unicodedata
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any, ClassVar, Final, cast

import attrs

from custdata import _crypto
from custdata._reserved import EMAIL_DOMAINS, PHONE_PLANS
from custdata._text import INVALID_TEXT, INVALID_TEXT_MESSAGE
from custdata.transforms import _checks
from custdata.transforms._keyed import Keyed
from custdata.transforms.base import BaseTransform, Guarantees

__all__ = ["KINDS", "LOCALES", "Surrogate"]

KINDS: Final = (
    "given_name",
    "family_name",
    "full_name",
    "email",
    "phone",
    "street",
    "city",
    "company",
)
"""What a `Surrogate` makes: the value of its ``kind`` parameter."""

LOCALES: Final = ("de_DE", "en_GB", "en_US", "fr_BE", "fr_FR")
"""The locales that have word lists: the value of its ``locale`` parameter."""

# The calling code of the numbers an original is read as (national numbers get it), and
# the fiction plan (custdata._reserved) surrogate numbers come from. Belgium has no
# fiction range: Belgian surrogates are French fiction numbers, as in synthetic data.
_PHONES: Final[dict[str, tuple[str, str]]] = {
    "de_DE": ("49", "DE"),
    "en_GB": ("44", "GB"),
    "en_US": ("1", "US"),
    "fr_BE": ("32", "BE"),
    "fr_FR": ("33", "FR"),
}

_STREET_NUMBERS: Final = 199
_EMAIL_NUMBERS: Final = 90
_SLUG_FOLD: Final = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
_NON_SLUG: Final = re.compile(r"[^a-z0-9]")
_FIRST_PART: Final = re.compile(r"[ -]")
_DIGITS: Final = re.compile(r"[^0-9]")
_READ_KEYS: Final = frozenset({"given_name", "phone"})
"""The kinds whose choice reads the normalised original itself (the lexicon, the digits)."""
_QUADS: Final = struct.Struct(">4Q")
"""A tag's four 64-bit big-endian words q0, q1, q2, q3 (bytes 0-7, 8-15, 16-23, 24-31)."""


def normalise(value: str) -> str:
    """
    The normalised form of an original, the text that is hashed and looked up.

    ``" ".join(NFC(NFC(value).casefold()).split())``, with ``NFC`` the Unicode
    normalisation form C and ``split`` Python's split on runs of whitespace.

    Case, Unicode composition and runs of whitespace do not change a surrogate:
    ``"ÉLODIE "`` and ``"élodie"`` give the same one.
    """
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).casefold())
    return " ".join(folded.split())


def slug(name: str) -> str:
    """The email form of a word-list name: case-folded, folded to ASCII letters and digits."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_SLUG_FOLD))
    return _NON_SLUG.sub("", folded.encode("ascii", "ignore").decode("ascii"))


def phone_key(key: str, calling_code: str) -> str:
    """
    The form of a normalised phone original that is hashed, so that spellings of one number agree.

    ASCII digits only, as E.164 where the spelling says enough: ``+`` and the digits
    after a leading ``+`` or ``00``; a national number (a leading ``0``, or ten digits
    in North America) gets the locale's calling code. Anything else: its digits, or
    the normalised text when it holds no digit.
    """
    digits = _DIGITS.sub("", key)
    if not digits:
        out = key
    elif key.startswith("+"):
        out = "+" + digits
    elif digits.startswith("00"):
        out = "+" + digits[2:]
    elif calling_code == "1":
        north_american = len(digits) == 10 or (len(digits) == 11 and digits.startswith("1"))
        out = "+1" + digits[-10:] if north_american else digits
    elif digits.startswith("0"):
        out = "+" + calling_code + digits[1:]
    else:
        out = digits
    return out


@attrs.frozen(kw_only=True)
class _Lists:
    """The word lists of one locale, loaded once and shared (read-only)."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    mixed: tuple[str, ...]
    family: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[str, ...]
    companies: tuple[str, ...]
    number_first: bool
    genders: dict[str, str] = attrs.field(repr=False)
    mixed_slugs: tuple[str, ...] = attrs.field(repr=False)
    family_slugs: tuple[str, ...] = attrs.field(repr=False)
    source: str


# Each locale's lists, read from the package data on first use. Safe under threads:
# a locale is read and stored under the lock, once; readers without the lock see
# either no entry (and take the lock) or the finished, never changed, lists.
_loaded: dict[str, _Lists] = {}
_load_lock = threading.Lock()


def _read(name: str) -> dict[str, Any]:
    path = resources.files("custdata.transforms").joinpath("_surrogate_data", name)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def lists(locale: str) -> _Lists:
    """The word lists of a locale (one of `LOCALES`), read from the package data on first use."""
    try:
        return _loaded[locale]
    except KeyError:
        pass
    with _load_lock:
        if locale not in _loaded:
            _loaded[locale] = _build_lists(_read(f"{locale}.json"), _read("genders.json"))
        return _loaded[locale]


def _build_lists(data: dict[str, Any], shared: dict[str, Any]) -> _Lists:
    female = tuple(data["given_female"])
    male = tuple(data["given_male"])
    mixed = tuple(sorted(set(female) | set(male)))
    family = tuple(data["family"])
    # The shared lexicon, then the locale's own lists: a name in one of them has its
    # gender, a name in both is neither ("" gives the mixed list).
    genders: dict[str, str] = dict(shared["genders"])
    own_female = {normalise(name) for name in female}
    own_male = {normalise(name) for name in male}
    for name in own_female | own_male:
        genders[name] = (
            "" if name in own_female and name in own_male else "f" if name in own_female else "m"
        )
    return _Lists(
        female=female,
        male=male,
        mixed=mixed,
        family=family,
        streets=tuple(data["streets"]),
        cities=tuple(data["cities"]),
        companies=tuple(data["companies"]),
        number_first=bool(data["number_first"]),
        genders=genders,
        mixed_slugs=tuple(slug(name) for name in mixed),
        family_slugs=tuple(slug(name) for name in family),
        source=str(data["source"]),
    )


@attrs.frozen(kw_only=True)
class Surrogate(Keyed[_crypto.MacState], BaseTransform):
    """
    Replace a value by a believable fake one of the same kind, chosen by a keyed hash of it.

    Example:
        >>> from custdata import KeyRing
        >>> ring = KeyRing.generate(key_id="k1")
        >>> given = Surrogate(keys=ring, domain="test-db", kind="given_name", locale="fr_FR")
        >>> given("Élodie") == given("ÉLODIE".title()) == given(" élodie ")
        True

    **Guarantees**: not reversible; deterministic across calls, processes and
    runs for the same key ring, domain, kind and locale; keyed; the output is
    still personal data (it links every record of the person).

    **Does not protect against**: linkage of equal values (the point: the same
    name gives the same surrogate in every table); frequency analysis (a
    common name gives a common surrogate); the gender of a given name, which is
    kept; anyone who holds the key and can guess candidate originals;
    inference from the other fields of the record.

    **Algorithm**: docs/transforms.md, section Surrogate.

    Args:
        keys: The key ring; the active key chooses surrogates unless ``key_id`` is given.
        domain: Separates uses: the same value in two domains gives unrelated surrogates.
        kind: What the values are: ``given_name``, ``family_name``, ``full_name``,
            ``email``, ``phone``, ``street``, ``city`` or ``company``.
        locale: Whose word lists and fiction phone ranges: ``de_DE``, ``en_GB``,
            ``en_US``, ``fr_BE`` or ``fr_FR``.
        key_id: Use this key of the ring instead of the active one.

    Raises:
        custdata.PolicyError: If a parameter is invalid.
        custdata.KeyRingError: If ``key_id`` is not in the ring.
    """

    name: ClassVar[str] = "surrogate"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=False,
        deterministic=True,
        keyed=True,
        format_preserving=False,
        output_is_personal_data=True,
    )
    output_type: ClassVar[type] = str
    key_bytes: ClassVar[int] = _crypto.HMAC_KEY_BYTES

    kind: str = attrs.field(validator=_checks.one_of(*KINDS))
    locale: str = attrs.field(validator=_checks.one_of(*LOCALES))
    key_id: str | None = attrs.field(default=None)
    _mac: _crypto.MacState = attrs.field(init=False, repr=False, eq=False)
    _lists: _Lists = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_mac", self._keyed(self.key_id))
        object.__setattr__(self, "_lists", lists(self.locale))

    def _make(self, key: bytes) -> _crypto.MacState:
        return _crypto.MacState(key)

    def _one(self, value: object) -> object:
        if not isinstance(value, str):
            raise self._error(
                code="wrong_type", message=f"expected str, got {type(value).__name__}"
            )
        if not _checks.is_text(value):
            raise self._error(code=INVALID_TEXT, message=INVALID_TEXT_MESSAGE)
        return self._fast([value])[0]

    def _many(self, values: list[object]) -> list[object]:
        # The batch loop; any surprise falls back to _one, which raises the right
        # error for the first bad value.
        try:
            return self._fast(values)
        except (AttributeError, TypeError, UnicodeEncodeError):
            return super()._many(values)

    def _unmerged(self, values: Sequence[object]) -> list[object] | None:
        # The batch loop straight on the batch: joining raises TypeError on anything
        # but a str (None included), so no pass checks types first.
        try:
            return self._fast(values)
        except (AttributeError, TypeError, UnicodeEncodeError):
            return None

    def _fast(self, values: Sequence[Any]) -> list[object]:
        # Strings only (anything else raises TypeError); a lone surrogate raises
        # UnicodeEncodeError. One value (_one) takes the same path as a batch.
        if not values:
            return []
        if self.kind == "full_name":
            return cast("list[object]", self._full_names(values))
        choose = _CHOOSERS[self.kind]
        return cast("list[object]", choose(self, values, *self._keys_and_tags(values, self.kind)))

    def _keys_and_tags(self, values: Sequence[Any], kind: str) -> tuple[Sequence[Any], list[bytes]]:
        # The keys are the normalised originals (str), or their UTF-8 bytes for the
        # kinds whose choice only asks whether a key is empty (not in _READ_KEYS).
        if not values:
            return [], []
        # The normalised originals and their HMAC tags, with one join, one case fold
        # and two NFC passes for the whole batch. Neither acts across U+0000 (a starter
        # that composes with nothing, its own case fold), so the joined text splits back
        # into each value's normalised form; batches holding U+0000 normalise value by
        # value. Whitespace is collapsed value by value only if the batch needs it.
        joined = "\x00".join(values)
        text: str | None = None  # the keys joined by U+0000, when no key holds one
        if joined.count("\x00") != len(values) - 1:
            keys = [normalise(value) for value in values]
        else:
            if joined.isascii():  # NFC changes no ASCII text, and casefold is lower
                text = joined.lower()
            else:
                text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", joined).casefold())
            if " \x00" in text or "\x00 " in text or " ".join(text.split()) != text:
                # Other whitespace, runs of it, or some at the ends of a value.
                keys = [" ".join(key.split()) for key in text.split("\x00")]
                text = "\x00".join(keys)
            elif kind in _READ_KEYS:
                keys = text.split("\x00")
            else:  # the choice reads whether a key is empty: its bytes tell as much
                messages = text.encode("utf-8").split(b"\x00")
                return messages, self._mac.digests(messages)
        if kind == "phone":
            code = _PHONES[self.locale][0]
            messages = [phone_key(key, code).encode("utf-8") for key in keys]
        elif text is None:
            messages = [key.encode("utf-8") for key in keys]
        else:
            messages = text.encode("utf-8").split(b"\x00")
        return keys, self._mac.digests(messages)

    def _full_names(self, values: Sequence[Any]) -> list[str]:
        # A full name is the given-name surrogate of its first word, a space, and the
        # family-name surrogate of the other words: each distinct part is chosen once.
        firsts: list[str] = []
        rests: list[str] = []
        for value in values:
            words = value.split()
            firsts.append(words[0] if words else "")
            rests.append(" ".join(words[1:]))
        givens = list(dict.fromkeys(firsts))
        families = list(dict.fromkeys(rests))
        given = dict(
            zip(
                givens,
                _given(self, givens, *self._keys_and_tags(givens, "given_name")),
                strict=True,
            )
        )
        family = dict(
            zip(
                families,
                _family(self, families, *self._keys_and_tags(families, "family_name")),
                strict=True,
            )
        )
        return [
            given[first] + " " + family[rest] if rest else given[first]
            for first, rest in zip(firsts, rests, strict=True)
        ]


# The choice of each kind: from the originals, their normalised forms and their tags.
# An empty normalised original gives "".

_Chooser = Callable[[Surrogate, Sequence[str], Sequence[Any], list[bytes]], list[str]]


def _pick(
    pool: tuple[str, ...], values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    """Word ``q0 % len(pool)`` of a list, in capitals when the original is (`str.isupper`)."""
    size = len(pool)
    unpack = _QUADS.unpack
    out: list[str] = []
    append = out.append
    for value, key, tag in zip(values, keys, tags, strict=True):
        if not key:
            append("")
            continue
        word = pool[unpack(tag)[0] % size]
        append(word.upper() if value.isupper() else word)
    return out


def _given(
    t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    words = t._lists
    get = words.genders.get
    pools = {"f": words.female, "m": words.male}
    unpack = _QUADS.unpack
    out: list[str] = []
    append = out.append
    for value, key, tag in zip(values, keys, tags, strict=True):
        if not key:
            append("")
            continue
        gender = get(key)
        if gender is None and ("-" in key or " " in key):
            gender = get(_FIRST_PART.split(key, maxsplit=1)[0])
        pool = pools.get(gender or "", words.mixed)
        word = pool[unpack(tag)[0] % len(pool)]
        append(word.upper() if value.isupper() else word)
    return out


def _family(
    t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    return _pick(t._lists.family, values, keys, tags)


def _city(t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]) -> list[str]:
    return _pick(t._lists.cities, values, keys, tags)


def _company(
    t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    return _pick(t._lists.companies, values, keys, tags)


def _street(
    t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    words = t._lists
    streets, size = words.streets, len(words.streets)
    form = "{0} {1}" if words.number_first else "{1} {0}"
    unpack = _QUADS.unpack
    out: list[str] = []
    append = out.append
    for value, key, tag in zip(values, keys, tags, strict=True):
        if not key:
            append("")
            continue
        q0, q1, _, _ = unpack(tag)
        line = form.format(q1 % _STREET_NUMBERS + 1, streets[q0 % size])
        append(line.upper() if value.isupper() else line)
    return out


def _email(
    t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    words = t._lists
    givens, families, domains = words.mixed_slugs, words.family_slugs, EMAIL_DOMAINS
    n_given, n_family, n_domains = len(givens), len(families), len(domains)
    unpack = _QUADS.unpack
    out: list[str] = []
    append = out.append
    for key, tag in zip(keys, tags, strict=True):
        if not key:
            append("")
            continue
        q0, q1, q2, q3 = unpack(tag)
        given, family, domain = (
            givens[q0 % n_given],
            families[q1 % n_family],
            domains[q3 % n_domains],
        )
        pattern = q2 & 3  # q2 % 4, and below q2 >> 2 is q2 // 4
        if pattern == 0:
            append(f"{given}.{family}@{domain}")
        elif pattern == 1:
            append(f"{given}{family}@{domain}")
        elif pattern == 2:
            append(f"{given}_{family}@{domain}")
        else:
            append(f"{given}.{family}{(q2 >> 2) % _EMAIL_NUMBERS + 10}@{domain}")
    return out


def _phone(
    t: Surrogate, values: Sequence[str], keys: Sequence[Any], tags: list[bytes]
) -> list[str]:
    plan = PHONE_PLANS[_PHONES[t.locale][1]]
    blocks, width = plan.blocks, plan.free_digits
    head = "+" + plan.calling_code
    unpack = _QUADS.unpack
    out: list[str] = []
    append = out.append
    for key, tag in zip(keys, tags, strict=True):
        if not key:
            append("")
            continue
        q0, q1, _, _ = unpack(tag)
        append(head + blocks[q0 % len(blocks)] + str(q1 % 10**width).zfill(width))
    return out


_CHOOSERS: Final[dict[str, _Chooser]] = {
    "given_name": _given,
    "family_name": _family,
    "email": _email,
    "phone": _phone,
    "street": _street,
    "city": _city,
    "company": _company,
}
