"""Subscriptions and broadcasts through the real bot and the fake Bot API."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from bot.broadcast import store
from tests.conftest import ADMIN_ID, BotHarness

pytestmark = pytest.mark.e2e


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message["params"].get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def wait_until(predicate: Any, timeout: float = 15) -> None:
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def press(bot: BotHarness, chat: int, message: dict[str, Any], data: str) -> None:
    bot.tg.press_button(chat, message["result"]["message_id"], data)


async def test_subscribe_with_province_status_and_stop(bot: BotHarness) -> None:
    [reply] = await bot.ask("/langganan", chat_id=41)
    assert "berlangganan" in reply["params"]["text"]
    labels = buttons(reply)
    assert len(labels) == 39 and ("Jawa Barat", "prov:12") in labels
    await press(bot, 41, reply, "prov:12")

    async def province_saved() -> bool:
        row = await bot.storage.run(functools.partial(store.subscription, chat_id=41))
        return bool(row and row["province"] == "Jawa Barat")

    await wait_until(province_saved)
    [status] = await bot.ask("/status", chat_id=41)
    assert "Jawa Barat" in status["params"]["text"]
    [stopped] = await bot.ask("/berhenti", chat_id=41)
    assert "berhenti berlangganan" in stopped["params"]["text"]
    [status] = await bot.ask("/status", chat_id=41)
    assert "belum berlangganan" in status["params"]["text"]


async def test_forged_province_button_is_refused(bot: BotHarness) -> None:
    [reply] = await bot.ask("/langganan", chat_id=42)
    await press(bot, 42, reply, "prov:99")
    await asyncio.sleep(0.5)
    row = await bot.storage.run(functools.partial(store.subscription, chat_id=42))
    assert row is not None and row["province"] is None


@pytest.mark.parametrize("command", ["/siaran", "/muatulang"])
async def test_admin_commands_refuse_citizens(bot: BotHarness, command: str) -> None:
    [reply] = await bot.ask(command, chat_id=43)
    assert reply["params"]["text"].startswith("Maaf, perintah ini hanya untuk staf")


async def test_admin_broadcast_flow_reaches_subscribers_in_province(bot: BotHarness) -> None:
    for chat in (61, 62, 63):
        await bot.storage.run(
            functools.partial(store.subscribe, chat_id=chat, province="Bali" if chat != 63 else "Aceh")
        )
        bot.tg.add_chat(chat)
    bot.tg.block(62)
    [prompt] = await bot.ask("/siaran", chat_id=ADMIN_ID)
    assert "Tulis pengumuman" in prompt["params"]["text"]
    [audience] = await bot.ask("Batas <pindah> memilih & info", chat_id=ADMIN_ID)
    await press(bot, ADMIN_ID, audience, "aud:pick")
    await asyncio.sleep(0.3)
    await press(bot, ADMIN_ID, audience, "adm:16")  # Bali
    await asyncio.sleep(0.3)
    await press(bot, ADMIN_ID, audience, "adm:done")
    await asyncio.sleep(0.3)
    before = len(bot.tg.messages_to(ADMIN_ID))
    await press(bot, ADMIN_ID, audience, "when:now")
    messages = await bot.tg.wait_for_messages(ADMIN_ID, before + 3)
    preview, summary = messages[-2], messages[-1]
    assert (
        preview["params"]["text"] == "Batas &lt;pindah&gt; memilih &amp; info"
    )  # exactly as citizens see it
    assert "Penerima: <b>2</b>" in summary["params"]["text"] and "Bali" in summary["params"]["text"]
    await press(bot, ADMIN_ID, summary, "ok:send")
    await bot.tg.wait_for_messages(61, 1)
    assert bot.tg.messages_to(61)[0]["result"]["text"] == "Batas <pindah> memilih & info"
    assert bot.tg.messages_to(63) == []

    async def finished() -> bool:
        rows = await bot.storage.run(store.list_broadcasts)
        return bool(rows) and rows[0]["state"] == store.DONE

    await wait_until(finished)
    blocked = await bot.storage.run(functools.partial(store.subscription, chat_id=62))
    assert blocked is not None and blocked["active"] == 0

    async def final_report() -> bool:
        edits = [s for s in bot.tg.sent if s["method"] == "editMessageText" and s["chat_id"] == ADMIN_ID]
        return any("selesai" in e["params"]["text"] for e in edits)

    await wait_until(final_report, timeout=10)
    actions = [r["action"] for r in bot.db.query("SELECT action FROM admin_log")]
    assert actions == ["siaran_mulai", "siaran_kirim"]
