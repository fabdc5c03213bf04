"""How useful is the weekly digest's grouping? Scored on the hand-labelled sample
tests/eval/tak_terjawab.yml (questions the FAQ does not answer, each with its ``jenis``).

The first part of the sample was used to choose the method, its synonym list and the threshold;
the second part (``bagian: b``) was written after those were fixed and is scored on its own too.
The FAQ's example questions are the background for word weights, as in the weekly digest.

Score: the share of questions that land in a group of at least two whose most common kind is their
own kind. A question left alone counts as a miss, so putting everything in singletons scores 0.
Also printed: the number of groups and singletons, how many kinds were split over several groups,
and the score at neighbouring thresholds (to see whether the chosen one sits on a cliff).

Run: ``python -m bench.eval_clusters`` (part of ``make eval``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.clustering import THRESHOLD, Cluster, cluster
from bot.faq import load_faq

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "eval" / "tak_terjawab.yml"
FLOOR = 0.80


@dataclass(frozen=True)
class Score:
    questions: int
    kinds: int
    in_own_kind: int
    clusters: int
    singletons: int
    split_kinds: int

    @property
    def share(self) -> float:
        return self.in_own_kind / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Sample:
    texts: list[str]
    kinds: list[str]

    def part(self, parts: Sequence[str], name: str) -> Sample:
        keep = [i for i, p in enumerate(parts) if p == name]
        return Sample([self.texts[i] for i in keep], [self.kinds[i] for i in keep])


def load_sample(path: Path = SAMPLE) -> dict[str, Sample]:
    """The whole sample ("semua") and each part ("a": tuning, "b": written after tuning)."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    whole = Sample([str(i["teks"]) for i in items], [str(i["jenis"]) for i in items])
    parts = [str(i.get("bagian", "a")) for i in items]
    return {"semua": whole, "a": whole.part(parts, "a"), "b": whole.part(parts, "b")}


def faq_questions() -> list[str]:
    """The FAQ's example questions (background for word weights)."""
    return [q for e in load_faq(REPO / "responses").entries for q in e.questions]


def score(kinds: Sequence[str], clusters: Sequence[Cluster]) -> Score:
    """Count questions sitting in a group (size ≥ 2) whose majority kind is their own."""
    good = 0
    homes: Counter[str] = Counter()  # how many groups (size ≥ 2) each kind is the majority of
    for group in clusters:
        if len(group) < 2:
            continue
        counts = Counter(kinds[i] for i in group.members)
        top = max(counts.values())
        majority = {kind for kind, n in counts.items() if n == top}
        good += sum(1 for i in group.members if kinds[i] in majority)
        homes.update(majority)
    return Score(
        questions=len(kinds),
        kinds=len(set(kinds)),
        in_own_kind=good,
        clusters=sum(1 for c in clusters if len(c) >= 2),
        singletons=sum(1 for c in clusters if len(c) == 1),
        split_kinds=sum(1 for n in homes.values() if n > 1),
    )


def evaluate(sample: Sample, background: Sequence[str] = (), threshold: float = THRESHOLD) -> Score:
    return score(sample.kinds, cluster(sample.texts, threshold, background=background))


def line(name: str, result: Score) -> str:
    return (
        f"  {name}: {result.share:.1%} ({result.in_own_kind}/{result.questions}, {result.kinds} jenis) "
        f"masuk kelompok yang mayoritasnya jenisnya sendiri; {result.clusters} kelompok (≥ 2), "
        f"{result.singletons} sendirian (dihitung gagal), {result.split_kinds} jenis terpecah"
    )


def main() -> int:
    samples = load_sample()
    background = faq_questions()
    started = time.perf_counter()
    results = {name: evaluate(sample, background) for name, sample in samples.items()}
    seconds = time.perf_counter() - started
    print(f"Pengelompokan pertanyaan tak terjawab ({SAMPLE.relative_to(REPO)}), ambang {THRESHOLD}")
    print(line("semua", results["semua"]))
    print(line("bagian a (dipakai memilih metode)", results["a"]))
    print(line("bagian b (ditulis sesudahnya)", results["b"]))
    print(f"  ({seconds * 1000:.0f} ms untuk ketiganya)")
    print("  Ambang lain (semua):")
    for threshold in (0.06, 0.08, 0.1, 0.15, 0.2, 0.25):
        other = evaluate(samples["semua"], background, threshold)
        print(
            f"    {threshold:.2f}: {other.share:.1%}, {other.clusters} kelompok, {other.singletons} sendirian"
        )
    without = evaluate(samples["semua"])
    print(f"  Tanpa contoh FAQ sebagai latar: {without.share:.1%}")
    ok = all(results[name].share >= FLOOR for name in ("semua", "b"))
    print(f"Batas minimum ≥ {FLOOR:.0%} (semua dan bagian b): {'TERPENUHI' if ok else 'BELUM'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
