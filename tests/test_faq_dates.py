"""Every entry in responses/, rendered on a date before, on and after each of its marker dates.

The checks read the rendered text, not the renderer: whatever phrase a marker turns into, the date
it names must sit on the right side of the reading date ("masih dapat … paling lambat" only before
or on a deadline, "sudah ditutup" only after it), no brace may be left over, Telegram must accept the
HTML, and a ``{{sampai}}``/``{{setelah}}`` block's text shows exactly on its dates. The content is
rewritten often; these tests work on whatever the files hold.
"""

from __future__ import annotations

import html
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.faq import load_faq
from bot.faq.model import Entry
from bot.faq.render import render_answer
from bot.faq.telegram_html import check_html, visible_text

REPO = Path(__file__).resolve().parents[1]
READ_TODAY = date(2026, 11, 30)

_ID_MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
_EN_MONTHS = "January February March April May June July August September October November December"
MONTHS = {m: i for names in (_ID_MONTHS, _EN_MONTHS) for i, m in enumerate(names.split(" "), 1)}
WEEKDAYS = (
    "Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
)
DAY = rf"(?:(?:{WEEKDAYS}), )?(\d{{1,2}}) ({'|'.join(MONTHS)}) (\d{{4}})"

# (pattern, what must hold between the named date(s) and the reading date, days-left group or None)
RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"akan dilaksanakan pada {DAY} \((\d+) hari lagi\)"), "future"),
    (re.compile(rf"will take place on {DAY} \(in (\d+) days?\)"), "future"),
    (re.compile(rf"masih dapat dilakukan paling lambat {DAY} \((\d+) hari lagi\)"), "future"),
    (re.compile(rf"can still be done until {DAY} \((\d+) days? left\)"), "future"),
    (re.compile(rf"(?<!telah )dilaksanakan hari ini, {DAY}"), "today"),
    (re.compile(rf"takes place today, {DAY}"), "today"),
    (re.compile(rf"masih dapat dilakukan hari ini, {DAY} \(hari terakhir\)"), "today"),
    (re.compile(rf"can still be done today, {DAY} \(the last day\)"), "today"),
    (re.compile(rf"telah dilaksanakan pada {DAY}"), "past"),
    (re.compile(rf"took place on {DAY}"), "past"),
    (re.compile(rf"sudah ditutup pada {DAY}"), "past"),
    (re.compile(rf"closed on {DAY}"), "past"),
    (re.compile(rf"akan berlangsung pada {DAY} – {DAY} \(dimulai (\d+) hari lagi\)"), "range_future"),
    (re.compile(rf"will run from {DAY} to {DAY} \(starting in (\d+) days?\)"), "range_future"),
    (re.compile(rf"sedang berlangsung, {DAY} – {DAY}"), "range_now"),
    (re.compile(rf"is under way from {DAY} to {DAY}"), "range_now"),
    (re.compile(rf"telah berlangsung pada {DAY} – {DAY}"), "range_past"),
    (re.compile(rf"ran from {DAY} to {DAY}"), "range_past"),
]
# Hand-written or generated: "still possible" next to a date that has passed reads wrongly.
STILL = re.compile(rf"(?:masih (?:dapat|bisa)|can still)[^.\n]{{0,80}}?{DAY}", re.I)
MARKER_DAY = re.compile(r"\{\{[^}]*?(\d{4}-\d{2}-\d{2})(?:\s+(\d{4}-\d{2}-\d{2}))?\s*\}\}")
BLOCK = re.compile(r"\{\{\s*(sampai|setelah)\s+(\d{4}-\d{2}-\d{2})\s*\}\}(.*?)\{\{\s*/\s*\1\s*\}\}", re.S)


def _day(groups: tuple[str, ...], at: int) -> date:
    return date(int(groups[at + 2]), MONTHS[groups[at + 1]], int(groups[at]))


def _fits(rule: str, g: tuple[str, ...], today: date) -> bool:
    first = _day(g, 0)
    if rule == "future":
        return first > today and int(g[3]) == (first - today).days
    if rule == "today":
        return first == today
    if rule == "past":
        return first < today
    if rule == "range_future":
        return today < first and int(g[6]) == (first - today).days
    if rule == "range_now":
        return first <= today <= _day(g, 3)
    return _day(g, 3) < today


def wrong_phrases(text: str, today: date) -> list[str]:
    """Marker phrases in ``text`` that do not fit a reading on ``today``."""
    wrong = []
    for pattern, rule in RULES:
        for match in pattern.finditer(text):
            ok = _fits(rule, match.groups(), today)
            if not ok:
                wrong.append(match.group(0))
    for match in STILL.finditer(text):
        if _day(match.groups(), 0) < today:
            wrong.append(match.group(0))
    return wrong


