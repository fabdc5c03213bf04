"""Claim edits go live while the bot runs (the FAQ watch publishes them), are recorded, and the
pending-claims queue keeps text only, with chat ids only for those who asked to be told."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.claims import ClaimError, pending
from bot.claims.publisher import ClaimDiff, ClaimPublisher, describe_publish
from bot.claims.store import ClaimStore
from bot.faq.publisher import FaqPublisher
from bot.faq.store import FaqStore
from bot.storage import Storage
from tests.helpers_faq import entry_yaml, write_faq
from tests.test_claims import BALLOTS, RUNOFF, write_claims


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Path, ClaimStore, Storage]]:
    responses = tmp_path / "responses"
    write_faq(responses, "tps.yml", entry_yaml("jam_tps"))
    folder = responses / "klaim"
    write_claims(folder, "a.yml", BALLOTS)
    storage = Storage(tmp_path / "c.db")
    yield folder, ClaimStore.for_responses(responses), storage
    storage.close()


async def test_a_new_claim_is_published_recorded_and_followed_up(
    setup: tuple[Path, ClaimStore, Storage],
) -> None:
    folder, store, storage = setup
    seen: list[ClaimDiff] = []

    async def after(change: ClaimDiff) -> None:
        seen.append(change)

    publisher = ClaimPublisher(store, storage, after_publish=after)
    assert "putaran_kedua_26_juni" not in store.claims
    write_claims(folder, "a.yml", BALLOTS, RUNOFF)
    change = await publisher.publish(by="tes")
    assert isinstance(change, ClaimDiff) and change.added == ["putaran_kedua_26_juni"]
    assert "putaran_kedua_26_juni" in store.claims
    assert store.matcher.claims is store.claims  # claims and matcher swap together
    assert seen == [change]
    [row] = storage.db.query("SELECT * FROM claim_changes")
    assert row["added"] == "putaran_kedua_26_juni" and row["by"] == "tes"
    assert row["content_hash"] == store.claims.content_hash()
    assert "baru: putaran_kedua_26_juni" in describe_publish(change)


async def test_a_broken_edit_is_refused_whole_and_admins_are_told(
    setup: tuple[Path, ClaimStore, Storage],
) -> None:
    folder, store, storage = setup
    told: list[str] = []

    async def notify(text: str) -> None:
        told.append(text)

    publisher = ClaimPublisher(store, storage, notify=notify)
    before = store.claims
    write_claims(folder, "a.yml", BALLOTS.replace("putusan: SALAH", "putusan: HOAKS"), RUNOFF)
    outcome = await publisher.publish()
    assert isinstance(outcome, ClaimError)
    assert store.claims is before
    assert told and "DITOLAK" in told[0] and "a.yml baris 12" in told[0] and "HOAKS" in told[0]
    assert list(storage.db.query("SELECT * FROM claim_changes")) == []


async def test_the_faq_watch_publishes_claim_edits_within_seconds(
    setup: tuple[Path, ClaimStore, Storage], tmp_path: Path
) -> None:
    folder, store, storage = setup
    faq = FaqPublisher(FaqStore(tmp_path / "responses"), storage, interval=0.1)
    claims = ClaimPublisher(store, storage)
    faq.add_section(claims)
    stop = asyncio.Event()
    watcher = asyncio.create_task(faq.watch(stop))
    try:
        started = time.monotonic()
        write_claims(folder, "b.yml", RUNOFF)
        while "putaran_kedua_26_juni" not in store.claims:
            assert time.monotonic() - started < 10, "claim edit not live within 10 s"
            await asyncio.sleep(0.05)
        # a broken edit reaches the admins through the FAQ publisher's notify
        told: list[str] = []

        async def notify(text: str) -> None:
            told.append(text)

        faq.notify = notify
        (folder / "c.yml").write_text("topik: x\nklaim: [\n", encoding="utf-8")
        while not told:
            assert time.monotonic() - started < 10
            await asyncio.sleep(0.05)
        assert "klaim/c.yml" in told[0]
        assert "putaran_kedua_26_juni" in store.claims  # the last good claims keep serving
    finally:
        stop.set()
        await watcher


async def test_pending_claims_keep_text_and_only_watchers_keep_chat_ids(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "p.db")
    try:
        first = await pending.add_pending(
            storage, "Surat suara sudah dicoblos di gudang!", "tidak_cocok", None, None
        )
        second = await pending.add_pending(storage, "surat suara sudah dicoblos di gudang", "saran", "x", 0.3)
        await pending.add_pending(storage, "pesan lain sama sekali", "tidak_cocok", None, None)
        columns = {c.name for c in storage.db["pending_claims"].columns}  # type: ignore[union-attr]
        assert not {"chat_id", "user_id"} & columns
        assert await pending.add_watcher(storage, second, 42)
        assert await pending.add_watcher(storage, second, 42)  # pressing twice is harmless
        groups = pending.grouped(storage.db)
        assert groups[0].count == 2 and groups[0].watchers == 1 and groups[0].best_claim == "x"
        [waiting] = await pending.waiting(storage)
        assert waiting.pending_id == second and waiting.chat_ids == (42,)
        await pending.resolve(storage, second, "putaran_kedua_26_juni")
        assert await pending.waiting(storage) == []
        assert list(storage.db.query("SELECT * FROM claim_watchers")) == []
        assert not await pending.add_watcher(storage, second, 43)  # already checked
        assert await pending.add_watcher(storage, first, 44)
        assert await pending.forget_chat(storage, 44) == 1
        storage.db.execute("UPDATE pending_claims SET created_at = '2020-01-01T00:00:00+00:00'")
        assert await pending.add_watcher(storage, first, 45)
        storage.db.execute("UPDATE claim_watchers SET created_at = '2020-01-01T00:00:00+00:00'")
        assert await pending.purge(storage, 30) >= 4
        assert list(storage.db.query("SELECT * FROM pending_claims")) == []
        assert list(storage.db.query("SELECT * FROM claim_watchers")) == []
    finally:
        storage.close()


async def test_hapusdata_and_retention_reach_the_claim_queue(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "r.db")
    try:
        kept = await pending.add_pending(storage, "pesan baru", "tidak_cocok", None, None)
        old = await pending.add_pending(storage, "pesan lama", "tidak_cocok", None, None)
        await pending.add_watcher(storage, kept, 77)
        await pending.add_watcher(storage, old, 78)
        storage.db.execute(
            "UPDATE pending_claims SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", [old]
        )
        await storage.delete_chat(77)  # /hapusdata
        assert [r["chat_id"] for r in storage.db.query("SELECT * FROM claim_watchers")] == [78]
        await storage.purge_older_than(30)  # the retention job
        assert [r["text"] for r in storage.db.query("SELECT * FROM pending_claims")] == ["pesan baru"]
        assert list(storage.db.query("SELECT * FROM claim_watchers")) == []
    finally:
        storage.close()


async def test_the_weekly_digest_lists_waiting_claims(tmp_path: Path) -> None:
    from datetime import date, timedelta

    from bot.digest import Week

    storage = Storage(tmp_path / "d.db")
    try:
        for text in ("Gudang KPU terbakar!", "gudang kpu terbakar", "Pemilu diulang"):
            await pending.add_pending(storage, text, "tidak_cocok", None, None)
        done = await pending.add_pending(storage, "sudah dicek", "saran", "x", 0.4)
        await pending.resolve(storage, done, "x")
        claims = pending.digest_claims(storage.db, Week(date.today() - timedelta(days=3)))
        assert [(c.reports, c.text) for c in claims] == [(2, "gudang kpu terbakar"), (1, "Pemilu diulang")]
        assert pending.digest_claims(storage.db, Week(date(2020, 1, 6))) == []  # nothing had arrived yet
    finally:
        storage.close()
