"""``make eval`` (claims): the blind held-out chain messages through the claim matcher.

tests/eval/klaim_heldout.yml holds paraphrases of known hoaxes (``hoaks: H0xx``) and negatives (true
election information written as forwards, other hoaxes, ordinary FAQ questions), each in
``bagian: tune`` or ``uji``. Paraphrases of hoaxes that have no claim in responses/klaim/ count as
negatives: the bot must never give them a verdict. The two thresholds are chosen on ``tune`` and the
figures are reported on ``uji`` (and compared with the thresholds the bot ships with).

``--dev`` scores the claim files against themselves instead (each variant left out in turn, FAQ
questions and answers and hoaxes without a claim as negatives): for working on the matcher without
looking at the held-out set.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.claims import ClaimSet, load_claims
from bot.claims.matcher import MAX_SUGGESTIONS, Candidate, ClaimMatcher, Thresholds, confidence
from bot.faq import load_faq

REPO = Path(__file__).resolve().parents[1]
HELDOUT = REPO / "tests" / "eval" / "klaim_heldout.yml"
CLAIMS_DIR = REPO / "responses" / "klaim"
HOAXES = REPO / "docs" / "sumber" / "hoaks-pemilu2024.yaml"

FLOOR_AUTO_PRECISION = 0.98
CEILING_NEGATIVE_VERDICT = 0.01
FLOOR_AUTO_RIGHT = 0.70
FLOOR_WITHIN_SUGGESTIONS = 0.90
# Thresholds are chosen with a safety margin under the ceilings (the tune half is small).
TUNE_NEGATIVE_VERDICT = 0.005
TUNE_AUTO_PRECISION = 0.99


@dataclass(frozen=True)
class Item:
    """One held-out message: ``expected`` is a claim id, or None for a negative."""

    text: str
    expected: str | None
    kind: str  # paraforasa | benar | hoaks_lain | faq | hoaks_tanpa_klaim
    part: str  # tune | uji
    words: int = 0


@dataclass(frozen=True)
class Scored:
    item: Item
    candidates: tuple[Candidate, ...]
    words: int


@dataclass
class Figures:
    paraphrases: int = 0
    negatives: int = 0
    auto: int = 0
    auto_right: int = 0
    negative_verdicts: int = 0
    wrong_verdicts: int = 0
    within: int = 0
    negatives_suggested: int = 0
    negatives_by_kind: dict[str, list[int]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def rate(a: int, b: int) -> float:
            return round(a / b, 4) if b else 0.0

        return {
            "paraphrases": self.paraphrases,
            "negatives": self.negatives,
            "auto_precision": rate(self.auto_right, self.auto),
            "auto_right_rate": rate(self.auto_right, self.paraphrases),
            "within_auto_plus_3": rate(self.within, self.paraphrases),
            "negative_verdict_rate": rate(self.negative_verdicts, self.negatives),
            "wrong_verdict_paraphrases": self.wrong_verdicts,
            "negatives_suggested_rate": rate(self.negatives_suggested, self.negatives),
            "negatives_by_kind": {k: {"n": v[0], "verdict": v[1]} for k, v in self.negatives_by_kind.items()},
        }


def decide(scored: Scored, th: Thresholds) -> tuple[str, list[str]]:
    """The matcher's decision rule (ClaimMatcher.match) applied to precomputed candidates."""
    cands = scored.candidates
    if not cands:
        return "none", []
    sure = confidence(cands, th) >= th.high and cands[0].score >= th.min_score
    if sure and scored.words >= th.min_words:
        return "auto", [cands[0].claim_id]
    suggestions = [c.claim_id for c in cands if c.score >= th.low][:MAX_SUGGESTIONS]
    return ("suggest" if suggestions else "none"), suggestions


def figures(scored: list[Scored], th: Thresholds) -> Figures:
    out = Figures()
    for s in scored:
        decision, ids = decide(s, th)
        item = s.item
        if item.expected is None:
            out.negatives += 1
            kind = out.negatives_by_kind.setdefault(item.kind, [0, 0])
            kind[0] += 1
            if decision == "auto":
                out.auto += 1
                out.negative_verdicts += 1
                kind[1] += 1
                out.misses.append(f"VERDICT on negative ({item.kind}) → {ids[0]}: {item.text[:90]}")
            elif decision == "suggest":
                out.negatives_suggested += 1
            continue
        out.paraphrases += 1
        if decision == "auto":
            out.auto += 1
            if ids[0] == item.expected:
                out.auto_right += 1
            else:
                out.wrong_verdicts += 1
                out.misses.append(f"WRONG verdict {ids[0]} (want {item.expected}): {item.text[:90]}")
        if item.expected in ids:
            out.within += 1
        elif decision != "auto" or ids[0] != item.expected:
            best = s.candidates[0] if s.candidates else None
            where = f"{best.claim_id} {best.score:.2f}" if best else "-"
            out.misses.append(f"miss ({decision}; best {where}) want {item.expected}: {item.text[:90]}")
    return out


