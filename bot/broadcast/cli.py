"""``pemilubot siaran kirim|status``: broadcasts from the command line."""

from __future__ import annotations

import asyncio
import fcntl
import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from bot.broadcast import service, store
from bot.broadcast.engine import BroadcastEngine
from bot.broadcast.provinces import PROVINCES
from bot.config import Settings
from bot.faq.telegram_html import visible_text
from bot.faq.yamlstrict import LineDict, YamlProblem, load_strict
from bot.storage import Storage

ANNOUNCEMENT_KEYS = {"teks", "provinsi", "waktu"}


class AnnouncementError(ValueError):
    """An announcement file that cannot be sent, with where and why."""


def read_announcement(path: Path) -> service.Draft:
    """Read ``teks`` (HTML), optional ``provinsi`` (list) and ``waktu`` (DD-MM-YYYY HH:MM WIB)."""
    try:
        data = load_strict(path.read_bytes())
    except YamlProblem as exc:
        raise AnnouncementError(f"{path} baris {exc.line}: {exc.message}") from exc
    except OSError as exc:
        raise AnnouncementError(f"{path}: tidak bisa dibaca ({exc.strerror})") from exc
    if not isinstance(data, LineDict):
        raise AnnouncementError(f"{path}: isinya harus 'teks:' (dan opsional 'provinsi:', 'waktu:')")
    for key in data:
        if key not in ANNOUNCEMENT_KEYS:
            raise AnnouncementError(
                f"{path} baris {data.key_lines[key]}: kunci '{key}' tidak dikenal; "
                "yang dikenal: teks, provinsi, waktu"
            )
    text = data.get("teks")
    if not isinstance(text, str):
        raise AnnouncementError(f"{path}: 'teks' wajib diisi")
    try:
        service.validate_text(text.strip())
    except ValueError as exc:
        raise AnnouncementError(f"{path} baris {data.key_lines['teks']}: {exc}") from exc
    provinces = data.get("provinsi") or []
    if isinstance(provinces, str):
        provinces = [provinces]
    unknown = [p for p in provinces if p not in PROVINCES]
    if unknown:
        raise AnnouncementError(
            f"{path} baris {data.key_lines['provinsi']}: provinsi tidak dikenal: "
            f"{', '.join(map(str, unknown))}"
        )
    when = None
    if data.get("waktu"):
        try:
            when = service.parse_wib(str(data["waktu"]))
        except ValueError as exc:
            raise AnnouncementError(
                f"{path} baris {data.key_lines['waktu']}: 'waktu' harus "
                "DD-MM-YYYY HH:MM (WIB), misalnya 10-02-2027 08:00"
            ) from exc
    return service.Draft(text.strip(), tuple(provinces), when)


@contextmanager
def engine_lock(database_path: Path) -> Iterator[bool]:
    """True if this process may run the delivery engine (no running bot holds it)."""
    path = database_path.with_suffix(".engine.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        yield False
        return
    try:
        handle.write(str(os.getpid()))
        handle.flush()
        yield True
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def bar(progress: store.Progress, width: int = 30) -> str:
    share = progress.done / progress.total if progress.total else 1.0
    filled = int(width * share)
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {progress.done}/{progress.total} "
        f"terkirim {progress.sent} gagal {progress.failed} blokir {progress.blocked}"
    )


async def send(settings: Settings, path: Path, dry_run: bool, out: IO[str] | None = None) -> int:
    out = out or sys.stdout
    draft = read_announcement(path)
    storage = Storage(settings.database_path)
    try:
        size = await service.audience_size(storage, draft)
        print("Pratinjau (teks yang dilihat warga):\n" + "-" * 40, file=out)
        print(visible_text(draft.text), file=out)
        print(
            "-" * 40 + f"\nPenerima: {size} ({draft.audience_label()}); waktu: {draft.when_label()}", file=out
        )
        if dry_run:
            print("--dry-run: tidak ada yang dikirim.", file=out)
            return 0
        broadcast_id = await service.schedule(storage, draft, f"cli:{os.environ.get('USER', '?')}")
        await storage.run(
            functools.partial(
                store.log_admin, admin_id=0, action="siaran_kirim_cli", detail=f"#{broadcast_id} {path}"
            )
        )
        print(f"Siaran #{broadcast_id} masuk antrean.", file=out)
        if draft.scheduled_at is not None:
            print("Terjadwal; bot yang berjalan akan mengirimnya pada waktunya.", file=out)
            return 0
        with engine_lock(settings.database_path) as own_engine:
            if own_engine:
                if not settings.telegram_token:
                    print(
                        "Bot tidak berjalan dan TELEGRAM_BOT_TOKEN kosong: siaran menunggu di antrean.",
                        file=out,
                    )
                    return 0
                return await _deliver_here(settings, storage, broadcast_id, out)
            print("Bot yang berjalan mengirim siaran ini; menampilkan kemajuan.", file=out)
            return await _watch(storage, broadcast_id, out)
    finally:
        storage.close()


async def _watch(storage: Storage, broadcast_id: int, out: IO[str]) -> int:
    while True:
        progress = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
        print("\r" + bar(progress), end="", file=out, flush=True)
        if progress.state in (store.DONE, store.CANCELLED):
            print("\n" + service.progress_text(progress), file=out)
            return 0
        await asyncio.sleep(1)


async def _deliver_here(settings: Settings, storage: Storage, broadcast_id: int, out: IO[str]) -> int:
    from telegram.ext import ExtBot

    from bot.tg.outbound import BACKGROUND, OutboundLimiter

    bot = ExtBot(
        settings.telegram_token,
        base_url=f"{settings.telegram_api_base_url}/bot",
        rate_limiter=OutboundLimiter(settings.telegram_max_rate),  # the bot's one door out, here too
    )
    async with bot:
        engine = BroadcastEngine(
            storage, functools.partial(bot.send_message, parse_mode="HTML", rate_limit_args=BACKGROUND)
        )
        stop = asyncio.Event()
        runner = asyncio.create_task(engine.run(stop))
        try:
            return await _watch(storage, broadcast_id, out)
        finally:
            stop.set()
            await runner


def status(settings: Settings, out: IO[str] | None = None) -> int:
    out = out or sys.stdout
    storage = Storage(settings.database_path)
    try:
        rows = asyncio.run(storage.run(store.list_broadcasts))
        if not rows:
            print("Belum ada siaran.", file=out)
        for row in rows:
            progress = asyncio.run(storage.run(functools.partial(store.progress, broadcast_id=row["id"])))
            first_line = visible_text(row["text"]).splitlines()[0][:50]
            print(
                f"#{row['id']} {row['state']:<10} dibuat {row['created_at'][:16]} oleh {row['created_by']}: "
                f"{first_line}",
                file=out,
            )
            print(f"    {bar(progress, 20)}", file=out)
    finally:
        storage.close()
    return 0
