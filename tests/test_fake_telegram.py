"""The fake Bot API answers like Telegram: shapes, validation from the spec, errors, long polling."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter

from tests.fakebotapi.server import FakeTelegram

TOKEN = "42:FAKE"


async def call(
    tg: FakeTelegram, method: str, token: str = TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.base_url}/bot{token}/{method}", json=params) as resp,
    ):
        return resp.status, await resp.json()


@pytest.fixture
async def tg() -> FakeTelegram:
    async with FakeTelegram(token=TOKEN) as server:
        yield server  # type: ignore[misc]


async def test_get_me_and_unknown_method_and_token(tg: FakeTelegram) -> None:
    status, body = await call(tg, "getMe")
    assert status == 200 and body["ok"] and body["result"]["is_bot"] is True
    assert await call(tg, "getMe", token="1:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (await call(tg, "sendMesage"))[0] == 404
    assert (await call(tg, "GETME"))[0] == 200  # method names are case-insensitive


async def test_send_message_shape_and_validation(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    status, body = await call(
        tg, "sendMessage", chat_id=7, text="<b>halo</b> &amp; selamat", parse_mode="HTML"
    )
    assert status == 200
    message = body["result"]
    assert message["text"] == "halo & selamat" and message["chat"]["id"] == 7 and message["from"]["is_bot"]
    assert (await call(tg, "sendMessage", chat_id=7))[1][
        "description"
    ] == "Bad Request: message text is empty"
    assert (await call(tg, "sendMessage", text="x"))[1]["description"] == "Bad Request: chat_id is empty"
    assert (await call(tg, "sendMessage", chat_id=8, text="x"))[1][
        "description"
    ] == "Bad Request: chat not found"
    bad = await call(tg, "sendMessage", chat_id=7, text="<h1>x</h1>", parse_mode="HTML")
    assert bad[0] == 400 and 'Unsupported start tag "h1"' in bad[1]["description"]
    unclosed = await call(tg, "sendMessage", chat_id=7, text="<b>x", parse_mode="HTML")
    assert 'Can\'t find end tag corresponding to start tag "b"' in unclosed[1]["description"]
    assert (await call(tg, "sendMessage", chat_id=7, text="a & b", parse_mode="HTML"))[0] == 400
    too_long = await call(tg, "sendMessage", chat_id=7, text="x" * 4097)
    assert too_long[1]["description"] == "Bad Request: message is too long"
    button = {"inline_keyboard": [[{"text": "t", "callback_data": "x" * 65}]]}
    assert (await call(tg, "sendMessage", chat_id=7, text="x", reply_markup=button))[1]["description"] == (
        "Bad Request: BUTTON_DATA_INVALID"
    )
    wrong_type = await call(tg, "sendMessage", chat_id=7, text="x", reply_markup=json.dumps([1]))
    assert wrong_type[0] == 400


async def test_blocked_rate_limited_and_faults(tg: FakeTelegram) -> None:
    tg.block(9)
    assert await call(tg, "sendMessage", chat_id=9, text="x") == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    tg.add_chat(10)
    tg.set_rate_limits(global_per_second=2, per_chat_per_second=None)
    await call(tg, "sendMessage", chat_id=10, text="1")
    await call(tg, "sendMessage", chat_id=10, text="2")
    status, body = await call(tg, "sendMessage", chat_id=10, text="3")
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    assert body["description"].startswith("Too Many Requests: retry after")
    tg.set_rate_limits(None, None, None)
    tg.fail_next("sendMessage", 502, "Bad Gateway")
    assert (await call(tg, "sendMessage", chat_id=10, text="4"))[0] == 502
    assert (await call(tg, "sendMessage", chat_id=10, text="5"))[0] == 200


async def test_get_updates_offset_and_long_poll(tg: FakeTelegram) -> None:
    first = tg.send_user_message(1, "halo")
    _, body = await call(tg, "getUpdates", timeout=0)
    assert [u["update_id"] for u in body["result"]] == [first["update_id"]]
    _, body = await call(tg, "getUpdates", offset=first["update_id"] + 1, timeout=0)
    assert body["result"] == []
    asyncio.get_running_loop().call_later(0.3, tg.send_user_message, 1, "lagi")
    started = time.monotonic()
    _, body = await call(tg, "getUpdates", offset=first["update_id"] + 1, timeout=5)
    assert 0.2 < time.monotonic() - started < 3 and body["result"][0]["message"]["text"] == "lagi"
    await call(tg, "setWebhook", url="https://example.org/hook")
    assert (await call(tg, "getUpdates"))[0] == 409


async def test_real_ptb_bot_sees_telegram_errors(tg: FakeTelegram) -> None:
    tg.add_chat(5)
    tg.block(6)
    async with Bot(TOKEN, base_url=f"{tg.base_url}/bot") as bot:
        assert (await bot.get_me()).username == "tanya_pemilu_bot"
        message = await bot.send_message(5, "<i>hai</i>", parse_mode="HTML")
        assert message.text == "hai"
        with pytest.raises(BadRequest):
            await bot.send_message(404, "x")
        with pytest.raises(Forbidden):
            await bot.send_message(6, "x")
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(5, "x")
        assert int(getattr(info.value.retry_after, "total_seconds", lambda: info.value.retry_after)()) == 3


async def test_limits_count_at_arrival_even_when_the_answer_is_slow(tg: FakeTelegram) -> None:
    """Telegram counts a message when the request arrives, not when it answers: 30 requests in
    flight at once use up the second, the 31st is refused although no answer has come back yet."""
    for chat in range(1, 41):
        tg.add_chat(chat)
    tg.set_rate_limits(global_per_second=30, per_chat_per_second=1)
    tg.set_latency(0.3)
    results = await asyncio.gather(*(call(tg, "sendMessage", chat_id=c, text="x") for c in range(1, 32)))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 30 and statuses.count(429) == 1
    assert tg.max_in_window(1.0) == 30


async def test_private_chat_and_group_budgets(tg: FakeTelegram) -> None:
    tg.add_chat(5)
    tg.add_chat(-100, chat_type="supergroup")
    tg.set_rate_limits(global_per_second=None, per_chat_per_second=1, group_per_minute=20)
    assert (await call(tg, "sendMessage", chat_id=5, text="1"))[0] == 200
    status, body = await call(tg, "sendMessage", chat_id=5, text="2")
    assert status == 429 and body["parameters"]["retry_after"] == 1
    await asyncio.sleep(1.0)  # a second later (minus the tolerance) the chat may get one more
    assert (await call(tg, "sendMessage", chat_id=5, text="3"))[0] == 200
    for n in range(20):
        assert (await call(tg, "sendMessage", chat_id=-100, text=str(n)))[0] == 200
    status, body = await call(tg, "sendMessage", chat_id=-100, text="21st")
    assert status == 429 and 50 <= body["parameters"]["retry_after"] <= 60


def test_max_in_window_is_a_sliding_window() -> None:
    tg = FakeTelegram()
    tg.arrivals = [0.0, 0.5, 0.99, 1.0, 1.2, 1.98, 2.5]
    assert tg.max_in_window(1.0) == 4  # 0.99, 1.0, 1.2, 1.98
    assert tg.max_in_window(0.1) == 2
