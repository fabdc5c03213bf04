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
