"""Render a :class:`~bot.conversation.Reply` for the Rasa web chat widget.

The decision and the answer text are the channels' shared ones (:mod:`bot.conversation`, the FAQ and
claim renderers, which write Telegram's small HTML subset); this module only changes the markup into
the Markdown the widget shows (react-markdown: ``**bold**``, ``*italic*``, ``[title](url)``, hard line
breaks) and buttons into quick replies whose payload carries the same button data as Telegram's
callback data. Nothing here knows an answer.
"""

from __future__ import annotations

import html
import json
import re
from typing import TypedDict
from urllib.parse import quote

from bot.claims import protocol
from bot.conversation import Button, Reply
from bot.faq.telegram_html import tokens
from bot.nlu.training_data import BUTTON_ENTITY, BUTTON_INTENT

_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*", "s": "~~", "strike": "~~", "del": "~~"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
_LINE_START_MARK = re.compile(r"^(\s*)([#>+-])(?=\s)")
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)([.)])(?=\s)")
_HREF = re.compile(r'href\s*=\s*"([^"]*)"')
PARAGRAPH_BREAK = "\n \n"
"""A blank line to Markdown, but not the "\n\n" at which Rasa's socket.io output splits messages."""


class WebButton(TypedDict):
    title: str
    payload: str


class WebMessage(TypedDict):
    text: str
    buttons: list[WebButton]


def escape_markdown(text: str) -> str:
    """Plain text that Markdown shows exactly as written (only punctuation can be escaped)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    lines = escaped.split("\n")
    lines = [_LINE_START_NUMBER.sub(r"\1\\\2", _LINE_START_MARK.sub(r"\1\\\2", line)) for line in lines]
    return "\n".join(lines)


def _link_target(url: str) -> str:
    """A URL safe inside ``(...)``: spaces and brackets percent-encoded, nothing else changed."""
    return quote(url, safe="/:?&=#%+,;@!$'*~.-_")


def html_to_markdown(markup: str) -> str:
    """Telegram HTML (validated by :func:`bot.faq.telegram_html.check_html`) as widget Markdown."""
    out: list[str] = []
    links: list[str] = []
    for token in tokens(markup):
        if token.kind == "text":
            out.append(escape_markdown(token.visible))
        elif token.name == "a":
            if token.kind == "open":
                found = _HREF.search(token.raw)
                links.append(html.unescape(found.group(1)) if found else "")
                out.append("[")
            else:
                out.append(f"]({_link_target(links.pop())})")
        elif token.name in _EMPHASIS:
            out.append(_EMPHASIS[token.name])
        elif token.name in ("code", "pre"):
            out.append("`")
        # u, ins, span, blockquote, tg-spoiler, tg-emoji: the text shows, the styling is Telegram's own
    text = "".join(out).strip()
    # A single line break is a hard break ("  \n"); a blank line separates paragraphs. The blank line
    # holds one space: Rasa's socket.io output splits a text at every "\n\n" into separate chat
    # bubbles, and an answer must stay one bubble with its sources, as on Telegram.
    paragraphs = re.split(r"\n\s*\n", text)
    return PARAGRAPH_BREAK.join("  \n".join(line.rstrip() for line in p.split("\n")) for p in paragraphs)


def button_payload(data: str) -> str:
    """``/tombol{"data": "faq:tanggal_pemilu"}``: Rasa reads it as the intent with one entity."""
    return f"/{BUTTON_INTENT}" + json.dumps({BUTTON_ENTITY: data}, ensure_ascii=False, separators=(",", ":"))


def web_buttons(buttons: list[Button]) -> list[WebButton]:
    """The reply's buttons the web can act on ("notify me later" needs a chat to write to)."""
    return [
        WebButton(title=b.label, payload=button_payload(b.data))
        for b in buttons
        if not b.data.startswith(protocol.NOTIFY)
    ]


def render_reply(reply: Reply) -> list[WebMessage]:
    """One widget message per Telegram message; the buttons under the last one, as on Telegram."""
    last = len(reply.messages) - 1
    return [
        WebMessage(text=html_to_markdown(text), buttons=web_buttons(reply.buttons) if i == last else [])
        for i, text in enumerate(reply.messages)
    ]
