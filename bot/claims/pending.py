"""Pending claims in SQLite: messages no claim matched yet, who asked to be told, and claim edits.

Privacy (UU 27/2022): a pending claim is text only. A chat id is stored only when its user pressed
"Beri tahu saya bila sudah dicek", and it is deleted once they are told, after ``RETENTION_DAYS``,
or on /hapusdata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from bot.digest import PendingClaim, Week
from bot.faq.loader import normalise_question
from bot.storage import Storage
from bot.storage.db import now_utc

MAX_TEXT = 4096


@dataclass(frozen=True)
class PendingGroup:
    """Pending messages that read the same (or lean to the same claim), for staff."""

    text: str
    count: int
    watchers: int
    best_claim: str | None
    best_score: float | None
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class Waiting:
    """A pending message that at least one person asked to be told about."""

    pending_id: int
    text: str
    chat_ids: tuple[int, ...]


async def add_pending(
    storage: Storage, text: str, decision: str, best_claim: str | None, best_score: float | None
) -> int:
    """Keep a message the bot could not answer with a verdict; return its id (for the notify button)."""
    row = {
        "created_at": now_utc(),
        "text": text[:MAX_TEXT],
        "decision": decision,
        "best_claim": best_claim,
        "best_score": best_score,
    }

    def write(db: Database) -> int:
        cursor = db.execute(
            "INSERT INTO pending_claims (created_at, text, decision, best_claim, best_score) "
            "VALUES (:created_at, :text, :decision, :best_claim, :best_score)",
            row,
        )
        return int(cursor.lastrowid or 0)

    return await storage.run(write)


async def add_watcher(storage: Storage, pending_id: int, chat_id: int) -> bool:
    """This chat wants to be told when the message is checked; False if it is gone or already told."""

    def write(db: Database) -> bool:
        row = db.execute("SELECT resolved_at FROM pending_claims WHERE id = ?", [pending_id]).fetchone()
        if row is None or row[0] is not None:
            return False
        db.execute(
            "INSERT OR IGNORE INTO claim_watchers (pending_id, chat_id, created_at) VALUES (?, ?, ?)",
            [pending_id, chat_id, now_utc()],
        )
        return True

    return await storage.run(write)


async def waiting(storage: Storage) -> list[Waiting]:
    """Unresolved pending messages with the chats waiting for them."""

    def read(db: Database) -> list[Waiting]:
        rows = db.execute(
            "SELECT p.id, p.text, group_concat(w.chat_id) FROM pending_claims p "
            "JOIN claim_watchers w ON w.pending_id = p.id WHERE p.resolved_at IS NULL "
            "GROUP BY p.id ORDER BY p.id"
        ).fetchall()
        return [Waiting(r[0], r[1], tuple(int(c) for c in str(r[2]).split(","))) for r in rows]

    return await storage.run(read)


async def resolve(storage: Storage, pending_id: int, claim_id: str) -> None:
    """The message now matches ``claim_id`` and its watchers were told: forget who they were."""

    def write(db: Database) -> None:
        with db.atomic():
            db.execute(
                "UPDATE pending_claims SET resolved_claim = ?, resolved_at = ? WHERE id = ?",
                [claim_id, now_utc(), pending_id],
            )
            db.execute("DELETE FROM claim_watchers WHERE pending_id = ?", [pending_id])

    await storage.run(write)


def grouped(db: Database, days: int | None = None, include_resolved: bool = False) -> list[PendingGroup]:
    """Pending messages grouped by their normalised text, most frequent first (for staff)."""
    where, params = [], []
    if not include_resolved:
        where.append("p.resolved_at IS NULL")
    if days is not None:
        cutoff = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
        where.append("p.created_at >= ?")
        params.append(cutoff)
    sql = (
        "SELECT p.id, p.created_at, p.text, p.best_claim, p.best_score, "
        "(SELECT count(*) FROM claim_watchers w WHERE w.pending_id = p.id) FROM pending_claims p"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY p.id"
    )
    groups: dict[str, list[tuple[str, str, str | None, float | None, int]]] = {}
    for _id, created, text, best, score, watchers in db.execute(sql, params).fetchall():
        groups.setdefault(normalise_question(text), []).append((created, text, best, score, watchers))
    result = []
    for rows in groups.values():
        best_row = max(rows, key=lambda r: r[3] or 0.0)
        result.append(
            PendingGroup(
                text=rows[-1][1],
                count=len(rows),
                watchers=sum(r[4] for r in rows),
                best_claim=best_row[2],
                best_score=best_row[3],
                first_seen=rows[0][0],
                last_seen=rows[-1][0],
            )
        )
    result.sort(key=lambda g: (-g.count, -g.watchers, g.last_seen))
    return result


async def record_claim_change(
    storage: Storage, content_hash: str, added: list[str], changed: list[str], removed: list[str], by: str
) -> None:
    """One accepted edit of the claim files (audit history, like faq_changes)."""
    row = {
        "created_at": now_utc(),
        "content_hash": content_hash,
        "added": ",".join(added),
        "changed": ",".join(changed),
        "removed": ",".join(removed),
        "by": by,
    }
    await storage.run(lambda db: db["claim_changes"].insert(row))  # type: ignore[union-attr]


async def purge(storage: Storage, days: int) -> int:
    """Retention: pending messages and watchers older than ``days`` are deleted."""
    cutoff = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")

    def write(db: Database) -> int:
        with db.atomic():
            removed = db.execute("DELETE FROM claim_watchers WHERE created_at < ?", [cutoff]).rowcount
            removed += db.execute(
                "DELETE FROM claim_watchers WHERE pending_id IN "
                "(SELECT id FROM pending_claims WHERE created_at < ?)",
                [cutoff],
            ).rowcount
            removed += db.execute("DELETE FROM pending_claims WHERE created_at < ?", [cutoff]).rowcount
        return removed

    return await storage.run(write)


async def forget_chat(storage: Storage, chat_id: int) -> int:
    """/hapusdata: this chat no longer waits for any check."""
    return await storage.run(
        lambda db: db.execute("DELETE FROM claim_watchers WHERE chat_id = ?", [chat_id]).rowcount
    )


def digest_claims(db: Database, week: Week) -> list[PendingClaim]:
    """The weekly staff digest's "Klaim menunggu staf": unresolved pending messages, grouped, that
    had arrived by the end of ``week`` (a :data:`bot.digest.ClaimsProvider`)."""
    end = week.end.isoformat()
    return [
        PendingClaim(text=g.text, reports=g.count, first_seen=g.first_seen)
        for g in grouped(db)
        if g.first_seen < end
    ]
