"""The weekly staff digest: content from known rows, rendering, week bookkeeping, the job, the CLI."""

from __future__ import annotations

import asyncio
import random
import re
import string
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlite_utils import Database
from telegram.error import Forbidden, NetworkError

from bot import digest
from bot.cli import main
from bot.digest import PendingClaim, Week
from bot.faq.timeline import WIB
from bot.storage import Storage, open_database

WEEK = Week(date(2026, 11, 23))  # Monday 23 – Sunday 29 November 2026
AFTER_WEEK = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)  # Monday 09:00 WIB, digest for WEEK is due
ADMINS = frozenset({111, 222})

HONOR = ["honor kpps kapan cair", "Honor KPPS kapan cair?", "gaji kpps brp sih", "honor kpps blm dibayar"]
JOBS = ["lowongan kerja di kpu", "loker kpu kabupaten", "rekrutmen pegawai kpu kota"]
ALONE = "resep rendang padang"


def stamp(day: date, hour: int = 3) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+00:00"


def add_unanswered(db: Database, text: str, when: str, reason: str = "tidak_yakin") -> None:
    db["unanswered"].insert(  # type: ignore[union-attr]
        {"created_at": when, "text": text, "reason": reason, "top_intent": None, "confidence": None}
    )


def add_answers(db: Database, day: date, entry: str, count: int) -> None:
    db["answer_counts"].insert({"day": day.isoformat(), "entry_id": entry, "count": count})  # type: ignore[union-attr]


def add_votes(db: Database, when: str, entry: str, up: int, down: int) -> None:
    rows = [{"created_at": when, "entry_id": entry, "helpful": 1}] * up
    rows += [{"created_at": when, "entry_id": entry, "helpful": 0}] * down
    db["feedback"].insert_all(rows)  # type: ignore[union-attr]


def fill_week(db: Database, week: Week = WEEK) -> None:
    """A known week, plus rows just outside it that must not count."""
    monday = week.start
    for i, text in enumerate(HONOR):
        add_unanswered(db, text, stamp(monday + timedelta(days=i)))
    for i, text in enumerate(JOBS):
        add_unanswered(db, text, stamp(monday + timedelta(days=i + 1)), "di_luar_topik")
    add_unanswered(db, ALONE, stamp(monday + timedelta(days=6), 23), "di_luar_topik")
    add_answers(db, monday, "jam_tps", 60)
    add_answers(db, monday + timedelta(days=6), "cek_dpt", 32)
    add_votes(db, stamp(monday + timedelta(days=2)), "jam_tps", up=5, down=3)
    add_votes(db, stamp(monday + timedelta(days=3)), "cek_dpt", up=1, down=4)
    add_votes(db, stamp(monday + timedelta(days=3)), "tanggal_pemilu", up=9, down=0)
    # Outside the week: the Sunday before (UTC) and the Monday after.
    add_unanswered(db, "honor kpps sebelumnya", stamp(monday - timedelta(days=1), 23))
    add_unanswered(db, "honor kpps sesudahnya", stamp(week.end, 0))
    add_answers(db, week.end, "jam_tps", 1000)
    add_votes(db, stamp(week.end), "jam_tps", up=0, down=50)


FAQ = SimpleNamespace(
    entries=[
        SimpleNamespace(id="jam_tps", title="Jam buka TPS", questions=("tps buka jam berapa",)),
        SimpleNamespace(id="cek_dpt", title="Cek DPT", questions=("cara cek dpt",)),
    ]
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "digest.db")
    yield database
    database.conn.close()


