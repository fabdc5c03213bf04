"""The schema, one migration at a time. Never edit an applied migration: add a new one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("tanya_pemilu")


@migrations()
def m001_chats_and_unanswered(db: Database) -> None:
    """Chats that talked to the bot (for broadcasts) and questions it could not answer."""
    db["chats"].create(  # type: ignore[union-attr]
        {"chat_id": int, "first_seen": str, "last_seen": str}, pk="chat_id"
    )
    # Text only: no chat or user id, so a question cannot be traced back to a citizen.
    db["unanswered"].create(  # type: ignore[union-attr]
        {"id": int, "created_at": str, "text": str, "reason": str, "top_intent": str, "confidence": float},
        pk="id",
    )
    db["unanswered"].create_index(["created_at"])  # type: ignore[union-attr]


@migrations()
def m002_faq_changes_feedback_stats(db: Database) -> None:
    """FAQ change history, 👍/👎 per entry, and daily counts of answers (no user ids anywhere)."""
    db["faq_changes"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "created_at": str,
            "content_hash": str,
            "added": str,
            "changed": str,
            "removed": str,
            "retrained": int,
            "by": str,
        },
        pk="id",
    )
    db["feedback"].create(  # type: ignore[union-attr]
        {"id": int, "created_at": str, "entry_id": str, "helpful": int}, pk="id"
    )
    db["feedback"].create_index(["entry_id"])  # type: ignore[union-attr]
    db["answer_counts"].create(  # type: ignore[union-attr]
        {"day": str, "entry_id": str, "count": int}, pk=("day", "entry_id")
    )


@migrations()
def m003_subscriptions_and_broadcasts(db: Database) -> None:
    """Opt-in subscriptions and the persistent broadcast queue (a row per recipient per broadcast)."""
    db["subscriptions"].create(  # type: ignore[union-attr]
        {"chat_id": int, "province": str, "active": int, "subscribed_at": str, "updated_at": str},
        pk="chat_id",
    )
    db["broadcasts"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "created_at": str,
            "created_by": str,
            "text": str,
            "provinces": str,
            "scheduled_at": str,
            "state": str,
            "started_at": str,
            "finished_at": str,
            "total": int,
            "status_chat_id": int,
            "status_message_id": int,
        },
        pk="id",
    )
    db["deliveries"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "broadcast_id": int,
            "chat_id": int,
            "state": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("broadcast_id", "broadcasts", "id")],
    )
    db["deliveries"].create_index(["broadcast_id", "chat_id"], unique=True)  # type: ignore[union-attr]
    db["deliveries"].create_index(["broadcast_id", "state"])  # type: ignore[union-attr]
    db["admin_log"].create(  # type: ignore[union-attr]
        {"id": int, "created_at": str, "admin_id": int, "action": str, "detail": str}, pk="id"
    )


@migrations()
def m004_send_failures(db: Database) -> None:
    """Replies Telegram did not take after every retry, counted per day, method and reason (no ids)."""
    db["send_failures"].create(  # type: ignore[union-attr]
        {"day": str, "method": str, "reason": str, "count": int}, pk=("day", "method", "reason")
    )


@migrations()
def m005_weekly_digests(db: Database) -> None:
    """Which admin got the weekly digest for which ISO week, so a restart neither repeats nor skips it."""
    db["weekly_digests"].create(  # type: ignore[union-attr]
        {"week": str, "admin_id": int, "sent_at": str, "outcome": str}, pk=("week", "admin_id")
    )


@migrations()
def m006_claims(db: Database) -> None:
    """Cek Hoaks: messages no claim matched yet (text only), who asked to be told (until told or
    RETENTION_DAYS), and the history of claim-file edits."""
    # Text only, like `unanswered`: no chat or user id here.
    db["pending_claims"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "created_at": str,
            "text": str,
            "decision": str,
            "best_claim": str,
            "best_score": float,
            "resolved_claim": str,
            "resolved_at": str,
        },
        pk="id",
    )
    db["pending_claims"].create_index(["created_at"])  # type: ignore[union-attr]
    # The one place a chat id meets a message: only for those who pressed "Beri tahu saya".
    db["claim_watchers"].create(  # type: ignore[union-attr]
        {"pending_id": int, "chat_id": int, "created_at": str},
        pk=("pending_id", "chat_id"),
        foreign_keys=[("pending_id", "pending_claims", "id")],
    )
    db["claim_watchers"].create_index(["chat_id"])  # type: ignore[union-attr]
    db["claim_changes"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "created_at": str,
            "content_hash": str,
            "added": str,
            "changed": str,
            "removed": str,
            "by": str,
        },
        pk="id",
    )


@migrations()
def m007_inbox(db: Database) -> None:
    """Updates received but not yet handled (raw JSON), so a crash loses none: each row is deleted as
    soon as its update has been handled, normally within seconds."""
    db["inbox"].create(  # type: ignore[union-attr]
        {"update_id": int, "received_at": str, "data": str}, pk="update_id"
    )
