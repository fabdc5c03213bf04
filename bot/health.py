"""Health of every part the bot depends on, shared by ``pemilubot status`` and ``GET /healthz``.

Each check says "ok" or what is wrong and how to fix it, in Indonesian. Checks never change
anything: the database is opened read-only and Telegram is only asked ``getMe``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
from sqlite_utils import Database

from bot.config import Settings
from bot.report import send_failures
from bot.storage.migrations import migrations

OK, FAIL, SKIPPED = "ok", "gagal", "tidak dipakai"


@dataclass(frozen=True)
class Check:
    """One component: ``state`` is ok, gagal or tidak dipakai; ``detail`` says what and how to fix."""

    name: str
    state: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.state != FAIL

    def line(self) -> str:
        mark = {OK: "✓", FAIL: "✗", SKIPPED: "-"}[self.state]
        return f"{mark} {self.name:<12} {self.state}: {self.detail}"


@dataclass(frozen=True)
class Report:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "components": {c.name: asdict(c) for c in self.checks}}


async def _get_json(
    session: aiohttp.ClientSession, url: str, timeout: float
) -> tuple[int, dict[str, Any] | None]:
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
        try:
            body = await resp.json(content_type=None)
        except ValueError:
            body = None
        return resp.status, body if isinstance(body, dict) else None


async def check_rasa(session: aiohttp.ClientSession, url: str, timeout: float = 5.0) -> Check:
    """Rasa answers ``/status`` and has a model loaded."""
    name = "rasa"
    try:
        status, body = await _get_json(session, f"{url}/status", timeout)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        return Check(
            name,
            FAIL,
            f"tidak bisa dihubungi di {url} ({type(exc).__name__}). Bot memakai mode terbatas. "
            "Perbaikan: jalankan `make run` (memulai Rasa sendiri) atau periksa RASA_URL.",
        )
    if status != 200 or body is None:
        return Check(name, FAIL, f"{url}/status menjawab HTTP {status}. Perbaikan: lihat data/rasa.log.")
    model = body.get("model_file")
    if not model:
        return Check(
            name,
            FAIL,
            f"berjalan di {url} tetapi belum memuat model. "
            "Perbaikan: `pemilubot siapkan` lalu mulai ulang bot.",
        )
    return Check(name, OK, f"model {Path(str(model)).name} dimuat ({url})")


async def check_action_server(
    session: aiohttp.ClientSession, settings: Settings, timeout: float = 5.0
) -> Check:
    """The action server the web chat's answers come from: ACTION_SERVER_URL when set, otherwise the
    bot's own on ACTION_SERVER_PORT; not used only when the web chat is off and no URL is set."""
    name = "server aksi"
    url = settings.action_url
    if not url:
        return Check(name, SKIPPED, "obrolan web mati (WEB_CHAT_PORT=0)")
    if settings.action_server_url:
        whose = "ACTION_SERVER_URL"
        fix = (
            "Perbaikan: jalankan server aksi di alamat itu, atau kosongkan ACTION_SERVER_URL agar bot "
            "memulai sendiri."
        )
    else:
        whose = "milik bot"
        log_file = Path(settings.database_path).parent / "actions.log"
        fix = (
            "Obrolan web tidak bisa menjawab. Perbaikan: jalankan bot (`make run`; ia memulai server aksi "
            f"sendiri) dan lihat {log_file}, pilih ACTION_SERVER_PORT lain bila port dipakai program lain, "
            "atau isi ACTION_SERVER_URL dengan server aksi yang sudah berjalan."
        )
    try:
        status, _ = await _get_json(session, f"{url}/health", timeout)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        return Check(name, FAIL, f"tidak bisa dihubungi di {url} ({whose}, {type(exc).__name__}). {fix}")
    if status != 200:
        return Check(name, FAIL, f"{url}/health menjawab HTTP {status} ({whose}). {fix}")
    return Check(name, OK, f"berjalan di {url} ({whose})")


async def check_web_chat(session: aiohttp.ClientSession, settings: Settings, timeout: float = 5.0) -> Check:
    """The web chat page answers on WEB_CHAT_PORT and reaches Rasa's socket.io channel (its /healthz)."""
    name = "obrolan web"
    if not settings.web_chat:
        return Check(name, SKIPPED, "WEB_CHAT_PORT=0")
    host = settings.web_chat_listen
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://{host}:{settings.web_chat_port}"
    try:
        status, body = await _get_json(session, f"{url}/healthz", timeout)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        return Check(
            name,
            FAIL,
            f"halaman tidak menjawab di {url} ({type(exc).__name__}). Perbaikan: jalankan bot (`make run`), "
            "atau pilih WEB_CHAT_PORT lain bila port dipakai program lain.",
        )
    if status != 200:
        rasa = (body or {}).get("rasa", f"HTTP {status}")
        return Check(name, FAIL, f"halaman {url}/ hidup tetapi kanal Rasa: {rasa}. Perbaikan: periksa Rasa.")
    return Check(name, OK, f"halaman {url}/ menjawab, kanal socket.io Rasa terhubung")