def test_weeks_are_utc_mondays_and_due_at_monday_0800_wib() -> None:
    assert WEEK.label == "2026-W48" and WEEK.title() == "23–29 November 2026"
    assert Week(date(2026, 12, 28)).title() == "28 Desember 2026 – 3 Januari 2027"
    assert digest.week_containing(date(2026, 11, 29)) == WEEK
    assert digest.due_week(datetime(2026, 11, 30, 7, 59, tzinfo=WIB)) == WEEK.previous()
    assert digest.due_week(datetime(2026, 11, 30, 8, 0, tzinfo=WIB)) == WEEK
    assert digest.due_week(datetime(2026, 12, 6, 23, 0, tzinfo=WIB)) == WEEK
    assert digest.next_send_at(datetime(2026, 11, 30, 8, 0, tzinfo=WIB)) == datetime(
        2026, 12, 7, 8, 0, tzinfo=WIB
    )
    assert digest.next_send_at(datetime(2026, 11, 30, 7, 0, tzinfo=WIB)) == datetime(
        2026, 11, 30, 8, 0, tzinfo=WIB
    )
    # The week is complete when it is due: it ends at Monday 00:00 UTC = 07:00 WIB.
    assert datetime.fromisoformat(WEEK.until) < datetime(2026, 11, 30, 8, 0, tzinfo=WIB)
    assert digest.last_complete_week(datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)) == WEEK


def test_digest_content_from_known_rows(db: Database) -> None:
    fill_week(db)
    result = digest.build_digest(db, WEEK, now=AFTER_WEEK, faq=FAQ)  # type: ignore[arg-type]
    assert (result.figures.answered, result.figures.fallback, result.figures.off_topic) == (92, 4, 4)
    assert result.figures.rate == pytest.approx(4 / 100)
    assert [g.count for g in result.groups] == [4, 3]
    honor, jobs = result.groups
    assert len(honor.examples) == 3 and set(honor.examples) <= set(HONOR)
    # "honor kpps kapan cair" and "Honor KPPS kapan cair?" are one wording: shown once.
    assert sum(e.lower().strip("?") == "honor kpps kapan cair" for e in honor.examples) == 1
    assert set(jobs.examples) == set(JOBS) and jobs.off_topic == 3 and honor.off_topic == 0
    assert result.alone == (ALONE,)
    assert [(e.entry_id, e.title, e.down, e.up, e.answered) for e in result.entries] == [
        ("cek_dpt", "Cek DPT", 4, 1, 32),
        ("jam_tps", "Jam buka TPS", 3, 5, 60),
    ]
    assert result.claims is None


def test_fallback_trend_against_previous_weeks_within_retention(db: Database) -> None:
    for weeks_back, fallbacks in ((0, 4), (1, 1), (2, 3), (3, 2), (4, 9)):
        week = WEEK.previous(weeks_back)
        add_answers(db, week.start, "jam_tps", 100 - fallbacks)
        for i in range(fallbacks):
            add_unanswered(db, f"pertanyaan {i}", stamp(week.start + timedelta(days=i % 7)))
    result = digest.build_digest(db, WEEK, now=AFTER_WEEK)
    assert result.figures.rate == pytest.approx(0.04)
    assert [f.rate for f in result.trend] == pytest.approx([0.01, 0.03, 0.02])
    assert digest.trend_line(result) == "Tren: ↑ naik 2,0 poin dari rata-rata 3 minggu sebelumnya (2,0 %)."
    # With a 16-day retention only the previous week is still complete (older questions are deleted).
    short = digest.build_digest(db, WEEK, now=AFTER_WEEK, retention_days=16)
    assert [f.week for f in short.trend] == [WEEK.previous()]
    assert "1 minggu sebelumnya (1,0 %)" in digest.trend_line(short)


def test_claims_section_only_with_a_provider(db: Database) -> None:
    fill_week(db)
    without = digest.build_digest(db, WEEK, now=AFTER_WEEK)
    assert "Klaim" not in digest.as_text(without) and "Klaim" not in "".join(digest.as_html(without))

    seen: list[Week] = []

    def provider(database: Database, week: Week) -> list[PendingClaim]:
        seen.append(week)
        return [PendingClaim("Surat suara sudah dicoblos <di> gudang", 7, "2026-11-24T02:00:00+00:00")]

    with_claims = digest.build_digest(db, WEEK, now=AFTER_WEEK, claims=provider)
    assert seen == [WEEK]
    html_text = "".join(digest.as_html(with_claims))
    assert "Klaim menunggu staf: 1" in html_text
    assert "Surat suara sudah dicoblos &lt;di&gt; gudang (7× dilaporkan, sejak 2026-11-24)" in html_text
    empty = digest.build_digest(db, WEEK, now=AFTER_WEEK, claims=lambda _db, _w: [])
    assert "Klaim menunggu staf: 0" in digest.as_text(empty)


