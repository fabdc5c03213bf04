"""Publishing FAQ edits while running: answers swap at once, bad edits are refused whole and reported."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.faq import FaqError
from bot.faq.publisher import FaqPublisher, diff
from bot.faq.store import FaqStore
from bot.storage import Storage
from tests.helpers_faq import entry_yaml, write_faq


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, FaqStore, Storage]:
    folder = tmp_path / "responses"
    write_faq(folder, "tps.yml", entry_yaml("jam_tps"))
    storage = Storage(tmp_path / "p.db")
    yield folder, FaqStore(folder), storage  # type: ignore[misc]
    storage.close()


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / "tps.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


async def test_answer_edit_swaps_without_retraining(setup: tuple[Path, FaqStore, Storage]) -> None:
    folder, store, storage = setup
    retrained: list[object] = []

    async def retrain(faq: object) -> None:
        retrained.append(faq)

    publisher = FaqPublisher(store, storage, retrain=retrain)
    edit(folder, "<b>07.00</b>", "<b>07.00 tepat</b>")
    change = await publisher.publish(by="tes")
    assert not isinstance(change, FaqError)
    assert change.changed == ["jam_tps"] and not change.questions_changed
    assert "07.00 tepat" in store.current.get("jam_tps").answer  # type: ignore[union-attr]
    await publisher.wait_retrained()
    assert retrained == []
    [row] = storage.db.query("SELECT * FROM faq_changes")
    assert row["changed"] == "jam_tps" and row["by"] == "tes" and row["retrained"] == 0
    assert row["content_hash"] == store.current.content_hash()


async def test_question_edit_retrains_in_background(setup: tuple[Path, FaqStore, Storage]) -> None:
    folder, store, storage = setup
    done = asyncio.Event()

    async def retrain(faq: object) -> None:
        done.set()

    publisher = FaqPublisher(store, storage, retrain=retrain)
    edit(folder, "nomor 3", "ketiga")
    change = await publisher.publish()
    assert not isinstance(change, FaqError) and change.questions_changed
    await asyncio.wait_for(done.wait(), 5)


async def test_bad_edit_refused_whole_and_admins_told(setup: tuple[Path, FaqStore, Storage]) -> None:
    folder, store, storage = setup
    before = store.current
    told: list[str] = []

    async def notify(text: str) -> None:
        told.append(text)

    publisher = FaqPublisher(store, storage, notify=notify)
    edit(folder, "    judul: Jam buka TPS\n", "    judul: Jam buka TPS\n    judul: dua kali\n")
    outcome = await publisher.publish()
    assert isinstance(outcome, FaqError)
    assert store.current is before
    assert len(told) == 1 and "DITOLAK" in told[0] and "tps.yml baris 5" in told[0]
    assert list(storage.db.query("SELECT * FROM faq_changes")) == []


async def test_watcher_publishes_a_saved_file_quickly(setup: tuple[Path, FaqStore, Storage]) -> None:
    folder, store, storage = setup
    publisher = FaqPublisher(store, storage, interval=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(publisher.watch(stop))
    await asyncio.sleep(0.3)
    saved = time.monotonic()
    edit(folder, "<b>07.00</b>", "<b>06.59</b>")
    while "06.59" not in store.current.get("jam_tps").answer:  # type: ignore[union-attr]
        assert time.monotonic() - saved < 5, "live within 5 s"
        await asyncio.sleep(0.05)
    stop.set()
    await task


def test_diff_reports_added_and_removed(tmp_path: Path) -> None:
    from bot.faq import load_faq

    write_faq(tmp_path / "a", "x.yml", entry_yaml("jam_tps"))
    write_faq(tmp_path / "b", "x.yml", entry_yaml("lokasi_tps"))
    change = diff(load_faq(tmp_path / "a"), load_faq(tmp_path / "b"))
    assert change.added == ["lokasi_tps"] and change.removed == ["jam_tps"] and change.questions_changed