def check_database(path: Path) -> Check:
    """The database opens, passes ``PRAGMA quick_check``, has every migration and runs in WAL mode."""
    name = "database"
    fix_prepare = "Perbaikan: jalankan `pemilubot siapkan` (atau `make run`)."
    fix_restore = (
        "Perbaikan: hentikan bot, pulihkan dari cadangan, atau pindahkan berkas itu lalu "
        "`pemilubot siapkan` membuat yang baru."
    )
    if str(path) != ":memory:" and not Path(path).is_file():
        return Check(name, FAIL, f"{path} belum ada. {fix_prepare}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return Check(name, FAIL, f"{path} tidak bisa dibuka ({exc}). Perbaikan: periksa izin berkas.")
    try:
        quick = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if quick != ["ok"]:
            return Check(
                name,
                FAIL,
                f"{path} rusak ({'; '.join(map(str, quick[:3]))}). {fix_restore}",
            )
        if not Database(conn)[migrations.migrations_table].exists():
            return Check(name, FAIL, f"{path} belum punya skema (migrasi belum dijalankan). {fix_prepare}")
        missing = [m.name for m in migrations.pending(Database(conn))]
        total = len(migrations.applied(Database(conn))) + len(missing)
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return Check(
            name,
            FAIL,
            f"{path} bukan database SQLite yang sehat ({exc}). {fix_restore}",
        )
    finally:
        conn.close()
    if missing:
        return Check(name, FAIL, f"migrasi belum dijalankan: {', '.join(missing)}. {fix_prepare}")
    if str(journal).lower() != "wal":
        return Check(
            name, FAIL, f"mode jurnal {journal}, bukan WAL. Perbaikan: `pemilubot siapkan` menyalakan WAL."
        )
    return Check(name, OK, f"{path}: integritas baik, migrasi {total}/{total}, WAL")


def check_sending(path: Path, days: int = 7) -> Check:
    """Replies Telegram did not take after every retry in the last ``days`` days (informative)."""
    name = "pengiriman"
    if str(path) != ":memory:" and not Path(path).is_file():
        return Check(name, SKIPPED, "database belum ada")
    since = (datetime.now(timezone.utc) - timedelta(days=days)).date().isoformat()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            failures = send_failures(Database(conn), since)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check(name, SKIPPED, f"tidak bisa dibaca ({exc})")
    if not failures:
        return Check(name, OK, f"semua balasan terkirim ({days} hari terakhir)")
    total = sum(n for _, n in failures)
    detail = ", ".join(f"{n}× {reason}" for reason, n in failures)
    return Check(
        name,
        OK,
        f"{total} balasan gagal terkirim setelah percobaan ulang dalam {days} hari ({detail}); "
        "rinciannya di `pemilubot laporan`",
    )


async def check_telegram(session: aiohttp.ClientSession, settings: Settings, timeout: float = 10.0) -> Check:
    """The token works (``getMe``); in webhook mode, Telegram has our URL."""
    name = "telegram"
    token = settings.telegram_token
    if not token:
        return Check(name, SKIPPED, "TELEGRAM_BOT_TOKEN kosong: bot berjalan sebagai percakapan di terminal")
    api = f"{settings.telegram_api_base_url}/bot{token}"
    try:
        status, body = await _get_json(session, f"{api}/getMe", timeout)
        if status == 200 and body and body.get("ok") and settings.webhook_url:
            _, info = await _get_json(session, f"{api}/getWebhookInfo", timeout)
        else:
            info = None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        return Check(
            name,
            FAIL,
            f"{settings.telegram_api_base_url} tidak bisa dihubungi ({type(exc).__name__}). "
            "Perbaikan: periksa jaringan/proxy dan TELEGRAM_API_BASE_URL.",
        )
    if status == 401:
        return Check(
            name, FAIL, "token ditolak (401 Unauthorized). Perbaikan: salin ulang token dari @BotFather."
        )
    if status != 200 or not body or not body.get("ok"):
        description = (body or {}).get("description", "")
        return Check(name, FAIL, f"getMe gagal (HTTP {status} {description}). Perbaikan: coba lagi nanti.")
    username = (body.get("result") or {}).get("username", "?")
    if settings.webhook_url:
        result = (info or {}).get("result") or {}
        if result.get("url") != settings.webhook_url:
            return Check(
                name,
                FAIL,
                f"@{username}: webhook Telegram bukan WEBHOOK_URL ({result.get('url') or 'kosong'}). "
                "Perbaikan: mulai ulang bot; ia memasang webhook saat mulai.",
            )
        error = result.get("last_error_message")
        note = f"; error pengiriman terakhir: {error}" if error else ""
        return Check(
            name, OK, f"@{username}, webhook terpasang, {result.get('pending_update_count', 0)} antre{note}"
        )
    return Check(name, OK, f"@{username}")


async def run_checks(settings: Settings, session: aiohttp.ClientSession | None = None) -> Report:
    """Every check, concurrently; the database one on a thread."""
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        checks = await asyncio.gather(
            check_rasa(session, settings.rasa_url, settings.rasa_timeout),
            check_web_chat(session, settings),
            check_action_server(session, settings),
            asyncio.to_thread(check_database, settings.database_path),
            asyncio.to_thread(check_sending, settings.database_path),
            check_telegram(session, settings),
        )
    finally:
        if own:
            await session.close()
    return Report(list(checks))
