"""The Rasa client under a peak: questions queue on a few connections; a Rasa that stops answering
sends the questions queued behind it to limited mode at once, and later questions try again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.rasa_client import RasaClient, RasaUnavailable


class StandIn:
    """A /model/parse that answers slowly, or never while ``hang`` is set; counts concurrency."""

    def __init__(self) -> None:
        self.hang = False
        self.now = self.most = 0

    async def parse(self, request: web.Request) -> web.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            while self.hang:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.01)
            text = (await request.json())["text"]
            return web.json_response({"text": text, "intent": {"name": "tanggal_pemilu", "confidence": 0.9}})
        finally:
            self.now -= 1


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[StandIn, str]]:
    stand_in = StandIn()
    app = web.Application()
    app.router.add_post("/model/parse", stand_in.parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield stand_in, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_peak_queues_on_a_few_connections_and_everyone_is_answered(rasa: tuple[StandIn, str]) -> None:
    stand_in, url = rasa
    client = RasaClient(url, timeout=0.5, max_concurrent=4)
    await client.start()
    try:
        # 200 questions x 10 ms / 4 at a time = 0.5 s: longer than each one's timeout, yet all answered
        results = await asyncio.gather(*(client.parse(f"q{n}") for n in range(200)))
    finally:
        await client.close()
    assert [r.text for r in results] == [f"q{n}" for n in range(200)]
    assert stand_in.most <= 4


async def test_a_rasa_that_stops_answering_fails_the_queue_fast(rasa: tuple[StandIn, str]) -> None:
    stand_in, url = rasa
    client = RasaClient(url, timeout=0.5, max_concurrent=2)
    await client.start()
    try:
        stand_in.hang = True
        started = time.monotonic()
        results = await asyncio.gather(*(client.parse(f"q{n}") for n in range(40)), return_exceptions=True)
        took = time.monotonic() - started
        assert all(isinstance(r, RasaUnavailable) for r in results)
        assert took < 2.0, f"{took:.1f} s: the queue waited out one timeout after another"
        stand_in.hang = False
        assert (await client.parse("lagi")).text == "lagi", "a later question tries Rasa again"
    finally:
        await client.close()
