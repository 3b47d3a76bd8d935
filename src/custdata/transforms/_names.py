"""
People's names anywhere in a text, without a model: cues and word lists.

`find` is the name finder of ``ScrubText(names_rules=True)``. It reads the text
as words (letters, with inner hyphens and apostrophes) and the gaps between
them, and finds a name in four ways (docs/transforms.md, section Names of anyone):

- after a title (``M.``, ``Mme``, ``Mr``, ``Mrs``, ``Dr``, ``Monsieur``...), one
  to three capitalised words;
- after an introduction (``je m'appelle``, ``my name is``, ``signé``,
  ``signed``), one to three capitalised words;
- after a sign-off and a comma, colon, dash or line break (``Cordialement,``,
  ``Kind regards,``, ``Thanks,``...), one to three capitalised words that end the
  text, a line or a sentence;
- a capitalised given name of the word lists followed by one or two capitalised
  words (``Sophie Bernard``), a capitalised family name of the lists followed by
  a given name (``Moreau Jean-Pierre``), or, inside a sentence, a capitalised
  given name of the locales' own lists alone (``C'est Hugo``).

The word lists are the surrogate lists custdata ships
(``_surrogate_data``: given and family names of its locales, and the given names
of the shared gender lexicon); a word of the stop list below (articles,
pronouns, greetings, months...) is never a name. Everything here is folded for
case and accents (`fold`), so offsets stay the text's.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

__all__ = ["STOP", "find", "fold", "known_name", "sentence_start"]


def fold(text: str) -> str:
    """
    ``text`` with each character case-folded and stripped of accents, one for one.

    The result has the length of ``text``, so offsets in one are offsets in the
    other: ``"Élodie"`` folds to ``"elodie"``.
    """
    return "".join(_fold_char(char) for char in text)


# Safe under threads: functools.lru_cache guards its own table, and a character's
# folded form is an immutable str that racing calls compute alike.
@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower()[0]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that are never (the start of) a name here, whatever the lists say (the gender
# lexicon holds names such as "May", "Paris" or "Ma" that are also common words), nor
# what makes a model's person one.
STOP: Final = _word_set(
    """
    a à afin ai aie ainsi alors an and any are as at au aucun aujourd aussi autre aux avec
    avez avoir avons ayant be been bien bon bonne but by c ca car ce ceci cela celle celui
    ces cet cette chaque chez ci comme comment could d dans de des did do does donc dont du
    elle elles en encore entre est et etre eu fait for from had has have he her here hers
    him his hier how i if il ils in into is it its j je jamais je la le les leur leurs lui
    m ma mais me meme mes moi mon my n ne ni no non nor nos not notre nous now of on or
    ou our out par parce pas peu peut plus pour pourquoi qu quand que quel quelle qui s sa
    sans se ses she si so soit son sont sous sur t ta te tes that the their them then
    there these they this those to toi ton tous tout toute tres tu un une up us very vos
    votre vous was we were what when where which while who why will with would y you
    your yours
    bonjour bonsoir salut hello hi hey dear madame monsieur mademoiselle messieurs mesdames
    merci thanks thank cordialement regards sincerely cheers best kind amicalement bises
    team equipe service client clients customer support sav svp please ok oui yes
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    january february march april may june july august september october november december
    lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday
    friday saturday sunday noel christmas paques easter
    france paris europe french francais anglais english
    """
)

# Titles before a name: "M." needs its dot, the others may have one.
_TITLES: Final = _word_set(
    """
    mme mmes mlle mlles mr mrs ms miss mister dr docteur doctor pr professeur maitre me
    monsieur madame mademoiselle sir lady lord
    """
)
_DOTTED_TITLES: Final = frozenset({"m", "mm"})

# Introductions: the name follows, after at most a colon or comma.
_INTRODUCTIONS: Final = (
    ("je", "m'appelle"),
    ("je", "m\u2019appelle"),
    ("my", "name", "is"),
    ("name", "is"),
    ("signe",),
    ("signed",),
)

# Sign-offs: the name follows a comma, colon, dash or line break, and ends the text, a
# line or a sentence.
_SIGN_OFFS: Final = (
    ("cordialement",),
    ("bien", "cordialement"),
    ("salutations",),
    ("sinceres", "salutations"),
    ("bien", "a", "vous"),
    ("amicalement",),
    ("merci",),
    ("merci", "beaucoup"),
    ("merci", "d'avance"),
    ("merci", "d\u2019avance"),
    ("bonne", "journee"),
    ("regards",),
    ("kind", "regards"),
    ("best", "regards"),
    ("warm", "regards"),
    ("best", "wishes"),
    ("best",),
    ("thanks",),
    ("many", "thanks"),
    ("thank", "you"),
    ("cheers",),
    ("sincerely",),
    ("yours", "sincerely"),
    ("yours", "faithfully"),
)

# Particles inside a name ("Le Goff", "de La Tour", "van Dijk"): kept only between words.
_PARTICLES: Final = frozenset(
    {"de", "del", "della", "der", "des", "di", "du", "la", "le", "les", "van", "von", "da", "dos"}
)

_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_MAX_WORDS: Final = 3


class _Word:
    """A word of the text: its span, its folded form, whether it is capitalised."""

    __slots__ = ("capital", "end", "folded", "start")

    def __init__(self, start: int, end: int, folded: str, capital: bool) -> None:
        self.start = start
        self.end = end
        self.folded = folded
        self.capital = capital


class _Lists:
    """The folded given and family names of the surrogate word lists, less the stop words."""

    def __init__(self) -> None:
        from custdata.transforms.surrogate import LOCALES, _read, lists

        given: set[str] = set()
        family: set[str] = set()
        for locale in LOCALES:
            data = lists(locale)
            given.update(fold(name) for name in data.mixed)
            family.update(fold(name) for name in data.family)
        shared = {fold(name) for name in _read("genders.json")["genders"]}
        self.given_own: frozenset[str] = frozenset(given - STOP)
        """Given names of the locales' own lists: found alone inside a sentence."""
        self.given: frozenset[str] = frozenset((given | shared) - STOP)
        """Given names of every list: found before a capitalised word."""
        self.family: frozenset[str] = (
            frozenset(word for name in family for word in name.split() if word not in _PARTICLES)
            - STOP
        )


