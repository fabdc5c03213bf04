"""Storage (migrations, privacy of stored rows) and the staff report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot import report
from bot.storage import Storage, open_database
from bot.storage.migrations import migrations


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    db = open_database(path)
    names = [m.name for m in migrations.applied(db)]
    assert names[0] == "m001_chats_and_unanswered" and len(names) >= 3
    db.conn.close()
    db = open_database(path)  # idempotent
    assert [m.name for m in migrations.applied(db)] == names
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_unanswered_has_no_user_id(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "s.db")
    await storage.log_unanswered("harga cabai berapa", "di_luar_topik", "di_luar_topik", 0.9)
    columns = set(storage.db["unanswered"].columns_dict)
    assert not {"chat_id", "user_id"} & columns
    storage.close()


def test_similar_questions_grouped() -> None:
    groups = report.group_similar(
        [
            "cara daftar cpns",
            "Cara daftar CPNS?",
            "cara daftar cpns dong",
            "harga cabai hari ini",
            "cpns cara daftar",
        ]
    )
    assert [(g.count, g.example) for g in groups] == [(4, "cara daftar cpns"), (1, "harga cabai hari ini")]


async def test_report_counts_and_csv(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "r.db")
    for text in ("resep rendang", "resep rendang?", "cuaca besok"):
        await storage.log_unanswered(text, "di_luar_topik", None, None)
    await storage.log_unanswered("kpan itu", "tidak_yakin", "tanggal_pemilu", 0.2)
    for _ in range(3):
        await storage.count_answer("tanggal_pemilu")
    await storage.count_answer("jam_tps")
    await storage.record_feedback("jam_tps", False)
    await storage.record_feedback("jam_tps", True)
    result = report.build_report(storage.db, days=7)
    assert result.top_entries == [("tanggal_pemilu", 3), ("jam_tps", 1)]
    assert result.unanswered[0].count == 2
    assert (result.answered, result.fallback, result.off_topic) == (4, 1, 3)
    assert result.feedback == [("jam_tps", 1, 1)]
    assert abs(result.fallback_rate - 1 / 8) < 1e-9
    text = report.as_text(result)
    assert "resep rendang" in text and "tanggal_pemilu" in text
    rows = list(csv.reader(io.StringIO(report.as_csv(result))))
    assert rows[0][0] == "bagian" and ["belum_terjawab", "resep rendang", "2", "", "resep rendang?"] in rows
    storage.close()
