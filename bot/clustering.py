"""Group similar short questions: slang-normalised words and character n-grams, TF-IDF, cosine,
average-linkage clustering with a similarity threshold. Pure Python, no model, no download.

Measured on tests/eval/tak_terjawab.yml by ``python -m bench.eval_clusters`` (``make eval``).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).resolve().parents[1] / "nlu_data" / "pemilu_nlu" / "kata_gaul.yml"
"""The slang lexicon the Rasa pipeline uses (``kata: pengganti``); read as data, no Rasa import."""

THRESHOLD = 0.12
"""Two groups merge while the average similarity between their questions is at least this."""

WORD_WEIGHT = 0.7
"""Share of the similarity that comes from whole words; the rest from character n-grams."""

MAX_TEXTS = 1000
"""At most this many distinct questions are clustered (the most frequent); the rest stay alone."""

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS_TEXT = """
    yang di ke dari dan atau itu ini ya sih dong deh kah lah nih tuh pun juga saja aja kok kan
    min admin kak mas mbak pak bu bang gan sis om bro halo hai tolong mohon minta
    apa apakah siapa kapan berapa bagaimana mana di mana ke mana kenapa mengapa
    saya kamu kami kita dia mereka ada tidak bukan belum sudah akan masih bisa boleh harus
    untuk dengan sama pada dalam buat oleh karena kalau jadi tapi seperti sampai lagi
    cara gimana caranya syarat syaratnya apa-apa
    the a an is are was be of to in on for and or do does did how what when who which where why
    any you your i my me it its can will
    """
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# Words that mean the same thing to someone reading the digest, each group under one name: the
# name is added as an extra word, so "loker" and "rekrutmen" (or "hujan" and "rain") look alike.
# Synonyms, spellings and English equivalents only; a word may belong to one group.
SYNONYMS: dict[str, str] = {
    "lowongan": (
        "lowongan loker lowker rekrutmen rekrutmennya penerimaan formasi cpns pppk honorer "
        "hiring vacancy vacancies job jobs openings career karir"
    ),
    "gaji": (
        "gaji honor honorarium upah insentif tunjangan penghasilan dibayar bayaran lembur salary "
        "wage wages pay paid earn earns income allowance"
    ),
    "cuaca": (
        "cuaca hujan gerimis deras mendung banjir kebanjiran genang tergenang badai angin bmkg "
        "prakiraan ramalan rain raining weather flood flooded storm"
    ),
    "bansos": "bansos blt pkh bpnt bst sembako dtks bantuan welfare",
    "negara_lain": (
        "amerika usa us as malaysia jepang japan india korea filipina philippines australia "
        "singapura singapore thailand inggris uk rusia china tiongkok trump biden harris"
    ),
    "tokoh": (
        "prabowo subianto gibran rakabuming anies baswedan ganjar pranowo mahfud muhaimin imin jokowi widodo"
    ),
    "mendatang": "2029 2034 berikutnya selanjutnya mendatang next upcoming",
    "survei": "survei survey surveinya elektabilitas poll polls polling jajak pendapat lsi litbang",
    "dokumen_warga": "ktp kk ektp dukcapil blangko ikd akta kependudukan",
    "kendaraan": "kendaraan motor mobil stnk bpkb samsat sim plat nopol vehicle",
    "alat_peraga": "baliho spanduk stiker poster banner billboard umbul apk",
    "kades": "kades pilkades kepdes pildes",
    "menteri": ("menteri kementerian kabinet reshuffle wamen menkeu menkes mendikbud menag minister cabinet"),
    "bot": "bot chatbot robot ai gpt",
    "tes": "tes test testing tst tesss ping",
    "saksi": "saksi witness witnesses",
    "pemilu": "pemilu election elections pilpres pileg pemilihan",
    "kampanye": "kampanye campaign",
    "dewan": "dpr dprd dpd dewan parliament mp mps legislator legislators",
    "calon_diri": "nyaleg nyalon mencalonkan pencalonan",
}
PHRASES: dict[str, str] = {
    "kepala desa": "kades",
    "kartu keluarga": "kk",
    "bantuan sosial": "bansos",
    "alat peraga": "apk",
    "anggota dewan": "dewan",
    "take home pay": "gaji",
    "polling station": "tps",
    "makan bergizi gratis": "mbg",
    "makan siang gratis": "mbg",
    "makan gratis": "mbg",
    "dana kampanye": "danakampanye",
    "campaign finance": "danakampanye",
}
_GROUP_OF = {word: group for group, members in SYNONYMS.items() for word in members.split()}
_PHRASE = re.compile(r"\b(" + "|".join(re.escape(p) for p in PHRASES) + r")\b")


@dataclass(frozen=True)
class Cluster:
    """Indices into the input list, most frequent text first."""

    members: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.members)


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> Mapping[str, str]:
    """``kata_gaul.yml`` as a mapping; empty when the file is absent (e.g. an installed wheel)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k).lower(): "" if v is None else str(v).lower() for k, v in data.items()}


def words(text: str, lexicon: Mapping[str, str]) -> list[str]:
    """Content words: lower case, slang replaced, ``-nya`` dropped, function words removed,
    and the name of each word's synonym group added."""
    out: list[str] = []
    normal = " ".join(w for token in _WORD.findall(text.lower()) for w in lexicon.get(token, token).split())
    normal = _PHRASE.sub(lambda m: PHRASES[m.group(1)], normal)
    for word in normal.split():
        if len(word) > 5 and word.endswith("nya"):
            word = word[:-3]
        if word in _STOPWORDS:
            continue
        out.append(word)
        if word in _GROUP_OF:
            out.append("=" + _GROUP_OF[word])
    return out


