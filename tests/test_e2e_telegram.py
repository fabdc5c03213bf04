"""End to end: a citizen on (fake) Telegram ↔ the real PTB bot ↔ the real Rasa server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.conversation import FEEDBACK_PREFIX
from bot.faq.render import render_messages
from tests.conftest import TODAY, BotHarness

pytestmark = pytest.mark.e2e


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["params"]["text"] for m in messages)


def buttons_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message["params"].get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def expected_answer(bot: BotHarness, entry_id: str, lang: str = "id") -> str:
    entry = bot.services.conversation.faq.get(entry_id)
    assert entry is not None, entry_id
    return "\n".join(render_messages(entry, TODAY, lang))


async def test_voting_date_with_source(bot: BotHarness) -> None:
    replies = await bot.ask("kapan pemilu?")
    text = text_of(replies)
    assert "14 Februari 2024" in text
    assert "Rabu" in text
    assert "telah dilaksanakan" in text  # today (2026) the vote is in the past
    assert "Sumber" in text and 'href="http' in text
    assert text == expected_answer(bot, "tanggal_pemilu")


@pytest.mark.parametrize("question", ["kpn nyoblos?", "tgl brp pemilu 2024", "when is the election?"])
async def test_voting_date_casual_and_english(bot: BotHarness, question: str) -> None:
    text = text_of(await bot.ask(question))
    assert "14 Februari 2024" in text or "14 February 2024" in text


async def test_english_question_gets_english_answer(bot: BotHarness) -> None:
    text = text_of(await bot.ask("when is the election day?"))
    assert "Wednesday, 14 February 2024" in text and "Official source" in text


async def test_offices_on_the_ballot(bot: BotHarness) -> None:
    text = text_of(await bot.ask("pemilu 2024 milih apa aja sih?"))
    for office in ("Presiden", "DPR", "DPD", "DPRD"):
        assert office in text


async def test_hoax_tips(bot: BotHarness) -> None:
    replies = await bot.ask("gimana cara tau berita itu hoaks atau bukan?")
    assert text_of(replies) == expected_answer(bot, "kenali_hoaks")


async def test_off_topic_gets_honest_fallback_and_is_logged(bot: BotHarness) -> None:
    replies = await bot.ask("resep rendang padang yang enak gimana?")
    text = text_of(replies)
    assert "Maaf" in text and "belum bisa menjawab" in text
    assert "14 Februari" not in text
    assert buttons_of(replies[-1]), "suggested topics as buttons"
    await asyncio.sleep(0.1)
    rows = list(bot.db.query("SELECT * FROM unanswered"))
    assert [r["text"] for r in rows] == ["resep rendang padang yang enak gimana?"]
    assert "chat_id" not in rows[0] and "user_id" not in rows[0]


async def test_opinion_question_gets_neutral_reply(bot: BotHarness) -> None:
    replies = await bot.ask("Siapa yang harus saya pilih?")
    text = text_of(replies)
    assert text == expected_answer(bot, "netralitas")
    assert "tidak pernah menyarankan" in text and "rahasia" in text
    for word in ("sebaiknya pilih", "terbaik", "paling bagus"):
        assert word not in text.lower()


async def test_start_keyboard_and_button_press(bot: BotHarness) -> None:
    [welcome] = await bot.ask("/start")
    assert "Tanya Pemilu" in welcome["params"]["text"]
    buttons = buttons_of(welcome)
    assert ("Tanggal pemilu", "faq:tanggal_pemilu") in buttons
    assert len(buttons) >= 4
    before = len(bot.tg.messages_to(bot.chat_id))
    bot.tg.press_button(bot.chat_id, welcome["result"]["message_id"], "faq:tanggal_pemilu")
    messages = await bot.tg.wait_for_messages(bot.chat_id, before + 1)
    assert "14 Februari 2024" in messages[-1]["params"]["text"]
    assert any(method == "answerCallbackQuery" for method, _ in bot.tg.calls)


async def test_feedback_button_is_stored_per_entry(bot: BotHarness) -> None:
    [answer] = await bot.ask("kapan pemilu?")
    votes = [data for _, data in buttons_of(answer) if data.startswith(FEEDBACK_PREFIX)]
    assert votes == ["fb:tanggal_pemilu:1", "fb:tanggal_pemilu:0"]
    bot.tg.press_button(bot.chat_id, answer["result"]["message_id"], votes[0])
    for _ in range(100):
        rows = list(bot.db.query("SELECT entry_id, helpful FROM feedback"))
        if rows:
            break
        await asyncio.sleep(0.05)
    assert rows == [{"entry_id": "tanggal_pemilu", "helpful": 1}]


async def test_help_command(bot: BotHarness) -> None:
    text = text_of(await bot.ask("/bantuan"))
    assert "/start" in text and "netral" in text


async def test_sticker_gets_text_only_reply(bot: BotHarness) -> None:
    before = len(bot.tg.messages_to(bot.chat_id))
    bot.tg.send_user_update(bot.tg.sticker_update(bot.chat_id))
    messages = await bot.tg.wait_for_messages(bot.chat_id, before + 1)
    assert "hanya bisa membaca pesan teks" in messages[-1]["params"]["text"]


async def test_chat_is_remembered_without_text(bot: BotHarness) -> None:
    await bot.ask("kapan pemilu?", chat_id=777)
    rows = list(bot.db.query("SELECT * FROM chats"))
    assert [r["chat_id"] for r in rows] == [777]
    assert set(rows[0]) == {"chat_id", "first_seen", "last_seen"}
