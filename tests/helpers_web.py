"""Read the web chat's Markdown back as a reader sees it (text and link targets), for comparisons
with the Telegram HTML of the same reply. Written independently of bot.web.render."""

from __future__ import annotations

import json
import re
import string
from urllib.parse import unquote

from bot.faq.telegram_html import visible_text

_HREF = re.compile(r'<a href="([^"]*)"')


def markdown_plain(markdown: str) -> tuple[str, list[str]]:
    """(visible text, link targets) of widget Markdown: escapes undone, markup dropped."""
    text: list[str] = []
    links: list[str] = []
    i = 0
    while i < len(markdown):
        char = markdown[i]
        if char == "\\" and i + 1 < len(markdown) and markdown[i + 1] in string.punctuation:
            text.append(markdown[i + 1])
            i += 2
        elif markdown.startswith("  \n", i):
            text.append("\n")
            i += 3
        elif markdown.startswith("**", i) or markdown.startswith("~~", i):
            i += 2
        elif char in "*`[":
            i += 1
        elif markdown.startswith("](", i):
            end = markdown.index(")", i)
            links.append(unquote(markdown[i + 2 : end]))
            i = end + 1
        else:
            text.append(char)
            i += 1
    return "".join(text), links


def html_plain(markup: str) -> tuple[str, list[str]]:
    """(visible text, link targets) of Telegram HTML."""
    import html

    return visible_text(markup).strip(), [html.unescape(u) for u in _HREF.findall(markup)]


def payload_data(payload: str) -> str:
    """The button data inside a ``/tombol{"data": ...}`` payload."""
    assert payload.startswith("/tombol{"), payload
    return str(json.loads(payload.removeprefix("/tombol"))["data"])
