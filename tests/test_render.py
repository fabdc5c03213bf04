"""Rendering: time-aware markers, sources, escaping and splitting under Telegram's limit."""

from __future__ import annotations

from datetime import date

from bot.faq.model import Entry, Source
from bot.faq.render import render_answer, render_messages
from bot.faq.telegram_html import check_html, split_html, visible_text
from bot.faq.timeline import fill_markers

SOURCE = Source("Kompas.com – TPS <dibuka> & ditutup", date(2024, 2, 13), "https://kompas.com/a?b=1&c=2")


def entry(answer: str, answer_en: str | None = None) -> Entry:
    return Entry("tanggal_pemilu", "Tanggal", "Jadwal", ("kapan",), answer, (SOURCE,), answer_en)


def test_single_day_before_on_after() -> None:
    text = "Pemungutan suara {{acara 2024-02-14}}."
    assert fill_markers(text, date(2024, 2, 10)) == (
        "Pemungutan suara akan dilaksanakan pada Rabu, 14 Februari 2024 (4 hari lagi)."
    )
    assert fill_markers(text, date(2024, 2, 14)) == (
        "Pemungutan suara dilaksanakan hari ini, Rabu, 14 Februari 2024."
    )
    assert fill_markers(text, date(2026, 11, 28)) == (
        "Pemungutan suara telah dilaksanakan pada Rabu, 14 Februari 2024."
    )


def test_range_before_during_after() -> None:
    text = "Masa kampanye {{acara 2023-11-28 2024-02-10}}."
    assert "dimulai 3 hari lagi" in fill_markers(text, date(2023, 11, 25))
    assert "sedang berlangsung" in fill_markers(text, date(2024, 1, 1))
    assert "berakhir hari ini" in fill_markers(text, date(2024, 2, 10))
    assert fill_markers(text, date(2024, 2, 11)) == (
        "Masa kampanye telah berlangsung pada 28 November 2023 – 10 Februari 2024."
    )


def test_english_markers() -> None:
    assert fill_markers("Voting {{acara 2024-02-14}}.", date(2024, 2, 13), "en") == (
        "Voting will take place on Wednesday, 14 February 2024 (in 1 day)."
    )
    assert "took place on" in fill_markers("{{acara 2024-02-14}}", date(2025, 1, 1), "en")


def test_answer_has_escaped_source_line() -> None:
    html = render_answer(entry("Jawaban <b>tebal</b>."), date(2026, 11, 28))
    check_html(html)
    assert html.startswith("Jawaban <b>tebal</b>.")
    assert "Sumber:" in html
    assert "TPS &lt;dibuka&gt; &amp; ditutup" in html
    assert 'href="https://kompas.com/a?b=1&amp;c=2"' in html
    assert "(13 Februari 2024)" in html


def test_english_answer_only_when_written() -> None:
    both = entry("Indonesia {{acara 2024-02-14}}", "English {{acara 2024-02-14}}")
    assert render_answer(both, date(2026, 1, 1), "en").startswith("English took place")
    assert "Source:" in render_answer(both, date(2026, 1, 1), "en")
    only_id = entry("Indonesia")
    assert render_answer(only_id, date(2026, 1, 1), "en").startswith("Indonesia")


def test_long_answer_split_into_valid_parts() -> None:
    long_answer = "\n".join(f"<b>Bagian {i}</b> " + "kata " * 60 for i in range(40))
    parts = render_messages(entry(long_answer), date(2026, 1, 1))
    assert len(parts) > 1
    for part in parts:
        assert check_html(part) <= 4096
    joined = " ".join(visible_text(p) for p in parts)
    assert joined.count("Bagian") == 40 and "Sumber" in joined


def test_split_keeps_tags_balanced_across_parts() -> None:
    markup = "<b>" + "tebal " * 1000 + "</b>"
    parts = split_html(markup, limit=1000)
    assert len(parts) >= 6
    for part in parts:
        check_html(part)
        assert part.startswith("<b>") and part.endswith("</b>")
