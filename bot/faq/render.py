"""Render an FAQ entry as the Telegram HTML a citizen reads: answer, then its sources."""

from __future__ import annotations

import html
from datetime import date

from bot.faq.model import Entry, Source
from bot.faq.sources import is_official
from bot.faq.telegram_html import split_html
from bot.faq.timeline import fill_markers, format_date

# (icon, label for one source, label for several), by language
_Label = tuple[str, str, str]
_SOURCE_LABEL: dict[str, _Label] = {"id": ("📎", "Sumber", "Sumber"), "en": ("📎", "Source", "Sources")}
_OFFICIAL_LABEL: dict[str, _Label] = {
    "id": ("🏛", "Sumber resmi", "Sumber resmi"),
    "en": ("🏛", "Official source", "Official sources"),
}
_OTHER_LABEL: dict[str, _Label] = {
    "id": ("📎", "Sumber lain", "Sumber lain"),
    "en": ("📎", "Other source", "Other sources"),
}


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
    return f"{text}\n\n{render_sources(entry.sources, lang)}"


def render_sources(sources: tuple[Source, ...], lang: str = "id") -> str:
    """The source footer: official sources first under their own label, then the others."""
    official = [render_source(s, lang) for s in sources if is_official(s)]
    others = [render_source(s, lang) for s in sources if not is_official(s)]
    if not official:
        return _source_group(_SOURCE_LABEL[lang], others)
    groups = [_source_group(_OFFICIAL_LABEL[lang], official)]
    if others:
        groups.append(_source_group(_OTHER_LABEL[lang], others))
    return "\n".join(groups)


def _source_group(label: _Label, rendered: list[str]) -> str:
    icon, one, several = label
    if len(rendered) == 1:
        return f"{icon} <i>{one}:</i> {rendered[0]}"
    return f"{icon} <i>{several}:</i>\n" + "\n".join(f"• {s}" for s in rendered)


def render_messages(entry: Entry, today: date, lang: str = "id") -> list[str]:
    """The answer split into Telegram messages under the 4096-character limit."""
    return split_html(render_answer(entry, today, lang))
