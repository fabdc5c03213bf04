"""Chat with the bot in the terminal: same Rasa model, same answers, no Telegram needed."""

from __future__ import annotations

import asyncio
import contextlib
import re

from bot import texts
from bot.conversation import CALLBACK_PREFIX, FEEDBACK_PREFIX, Conversation, Reply
from bot.faq.telegram_html import visible_text


def as_plain_text(reply: Reply) -> str:
    """A reply as terminal text: HTML stripped, links shown, buttons numbered."""
    lines = []
    for message in reply.messages:
        shown = re.sub(r"<a href=\"([^\"]+)\">(.*?)</a>", r"\2 (\1)", message)
        lines.append(visible_text(shown))
    for number, button in enumerate(reply.buttons, start=1):
        lines.append(f"  [{number}] {button.label}")
    return "\n".join(lines)


async def chat(conversation: Conversation, stop: asyncio.Event) -> None:
    """Read questions from stdin until EOF, 'keluar' or a stop signal."""
    print(
        "TELEGRAM_BOT_TOKEN tidak diisi: mode percakapan di terminal.\n"
        "Ketik pertanyaan (atau nomor tombol), 'keluar' untuk selesai.\n"
    )
    loop = asyncio.get_running_loop()
    reply = conversation.start(None)
    print(as_plain_text(reply) + "\n")
    while not stop.is_set():
        read: asyncio.Future[str | None] = loop.run_in_executor(None, _read_line)
        waiter: asyncio.Future[bool] = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([read, waiter], return_when=asyncio.FIRST_COMPLETED)  # type: ignore[type-var]
        if waiter in done:
            break
        waiter.cancel()
        line = read.result()
        if line is None or line.strip().lower() in {"keluar", "exit", "quit"}:
            break
        text = line.strip()
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(reply.buttons):
            data = reply.buttons[int(text) - 1].data
            if data.startswith(FEEDBACK_PREFIX):
                await conversation.feedback(data)
                reply = Reply([texts.FEEDBACK_THANKS])
            else:
                reply = await conversation.answer_button(data.removeprefix(CALLBACK_PREFIX))
        elif text in ("/start", "/bantuan", "/help"):
            reply = conversation.start(None) if text == "/start" else conversation.help()
        else:
            reply = await conversation.answer_text(text)  # limited mode if Rasa is down
        print("\n" + as_plain_text(reply) + "\n")


def _read_line() -> str | None:
    with contextlib.suppress(EOFError):
        return input("Anda> ")
    return None
