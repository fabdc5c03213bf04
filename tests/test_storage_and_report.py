"""Storage (migrations, privacy of stored rows) and the staff report."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import report
from bot.config import Settings, setup_logging
from bot.flood import FloodGuard
from bot.runner import retention
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


async def test_retention_removes_old_questions_and_admin_log_only(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "ret.db")
    old, new = "2000-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"
    for stamp in (old, new):
        storage.db["unanswered"].insert({"created_at": stamp, "text": "x", "reason": "r"})  # type: ignore[union-attr]
        storage.db["admin_log"].insert({"created_at": stamp, "admin_id": 1, "action": "a"})  # type: ignore[union-attr]
    storage.db["feedback"].insert({"created_at": old, "entry_id": "e", "helpful": 1})  # type: ignore[union-attr]
    stop = asyncio.Event()
    services = SimpleNamespace(storage=storage, settings=Settings(retention_days=30), flood=FloodGuard())
    task = asyncio.create_task(retention(services, stop, every=3600))  # type: ignore[arg-type]
    for _ in range(100):
        if storage.db.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] == 1:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert [r["created_at"] for r in storage.db.query("SELECT created_at FROM unanswered")] == [new]
    assert [r["created_at"] for r in storage.db.query("SELECT created_at FROM admin_log")] == [new]
    assert storage.db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1, "no personal data there"
    storage.close()


def test_token_and_webhook_secret_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    token, secret = "987654:AAH-real-looking-token", "webhook-secret-value-0123456789"
    root = logging.getLogger()
    filters_before = {h: list(h.filters) for h in root.handlers}
    try:
        with caplog.at_level(logging.INFO):
            setup_logging(Settings(telegram_token=token, webhook_secret=secret))
            logging.getLogger("telegram.ext").warning(
                "POST https://api.telegram.org/bot%s/getUpdates failed; secret %s", token, secret
            )
        assert token not in caplog.text and secret not in caplog.text
        assert "bot<TOKEN>/getUpdates" in caplog.text
    finally:
        for handler in root.handlers:
            handler.filters = filters_before.get(handler, [])
