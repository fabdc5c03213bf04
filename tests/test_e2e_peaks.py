"""Peaks, with Telegram's limits ON at the fake Bot API (30 messages in any sliding second counted at
arrival, 1 per second per private chat, 20 per minute per group): nobody's reply is lost, every
chat's replies come in order, and a broadcast shares the budget without crowding citizens out."""

from __future__ import annotations

import asyncio
import functools
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.broadcast import store
from bot.conversation import FEEDBACK_PREFIX
from tests.conftest import BotHarness, running_bot
from tests.fakebotapi.server import FakeTelegram

pytestmark = pytest.mark.e2e

QUESTIONS = [
    "kapan pemilu 2024?",
    "jam berapa tps buka",
    "bawa apa aja ke tps",
    "cara lapor hoaks gmn",
    "surat suara warna apa aja",
]


def _limits_on(tg: FakeTelegram) -> None:
    tg.set_rate_limits()


@pytest.fixture
async def peak_bot(rasa_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(rasa_url, tmp_path, before_start=_limits_on) as harness:
        yield harness


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def entry_of(message: dict[str, Any]) -> str | None:
    """The FAQ entry a reply answers, read from its 👍 button."""
    markup = message["params"].get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith(FEEDBACK_PREFIX):
                return data.removeprefix(FEEDBACK_PREFIX).rpartition(":")[0]
    return None


async def test_300_citizens_in_the_same_second_all_get_answers(peak_bot: BotHarness) -> None:
    tg = peak_bot.tg
    chats = list(range(10_001, 10_301))
    asked: dict[int, float] = {}
    for index, chat in enumerate(chats):
        tg.send_user_message(chat, QUESTIONS[index % len(QUESTIONS)])
        asked[chat] = time.monotonic()
    await wait_for(lambda: all(tg.messages_to(c) for c in chats), 60, "300 answers")
    first = [tg.messages_to(c)[0]["at"] - asked[c] for c in chats]
    assert tg.stats["429"] == 0, "the bot passed Telegram's limits"
    assert tg.max_in_window(1.0) <= 30
    assert p95(first) <= 15.0, f"first-answer p95 {p95(first):.1f} s"
    assert all(entry_of(tg.messages_to(c)[-1]) for c in chats), "every reply is an FAQ answer"


async def test_600_subscriptions_at_once_are_all_confirmed(peak_bot: BotHarness) -> None:
    tg = peak_bot.tg
    chats = list(range(20_001, 20_601))
    for chat in chats:
        tg.send_user_message(chat, "/langganan")
    await wait_for(lambda: all(tg.messages_to(c) for c in chats), 90, "600 confirmations")
    assert all("berlangganan" in tg.messages_to(c)[0]["params"]["text"] for c in chats)
    assert tg.stats["429"] == 0
    stored = peak_bot.db.execute("SELECT COUNT(*) FROM subscriptions WHERE active = 1").fetchone()[0]
    assert stored == 600


async def test_rapid_messages_are_answered_in_order_in_every_chat(peak_bot: BotHarness) -> None:
    tg = peak_bot.tg
    expected = []  # which entry answers each question, asked once in a quiet chat
    for question in QUESTIONS:
        [reply] = await peak_bot.ask(question, chat_id=99)
        expected.append(entry_of(reply))
    assert len(set(expected)) == len(QUESTIONS), expected
    chats = list(range(30_001, 30_201))
    for question in QUESTIONS:  # each chat sends 5 messages in a row, interleaved with the others
        for chat in chats:
            tg.send_user_message(chat, question)
    await wait_for(lambda: all(len(tg.messages_to(c)) >= 5 for c in chats), 120, "1,000 answers")
    for chat in chats:
        assert [entry_of(m) for m in tg.messages_to(chat)] == expected, f"chat {chat} out of order"
    assert tg.stats["429"] == 0


async def test_broadcast_shares_the_budget_and_citizens_go_first(peak_bot: BotHarness) -> None:
    tg, storage = peak_bot.tg, peak_bot.storage
    subscribers = list(range(40_001, 41_001))
    for chat in subscribers:
        tg.add_chat(chat)
        await storage.run(functools.partial(store.subscribe, chat_id=chat))
    await storage.run(
        functools.partial(store.create_broadcast, text="<b>Info</b> uji", provinces=None, created_by="t")
    )
    peak_bot.services.engine.wake.set()
    await wait_for(lambda: len(tg.sent) >= 100, 30, "the broadcast to start")
    waits = []
    for n in range(20):  # citizens keep asking while the broadcast runs
        chat = 50_001 + n
        sent_at = time.monotonic()
        tg.send_user_message(chat, QUESTIONS[n % len(QUESTIONS)])
        await wait_for(lambda c=chat: tg.messages_to(c), 10, "a citizen's answer")  # type: ignore[misc]
        waits.append(tg.messages_to(chat)[0]["at"] - sent_at)
        await asyncio.sleep(0.5)
    await wait_for(lambda: all(tg.messages_to(c) for c in subscribers), 120, "the broadcast to finish")
    broadcast = sorted(m["at"] for m in tg.sent if m["chat_id"] in set(subscribers))
    rate = (len(broadcast) - 1) / (broadcast[-1] - broadcast[0])
    assert tg.stats["429"] == 0
    assert tg.max_in_window(1.0) <= 30
    assert p95(waits) <= 2.0, f"citizens waited p95 {p95(waits):.2f} s"
    assert rate >= 24.0, f"broadcast {rate:.1f}/s"
    assert all(len(tg.messages_to(c)) == 1 for c in subscribers), "one message per subscriber"
