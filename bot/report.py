"""``pemilubot laporan``: what citizens asked that the bot could not answer, and what it answered."""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from bot.faq.loader import normalise_question

SIMILAR = 0.75


@dataclass
class Group:
    """Similar unanswered questions counted together."""

    example: str
    count: int = 0
    variants: list[str] = field(default_factory=list)


@dataclass
class Report:
    days: int
    since: str
    unanswered: list[Group]
    top_entries: list[tuple[str, int]]
    feedback: list[tuple[str, int, int]]
    answered: int
    fallback: int
    off_topic: int
    send_failures: list[tuple[str, int]] = field(default_factory=list)

    @property
    def fallback_rate(self) -> float:
        total = self.answered + self.fallback + self.off_topic
        return self.fallback / total if total else 0.0


def group_similar(texts: list[str]) -> list[Group]:
    """Greedy grouping of near-identical questions (typos, word order, punctuation)."""
    groups: list[tuple[str, Group]] = []
    for text in texts:
        key = normalise_question(text)
        for group_key, group in groups:
            same_words = set(key.split()) == set(group_key.split())
            if same_words or difflib.SequenceMatcher(None, key, group_key).ratio() >= SIMILAR:
                group.count += 1
                if len(group.variants) < 3 and text not in group.variants:
                    group.variants.append(text)
                break
        else:
            groups.append((key, Group(text, 1, [text])))
    return sorted((g for _, g in groups), key=lambda g: -g.count)


def send_failures(db: Database, since_day: str) -> list[tuple[str, int]]:
    """Replies Telegram did not take after every retry, per reason, since ``since_day`` (YYYY-MM-DD)."""
    if not db["send_failures"].exists():
        return []
    return [
        (r["reason"], int(r["n"]))
        for r in db.query(
            "SELECT reason, SUM(count) AS n FROM send_failures WHERE day >= ? "
            "GROUP BY reason ORDER BY n DESC",
            [since_day],
        )
    ]


def build_report(db: Database, days: int = 7, now: datetime | None = None) -> Report:
    """Figures for the last ``days`` days."""
    now = now or datetime.now(timezone.utc)
    since = (now - timedelta(days=days)).isoformat(timespec="seconds")
    rows = list(db.query("SELECT text, reason FROM unanswered WHERE created_at >= ? ORDER BY id", [since]))
    top = [
        (r["entry_id"], r["total"])
        for r in db.query(
            "SELECT entry_id, SUM(count) AS total FROM answer_counts WHERE day >= ? "
            "GROUP BY entry_id ORDER BY total DESC, entry_id LIMIT 15",
            [since[:10]],
        )
    ]
    feedback = [
        (r["entry_id"], r["up"], r["down"])
        for r in db.query(
            "SELECT entry_id, SUM(helpful) AS up, SUM(1 - helpful) AS down FROM feedback "
            "WHERE created_at >= ? GROUP BY entry_id ORDER BY down DESC, up DESC",
            [since],
        )
    ]
    answered = next(
        db.query("SELECT COALESCE(SUM(count), 0) AS n FROM answer_counts WHERE day >= ?", [since[:10]])
    )["n"]
    return Report(
        days=days,
        since=since,
        unanswered=group_similar([r["text"] for r in rows]),
        top_entries=top,
        feedback=feedback,
        answered=int(answered),
        fallback=sum(1 for r in rows if r["reason"] == "tidak_yakin"),
        off_topic=sum(1 for r in rows if r["reason"] == "di_luar_topik"),
        send_failures=send_failures(db, since[:10]),
    )


def as_text(report: Report) -> str:
    lines = [
        f"Laporan {report.days} hari terakhir (sejak {report.since[:10]})",
        f"Jawaban FAQ diberikan: {report.answered}; tidak yakin (fallback): {report.fallback}; "
        f"di luar topik: {report.off_topic}; "
        f"fallback {100 * report.fallback_rate:.1f}% dari semua pertanyaan",
        "",
        "Pertanyaan yang belum terjawab (pertanyaan mirip dihitung bersama):",
    ]
    lines += [
        f"  {g.count:>4}×  {g.example}" + (f"  (mis. {'; '.join(g.variants[1:])})" if g.variants[1:] else "")
        for g in report.unanswered[:30]
    ] or ["  (tidak ada)"]
    lines += ["", "Entri paling sering dijawab:"]
    lines += [f"  {n:>4}×  {entry}" for entry, n in report.top_entries] or ["  (belum ada)"]
    lines += ["", "Balasan yang gagal terkirim (setelah semua percobaan ulang):"]
    lines += [f"  {n:>4}×  {reason}" for reason, n in report.send_failures] or ["  (tidak ada)"]
    lines += ["", "Masukan 👍/👎 per entri:"]
    lines += [f"  👍 {up:>3}  👎 {down:>3}  {entry}" for entry, up, down in report.feedback] or [
        "  (belum ada)"
    ]
    return "\n".join(lines)


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["bagian", "teks_atau_entri", "jumlah", "jumlah_negatif", "contoh_lain"])
    for g in report.unanswered:
        writer.writerow(["belum_terjawab", g.example, g.count, "", " | ".join(g.variants[1:])])
    for entry, n in report.top_entries:
        writer.writerow(["paling_dijawab", entry, n, "", ""])
    for entry, up, down in report.feedback:
        writer.writerow(["masukan", entry, up, down, ""])
    for reason, n in report.send_failures:
        writer.writerow(["gagal_terkirim", reason, n, "", ""])
    writer.writerow(["ringkasan", "fallback", report.fallback, "", ""])
    writer.writerow(["ringkasan", "di_luar_topik", report.off_topic, "", ""])
    writer.writerow(["ringkasan", "dijawab", report.answered, "", ""])
    return out.getvalue()