def _char_grams(tokens: Sequence[str]) -> list[str]:
    grams: list[str] = []
    for token in tokens:
        padded = f" {token} "
        for n in (3, 4, 5):
            grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return grams


def _tfidf(docs: Sequence[Sequence[str]], background: Sequence[Sequence[str]] = ()) -> list[dict[str, float]]:
    """Sublinear TF times smoothed IDF, L2-normalised, one sparse vector per document.

    ``background`` documents only count towards document frequencies.
    """
    df: Counter[str] = Counter()
    for doc in (*docs, *background):
        df.update(set(doc))
    n = len(docs) + len(background)
    vectors = []
    for doc in docs:
        vec = {
            term: (1 + math.log(tf)) * (1 + math.log((1 + n) / (1 + df[term])))
            for term, tf in Counter(doc).items()
        }
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({term: v / norm for term, v in vec.items()})
    return vectors


def vectorise(
    texts: Sequence[str], lexicon: Mapping[str, str] | None = None, background: Sequence[str] = ()
) -> list[dict[str, float]]:
    """One vector per text whose dot products are WORD_WEIGHT × word cosine + the rest × n-gram cosine.

    ``background`` texts (e.g. the FAQ's own example questions) make their common words weigh less.
    """
    lex = load_lexicon() if lexicon is None else lexicon
    tokens = [words(t, lex) or _WORD.findall(t.lower()) for t in texts]
    back = [words(t, lex) for t in background]
    word_vecs = _tfidf(tokens, back)
    char_vecs = _tfidf([_char_grams(t) for t in tokens], [_char_grams(t) for t in back])
    a, b = math.sqrt(WORD_WEIGHT), math.sqrt(1 - WORD_WEIGHT)
    return [
        {**{"w:" + k: a * v for k, v in wv.items()}, **{"c:" + k: b * v for k, v in cv.items()}}
        for wv, cv in zip(word_vecs, char_vecs, strict=True)
    ]


def similarities(vectors: Sequence[Mapping[str, float]], floor: float = 0.05) -> dict[tuple[int, int], float]:
    """Cosine similarity of every pair (i < j) above ``floor``, through an inverted index."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for term, value in vec.items():
            postings[term].append((i, value))
    sims: dict[tuple[int, int], float] = {}
    for j, vec in enumerate(vectors):
        scores: dict[int, float] = defaultdict(float)
        for term, value in vec.items():
            for i, other in postings[term]:
                if i >= j:
                    break
                scores[i] += value * other
        for i, score in scores.items():
            if score > floor:
                sims[(i, j)] = score
    return sims


def cluster(
    texts: Sequence[str],
    threshold: float = THRESHOLD,
    lexicon: Mapping[str, str] | None = None,
    background: Sequence[str] = (),
) -> list[Cluster]:
    """Group ``texts``; largest group first. Identical texts (after normalisation) always group."""
    lex = load_lexicon() if lexicon is None else lexicon
    keys = [" ".join(words(t, lex)) or t.strip().lower() for t in texts]
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        by_key[key].append(index)
    unique = sorted(by_key, key=lambda k: (-len(by_key[k]), by_key[k][0]))
    clustered, alone = unique[:MAX_TEXTS], unique[MAX_TEXTS:]
    weights = [len(by_key[k]) for k in clustered]
    vectors = vectorise([texts[by_key[k][0]] for k in clustered], lex, background)
    groups = _average_linkage(vectors, weights, threshold)
    result = [
        Cluster(tuple(i for u in sorted(group, key=lambda u: (-weights[u], u)) for i in by_key[clustered[u]]))
        for group in groups
    ]
    result += [Cluster(tuple(by_key[k])) for k in alone]
    return sorted(result, key=lambda c: (-len(c), c.members[0]))


def _average_linkage(
    vectors: Sequence[Mapping[str, float]], weights: Sequence[int], threshold: float
) -> list[list[int]]:
    """Merge the closest pair of groups while their weighted average similarity ≥ ``threshold``.

    Pairs below the similarity floor count as 0. Link sums are kept sparse and a heap holds
    candidate merges; stale heap entries are skipped.
    """
    members: dict[int, list[int]] = {i: [i] for i in range(len(vectors))}
    size: dict[int, int] = dict(enumerate(weights))
    links: dict[int, dict[int, float]] = defaultdict(dict)  # group -> group -> sum of weighted sims
    for (i, j), sim in similarities(vectors).items():
        total = sim * weights[i] * weights[j]
        links[i][j] = links[j][i] = total
    heap = [
        (-total / (size[i] * size[j]), i, j) for i, row in links.items() for j, total in row.items() if i < j
    ]
    heap = [item for item in heap if -item[0] >= threshold]
    heapq.heapify(heap)
    next_id = len(vectors)
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        new = next_id
        next_id += 1
        members[new] = members.pop(a) + members.pop(b)
        size[new] = size.pop(a) + size.pop(b)
        row_a, row_b = links.pop(a, {}), links.pop(b, {})
        row: dict[int, float] = {}
        for other in (row_a.keys() | row_b.keys()) - {a, b}:
            total = row_a.get(other, 0.0) + row_b.get(other, 0.0)
            row[other] = total
            other_row = links[other]
            other_row.pop(a, None)
            other_row.pop(b, None)
            other_row[new] = total
            average = total / (size[new] * size[other])
            if average >= threshold:
                heapq.heappush(heap, (-average, min(new, other), max(new, other)))
        links[new] = row
    return list(members.values())