# The word lists, built on first use. Safe under threads: built and appended under the
# lock, once; readers without the lock see an empty list (and take the lock) or the
# finished lists, never changed.
_lists: list[_Lists] = []
_lists_lock = threading.Lock()


def _word_lists() -> _Lists:
    """The lists, read once per process (safe under threads: built under the lock)."""
    if not _lists:
        with _lists_lock:
            if not _lists:
                _lists.append(_Lists())
    return _lists[0]


def _words(text: str, folded: str) -> list[_Word]:
    return [
        _Word(m.start(), m.end(), folded[m.start() : m.end()], m.group()[0].isupper())
        for m in _WORD.finditer(text)
    ]


def _is_given(word: _Word, names: frozenset[str]) -> bool:
    """A capitalised given name: the word, or each part of a hyphenated one, in ``names``."""
    if not word.capital or word.folded in STOP:
        return False
    if word.folded in names:
        return True
    parts = word.folded.split("-")
    return len(parts) > 1 and all(part in names for part in parts)


_ELIDED: Final = re.compile(r"(?:c|d|j|l|m|n|s|t|qu)['\u2019]")


def _part(word: _Word) -> bool:
    """A word that can be part of a name: capitalised, not a stop word, title or elision."""
    return (
        word.capital
        and word.folded not in STOP
        and word.folded not in _TITLES
        and _ELIDED.match(word.folded) is None
    )


def _gap(text: str, left: _Word, right: _Word) -> str:
    return text[left.end : right.start]


def _name_from(text: str, words: Sequence[_Word], at: int) -> int:
    """
    How many words from ``at`` form a name: one to three capitalised words separated by
    one space, with particles between them (``Le Goff``, ``de La Tour``); 0 if the word
    at ``at`` cannot start one.
    """
    first = at
    if words[at].capital:  # "Van der Berg", "Le Goff": a capitalised particle may open a name
        while first < len(words) and words[first].folded in _PARTICLES:
            first += 1
    if first >= len(words) or not _part(words[first]) or words[first].folded in _PARTICLES:
        return 0
    if any(_gap(text, words[k - 1], words[k]) != " " for k in range(at + 1, first + 1)):
        return 0
    last = first
    taken = 1
    i = first + 1
    while i < len(words) and taken < _MAX_WORDS:
        j = i
        while j < len(words) and words[j].folded in _PARTICLES:
            j += 1  # particles join two name words, capitalised or not
        if j >= len(words) or not _part(words[j]):
            break
        if any(_gap(text, words[k - 1], words[k]) != " " for k in range(i, j + 1)):
            break
        last = j
        taken += 1
        i = j + 1
    return last - at + 1


def _ends(text: str, at: int) -> bool:
    """Whether a name ending at ``at`` ends the text, a line, a clause, or precedes a greeting."""
    rest = text[at : at + 64].lstrip(" \t")
    if not rest or rest[0] in "\n\r.!?;,)]\u2026":
        return True
    word = _WORD.match(rest)
    return word is not None and word.group()[0].isupper() and fold(word.group()) in STOP


