"""The socket.io door: ``/socket.io/`` proxied to Rasa, for allowed origins only.

Rasa's socket.io endpoint checks no origin (Rasa disables Engine.IO's CORS handling), so it listens
on 127.0.0.1 and browsers reach it only through here. Both Engine.IO transports pass: long-polling
(GET/POST with the query string and body) and the websocket upgrade (text and binary frames pumped
both ways). The browser's Origin and Cookie headers never reach Rasa, and Rasa's CORS and cookie
headers never reach the browser; ours are set for allowed origins only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import weakref
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType, web
from yarl import URL

from bot.web.limits import WebLimits
from bot.web.origins import OriginPolicy, client_ip

log = logging.getLogger(__name__)

SOCKET_PATH = "/socket.io/"
MAX_MESSAGE = 64 * 1024
"""Largest polling body or websocket frame a browser may send (a question is a few hundred bytes)."""
POLL_READ_TIMEOUT = 60.0
"""A long-poll GET is held by Engine.IO up to its ping interval (25 s) plus its ping timeout (20 s)."""
_FORWARDED_REQUEST_HEADERS = ("Content-Type", "Accept", "User-Agent", "Accept-Language")
_FORWARDED_RESPONSE_HEADERS = ("Content-Type", "Content-Encoding")


def _cors(origin: str | None) -> dict[str, str]:
    if origin is None:
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def _error(status: int, error: str, origin: str | None = None) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status, headers=_cors(origin))


def _sendable(code: int | None) -> int:
    """A close code that may go in a close frame (1005/1006 only describe a connection)."""
    if code is not None and (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
        return code
    return WSCloseCode.GOING_AWAY


def _loggable(origin: str) -> str:
    """An origin for a log line: printable, short."""
    return repr(origin[:200])


class SocketProxy:
    """Handler for every method on ``/socket.io/``."""

    def __init__(self, rasa_url: str, policy: OriginPolicy, limits: WebLimits | None = None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.policy = policy
        self.limits = limits or WebLimits()
        self.session: aiohttp.ClientSession | None = None
        self.refused = 0
        self.limited = 0
        self.upstream_errors = 0
        self._sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()
        self._socket_numbers = itertools.count(1)

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=POLL_READ_TIMEOUT),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        """Close every open websocket (going away), then the upstream session."""
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        if self.session is not None:
            await self.session.close()
            self.session = None

    def _upstream(self, request: web.Request, scheme: str = "http") -> URL:
        base = self.rasa_url
        if scheme == "ws":
            base = "ws" + base[len("http") :] if base.startswith("http") else base
        query = request.rel_url.raw_query_string
        return URL(f"{base}{SOCKET_PATH}" + (f"?{query}" if query else ""), encoded=True)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        ip = client_ip(request)
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        if not self.policy.allows(origin, request):
            self.refused += 1
            log.warning(
                "Web chat: refused %s %s from origin %s (client %s)",
                request.method,
                "websocket" if websocket else "polling",
                _loggable(origin or ""),
                ip,
            )
            return _error(403, "origin not allowed")
        if request.method == "OPTIONS":
            return self._preflight(origin)
        if request.method not in ("GET", "POST"):
            return _error(405, "method not allowed", origin)
        sid = request.query.get("sid")
        if sid is None:
            allowed, what = self.limits.connections.allow(ip), "connection"
        elif request.method == "POST":
            allowed, what = self._message_allowed(ip, f"sid:{sid}"), "message"
        else:
            allowed, what = True, ""
        if not allowed:
            self.limited += 1
            log.warning("Web chat: client %s over its %s limit", ip, what)
            return _error(429, "too many requests", origin)
        if websocket:
            return await self._websocket(request, ip)
        return await self._polling(request, origin)

    def _message_allowed(self, ip: str, conversation: str) -> bool:
        """One message from this address in this conversation: both buckets must allow it."""
        return self.limits.per_conversation.allow(conversation) and self.limits.messages.allow(ip)

    def _preflight(self, origin: str | None) -> web.Response:
        headers = _cors(origin)
        if origin is not None:
            headers.update(
                {
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "600",
                }
            )
        return web.Response(status=204, headers=headers)

    async def _polling(self, request: web.Request, origin: str | None) -> web.StreamResponse:
        assert self.session is not None, "SocketProxy.start() was not called"
        body = await request.read() if request.method == "POST" else None
        headers = {k: v for k in _FORWARDED_REQUEST_HEADERS if (v := request.headers.get(k))}
        # Engine.IO gzips long polling answers for a client that accepts it; the body passes as it
        # comes (with its Content-Encoding), so ask only for what the browser accepts.
        headers["Accept-Encoding"] = request.headers.get("Accept-Encoding", "identity")
        try:
            async with self.session.request(
                request.method, self._upstream(request), data=body, headers=headers, allow_redirects=False
            ) as upstream:
                payload = await upstream.read()
                response_headers = {
                    k: v for k in _FORWARDED_RESPONSE_HEADERS if (v := upstream.headers.get(k))
                }
                status = upstream.status
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            return self._unreachable(exc, origin)
        response_headers.update(_cors(origin))
        return web.Response(status=status, body=payload, headers=response_headers)

    def _unreachable(self, exc: BaseException, origin: str | None) -> web.Response:
        self.upstream_errors += 1
        log.warning("Web chat: Rasa at %s unreachable (%s)", self.rasa_url, type(exc).__name__)
        return _error(502, "rasa unavailable", origin)

    async def _websocket(self, request: web.Request, ip: str) -> web.StreamResponse:
        assert self.session is not None, "SocketProxy.start() was not called"
        try:
            upstream = await self.session.ws_connect(
                self._upstream(request, "ws"),
                autoping=True,
                max_msg_size=0,
                timeout=aiohttp.ClientWSTimeout(ws_close=5),
            )
        except aiohttp.WSServerHandshakeError as exc:  # e.g. an unknown or expired session id
            log.info("Web chat: Rasa refused a websocket upgrade (%s)", exc.status)
            return _error(exc.status if 400 <= exc.status < 600 else 502, "upgrade refused")
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            return self._unreachable(exc, None)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=MAX_MESSAGE)
        try:
            await ws.prepare(request)
        except Exception:
            await upstream.close()
            raise
        self._sockets.add(ws)
        browser_side = asyncio.create_task(self._browser_to_rasa(ws, upstream, ip))
        rasa_side = asyncio.create_task(self._rasa_to_browser(upstream, ws))
        try:
            await asyncio.wait({browser_side, rasa_side}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (browser_side, rasa_side):
                task.cancel()
            await asyncio.gather(browser_side, rasa_side, return_exceptions=True)
            close_code = _sendable(upstream.close_code) if rasa_side.done() else WSCloseCode.OK
            await upstream.close()
            await ws.close(code=close_code)
            self._sockets.discard(ws)
        return ws

    async def _browser_to_rasa(
        self, ws: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse[bool], ip: str
    ) -> None:
        conversation = f"ws:{next(self._socket_numbers)}"
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                if not self._message_allowed(ip, conversation):
                    self.limited += 1
                    log.warning("Web chat: client %s over its message limit; websocket closed", ip)
                    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
                    return
                await self._forward(upstream, msg.type, msg.data)
            elif msg.type == WSMsgType.ERROR:
                return

    async def _rasa_to_browser(
        self, upstream: aiohttp.ClientWebSocketResponse[bool], ws: web.WebSocketResponse
    ) -> None:
        async for msg in upstream:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await self._forward(ws, msg.type, msg.data)
            elif msg.type == WSMsgType.ERROR:
                return

    @staticmethod
    async def _forward(target: Any, kind: WSMsgType, data: Any) -> None:
        if kind == WSMsgType.TEXT:
            await target.send_str(data)
        else:
            await target.send_bytes(data)
