"""A minimal Socket.IO client (Engine.IO 4 over a websocket) speaking Rasa's socket.io channel, as
the web chat widget does: ``session_request`` → ``session_confirm``, ``user_uttered`` →
``bot_uttered``. For benchmarks; the browser tests use the real widget."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiohttp


class SocketChat:
    """One web chat conversation over ``ws://host/socket.io/``."""

    def __init__(self, base_url: str, origin: str | None = None) -> None:
        self.url = base_url.replace("http", "ws", 1).rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self.origin = origin
        self.session_id = uuid.uuid4().hex
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self.first_at = 0.0
        """``time.perf_counter()`` when the first message of the last answer arrived."""

    async def __aenter__(self) -> SocketChat:
        self._session = aiohttp.ClientSession()
        headers = {"Origin": self.origin} if self.origin else {}
        self._ws = await self._session.ws_connect(self.url, headers=headers, autoping=True)
        opening = await self._ws.receive_str()
        if not opening.startswith("0"):
            raise RuntimeError(f"not an Engine.IO open packet: {opening[:80]}")
        await self._ws.send_str("40")  # connect to the default namespace
        self._reader = asyncio.create_task(self._read())
        kind, _ = await asyncio.wait_for(self._events.get(), 10)
        if kind != "connect":
            raise RuntimeError(f"Socket.IO connect refused: {kind}")
        await self.emit("session_request", {"session_id": self.session_id})
        kind, _ = await asyncio.wait_for(self._events.get(), 10)
        if kind != "session_confirm":
            raise RuntimeError(f"expected session_confirm, got {kind}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    async def emit(self, event: str, data: Any) -> None:
        assert self._ws is not None
        await self._ws.send_str("42" + json.dumps([event, data]))

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            packet: str = message.data
            if packet == "2":  # Engine.IO ping → pong
                await self._ws.send_str("3")
            elif packet.startswith("40"):
                await self._events.put(("connect", None))
            elif packet.startswith("44"):
                await self._events.put(("connect_error", packet[2:]))
            elif packet.startswith("42"):
                event, *args = json.loads(packet[2:])
                await self._events.put((event, args[0] if args else None))

    async def ask(self, text: str, timeout: float = 30) -> list[dict[str, Any]]:
        """Send ``text``; return the bot's messages, up to the one carrying buttons or a quiet gap."""
        await self.emit("user_uttered", {"message": text, "session_id": self.session_id})
        messages: list[dict[str, Any]] = []
        kind, data = await asyncio.wait_for(self._events.get(), timeout)
        while True:
            if kind == "bot_uttered":
                if not messages:
                    self.first_at = time.perf_counter()
                messages.append(data)
                if data.get("quick_replies") or data.get("buttons"):
                    return messages
            try:
                kind, data = await asyncio.wait_for(self._events.get(), 0.3)
            except asyncio.TimeoutError:
                return messages
