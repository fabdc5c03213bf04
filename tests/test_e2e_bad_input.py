"""Bad input handled deliberately: floods, groups, edits, channel posts, forged buttons, /hapusdata."""

from __future__ import annotations

import asyncio
import functools
import time

import pytest

from bot import texts
from bot.broadcast import store
from bot.flood import FloodGuard
from tests.conftest import BotHarness

pytestmark = pytest.mark.e2e


def test_flood_guard_warns_once_then_drops() -> None:
    guard = FloodGuard(limit=3, window=60)
    verdicts = [guard.check(1, now=t) for t in (0, 1, 2, 3, 4)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop"]
    assert guard.check(1, now=70) == "ok"  # the minute has passed
    assert guard.check(2, now=4) == "ok"  # per user


async def test_flood_gets_one_slow_down_then_silence(bot: BotHarness) -> None:
    chat = 2001
    for _ in range(23):
        bot.tg.send_user_message(chat, "kapan pemilu?")
    await bot.tg.wait_for_messages(chat, 21, timeout=30)
    await asyncio.sleep(1.0)
    texts_sent = [m["params"]["text"] for m in bot.tg.messages_to(chat)]
    assert texts_sent.count(texts.SLOW_DOWN) == 1
    assert len(texts_sent) == 21


async def test_group_answers_only_mentions_and_commands(bot: BotHarness) -> None:
    group = -100123
    bot.tg.add_chat(group, "Grup Warga", chat_type="group")
    bot.tg.send_user_update(
        {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": bot.tg.chats[group],
                "from": {"id": 77, "is_bot": False, "first_name": "Ani"},
                "text": "kapan pemilu?",
            }
        }
    )
    bot.tg.send_user_update(
        {
            "message": {
                "message_id": 2,
                "date": int(time.time()),
                "chat": bot.tg.chats[group],
                "from": {"id": 77, "is_bot": False, "first_name": "Ani"},
                "text": "@tanya_pemilu_bot kapan pemilu?",
            }
        }
    )
    messages = await bot.tg.wait_for_messages(group, 1)
    await asyncio.sleep(0.5)
    assert len(bot.tg.messages_to(group)) == 1 and "14 Februari 2024" in messages[0]["params"]["text"]
    assert list(bot.db.query("SELECT * FROM chats")) == [], "group ids are not stored as citizens"


async def test_edited_messages_and_channel_posts_are_ignored(bot: BotHarness) -> None:
    original = bot.tg.send_user_message(3001, "kapan pemilu?")
    await bot.tg.wait_for_messages(3001, 1)
    bot.tg.send_user_update({"edited_message": {**original["message"], "text": "jam tps?", "edit_date": 1}})
    bot.tg.add_chat(-1009, "Kanal", chat_type="channel")
    bot.tg.send_user_update(
        {"channel_post": {"message_id": 5, "date": 1, "chat": bot.tg.chats[-1009], "text": "kapan pemilu?"}}
    )
    await bot.ask("jam berapa tps buka?", chat_id=3002)  # later update, so the two above were processed
    assert len(bot.tg.messages_to(3001)) == 1 and bot.tg.messages_to(-1009) == []


async def test_forged_and_stale_buttons(bot: BotHarness) -> None:
    [welcome] = await bot.ask("/start", chat_id=3003)
    for data in ("faq:tidak_ada", "fb:tanggal_pemilu:7", "xx", "faq:" + "a" * 50):
        bot.tg.press_button(3003, welcome["result"]["message_id"], data)
    await bot.tg.wait_for_messages(3003, 3)  # one message a second in a chat
    await asyncio.sleep(1.5)  # and no third answer after those
    replies = bot.tg.messages_to(3003)[1:]
    assert [r["params"]["text"] for r in replies] == [texts.UNKNOWN_BUTTON, texts.UNKNOWN_BUTTON]
    assert list(bot.db.query("SELECT * FROM feedback")) == []


async def test_delete_my_data_after_confirmation(bot: BotHarness) -> None:
    await bot.ask("kapan pemilu?", chat_id=3004)
    await bot.storage.run(functools.partial(store.subscribe, chat_id=3004))
    [ask] = await bot.ask("/hapusdata", chat_id=3004)
    bot.tg.press_button(3004, ask["result"]["message_id"], "hapus:ya")
    for _ in range(100):
        if (
            bot.db.execute("SELECT COUNT(*) FROM subscriptions WHERE chat_id = 3004").fetchone()[0]
            == 0
        ):
            break
        await asyncio.sleep(0.05)
    for table in ("chats", "subscriptions"):
        assert bot.db.execute(f"SELECT COUNT(*) FROM {table} WHERE chat_id = 3004").fetchone()[0] == 0


async def test_too_long_question_gets_a_short_note_and_is_not_stored(bot: BotHarness) -> None:
    text = "kapan pemilu " * 60  # 780 characters, over the 500 a question may have
    [reply] = await bot.ask(text, chat_id=3010)
    assert reply["params"]["text"] == texts.TOO_LONG
    assert list(bot.db.query("SELECT * FROM unanswered")) == []
    [ok] = await bot.ask("kapan pemilu?", chat_id=3010)  # a normal question right after is answered
    assert "14 Februari 2024" in ok["params"]["text"]


async def test_inline_query_gets_no_results_and_a_private_chat_button(bot: BotHarness) -> None:
    bot.tg.send_user_update(
        {
            "inline_query": {
                "id": "iq1",
                "from": {"id": 3011, "is_bot": False, "first_name": "Ani"},
                "query": "kapan pemilu",
                "offset": "",
            }
        }
    )
    for _ in range(100):
        calls = [p for method, p in bot.tg.calls if method == "answerInlineQuery"]
        if calls:
            break
        await asyncio.sleep(0.05)
    [params] = calls
    assert params["inline_query_id"] == "iq1" and params["results"] == []
    assert params["button"] == {"text": texts.INLINE_HINT, "start_parameter": "inline"}
    assert bot.tg.messages_to(3011) == [], "nothing is sent to anyone"
