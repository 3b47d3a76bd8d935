"""
Free-text scrubbing: `ScrubText` and `KeyedScrubText`, and `scan`, which finds what they remove.

What customers type into comments can hold their email address, phone number,
IBAN, card number, French social security number (NIR) or name. `scan` finds
these and returns their kinds and spans, never their values; `ScrubText`
replaces each finding by a placeholder (``<EMAIL>``) or an unkeyed transform's
output (a mask); `KeyedScrubText` by a keyed transform's output (a pseudonym,
a surrogate). The detectors and the overlap rule are in docs/transforms.md,
section ScrubText, with what they miss, measured on the test corpus.

Names are found in three ways: the names of the people concerned, given per
contact at `custdata.Policy.bind` (``names=``: see `ScrubText.with_names`); any
person's name that titles, introductions, sign-offs and word lists reveal
(``names_rules``: docs/transforms.md, section ScrubText); and, with the ``nlp`` extra, any
person's name a spaCy model finds (``names_model``).
"""

from __future__ import annotations

import bisect
import collections
import functools
import hashlib
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final, cast

import attrs

from custdata.errors import MissingDependencyError, TransformError
from custdata.transforms import _checks
from custdata.transforms._keyed import Keyed
from custdata.transforms._names import STOP, fold, known_name, sentence_start
from custdata.transforms._names import find as find_names
from custdata.transforms.base import BaseTransform, Guarantees
from custdata.validation.email import canonical_email
from custdata.validation.phone import check_region, phone_result

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "Finding",
    "KeyedScrubText",
    "NamedScrub",
    "ScrubText",
    "scan",
]

KINDS: Final = ("email", "phone", "iban", "card", "nir", "name")
"""What scrubbing finds, in the order that breaks ties of the overlap rule."""

PLACEHOLDERS: Final[Mapping[str, str]] = {
    "email": "<EMAIL>",
    "phone": "<PHONE>",
    "iban": "<IBAN>",
    "card": "<CARD>",
    "nir": "<NIR>",
    "name": "<NAME>",
}
"""The default placeholder of each kind."""

_VERIFIED: Final = frozenset({"iban", "card", "nir"})
"""The kinds whose findings pass a checksum."""

_RANK: Final = {kind: len(KINDS) - i for i, kind in enumerate(KINDS)}

# --- findings ---------------------------------------------------------------------


@attrs.frozen(order=True)
class Finding:
    """
    One thing found in a text: its kind and its span, never its value.

    ``text[finding.start:finding.end]`` is what was found (code-point offsets,
    as Python indexes strings).

    Attributes:
        start: The offset of its first character.
        end: The offset just after its last character.
        kind: ``email``, ``phone``, ``iban``, ``card``, ``nir`` or ``name``.
    """

    start: int
    end: int
    kind: str

    @property
    def verified(self) -> bool:
        """Whether the finding passed a checksum (IBAN, card, NIR)."""
        return self.kind in _VERIFIED


def _settle(findings: Iterable[Finding]) -> list[Finding]:
    """
    Keep findings that do not overlap, by the overlap rule; sorted by position.

    The longer finding wins; at equal length a checksum-verified one (IBAN,
    card, NIR) wins over one that is not; then the kind first in `KINDS`; then
    the earlier one. A finding that loses is dropped whole.
    """
    ranked = sorted(
        set(findings),
        key=lambda f: (-(f.end - f.start), not f.verified, -_RANK[f.kind], f.start),
    )
    # The kept findings never overlap: sorted by start, a new one overlaps a kept one
    # only if it overlaps its neighbour on either side.
    kept: list[Finding] = []
    for finding in ranked:
        at = bisect.bisect_left(kept, finding)
        if (at == 0 or kept[at - 1].end <= finding.start) and (
            at == len(kept) or finding.end <= kept[at].start
        ):
            kept.insert(at, finding)
    return kept


# --- detectors --------------------------------------------------------------------

_LOCAL_MAX: Final = 256
_DOMAIN: Final = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,16}[^\W\d_]{2,63}(?![\w-])")

# IBAN lengths of the SEPA countries, of French territories, and of French-speaking
# countries outside SEPA that use IBANs (ISO 13616 registry).
_IBAN_LENGTHS: Final[Mapping[str, int]] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
    "BL": 27, "GF": 27, "GP": 27, "MF": 27, "MQ": 27, "NC": 27, "PF": 27, "PM": 27,
    "RE": 27, "TF": 27, "WF": 27, "YT": 27,
    "MA": 28, "TN": 24, "DZ": 26, "SN": 28, "CI": 28, "LB": 28, "MU": 30,
}  # fmt: skip
_IBAN: Final = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30}")

# Digits, in groups separated by one space, dot or hyphen: cards and NIRs start as this.
_DIGIT_RUN: Final = re.compile(r"(?<![\w.,-])[0-9](?:[ .-]?[0-9])*(?![\w])")
_NIR_RUN: Final = re.compile(r"(?<![\w.,-])[1278](?:[ .-]?[0-9ABab]){14}(?![\w])")
_NIR: Final = re.compile(
    r"[1278][0-9]{2}(?:0[1-9]|1[0-2]|[2-9][0-9])(?:[0-9]{2}|2[AB])[0-9]{6}([0-9]{2})"
)
_SEPARATORS: Final = re.compile(r"[ .-]")

