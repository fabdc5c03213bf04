"""Rendering: time-aware markers, sources, escaping and splitting under Telegram's limit."""

from __future__ import annotations

from datetime import date

import pytest

from bot.faq.model import Entry, Source
from bot.faq.render import render_answer, render_messages
from bot.faq.telegram_html import check_html, split_html, visible_text
from bot.faq.timeline import MarkerProblem, fill_markers, marker_dates, markers_in

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


def test_deadline_before_on_after() -> None:
    text = "Pengurusan pindah memilih {{batas 2024-02-07}}."
    assert fill_markers(text, date(2024, 2, 4)) == (
        "Pengurusan pindah memilih masih dapat dilakukan paling lambat Rabu, 7 Februari 2024 (3 hari lagi)."
    )
    assert fill_markers(text, date(2024, 2, 7)) == (
        "Pengurusan pindah memilih masih dapat dilakukan hari ini, Rabu, 7 Februari 2024 (hari terakhir)."
    )
    assert fill_markers(text, date(2024, 2, 8)) == (
        "Pengurusan pindah memilih sudah ditutup pada Rabu, 7 Februari 2024."
    )


def test_deadline_in_english() -> None:
    text = "Moving your vote {{batas 2024-02-07}}."
    assert fill_markers(text, date(2024, 2, 6), "en") == (
        "Moving your vote can still be done until Wednesday, 7 February 2024 (1 day left)."
    )
    assert "(2 days left)" in fill_markers(text, date(2024, 2, 5), "en")
    assert fill_markers(text, date(2024, 2, 7), "en") == (
        "Moving your vote can still be done today, Wednesday, 7 February 2024 (the last day)."
    )
    assert (
        fill_markers(text, date(2026, 11, 30), "en")
        == "Moving your vote closed on Wednesday, 7 February 2024."
    )


BLOCKS = (
    "Yang dibawa ke TPS:\n"
    "{{sampai 2024-02-14}}\nBawa KTP-el dan formulir C.\n{{/sampai}}\n"
    "{{setelah 2024-02-14}}\nPada Pemilu 2024, pemilih membawa KTP-el.\n{{/setelah}}\n"
    "Selesai{{sampai 2024-02-14}} hari ini{{/sampai}}."
)


def test_until_block_shows_up_to_and_including_its_day() -> None:
    for day in (date(2024, 1, 1), date(2024, 2, 13), date(2024, 2, 14)):
        assert fill_markers(BLOCKS, day) == (
            "Yang dibawa ke TPS:\nBawa KTP-el dan formulir C.\nSelesai hari ini."
        ), day


def test_after_block_shows_only_after_its_day() -> None:
    for day in (date(2024, 2, 15), date(2026, 11, 30)):
        assert fill_markers(BLOCKS, day, "en") == (
            "Yang dibawa ke TPS:\nPada Pemilu 2024, pemilih membawa KTP-el.\nSelesai."
        ), day


def test_blocks_may_hold_inline_markers_and_html() -> None:
    text = (
        "{{sampai 2024-02-07}}<b>Daftar</b> {{batas 2024-02-07}}.{{/sampai}}"
        "{{setelah 2024-02-07}}Ditutup.{{/setelah}}"
    )
    assert fill_markers(text, date(2024, 2, 7)) == (
        "<b>Daftar</b> masih dapat dilakukan hari ini, Rabu, 7 Februari 2024 (hari terakhir)."
    )
    assert fill_markers(text, date(2024, 2, 8)) == "Ditutup."


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{{batas 2024-02-07 2024-02-08}}", "tepat satu tanggal"),
        ("{{batas 7-2-2024}}", "TTTT-BB-HH"),
        ("{{batas}}", "tidak dikenal"),
        ("{{sampai 2024-02-14}}teks", "belum ditutup"),
        ("teks{{/setelah}}", "tidak punya pembuka"),
        ("{{sampai 2024-02-14}}a{{/setelah}}", "tidak punya pembuka"),
        ("{{sampai 2024-02-14}}{{setelah 2024-02-14}}a{{/setelah}}{{/sampai}}", "bersarang"),
        ("{{sebelum 2024-02-14}}a{{/sebelum}}", "tidak dikenal"),
        ("{{acara 2024-02-14}", "tidak dikenal"),
        ("{{setelah 2024-02-30}}a{{/setelah}}", "TTTT-BB-HH"),
    ],
)
def test_malformed_markers_are_refused(text: str, says: str) -> None:
    with pytest.raises(MarkerProblem) as info:
        markers_in(text)
    assert says in str(info.value)


def test_marker_dates_cover_before_on_after() -> None:
    days = marker_dates("A {{batas 2024-02-07}} B {{acara 2023-11-28 2024-02-10}}")
    for day in (date(2024, 2, 6), date(2024, 2, 7), date(2024, 2, 8)):
        assert day in days
    for day in (date(2023, 11, 27), date(2023, 11, 28), date(2024, 2, 10), date(2024, 2, 11)):
        assert day in days
