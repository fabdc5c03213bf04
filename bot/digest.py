"""The weekly digest for staff: what citizens asked that the bot could not answer (grouped), the
answers rated 👎 most, the fallback rate and its trend, and claims waiting for staff when claim
checking provides them. Sent to every admin on Monday 08:00 WIB; ``pemilubot laporan --mingguan``.

A week is seven UTC days from Monday 00:00 UTC (07:00 WIB), because answer counts are stored per
UTC day; the digest for the week ending on Monday 07:00 WIB is due at 08:00 WIB that Monday.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import html
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from sqlite_utils import Database

from bot.clustering import cluster
from bot.faq.timeline import WIB

if TYPE_CHECKING:
    from telegram import Bot

    from bot.faq.model import Faq
    from bot.tg.context import Services

log = logging.getLogger(__name__)

SEND_TIME = time(8, 0)
"""Monday, WIB."""
MAX_MESSAGE = 4096
"""Telegram's limit for one message."""
GROUPS_SHOWN = 10
EXAMPLES = 3
EXAMPLE_CHARS = 120
ENTRIES_SHOWN = 5
TREND_WEEKS = 3
_MONTHS_TEXT = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
_MONTHS = _MONTHS_TEXT.split()


@dataclass(frozen=True)
class Week:
    """Seven UTC days starting on a Monday."""

    start: date

    @property
    def end(self) -> date:
        """The day after the last day."""
        return self.start + timedelta(days=7)

    @property
    def label(self) -> str:
        """ISO week, e.g. ``2026-W48``: the key stored for sent digests."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def since(self) -> str:
        return f"{self.start.isoformat()}T00:00:00+00:00"

    @property
    def until(self) -> str:
        return f"{self.end.isoformat()}T00:00:00+00:00"

    def previous(self, weeks: int = 1) -> Week:
        return Week(self.start - timedelta(weeks=weeks))

    def title(self) -> str:
        """``23–29 November 2026`` (or across months/years)."""
        first, last = self.start, self.end - timedelta(days=1)
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{last.day} {_MONTHS[last.month - 1]} {last.year}"
        head = f"{first.day} {_MONTHS[first.month - 1]}" + (
            f" {first.year}" if first.year != last.year else ""
        )
        return f"{head} – {last.day} {_MONTHS[last.month - 1]} {last.year}"


def week_containing(day: date) -> Week:
    return Week(day - timedelta(days=day.weekday()))


def last_complete_week(now: datetime) -> Week:
    """The latest week that has ended by ``now``."""
    return week_containing(now.astimezone(timezone.utc).date()).previous()


def _send_moment(monday: date) -> datetime:
    return datetime.combine(monday, SEND_TIME, tzinfo=WIB)


def due_week(now: datetime) -> Week:
    """The week whose digest is due at ``now``: the one that ended before the latest Monday 08:00 WIB."""
    today = now.astimezone(WIB).date()
    monday = today - timedelta(days=today.weekday())
    if now < _send_moment(monday):
        monday -= timedelta(weeks=1)
    return Week(monday - timedelta(weeks=1))


def next_send_at(now: datetime) -> datetime:
    """The first Monday 08:00 WIB after ``now``."""
    return _send_moment(due_week(now).end + timedelta(weeks=1))


@dataclass(frozen=True)
class QuestionGroup:
    """Similar unanswered questions: how many, up to three different wordings, how many were off-topic."""

    count: int
    examples: tuple[str, ...]
    off_topic: int


@dataclass(frozen=True)
class EntryVotes:
    entry_id: str
    title: str
    down: int
    up: int
    answered: int


@dataclass(frozen=True)
class WeekFigures:
    week: Week
    answered: int
    fallback: int
    off_topic: int

    @property
    def total(self) -> int:
        return self.answered + self.fallback + self.off_topic

    @property
    def rate(self) -> float | None:
        """Fallback ("tidak yakin") as a share of every question; None without questions."""
        return self.fallback / self.total if self.total else None


@dataclass(frozen=True)
class PendingClaim:
    """A claim waiting for staff, as a claims provider reports it."""

    text: str
    reports: int = 1
    first_seen: str | None = None


ClaimsProvider = Callable[[Database, Week], Sequence[PendingClaim]]
"""Claims waiting for staff during/at the end of a week; plugged in once claim checking exists."""


@dataclass(frozen=True)
class Digest:
    week: Week
    figures: WeekFigures
    trend: tuple[WeekFigures, ...]
    """Previous weeks, most recent first (only weeks still fully inside the retention period)."""
    groups: tuple[QuestionGroup, ...]
    """Groups of two or more, largest first."""
    alone: tuple[str, ...]
    """Unanswered questions that resemble no other this week."""
    entries: tuple[EntryVotes, ...]
    claims: tuple[PendingClaim, ...] | None
    """None when no claims provider is plugged in (then the section is not shown)."""

    @property
    def unanswered(self) -> int:
        return self.figures.fallback + self.figures.off_topic

    @property
    def empty(self) -> bool:
        """Nothing happened this week (no question, no vote, no waiting claim)."""
        return not (self.figures.total or self.entries or self.claims)


def week_figures(db: Database, week: Week) -> WeekFigures:
    answered = db.execute(
        "SELECT COALESCE(SUM(count), 0) FROM answer_counts WHERE day >= ? AND day < ?",
        [week.start.isoformat(), week.end.isoformat()],
    ).fetchone()[0]
    reasons = dict(
        db.execute(
            "SELECT reason, COUNT(*) FROM unanswered WHERE created_at >= ? AND created_at < ? "
            "GROUP BY reason",
            [week.since, week.until],
        ).fetchall()
    )
    return WeekFigures(week, int(answered), reasons.get("tidak_yakin", 0), reasons.get("di_luar_topik", 0))


def question_groups(
    rows: Sequence[tuple[str, str]], background: Sequence[str] = ()
) -> tuple[list[QuestionGroup], list[str]]:
    """Cluster ``(text, reason)`` rows; groups of ≥ 2 largest first, and the texts that stood alone."""
    texts = [text for text, _ in rows]
    groups: list[QuestionGroup] = []
    alone: list[str] = []
    for found in cluster(texts, background=background):
        if len(found) < 2:
            alone.append(texts[found.members[0]])
            continue
        examples: list[str] = []
        seen: set[str] = set()
        for index in found.members:
            key = " ".join(texts[index].lower().split()).strip(" ?!.")
            if key not in seen:
                seen.add(key)
                examples.append(texts[index])
            if len(examples) == EXAMPLES:
                break
        off_topic = sum(1 for i in found.members if rows[i][1] == "di_luar_topik")
        groups.append(QuestionGroup(len(found), tuple(examples), off_topic))
    return groups, alone


def entry_votes(db: Database, week: Week, titles: Mapping[str, str]) -> list[EntryVotes]:
    """Entries with at least one 👎 this week, most 👎 first."""
    rows = db.execute(
        "SELECT entry_id, SUM(1 - helpful) AS down, SUM(helpful) AS up FROM feedback "
        "WHERE created_at >= ? AND created_at < ? GROUP BY entry_id HAVING down > 0 "
        "ORDER BY down DESC, up ASC, entry_id LIMIT ?",
        [week.since, week.until, ENTRIES_SHOWN],
    ).fetchall()
    answered = dict(
        db.execute(
            "SELECT entry_id, SUM(count) FROM answer_counts WHERE day >= ? AND day < ? GROUP BY entry_id",
            [week.start.isoformat(), week.end.isoformat()],
        ).fetchall()
    )
    return [
        EntryVotes(entry, titles.get(entry, ""), int(down), int(up), int(answered.get(entry, 0)))
        for entry, down, up in rows
    ]


def build_digest(
    db: Database,
    week: Week,
    *,
    now: datetime | None = None,
    retention_days: int | None = None,
    faq: Faq | None = None,
    claims: ClaimsProvider | None = None,
) -> Digest:
    """Everything the digest shows for ``week``.

    ``retention_days``: unanswered questions older than this are deleted, so earlier weeks that are
    no longer complete are left out of the trend. ``faq``: entry titles, and its example questions
    make common election words weigh less when grouping. ``claims``: see ``ClaimsProvider``.
    """
    ungrouped, rows = collect(db, week, now=now, retention_days=retention_days, faq=faq, claims=claims)
    return with_groups(ungrouped, rows, faq)


def collect(
    db: Database,
    week: Week,
    *,
    now: datetime | None = None,
    retention_days: int | None = None,
    faq: Faq | None = None,
    claims: ClaimsProvider | None = None,
) -> tuple[Digest, list[tuple[str, str]]]:
    """The database part of ``build_digest`` (quick queries): a digest without groups, and the
    week's unanswered ``(text, reason)`` rows to group (off the database thread)."""
    now = now or datetime.now(timezone.utc)
    oldest_complete = (
        (now - timedelta(days=retention_days)).astimezone(timezone.utc).date() if retention_days else None
    )
    trend = tuple(
        week_figures(db, earlier)
        for earlier in (week.previous(n) for n in range(1, TREND_WEEKS + 1))
        if oldest_complete is None or earlier.start >= oldest_complete
    )
    rows = [
        (str(text), str(reason))
        for text, reason in db.execute(
            "SELECT text, reason FROM unanswered WHERE created_at >= ? AND created_at < ? ORDER BY id",
            [week.since, week.until],
        ).fetchall()
    ]
    titles = {e.id: e.title for e in faq.entries} if faq else {}
    ungrouped = Digest(
        week=week,
        figures=week_figures(db, week),
        trend=trend,
        groups=(),
        alone=(),
        entries=tuple(entry_votes(db, week, titles)),
        claims=None if claims is None else tuple(claims(db, week)),
    )
    return ungrouped, rows


