"""The slang lexicon and the normalisation itself, free of Rasa imports so the bot's tests can use it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

import yaml

DEFAULT_LEXICON = Path(__file__).with_name("kata_gaul.yml")
_TOKEN = re.compile(r"\w[\w'-]*|[^\w\s]", re.UNICODE)


class LexiconError(ValueError):
    """kata_gaul.yml is not a mapping of single lower-case words to replacements."""


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Dict[str, str]:
    """Read ``kata: pengganti`` lines; an empty replacement drops the word (filler such as "sih")."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: harus berisi baris 'kata: pengganti'")
    lexicon = {}
    for key, value in data.items():
        word = str(key)
        if word != word.lower() or not _TOKEN.fullmatch(word):
            raise LexiconError(f"{path}: '{word}' harus satu kata huruf kecil tanpa spasi")
        lexicon[word] = "" if value is None else str(value).lower()
    return lexicon


def normalize(text: str, lexicon: Dict[str, str]) -> str:
    """Lower-case, split into words and punctuation, replace lexicon words, drop filler words."""
    words = (lexicon.get(token, token) for token in _TOKEN.findall(text.lower()))
    return " ".join(word for word in words if word)