# Card networks: (lowest prefix, highest prefix, lengths). 14-digit numbers are never
# cards here: 14-digit Diners Club cards are rare and every SIRET is 14 digits that
# pass Luhn.
_NETWORKS: Final = (
    ("4", "4", (13, 16, 19)),  # Visa (and Cartes Bancaires co-badged)
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),  # American Express
    ("6011", "6011", (16, 17, 18, 19)),  # Discover
    ("644", "649", (16, 17, 18, 19)),  # Discover
    ("65", "65", (16, 17, 18, 19)),  # Discover
    ("3528", "3589", (16, 17, 18, 19)),  # JCB
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("300", "305", (16, 17, 18, 19)),  # Diners Club
    ("36", "36", (16, 17, 18, 19)),  # Diners Club
    ("38", "39", (16, 17, 18, 19)),  # Diners Club
    ("2200", "2204", (16, 17, 18, 19)),  # Mir
    ("5018", "5018", (13, 15, 16, 17, 18, 19)),  # Maestro
    ("5020", "5020", (13, 15, 16, 17, 18, 19)),  # Maestro
    ("5038", "5038", (13, 15, 16, 17, 18, 19)),  # Maestro
    ("5893", "5893", (13, 15, 16, 17, 18, 19)),  # Maestro
    ("6304", "6304", (13, 15, 16, 17, 18, 19)),  # Maestro
    ("6759", "6759", (13, 15, 16, 17, 18, 19)),  # Maestro
    ("6761", "6763", (13, 15, 16, 17, 18, 19)),  # Maestro
)


def luhn(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_card(digits: str) -> bool:
    """Whether ASCII digits are a payment card number: a network's prefix and length, and Luhn."""
    size = len(digits)
    for low, high, lengths in _NETWORKS:
        if size in lengths and low <= digits[: len(low)] <= high:
            return luhn(digits)
    return False


def is_iban(compact: str) -> bool:
    """Whether upper-case letters and digits without spaces are an IBAN: its length, mod 97."""
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in moved)
    return int(number) % 97 == 1


def is_nir(compact: str) -> bool:
    """Whether 15 characters without spaces are a French NIR with its key (2A, 2B for Corsica)."""
    match = _NIR.fullmatch(compact.upper())
    if match is None:
        return False
    body = compact[:13].upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(match.group(1))


def _groups(text: str, start: int) -> list[tuple[int, int]]:
    """The spans of the runs of characters between separators in ``text`` (offset ``start``)."""
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"[^ .-]+", text)]


def _windows(groups: Sequence[tuple[int, int]], low: int, high: int) -> list[tuple[int, int]]:
    """
    The spans of consecutive groups of digits holding ``low`` to ``high`` digits, longest first.

    A group holds only digits, so its length is its count of digits; no span holds
    more than ``high`` of them, so a long run of short groups costs ``high`` spans
    per group, not the square of their number.
    """
    spans: list[tuple[int, int]] = []
    for first in range(len(groups)):
        count = 0
        for last in range(first, len(groups)):
            count += groups[last][1] - groups[last][0]
            if count > high:
                break
            if count >= low:
                spans.append((groups[first][0], groups[last][1]))
    spans.sort(key=lambda span: (span[0] - span[1], span[0]))
    return spans


def _emails(text: str) -> Iterable[Finding]:
    # From each "@": the local part is the run of its characters before it (at most
    # 256), the domain is matched after it; bounded work per "@", whatever the text.
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and at - start < _LOCAL_MAX and _is_local(text[start - 1]):
            start -= 1
        domain = _DOMAIN.match(text, at + 1)
        if start < at and domain is not None:
            yield Finding(start, domain.end(), "email")
        at = text.find("@", at + 1)


def _is_local(char: str) -> bool:
    return char.isalnum() or char in "._%+-"


def _ibans(text: str) -> Iterable[Finding]:
    for match in _IBAN.finditer(text):
        start = match.start()
        length = _IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        # Walk to the country's length in letters and digits: the IBAN ends there, at
        # the end of a word (the candidate may run on into the next words).
        seen = 0
        end = start
        for i in range(start, match.end()):
            if text[i].isalnum():
                seen += 1
                if seen == length:
                    end = i + 1
                    break
        if seen != length or (end < len(text) and text[end].isalnum()):
            continue
        compact = _SEPARATORS.sub("", text[start:end]).upper()
        if is_iban(compact):
            yield Finding(start, end, "iban")


def _cards(text: str) -> Iterable[Finding]:
    for match in _DIGIT_RUN.finditer(text):
        span = match.group()
        if sum(char.isdigit() for char in span) < 13:
            continue
        groups = _groups(span, match.start())
        taken: list[tuple[int, int]] = []
        for start, end in _windows(groups, 13, 19):
            if any(start < b and a < end for a, b in taken):
                continue
            digits = _SEPARATORS.sub("", text[start:end])
            if 13 <= len(digits) <= 19 and is_card(digits):
                taken.append((start, end))
                yield Finding(start, end, "card")


