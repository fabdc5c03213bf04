"""Answers as a citizen reads them on a given date, as plain text for staff (``pemilubot faq pratinjau``)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from bot.faq.model import Entry, Faq
from bot.faq.render import render_answer
from bot.faq.telegram_html import MAX_MESSAGE_LENGTH, HtmlProblem, check_html
from bot.faq.timeline import MarkerProblem, format_date

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
LANGS = (("id", "Bahasa Indonesia"), ("en", "English"))


@dataclass(frozen=True)
class Preview:
    """The text staff read, and what could not be rendered (empty when all is well)."""

    text: str
    problems: tuple[str, ...]


def as_plain_text(markup: str) -> str:
    """Telegram HTML as terminal text: links become ``title [url]``, other tags are dropped."""
    text = _LINK.sub(lambda m: f"{m.group(2)} [{m.group(1)}]", markup)
    return html.unescape(_TAG.sub("", text))


def preview_entry(entry: Entry, today: date) -> Preview:
    """One entry in both languages (Indonesian only when there is no English answer) on ``today``."""
    parts = [f"=== {entry.id} ({entry.file} baris {entry.line}) · dibaca {format_date(today)}"]
    problems = []
    for lang, name in LANGS:
        if lang == "en" and entry.answer_en is None:
            parts.append(
                f"--- {name}: (belum ada jawaban_en; warga berbahasa Inggris membaca jawaban Indonesia)"
            )
            continue
        try:
            markup = render_answer(entry, today, lang)
            length = check_html(markup)
        except (MarkerProblem, HtmlProblem) as exc:
            problems.append(f"{entry.file} baris {entry.line}, entri '{entry.id}' ({lang}): {exc}")
            continue
        text = as_plain_text(markup)
        if "{{" in text or "}}" in text:
            problems.append(
                f"{entry.file} baris {entry.line}, entri '{entry.id}' ({lang}): "
                "masih ada tanda {{ atau }} yang tidak terbaca; periksa penanda di jawaban"
            )
        if length > MAX_MESSAGE_LENGTH:
            problems.append(
                f"{entry.file} baris {entry.line}, entri '{entry.id}' ({lang}): jawaban {length} karakter, "
                f"lebih dari {MAX_MESSAGE_LENGTH}; bot akan mengirimnya dalam beberapa pesan"
            )
        parts.append(f"--- {name}\n{text}")
    return Preview("\n".join(parts), tuple(problems))


def preview_all(faq: Faq, today: date) -> Preview:
    """Every entry, in file order, on ``today``."""
    previews = [preview_entry(entry, today) for entry in faq.entries]
    return Preview(
        "\n\n".join(p.text for p in previews),
        tuple(problem for p in previews for problem in p.problems),
    )
