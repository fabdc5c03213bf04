"""The web chat server: static page, pinned widget, headers, health, and the socket.io door to Rasa.

Rasa's side is a real local aiohttp server speaking the shape of Engine.IO (polling answers, a
websocket that echoes), so every byte the proxy passes or drops can be seen; the real Rasa and a
real browser are in tests/test_web_browser.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import logging
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import make_mocked_request
from yarl import URL

from bot.config import Settings
from bot.web import assets
from bot.web.limits import RateLimit, WebLimits
from bot.web.origins import OriginPolicy, client_ip, normalise, own_origin
from bot.web.server import WebChatServer, WebChatStartError, serve_web_chat
from tests.conftest import REPO, free_port

FOREIGN = "https://situs-lain.example"
PARTNER = "https://diskominfo.example.go.id"
LONG_ANSWER = '42["bot_uttered",{"text":"' + "Pemungutan suara 14 Februari 2024. " * 100 + '"}]'


@dataclass
class FakeRasa:
    """Rasa's socket.io endpoint as seen from the proxy: records requests, echoes websocket frames."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    frames: list[Any] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/socket.io/", self.socket)
        app.router.add_get("/webhooks/socketio/", self.health)
        return app

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def socket(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            {
                "method": request.method,
                "query": request.rel_url.raw_query_string,
                "headers": dict(request.headers),
                "body": await request.read(),
            }
        )
        if request.headers.get("Upgrade", "").lower() == "websocket":
            if request.query.get("sid") == "kedaluwarsa":
                return web.json_response({"code": 1, "message": "Session ID unknown"}, status=400)
            return await self.websocket(request)
        headers = {
            "Set-Cookie": "io=secret-cookie; Path=/",
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Credentials": "true",
            "Content-Type": "text/plain; charset=UTF-8",
        }
        if request.method == "POST":
            return web.Response(text="ok", headers=headers)
        if request.query.get("t") == "panjang" and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(LONG_ANSWER.encode())
            return web.Response(body=body, headers={**headers, "Content-Encoding": "gzip"})
        if request.query.get("t") == "panjang":
            return web.Response(text=LONG_ANSWER, headers=headers)
        return web.Response(text='0{"sid":"abc","upgrades":["websocket"]}', headers=headers)

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            self.frames.append(msg.data)
            if msg.type == WSMsgType.TEXT and msg.data == "tutup":
                await ws.close(code=4000, message=b"bye")
            elif msg.type == WSMsgType.TEXT:
                await ws.send_str(f"gema:{msg.data}")
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data[::-1])
        self.closed.set()
        return ws