def _nirs(text: str) -> Iterable[Finding]:
    for match in _NIR_RUN.finditer(text):
        if is_nir(_SEPARATORS.sub("", match.group())):
            yield Finding(match.start(), match.end(), "nir")


class _Phones:
    """Phone numbers by phonenumbers' matcher, checked as validation checks them."""

    def __init__(self, regions: Sequence[str]) -> None:
        import phonenumbers

        self._matcher = phonenumbers.PhoneNumberMatcher
        self._leniency = phonenumbers.Leniency.POSSIBLE
        # A number written nationally in a country whose trunk prefix is 0 (France, the
        # UK, most of Europe) starts with it: nine digits without (a SIREN) are not one.
        self._regions = tuple(
            (
                region,
                getattr(
                    phonenumbers.PhoneMetadata.metadata_for_region(region), "national_prefix", None
                )
                == "0",
            )
            for region in regions
        )

    def find(self, text: str) -> Iterable[Finding]:
        digits = sum(char.isdigit() for char in text)
        if digits < 6:
            return
        for offset, part in _pieces(text):
            for region, trunk in self._regions:
                for match in self._matcher(part, region, leniency=self._leniency):
                    raw: str = match.raw_string
                    head = raw.lstrip("(")
                    if trunk and not head.startswith(("+", "0")):
                        continue
                    if phone_result(raw, region) is not None:
                        yield Finding(offset + match.start, offset + match.end, "phone")


_PIECE: Final = 1000
_PIECE_OVERLAP: Final = 64


def _pieces(text: str) -> Iterable[tuple[int, str]]:
    """
    A long text in overlapping pieces, each with its offset: phonenumbers' matcher costs
    the square of a text's length (it slices the rest of the text at each number).

    A number shorter than the overlap that starts in one piece ends in it too; one cut
    at a piece's end is found whole in the next piece, and the overlap rule keeps the
    longer finding.
    """
    if len(text) <= _PIECE + _PIECE_OVERLAP:
        yield 0, text
        return
    for start in range(0, len(text), _PIECE):
        yield start, text[start : start + _PIECE + _PIECE_OVERLAP]


# --- names ------------------------------------------------------------------------

_NAME_STOP: Final = frozenset(
    {"de", "del", "della", "der", "des", "di", "du", "la", "le", "les", "van", "von", "y"}
)


def name_terms(names: object) -> tuple[str, ...]:
    """
    The folded words and phrases to look for, from one person's names.

    Args:
        names: A full name, or a sequence of names (given and family names).

    Returns:
        Each name whole, the names together in either order, and each word of
        three letters or more (not a particle such as ``de``), folded, longest
        first.
    """
    items = [names] if isinstance(names, str) else list(cast("Iterable[object]", names))
    words = [item for item in items if isinstance(item, str)]
    if len(words) > 1:  # given and family names: written in either order
        items += [" ".join(words), " ".join(reversed(words))]
    terms: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not _checks.is_text(item):
            continue
        whole = " ".join(fold(item).split())
        if len(whole) >= 2:
            terms.add(whole)
        for word in re.split(r"[\s\-']+", whole):
            if len(word) >= 3 and word not in _NAME_STOP:
                terms.add(word)
    return tuple(sorted(terms, key=lambda term: (-len(term), term)))


# Safe under threads: lru_cache guards its table; a compiled pattern is immutable.
@functools.lru_cache(maxsize=1024)
def _name_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    spelled = (r"[\s\-']+".join(map(re.escape, re.split(r"[\s\-']+", t))) for t in terms)
    return re.compile(r"(?<!\w)(?:" + "|".join(spelled) + r")(?!\w)")


def _names(text: str, terms: tuple[str, ...]) -> Iterable[Finding]:
    pattern = _name_pattern(terms)
    if pattern is None:
        return
    for match in pattern.finditer(fold(text)):
        yield Finding(match.start(), match.end(), "name")


# Each spaCy pipeline, loaded once under the lock and never replaced: readers without
# the lock see no entry (and take the lock) or the loaded pipeline.
_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def _spacy_model(name: str) -> Any:  # a spaCy Language, typed loosely on purpose
    """
    The spaCy pipeline of a model name, loaded once per process (extra ``nlp``).

    Only what its named-entity recogniser needs runs: the recogniser, and the
    component it listens to if it shares one (a ``tok2vec``); the tagger, parser,
    lemmatiser and the rest are disabled. ``fr_core_news_sm``'s recogniser has a
    ``tok2vec`` of its own, so it runs alone.

    Raises:
        MissingDependencyError: If spaCy or the model is not installed.
        ValueError: If the pipeline has no named-entity recogniser.
    """
    try:
        return _models[name]
    except KeyError:
        pass
    try:
        import spacy
    except ImportError:
        package = "spacy"
        raise MissingDependencyError(package, "nlp") from None
    with _models_lock:
        if name not in _models:
            try:
                nlp = spacy.load(name)
            except OSError:
                raise MissingDependencyError(name.replace("_", "-"), "nlp") from None
            if "ner" not in nlp.pipe_names:
                msg = "the model has no named-entity recogniser (ner)"
                raise ValueError(msg)
            needed = ["ner"] + [
                component
                for component, pipe in nlp.pipeline
                if "ner" in getattr(pipe, "listening_components", ())
            ]
            nlp.select_pipes(enable=needed)
            _models[name] = nlp
        return _models[name]


