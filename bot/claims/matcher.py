"""Which checked claim does a message repeat? Lexical matching with two thresholds.

Meedan Check and similar tiplines found that when claims and debunks share a language, lexical
retrieval is as good as embeddings; it needs no model download and fits two cores. Here:

1. Normalise (:mod:`bot.claims.text`: slang lexicon, numbers, dates).
2. TF-IDF over character 3–5-grams inside words (robust to affixes, typos and run-together words)
   plus whole words, with IDF counted over claims, so words every claim shares weigh little.
3. Text score: cosine with the claim's centroid (all its texts) and with its closest single text.
   Long forwards are also scored passage by passage (sentences joined to at least eight words,
   alone and in pairs), so a claim buried in a long chain
   message is not diluted by the rest.
4. Anchor score: the numbers, dates and names chain variants keep ("88,6%", "14 Februari",
   "Melbourne"), weighted by how rare they are among claims.
5. Decision: ``auto`` (verdict at once) only when the confidence (the score plus its lead over
   the runner-up, so near-ties between two similar claims are not answered) reaches the high
   threshold, the score itself reaches the score floor, and the text has at least
   :data:`MIN_WORDS_AUTO` words; ``suggest`` (up to three "did you mean" buttons) at or above the
   low threshold; otherwise ``none`` (no verdict ever).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

from bot.claims.model import Claim, ClaimSet
from bot.claims.text import dates, is_number, tokens, word_count

# Chosen on the `bagian: tune` half of tests/eval/klaim_heldout.yml by bench/eval_claims.py.
HIGH_THRESHOLD = 0.62
LOW_THRESHOLD = 0.35
MIN_AUTO_SCORE = 0.5  # and the score itself must reach this: a lone weak match is not a verdict
GAP_WEIGHT = 1.0  # confidence = score + GAP_WEIGHT × (score − runner-up's score)
MIN_WORDS_AUTO = 8
MAX_SUGGESTIONS = 3

CHAR_NGRAMS = (3, 4, 5)
LONG_TEXT_WORDS = 24  # longer texts are also scored passage by passage
PASSAGE_WORDS = 8  # sentences are joined until a passage has this many words
CANDIDATES = 6
PASSAGE_CANDIDATES = 3
MAX_QUERY_TERMS = 150
COMMON_SHARE = 0.05  # terms in more claims than this share do not pick the shortlist...
COMMON_MIN = 40  # ...unless there are few claims
CENTROID_WEIGHT = 0.7
ANCHOR_WEIGHT = 0.25
ANCHOR_SATURATION = 4.0  # shared anchor weight at which the anchor score reaches one half
OOV_FACTOR = 1.0  # weight of n-grams no claim has, relative to the rarest known ones
# Function words every chain message has: left out so that content decides.
_STOPWORD_TEXT = (
    "yang di ke dari dan ini itu ada untuk dengan pada akan juga atau karena jadi tapi saya kamu kita "
    "kami mereka dia sudah belum lagi saja sekali bisa mau tidak bukan apa siapa kapan bagaimana "
    "kenapa semua para oleh se the a of to in is adalah bahwa dalam agar supaya biar pun sama"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split(" "))
USE_STOPWORDS = True
_TITLE_WORD = re.compile(r"\b[A-Z][a-z]{3,}\b")
_ACRONYM = re.compile(r"\b[A-Z]{2,5}\b")
_NAME_MAX_SHARE = 0.1  # a "name" in more than 10 % of claims is an ordinary word here

Decision = Literal["auto", "suggest", "none"]
Vector = dict[str, float]


@dataclass(frozen=True)
class Thresholds:
    """The two thresholds and the rules around them."""

    high: float = HIGH_THRESHOLD
    low: float = LOW_THRESHOLD
    gap_weight: float = GAP_WEIGHT
    min_score: float = MIN_AUTO_SCORE
    min_words: int = MIN_WORDS_AUTO


@dataclass(frozen=True)
class Candidate:
    """One claim and how well the message matches it."""

    claim_id: str
    score: float
    text_score: float
    anchor_score: float


@dataclass(frozen=True)
class MatchResult:
    """The decision for one message and the claims it was based on (best first)."""

    decision: Decision
    candidates: tuple[Candidate, ...]
    words: int
    suggestions: tuple[str, ...] = field(default=())

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def claim_id(self) -> str | None:
        """The claim answered at once, or None."""
        return self.candidates[0].claim_id if self.decision == "auto" else None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def passages(text: str) -> list[str]:
    """Sentences and lines joined until each has :data:`PASSAGE_WORDS` words (the matcher scores
    each and each pair of neighbours): where a claim sits in a long chain message."""
    merged: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        current = f"{current} {sentence}".strip()
        if word_count(current) >= PASSAGE_WORDS:
            merged.append(current)
            current = ""
    if current:
        merged.append(current)
    return merged


def features(words: list[str]) -> Counter[str]:
    """Character n-grams of each word (padded with spaces) and the words themselves."""
    counts: Counter[str] = Counter()
    for word in words:
        counts["w " + word] += 1
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            for i in range(len(padded) - n + 1):
                counts[padded[i : i + n]] += 1
    return counts


def _normalised(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _added(a: Vector, b: Vector) -> Vector:
    total = dict(a)
    for k, v in b.items():
        total[k] = total.get(k, 0.0) + v
    return total


def _dot(a: Vector, b: Vector) -> float:
    # The key intersection runs in C; only shared terms are multiplied in Python.
    return sum([a[k] * b[k] for k in a.keys() & b.keys()])


@dataclass
class _ClaimIndex:
    claim: Claim
    texts: list[Vector]
    centroid: Vector
    anchors: dict[str, float]
    anchor_total: float


def confidence(candidates: tuple[Candidate, ...] | list[Candidate], th: Thresholds) -> float:
    """How sure the best candidate is: its score plus its lead over the runner-up."""
    if not candidates:
        return 0.0
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    return candidates[0].score + th.gap_weight * (candidates[0].score - runner_up)


class ClaimMatcher:
    """An index over a claim set. Build once per published claim set; matching is read-only."""

    def __init__(self, claims: ClaimSet, thresholds: Thresholds | None = None) -> None:
        self.claims = claims
        self.thresholds = thresholds or Thresholds()
        self.names = self._name_vocabulary(claims)
        texts = {c.id: [self._words(t) for t in c.texts] for c in claims}
        counts = {c.id: [features(words) for words in texts[c.id]] for c in claims}
        df: Counter[str] = Counter()
        anchor_df: Counter[str] = Counter()
        for claim in claims:
            seen: set[str] = set()
            for text_counts in counts[claim.id]:
                seen.update(text_counts)
            df.update(seen)
            anchor_df.update({a for words in texts[claim.id] for a in self.anchors(words)})
        n = len(claims)
        self._idf = {term: math.log((1 + n) / (1 + d)) + 1 for term, d in df.items()}
        self._oov_idf = (math.log(1 + n) + 1) * OOV_FACTOR
        self._anchor_idf = {a: math.log((1 + n) / (1 + d)) for a, d in anchor_df.items()}
        self._index: list[_ClaimIndex] = []
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, claim in enumerate(claims):
            vectors = [self._weighted(c) for c in counts[claim.id]]
            summed: Vector = defaultdict(float)
            for vector in vectors:
                for term, value in vector.items():
                    summed[term] += value
            centroid = _normalised(summed)
            anchor_counts: Counter[str] = Counter()
            for words in texts[claim.id]:
                anchor_counts.update(set(self.anchors(words)))
            # An anchor of the claim: in the statement, or kept by at least two of its texts.
            statement_anchors = set(self.anchors(texts[claim.id][0]))
            anchors = {
                a: self._anchor_idf[a]
                for a, count in anchor_counts.items()
                if count >= 2 or a in statement_anchors
            }
            self._index.append(_ClaimIndex(claim, vectors, centroid, anchors, sum(anchors.values())))
            for term, value in centroid.items():
                postings[term].append((position, value))
        self._postings = dict(postings)
        self._common = max(COMMON_MIN, int(COMMON_SHARE * n))

    @staticmethod
    def _name_vocabulary(claims: ClaimSet) -> frozenset[str]:
        """Capitalised words inside claim texts (places, people, bodies): anchors when a message has them."""
        df: Counter[str] = Counter()
        for claim in claims:
            found: set[str] = set()
            for text in claim.texts:
                words = text.split()
                shouting = sum(w.isupper() for w in words) > len(words) / 3
                spans = [
                    m.group(0)
                    for m in _TITLE_WORD.finditer(text)
                    if text[: m.start()].rstrip()[-1:] not in ("", ".", "!", "?", ":", '"', "(")
                ]
                if not shouting:
                    spans += [m.group(0) for m in _ACRONYM.finditer(text)]
                for span in spans:
                    found.update(w for w in tokens(span) if not is_number(w))
            df.update(found)
        limit = max(2, int(_NAME_MAX_SHARE * len(claims)))
        return frozenset(name for name, count in df.items() if count <= limit)

    def anchors(self, words: list[str]) -> list[str]:
        """Numbers, dates and known names in normalised words."""
        found = [f"n{w}" for w in words if is_number(w) and w not in ("1", "2", "3")]
        found += dates(words)
        found += [f"p{w}" for w in words if w in self.names]
        return found

    @staticmethod
    def _words(text: str) -> list[str]:
        words = tokens(text)
        return [w for w in words if w not in STOPWORDS] if USE_STOPWORDS else words

    def _vector(self, words: list[str]) -> Vector:
        return self._weighted(features(words))

    def _weighted(self, counts: Counter[str]) -> Vector:
        return _normalised(self._raw(counts))

    def _raw(self, counts: Counter[str]) -> Vector:
        return {t: (1 + math.log(c)) * self._idf.get(t, self._oov_idf) for t, c in counts.items()}

    def rank(self, text: str, limit: int = CANDIDATES) -> list[Candidate]:
        """The best-matching claims, best first (at most ``limit``)."""
        words = self._words(text)
        if not words or not self._index:
            return []
        long_text = len(words) > LONG_TEXT_WORDS
        # A claim inside a long forward: its passages are scored too, for the best-placed claims.
        passage_counts = [features(self._words(p)) for p in passages(text)] if long_text else []
        whole_counts: Counter[str] = Counter()
        for counts in passage_counts:
            whole_counts.update(counts)
        whole = self._weighted(whole_counts if long_text else features(words))
        # Shortlist by the query's most telling known terms (a term in many claims tells little).
        postings = self._postings
        # Presence, not frequency: a long forward's repeated filler must not crowd out the claim.
        idf = self._idf
        known = [(t, idf[t]) for t in whole if t in postings and len(postings[t]) <= self._common]
        terms = sorted(known, key=lambda kv: -kv[1])[:MAX_QUERY_TERMS]
        scores: dict[int, float] = defaultdict(float)
        for term, weight in terms:
            for position, value in postings[term]:
                scores[position] += weight * value
        shortlist = sorted(scores, key=lambda p: -scores[p])[:limit]
        singles = [self._raw(counts) for counts in passage_counts]
        norms = [math.sqrt(_dot(v, v)) for v in singles]
        neighbours = [_dot(a, b) for a, b in itertools.pairwise(singles)]
        query_anchors = set(self.anchors(words))
        candidates = []
        for rank, position in enumerate(shortlist):
            entry = self._index[position]
            best_piece, centroid = whole, _dot(whole, entry.centroid)
            if singles and rank < PASSAGE_CANDIDATES:
                raw = [_dot(v, entry.centroid) for v in singles]
                for i, value in enumerate(raw):
                    if norms[i] and value / norms[i] > centroid:
                        best_piece, centroid = singles[i], value / norms[i]
                for i, shared in enumerate(neighbours):
                    norm = math.sqrt(norms[i] ** 2 + norms[i + 1] ** 2 + 2 * shared)
                    if norm and (raw[i] + raw[i + 1]) / norm > centroid:
                        best_piece = _added(singles[i], singles[i + 1])
                        centroid = (raw[i] + raw[i + 1]) / norm
                best_piece = _normalised(best_piece)
            closest = max(_dot(best_piece, t) for t in entry.texts)
            text_score = CENTROID_WEIGHT * centroid + (1 - CENTROID_WEIGHT) * closest
            anchor_score = self._anchor_score(query_anchors, entry)
            score = (1 - ANCHOR_WEIGHT) * text_score + ANCHOR_WEIGHT * anchor_score
            candidates.append(Candidate(entry.claim.id, score, text_score, anchor_score))
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _anchor_score(self, query_anchors: set[str], entry: _ClaimIndex) -> float:
        shared = sum(w for a, w in entry.anchors.items() if a in query_anchors)
        return shared / (shared + ANCHOR_SATURATION)

    def match(self, text: str) -> MatchResult:
        """Rank the claims and decide: answer at once, suggest, or neither."""
        th = self.thresholds
        words = word_count(text)
        candidates = tuple(self.rank(text))
        if not candidates:
            return MatchResult("none", (), words)
        sure = confidence(candidates, th) >= th.high and candidates[0].score >= th.min_score
        if sure and words >= th.min_words:
            return MatchResult("auto", candidates, words)
        suggestions = tuple(c.claim_id for c in candidates if c.score >= th.low)[:MAX_SUGGESTIONS]
        if suggestions:
            return MatchResult("suggest", candidates, words, suggestions)
        return MatchResult("none", candidates, words)
