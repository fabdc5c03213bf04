"""Limited mode while Rasa is down: fuzzy matching over the FAQ's own example questions.

Less accurate than the trained model, so it answers only clear matches and says it is in limited
mode; the bot goes back to Rasa by itself on the next message once Rasa answers again.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.faq.loader import normalise_question
from bot.faq.model import Faq

MIN_SCORE = 75.0


def _score(a: str, b: str, **kwargs: object) -> float:
    """Token-set similarity tempered by word order, so one shared word ("tps") is not a match."""
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float


class FuzzyMatcher:
    """Best FAQ entry for a question by token-set similarity to its examples."""

    def __init__(self, faq: Faq) -> None:
        self.faq = faq
        self._choices: list[str] = []
        self._owners: list[str] = []
        for entry in faq.entries:
            for question in entry.questions:
                self._choices.append(normalise_question(question))
                self._owners.append(entry.id)

    def best(self, text: str) -> Match | None:
        found = process.extractOne(normalise_question(text), self._choices, scorer=_score)
        if found is None:
            return None
        _, score, index = found
        return Match(self._owners[index], float(score)) if score >= MIN_SCORE else None

    def likely(self, text: str, limit: int = 3) -> list[str]:
        """The entries of the closest examples, for suggestion buttons."""
        ids: list[str] = []
        for _, _, index in process.extract(
            normalise_question(text), self._choices, scorer=fuzz.WRatio, limit=limit * 5
        ):
            if self._owners[index] not in ids:
                ids.append(self._owners[index])
        return ids[:limit]
