"""Telegram's HTML parse mode: validate like Telegram does and split under the length limit."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units of visible text, after entity parsing

ALLOWED_TAGS = {
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
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]")
_NAMED_ENTITIES = {"lt", "gt", "amp", "quot"}


class HtmlProblem(ValueError):
    """HTML that Telegram would refuse, with a message in Indonesian."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "text", "open", "close"
    raw: str
    name: str = ""
    visible: str = ""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def tokens(markup: str) -> list[_Token]:
    """The markup as text, opening-tag and closing-tag tokens (other renderers walk these)."""
    return _tokens(markup)


def _tokens(markup: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    for match in _TOKEN.finditer(markup):
        if match.start() > pos:
            chunk = markup[pos : match.start()]
            tokens.append(_Token("text", chunk, visible=chunk))
        raw = match.group(0)
        if match.group(2):
            name = match.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise HtmlProblem(f"tag <{name}> tidak didukung Telegram; pakai <b>, <i> atau <a>")
            if name == "a" and not match.group(1) and "href=" not in match.group(3):
                raise HtmlProblem('tag <a> wajib punya href="https://..."')
            tokens.append(_Token("close" if match.group(1) else "open", raw, name=name))
        elif match.group(4):
            entity = match.group(4)
            if not entity.startswith("#") and entity not in _NAMED_ENTITIES:
                raise HtmlProblem(f"&{entity}; tidak dikenal Telegram; tulis &amp; untuk tanda &")
            tokens.append(_Token("text", raw, visible=html.unescape(raw)))
        else:
            escaped = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}[raw]
            raise HtmlProblem(f"tanda '{raw}' harus ditulis {escaped}")
        pos = match.end()
    if pos < len(markup):
        tokens.append(_Token("text", markup[pos:], visible=markup[pos:]))
    return tokens


def check_html(markup: str) -> int:
    """Raise :class:`HtmlProblem` if Telegram would reject ``markup``; return its visible length."""
    stack: list[str] = []
    length = 0
    for token in _tokens(markup):
        if token.kind == "open":
            stack.append(token.name)
        elif token.kind == "close":
            if not stack or stack[-1] != token.name:
                raise HtmlProblem(f"tag </{token.name}> tidak punya pasangan pembuka yang cocok")
            stack.pop()
        else:
            length += utf16_len(token.visible)
    if stack:
        raise HtmlProblem(f"tag <{stack[-1]}> belum ditutup; tambahkan </{stack[-1]}>")
    return length


def visible_text(markup: str) -> str:
    """The text a reader sees, without tags."""
    return "".join(t.visible for t in _tokens(markup) if t.kind == "text")


def split_html(markup: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split valid Telegram HTML into messages of at most ``limit`` visible characters.

    Splits at paragraph breaks, then line breaks, then spaces; tags open at a split are closed
    at the end of one part and reopened at the start of the next, so every part is valid.
    """
    check_html(markup)
    if utf16_len(visible_text(markup)) <= limit:
        return [markup]
    units = _split_units(_tokens(markup))
    parts: list[str] = []
    current: list[_Token] = []
    open_tags: list[_Token] = []
    size = 0
    for unit in units:
        unit_size = sum(utf16_len(t.visible) for t in unit)
        if current and size + unit_size > limit:
            parts.append(_close("".join(t.raw for t in current), open_tags))
            current = list(open_tags)
            size = 0
        for token in unit:
            if token.kind == "text" and utf16_len(token.visible) > limit:
                raise HtmlProblem("ada satu kata yang lebih panjang dari batas pesan Telegram")
            current.append(token)
            if token.kind == "open":
                open_tags.append(token)
            elif token.kind == "close":
                open_tags.pop()
        size += unit_size
    if current:
        parts.append("".join(t.raw for t in current))
    return [p.strip() for p in parts if visible_text(p).strip()]


def _close(markup: str, open_tags: list[_Token]) -> str:
    return markup + "".join(f"</{t.name}>" for t in reversed(open_tags))


def _split_units(tokens: list[_Token]) -> list[list[_Token]]:
    """Group tokens into units that end after whitespace, preferring line breaks."""
    units: list[list[_Token]] = []
    unit: list[_Token] = []
    for token in tokens:
        if token.kind != "text":
            unit.append(token)
            continue
        for piece in re.split(r"(?<=\s)", token.raw):
            if not piece:
                continue
            unit.append(_Token("text", piece, visible=html.unescape(piece)))
            if piece[-1].isspace():
                units.append(unit)
                unit = []
    if unit:
        units.append(unit)
    return units