def choose_thresholds(scored: list[Scored], base: Thresholds) -> Thresholds:
    """High threshold and score floor: the pair that answers the most paraphrases at once while
    verdicts on negatives and wrong verdicts stay under the tune ceilings (ties: the stricter pair).
    Low threshold: most paraphrases within the suggestions, minus the share of negatives that would
    get suggestions."""
    grid = [round(0.30 + 0.01 * i, 2) for i in range(91)]
    best, best_right = replace(base, high=grid[-1], min_score=1.0), -1
    for floor in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        for high in grid:
            f = figures(scored, replace(base, high=high, min_score=floor, low=high))
            d = f.as_dict()
            safe = d["negative_verdict_rate"] <= TUNE_NEGATIVE_VERDICT and (
                f.auto == 0 or d["auto_precision"] >= TUNE_AUTO_PRECISION
            )
            if safe and f.auto_right >= best_right:
                best, best_right = replace(base, high=high, min_score=floor), f.auto_right
    best_low, best_value = best.high, -1.0
    for low in (g for g in grid if g <= best.high):
        d = figures(scored, replace(best, low=low)).as_dict()
        value = d["within_auto_plus_3"] - d["negatives_suggested_rate"]
        if value > best_value:
            best_low, best_value = low, value
    return replace(best, low=best_low)


def score_items(matcher: ClaimMatcher, items: list[Item]) -> tuple[list[Scored], list[float]]:
    scored, times = [], []
    for item in items:
        started = time.perf_counter()
        result = matcher.match(item.text)
        times.append((time.perf_counter() - started) * 1000)
        scored.append(Scored(item, result.candidates, result.words))
    return scored, times


def load_heldout(claims: ClaimSet, path: Path = HELDOUT) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    claim_for = {c.hoax_id: c.id for c in claims}
    items = []
    for row in data.get("paraforasa", []):
        expected = claim_for.get(str(row["hoaks"]))
        kind = "paraforasa" if expected else "hoaks_tanpa_klaim"
        items.append(Item(str(row["teks"]), expected, kind, str(row["bagian"])))
    for row in data.get("negatif", []):
        items.append(Item(str(row["teks"]), None, str(row["jenis"]), str(row["bagian"])))
    return items


def dev_items(claims: ClaimSet) -> list[Item]:
    """Negatives for --dev: FAQ questions, the first sentences of FAQ answers, hoaxes with no claim."""
    faq = load_faq(REPO / "responses")
    items: list[Item] = []
    for entry in faq.entries:
        for question in entry.questions:
            items.append(Item(question, None, "faq", "dev"))
        plain = re.sub(r"<[^>]+>|\{\{[^}]*\}\}", " ", entry.answer)
        first = " ".join(re.split(r"(?<=[.!?])\s", html.unescape(" ".join(plain.split())))[:2])
        items.append(Item(first, None, "benar", "dev"))
    covered = {c.hoax_id for c in claims}
    for hoax in yaml.safe_load(HOAXES.read_text(encoding="utf-8")):
        if hoax["id"] not in covered:
            items.append(Item(hoax["claim"], None, "hoaks_tanpa_klaim", "dev"))
            if hoax.get("chain_text"):
                items.append(Item(hoax["chain_text"], None, "hoaks_tanpa_klaim", "dev"))
    return items


def dev_scored(claims: ClaimSet) -> list[Scored]:
    """Each claim's k-th variant left out of the index in fold k, and matched as a paraphrase."""
    scored: list[Scored] = []
    folds = max(len(c.variants) for c in claims)
    for k in range(folds):
        reduced = ClaimSet(tuple(replace(c, variants=c.variants[:k] + c.variants[k + 1 :]) for c in claims))
        matcher = ClaimMatcher(reduced)
        items = [Item(c.variants[k], c.id, "paraforasa", "dev") for c in claims if k < len(c.variants)]
        scored += score_items(matcher, items)[0]
    scored += score_items(ClaimMatcher(claims), dev_items(claims))[0]
    return scored


