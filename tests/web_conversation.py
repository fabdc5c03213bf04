"""Talking to the chat page in a browser tab (tests/cdp.py): ask, read answers, press buttons.

Shared by tests/test_web_browser.py and tests/web_screenshots.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from tests.cdp import BrowserError, Page

_RESPONSES = "[...document.querySelectorAll('.rw-response')]"


async def response_count(page: Page) -> int:
    count: int = await page.evaluate(f"{_RESPONSES}.length")
    return count


async def wait_for_greeting(page: Page, timeout: float = 30) -> str:
    """The first bot message (the greeting the page asks for when it connects)."""
    text: str = await page.wait_for(f"{_RESPONSES}.length > 0 && {_RESPONSES}[0].innerText", timeout)
    await settle(page)
    return text


async def settle(page: Page, quiet: float = 0.4, timeout: float = 10) -> None:
    """Wait until no new bot message or button has appeared for ``quiet`` seconds."""
    probe = f"{_RESPONSES}.length + ':' + document.querySelectorAll('.rw-reply').length"
    last, since, deadline = await page.evaluate(probe), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise BrowserError("the conversation never settled")
        await asyncio.sleep(0.05)
        now = await page.evaluate(probe)
        if now != last:
            last, since = now, time.monotonic()


async def responses_after(page: Page, before: int, expect: str, timeout: float = 20) -> dict[str, Any]:
    """The bot's reply after its first ``before`` messages, once it contains ``expect``: the text of
    all its messages (an answer and its sources may come as two), their links, their count, and the
    seconds until ``expect`` showed."""
    started = time.monotonic()
    await page.wait_for(
        f"{_RESPONSES}.slice({before}).some(e => e.innerText.includes({json.dumps(expect)}))", timeout
    )
    seconds = time.monotonic() - started
    await settle(page)
    messages: list[dict[str, Any]] = await page.evaluate(
        f"""{_RESPONSES}.slice({before}).map(e => ({{
            text: e.innerText,
            links: [...e.querySelectorAll('a')].map(a => ({{
                href: a.getAttribute('href'),
                target: a.getAttribute('target'),
                rel: a.getAttribute('rel') || '',
            }}))
        }}))"""
    )
    return {
        "text": "\n\n".join(m["text"] for m in messages),
        "links": [link for m in messages for link in m["links"]],
        "messages": len(messages),
        "seconds": seconds,
    }


async def ask(page: Page, text: str, expect: str) -> dict[str, Any]:
    """Type a question into the input and press Enter; the bot's messages in reply."""
    before = await response_count(page)
    await page.click("document.querySelector('.rw-new-message')")
    await page.type(text)
    await page.press("Enter")
    return await responses_after(page, before, expect)


async def replies(page: Page) -> list[str]:
    """The labels of the buttons under the bot's last message."""
    labels: list[str] = await page.evaluate(
        "[...document.querySelectorAll('.rw-reply')].map(e => e.innerText)"
    )
    return labels


async def press_reply(page: Page, label: str) -> None:
    """A mouse click on the button with this label."""
    buttons = "[...document.querySelectorAll('.rw-reply')].reverse()"
    await page.click(f"{buttons}.find(e => e.innerText === {json.dumps(label)})")


CONTRAST_JS = (Path(__file__).parent / "web_contrast.js").read_text(encoding="utf-8")


async def contrast_report(page: Page) -> list[dict[str, Any]]:
    """WCAG contrast of every visible text element of the page and the widget (ratio and need)."""
    report: list[dict[str, Any]] = await page.evaluate(CONTRAST_JS)
    return report
