"""Text normalisation for claim matching: chat spellings, numbers, dates and names made comparable.

Reuses the slang lexicon of the Rasa pipeline (``nlu_data/pemilu_nlu/kata_gaul.yml`` through
``nlu_data/pemilu_nlu/lexicon.py``, which imports no Rasa), so "udh dicoblos" and "sudah coblos"
meet, as they do for the FAQ model.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

LEXICON_MODULE = Path(__file__).resolve().parents[2] / "nlu_data" / "pemilu_nlu" / "lexicon.py"

_URL = re.compile(r"(?:https?://|www\.)([^\s/?#]+)[^\s]*", re.I)
_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
_LEADING_ZERO = re.compile(r"\b0(\d)\b")
_REPEATS = re.compile(r"([^\W\d])\1{2,}")
_WORD = re.compile(r"[^\W_]+(?:_\d+)?|\d+(?:_\d+)?")
_NUMBER = re.compile(r"^\d+(?:_\d+)?$")
MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "desember": 12, "des": 12, "december": 12, "dec": 12,
}  # fmt: skip
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/\d{2,4})?\b")


@cache
def _lexicon_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pemilu_nlu_lexicon", LEXICON_MODULE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the slang lexicon module {LEXICON_MODULE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def slang_lexicon() -> dict[str, str]:
    """The shipped slang lexicon (``kata_gaul.yml``): chat spelling → standard word(s)."""
    lexicon: dict[str, str] = _lexicon_module().load_lexicon()
    return lexicon


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(lambda m: " " + m.group(1).removeprefix("www.").replace(".", " ") + " ", text)
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub("_", text)
    text = _SLASH_DATE.sub(lambda m: f" {int(m.group(1))} {_month_word(int(m.group(2)))} ", text)
    text = _LEADING_ZERO.sub(r"\1", text)
    return _REPEATS.sub(r"\1", text)


def _month_word(month: int) -> str:
    names = [k for k, v in MONTHS.items() if v == month and len(k) > 3]
    return names[0] if names else str(month)


def tokens(text: str, lexicon: dict[str, str] | None = None) -> list[str]:
    """Lower-case words and numbers, chat spellings replaced, filler words and punctuation dropped."""
    lexicon = slang_lexicon() if lexicon is None else lexicon
    out: list[str] = []
    for word in _WORD.findall(_prepare(text)):
        replacement = lexicon.get(word, word)
        if replacement:
            out.extend(replacement.split())
    return out


def word_count(text: str) -> int:
    """Words as a reader counts them (URLs and emoji are not words)."""
    return len(_WORD.findall(_URL.sub(" ", text)))


def is_number(token: str) -> bool:
    return bool(_NUMBER.match(token))


def dates(words: list[str]) -> list[str]:
    """``14 februari`` / ``14 feb`` / ``14/2`` → ``d14-2``: a day of a month, as chain messages keep it."""
    found = []
    for before, word in itertools.pairwise(words):
        month = MONTHS.get(word)
        if month and before.isdigit() and 1 <= int(before) <= 31:
            found.append(f"d{int(before)}-{month}")
    return found


Normaliser = Callable[[str], list[str]]
