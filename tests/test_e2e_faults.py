"""Telegram misbehaving while the bot polls: 5xx, 429, dropped connections, timeouts, latency.

Every update sent during the faults is answered exactly once after they clear: none lost, none twice.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from pathlib import Path

import pytest

from tests.conftest import running_bot
from tests.fakebotapi.server import FakeTelegram

pytestmark = pytest.mark.e2e


async def test_polling_survives_faults_without_losing_or_repeating_updates(
    rasa_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="telegram.ext")
    # poll_timeout 1 s + slack 1 s: a getUpdates answer slower than ~3 s counts as timed out
    async with running_bot(rasa_url, tmp_path, poll_read_slack=1.0) as bot:
        await bot.ask("kapan pemilu?")  # polling works
        tg = bot.tg
        tg.fail_next("getUpdates", 502, "Bad Gateway", times=2)
        tg.fail_next("getUpdates", drop_connection=True)
        tg.fail_next("getUpdates", error_code=None, delay=4.0)  # hangs past the read timeout
        tg.fail_next("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1)
        tg.fail_next("getUpdates", 500, delay=0.5)  # slow and failing
        tg.set_latency(0.2)  # every call slow while the faults last
        faults_started = time.monotonic()
        chats = list(range(8001, 8013))

        async def citizens() -> None:
            for chat in chats:  # spread over the fault window
                tg.send_user_message(chat, "kapan pemilu?")
                await asyncio.sleep(0.4)

        sender = asyncio.create_task(citizens())
        while tg.faults_pending("getUpdates"):
            assert time.monotonic() - faults_started < 60, "the faults never cleared"
            await asyncio.sleep(0.1)
        tg.set_latency(0)
        await sender
        for chat in chats:
            await tg.wait_for_messages(chat, 1, timeout=30)
        await asyncio.sleep(1.5)  # a repeated update would have been answered by now

        answers = {chat: [m["params"]["text"] for m in tg.messages_to(chat)] for chat in chats}
        assert all(len(texts) == 1 for texts in answers.values()), {c: len(t) for c, t in answers.items()}
        assert all("14 Februari 2024" in texts[0] for texts in answers.values())
        assert tg.stats["502"] == 2 and tg.stats["429"] == 1 and tg.stats["faults"] == 6
        polls = [at for method, _, at in tg.timed_calls if method == "getUpdates" and at >= faults_started]
        gaps = [b - a for a, b in itertools.pairwise(polls)]
        assert max(gaps) >= 1.0, "the bot backs off instead of hammering a failing API"
        assert any("Timed out" in r.getMessage() for r in caplog.records), "the hang was a client timeout"


async def test_start_survives_a_flaky_api(rasa_url: str, tmp_path: Path) -> None:
    """deleteWebhook (polling's bootstrap) and setMyCommands failing at start do not stop the bot."""

    def flaky(tg: FakeTelegram) -> None:
        tg.fail_next("deleteWebhook", 502, "Bad Gateway", times=2)
        tg.fail_next("setMyCommands", 500)

    async with running_bot(rasa_url, tmp_path, before_start=flaky) as bot:
        text = "\n".join(m["params"]["text"] for m in await bot.ask("kapan pemilu?"))
        assert "14 Februari 2024" in text
        assert bot.tg.stats["502"] == 2 and bot.tg.stats["500"] == 1


async def test_webhook_start_survives_a_flaky_api(rasa_url: str, tmp_path: Path) -> None:
    """setWebhook failing at first is retried; the commands menu is set once the API answers."""

    def flaky(tg: FakeTelegram) -> None:
        tg.fail_next("setWebhook", 500)
        tg.fail_next("setWebhook", drop_connection=True)

    async with running_bot(rasa_url, tmp_path, webhook=True, before_start=flaky) as bot:
        text = "\n".join(m["params"]["text"] for m in await bot.ask("kapan pemilu?"))
        assert "14 Februari 2024" in text
        assert bot.tg.commands, "setMyCommands was called at start"


async def test_failed_replies_are_retried_then_counted_and_reported(rasa_url: str, tmp_path: Path) -> None:
    """A reply that meets 5xx is sent again; one that still fails (or a 403 from a citizen who
    blocked the bot) is counted by reason, shown in `pemilubot laporan` and `pemilubot status`."""
    from bot.health import check_sending
    from bot.report import as_text, build_report

    async with running_bot(rasa_url, tmp_path) as bot:
        tg = bot.tg
        tg.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        [reply] = await bot.ask("kapan pemilu?", chat_id=8101)  # two 502s, then delivered
        assert "14 Februari 2024" in reply["params"]["text"]
        tg.fail_next("sendMessage", 500, "Internal Server Error", times=10)
        tg.send_user_message(8102, "jam berapa tps buka")
        for _ in range(200):  # 1 try + 3 retries with back-off 0.5, 1, 2 s
            if tg.faults_pending("sendMessage") <= 6:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        tg._faults.clear()
        tg.add_chat(8103)
        tg.block(8103)
        tg.send_user_message(8103, "bawa apa ke tps")
        for _ in range(100):
            total = bot.db.execute("SELECT COALESCE(SUM(count), 0) FROM send_failures").fetchone()
            if total[0] >= 2:
                break
            await asyncio.sleep(0.1)
        report = as_text(build_report(bot.db))
    assert tg.messages_to(8102) == [], "the reply that kept failing was not sent later by surprise"
    assert "1×  jaringan/server Telegram" in report and "1×  403 diblokir pengguna" in report
    check = check_sending(tmp_path / "bot.db")
    assert check.ok and "2 balasan gagal terkirim" in check.detail
