"""Tell English questions from Indonesian ones, so English askers get English answers."""

from __future__ import annotations

import re

# Common English words that are not also everyday Indonesian chat words.
_ENGLISH = frozenset(
    """
    a an the is are was were be been do does did can could should would will shall may might must
    what when where who whom which why how much many i you he she it we they my your our their me us
    him her them this that these those there here of in on at for from with about into to and or not
    no yes if then than please tell explain need want know vote voting voter voters election
    elections elected polling station ballot ballots register registered registration results result
    count counted day date time open close hours hour bring document documents id card abroad
    overseas move moving report hoax hoaxes fake news check candidate candidates party parties
    president vice parliament seats seat who's what's when's where's how's don't can't i'm do i
    """.split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z']+")


def detect_language(text: str) -> str:
    """``"en"`` when most words are common English words, else ``"id"``."""
    words = _WORD.findall(text.lower())
    if len(words) < 2:
        return "id"
    english = sum(1 for w in words if w in _ENGLISH)
    return "en" if english / len(words) >= 0.6 and english >= 2 else "id"