def test_rendering_escapes_and_reads_as_staff_expect(db: Database) -> None:
    fill_week(db)
    for text in ("<b>bold</b> & co?", "<b>bold</b> & co"):
        add_unanswered(db, text, stamp(WEEK.start))
    result = digest.build_digest(db, WEEK, now=AFTER_WEEK, faq=FAQ)  # type: ignore[arg-type]
    messages = digest.as_html(result)
    assert len(messages) == 1
    message = messages[0]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in message and "<b>bold</b>" not in message
    assert re.sub(r"</?b>", "", message).count("<") == 0  # only <b> tags are markup
    assert "<b>Fallback</b> (bot tidak yakin): 5,9 %, 6 dari 102 pertanyaan" in message
    assert "23–29 November 2026" in message
    assert "1. Cek DPT (cek_dpt): 👎 4 · 👍 1 · dijawab 32×" in message
    assert "+ 1 pertanyaan yang tidak mirip pertanyaan lain" in message and ALONE not in message
    plain = digest.as_text(result)
    assert f"1 pertanyaan yang tidak mirip pertanyaan lain:\n• {ALONE}" in plain
    assert "• <b>bold</b> & co?" in plain  # the terminal shows text as it was typed
    assert "<b>Fallback" not in plain and "Fallback (bot tidak yakin): 5,9 %" in plain
    assert plain.index("4×") < plain.index("3×")  # largest group first


def test_long_digest_is_split_under_the_telegram_limit(db: Database) -> None:
    rnd = random.Random(7)
    for _ in range(40):  # 40 groups of two long questions each, every group different
        words = " ".join("".join(rnd.choices(string.ascii_lowercase, k=9)) for _ in range(30))
        for variant in ("kenapa", "mengapa"):
            add_unanswered(db, f"{variant} {words}", stamp(WEEK.start))
    result = digest.build_digest(db, WEEK, now=AFTER_WEEK)
    assert len(result.groups) == 40
    for limit in (digest.MAX_MESSAGE, 700):
        messages = digest.as_html(result, limit)
        assert all(len(m) <= limit for m in messages)
        assert all(m.count("<b>") == m.count("</b>") for m in messages)  # never split inside a block
    assert len(digest.as_html(result, 700)) > 1
    joined = "\n".join(digest.as_html(result))
    assert "<b>10. 2×</b>" in joined and "<b>11. 2×</b>" not in joined
    assert "+ 30 kelompok kecil lainnya" in joined
    assert "40. 2×" in digest.as_text(result)  # the terminal shows every group