def with_groups(ungrouped: Digest, rows: Sequence[tuple[str, str]], faq: Faq | None = None) -> Digest:
    """The digest with the unanswered questions grouped (CPU work: up to about a second)."""
    background = [q for e in faq.entries for q in e.questions] if faq else []
    groups, alone = question_groups(rows, background)
    return dataclasses.replace(ungrouped, groups=tuple(groups), alone=tuple(alone))


# --- rendering ---------------------------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",") + " %"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _short(text: str, limit: int = EXAMPLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def trend_line(digest: Digest) -> str:
    """How this week's fallback rate compares with the previous weeks' average."""
    rate = digest.figures.rate
    earlier = [f.rate for f in digest.trend if f.rate is not None]
    if rate is None or not earlier:
        return "Tren: belum bisa dibandingkan (belum ada data minggu sebelumnya)."
    average = sum(earlier) / len(earlier)
    points = 100 * (rate - average)
    if abs(points) < 0.5:
        direction = "→ stabil"
    elif points > 0:
        direction = f"↑ naik {abs(points):.1f} poin".replace(".", ",")
    else:
        direction = f"↓ turun {abs(points):.1f} poin".replace(".", ",")
    return f"Tren: {direction} dari rata-rata {len(earlier)} minggu sebelumnya ({_percent(average)})."


