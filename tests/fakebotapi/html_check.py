"""Telegram's HTML parse mode as the fake server checks it (written apart from the bot's own checker)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
_BAD_AMP = re.compile(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_BAD_LT = re.compile(r"<(?!/?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>)")


class EntityError(ValueError):
    """Telegram's 'can't parse entities' error."""


class _Parser(HTMLParser):
    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=True)
        self.raw = raw
        self.stack: list[str] = []
        self.text: list[str] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        before = "".join(self.raw.splitlines(keepends=True)[: line - 1])
        return len((before + self.raw[len(before) :][:col]).encode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise EntityError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            raise EntityError(f'Unsupported start tag "span" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{self.stack[-1]}>", '
                f'found "</{tag}>"'
                if self.stack
                else f"Unexpected end tag at byte offset {self._offset()}"
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(raw: str) -> str:
    """The plain text Telegram would show, or :class:`EntityError`."""
    match = _BAD_AMP.search(raw)
    if match:
        raise EntityError(
            f"Can't parse entities: unexpected '&' at byte offset {len(raw[: match.start()].encode())}"
        )
    match = _BAD_LT.search(raw)
    if match:
        raise EntityError(f"Unexpected '<' at byte offset {len(raw[: match.start()].encode())}")
    parser = _Parser(raw)
    parser.feed(raw)
    parser.close()
    if parser.stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.text)
