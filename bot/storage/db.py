"""Open the database and run every query on one thread so async code never blocks on SQLite."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.storage.migrations import migrations

T = TypeVar("T")


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the database at ``path`` and apply pending migrations."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db = Database(conn)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA foreign_keys=ON")
    migrations.apply(db)
    return db


def now_utc() -> str:
    """A sortable UTC timestamp."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Storage:
    """The bot's data. Async methods run on a single worker thread that owns the connection."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self.db = self._executor.submit(open_database, path).result()

    async def run(self, func: Callable[[Database], T]) -> T:
        """Run ``func(db)`` on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, self.db)

    def close(self) -> None:
        """Close the connection and stop the worker thread."""
        self._executor.submit(self.db.conn.close).result()
        self._executor.shutdown(wait=True)

    async def touch_chat(self, chat_id: int) -> None:
        """Remember that this chat talked to the bot (only its id and when)."""

        def write(db: Database) -> None:
            stamp = now_utc()
            db.execute(
                "INSERT INTO chats (chat_id, first_seen, last_seen) VALUES (?, ?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET last_seen = excluded.last_seen",
                [chat_id, stamp, stamp],
            )

        await self.run(write)

    async def log_unanswered(
        self, text: str, reason: str, top_intent: str | None, confidence: float | None
    ) -> None:
        """Keep a question the bot could not answer, for staff review. No user id."""
        row: dict[str, Any] = {
            "created_at": now_utc(),
            "text": text[:1000],
            "reason": reason,
            "top_intent": top_intent,
            "confidence": confidence,
        }
        await self.run(lambda db: db["unanswered"].insert(row))  # type: ignore[union-attr]

    async def count_answer(self, entry_id: str) -> None:
        """Add one to today's count of answers given from this entry."""
        day = now_utc()[:10]
        await self.run(
            lambda db: db.execute(
                "INSERT INTO answer_counts (day, entry_id, count) VALUES (?, ?, 1) "
                "ON CONFLICT(day, entry_id) DO UPDATE SET count = count + 1",
                [day, entry_id],
            )
        )

    async def record_send_failure(self, method: str, reason: str) -> None:
        """A reply Telegram did not take after every retry (counted per day, method and reason)."""
        day = now_utc()[:10]
        await self.run(
            lambda db: db.execute(
                "INSERT INTO send_failures (day, method, reason, count) VALUES (?, ?, ?, 1) "
                "ON CONFLICT(day, method, reason) DO UPDATE SET count = count + 1",
                [day, method, reason],
            )
        )

    async def record_feedback(self, entry_id: str, helpful: bool) -> None:
        """A 👍 or 👎 on an answer, stored per entry only."""
        row = {"created_at": now_utc(), "entry_id": entry_id, "helpful": int(helpful)}
        await self.run(lambda db: db["feedback"].insert(row))  # type: ignore[union-attr]

    async def record_faq_change(
        self,
        content_hash: str,
        added: list[str],
        changed: list[str],
        removed: list[str],
        retrained: bool,
        by: str,
    ) -> None:
        """One accepted FAQ edit."""
        row = {
            "created_at": now_utc(),
            "content_hash": content_hash,
            "added": ",".join(added),
            "changed": ",".join(changed),
            "removed": ",".join(removed),
            "retrained": int(retrained),
            "by": by,
        }
        await self.run(lambda db: db["faq_changes"].insert(row))  # type: ignore[union-attr]

    async def delete_chat(self, chat_id: int) -> int:
        """Delete everything stored about one chat (UU 27/2022 request); return rows removed."""

        def delete(db: Database) -> int:
            removed = 0
            with db.atomic():
                for table in ("deliveries", "subscriptions", "claim_watchers", "chats"):
                    removed += db.execute(f"DELETE FROM {table} WHERE chat_id = ?", [chat_id]).rowcount
            return removed

        return await self.run(delete)

    async def purge_older_than(self, days: int) -> int:
        """Retention: drop unanswered questions, pending claims (and who waits for them) and admin log
        entries older than ``days``."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")

        def purge(db: Database) -> int:
            removed = db.execute("DELETE FROM unanswered WHERE created_at < ?", [cutoff]).rowcount
            removed += db.execute("DELETE FROM admin_log WHERE created_at < ?", [cutoff]).rowcount
            removed += db.execute(
                "DELETE FROM claim_watchers WHERE created_at < ? OR pending_id IN "
                "(SELECT id FROM pending_claims WHERE created_at < ?)",
                [cutoff, cutoff],
            ).rowcount
            removed += db.execute("DELETE FROM pending_claims WHERE created_at < ?", [cutoff]).rowcount
            return removed

        return await self.run(purge)