def _blocks(
    digest: Digest, bold: Callable[[str], str], esc: Callable[[str], str], everything: bool
) -> list[str]:
    """The digest as blocks of lines; a block is never split across messages."""
    fig = digest.figures
    blocks = [f"{bold('📊 Ringkasan mingguan Tanya Pemilu')}\n{digest.week.title()}"]
    if fig.rate is None:
        blocks.append(f"{bold('Fallback')}: tidak ada pertanyaan minggu ini.")
    else:
        lines = [
            f"{bold('Fallback')} (bot tidak yakin): {_percent(fig.rate)}, "
            f"{_number(fig.fallback)} dari {_number(fig.total)} pertanyaan",
            f"Dijawab dari FAQ: {_number(fig.answered)}; ditolak di luar topik: {_number(fig.off_topic)}",
            trend_line(digest),
        ]
        if digest.trend:
            shown = " · ".join(_percent(f.rate) if f.rate is not None else "–" for f in digest.trend)
            lines.append(f"Minggu-minggu sebelumnya (terbaru dulu): {shown}")
        blocks.append("\n".join(lines))

    head = f"❓ Pertanyaan belum terjawab: {_number(digest.unanswered)}"
    if not digest.unanswered:
        blocks.append(f"{bold(head)}\nTidak ada minggu ini.")
    else:
        grouped = sum(g.count for g in digest.groups)
        blocks.append(
            f"{bold(head)}\n{_number(grouped)} di antaranya mirip satu sama lain "
            f"({len(digest.groups)} kelompok, terbesar dulu):"
        )
        groups_shown = len(digest.groups) if everything else GROUPS_SHOWN
        for number, group in enumerate(digest.groups[:groups_shown], 1):
            lines = [f"{bold(f'{number}. {group.count}×')}"]
            lines += [f"• {esc(_short(example))}" for example in group.examples]
            if group.off_topic * 2 > group.count:
                lines.append("  (sebagian besar ditolak bot sebagai di luar topik)")
            blocks.append("\n".join(lines))
        rest = len(digest.groups) - groups_shown
        tail = []
        if rest > 0:
            tail.append(f"+ {rest} kelompok kecil lainnya (semua: pemilubot laporan --mingguan).")
        if digest.alone and everything:
            tail.append(f"{len(digest.alone)} pertanyaan yang tidak mirip pertanyaan lain:")
            tail += [f"• {esc(_short(text))}" for text in digest.alone]
        elif digest.alone:
            tail.append(
                f"+ {_number(len(digest.alone))} pertanyaan yang tidak mirip pertanyaan lain "
                "(daftarnya: pemilubot laporan --mingguan)."
            )
        if tail:
            blocks.append("\n".join(tail))

    title = "👎 Jawaban yang paling sering dinilai tidak membantu"
    if not digest.entries:
        blocks.append(f"{bold(title)}\nTidak ada 👎 minggu ini.")
    else:
        lines = [bold(title)]
        for number, entry in enumerate(digest.entries, 1):
            name = f"{esc(entry.title)} ({esc(entry.entry_id)})" if entry.title else esc(entry.entry_id)
            lines.append(
                f"{number}. {name}: 👎 {entry.down} · 👍 {entry.up} · dijawab {_number(entry.answered)}×"
            )
        blocks.append("\n".join(lines))

    if digest.claims is not None:
        title = f"🧾 Klaim menunggu staf: {len(digest.claims)}"
        if not digest.claims:
            blocks.append(f"{bold(title)}\nTidak ada.")
        else:
            lines = [bold(title)]
            for claim in digest.claims[:GROUPS_SHOWN]:
                since = f", sejak {claim.first_seen[:10]}" if claim.first_seen else ""
                lines.append(f"• {esc(_short(claim.text))} ({claim.reports}× dilaporkan{since})")
            if len(digest.claims) > GROUPS_SHOWN:
                lines.append(f"+ {len(digest.claims) - GROUPS_SHOWN} klaim lainnya.")
            blocks.append("\n".join(lines))
    return blocks