# Words that open or close letters: a small model often reads them as persons.
_SALUTATIONS: Final = frozenset(
    {
        "bonjour", "bonsoir", "cordialement", "madame", "mademoiselle", "merci", "monsieur",
        "salut", "signé", "dear", "hello", "hi", "please", "regards", "thanks",
    }
)  # fmt: skip
_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# Each word of letters, and each one that starts inside another after an apostrophe or
# a hyphen ("Élodie" in "l'Élodie"): zero-width matches, the word in group 1.
_WORD_AT: Final = re.compile(r"(?<![^\W\d_])(?=([^\W\d_]+(?:['\u2019-][^\W\d_]+)*))")


def _looks_like_name(words: Sequence[str]) -> bool:
    """Capitalised words of letters (hyphens, apostrophes), not a salutation."""
    return bool(words) and all(
        _NAME_WORD.fullmatch(word) is not None
        and word[0].isupper()
        and word.casefold() not in _SALUTATIONS
        for word in words
    )


def _candidates(text: str) -> list[int]:
    """
    The offsets of the words a model's kept person must hold one of: capitalised words
    of letters, not a salutation nor a stop word of `custdata.transforms._names`, and,
    for a word that opens a sentence or follows a comma, a given or family name of the
    word lists or a word followed by another capitalised one (a small model reads
    "Livraison" or "Remboursez" opening a sentence as a person).
    """
    words = [(match.start(), match.group(1)) for match in _WORD_AT.finditer(text)]
    found = []
    for i, (at, word) in enumerate(words):
        if not word[0].isupper() or word.casefold() in _SALUTATIONS:
            continue
        folded = fold(word)
        if folded in STOP:
            continue
        if sentence_start(text, at, clause=True) and not known_name(folded):
            following = words[i + 1] if i + 1 < len(words) else None
            if following is None or not (
                following[1][0].isupper() and text[at + len(word) : following[0]] == " "
            ):
                continue
        found.append(at)
    return found


_BREAK: Final = re.compile(r"([.!?\u2026]+)\s+|\s*\n\s*")
_ABBREVIATION: Final = re.compile(r"(?<![^\W\d_])(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Mme|Mlle|Me|Pr)$")


def _sentences(text: str, candidates: Sequence[int]) -> list[tuple[int, str]]:
    """
    The sentences of ``text`` (offset, text) that hold a candidate word: a sentence ends
    at a line break, or at ``.``, ``!``, ``?`` or ``…`` and spaces, but not after a title
    or an initial (``M.``, ``Dr.``, ``J.``).
    """
    pieces: list[tuple[int, str]] = []
    start = 0
    ends = [
        (match.end(1) if match.group(1) else match.start(), match.end())
        for match in _BREAK.finditer(text)
        if _ABBREVIATION.search(text, max(0, match.start() - 5), match.start()) is None
        or text[match.start()] in "!?\n\u2026"
    ]
    for stop, after in [*ends, (len(text), len(text))]:
        if stop > start:
            low = bisect.bisect_left(candidates, start)
            if low < len(candidates) and candidates[low] < stop:
                pieces.append((start, text[start:stop]))
        start = max(start, after)
    return pieces


def _persons(doc: Any, offset: int, candidates: Sequence[int]) -> list[tuple[int, int]]:
    """
    The spans in the text of a spaCy document's persons (the document is the sentence
    at ``offset``) that are capitalised words of letters, not a salutation, and hold a
    candidate word.
    """
    spans = []
    for entity in doc.ents:
        if entity.label_ not in {"PER", "PERSON"} or not _looks_like_name(entity.text.split()):
            continue
        start, end = offset + entity.start_char, offset + entity.end_char
        low = bisect.bisect_left(candidates, start)
        if low < len(candidates) and candidates[low] < end:
            spans.append((start, end))
    return spans


def _run_model(texts: Sequence[str], model: str) -> list[tuple[tuple[int, int], ...]]:
    """
    The spans of the persons a model finds in each text: it runs only on the sentences
    that hold a candidate word, all of the texts' sentences together through nlp.pipe.
    """
    jobs: list[tuple[int, int, list[int]]] = []
    pieces: list[str] = []
    for index, text in enumerate(texts):
        candidates = _candidates(text)
        for offset, piece in _sentences(text, candidates):
            jobs.append((index, offset, candidates))
            pieces.append(piece)
    found: list[list[tuple[int, int]]] = [[] for _ in texts]
    if pieces:
        nlp = _spacy_model(model)
        for (index, offset, candidates), doc in zip(
            jobs, nlp.pipe(pieces, batch_size=256), strict=True
        ):
            found[index] += _persons(doc, offset, candidates)
    return [tuple(spans) for spans in found]


