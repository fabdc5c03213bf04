"""Broadcast use-cases shared by the Telegram admin flow and the CLI."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.broadcast import store
from bot.faq.telegram_html import check_html
from bot.faq.timeline import WIB
from bot.storage import Storage


@dataclass(frozen=True)
class Draft:
    """An announcement waiting for confirmation."""

    text: str
    provinces: tuple[str, ...] = ()
    scheduled_at: datetime | None = None

    def audience_label(self) -> str:
        return "semua pelanggan" if not self.provinces else "provinsi " + ", ".join(self.provinces)

    def when_label(self) -> str:
        if self.scheduled_at is None:
            return "sekarang"
        return self.scheduled_at.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def parse_wib(text: str) -> datetime:
    """``DD-MM-YYYY HH:MM`` in WIB → an aware datetime; ValueError if unreadable."""
    value = datetime.strptime(text.strip(), "%d-%m-%Y %H:%M")
    return value.replace(tzinfo=WIB)


def validate_text(text: str) -> str:
    """Raise ValueError with a clear message if Telegram would refuse the announcement."""
    length = check_html(text)
    if length == 0:
        raise ValueError("pengumuman kosong")
    if length > 4096:
        raise ValueError(f"pengumuman terlalu panjang ({length} karakter, maksimal 4096)")
    return text


async def audience_size(storage: Storage, draft: Draft) -> int:
    return await storage.run(functools.partial(store.audience_size, provinces=list(draft.provinces)))


async def schedule(storage: Storage, draft: Draft, created_by: str) -> int:
    """Queue the broadcast (now or at its time); return its id."""
    validate_text(draft.text)
    when = draft.scheduled_at or datetime.now(timezone.utc)
    return await storage.run(
        functools.partial(
            store.create_broadcast,
            text=draft.text,
            provinces=list(draft.provinces),
            created_by=created_by,
            scheduled_at=when,
        )
    )


def progress_text(progress: store.Progress, now: datetime | None = None) -> str:
    """The status line staff see while a broadcast runs, and its final report."""
    now = now or datetime.now(timezone.utc)
    rate, eta = 0.0, ""
    if progress.started_at:
        started = datetime.fromisoformat(progress.started_at)
        end = datetime.fromisoformat(progress.finished_at) if progress.finished_at else now
        elapsed = max((end - started).total_seconds(), 0.001)
        rate = progress.done / elapsed
        if progress.remaining and rate > 0:
            finish = now.timestamp() + progress.remaining / rate
            eta = datetime.fromtimestamp(finish, WIB).strftime("%H:%M:%S WIB")
    title = {
        store.SCHEDULED: "⏳ Siaran #{id} terjadwal",
        store.RUNNING: "📣 Siaran #{id} berjalan",
        store.DONE: "✅ Siaran #{id} selesai",
        store.CANCELLED: "✖️ Siaran #{id} dibatalkan",
    }.get(progress.state, "Siaran #{id}").format(id=progress.broadcast_id)
    lines = [
        title,
        f"Terkirim: {progress.sent} / {progress.total}",
        f"Gagal: {progress.failed} · Memblokir bot: {progress.blocked}",
        f"Sisa: {progress.remaining}",
        f"Laju: {rate:.1f} pesan/detik",
    ]
    if eta and progress.state == store.RUNNING:
        lines.append(f"Perkiraan selesai: {eta}")
    return "\n".join(lines)