def _pack(blocks: Sequence[str], limit: int) -> list[str]:
    """Join blocks with blank lines into as few messages as fit under ``limit`` characters."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        block = block[:limit]
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def as_html(digest: Digest, limit: int = MAX_MESSAGE) -> list[str]:
    """Telegram HTML messages, each under ``limit`` characters."""
    blocks = _blocks(digest, lambda s: f"<b>{html.escape(s)}</b>", html.escape, everything=False)
    return _pack(blocks, limit)


def as_text(digest: Digest) -> str:
    """Plain text for the terminal: every group and every question that stood alone."""
    return "\n\n".join(_blocks(digest, lambda s: s, lambda s: s, everything=True))


# --- sending once a week -----------------------------------------------------------------------


def sent_to(db: Database, week: Week) -> set[int]:
    """Admins the digest for ``week`` was sent to (or permanently failed for)."""
    rows = db.execute("SELECT admin_id FROM weekly_digests WHERE week = ?", [week.label]).fetchall()
    return {int(r[0]) for r in rows}


def mark_sent(db: Database, week: Week, admin_id: int, outcome: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO weekly_digests (week, admin_id, sent_at, outcome) VALUES (?, ?, ?, ?)",
        [week.label, admin_id, datetime.now(timezone.utc).isoformat(timespec="seconds"), outcome],
    )


def last_sent_week(db: Database) -> str | None:
    """The latest week label a digest went out for, e.g. ``2026-W48``."""
    row = db.execute("SELECT MAX(week) FROM weekly_digests").fetchone()
    return None if row is None else row[0]


async def send_due_digest(
    bot: Bot,
    services: Services,
    now: datetime,
    claims: ClaimsProvider | None = None,
) -> int:
    """Send the digest due at ``now`` to every admin who has not had it; return how many got it.

    Each admin is recorded after their last message went out, so a restart neither repeats nor skips
    the week. A network failure leaves the admin unrecorded (tried again later); an admin who blocked
    the bot is recorded as failed. A week with no activity at all is not sent.
    """
    # Imported here, where the digest is sent: the rest of this module (weeks, pending claims) is used
    # by the web chat's action server too, which runs without python-telegram-bot.
    from telegram.constants import ParseMode
    from telegram.error import BadRequest, Forbidden, TelegramError

    storage, settings = services.storage, services.settings
    week = due_week(now)
    waiting = set(settings.admin_ids) - await storage.run(lambda db: sent_to(db, week))
    if not waiting:
        return 0
    faq = services.conversation.faq
    ungrouped, rows = await storage.run(
        functools.partial(
            collect, week=week, now=now, retention_days=settings.retention_days, faq=faq, claims=claims
        )
    )
    digest = await asyncio.to_thread(with_groups, ungrouped, rows, faq)  # the database thread stays free
    if digest.empty:
        log.debug("Weekly digest %s: nothing happened, not sent", week.label)
        return 0
    messages = as_html(digest)
    delivered = 0
    for admin in sorted(waiting):
        try:
            for text in messages:
                await bot.send_message(admin, text, parse_mode=ParseMode.HTML)
        except (Forbidden, BadRequest) as exc:
            log.warning("Weekly digest %s: admin %s cannot receive it: %s", week.label, admin, exc)
            outcome = f"gagal: {exc}"
            await storage.run(functools.partial(mark_sent, week=week, admin_id=admin, outcome=outcome))
        except TelegramError as exc:
            log.warning(
                "Weekly digest %s: sending to admin %s failed, will retry: %s", week.label, admin, exc
            )
        else:
            delivered += 1
            await storage.run(functools.partial(mark_sent, week=week, admin_id=admin, outcome="terkirim"))
    log.info("Weekly digest %s sent to %d of %d admins", week.label, delivered, len(waiting))
    return delivered


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


async def weekly_digest_job(
    bot: Bot,
    services: Services,
    stop: asyncio.Event,
    *,
    claims: ClaimsProvider | None = None,
    clock: Callable[[], datetime] = _utc_now,
    every: float = 600.0,
) -> None:
    """Until ``stop``: send the weekly digest when due (Monday 08:00 WIB), checking every ``every``
    seconds and right at the due time; at start it sends a due digest a restart may have missed."""
    while not stop.is_set():
        now = clock()
        try:
            await send_due_digest(bot, services, now, claims)
        except Exception:
            log.exception("Weekly digest job failed")
        wait = min(every, max(1.0, (next_send_at(now) - now).total_seconds()))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