# The spans of the persons a model found in recent texts, by model and digest of the
# text (the texts themselves are not kept): `_prefetch` fills it for a batch through
# spaCy's nlp.pipe, and each text of the batch then reads its entry. Safe under
# threads: read and written under the lock; entries are immutable tuples.
_CACHE_SIZE: Final = 4096
_cache: collections.OrderedDict[tuple[str, bytes], tuple[tuple[int, int], ...]] = (
    collections.OrderedDict()
)
_cache_lock = threading.Lock()
_BATCH: Final = 256


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _cached(key: tuple[str, bytes]) -> tuple[tuple[int, int], ...] | None:
    with _cache_lock:
        spans = _cache.get(key)
        if spans is not None:
            _cache.move_to_end(key)
        return spans


def _store(key: tuple[str, bytes], spans: tuple[tuple[int, int], ...]) -> None:
    with _cache_lock:
        _cache[key] = spans
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _prefetch(texts: Iterable[object], model: str) -> None:
    """Run the model over the texts not yet cached, in batches (spaCy's nlp.pipe)."""
    todo: dict[bytes, str] = {}
    for text in texts:
        if isinstance(text, str) and _checks.is_text(text):
            key = _digest(text)
            if key not in todo and _cached((model, key)) is None:
                todo[key] = text
    if not todo:
        return
    for key, spans in zip(todo, _run_model(list(todo.values()), model), strict=True):
        _store((model, key), spans)


def _model_names(text: str, model: str) -> Iterable[Finding]:
    key = (model, _digest(text))
    spans = _cached(key)
    if spans is None:
        spans = _run_model([text], model)[0]
        _store(key, spans)
    for start, end in spans:
        yield Finding(start, end, "name")


# --- scanning ---------------------------------------------------------------------


def _kinds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(kind, str) and kind in KINDS for kind in value)
    ):
        raise _checks.policy_error(
            instance, attribute.name, f"must be a non-empty list of {', '.join(KINDS)}"
        )


