"""End to end, Cek Hoaks: a citizen on (fake) Telegram forwards chain messages to the real bot
(real Rasa, real SQLite): forwards, captions, /cekhoaks as a reply, suggestion buttons, notify later."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from bot.claims import protocol
from bot.claims.checker import NOTIFY_OK, SUGGEST, UNCHECKED
from tests.conftest import REPO, BotHarness, running_bot
from tests.test_claims import BALLOTS, RUNOFF, write_claims

pytestmark = pytest.mark.e2e

TAIWAN = (
    "Sebarkan! Hasil pemilu di Taiwan sudah keluar sebelum hari pencoblosan, paslon nomor 2 dapat "
    "88,6 persen suara dari WNI di sana"
)
UNKNOWN_HOAX = (
    "PENTING!! KPU umumkan jadwal pilpres putaran kedua 26 Juni 2024 sudah resmi ditetapkan, "
    "siapkan diri dan sebarkan ke grup"
)


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["params"]["text"] for m in messages)


def buttons_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message["params"].get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def replies_after(bot: BotHarness, chat: int, before: int, timeout: float = 15) -> list[dict[str, Any]]:
    await bot.tg.wait_for_messages(chat, before + 1, timeout=timeout)
    await asyncio.sleep(0.1)
    return list(bot.tg.messages_to(chat))[before:]


async def forward(
    bot: BotHarness, text: str, chat: int = 2001, media: str | None = None
) -> list[dict[str, Any]]:
    before = len(bot.tg.messages_to(chat))
    bot.tg.send_user_forward(chat, text, media=media)
    return await replies_after(bot, chat, before)


async def press(bot: BotHarness, chat: int, message: dict[str, Any], data: str) -> list[dict[str, Any]]:
    before = len(bot.tg.messages_to(chat))
    bot.tg.press_button(chat, message["result"]["message_id"], data)
    return await replies_after(bot, chat, before)


async def test_a_forwarded_chain_message_gets_the_verdict_with_sources(bot: BotHarness) -> None:
    replies = await forward(bot, TAIWAN)
    text = text_of(replies)
    claim = bot.services.claims.store.claims.get("hasil_taiwan_88_persen")  # type: ignore[union-attr]
    assert claim is not None
    assert "Cek Hoaks" in text and claim.verdict_label in text and 'href="http' in text
    assert buttons_of(replies[-1]) == [
        ("👍 Membantu", protocol.feedback(claim.id, True)),
        ("👎 Kurang membantu", protocol.feedback(claim.id, False)),
    ]
    assert list(bot.db.query("SELECT * FROM pending_claims")) == []  # answered: nothing queued


async def test_a_long_forward_is_checked_not_refused(bot: BotHarness) -> None:
    filler = "Bapak ibu sekalian, mohon dibaca sampai habis dan jangan lupa jaga kesehatan keluarga. " * 20
    text = f"{filler}\n\n{TAIWAN}\n\n{filler}"
    assert 1500 < len(text) <= 4096
    replies = await forward(bot, text)
    assert "terlalu panjang" not in text_of(replies)
    assert "hasil_taiwan_88_persen" in str(buttons_of(replies[-1]))


async def test_a_photo_caption_is_checked(bot: BotHarness) -> None:
    chat = 2002
    before = len(bot.tg.messages_to(chat))
    bot.tg.send_user_media(chat, TAIWAN, media="photo")
    replies = await replies_after(bot, chat, before)
    assert "Cek Hoaks" in text_of(replies) and "hanya bisa membaca pesan teks" not in text_of(replies)
    video = await forward(bot, TAIWAN, chat=chat, media="video")
    assert "hasil_taiwan_88_persen" in str(buttons_of(video[-1]))


async def test_cekhoaks_as_a_reply_checks_the_replied_message(bot: BotHarness) -> None:
    chat = 2003
    original = bot.tg.send_user_media(chat, TAIWAN)["message"]
    await replies_after(bot, chat, 0)
    before = len(bot.tg.messages_to(chat))
    bot.tg.send_user_reply(chat, "/cekhoaks", original)
    replies = await replies_after(bot, chat, before)
    assert "hasil_taiwan_88_persen" in str(buttons_of(replies[-1]))
    # /cekhoaks <teks> and a bare /cekhoaks
    with_text = await bot.ask(f"/cekhoaks {TAIWAN}", chat_id=chat)
    assert "hasil_taiwan_88_persen" in str(buttons_of(with_text[-1]))
    bare = await bot.ask("/cekhoaks", chat_id=chat)
    assert "balas pesan itu dengan /cekhoaks" in text_of(bare)


async def test_a_short_forward_gets_suggestions_and_the_button_gives_the_verdict(bot: BotHarness) -> None:
    chat = 2004
    replies = await forward(bot, "exit poll melbourne = hasil resmi", chat=chat)
    assert text_of(replies) == SUGGEST  # under 8 words: never a verdict at once
    buttons = buttons_of(replies[-1])
    show = [data for _, data in buttons if data.startswith(protocol.SHOW)]
    assert show and show[0] == protocol.show("exit_poll_melbourne_hasil_resmi") and len(show) <= 3
    assert any(data.startswith(protocol.NOTIFY) for _, data in buttons)
    verdict = await press(bot, chat, replies[-1], show[0])
    assert "SALAH" in text_of(verdict) and "Melbourne" in text_of(verdict)
    [row] = bot.db.query("SELECT * FROM pending_claims")
    assert row["text"] == "exit poll melbourne = hasil resmi" and row["decision"] == "saran"


async def test_a_question_about_a_claim_goes_to_the_claim_check(bot: BotHarness) -> None:
    replies = await bot.ask(
        "bener gak katanya hasil pemilu di taiwan udah keluar duluan sebelum 14 februari?"
    )
    text = text_of(replies)
    assert "Cek Hoaks" in text
    assert "hasil_taiwan_88_persen" in str(buttons_of(replies[-1]))


async def test_unknown_claim_is_not_labelled_and_the_asker_is_told_once_staff_check_it(
    rasa_url: str, tmp_path: Path
) -> None:
    responses = tmp_path / "responses"
    shutil.copytree(REPO / "responses", responses, ignore=shutil.ignore_patterns("klaim"))
    write_claims(responses / "klaim", "a.yml", BALLOTS)  # the runoff claim is not there yet
    chat = 2005
    async with running_bot(rasa_url, tmp_path, responses_dir=responses) as bot:
        replies = await forward(bot, UNKNOWN_HOAX, chat=chat)
        text = text_of(replies)
        assert text == UNCHECKED
        assert "SALAH" not in text and "MENYESATKAN" not in text
        assert "aduankonten.id" in text and "Bawaslu" in text
        buttons = buttons_of(replies[-1])
        notify = [data for _, data in buttons if data.startswith(protocol.NOTIFY)]
        assert notify and any(data == "faq:kenali_hoaks" for _, data in buttons)
        [row] = bot.db.query("SELECT * FROM pending_claims")
        assert row["text"] == UNKNOWN_HOAX and "chat_id" not in row
        assert list(bot.db.query("SELECT * FROM claim_watchers")) == []  # nothing until asked
        ok = await press(bot, chat, replies[-1], notify[0])
        assert text_of(ok) == NOTIFY_OK
        [watcher] = bot.db.query("SELECT * FROM claim_watchers")
        assert watcher["chat_id"] == chat

        # staff add the claim; the watch publishes it and the asker is told, in the background lane
        before = len(bot.tg.messages_to(chat))
        started = time.monotonic()
        write_claims(responses / "klaim", "b.yml", RUNOFF)
        told = await replies_after(bot, chat, before, timeout=10)
        assert time.monotonic() - started < 10
        text = text_of(told)
        assert "Kabar Cek Hoaks" in text and "MENYESATKAN" in text and "26 Juni" in text
        assert list(bot.db.query("SELECT * FROM claim_watchers")) == []  # forgotten once told
        [row] = bot.db.query("SELECT * FROM pending_claims")
        assert row["resolved_claim"] == "putaran_kedua_26_juni"
        [change] = bot.db.query("SELECT * FROM claim_changes")
        assert change["added"] == "putaran_kedua_26_juni"
