"""Score the held-out questions through a real Rasa server, exactly as the bot decides.

Used by ``make eval`` (bench/eval_nlu.py) and the pipeline comparison (bench/compare_pipelines.py).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from bot.conversation import Conversation
from bot.faq import load_faq
from bot.faq.model import Faq
from bot.nlu.model import rasa_env
from bot.rasa_client import RasaClient
from bot.rasa_server import RasaServer

REPO = Path(__file__).resolve().parents[1]
HELDOUT_DIR = REPO / "tests" / "eval"
DECLINE = "di_luar_topik"
SMALL_TALK = {"sapa": "greet", "terima_kasih": "thanks", "bantuan": "help"}


@dataclass
class Result:
    """Outcome of one evaluation run."""

    total: int = 0
    in_scope: int = 0
    in_scope_right: int = 0
    off_topic: int = 0
    off_topic_declined: int = 0
    small_talk: int = 0
    small_talk_right: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    per_entry: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def in_scope_accuracy(self) -> float:
        return self.in_scope_right / self.in_scope if self.in_scope else 0.0

    @property
    def off_topic_rate(self) -> float:
        return self.off_topic_declined / self.off_topic if self.off_topic else 0.0

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))] if data else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


def load_heldout_sets(folder: Path = HELDOUT_DIR) -> dict[str, list[tuple[str, str]]]:
    """Each held-out set under tests/eval/ (each written apart from the training examples), by name.

    Only ``heldout*.yml`` are NLU sets (teks/harapan); other files there (e.g. the unanswered-question
    sample for clustering) have a different shape.
    """
    sets = {}
    for path in sorted(folder.glob("heldout*.yml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        sets[path.stem] = [(str(i["teks"]), str(i["harapan"])) for i in items]
    return sets


def load_heldout(folder: Path = HELDOUT_DIR) -> list[tuple[str, str]]:
    """Every held-out question, all sets together."""
    return [item for items in load_heldout_sets(folder).values() for item in items]


def outcome(kind: str, entry_id: str | None) -> str:
    """What the bot did, as one label comparable with the expected one."""
    if kind == "answer" and entry_id:
        return entry_id
    if kind in ("off_topic", "fallback", "too_long"):
        return DECLINE
    return {v: k for k, v in SMALL_TALK.items()}.get(kind, kind)


async def evaluate(rasa_url: str, faq: Faq, items: list[tuple[str, str]]) -> Result:
    """Send every question to Rasa and score the bot's decision."""
    rasa = RasaClient(rasa_url, timeout=30)
    await rasa.start()
    conversation = Conversation(lambda: faq, rasa, None, clock=lambda: date(2026, 11, 28))
    result = Result()
    try:
        for text, expected in items:
            started = time.perf_counter()
            parse = await rasa.parse(text)
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            reply = await conversation.reply_for(parse, text)
            got = outcome(reply.kind, reply.entry_id)
            result.total += 1
            if expected == DECLINE:
                result.off_topic += 1
                result.off_topic_declined += got == DECLINE
            elif expected in SMALL_TALK:
                result.small_talk += 1
                result.small_talk_right += got == expected
            else:
                result.in_scope += 1
                result.in_scope_right += got == expected
                result.per_entry[expected][1] += 1
                result.per_entry[expected][0] += got == expected
            if got != expected:
                result.confusions[(expected, got)] += 1
                result.misses.append((text, expected, got))
    finally:
        await rasa.close()
    return result


def summary(result: Result) -> str:
    """One line: FAQ accuracy, off-topic declines, small talk."""
    return (
        f"FAQ {result.in_scope_right}/{result.in_scope} = {100 * result.in_scope_accuracy:.1f}%, "
        f"di luar topik ditolak {result.off_topic_declined}/{result.off_topic} = "
        f"{100 * result.off_topic_rate:.1f}%, sapaan {result.small_talk_right}/{result.small_talk}"
    )


def per_topic(result: Result, faq: Faq) -> list[str]:
    """Accuracy per topic file (jadwal, surat_suara, ...)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry_id, (right, total) in result.per_entry.items():
        entry = faq.get(entry_id)
        topic = entry.topic if entry else "?"
        totals[topic][0] += right
        totals[topic][1] += total
    return [
        f"  {topic:<16} {right}/{total} = {100 * right / total:.1f}%"
        for topic, (right, total) in sorted(totals.items(), key=lambda kv: kv[1][0] / kv[1][1])
    ]


def report(result: Result, title: str = "Evaluasi NLU", faq: Faq | None = None) -> str:
    lines = [
        f"## {title}",
        f"- pertanyaan: {result.total} ({result.in_scope} FAQ, {result.off_topic} di luar topik/"
        f"tidak dikenal, {result.small_talk} sapaan/bantuan)",
        f"- FAQ dijawab dengan entri yang benar: {result.in_scope_right}/{result.in_scope} "
        f"= {100 * result.in_scope_accuracy:.1f}%",
        f"- di luar topik ditolak (tidak diberi jawaban pemilu): {result.off_topic_declined}/"
        f"{result.off_topic} = {100 * result.off_topic_rate:.1f}%; "
        f"diberi jawaban pemilu: {result.off_topic - result.off_topic_declined}",
        f"- sapaan/terima kasih/bantuan benar: {result.small_talk_right}/{result.small_talk}",
        f"- latensi parse lewat HTTP: p50 {result.p50:.1f} ms, p95 {result.percentile(0.95):.1f} ms",
    ]
    if faq is not None:
        lines += ["", "Akurasi per topik:", *per_topic(result, faq)]
    lines += ["", "Akurasi per entri (yang di bawah 100%):"]
    for entry, (right, total) in sorted(result.per_entry.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        if right < total:
            lines.append(f"  {entry:<28} {right}/{total}")
    lines.append("")
    lines.append("Pasangan paling sering tertukar (harapan → hasil):")
    for (expected, got), count in result.confusions.most_common(10):
        lines.append(f"  {count}× {expected} → {got}")
    return "\n".join(lines)


@contextmanager
def rasa_serving(model: Path, port: int, rasa_bin: Path = REPO / ".venv-rasa/bin/rasa") -> Iterator[str]:
    """Serve ``model`` with a real ``rasa run`` for the duration of the block."""
    url = f"http://127.0.0.1:{port}"
    command = RasaServer(rasa_bin, model, url).command()
    process = subprocess.Popen(command, env=rasa_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{url}/status", timeout=2) as resp:
                    if b"model_file" in resp.read():
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Rasa did not start")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def run_eval(model: Path, port: int = 5099) -> Result:
    faq = load_faq(REPO / "responses")
    with rasa_serving(model, port) as url:
        return asyncio.run(evaluate(url, faq, load_heldout()))


def run_eval_sets(model: Path, port: int = 5099) -> dict[str, Result]:
    """Score each held-out set and all of them together (key ``semua``) against one Rasa server."""
    faq = load_faq(REPO / "responses")
    sets = load_heldout_sets()
    with rasa_serving(model, port) as url:
        results = {name: asyncio.run(evaluate(url, faq, items)) for name, items in sets.items()}
        results["semua"] = asyncio.run(evaluate(url, faq, [i for items in sets.values() for i in items]))
    return results
