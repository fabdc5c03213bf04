"""Render a claim check as the Telegram HTML a citizen reads: the claim, its verdict, why, and sources."""

from __future__ import annotations

import html

from bot.claims.model import Claim, ClaimSource
from bot.faq.model import Source
from bot.faq.render import render_source
from bot.faq.telegram_html import split_html

_LABELS = {
    "id": {
        "intro": "🔎 <b>Cek Hoaks</b>: pesan ini cocok dengan klaim yang sudah diperiksa:",
        "verdict": "Putusan",
        "source": "Sumber",
        "circulated": "Beredar",
    },
    "en": {
        "intro": "🔎 <b>Hoax check</b>: this message matches a claim that has been checked:",
        "verdict": "Verdict",
        "source": "Sources",
        "circulated": "Circulated",
    },
}
_VERDICT_EN = {
    "SALAH": "FALSE",
    "MENYESATKAN": "MISLEADING",
    "KONTEKS_KELIRU": "FALSE CONTEXT",
    "KONTEN_DIMANIPULASI": "MANIPULATED CONTENT",
}
_MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
_MONTHS_EN = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def _as_source(source: ClaimSource) -> Source:
    note = None if source.date else ""
    return Source(title=source.title, date=source.date, url=source.url, date_note=note)


def _month(value: str, lang: str) -> str:
    year, month = value[:4], int(value[5:7])
    names = _MONTHS_EN if lang == "en" else _MONTHS_ID
    return f"{names[month - 1]} {year}"


_ICONS = {"MENYESATKAN": "⚠️", "KONTEKS_KELIRU": "⚠️"}


def verdict_label(claim: Claim, lang: str = "id") -> str:
    """``SALAH`` (id) or ``FALSE`` (en)."""
    return _VERDICT_EN.get(claim.verdict, claim.verdict) if lang == "en" else claim.verdict_label


def render_verdict(claim: Claim, lang: str = "id", intro: str | None = None) -> str:
    """The whole check as one HTML string: intro, claim, verdict, explanation, sources (official first)."""
    use_en = lang == "en" and claim.explanation_en is not None
    lang = "en" if use_en else "id"
    labels = _LABELS[lang]
    body = (claim.explanation_en if use_en else claim.explanation) or claim.explanation
    statement = html.escape(claim.statement, quote=False)
    sources = [render_source(_as_source(s), lang) for s in claim.sources]
    footer = f"📎 <i>{labels['source']}:</i>\n" + "\n".join(f"• {s}" for s in sources)
    return (
        f"{intro or labels['intro']}\n<i>“{statement}”</i>\n"
        f"({labels['circulated']}: {_month(claim.circulated, lang)})\n\n"
        f"{labels['verdict']}: <b>{_ICONS.get(claim.verdict, '❌')} {verdict_label(claim, lang)}</b>\n\n"
        f"{body.strip()}\n\n{footer}"
    )


def render_messages(claim: Claim, lang: str = "id", intro: str | None = None) -> list[str]:
    """The check split into Telegram messages under the 4096-character limit."""
    return split_html(render_verdict(claim, lang, intro))
