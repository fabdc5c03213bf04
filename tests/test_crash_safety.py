"""SQLite under kill -9: WAL plus one transaction per logical write, so a crash leaves no half state."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.broadcast import store
from bot.storage import open_database

REPO = Path(__file__).resolve().parents[1]

# Writes as fast as it can what the bot writes: broadcasts with their recipients (one transaction),
# claims, deliveries, cancellations, chats, unanswered questions, admin log.
WRITER = """
import sys
from datetime import datetime, timezone
from bot.broadcast import store
from bot.storage import open_database

db = open_database(sys.argv[1])
for chat in range(1, 401):
    store.subscribe(db, chat, None)
print("ready", flush=True)
i = 0
while True:
    i += 1
    bid = store.create_broadcast(db, f"siaran {i}", None, "crash-test")
    store.mark_running(db, bid)
    for delivery_id, chat_id, _ in store.claim(db, bid, 60, datetime.now(timezone.utc)):
        store.finish_delivery(db, delivery_id, store.SENT if chat_id % 7 else store.FAILED, "x")
    if i % 3 == 0:
        store.cancel(db, bid)
    store.log_admin(db, 1, "uji", str(i))
    db.execute(
        "INSERT INTO chats (chat_id, first_seen, last_seen) VALUES (?, 'a', 'b') "
        "ON CONFLICT(chat_id) DO UPDATE SET last_seen = excluded.last_seen",
        [i % 50],
    )
    db["unanswered"].insert({"created_at": "x", "text": "t" * 200, "reason": "r"})
"""


def test_kill_9_during_writes_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    kills = 0
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        time.sleep(delay)
        assert process.poll() is None, "the writer was still writing"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        kills += 1

    db = open_database(path)  # opens and migrates (idempotently) like a restarted bot
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    broadcasts = list(db.query("SELECT * FROM broadcasts"))
    assert len(broadcasts) >= kills, "the writer got some work done before each kill"
    for broadcast in broadcasts:
        rows = list(db.query("SELECT state FROM deliveries WHERE broadcast_id = ?", [broadcast["id"]]))
        # create_broadcast is all or nothing: the row, every recipient, and the total together
        assert broadcast["total"] == len(rows) == 400, broadcast
        states = {r["state"] for r in rows}
        assert states <= {store.PENDING, store.SENDING, store.SENT, store.FAILED}
        if broadcast["state"] == store.CANCELLED:  # cancel is one transaction too
            assert store.PENDING not in states, broadcast
        else:  # claim is one transaction: the batch of 60 was claimed whole or not at all
            assert sum(r["state"] != store.PENDING for r in rows) in (0, 60), broadcast
    sending = db.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'sending'").fetchone()[0]
    assert store.recover_in_flight(db) == sending  # the engine's restart path sends those again
    db.conn.close()
