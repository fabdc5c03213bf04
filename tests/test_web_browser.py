"""The chat page in a real browser: headless Chromium (Debian's package) on the bot's web server, the
session's real Rasa (socket.io channel) and the real action server answering from responses/.

``make test`` installs Chromium when it is missing (target ``browser`` in the Makefile).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import unquote

import pytest
from aiohttp import web

from bot import texts
from bot.config import Settings
from bot.conversation import START_TOPICS
from bot.faq import load_faq
from bot.faq.model import Entry
from bot.web.server import WebChatServer
from tests.cdp import CHROMIUM, Chromium, Page, chromium
from tests.conftest import REPO, free_port
from tests.web_conversation import (
    ask,
    contrast_report,
    press_reply,
    replies,
    response_count,
    responses_after,
    wait_for_greeting,
)

pytestmark = pytest.mark.e2e

PHONE = (390, 844)
NOTICE_SHOWN = (
    "(() => { const n = document.querySelector('.tp-gangguan[role=alert]');"
    " return n && !n.hidden && n.textContent; })()"
)
DESKTOP = (1366, 768)


def entry(entry_id: str) -> Entry:
    found = load_faq(REPO / "responses").get(entry_id)
    assert found is not None, entry_id
    return found


def source_urls(entry_id: str) -> list[str]:
    return [unquote(s.url) for s in entry(entry_id).sources if s.url]


@pytest.fixture
async def browser() -> AsyncIterator[Chromium]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    async with chromium() as started:
        yield started


@contextlib.asynccontextmanager
async def web_chat(rasa_url: str, *origins: str) -> AsyncIterator[WebChatServer]:
    server = WebChatServer(Settings(rasa_url=rasa_url, web_chat_port=free_port(), web_chat_origins=origins))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def open_page(browser: Chromium, url: str, size: tuple[int, int], mobile: bool) -> Page:
    page = await browser.new_page()
    await page.viewport(*size, mobile=mobile)
    await page.goto(url)
    return page


async def test_a_conversation_on_a_phone(rasa_url: str, browser: Chromium) -> None:
    """Press a topic, ask, read the sourced answer, get declined off-topic, press a suggestion, 👍."""
    async with web_chat(rasa_url) as server:
        page = await open_page(browser, server.url, PHONE, mobile=True)
        greeting = await wait_for_greeting(page)
        assert "Tanya Pemilu" in greeting
        assert await replies(page) == [entry(e).title for e in START_TOPICS]

        # a start topic button gives that entry's answer, with that entry's sources
        topic = entry("dokumen_dibawa")
        count = await response_count(page)
        await press_reply(page, topic.title)
        pressed = await responses_after(page, count, expect=topic.sources[0].title)
        assert [unquote(a["href"]) for a in pressed["links"]] == source_urls("dokumen_dibawa")

        answer = await ask(page, "kapan pemilu?", expect="14 Februari 2024")
        assert [unquote(a["href"]) for a in answer["links"]] == source_urls("tanggal_pemilu")
        for link in answer["links"]:
            assert link["href"].startswith("https://")
            assert link["target"] == "_blank"
            assert "noopener" in link["rel"].split()
        assert await replies(page) == [texts.FEEDBACK_YES, texts.FEEDBACK_NO]

        declined = texts.OFF_TOPIC.split(".")[0]
        decline = await ask(page, "resep rendang", expect=declined)
        assert decline["links"] == []
        suggestions = await replies(page)
        assert suggestions, "the decline offers topics"
        suggested_entry = next(e for e in load_faq(REPO / "responses").entries if e.title == suggestions[0])
        count = await response_count(page)
        await press_reply(page, suggestions[0])
        suggested = await responses_after(page, count, expect=suggested_entry.sources[0].title)
        assert [unquote(a["href"]) for a in suggested["links"]] == source_urls(suggested_entry.id)

        count = await response_count(page)
        await press_reply(page, texts.FEEDBACK_YES)
        thanks = await responses_after(page, count, expect=texts.FEEDBACK_THANKS)
        assert thanks["text"].strip() == texts.FEEDBACK_THANKS

        assert page.errors == [], page.errors
        problems = [line for line in page.console if line.startswith(("security/", "network/"))]
        assert problems == [], problems
        print(f"Enter to the answer on screen: {answer['seconds'] * 1000:.0f} ms")


async def test_keyboard_only(rasa_url: str, browser: Chromium) -> None:
    """Tab reaches the topic buttons and the input; Enter sends; Enter on 👍 gives the thanks."""
    async with web_chat(rasa_url) as server:
        page = await open_page(browser, server.url, DESKTOP, mobile=False)
        await wait_for_greeting(page)
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        visited = []
        for _ in range(20):
            await page.press("Tab")
            focused = await page.evaluate(
                "(() => { const e = document.activeElement; return {tag: e.tagName, "
                "cls: e.className, role: e.getAttribute('role'), text: e.innerText || '', "
                "label: e.getAttribute('aria-label')}; })()"
            )
            visited.append(focused)
            if focused["tag"] == "TEXTAREA":
                break
        assert visited[-1]["tag"] == "TEXTAREA", visited
        assert visited[-1]["label"] == "Pertanyaan Anda"
        assert [v["text"] for v in visited if v["role"] == "button"][: len(START_TOPICS)], "topics by Tab"

        before = await page.evaluate("document.querySelectorAll('.rw-response').length")
        await page.type("kapan pemilu?")
        await page.press("Enter")
        answer = await responses_after(page, before, expect="14 Februari 2024")
        assert answer["links"]

        # back from the input: 👎, then 👍
        await page.press("Tab", shift=True)
        await page.press("Tab", shift=True)
        label = await page.evaluate("document.activeElement.innerText")
        assert label == texts.FEEDBACK_YES
        count = await page.evaluate("document.querySelectorAll('.rw-response').length")
        await page.press("Enter")
        await responses_after(page, count, expect=texts.FEEDBACK_THANKS)
        assert await page.evaluate("document.activeElement.tagName") == "TEXTAREA", "focus back in the input"


async def test_page_is_accessible_and_light(rasa_url: str, browser: Chromium) -> None:
    async with web_chat(rasa_url) as server:
        page = await open_page(browser, server.url, PHONE, mobile=True)
        await wait_for_greeting(page)
        await ask(page, "kapan pemilu?", expect="14 Februari 2024")
        assert await page.evaluate("document.documentElement.lang") == "id"
        log = await page.evaluate(
            "(() => { const e = document.querySelector('.rw-messages-container');"
            " return [e.getAttribute('role'), e.getAttribute('aria-live')]; })()"
        )
        assert log == ["log", "polite"], "new messages are announced"
        assert await page.evaluate("document.querySelector('.rw-send').getAttribute('aria-label')") == "Kirim"
        low = [item for item in await contrast_report(page) if item["ratio"] < item["needed"]]
        assert low == [], low
        weight = await page.evaluate(
            "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".filter(e => !e.name.includes('/socket.io/'))"
            ".reduce((n, e) => n + e.transferSize, 0)"
        )
        assert 0 < weight < 400_000, weight
        print(f"page weight (transferred, without the socket): {weight / 1024:.0f} KiB")


async def test_notice_when_the_service_is_down(browser: Chromium) -> None:
    async with web_chat(f"http://127.0.0.1:{free_port()}") as server:
        page = await open_page(browser, server.url, PHONE, mobile=True)
        notice = await page.wait_for(NOTICE_SHOWN, timeout=20)
        assert notice == "Layanan sedang gangguan, coba lagi sebentar."


@contextlib.asynccontextmanager
async def silent_rasa() -> AsyncIterator[tuple[str, list[str]]]:
    """Rasa's socket.io side that accepts a chat and never answers (as when its action server is
    down): Engine.IO v4 long-polling only, the Socket.IO connect and session handshake, nothing else.
    Yields its URL and the events the page sent."""
    outbox: asyncio.Queue[str] = asyncio.Queue()
    events: list[str] = []

    async def socket(request: web.Request) -> web.Response:
        if "sid" not in request.query:
            return web.Response(text='0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}')
        if request.method == "POST":
            for packet in (await request.text()).split("\x1e"):
                if packet == "40":
                    outbox.put_nowait('40{"sid":"n1"}')
                elif packet.startswith("42"):
                    name = json.loads(packet[2:])[0]
                    events.append(name)
                    if name == "session_request":
                        outbox.put_nowait('42["session_confirm","sesi-1"]')
            return web.Response(text="ok")
        try:
            return web.Response(text=await asyncio.wait_for(outbox.get(), 20))
        except asyncio.TimeoutError:
            return web.Response(text="2")  # ping

    app = web.Application()
    app.router.add_route("*", "/socket.io/", socket)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", events
    finally:
        await runner.cleanup()


async def test_notice_when_no_answer_comes(browser: Chromium) -> None:
    async with silent_rasa() as (url, events), web_chat(url) as server:
        page = await open_page(browser, server.url, PHONE, mobile=True)
        started = time.monotonic()
        await page.wait_for(
            "document.querySelector('.rw-new-message') && !document.querySelector('.rw-new-message').disabled"
        )
        notice = await page.wait_for(NOTICE_SHOWN, timeout=25)
        waited = time.monotonic() - started
        assert notice == "Layanan sedang gangguan, coba lagi sebentar."
        assert "session_request" in events and "user_uttered" in events, "connected, the greeting asked for"
        assert 14 <= waited <= 20, waited


# --- other sites: embed.js and the origin allow-list ---------------------------------------------


@contextlib.asynccontextmanager
async def other_site(port: int, chat_url: str) -> AsyncIterator[str]:
    """A page on another origin with the one-tag embed (``<script src=.../embed.js>``)."""
    html = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Diskominfo</title></head>'
        f'<body><h1>Situs Diskominfo</h1><script src="{chat_url}embed.js" defer></script></body></html>'
    )

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def test_only_allowed_sites_can_open_the_socket(rasa_url: str, browser: Chromium) -> None:
    partner_port, foreign_port = free_port(), free_port()
    async with (
        web_chat(rasa_url, f"http://127.0.0.1:{partner_port}") as server,
        other_site(partner_port, server.url) as partner,
        other_site(foreign_port, server.url) as foreign,
    ):
        allowed = await open_page(browser, partner, DESKTOP, mobile=False)
        await allowed.wait_for("!!document.querySelector('.rw-launcher')", 20)
        assert await allowed.evaluate("document.querySelector('.rw-launcher').getAttribute('aria-label')")
        await asyncio.sleep(1)
        sockets = (
            "performance.getEntriesByType('resource').filter(e => e.name.includes('/socket.io/')).length"
        )
        assert await allowed.evaluate(sockets) == 0, "a page view opens no socket; opening the chat does"
        assert await allowed.evaluate(NOTICE_SHOWN) is False
        await allowed.click("document.querySelector('.rw-launcher')")
        greeting = await wait_for_greeting(allowed)
        assert "Tanya Pemilu" in greeting
        answer = await ask(allowed, "kapan pemilu?", expect="14 Februari 2024")
        assert answer["links"]

        refused_before = server.proxy.refused
        blocked = await open_page(browser, foreign, DESKTOP, mobile=False)
        await blocked.wait_for("!!document.querySelector('.rw-launcher')", 20)
        await blocked.click("document.querySelector('.rw-launcher')")
        notice = await blocked.wait_for(
            "(() => { const n = document.querySelector('.tp-gangguan[role=alert]');"
            " return n && !n.hidden && n.textContent; })()",
            timeout=20,
        )
        assert notice == "Layanan sedang gangguan, coba lagi sebentar."
        assert await blocked.evaluate("document.querySelectorAll('.rw-response').length") == 0
        assert server.proxy.refused > refused_before, "the socket was refused with 403"


def test_screenshots_are_committed() -> None:
    for name in ("obrolan-ponsel.png", "obrolan-desktop.png"):
        path = REPO / "docs" / "gambar" / name
        assert path.stat().st_size > 10_000, f"{path}: run `.venv/bin/python -m tests.web_screenshots`"
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        assert (width, height) in (PHONE, DESKTOP), (name, width, height)