def _regions(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    problem = "must be a non-empty list of region codes known to libphonenumber, such as 'FR'"
    if not isinstance(value, tuple) or not value:
        raise _checks.policy_error(instance, attribute.name, problem)
    for region in value:
        try:
            if not isinstance(region, str) or check_region(region) != region:
                raise _checks.policy_error(instance, attribute.name, problem)
        except ValueError:
            raise _checks.policy_error(instance, attribute.name, problem) from None


def _tuple(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    return value


def _mapping(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else value


def _placeholders(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dict) or not all(
        kind in KINDS and isinstance(text, str) and _checks.is_text(text)
        for kind, text in value.items()
    ):
        raise _checks.policy_error(
            instance, attribute.name, "must map kinds (email, phone...) to placeholder texts"
        )


def _model(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value) is None:
        raise _checks.policy_error(instance, attribute.name, "must be a spaCy model's name")
    try:
        _spacy_model(value)
    except ValueError:
        raise _checks.policy_error(
            instance, attribute.name, "must be a spaCy model with a named-entity recogniser"
        ) from None


def _bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise _checks.policy_error(instance, attribute.name, "must be true or false")


# Safe under threads: lru_cache guards its table; a _Phones holds only what it read
# from phonenumbers' metadata, never changed, and makes a new matcher per text.
@functools.lru_cache(maxsize=64)
def _phones(regions: tuple[str, ...]) -> _Phones:
    return _Phones(regions)


def _find(
    text: str,
    kinds: Sequence[str],
    regions: tuple[str, ...],
    terms: tuple[str, ...] = (),
    *,
    model: str | None = None,
    rules: bool = False,
) -> list[Finding]:
    found: list[Finding] = []
    if "email" in kinds and "@" in text:
        found += _emails(text)
    if any(char.isdigit() for char in text):
        if "iban" in kinds:
            found += _ibans(text)
        if "card" in kinds:
            found += _cards(text)
        if "nir" in kinds:
            found += _nirs(text)
        if "phone" in kinds:
            found += _phones(regions).find(text)
    if "name" in kinds and terms:
        found += _names(text, terms)
    settled = _settle(found)
    if "name" in kinds and (model is not None or rules):
        # Names found anywhere come last: one that overlaps another finding (a model may
        # read "Mail jean@example.fr" as a person) is dropped, the other finding kept.
        anywhere: list[Finding] = []
        if rules:
            anywhere += (Finding(a, b, "name") for a, b in find_names(text, fold(text)))
        if model is not None:
            anywhere += _model_names(text, model)
        extra = [
            name
            for name in anywhere
            if all(name.end <= f.start or f.end <= name.start for f in settled)
        ]
        if extra:
            settled = _settle(settled + extra)
    return settled


def scan(
    text: str,
    *,
    kinds: Sequence[str] = KINDS,
    regions: Sequence[str] = ("FR",),
    names: object = (),
    names_rules: bool = False,
) -> list[Finding]:
    """
    Find the personal data in a text: kinds and spans, never values.

    Example:
        >>> text = "Écrivez à jean.dupont@example.fr ou au 06 12 34 56 78."
        >>> [(f.kind, text[f.start:f.end]) for f in scan(text)]
        [('email', 'jean.dupont@example.fr'), ('phone', '06 12 34 56 78')]

    Args:
        text: The text.
        kinds: What to look for (`KINDS` by default).
        regions: The regions phone numbers written nationally are read in.
        names: Names to look for (kind ``name``): one full name, or a sequence
            of given and family names.
        names_rules: Also find people's names anywhere by titles, introductions,
            sign-offs and word lists (as ``ScrubText(names_rules=True)``).

    Returns:
        The findings, sorted by position, none overlapping (see `ScrubText`).

    Raises:
        TypeError: If ``text`` is not a string.
        ValueError: If a region is unknown.
    """
    if not isinstance(cast(object, text), str):
        msg = "text must be a string"
        raise TypeError(msg)
    checked = tuple(check_region(region) for region in regions)
    return _find(text, tuple(kinds), checked, name_terms(names), rules=names_rules)


# --- the transforms ---------------------------------------------------------------


def _canonical(kind: str, found: str, regions: Sequence[str]) -> str:
    """The form of a finding a nested transform gets: one spelling of one value."""
    if kind == "email":
        return canonical_email(found) or found.lower()
    if kind == "phone":
        for region in regions:
            result = phone_result(found, region)
            if result is not None:
                return result.e164
    if kind in {"iban", "card", "nir"}:
        return _SEPARATORS.sub("", found).upper()
    if kind == "name":
        return " ".join(found.split())
    return found


def _fields() -> dict[str, Any]:
    """The parameters both scrubbers take, as attrs fields (each class declares them)."""
    return {
        "kinds": attrs.field(default=KINDS, converter=_tuple, validator=_kinds),
        "regions": attrs.field(default=("FR",), converter=_tuple, validator=_regions),
        "placeholders": attrs.field(
            factory=dict, converter=_mapping, validator=_placeholders, hash=False
        ),
        "replace": attrs.field(factory=dict, converter=_mapping, hash=False),
        "names_model": attrs.field(default=None, validator=_model),
        "names_rules": attrs.field(default=False, validator=_bool),
    }


class _Scrub(BaseTransform):
    """What both scrubbers share: the detectors, the replacements, the loop."""

    __slots__ = ()

    output_type: ClassVar[type] = str
    keyed_replacements: ClassVar[bool] = False

    kinds: tuple[str, ...]
    regions: tuple[str, ...]
    placeholders: dict[str, str]
    replace: dict[str, Any]
    names_model: str | None
    names_rules: bool

    def _check_replace(self) -> None:
        if not isinstance(self.replace, dict):
            raise _checks.policy_error(self, "replace", "must map kinds to transforms")
        for kind, transform in self.replace.items():
            guarantees = getattr(transform, "guarantees", None)
            if kind not in KINDS or not callable(getattr(transform, "apply_many", None)):
                raise _checks.policy_error(
                    self, "replace", "must map kinds (email, phone...) to value transforms"
                )
            if guarantees is None or not guarantees.deterministic:
                raise _checks.policy_error(self, "replace", f"{kind} must be deterministic")
            if guarantees.keyed and not self.keyed_replacements:
                raise _checks.policy_error(
                    self, "replace", f"{kind} is keyed: use keyed_scrub_text (KeyedScrubText)"
                )

    def _replacement(self, kind: str) -> Any:
        return self.replace.get(kind)

    def scan(self, text: str, *, names: object = ()) -> list[Finding]:
        """
        Find what this transform replaces in a text: kinds and spans, never values.

        Args:
            text: The text.
            names: Names of the people concerned to look for too (kind ``name``).

        Returns:
            The findings, sorted by position, none overlapping.
        """
        return _find(
            text,
            self.kinds,
            self.regions,
            name_terms(names),
            model=self.names_model,
            rules=self.names_rules,
        )

    def _one(self, value: object) -> object:
        return self._scrub(value, ())

    def _many(self, values: list[object]) -> list[object]:
        if self.names_model is None or "name" not in self.kinds:
            return [self._scrub(value, ()) for value in values]
        out: list[object] = []
        for at in range(0, len(values), _BATCH):
            chunk = values[at : at + _BATCH]
            _prefetch(chunk, self.names_model)
            out += [self._scrub(value, ()) for value in chunk]
        return out

    def _scrub(self, value: object, terms: tuple[str, ...]) -> str:
        if not isinstance(value, str):
            raise self._error(
                code="wrong_type", message=f"expected str, got {type(value).__name__}"
            )
        if not value.isascii():
            _checks.check_text(self.name, value)
        findings = _find(
            value, self.kinds, self.regions, terms, model=self.names_model, rules=self.names_rules
        )
        if not findings:
            return value
        parts: list[str] = []
        at = 0
        for finding in findings:
            parts.append(value[at : finding.start])
            parts.append(self._replace(finding.kind, value[finding.start : finding.end]))
            at = finding.end
        parts.append(value[at:])
        return "".join(parts)

    def _replace(self, kind: str, found: str) -> str:
        transform = self._replacement(kind)
        placeholder = self.placeholders.get(kind, PLACEHOLDERS[kind])
        if transform is None:
            return placeholder
        try:
            out = transform(_canonical(kind, found, self.regions))
        except TransformError:
            return placeholder  # never leave a finding in place
        return out if isinstance(out, str) else placeholder

    def with_names(
        self, names: Mapping[str, object], *, field: str, subject: str = "contact_id"
    ) -> NamedScrub:
        """
        This scrubber as a row transform that also removes the names of each row's subject.

        `custdata.Policy.bind` calls it for ``names=``.

        Example:
            >>> named = ScrubText().with_names({"C1": ("Élodie", "Martin")}, field="comment")
            >>> named.apply_row({"comment": "Signé : elodie MARTIN", "contact_id": "C1"})
            'Signé : <NAME>'

        Args:
            names: Subject id -> that person's names: a full name, or a sequence
                of given and family names.
            field: The field it scrubs.
            subject: The field of a row that holds the subject id.

        Returns:
            A `NamedScrub`.

        Raises:
            TypeError: If ``names`` is not a mapping.
        """
        if not isinstance(cast(object, names), Mapping):
            msg = "names must map subject ids to names"
            raise TypeError(msg)
        return NamedScrub(scrub=self, names=names, field=field, subject=subject)


@attrs.frozen(kw_only=True)
class ScrubText(_Scrub):
    """
    Remove emails, phone numbers, IBANs, card numbers and NIRs from free text.

    Each finding is replaced by its kind's placeholder (``<EMAIL>``, ``<PHONE>``,
    ``<IBAN>``, ``<CARD>``, ``<NIR>``, ``<NAME>``), or by the output of an
    unkeyed transform given for its kind in ``replace`` (a mask).

    Example:
        >>> from custdata.transforms import MaskEmail
        >>> scrub = ScrubText(replace={"email": MaskEmail()})
        >>> scrub("Rappelez-moi au 06 12 34 56 78 ou écrivez à jean.dupont@example.fr")
        'Rappelez-moi au <PHONE> ou écrivez à j***@example.fr'

    **Guarantees**: not reversible; deterministic; not keyed; the output is
    still personal data: scrubbing removes what it recognises and nothing else.

    **Does not protect against**: what it does not recognise (docs/transforms.md
    gives the measured recall per kind): postal addresses, dates of birth,
    health or other special-category data, names of other people unless
    ``names_rules`` or ``names_model`` is given (and then only those they
    recognise), numbers spelt out in words or split oddly, and the context
    around a finding.

    **Algorithm**: docs/transforms.md, section ScrubText: the detectors, and
    the overlap rule (the longer finding wins; at equal length, the
    checksum-verified one).

    Args:
        kinds: What to remove: ``email``, ``phone``, ``iban``, ``card``,
            ``nir``, ``name`` (all by default).
        regions: The regions phone numbers written nationally are read in
            (``["FR"]`` by default).
        placeholders: Kind -> the text that replaces its findings.
        replace: Kind -> an unkeyed, deterministic transform applied to each
            finding's canonical form (an email lower-cased, a phone in E.164
            form, an IBAN, card or NIR without spaces, in upper case); if it
            refuses one, the placeholder replaces it.
        names_model: A spaCy model that finds people's names anywhere (extra
            ``nlp``), such as ``"fr_core_news_sm"``; only its named-entity
            recogniser runs, and `apply_many` runs it over batches of texts.
        names_rules: Also find people's names anywhere without a model: after a
            title (``M.``, ``Mme``, ``Mr``, ``Dr``...), an introduction (``je
            m'appelle``, ``my name is``, ``signé``) or a sign-off
            (``Cordialement,``, ``Kind regards,``...), and capitalised given and
            family names of the surrogate word lists (``False`` by default).

    Raises:
        custdata.PolicyError: If a parameter is invalid.
        custdata.MissingDependencyError: If ``names_model`` is given without the ``nlp`` extra.
    """

    name: ClassVar[str] = "scrub_text"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=False,
        deterministic=True,
        keyed=False,
        format_preserving=False,
        output_is_personal_data=True,
    )

    kinds: tuple[str, ...] = _fields()["kinds"]
    regions: tuple[str, ...] = _fields()["regions"]
    placeholders: dict[str, str] = _fields()["placeholders"]
    replace: dict[str, Any] = _fields()["replace"]
    names_model: str | None = _fields()["names_model"]
    names_rules: bool = _fields()["names_rules"]

    def __attrs_post_init__(self) -> None:
        self._check_replace()


@attrs.frozen(kw_only=True)
class KeyedScrubText(Keyed[None], _Scrub):
    """
    Replace emails, phone numbers, IBANs, card numbers, NIRs and names in free text by pseudonyms.

    Each finding is replaced by the output of the keyed transform given for its
    kind in ``replace`` (a `custdata.transforms.Surrogate`, a
    `custdata.transforms.Pseudonymise`), or by default by a pseudonym:
    ``Pseudonymise(keys=keys, domain=domain + "." + kind)`` of its canonical form.
    The same email in two comments gives the same pseudonym: comments stay linkable.

    Example:
        >>> from custdata import KeyRing
        >>> ring = KeyRing.generate(key_id="k1")
        >>> scrub = KeyedScrubText(keys=ring, domain="comments")
        >>> out = scrub("Mon IBAN : FR76 3000 6000 0112 3456 7890 189")
        >>> out.startswith("Mon IBAN : pse_k1_")
        True
        >>> out == scrub("Mon IBAN : FR7630006000011234567890189")
        True

    **Guarantees**: not reversible; deterministic for the same key ring and
    parameters; keyed; the output is still personal data.

    **Does not protect against**: what it does not recognise (as `ScrubText`);
    linkage of equal findings across comments and tables (the point); anyone
    who holds the key and can guess candidate values.

    **Algorithm**: the findings of `ScrubText`; each one's canonical form goes
    through its kind's transform.

    Args:
        keys: The key ring of the default pseudonyms (and nothing else: nested
            transforms hold their own).
        domain: The domain prefix of the default pseudonyms.
        kinds: As `ScrubText`.
        regions: As `ScrubText`.
        placeholders: Kind -> the text that replaces a finding its transform refuses.
        replace: Kind -> a deterministic transform (keyed or not).
        names_model: As `ScrubText`.
        names_rules: As `ScrubText`.

    Raises:
        custdata.PolicyError: If a parameter is invalid.
    """

    name: ClassVar[str] = "keyed_scrub_text"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=False,
        deterministic=True,
        keyed=True,
        format_preserving=False,
        output_is_personal_data=True,
    )
    keyed_replacements: ClassVar[bool] = True
    key_bytes: ClassVar[int] = 32

    kinds: tuple[str, ...] = _fields()["kinds"]
    regions: tuple[str, ...] = _fields()["regions"]
    placeholders: dict[str, str] = _fields()["placeholders"]
    replace: dict[str, Any] = _fields()["replace"]
    names_model: str | None = _fields()["names_model"]
    names_rules: bool = _fields()["names_rules"]
    _defaults: dict[str, Any] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        self._check_replace()
        from custdata.transforms.pseudonymise import Pseudonymise

        defaults = {
            kind: Pseudonymise(keys=self.keys, domain=f"{self.domain}.{kind}")
            for kind in KINDS
            if kind not in self.replace
        }
        object.__setattr__(self, "_defaults", defaults)

    def _replacement(self, kind: str) -> Any:
        return self.replace.get(kind) or self._defaults.get(kind)


@attrs.frozen(kw_only=True)
class NamedScrub:
    """
    A scrubber as a row transform: it also removes the names of the row's subject.

    Built by `ScrubText.with_names` (and by `custdata.Policy.bind` given
    ``names=``); not registered, since policies name the scrubber itself.
    A row whose subject has no names is scrubbed of the rest only.

    Attributes:
        scrub: The `ScrubText` or `KeyedScrubText`.
        names: Subject id -> names.
        field: The field it scrubs.
        subject: The field holding the subject id.
    """

    reads: ClassVar[str] = "input"

    scrub: _Scrub
    names: Mapping[str, object] = attrs.field(repr=False, eq=False)
    field: str
    subject: str = "contact_id"

    @property
    def name(self) -> str:
        """The scrubber's registry name."""
        return self.scrub.name

    @property
    def guarantees(self) -> Guarantees:
        """The scrubber's guarantees."""
        return self.scrub.guarantees

    @property
    def requires(self) -> tuple[str, ...]:
        """The subject field."""
        return (self.subject,)

    def _terms(self, subject: object) -> tuple[str, ...]:
        if not isinstance(subject, str):
            return ()
        return name_terms(self.names.get(subject, ()))

    def apply_row(self, row: Mapping[str, object]) -> object:
        """
        Scrub the row's ``field``, the subject's names included.

        Raises:
            custdata.TransformError: If the value cannot be scrubbed.
        """
        value = row.get(self.field)
        if value is None:
            return None
        terms = self._terms(row.get(self.subject))
        try:
            return self.scrub._scrub(value, terms)
        except TransformError:
            raise
        except Exception as exc:  # noqa: BLE001  # wrapped: the message must not hold the value
            raise self.scrub._wrap(exc) from None

    def apply_rows(self, rows: Sequence[Mapping[str, object]]) -> list[object]:
        """`apply_row` over many rows (a model, if any, runs over them in batches)."""
        model = self.scrub.names_model
        if model is None or "name" not in self.scrub.kinds:
            return [self.apply_row(row) for row in rows]
        out: list[object] = []
        for at in range(0, len(rows), _BATCH):
            chunk = rows[at : at + _BATCH]
            _prefetch([row.get(self.field) for row in chunk], model)
            out += [self.apply_row(row) for row in chunk]
        return out

    def scan(self, text: str, subject: str) -> list[Finding]:
        """The findings in ``text`` of a row whose subject is ``subject``."""
        return self.scrub.scan(text, names=self.names.get(subject, ()))
