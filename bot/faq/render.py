"""Render an FAQ entry as the Telegram HTML a citizen reads: answer, then its sources."""

from __future__ import annotations

import html
from datetime import date

from bot.faq.model import Entry, Source
from bot.faq.telegram_html import split_html
from bot.faq.timeline import fill_markers, format_date

_SOURCE_LABEL = {"id": "Sumber", "en": "Source"}


def render_source(source: Source, lang: str = "id") -> str:
    """``<a href="url">title</a> (13 Februari 2024)``, escaped."""
    title = html.escape(source.title, quote=False)
    if source.date is not None:
        when = format_date(source.date, lang, weekday=False)
    else:
        note = html.escape(source.date_note or "", quote=False)
        when = ("undated" if lang == "en" else "tanpa tanggal") + (f"; {note}" if note else "")
    if source.url:
        return f'<a href="{html.escape(source.url)}">{title}</a> ({when})'
    return f"{title} ({when})"


def render_answer(entry: Entry, today: date, lang: str = "id") -> str:
    """The whole answer as one HTML string, time markers filled for ``today``."""
    use_en = lang == "en" and entry.answer_en is not None
    body = entry.answer_en if use_en and entry.answer_en else entry.answer
    lang = "en" if use_en else "id"
    text = fill_markers(body.strip(), today, lang)
    label = _SOURCE_LABEL[lang]
    sources = [render_source(s, lang) for s in entry.sources]
    if len(sources) == 1:
        footer = f"📎 <i>{label}:</i> {sources[0]}"
    else:
        footer = f"📎 <i>{label}:</i>\n" + "\n".join(f"• {s}" for s in sources)
    return f"{text}\n\n{footer}"


def render_messages(entry: Entry, today: date, lang: str = "id") -> list[str]:
    """The answer split into Telegram messages under the 4096-character limit."""
    return split_html(render_answer(entry, today, lang))
