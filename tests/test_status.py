"""``pemilubot status``: one line per component, "ok" or what is wrong and how to fix it; exit 1 if wrong."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.storage import open_database
from bot.web.server import WebChatServer
from tests.conftest import TOKEN, WebActions, free_port
from tests.fakebotapi.server import FakeTelegram


@pytest.fixture(scope="module")
def background_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop in a thread for the servers (the CLI runs its own asyncio.run)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture(scope="module")
def fake_telegram(background_loop: asyncio.AbstractEventLoop) -> Iterator[FakeTelegram]:
    """The fake Bot API on the background loop."""
    tg = FakeTelegram(token=TOKEN)
    asyncio.run_coroutine_threadsafe(tg.start(), background_loop).result(10)
    yield tg
    asyncio.run_coroutine_threadsafe(tg.stop(), background_loop).result(10)


@pytest.fixture(scope="module")
def web_chat_port(background_loop: asyncio.AbstractEventLoop, rasa_url: str) -> Iterator[int]:
    """The bot's real web chat server (page and socket.io door) in front of the session's Rasa."""
    server = WebChatServer(Settings(rasa_url=rasa_url, web_chat_port=free_port()))
    asyncio.run_coroutine_threadsafe(server.start(), background_loop).result(30)
    yield server.port
    asyncio.run_coroutine_threadsafe(server.stop(), background_loop).result(30)


@pytest.fixture(scope="module")
def action_port(web_actions: WebActions) -> int:
    """The session's real action server (``rasa run actions`` with the repository's ``actions``)."""
    return int(web_actions.url.rsplit(":", 1)[1])


@pytest.fixture
def env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rasa_url: str,
    fake_telegram: FakeTelegram,
    action_port: int,
    web_chat_port: int,
) -> Path:
    """Everything healthy: real Rasa, the bot's own action server (web chat on), a prepared
    database, a token the fake accepts."""
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    db = tmp_path / "status.db"
    open_database(db).conn.close()
    for key, value in {
        "DATABASE_PATH": str(db),
        "RASA_URL": rasa_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
        "WEB_CHAT_PORT": str(web_chat_port),
        "ACTION_SERVER_PORT": str(action_port),
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("ACTION_SERVER_URL", "WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(key, raising=False)
    return db


def status(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    code = main(["status"])
    out = capsys.readouterr().out
    lines = {}
    for line in out.splitlines():
        for name in ("rasa", "obrolan web", "server aksi", "database", "telegram"):
            if line[:1] in "✓✗-" and line[2:].startswith(name + " "):
                lines[name] = line
    return code, lines


@pytest.mark.e2e
def test_all_ok(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = status(capsys)
    assert code == 0, lines
    assert set(lines) == {"rasa", "obrolan web", "server aksi", "database", "telegram"}
    assert lines["obrolan web"].startswith("✓") and "kanal socket.io Rasa terhubung" in lines["obrolan web"]
    assert lines["rasa"].startswith("✓") and "dimuat" in lines["rasa"]
    assert lines["server aksi"].startswith("✓"), lines["server aksi"]
    assert "tidak dipakai" not in lines["server aksi"]
    assert "integritas baik" in lines["database"] and "WAL" in lines["database"]
    assert "@tanya_pemilu_bot" in lines["telegram"]


@pytest.mark.e2e
def test_rasa_down(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")
    code, lines = status(capsys)
    assert code == 1
    assert lines["rasa"].startswith("✗") and "tidak bisa dihubungi" in lines["rasa"]
    assert "Perbaikan" in lines["rasa"]
    assert lines["database"].startswith("✓") and lines["telegram"].startswith("✓")


@pytest.mark.e2e
@pytest.mark.parametrize("damage", ["garbage", "missing", "no_migrations", "old_schema", "not_wal"])
def test_bad_database(
    env: Path, damage: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = {
        "garbage": "bukan database SQLite",
        "missing": "belum ada",
        "no_migrations": "belum punya skema",
        "old_schema": "migrasi belum dijalankan: m003",
        "not_wal": "bukan WAL",
    }[damage]
    for suffix in ("-wal", "-shm"):
        Path(f"{env}{suffix}").unlink(missing_ok=True)
    if damage == "garbage":
        env.write_bytes(b"this is not a database " * 500)
    elif damage == "missing":
        env.unlink()
    elif damage == "no_migrations":
        env.unlink()
        sqlite3.connect(env).execute("CREATE TABLE x (a)").connection.commit()
    else:
        conn = sqlite3.connect(env, isolation_level=None)
        if damage == "old_schema":
            conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE 'm003%'")
        else:
            conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
    code, lines = status(capsys)
    assert code == 1
    assert lines["database"].startswith("✗") and expected in lines["database"], lines["database"]
    assert "Perbaikan" in lines["database"]
    assert lines["rasa"].startswith("✓")


@pytest.mark.e2e
def test_telegram_token_refused(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:WRONG-token")
    code, lines = status(capsys)
    assert code == 1
    assert "401" in lines["telegram"] and "@BotFather" in lines["telegram"]
    assert "999:WRONG-token" not in "".join(lines.values())


@pytest.mark.e2e
def test_telegram_unreachable_and_no_token(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{free_port()}")
    code, lines = status(capsys)
    assert code == 1 and "tidak bisa dihubungi" in lines["telegram"]
    assert TOKEN not in lines["telegram"]
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    code, lines = status(capsys)
    assert code == 0, "no token is terminal mode, not a fault"
    assert lines["telegram"].startswith("-") and "TELEGRAM_BOT_TOKEN kosong" in lines["telegram"]


def own_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@pytest.mark.e2e
def test_action_server_the_bot_runs(env: Path, action_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = status(capsys)
    assert code == 0
    assert f"berjalan di {own_url(action_port)} (milik bot)" in lines["server aksi"]


@pytest.mark.e2e
def test_action_server_of_the_bot_down(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("ACTION_SERVER_PORT", str(port))
    code, lines = status(capsys)
    assert code == 1
    line = lines["server aksi"]
    assert line.startswith("✗") and f"tidak bisa dihubungi di {own_url(port)} (milik bot" in line
    assert "ACTION_SERVER_PORT" in line and "ACTION_SERVER_URL" in line and "actions.log" in line
    assert lines["rasa"].startswith("✓") and lines["database"].startswith("✓")


@pytest.mark.e2e
@pytest.mark.parametrize("web_chat_on", [True, False], ids=["web-chat-on", "web-chat-off"])
def test_external_action_server(
    env: Path,
    action_port: int,
    web_chat_port: int,
    web_chat_on: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ACTION_SERVER_URL is what Rasa calls, so it is checked (even with the web chat off) and the
    bot's own port is not."""
    monkeypatch.setenv("WEB_CHAT_PORT", str(web_chat_port) if web_chat_on else "0")
    monkeypatch.setenv("ACTION_SERVER_URL", own_url(action_port))
    monkeypatch.setenv("ACTION_SERVER_PORT", str(free_port()))
    code, lines = status(capsys)
    assert code == 0, lines
    assert f"berjalan di {own_url(action_port)} (ACTION_SERVER_URL)" in lines["server aksi"]
    down = own_url(free_port())
    monkeypatch.setenv("ACTION_SERVER_URL", down)
    code, lines = status(capsys)
    assert code == 1
    line = lines["server aksi"]
    assert line.startswith("✗") and f"tidak bisa dihubungi di {down} (ACTION_SERVER_URL" in line
    assert "kosongkan ACTION_SERVER_URL" in line


@pytest.mark.e2e
def test_no_action_server_when_the_web_chat_is_off(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WEB_CHAT_PORT", "0")
    monkeypatch.setenv("ACTION_SERVER_PORT", str(free_port()))  # nothing there, and not asked
    code, lines = status(capsys)
    assert code == 0
    assert lines["server aksi"] == "- server aksi  tidak dipakai: obrolan web mati (WEB_CHAT_PORT=0)"
    assert lines["obrolan web"] == "- obrolan web  tidak dipakai: WEB_CHAT_PORT=0"


@pytest.mark.e2e
def test_web_chat_down(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("WEB_CHAT_PORT", str(port))
    code, lines = status(capsys)
    assert code == 1
    line = lines["obrolan web"]
    assert line.startswith("✗") and f"tidak menjawab di http://127.0.0.1:{port}" in line
    assert "WEB_CHAT_PORT" in line
    assert lines["server aksi"].startswith("✓") and lines["rasa"].startswith("✓")
