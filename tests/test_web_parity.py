"""The same question gets the same answer on Telegram and on the web chat, for every FAQ entry.

Telegram: the real bot polling the fake Bot API, asking the session's Rasa over HTTP.
Web: Rasa's own channel (REST, the socket.io channel's twin) → the generated rules → the real
action server (``actions/``). Both read the same files and model and render for today's date.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.faq import load_faq
from bot.faq.timeline import today_wib
from tests.conftest import BotHarness, running_bot
from tests.helpers_web import html_plain, markdown_plain, payload_data

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[1]
_senders = itertools.count(1)


async def web_ask(session: aiohttp.ClientSession, rasa_url: str, text: str) -> list[dict[str, Any]]:
    """One message through Rasa's REST channel (a new conversation each time)."""
    body = {"sender": f"parity-{next(_senders)}", "message": text}
    async with session.post(f"{rasa_url}/webhooks/rest/webhook", json=body) as resp:
        assert resp.status == 200
        messages: list[dict[str, Any]] = await resp.json()
        return messages


def telegram_view(
    messages: list[dict[str, Any]],
) -> tuple[list[tuple[str, list[str]]], list[tuple[str, str]]]:
    """[(text, links) per message], [(label, data) of the buttons]."""
    parts = [html_plain(m["params"]["text"]) for m in messages]
    markup = messages[-1]["params"].get("reply_markup") or {}
    buttons = [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
    return [(" ".join(t.split()), links) for t, links in parts], buttons


def web_view(messages: list[dict[str, Any]]) -> tuple[list[tuple[str, list[str]]], list[tuple[str, str]]]:
    parts = [markdown_plain(m.get("text", "")) for m in messages]
    buttons = [(b["title"], payload_data(b["payload"])) for b in messages[-1].get("buttons", [])]
    return [(" ".join(t.split()), links) for t, links in parts], buttons


@pytest.fixture
async def telegram(rasa_url: str, tmp_path: Path) -> Any:
    async with running_bot(rasa_url, tmp_path, clock=today_wib) as harness:
        yield harness


async def compare(
    telegram: BotHarness, session: aiohttp.ClientSession, rasa_url: str, chat: int, text: str
) -> tuple[Any, Any]:
    tg_messages = await telegram.ask(text, chat_id=chat, timeout=30)
    web_messages = await web_ask(session, rasa_url, text)
    return telegram_view(tg_messages), web_view(web_messages)


async def test_every_faq_entry_reads_the_same_on_both_channels(telegram: BotHarness, rasa_url: str) -> None:
    faq = load_faq(REPO / "responses")
    reached: dict[str, tuple[Any, Any]] = {}
    semaphore = asyncio.Semaphore(12)

    async def one(
        index: int, entry_id: str, questions: tuple[str, ...], session: aiohttp.ClientSession
    ) -> None:
        async with semaphore:
            for attempt, question in enumerate(questions[:3]):
                tg, web = await compare(telegram, session, rasa_url, 20_000 + index * 10 + attempt, question)
                assert tg == web, f"{entry_id}: {question!r}"
                if ("👍 Membantu", f"fb:{entry_id}:1") in tg[1]:
                    reached[entry_id] = (tg, web)
                    return

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(i, e.id, e.questions, session) for i, e in enumerate(faq.entries)))
    assert sorted(reached) == sorted(faq.ids)  # every entry was answered, identically, on both


@pytest.mark.parametrize(
    "question",
    [
        "resep rendang yang enak gimana",  # off-topic decline with topic buttons
        "halo",  # greeting with topic buttons
        "makasih ya",
        "hmm itu yang kemarin gimana ya",  # unsure: three suggestions
        "surat suara sudah dicoblos duluan di gudang, bener gak?",  # Cek Hoaks, no verdict
    ],
)
async def test_declines_and_suggestions_are_the_same(
    telegram: BotHarness, rasa_url: str, question: str
) -> None:
    async with aiohttp.ClientSession() as session:
        tg, web = await compare(telegram, session, rasa_url, 30_000 + len(question), question)
    if any(data.startswith("ktahu:") for _, data in tg[1]):  # "notify me later" exists on Telegram only
        tg = (tg[0], [b for b in tg[1] if not b[1].startswith("ktahu:")])
        text, links = tg[0][0]
        tg = (
            [(text.removesuffix(" Tekan tombol di bawah bila ingin diberi tahu setelah dicek."), links)],
            tg[1],
        )
    assert tg == web
    assert tg[0] and tg[0][0][0]