def reading_dates(raw: str) -> set[date]:
    """The day before, the day of, and the day after every date named in a marker."""
    days = {READ_TODAY}
    for match in MARKER_DAY.finditer(raw):
        for iso in filter(None, match.groups()):
            day = date.fromisoformat(iso)
            days.update({day - timedelta(days=1), day, day + timedelta(days=1)})
    return days


def block_snippets(raw: str) -> list[tuple[str, date, str]]:
    """(kind, date, a line of plain text from the block that appears nowhere else in ``raw``)."""
    found = []
    for match in BLOCK.finditer(raw):
        plain = html.unescape(re.sub(r"<[^>]+>", "", match.group(3)))
        pieces = [p.strip() for line in plain.splitlines() for p in re.split(r"\{\{.*?\}\}", line)]
        outside = raw[: match.start()] + raw[match.end() :]
        usable = [p for p in pieces if len(p) >= 12 and p not in outside]
        if usable:
            found.append((match.group(1), date.fromisoformat(match.group(2)), max(usable, key=len)))
    return found


def check_entry(entry: Entry) -> tuple[int, list[str]]:
    failures: list[str] = []
    readings = 0
    for lang, raw in (("id", entry.answer), ("en", entry.answer_en)):
        if raw is None:
            continue
        for today in sorted(reading_dates(raw)):
            readings += 1
            where = f"{entry.file} '{entry.id}' ({lang}, dibaca {today})"
            rendered = render_answer(entry, today, lang)
            check_html(rendered)
            text = visible_text(rendered)
            if "{{" in text or "}}" in text:
                failures.append(f"{where}: tanda kurung kurawal tersisa")
            failures += [f"{where}: terbaca salah: {w!r}" for w in wrong_phrases(text, today)]
            for kind, day, snippet in block_snippets(raw):
                should_show = today <= day if kind == "sampai" else today > day
                if (snippet in text) != should_show:
                    state = "tampil" if snippet in text else "tidak tampil"
                    failures.append(f"{where}: blok {kind} {day} {state}: {snippet[:50]!r}")
    return readings, failures


def test_every_entry_reads_right_before_on_and_after_each_marker_date() -> None:
    faq = load_faq(REPO / "responses")
    readings, failures = 0, []
    for entry in faq.entries:
        count, problems = check_entry(entry)
        readings += count
        failures += problems
    assert readings >= sum(1 + (e.answer_en is not None) for e in faq.entries)
    assert not failures, "\n".join(failures)


def test_the_checker_catches_a_deadline_that_reads_wrongly() -> None:
    wrong = "Pindah memilih masih dapat dilakukan paling lambat Rabu, 7 Februari 2024 (3 hari lagi)."
    assert wrong_phrases(wrong, date(2024, 2, 8))
    assert wrong_phrases(wrong, date(2024, 2, 5))  # days left do not match
    assert not wrong_phrases(wrong, date(2024, 2, 4))
    assert wrong_phrases("Layanan masih bisa diakses sampai 7 Februari 2024.", READ_TODAY)
    assert wrong_phrases("Voting took place on Wednesday, 14 February 2024.", date(2024, 2, 14))
    assert wrong_phrases(
        "Kampanye sedang berlangsung, 28 November 2023 – 10 Februari 2024", date(2024, 2, 11)
    )


def test_the_checker_catches_a_block_shown_on_the_wrong_day(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (
        "{{sampai 2024-02-14}}Bawa KTP-el ke TPS hari ini.{{/sampai}}"
        "{{setelah 2024-02-14}}Pada Pemilu 2024 pemilih membawa KTP-el.{{/setelah}}"
    )
    entry = Entry("x", "x", "x", ("q",), raw, ())
    assert check_entry(entry)[1] == []

    def shows_every_block(entry: Entry, today: date, lang: str = "id") -> str:
        return re.sub(r"\{\{.*?\}\}", "", entry.answer)

    monkeypatch.setattr(sys.modules[__name__], "render_answer", shows_every_block)
    failures = check_entry(entry)[1]
    assert any("blok sampai 2024-02-14 tampil" in f and "2024-02-15" in f for f in failures)
    assert any("blok setelah 2024-02-14 tampil" in f and "2024-02-14)" in f for f in failures)


def test_text_also_outside_a_block_is_not_used_as_evidence() -> None:
    raw = "{{sampai 2024-02-14}}Bawa KTP-el ke TPS hari ini.{{/sampai}}"
    assert block_snippets("Bawa KTP-el ke TPS hari ini. " + raw) == []
    assert block_snippets(raw) == [("sampai", date(2024, 2, 14), "Bawa KTP-el ke TPS hari ini.")]