def report(title: str, f: Figures, th: Thresholds) -> str:
    d = f.as_dict()

    def mark(ok: bool) -> str:
        return "ok" if ok else "DI BAWAH BATAS"

    lines = [
        f"{title}: {d['paraphrases']} parafrasa, {d['negatives']} negatif; ambang tinggi {th.high:.2f} "
        f"(skor minimal {th.min_score:.2f}), rendah {th.low:.2f}, minimal {th.min_words} kata "
        "untuk jawaban langsung",
        f"  jawaban langsung tepat (presisi):      {d['auto_precision']:.1%}  (batas ≥ 98 %: "
        f"{mark(d['auto_precision'] >= FLOOR_AUTO_PRECISION or f.auto == 0)})",
        f"  putusan pada negatif:                  {d['negative_verdict_rate']:.1%}  (batas ≤ 1 %: "
        f"{mark(d['negative_verdict_rate'] <= CEILING_NEGATIVE_VERDICT)})",
        f"  parafrasa dijawab langsung dan tepat:  {d['auto_right_rate']:.1%}  (batas ≥ 70 %: "
        f"{mark(d['auto_right_rate'] >= FLOOR_AUTO_RIGHT)})",
        f"  tepat dalam langsung + 3 saran:        {d['within_auto_plus_3']:.1%}  (batas ≥ 90 %: "
        f"{mark(d['within_auto_plus_3'] >= FLOOR_WITHIN_SUGGESTIONS)})",
        f"  parafrasa dengan putusan salah klaim:  {d['wrong_verdict_paraphrases']}",
        f"  negatif yang diberi saran:             {d['negatives_suggested_rate']:.1%}",
        "  negatif per jenis (n, diberi putusan): "
        + ", ".join(f"{k} {v['n']}/{v['verdict']}" for k, v in sorted(d["negatives_by_kind"].items())),
    ]
    return "\n".join(lines)


def floors_met(f: Figures) -> bool:
    d = f.as_dict()
    return (
        (f.auto == 0 or d["auto_precision"] >= FLOOR_AUTO_PRECISION)
        and d["negative_verdict_rate"] <= CEILING_NEGATIVE_VERDICT
        and d["auto_right_rate"] >= FLOOR_AUTO_RIGHT
        and d["within_auto_plus_3"] >= FLOOR_WITHIN_SUGGESTIONS
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", action="store_true", help="score the claim files against themselves")
    parser.add_argument("--misses", type=int, default=15, help="how many misses to list")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--klaim", type=Path, default=CLAIMS_DIR, help="folder of claim files")
    args = parser.parse_args(argv)
    claims = load_claims(args.klaim)
    shipped = Thresholds()
    if args.dev:
        scored = dev_scored(claims)
        chosen = choose_thresholds(scored, shipped)
        for title, th in (("Dev, ambang bawaan", shipped), ("Dev, ambang terbaik", chosen)):
            f = figures(scored, th)
            print(report(title, f, th))
        for miss in figures(scored, shipped).misses[: args.misses]:
            print("   ", miss)
        return 0
    if not HELDOUT.exists():
        print(f"Evaluasi klaim: {HELDOUT.relative_to(REPO)} belum ada; dilewati.")
        return 0
    matcher = ClaimMatcher(claims)
    items = load_heldout(claims)
    scored, times = score_items(matcher, items)
    tune = [s for s in scored if s.item.part == "tune"]
    test = [s for s in scored if s.item.part == "uji"]
    chosen = choose_thresholds(tune, shipped)
    print(f"Evaluasi Cek Hoaks: {len(claims)} klaim; set buta {HELDOUT.relative_to(REPO)}")
    print(
        f"Ambang dipilih pada bagian tune: tinggi {chosen.high:.2f} (skor minimal {chosen.min_score:.2f}), "
        f"rendah {chosen.low:.2f}"
    )
    f_chosen = figures(test, chosen)
    f_shipped = figures(test, shipped)
    print(report("Bagian uji, ambang dari tune", f_chosen, chosen))
    print(report("Bagian uji, ambang yang dipakai bot", f_shipped, shipped))
    print(report("Bagian tune, ambang yang dipakai bot", figures(tune, shipped), shipped))
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0
    print(f"  waktu pencocokan per pesan: p95 {p95:.1f} ms ({len(claims)} klaim)")
    print("  contoh yang meleset (bagian uji, ambang bot):")
    for miss in f_shipped.misses[: args.misses]:
        print("   ", miss)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "chosen": {"high": chosen.high, "min_score": chosen.min_score, "low": chosen.low},
                    "shipped": {"high": shipped.high, "min_score": shipped.min_score, "low": shipped.low},
                    "uji_chosen": f_chosen.as_dict(),
                    "uji_shipped": f_shipped.as_dict(),
                    "p95_ms": p95,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if floors_met(f_shipped) else 1


if __name__ == "__main__":
    sys.exit(main())
