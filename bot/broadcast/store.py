"""Subscriptions and the broadcast queue in SQLite. Plain functions on a Database, run on its thread."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

PENDING, SENDING, SENT, FAILED, BLOCKED = "pending", "sending", "sent", "failed", "blocked"
SCHEDULED, RUNNING, DONE, CANCELLED = "scheduled", "running", "done", "cancelled"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# --- subscriptions -------------------------------------------------------------------------


def subscribe(db: Database, chat_id: int, province: str | None = None) -> None:
    """Opt in (again); keep an earlier province unless a new one is given."""
    stamp = now_iso()
    db.execute(
        "INSERT INTO subscriptions (chat_id, province, active, subscribed_at, updated_at) "
        "VALUES (?, ?, 1, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET active = 1, "
        "province = COALESCE(excluded.province, subscriptions.province), updated_at = excluded.updated_at",
        [chat_id, province, stamp, stamp],
    )


def unsubscribe(db: Database, chat_id: int) -> bool:
    """Opt out; True if the chat was subscribed."""
    cursor = db.execute(
        "UPDATE subscriptions SET active = 0, updated_at = ? WHERE chat_id = ? AND active = 1",
        [now_iso(), chat_id],
    )
    return cursor.rowcount > 0


def subscription(db: Database, chat_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM subscriptions WHERE chat_id = ?", [chat_id]))
    return rows[0] if rows else None


def audience_size(db: Database, provinces: list[str] | None) -> int:
    """How many active subscribers a broadcast to ``provinces`` (None = all) reaches."""
    sql, params = _audience_sql(provinces)
    return int(next(db.query(f"SELECT COUNT(*) AS n FROM ({sql})", params))["n"])


def _audience_sql(provinces: list[str] | None) -> tuple[str, list[Any]]:
    if not provinces:
        return "SELECT chat_id FROM subscriptions WHERE active = 1", []
    marks = ",".join("?" * len(provinces))
    return f"SELECT chat_id FROM subscriptions WHERE active = 1 AND province IN ({marks})", list(provinces)


# --- broadcasts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    state: str
    total: int
    sent: int
    failed: int
    blocked: int
    remaining: int
    started_at: str | None
    finished_at: str | None

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked


def create_broadcast(
    db: Database,
    text: str,
    provinces: list[str] | None,
    created_by: str,
    scheduled_at: datetime | None = None,
) -> int:
    """Store a broadcast and its recipients in one transaction; return its id."""
    with db.atomic():
        when = (scheduled_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        cursor = db.execute(
            "INSERT INTO broadcasts (created_at, created_by, text, provinces, scheduled_at, state, total) "
            "VALUES (?, ?, ?, ?, ?, ?, 0)",
            [
                now_iso(),
                created_by,
                text,
                json.dumps(provinces or []),
                when.isoformat(timespec="milliseconds"),
                SCHEDULED,
            ],
        )
        broadcast_id = int(cursor.lastrowid or 0)
        sql, params = _audience_sql(provinces)
        db.execute(
            "INSERT INTO deliveries (broadcast_id, chat_id, state, attempts) "
            f"SELECT ?, chat_id, '{PENDING}', 0 FROM ({sql})",
            [broadcast_id, *params],
        )
        total = next(db.query("SELECT COUNT(*) AS n FROM deliveries WHERE broadcast_id = ?", [broadcast_id]))
        db.execute("UPDATE broadcasts SET total = ? WHERE id = ?", [total["n"], broadcast_id])
    return broadcast_id


def due_broadcast(db: Database, now: datetime) -> dict[str, Any] | None:
    """The running broadcast, else the oldest scheduled one whose time has come."""
    rows = list(
        db.query(
            "SELECT * FROM broadcasts WHERE state = ? OR (state = ? AND scheduled_at <= ?) "
            "ORDER BY CASE state WHEN ? THEN 0 ELSE 1 END, scheduled_at, id LIMIT 1",
            [RUNNING, SCHEDULED, now.astimezone(timezone.utc).isoformat(timespec="milliseconds"), RUNNING],
        )
    )
    return rows[0] if rows else None


def mark_running(db: Database, broadcast_id: int) -> None:
    db.execute(
        "UPDATE broadcasts SET state = ?, started_at = COALESCE(started_at, ?) WHERE id = ?",
        [RUNNING, now_iso(), broadcast_id],
    )


def recover_in_flight(db: Database) -> int:
    """After a crash: rows left 'sending' may or may not have gone out; send them again."""
    return db.execute("UPDATE deliveries SET state = ? WHERE state = ?", [PENDING, SENDING]).rowcount


def claim(db: Database, broadcast_id: int, limit: int, now: datetime) -> list[tuple[int, int, int]]:
    """Mark up to ``limit`` due pending rows 'sending'; return (delivery id, chat id, attempts)."""
    stamp = now.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    with db.atomic():
        rows = [
            (r["id"], r["chat_id"], r["attempts"])
            for r in db.query(
                "SELECT id, chat_id, attempts FROM deliveries WHERE broadcast_id = ? AND state = ? "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
                [broadcast_id, PENDING, stamp, limit],
            )
        ]
        if rows:
            marks = ",".join("?" * len(rows))
            db.execute(
                f"UPDATE deliveries SET state = ? WHERE id IN ({marks})", [SENDING, *[r[0] for r in rows]]
            )
    return rows


def release(db: Database, delivery_ids: list[int]) -> None:
    """Put claimed rows that were never sent back in the queue."""
    marks = ",".join("?" * len(delivery_ids))
    db.execute(
        f"UPDATE deliveries SET state = ? WHERE state = ? AND id IN ({marks})",
        [PENDING, SENDING, *delivery_ids],
    )


def finish_delivery(db: Database, delivery_id: int, state: str, error: str | None = None) -> None:
    db.execute(
        "UPDATE deliveries SET state = ?, attempts = attempts + 1, last_error = ?, sent_at = ? WHERE id = ?",
        [state, error, now_iso() if state == SENT else None, delivery_id],
    )


def retry_later(
    db: Database, delivery_id: int, when: datetime, error: str, count_attempt: bool = True
) -> None:
    db.execute(
        "UPDATE deliveries SET state = ?, attempts = attempts + ?, next_attempt_at = ?, last_error = ? "
        "WHERE id = ?",
        [
            PENDING,
            int(count_attempt),
            when.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
            error,
            delivery_id,
        ],
    )


def deactivate_subscriber(db: Database, chat_id: int) -> None:
    db.execute("UPDATE subscriptions SET active = 0, updated_at = ? WHERE chat_id = ?", [now_iso(), chat_id])


def next_wakeup(db: Database, broadcast_id: int) -> str | None:
    """When the earliest pending row may be tried, or None if nothing is pending."""
    row = next(
        db.query(
            "SELECT COUNT(*) AS n, MIN(COALESCE(next_attempt_at, '')) AS at FROM deliveries "
            "WHERE broadcast_id = ? AND state IN (?, ?)",
            [broadcast_id, PENDING, SENDING],
        )
    )
    return None if not row["n"] else (row["at"] or "")


def complete_if_done(db: Database, broadcast_id: int) -> bool:
    if next_wakeup(db, broadcast_id) is not None:
        return False
    db.execute(
        "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ? AND state = ?",
        [DONE, now_iso(), broadcast_id, RUNNING],
    )
    return True


def cancel(db: Database, broadcast_id: int) -> None:
    with db.atomic():
        db.execute(
            "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ? AND state IN (?, ?)",
            [CANCELLED, now_iso(), broadcast_id, SCHEDULED, RUNNING],
        )
        db.execute(
            "UPDATE deliveries SET state = ?, last_error = 'dibatalkan' WHERE broadcast_id = ? AND state = ?",
            [FAILED, broadcast_id, PENDING],
        )


def broadcast_state(db: Database, broadcast_id: int) -> str:
    return str(next(db.query("SELECT state FROM broadcasts WHERE id = ?", [broadcast_id]))["state"])


def progress(db: Database, broadcast_id: int) -> Progress:
    b = next(db.query("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id]))
    counts = {
        r["state"]: r["n"]
        for r in db.query(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY state",
            [broadcast_id],
        )
    }
    return Progress(
        broadcast_id,
        b["state"],
        b["total"],
        counts.get(SENT, 0),
        counts.get(FAILED, 0),
        counts.get(BLOCKED, 0),
        counts.get(PENDING, 0) + counts.get(SENDING, 0),
        b["started_at"],
        b["finished_at"],
    )


def set_status_message(db: Database, broadcast_id: int, chat_id: int, message_id: int) -> None:
    db.execute(
        "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
        [chat_id, message_id, broadcast_id],
    )


def list_broadcasts(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", [limit]))


def log_admin(db: Database, admin_id: int, action: str, detail: str = "") -> None:
    db["admin_log"].insert(  # type: ignore[union-attr]
        {"created_at": now_iso(), "admin_id": admin_id, "action": action, "detail": detail[:500]}
    )
