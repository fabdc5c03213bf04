"""Webhook mode: the fake Telegram pushes updates to our aiohttp server, which checks the secret."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import ConfigError, Settings
from tests.conftest import WEBHOOK_SECRET, free_port, running_bot

pytestmark = pytest.mark.e2e


async def post(url: str, body: bytes, secret: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


def user_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": chat_id, "type": "private", "first_name": "Eve"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Eve"},
            "text": text,
        },
    }


async def test_replies_arrive_in_webhook_mode(rasa_url: str, tmp_path: Path) -> None:
    async with running_bot(rasa_url, tmp_path, webhook=True) as bot:
        settings = bot.services.settings
        assert bot.tg.webhook["url"] == settings.webhook_url
        assert bot.tg.webhook["secret_token"] == WEBHOOK_SECRET
        assert "message" in bot.tg.webhook["allowed_updates"]
        text = "\n".join(m["params"]["text"] for m in await bot.ask("kapan pemilu?"))
        assert "14 Februari 2024" in text
        [welcome] = await bot.ask("/start")
        before = len(bot.tg.messages_to(bot.chat_id))
        bot.tg.press_button(bot.chat_id, welcome["result"]["message_id"], "faq:tanggal_pemilu")
        replies = await bot.tg.wait_for_messages(bot.chat_id, before + 1)
        assert "14 Februari 2024" in replies[-1]["params"]["text"]
        assert all(status == 200 for _, status in bot.tg.webhook_deliveries)
        assert not any(method == "getUpdates" for method, _ in bot.tg.calls), "no polling in webhook mode"
    assert bot.tg.webhook["url"], "the webhook stays set at shutdown (Telegram keeps updates meanwhile)"


async def test_wrong_or_missing_secret_is_refused_and_not_processed(
    rasa_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(rasa_url, tmp_path, webhook=True) as bot:
        url = bot.services.settings.webhook_url
        bot.tg.add_chat(4242)  # so a processed update would be answered
        body = json.dumps(user_update(900001, 4242, "kapan pemilu?")).encode()
        with caplog.at_level(logging.WARNING):
            for secret in (None, "", "wrong-secret-0123456789", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1]):
                assert (await post(url, body, secret))[0] == 403
        refusals = [r.getMessage() for r in caplog.records if "without the right secret" in r.getMessage()]
        assert len(refusals) == 5
        assert not any(WEBHOOK_SECRET in r.getMessage() for r in caplog.records)
        # malformed bodies with the right secret: 400, and the server keeps working
        for bad in (b"{not json", b"[1, 2]", b'"text"', b'{"update_id": "x", "message": 5}', b"\xff\xfe"):
            assert (await post(url, bad, WEBHOOK_SECRET))[0] == 400
        await bot.ask("kapan pemilu?")  # a later update: the refused ones would have been handled by now
        await asyncio.sleep(0.3)
        assert bot.tg.messages_to(4242) == [], "a refused update is never processed"
        # the same update with the right secret is processed
        assert await post(url, body, WEBHOOK_SECRET) == (200, {"ok": True})
        [reply] = await bot.tg.wait_for_messages(4242, 1)
        assert "14 Februari 2024" in reply["params"]["text"]


async def test_fake_retries_failed_deliveries(rasa_url: str, tmp_path: Path) -> None:
    """A webhook that is briefly unreachable loses nothing: Telegram (the fake) retries."""
    async with running_bot(rasa_url, tmp_path, webhook=True) as bot:
        settings = bot.services.settings
        bot.tg.webhook["url"] = f"http://127.0.0.1:{free_port()}/telegram"  # nothing listens there
        bot.tg.send_user_message(5151, "kapan pemilu?")
        for _ in range(50):
            if bot.tg.stats["webhook_failures"] >= 2:
                break
            await asyncio.sleep(0.05)
        assert bot.tg.webhook_last_error is not None
        bot.tg.webhook["url"] = settings.webhook_url
        [reply] = await bot.tg.wait_for_messages(5151, 1, timeout=10)
        assert "14 Februari 2024" in reply["params"]["text"]


async def test_healthz_reports_each_component(rasa_url: str, tmp_path: Path) -> None:
    # No web chat, so no action server to check (tests/test_status.py covers a running one).
    async with running_bot(rasa_url, tmp_path, webhook=True, web_chat_port=0) as bot:
        base = f"http://127.0.0.1:{bot.services.settings.webhook_port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/healthz") as resp:
                assert resp.status == 200
                body = await resp.json()
            assert body["ok"] is True
            components = body["components"]
            assert set(components) == {
                "rasa",
                "obrolan web",
                "server aksi",
                "database",
                "pengiriman",
                "telegram",
            }
            assert components["obrolan web"]["state"] == "tidak dipakai"
            assert components["rasa"]["state"] == "ok" and "dimuat" in components["rasa"]["detail"]
            assert components["database"]["state"] == "ok"
            assert (
                components["telegram"]["state"] == "ok"
                and "webhook terpasang" in (components["telegram"]["detail"])
            )
            assert components["server aksi"]["state"] == "tidak dipakai"
            assert "WEB_CHAT_PORT=0" in components["server aksi"]["detail"]
            bot.tg.webhook["url"] = ""  # someone deleted our webhook
            async with session.get(f"{base}/healthz") as resp:
                assert resp.status == 503
                body = await resp.json()
            assert body["ok"] is False and body["components"]["telegram"]["state"] == "gagal"
            assert "Perbaikan" in body["components"]["telegram"]["detail"]


async def test_healthz_503_when_rasa_is_down(tmp_path: Path) -> None:
    async with running_bot(f"http://127.0.0.1:{free_port()}", tmp_path, webhook=True) as bot:
        base = f"http://127.0.0.1:{bot.services.settings.webhook_port}"
        async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as resp:
            assert resp.status == 503
            body = await resp.json()
        assert body["components"]["rasa"]["state"] == "gagal"
        assert body["components"]["database"]["state"] == "ok"
        # the bot still answers (limited mode) over the webhook
        text = "\n".join(m["params"]["text"] for m in await bot.ask("kpn nyoblos"))
        assert "Mode terbatas" in text


def test_webhook_mode_refuses_to_start_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.go.id/telegram")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET kosong") as info:
        Settings.load(env_file=None)
    assert "refuses to start" in str(info.value)
    monkeypatch.setenv("WEBHOOK_SECRET", "short")
    with pytest.raises(ConfigError, match="16-256"):
        Settings.load(env_file=None)
    monkeypatch.setenv("WEBHOOK_SECRET", "a" * 32)
    settings = Settings.load(env_file=None)
    assert settings.webhook_path == "/telegram" and "a" * 32 not in repr(settings)
    monkeypatch.delenv("WEBHOOK_URL")
    assert Settings.load(env_file=None).webhook_url == "", "polling stays the default"


async def test_bot_refuses_webhook_server_without_secret() -> None:
    from bot.tg.webhook import WebhookServer

    with pytest.raises(ValueError):
        WebhookServer(object(), "", "/t", "127.0.0.1", 0, health=None)  # type: ignore[arg-type]
