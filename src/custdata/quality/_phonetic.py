"""A phonetic key for French names: names that sound alike in French share a key."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

__all__ = ["fold", "french_phonetic"]

# Rewrites applied in order to an upper-case ASCII name. Each pattern is a regular
# expression; the order matters (longer spellings first). Inspired by Frédéric
# Brouard's SOUNDEX2 and by "phonex": French spelling, not English, decides.
_RULES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[^A-Z]", ""),
        (r"^MAC", "MC"),
        (r"SCH", "CH"),
        (r"PH", "F"),
        (r"TH", "T"),
        (r"GU([EI])", r"K\1"),
        (r"G([EIY])", r"J\1"),
        (r"GN", "NI"),
        (r"G", "K"),
        (r"C([EIY])", r"S\1"),
        (r"CH", "#"),  # "ch" as in "Charles": its own sound, before C becomes K
        (r"CK|CQ|QU|Q|C", "K"),
        (r"#", "CH"),
        (r"W", "V"),
        (r"Z", "S"),
        (r"Y", "I"),
        (r"BV", "V"),
        (r"EAUX?$|EAU|AULT$|AUX?$|AU", "O"),
        (r"OU", "U"),
        (r"(AI|EI|ET$|ER$|EZ$)", "E"),
        (r"([AEIOU])S([AEIOU])", r"\1Z\2"),  # "s" between vowels sounds "z"
        (r"(AN|AM|EN|EM)([^AEIOUNM]|$)", r"@\2"),  # the nasal "an"
        (r"(AIN|EIN|IN|IM|UN|UM)([^AEIOUNM]|$)", r"%\2"),  # the nasal "in"
        (r"(ON|OM)([^AEIOUNM]|$)", r"&\2"),  # the nasal "on"
        (r"H", ""),
        (r"([^AEIOU@%&])\1+", r"\1"),  # doubled consonants sound once
        (r"[STDXP]+$", ""),  # final consonants are silent ("Roberts")
        (r"E$", ""),  # so is a final "e"
    )
)


def fold(text: str) -> str:
    """
    Return a name lower-cased, accents removed, hyphens and apostrophes as spaces.

    Example:
        >>> fold("Élodie-Marie D'Aubigné")
        'elodie marie d aubigne'

    Args:
        text: A name or other short text.

    Returns:
        The folded text, whitespace collapsed.
    """
    return _fold(text)


# Names repeat: a million contacts hold a few thousand given and family names, so
# both functions remember recent answers (bounded; lru_cache is safe under threads).
@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    cleaned = re.sub(r"[^0-9a-zA-Z]+", " ", stripped.replace("ß", "ss").replace("œ", "oe"))
    return " ".join(cleaned.lower().split())


def french_phonetic(name: str) -> str:
    """
    Return a phonetic key of a name as French speakers say it.

    Names spelt differently but said alike share a key: "Lefèvre" and
    "Lefebvre", "Renaud" and
    "Renault", "Philippe" and "Filipe". English Soundex and Metaphone, made for
    English spelling, miss these and join names French speakers tell apart.
    The key is for blocking (finding candidates), not for deciding a match.

    Example:
        >>> french_phonetic("Renaud") == french_phonetic("Renault")
        True
        >>> french_phonetic("Philippe") == french_phonetic("Filipe")
        True
        >>> french_phonetic("Gauthier") == french_phonetic("Gautier")
        True

    Args:
        name: A name, any case, accents or not.

    Returns:
        The key: upper-case letters and the signs ``@`` (the nasal "an"),
        ``%`` (the nasal "in") and ``&`` (the nasal "on"); ``""`` for a name
        without letters.
    """
    return _phonetic(name)


@functools.lru_cache(maxsize=1 << 16)
def _phonetic(name: str) -> str:
    text = _fold(name).upper()
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