def _index(phrases: Sequence[tuple[str, ...]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases by their first word, longest first."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        index.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(group) for first, group in index.items()}


_INTRODUCTIONS_BY_FIRST: Final = _index(_INTRODUCTIONS)
_SIGN_OFFS_BY_FIRST: Final = _index(_SIGN_OFFS)


def _phrase(
    words: Sequence[_Word], at: int, index: Mapping[str, tuple[tuple[str, ...], ...]]
) -> int:
    """The length in words of the longest phrase of ``index`` starting at ``at``, or 0."""
    for phrase in index.get(words[at].folded, ()):
        size = len(phrase)
        if at + size <= len(words) and all(
            words[at + k].folded == phrase[k] for k in range(1, size)
        ):
            return size
    return 0


_SIGN_OFF_GAP: Final = re.compile(r"\s*[,:\-\u2013\u2014]\s*|\s*\n\s*")
_INTRO_GAP: Final = re.compile(r"\s*[,:]?\s+")


def sentence_start(text: str, at: int, *, clause: bool = False) -> bool:
    """
    Whether the word at ``at`` opens the text, a line or a sentence (or, with ``clause``,
    follows a comma: "Bonjour, Livraison rapide").
    """
    before = text[max(0, at - 16) : at].rstrip()
    ends = '.!?:\n\u2026\u00bb",' if clause else '.!?:\n\u2026\u00bb"'
    return (at < 16 and not before) or (bool(before) and before[-1] in ends)


def known_name(folded: str) -> bool:
    """Whether a folded word is a given or family name of the word lists (not a stop word)."""
    lists = _word_lists()
    return folded in lists.given or folded in lists.family


def _after_title(text: str, words: Sequence[_Word], i: int, lists: _Lists) -> int:
    """A title, then a name ("M. Dupont", "Mme Le Goff"): the name's first word's index."""
    word = words[i]
    if i + 1 >= len(words):
        return 0
    gap = _gap(text, word, words[i + 1])
    if word.folded in _DOTTED_TITLES and word.capital:
        return i + 1 if gap in {". ", "."} else 0
    if word.folded in _TITLES and (word.capital or len(word.folded) > 4):
        return i + 1 if gap in {" ", ". "} else 0
    return 0


def _after_introduction(text: str, words: Sequence[_Word], i: int, lists: _Lists) -> int:
    """An introduction, then a name ("je m'appelle Paul", "Signé : Moreau Jean")."""
    size = _phrase(words, i, _INTRODUCTIONS_BY_FIRST)
    nxt = i + size
    if size and nxt < len(words) and _INTRO_GAP.fullmatch(_gap(text, words[nxt - 1], words[nxt])):
        return nxt
    return 0


def _after_sign_off(text: str, words: Sequence[_Word], i: int, lists: _Lists) -> int:
    """A sign-off, then a comma, colon, dash or line break, then a name."""
    size = _phrase(words, i, _SIGN_OFFS_BY_FIRST)
    nxt = i + size
    if (
        size
        and nxt < len(words)
        and _SIGN_OFF_GAP.fullmatch(_gap(text, words[nxt - 1], words[nxt]))
    ):
        return nxt
    return 0


def _listed(text: str, words: Sequence[_Word], i: int, lists: _Lists) -> int:
    """
    How many words from ``i`` form a name by the word lists: a given name and capitalised
    words, a family name and a given name, or a given name alone inside a sentence.
    """
    word = words[i]
    if _is_given(word, lists.given):
        taken = _name_from(text, words, i)
        if taken > 1:
            return taken
        if (
            _is_given(word, lists.given_own)
            and not sentence_start(text, word.start)
            and not (i and _part(words[i - 1]) and _gap(text, words[i - 1], word) == " ")
        ):
            return 1
    if (
        _part(word)
        and word.folded in lists.family
        and i + 1 < len(words)
        and _gap(text, word, words[i + 1]) == " "
        and _is_given(words[i + 1], lists.given)
    ):
        return 2
    return 0


def find(text: str, folded: str) -> Iterator[tuple[int, int]]:
    """
    The spans of the names the rules find in ``text`` (``folded`` is its folded form).

    Spans may overlap; the caller settles them.
    """
    lists = _word_lists()
    words = _words(text, folded)
    i = 0
    while i < len(words):
        # A cue (a title, an introduction, a sign-off), then a name.
        for cue in (_after_title, _after_introduction, _after_sign_off):
            at = cue(text, words, i, lists)
            taken = _name_from(text, words, at) if at else 0
            if taken and (cue is not _after_sign_off or _ends(text, words[at + taken - 1].end)):
                yield words[at].start, words[at + taken - 1].end
                i = at + taken
                break
        else:
            taken = _listed(text, words, i, lists)
            if taken:
                yield words[i].start, words[i + taken - 1].end
            i += max(taken, 1)