@contextlib.asynccontextmanager
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    rasa = FakeRasa()
    runner = web.AppRunner(rasa.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    rasa.url = f"http://127.0.0.1:{port}"
    try:
        yield rasa
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def web_chat(rasa_url: str, **overrides: Any) -> AsyncIterator[WebChatServer]:
    limits = overrides.pop("limits", None)
    settings = Settings(rasa_url=rasa_url, web_chat_port=free_port(), **overrides)
    server = WebChatServer(settings, limits=limits)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    async with fake_rasa() as upstream:
        yield upstream


@pytest.fixture
async def server(rasa: FakeRasa) -> AsyncIterator[WebChatServer]:
    async with web_chat(rasa.url, web_chat_origins=(PARTNER,)) as chat:
        yield chat


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        yield session


def base(server: WebChatServer) -> str:
    return server.url.rstrip("/")


# --- the pinned widget ---------------------------------------------------------------------------


def test_vendored_widget_is_the_pinned_npm_build() -> None:
    path = assets.WEB_DIR / assets.WIDGET_PATH
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == assets.WIDGET_SHA256
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert f"sha256 of `index.js`: `{digest}`" in readme
    assert f"rasa-webchat@{assets.WIDGET_VERSION}" in readme
    assert "Apache License" in (path.parent / "LICENSE").read_text(encoding="utf-8")


def test_widget_is_served_without_the_font_cdn() -> None:
    widget = assets.load_widget()
    assert assets.FONT_IMPORT in (assets.WEB_DIR / assets.WIDGET_PATH).read_bytes()
    assert b"fonts.googleapis.com" not in widget.body
    assert gzip.decompress(widget.gzipped) == widget.body
    assert b"window" in widget.body and len(widget.body) > 600_000


def test_a_swapped_widget_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / assets.WIDGET_PATH
    copy.parent.mkdir(parents=True)
    original = (assets.WEB_DIR / assets.WIDGET_PATH).read_bytes()
    copy.write_bytes(original.replace(b"rw-conversation-container", b"rw-conversation-kontainer", 1))
    with pytest.raises(assets.WidgetError, match="sha256"):
        assets.load_widget(tmp_path)
    copy.unlink()
    with pytest.raises(assets.WidgetError, match="tidak ada"):
        assets.load_widget(tmp_path)


async def test_server_refuses_to_start_with_a_swapped_widget(tmp_path: Path) -> None:
    web_dir = tmp_path / "web"
    shutil.copytree(assets.WEB_DIR, web_dir)
    (web_dir / assets.WIDGET_PATH).write_bytes(b"/* not the widget */")
    server = WebChatServer(Settings(web_chat_port=free_port()), web_dir=web_dir)
    with pytest.raises(WebChatStartError, match="rasa-webchat"):
        await server.start()


# --- static files and headers --------------------------------------------------------------------


async def test_page_is_indonesian_and_carries_security_headers(
    server: WebChatServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{base(server)}/") as resp:
        assert resp.status == 200
        html = await resp.text()
        headers = resp.headers
    assert '<html lang="id">' in html
    assert "Tanya Pemilu" in html and "Diskominfo" in html and "Netral" in html
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    csp = headers["Content-Security-Policy"]
    host = f"127.0.0.1:{server.port}"
    assert "default-src 'none'" in csp
    assert "script-src 'self';" in csp, "no inline or foreign scripts"
    assert f"connect-src 'self' ws://{host} wss://{host};" in csp
    assert f"frame-ancestors 'self' {PARTNER}" in csp
    assert "http" not in csp.replace(PARTNER, ""), "no other site is named"
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith(("/", "#")), f"everything from our own origin, not {src}"


async def test_every_file_the_page_names_is_served(
    server: WebChatServer, http: aiohttp.ClientSession
) -> None:
    html = (assets.WEB_DIR / "index.html").read_text(encoding="utf-8")
    paths = [p for p in re.findall(r'(?:src|href)="(/[^"]*)"', html)] + ["/embed.js"]
    assert f"/{assets.WIDGET_PATH}" in paths
    for path in paths:
        async with http.get(f"{base(server)}{path}") as resp:
            assert resp.status == 200, path
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            if path.endswith(".js"):
                assert "javascript" in resp.headers["Content-Type"], path


async def test_widget_is_gzipped_and_cached_for_a_year(
    server: WebChatServer, http: aiohttp.ClientSession
) -> None:
    url = f"{base(server)}/{assets.WIDGET_PATH}"
    async with http.get(url, headers={"Accept-Encoding": "gzip"}) as resp:
        assert resp.status == 200
        body = gzip.decompress(await resp.read())
        etag = resp.headers["ETag"]
        assert resp.headers["Content-Encoding"] == "gzip"
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert resp.headers["Vary"] == "Accept-Encoding"
    assert b"fonts.googleapis.com" not in body
    async with http.get(url, headers={"Accept-Encoding": "identity"}) as resp:
        assert await resp.read() == body
    async with http.get(url, headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304


async def test_nothing_else_is_served(server: WebChatServer, http: aiohttp.ClientSession) -> None:
    for path in (
        "/assets/../../bot/config.py",
        "/vendor/rasa-webchat-1.0.1/README.md",
        "/model/parse",
        "/.env",
    ):
        async with http.get(f"{base(server)}{path}") as resp:
            assert resp.status in (403, 404), path


async def test_healthz_follows_rasa(rasa: FakeRasa, http: aiohttp.ClientSession) -> None:
    async with web_chat(rasa.url) as server, http.get(f"{base(server)}/healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"ok": True, "rasa": "ok"}
    down = f"http://127.0.0.1:{free_port()}"
    async with web_chat(down) as server, http.get(f"{base(server)}/healthz") as resp:
        assert resp.status == 503
        assert (await resp.json())["ok"] is False


# --- the socket.io door: polling -----------------------------------------------------------------


async def test_polling_passes_query_and_body_but_not_origin_or_cookies(
    server: WebChatServer, rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    own = f"http://127.0.0.1:{server.port}"
    url = f"{base(server)}/socket.io/?EIO=4&transport=polling&t=Pq%2Fx"  # sent as written (encoded=True)
    headers = {"Origin": own, "Cookie": "sesi=rahasia", "Content-Type": "text/plain;charset=UTF-8"}
    async with http.get(URL(url, encoded=True), headers=headers) as resp:
        assert resp.status == 200
        assert (await resp.text()).startswith('0{"sid":"abc"')
        assert resp.headers["Access-Control-Allow-Origin"] == own
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
        assert "Set-Cookie" not in resp.headers
        assert resp.headers["Cache-Control"] == "no-store"
    async with http.post(
        URL(f"{url}&sid=abc", encoded=True),
        data='42["user_uttered",{"message":"kapan pemilu?"}]',
        headers=headers,
    ) as resp:
        assert resp.status == 200 and await resp.text() == "ok"
    get, post = rasa.requests
    assert get["query"] == "EIO=4&transport=polling&t=Pq%2Fx"
    assert post["body"] == b'42["user_uttered",{"message":"kapan pemilu?"}]'
    for sent in (get, post):
        names = {name.lower() for name in sent["headers"]}
        assert "origin" not in names and "cookie" not in names
    assert post["headers"]["Content-Type"] == "text/plain;charset=UTF-8"


@pytest.mark.parametrize("accept", ["gzip, deflate", None], ids=["gzip", "plain"])
async def test_long_polling_answers_arrive_whole(server: WebChatServer, accept: str | None) -> None:
    """Engine.IO compresses long answers for clients that accept gzip: the bytes and the header pass."""
    headers = {"Accept-Encoding": accept} if accept else {"Accept-Encoding": ""}
    url = f"{base(server)}/socket.io/?EIO=4&transport=polling&sid=abc&t=panjang"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        assert resp.status == 200
        assert await resp.text() == LONG_ANSWER
        assert resp.headers.get("Content-Encoding") == ("gzip" if accept else None)


async def test_a_websocket_upgrade_rasa_refuses_keeps_its_status(
    server: WebChatServer, http: aiohttp.ClientSession
) -> None:
    url = f"{base(server)}/socket.io/?EIO=4&transport=websocket&sid=kedaluwarsa"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(url)
    assert refused.value.status == 400


async def test_a_foreign_origin_gets_403_and_a_log_line_naming_it(
    server: WebChatServer, rasa: FakeRasa, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{base(server)}/socket.io/?EIO=4&transport=polling"
    headers = {"Origin": FOREIGN}
    with caplog.at_level(logging.WARNING, logger="bot.web.proxy"):
        async with http.get(url, headers=headers) as resp:
            assert resp.status == 403
            assert "Access-Control-Allow-Origin" not in resp.headers
        secret_text = '42["user_uttered",{"message":"nomor NIK saya 3201"}]'
        async with http.post(URL(f"{url}&sid=abc", encoded=True), data=secret_text, headers=headers) as resp:
            assert resp.status == 403
        async with http.options(url, headers={**headers, "Access-Control-Request-Method": "POST"}) as resp:
            assert resp.status == 403
        for origin in ("null", f"http://localhost:{server.port}", f"http://127.0.0.1:{server.port + 1}"):
            async with http.get(url, headers={"Origin": origin}) as resp:
                assert resp.status == 403, origin
    assert rasa.requests == [], "nothing reached Rasa"
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 6
    assert FOREIGN in refusals[0]
    assert not any("NIK" in line or "3201" in line for line in caplog.messages)
    assert server.proxy.refused == 6


async def test_a_configured_origin_gets_cors_and_preflight(
    server: WebChatServer, rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    url = f"{base(server)}/socket.io/?EIO=4&transport=polling"
    preflight = {"Origin": PARTNER, "Access-Control-Request-Method": "POST"}
    async with http.options(url, headers=preflight) as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == PARTNER
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    async with http.get(url, headers={"Origin": PARTNER}) as resp:
        assert resp.status == 200
        assert resp.headers.getall("Access-Control-Allow-Origin") == [PARTNER], "Rasa's '*' is dropped"
    assert len(rasa.requests) == 1, "the preflight is answered here, not by Rasa"


async def test_rasa_down_gives_502_and_the_server_keeps_running(http: aiohttp.ClientSession) -> None:
    async with web_chat(f"http://127.0.0.1:{free_port()}") as server:
        url = f"{base(server)}/socket.io/?EIO=4&transport=polling"
        async with http.get(url) as resp:
            assert resp.status == 502
            assert await resp.json() == {"ok": False, "error": "rasa unavailable"}
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url.replace("polling", "websocket"))
        assert refused.value.status == 502
        async with http.get(f"{base(server)}/") as resp:
            assert resp.status == 200


async def test_new_connections_per_address_are_limited(rasa: FakeRasa, http: aiohttp.ClientSession) -> None:
    limits = WebLimits(connections=RateLimit(burst=3, per_second=0.001))
    async with web_chat(rasa.url, limits=limits) as server:
        url = f"{base(server)}/socket.io/?EIO=4&transport=polling"
        statuses = []
        for _ in range(5):
            async with http.get(url) as resp:
                statuses.append(resp.status)
        async with http.get(f"{url}&sid=abc") as resp:  # an open session goes on
            statuses.append(resp.status)
    assert statuses == [200, 200, 200, 429, 429, 200]


async def test_messages_are_limited_per_conversation_not_per_address(
    rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    """Many citizens share one address (carrier-grade NAT): one conversation sending too fast is
    stopped, another one from the same address is not."""
    limits = WebLimits(per_conversation=RateLimit(burst=3, per_second=0.001))
    async with web_chat(rasa.url, limits=limits) as server:
        url = f"{base(server)}/socket.io/?EIO=4&transport=polling"
        fast = []
        for _ in range(5):
            async with http.post(f"{url}&sid=cepat", data="42[]") as resp:
                fast.append(resp.status)
        async with http.post(f"{url}&sid=lain", data="42[]") as resp:
            other = resp.status
        origin = f"http://127.0.0.1:{server.port}"
        ws_url = f"{base(server)}/socket.io/?EIO=4&transport=websocket&sid=ws"
        async with (
            http.ws_connect(ws_url, origin=origin) as hammer,
            http.ws_connect(ws_url, origin=origin) as calm,
        ):
            for _ in range(4):
                await hammer.send_str("42[]")
            closed = await asyncio.wait_for(hammer.receive(), 5)
            while closed.type == aiohttp.WSMsgType.TEXT:  # the echoes of the first three
                closed = await asyncio.wait_for(hammer.receive(), 5)
            await calm.send_str("42[]")
            echo = await asyncio.wait_for(calm.receive(), 5)
    assert fast == [200, 200, 200, 429, 429]
    assert other == 200
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert hammer.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
    assert echo.type == aiohttp.WSMsgType.TEXT


# --- the socket.io door: websocket ---------------------------------------------------------------


async def test_websocket_frames_pass_both_ways_and_close_cleanly(
    server: WebChatServer, rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    url = f"{base(server)}/socket.io/?EIO=4&transport=websocket&sid=abc"
    async with http.ws_connect(url, origin=f"http://127.0.0.1:{server.port}") as ws:
        await ws.send_str('42["user_uttered",{"message":"kapan pemilu?"}]')
        assert await ws.receive_str(timeout=5) == 'gema:42["user_uttered",{"message":"kapan pemilu?"}]'
        await ws.send_bytes(b"\x01\x02\x03")
        assert await ws.receive_bytes(timeout=5) == b"\x03\x02\x01"
    await asyncio.wait_for(rasa.closed.wait(), 5)  # the browser left: Rasa's side is closed too
    [upgrade] = rasa.requests
    assert upgrade["query"] == "EIO=4&transport=websocket&sid=abc"
    assert not {"origin", "cookie"} & {name.lower() for name in upgrade["headers"]}


async def test_rasa_closing_the_websocket_closes_the_browsers(
    server: WebChatServer, http: aiohttp.ClientSession
) -> None:
    url = f"{base(server)}/socket.io/?EIO=4&transport=websocket"
    async with http.ws_connect(url, origin=PARTNER) as ws:
        await ws.send_str("tutup")
        msg = await ws.receive(timeout=5)
        assert msg.type == WSMsgType.CLOSE
        assert ws.close_code == 4000


async def test_websocket_from_a_foreign_origin_is_refused(
    server: WebChatServer, rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    url = f"{base(server)}/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(url, origin=FOREIGN)
    assert refused.value.status == 403
    assert rasa.requests == []


async def test_stopping_the_server_closes_open_websockets(
    rasa: FakeRasa, http: aiohttp.ClientSession
) -> None:
    async with web_chat(rasa.url) as server:
        ws = await http.ws_connect(f"{base(server)}/socket.io/?EIO=4&transport=websocket")
        await ws.send_str("halo")
        assert await ws.receive_str(timeout=5) == "gema:halo"
    msg = await ws.receive(timeout=5)
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    await asyncio.wait_for(rasa.closed.wait(), 5)


# --- origins -------------------------------------------------------------------------------------


def request_from(peer: str, headers: dict[str, str]) -> web.Request:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 50000) if name == "peername" else default
    )
    return make_mocked_request("GET", "/socket.io/", headers=headers, transport=transport)


def test_forwarded_headers_count_only_from_a_proxy_on_this_machine() -> None:
    forwarded = {
        "Host": "127.0.0.1:8080",
        "X-Forwarded-Host": "tanya.diskominfo.example.go.id",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
    }
    behind_proxy = request_from("127.0.0.1", forwarded)
    assert own_origin(behind_proxy) == "https://tanya.diskominfo.example.go.id"
    assert client_ip(behind_proxy) == "198.51.100.7"
    direct = request_from("198.51.100.7", forwarded)
    assert own_origin(direct) == "http://127.0.0.1:8080"
    assert client_ip(direct) == "198.51.100.7"
    policy = OriginPolicy.of(())
    assert policy.allows("https://tanya.diskominfo.example.go.id", behind_proxy)
    assert not policy.allows("https://tanya.diskominfo.example.go.id", direct)


def test_origins_compare_without_default_ports_or_case() -> None:
    assert normalise("HTTPS://Diskominfo.Example.go.id:443/") == "https://diskominfo.example.go.id"
    assert normalise("http://a.example:80") == "http://a.example"
    assert normalise("https://a.example:8443") == "https://a.example:8443"
    request = request_from("127.0.0.1", {"Host": "tanya.example:443", "X-Forwarded-Proto": "https"})
    assert OriginPolicy.of(()).allows("https://tanya.example", request)
    assert not OriginPolicy.of(()).allows("http://tanya.example", request)
    bad_host = request_from("127.0.0.1", {"Host": "evil.example/..", "Origin": "http://evil.example/.."})
    assert own_origin(bad_host) == ""
    assert not OriginPolicy.of(()).allows("http://evil.example/..", bad_host)


def test_rate_limit_refills_and_forgets() -> None:
    now = [0.0]
    limit = RateLimit(burst=2, per_second=1.0, clock=lambda: now[0], max_keys=4)
    assert [limit.allow("a") for _ in range(3)] == [True, True, False]
    now[0] = 1.0
    assert limit.allow("a") and not limit.allow("a")
    for key in "bcdef":
        limit.allow(key)
    assert len(limit) <= 4


# --- start and stop ------------------------------------------------------------------------------


async def test_a_taken_port_names_web_chat_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = WebChatServer(Settings(web_chat_port=port))
        with pytest.raises(WebChatStartError, match="WEB_CHAT_PORT"):
            await server.start()


async def test_web_chat_off_when_port_is_zero(capsys: pytest.CaptureFixture[str]) -> None:
    async with serve_web_chat(Settings(web_chat_port=0)) as server:
        assert server is None
    port = free_port()
    async with serve_web_chat(Settings(web_chat_port=port)) as server:
        assert server is not None
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_page_files_name_only_our_origin() -> None:
    for path in (REPO / "web").rglob("*"):
        if path.suffix in (".html", ".js", ".css") and "vendor" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"https?://(?!www\.w3\.org)[a-z0-9]", text), f"{path} names another site"


# --- pemilubot jalan -----------------------------------------------------------------------------


def jalan_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "WEB_CHAT_"))}
    env.update(
        {
            "DATABASE_PATH": str(tmp_path / "bot.db"),
            "RESPONSES_DIR": str(REPO / "responses"),
            "LOG_LEVEL": "WARNING",
            **values,
        }
    )
    return env


async def test_pemilubot_jalan_exits_1_when_the_web_chat_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = jalan_env(tmp_path, WEB_CHAT_PORT=str(port), RASA_URL=f"http://127.0.0.1:{free_port()}")
        process = await asyncio.create_subprocess_exec(
            str(REPO / ".venv/bin/pemilubot"),
            "jalan",
            "--no-rasa",
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 1, (out, err)
    message = err.decode()
    assert "Bot tidak bisa mulai" in message and "WEB_CHAT_PORT" in message and str(port) in message
    assert "Traceback" not in message


@pytest.mark.e2e
async def test_pemilubot_jalan_serves_the_page_beside_the_terminal_chat(
    tmp_path: Path, rasa_url: str, http: aiohttp.ClientSession
) -> None:
    port = free_port()
    env = jalan_env(tmp_path, WEB_CHAT_PORT=str(port), RASA_URL=rasa_url)
    process = await asyncio.create_subprocess_exec(
        str(REPO / ".venv/bin/pemilubot"),
        "jalan",
        "--no-rasa",
        cwd=REPO,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        lines = []
        while not any("Obrolan web:" in line for line in lines):
            line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
            assert line, f"pemilubot jalan ended: {''.join(lines)}"
            lines.append(line)
        assert f"Obrolan web: http://127.0.0.1:{port}/" in "".join(lines)
        async with http.get(f"http://127.0.0.1:{port}/") as resp:
            assert resp.status == 200 and "Tanya Pemilu" in await resp.text()
        async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            assert resp.status == 200
    finally:
        process.stdin.close()  # end of the terminal chat: the bot stops, the web chat with it
        await asyncio.wait_for(process.wait(), 60)
    assert process.returncode == 0
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(f"http://127.0.0.1:{port}/"):
            pass
