"""The one door out (bot/tg/outbound.py), with PTB's real ExtBot against the fake Bot API with
Telegram's limits on, counted where the fake receives the requests."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.tg.outbound import BACKGROUND, OutboundLimiter, Priority
from tests.fakebotapi.server import FakeTelegram

TOKEN = "42:OUTBOUND"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        fake.set_rate_limits()  # Telegram's: 30/s overall, 1/s per private chat, 20/min per group
        for chat in range(1, 401):
            fake.add_chat(chat)
        yield fake


class Failures:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, method: str, reason: str) -> None:
        self.seen.append((method, reason))


def make_bot(tg: FakeTelegram, limiter: OutboundLimiter) -> ExtBot[Priority]:
    return ExtBot(TOKEN, base_url=f"{tg.base_url}/bot", rate_limiter=limiter)


async def test_a_burst_to_many_chats_stays_under_every_limit(tg: FakeTelegram) -> None:
    limiter = OutboundLimiter(25)
    async with make_bot(tg, limiter) as bot:
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(chat, f"m{n}") for n in range(2) for chat in range(1, 51)))
        took = time.monotonic() - started
    assert tg.stats["429"] == 0
    assert len(tg.messages_to(7)) == 2
    assert tg.max_in_window(1.0) <= 30  # 25 let out per second; arrival jitter may add a few, never past 30
    assert 3.0 <= took < 8.0, took  # 100 messages at 25/s: about 4 s


async def test_one_chat_gets_one_message_a_second_in_order(tg: FakeTelegram) -> None:
    limiter = OutboundLimiter(25)
    async with make_bot(tg, limiter) as bot:
        await asyncio.gather(*(bot.send_message(3, f"part {n}") for n in range(4)))
    sent = tg.messages_to(3)
    assert [m["params"]["text"] for m in sent] == ["part 0", "part 1", "part 2", "part 3"]
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.95 and tg.stats["429"] == 0


async def test_replies_go_before_background_sends(tg: FakeTelegram) -> None:
    limiter = OutboundLimiter(10)
    async with make_bot(tg, limiter) as bot:
        background = [
            asyncio.create_task(bot.send_message(chat, "siaran", rate_limit_args=BACKGROUND))
            for chat in range(100, 160)
        ]
        await asyncio.sleep(0.3)  # the broadcast is under way
        replies = [asyncio.create_task(bot.send_message(chat, "jawaban")) for chat in range(1, 11)]
        await asyncio.gather(*replies)
        background_done = sum(task.done() for task in background)
        await asyncio.gather(*background)
    order = [m["params"]["text"] for m in tg.sent]
    last_reply = max(i for i, text in enumerate(order) if text == "jawaban")
    assert order[last_reply + 1 :].count("siaran") >= 40, "the replies overtook the queued broadcast"
    assert background_done < 20
    assert tg.stats["429"] == 0


async def test_429_pauses_every_send_and_the_same_request_goes_again(tg: FakeTelegram) -> None:
    limiter = OutboundLimiter(25)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    async with make_bot(tg, limiter) as bot:
        started = time.monotonic()
        message = await bot.send_message(5, "tetap sampai")
        other = await bot.send_message(6, "menunggu jeda")
        took = time.monotonic() - started
    assert message.text == "tetap sampai" and other.text == "menunggu jeda"
    assert took >= 1.0
    assert limiter.stats["retry_after"] == 1
    assert [m["params"]["text"] for m in tg.sent] == ["tetap sampai", "menunggu jeda"]


async def test_server_errors_are_retried_then_reported(tg: FakeTelegram) -> None:
    failures = Failures()
    limiter = OutboundLimiter(25, backoff=0.01, retries_on_error=2, on_failure=failures)
    async with make_bot(tg, limiter) as bot:
        tg.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        assert (await bot.send_message(8, "setelah dua 502")).text == "setelah dua 502"
        tg.fail_next("sendMessage", 500, "Internal Server Error", times=3)
        with pytest.raises(NetworkError):
            await bot.send_message(8, "tiga kali gagal")
        tg.block(9)
        with pytest.raises(Forbidden):
            await bot.send_message(9, "diblokir")
        with pytest.raises(BadRequest):
            await bot.send_message(8, "")
    assert failures.seen == [
        ("sendMessage", "jaringan/server Telegram"),
        ("sendMessage", "403 diblokir pengguna"),
        ("sendMessage", "400 permintaan ditolak"),
    ]
    assert limiter.stats["retried"] == 4


async def test_background_errors_go_straight_back_to_the_engine(tg: FakeTelegram) -> None:
    failures = Failures()
    limiter = OutboundLimiter(25, backoff=0.01, on_failure=failures)
    tg.fail_next("sendMessage", 502, "Bad Gateway")
    async with make_bot(tg, limiter) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(8, "siaran", rate_limit_args=BACKGROUND)
    assert failures.seen == [], "the broadcast engine records its own failures"
    assert tg.faults_pending("sendMessage") == 0


async def test_a_429_that_never_ends_is_raised(tg: FakeTelegram) -> None:
    limiter = OutboundLimiter(25, retries_on_429=1)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=2)
    async with make_bot(tg, limiter) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(5, "x")


async def test_group_budget(tg: FakeTelegram) -> None:
    tg.add_chat(-500, chat_type="group")
    limiter = OutboundLimiter(25, group_per_minute=3)
    async with make_bot(tg, limiter) as bot:
        first = await asyncio.gather(*(bot.send_message(-500, str(n)) for n in range(3)))
        fourth = asyncio.create_task(bot.send_message(-500, "keempat"))
        await asyncio.sleep(1.0)
        assert len(first) == 3 and not fourth.done(), "a group gets at most 3 a minute here"
        assert limiter.queued == 1
        fourth.cancel()
    assert tg.stats["429"] == 0


async def test_calls_that_send_nothing_are_not_held_back(tg: FakeTelegram) -> None:
    limiter = OutboundLimiter(1)
    async with make_bot(tg, limiter) as bot:
        started = time.monotonic()
        for _ in range(10):
            await bot.get_me()
        assert time.monotonic() - started < 1.0