class FakeBot:
    """Records send_message calls; raises the given error for chosen chats."""

    def __init__(self, failures: dict[int, Exception] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failures = failures or {}

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        assert kwargs.get("parse_mode") == "HTML"
        if chat_id in self.failures:
            raise self.failures[chat_id]
        self.sent.append((chat_id, text))


def services_for(path: Path, admins: frozenset[int] = ADMINS) -> SimpleNamespace:
    return SimpleNamespace(
        storage=Storage(path),
        settings=SimpleNamespace(admin_ids=admins, retention_days=30),
        conversation=SimpleNamespace(faq=FAQ),
    )


async def test_each_admin_gets_the_week_once_even_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "job.db"
    services = services_for(path)
    fill_week(services.storage.db)
    bot = FakeBot()
    assert await digest.send_due_digest(bot, services, AFTER_WEEK) == 2  # type: ignore[arg-type]
    assert sorted({chat for chat, _ in bot.sent}) == sorted(ADMINS)
    assert all("23–29 November 2026" in text for _, text in bot.sent)
    assert await digest.send_due_digest(bot, services, AFTER_WEEK + timedelta(hours=3)) == 0  # type: ignore[arg-type]
    services.storage.close()

    restarted = services_for(path)  # same database file, new process
    assert digest.last_sent_week(restarted.storage.db) == "2026-W48"
    assert await digest.send_due_digest(bot, restarted, AFTER_WEEK + timedelta(days=2)) == 0  # type: ignore[arg-type]
    assert len(bot.sent) == 2
    restarted.storage.close()


async def test_a_restart_after_the_due_time_still_sends_the_week(tmp_path: Path) -> None:
    services = services_for(tmp_path / "late.db")
    fill_week(services.storage.db)
    bot = FakeBot()
    # The bot was down on Monday 08:00 and comes back on Wednesday: the week is sent then.
    assert await digest.send_due_digest(bot, services, AFTER_WEEK + timedelta(days=2)) == 2  # type: ignore[arg-type]
    assert digest.last_sent_week(services.storage.db) == "2026-W48"
    # Next Monday the next week is due (it had activity: the rows just after WEEK).
    assert await digest.send_due_digest(bot, services, AFTER_WEEK + timedelta(weeks=1)) == 2  # type: ignore[arg-type]
    weeks = services.storage.db.execute("SELECT DISTINCT week FROM weekly_digests ORDER BY week").fetchall()
    assert [w for (w,) in weeks] == ["2026-W48", "2026-W49"]
    services.storage.close()


async def test_a_week_with_no_activity_is_not_sent(tmp_path: Path) -> None:
    services = services_for(tmp_path / "empty.db")
    bot = FakeBot()
    assert await digest.send_due_digest(bot, services, AFTER_WEEK) == 0  # type: ignore[arg-type]
    assert bot.sent == [] and digest.last_sent_week(services.storage.db) is None
    add_answers(services.storage.db, WEEK.start, "jam_tps", 1)  # one answered question is activity
    assert await digest.send_due_digest(bot, services, AFTER_WEEK) == 2  # type: ignore[arg-type]
    services.storage.close()


async def test_network_failure_is_retried_blocked_admin_is_not(tmp_path: Path) -> None:
    services = services_for(tmp_path / "fail.db")
    fill_week(services.storage.db)
    bot = FakeBot({111: NetworkError("connection reset"), 222: Forbidden("bot was blocked by the user")})
    assert await digest.send_due_digest(bot, services, AFTER_WEEK) == 0  # type: ignore[arg-type]
    rows = services.storage.db.execute("SELECT admin_id, outcome FROM weekly_digests").fetchall()
    assert rows == [(222, "gagal: bot was blocked by the user")]
    bot.failures.clear()
    assert await digest.send_due_digest(bot, services, AFTER_WEEK + timedelta(minutes=10)) == 1  # type: ignore[arg-type]
    assert {chat for chat, _ in bot.sent} == {111}
    services.storage.close()


async def test_job_sends_when_due_and_stops(tmp_path: Path) -> None:
    services = services_for(tmp_path / "loop.db")
    fill_week(services.storage.db)
    bot = FakeBot()
    stop = asyncio.Event()
    job = asyncio.create_task(
        digest.weekly_digest_job(bot, services, stop, clock=lambda: AFTER_WEEK, every=0.01)  # type: ignore[arg-type]
    )
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(bot.sent) >= 2:
            break
    await asyncio.sleep(0.1)  # several more checks: nothing is sent twice
    stop.set()
    await asyncio.wait_for(job, 2)
    assert sorted(chat for chat, _ in bot.sent) == sorted(ADMINS)
    services.storage.close()


def test_cli_weekly_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    week = digest.last_complete_week(datetime.now(timezone.utc))
    database = open_database(path)
    fill_week(database, week)
    database.conn.close()
    assert main(["laporan", "--mingguan"]) == 0
    out = capsys.readouterr().out
    assert week.title() in out and "<b>" not in out  # plain text, no Telegram markup
    assert "4×" in out and "3×" in out and "loker kpu kabupaten" in out
    assert "👎 4 · 👍 1" in out
