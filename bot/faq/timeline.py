"""The ``{{acara ...}}`` marker: dated events that read correctly before, on and after the day."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
MARKER = re.compile(r"\{\{\s*acara\s+([^}]*?)\s*\}\}")
_ANY_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}", re.S)

_DAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
_MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
_DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


class MarkerProblem(ValueError):
    """A ``{{...}}`` marker that cannot be read."""


def today_wib() -> date:
    """Today's date in Asia/Jakarta."""
    return datetime.now(WIB).date()


def format_date(day: date, lang: str = "id", weekday: bool = True) -> str:
    """``Rabu, 14 Februari 2024`` (or ``Wednesday, 14 February 2024``)."""
    days, months = (_DAYS_EN, _MONTHS_EN) if lang == "en" else (_DAYS_ID, _MONTHS_ID)
    text = f"{day.day} {months[day.month - 1]} {day.year}"
    return f"{days[day.weekday()]}, {text}" if weekday else text


def parse_marker(args: str) -> tuple[date, date]:
    """The start and end date of a marker's arguments (equal for a single day)."""
    words = args.split()
    if len(words) not in (1, 2):
        raise MarkerProblem(
            "penanda harus berisi satu tanggal {{acara 2024-02-14}} "
            "atau dua tanggal {{acara 2023-11-28 2024-02-10}}"
        )
    try:
        days = [date.fromisoformat(w) for w in words]
    except ValueError as exc:
        raise MarkerProblem(
            f"tanggal '{args}' di penanda tidak valid; tulis TTTT-BB-HH, misalnya 2024-02-14"
        ) from exc
    if days[-1] < days[0]:
        raise MarkerProblem(f"tanggal akhir di penanda '{args}' lebih awal dari tanggal mulai")
    return days[0], days[-1]


def check_markers(text: str) -> None:
    """Raise :class:`MarkerProblem` for any unreadable ``{{...}}`` in ``text``."""
    for match in _ANY_BRACES.finditer(text):
        inner = MARKER.fullmatch(match.group(0))
        if inner is None:
            raise MarkerProblem(
                f"penanda '{match.group(0)[:40]}' tidak dikenal; yang dikenal hanya {{{{acara TTTT-BB-HH}}}}"
            )
        parse_marker(inner.group(1))


def _phrase(start: date, end: date, today: date, lang: str) -> str:
    if start == end:
        when = format_date(start, lang)
        left = (start - today).days
        if lang == "en":
            if left > 0:
                return f"will take place on {when} (in {left} day{'s' if left != 1 else ''})"
            return f"takes place today, {when}" if left == 0 else f"took place on {when}"
        if left > 0:
            return f"akan dilaksanakan pada {when} ({left} hari lagi)"
        return f"dilaksanakan hari ini, {when}" if left == 0 else f"telah dilaksanakan pada {when}"
    first, last = format_date(start, lang, weekday=False), format_date(end, lang, weekday=False)
    if lang == "en":
        if today < start:
            left = (start - today).days
            return f"will run from {first} to {last} (starting in {left} day{'s' if left != 1 else ''})"
        if today <= end:
            left = (end - today).days
            ends = "ends today" if left == 0 else f"ends in {left} day{'s' if left != 1 else ''}"
            return f"is under way from {first} to {last} ({ends})"
        return f"ran from {first} to {last}"
    if today < start:
        return f"akan berlangsung pada {first} – {last} (dimulai {(start - today).days} hari lagi)"
    if today <= end:
        left = (end - today).days
        ends = "berakhir hari ini" if left == 0 else f"berakhir {left} hari lagi"
        return f"sedang berlangsung, {first} – {last} ({ends})"
    return f"telah berlangsung pada {first} – {last}"


def fill_markers(text: str, today: date, lang: str = "id") -> str:
    """Replace every ``{{acara ...}}`` marker with the phrase for ``today``."""

    def replace(match: re.Match[str]) -> str:
        start, end = parse_marker(match.group(1))
        return _phrase(start, end, today, lang)

    return MARKER.sub(replace, text)
