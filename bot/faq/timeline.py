"""Date markers that keep answers right whenever they are read.

Inline markers replace a verb phrase with the one that fits today's date (WIB):

- ``{{acara 2024-02-14}}`` / ``{{acara 2023-11-28 2024-02-10}}``: an event (will take place, takes
  place today, took place);
- ``{{batas 2024-02-07}}``: a deadline (can still be done until, last day today, closed on).

Blocks show text only on some dates:

- ``{{sampai 2024-02-14}}…{{/sampai}}``: up to and including that day;
- ``{{setelah 2024-02-14}}…{{/setelah}}``: only after that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
MARKER = re.compile(r"\{\{\s*acara\s+([^}]*?)\s*\}\}")
DEADLINE = re.compile(r"\{\{\s*batas\s+([^}]*?)\s*\}\}")
_INLINE = re.compile(r"\{\{\s*(acara|batas)\s+([^}]*?)\s*\}\}")
_BLOCK_OPEN = re.compile(r"\{\{\s*(sampai|setelah)\s+([^}]*?)\s*\}\}")
_BLOCK_CLOSE = re.compile(r"\{\{\s*/\s*(sampai|setelah)\s*\}\}")
_BLOCK = re.compile(
    r"\{\{\s*(sampai|setelah)\s+([^}]*?)\s*\}\}(.*?)\{\{\s*/\s*\1\s*\}\}",
    re.S,
)
_ANY_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}", re.S)
_HIDDEN = "\x00"  # where a hidden block was, until the lines around it are tidied

KNOWN_MARKERS = (
    "{{acara TTTT-BB-HH}}, {{acara TTTT-BB-HH TTTT-BB-HH}}, {{batas TTTT-BB-HH}}, "
    "{{sampai TTTT-BB-HH}}…{{/sampai}}, {{setelah TTTT-BB-HH}}…{{/setelah}}"
)

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


@dataclass(frozen=True)
class MarkerUse:
    """One marker found in a text: its kind (acara, batas, sampai, setelah) and dates."""

    kind: str
    start: date
    end: date
    raw: str


def today_wib() -> date:
    """Today's date in Asia/Jakarta."""
    return datetime.now(WIB).date()


def format_date(day: date, lang: str = "id", weekday: bool = True) -> str:
    """``Rabu, 14 Februari 2024`` (or ``Wednesday, 14 February 2024``)."""
    days, months = (_DAYS_EN, _MONTHS_EN) if lang == "en" else (_DAYS_ID, _MONTHS_ID)
    text = f"{day.day} {months[day.month - 1]} {day.year}"
    return f"{days[day.weekday()]}, {text}" if weekday else text


def parse_marker(args: str) -> tuple[date, date]:
    """The start and end date of an ``{{acara ...}}`` marker's arguments (equal for a single day)."""
    words = args.split()
    if len(words) not in (1, 2):
        raise MarkerProblem(
            "penanda harus berisi satu tanggal {{acara 2024-02-14}} "
            "atau dua tanggal {{acara 2023-11-28 2024-02-10}}"
        )
    days = [_parse_day(w, args) for w in words]
    if days[-1] < days[0]:
        raise MarkerProblem(f"tanggal akhir di penanda '{args}' lebih awal dari tanggal mulai")
    return days[0], days[-1]


