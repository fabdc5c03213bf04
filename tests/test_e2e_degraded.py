"""Rasa down: the bot keeps answering clear FAQ questions in limited mode, and says so."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import free_port, running_bot

pytestmark = pytest.mark.e2e


async def test_limited_mode_when_rasa_is_down(tmp_path: Path) -> None:
    dead_rasa = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    async with running_bot(dead_rasa, tmp_path) as bot:
        replies = await bot.ask("kpn nyoblos")
        text = "\n".join(r["params"]["text"] for r in replies)
        assert "Mode terbatas" in text and "14 Februari 2024" in text
        [unknown] = await bot.ask("resep rendang enak")
        assert "mode terbatas" in unknown["params"]["text"]
        assert "14 Februari" not in unknown["params"]["text"]


@contextlib.asynccontextmanager
async def proxy(port: int, target: str) -> AsyncIterator[None]:
    """Rasa "coming back": a plain HTTP forwarder on ``port`` to the real Rasa server."""
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        async with session.request(
            request.method, f"{target}{request.rel_url}", data=await request.read(), headers=request.headers
        ) as resp:
            return web.Response(status=resp.status, body=await resp.read(), content_type=resp.content_type)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()
        await session.close()


async def test_back_to_rasa_by_itself_when_it_returns(rasa_url: str, tmp_path: Path) -> None:
    port = free_port()
    async with running_bot(f"http://127.0.0.1:{port}", tmp_path) as bot:
        limited = "\n".join(r["params"]["text"] for r in await bot.ask("kapan pemilu?"))
        assert "Mode terbatas" in limited
        async with proxy(port, rasa_url):
            replies = await bot.ask("tgl brp pemilu 2024")  # Rasa understands it
            text = "\n".join(r["params"]["text"] for r in replies)
            assert "Mode terbatas" not in text and "14 Februari 2024" in text
        after = "\n".join(r["params"]["text"] for r in await bot.ask("kapan pemilu?"))
        assert "Mode terbatas" in after, "down again: limited mode again"