def _parse_day(word: str, args: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError as exc:
        raise MarkerProblem(
            f"tanggal '{args}' di penanda tidak valid; tulis TTTT-BB-HH, misalnya 2024-02-14"
        ) from exc


def _one_day(kind: str, args: str) -> date:
    words = args.split()
    if len(words) != 1:
        raise MarkerProblem(
            f"penanda {{{{{kind} …}}}} harus berisi tepat satu tanggal, misalnya {{{{{kind} 2024-02-07}}}}"
        )
    return _parse_day(words[0], args)


def markers_in(text: str) -> list[MarkerUse]:
    """Every marker in ``text``, in order; raise :class:`MarkerProblem` for any that cannot be read.

    Checks that each ``{{sampai …}}``/``{{setelah …}}`` is closed by its own ``{{/sampai}}`` /
    ``{{/setelah}}`` and that blocks are not nested.
    """
    found: list[MarkerUse] = []
    open_block: str | None = None
    for match in _ANY_BRACES.finditer(text):
        raw = match.group(0)
        short = raw[:40]
        if (inline := _INLINE.fullmatch(raw)) is not None:
            kind, args = inline.group(1), inline.group(2)
            if kind == "acara":
                start, end = parse_marker(args)
            else:
                start = end = _one_day(kind, args)
            found.append(MarkerUse(kind, start, end, raw))
        elif (opening := _BLOCK_OPEN.fullmatch(raw)) is not None:
            kind = opening.group(1)
            if open_block is not None:
                raise MarkerProblem(
                    f"penanda '{short}' ada di dalam blok {{{{{open_block} …}}}} yang belum ditutup; "
                    f"tutup dulu dengan {{{{/{open_block}}}}} (blok tidak boleh bersarang)"
                )
            day = _one_day(kind, opening.group(2))
            found.append(MarkerUse(kind, day, day, raw))
            open_block = kind
        elif (closing := _BLOCK_CLOSE.fullmatch(raw)) is not None:
            kind = closing.group(1)
            if open_block != kind:
                raise MarkerProblem(
                    f"penanda penutup '{short}' tidak punya pembuka {{{{{kind} TTTT-BB-HH}}}} sebelumnya"
                    + (f"; blok yang terbuka adalah {{{{{open_block} …}}}}" if open_block else "")
                )
            open_block = None
        else:
            raise MarkerProblem(f"penanda '{short}' tidak dikenal; yang dikenal hanya {KNOWN_MARKERS}")
    if open_block is not None:
        raise MarkerProblem(f"blok {{{{{open_block} …}}}} belum ditutup; tambahkan {{{{/{open_block}}}}}")
    return found


def check_markers(text: str) -> None:
    """Raise :class:`MarkerProblem` for any unreadable ``{{...}}`` in ``text``."""
    markers_in(text)


def marker_dates(text: str) -> list[date]:
    """The dates on which ``text`` reads differently: before, on and after each marker's dates."""
    days: set[date] = set()
    one = timedelta(days=1)
    for use in markers_in(text):
        days.update({use.start - one, use.start, use.start + one, use.end - one, use.end, use.end + one})
    return sorted(days)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _event_phrase(start: date, end: date, today: date, lang: str) -> str:
    if start == end:
        when = format_date(start, lang)
        left = (start - today).days
        if lang == "en":
            if left > 0:
                return f"will take place on {when} (in {_plural(left, 'day')})"
            return f"takes place today, {when}" if left == 0 else f"took place on {when}"
        if left > 0:
            return f"akan dilaksanakan pada {when} ({left} hari lagi)"
        return f"dilaksanakan hari ini, {when}" if left == 0 else f"telah dilaksanakan pada {when}"
    first, last = format_date(start, lang, weekday=False), format_date(end, lang, weekday=False)
    if lang == "en":
        if today < start:
            return f"will run from {first} to {last} (starting in {_plural((start - today).days, 'day')})"
        if today <= end:
            left = (end - today).days
            ends = "ends today" if left == 0 else f"ends in {_plural(left, 'day')}"
            return f"is under way from {first} to {last} ({ends})"
        return f"ran from {first} to {last}"
    if today < start:
        return f"akan berlangsung pada {first} – {last} (dimulai {(start - today).days} hari lagi)"
    if today <= end:
        left = (end - today).days
        ends = "berakhir hari ini" if left == 0 else f"berakhir {left} hari lagi"
        return f"sedang berlangsung, {first} – {last} ({ends})"
    return f"telah berlangsung pada {first} – {last}"


def _deadline_phrase(day: date, today: date, lang: str) -> str:
    when = format_date(day, lang)
    left = (day - today).days
    if lang == "en":
        if left > 0:
            return f"can still be done until {when} ({_plural(left, 'day')} left)"
        return f"can still be done today, {when} (the last day)" if left == 0 else f"closed on {when}"
    if left > 0:
        return f"masih dapat dilakukan paling lambat {when} ({left} hari lagi)"
    return (
        f"masih dapat dilakukan hari ini, {when} (hari terakhir)"
        if left == 0
        else f"sudah ditutup pada {when}"
    )


def _fill_blocks(text: str, today: date) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, day = match.group(1), _one_day(match.group(1), match.group(2))
        shown = today <= day if kind == "sampai" else today > day
        if not shown:
            return _HIDDEN
        body = match.group(3)
        body = body[1:] if body.startswith("\n") else body
        return body[:-1] if body.endswith("\n") else body

    filled = _BLOCK.sub(replace, text)
    if _HIDDEN not in filled:
        return filled
    lines = []
    for line in filled.split("\n"):
        if _HIDDEN in line:
            line = re.sub(rf" *{_HIDDEN}[ {_HIDDEN}]*", " ", line).strip(" ")
            line = re.sub(r" +([.,;:!?)])", r"\1", line)
            if not line:
                continue  # the line held only hidden blocks
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def fill_markers(text: str, today: date, lang: str = "id") -> str:
    """Show or hide date blocks and replace every inline marker with the phrase for ``today``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "acara":
            start, end = parse_marker(match.group(2))
            return _event_phrase(start, end, today, lang)
        return _deadline_phrase(_one_day("batas", match.group(2)), today, lang)

    return _INLINE.sub(replace, _fill_blocks(text, today))
