"""Shared fixtures: a real Rasa server (session), the real bot polling a fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from bot.action_server import ActionServer
from bot.config import Settings
from bot.nlu.model import NluPaths, rasa_env
from bot.rasa_server import RasaServer
from bot.runner import prepare_model, serve_telegram
from bot.storage import Storage
from bot.tg.context import Services
from bot.wiring import running_services, write_endpoints
from tests.fakebotapi.server import FakeTelegram

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-token-not-real"
TODAY = date(2026, 11, 28)
ADMIN_ID = 555
WEBHOOK_SECRET = "test-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rasa_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/status", timeout=2) as resp:
            return bool(json.load(resp).get("model_file"))
    except OSError:
        return False


@pytest.fixture(scope="session")
def nlu_paths() -> NluPaths:
    return NluPaths(REPO / "nlu_data", REPO / "models", REPO / ".venv-rasa" / "bin" / "rasa")


@dataclass(frozen=True)
class WebActions:
    """The session's real action server (``rasa run actions`` with the repo's ``actions``)."""

    url: str
    database: Path
    """The database its answers write to (unanswered questions, 👍/👎 of the web chat)."""


@pytest.fixture(scope="session")
def web_actions(nlu_paths: NluPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebActions]:
    """The real action server the session's Rasa calls for the web chat (FAQ from responses/)."""
    folder = tmp_path_factory.mktemp("actions")
    database = folder / "web.db"
    env = {"DATABASE_PATH": str(database), "RESPONSES_DIR": str(REPO / "responses")}
    server = ActionServer(nlu_paths.rasa_bin, free_port(), env=env)
    ready = functools.partial(_healthy, f"{server.url}/health")
    with _serving(
        "The action server", server.command(), server.env(), folder / "actions.log", ready, 120, server.cwd()
    ):
        yield WebActions(server.url, database)


@contextlib.contextmanager
def _serving(
    what: str,
    command: list[str],
    env: dict[str, str],
    log: Path,
    ready: Callable[[], bool],
    timeout: float,
    cwd: Path | None = None,
) -> Iterator[None]:
    """A session's server process: started, waited for until ``ready()``, stopped at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def rasa_url(
    nlu_paths: NluPaths, tmp_path_factory: pytest.TempPathFactory, web_actions: WebActions
) -> Iterator[str]:
    """A real ``rasa run --enable-api`` serving the model trained from this repository, with the
    web chat's channels (socket.io, REST) and the session's action server."""
    if not nlu_paths.rasa_bin.exists():
        pytest.fail("Rasa is not installed: run `make test`, which sets it up")
    model = prepare_model(Settings(responses_dir=REPO / "responses"), nlu_paths)
    url = f"http://127.0.0.1:{free_port()}"
    folder = tmp_path_factory.mktemp("rasa")
    log = folder / "rasa.log"
    endpoints = write_endpoints(Settings(action_server_url=web_actions.url), folder)
    command = RasaServer(
        nlu_paths.rasa_bin, model, url, credentials=nlu_paths.nlu_dir / "credentials.yml", endpoints=endpoints
    ).command()
    with _serving("Rasa", command, rasa_env(), log, functools.partial(_rasa_ready, url), 300):
        yield url


@dataclass
class BotHarness:
    """The running bot and the fake Telegram it talks to."""

    tg: FakeTelegram
    storage: Storage
    services: Services
    chat_id: int = 1001

    @functools.cached_property
    def db(self) -> Database:
        """The bot's database on a connection of the test's own: reading through the bot's connection
        from the test's thread while the bot's database thread writes would share one connection's
        savepoints between two threads (sqlite-utils' "no such savepoint" under load)."""
        return Database(self.services.settings.database_path)

    async def ask(self, text: str, chat_id: int | None = None, timeout: float = 15) -> list[dict[str, Any]]:
        """Send a user message; return the bot's new messages in that chat."""
        chat = chat_id or self.chat_id
        before = len(self.tg.messages_to(chat))
        self.tg.send_user_message(chat, text)
        messages = await self.tg.wait_for_messages(chat, before + 1, timeout=timeout)
        # A split answer's later parts come one a second (Telegram's limit per chat); the last part
        # carries the buttons, so wait for buttons a little longer than that.
        deadline = time.monotonic() + 1.3
        while time.monotonic() < deadline and not self.tg.messages_to(chat)[-1]["params"].get("reply_markup"):
            await asyncio.sleep(0.05)
        return list(self.tg.messages_to(chat))[before:] or messages[before:]


@contextlib.asynccontextmanager
async def running_bot(
    rasa_url: str,
    tmp_path: Path,
    responses_dir: Path = REPO / "responses",
    webhook: bool = False,
    before_start: Callable[[FakeTelegram], None] | None = None,
    clock: Callable[[], date] = lambda: TODAY,
    **overrides: Any,
) -> AsyncIterator[BotHarness]:
    """The real PTB Application polling a fake Bot API (or, with ``webhook``, receiving its pushes
    on our webhook server), with the given Rasa and a real SQLite file. ``overrides``: Settings fields."""
    async with FakeTelegram(token=TOKEN) as tg:
        if before_start is not None:
            before_start(tg)
        if webhook:
            port = free_port()
            overrides = {
                "webhook_url": f"http://127.0.0.1:{port}/telegram",
                "webhook_listen": "127.0.0.1",
                "webhook_port": port,
                "webhook_secret": WEBHOOK_SECRET,
                **overrides,
            }
        settings = Settings(
            telegram_token=TOKEN,
            telegram_api_base_url=tg.base_url,
            rasa_url=rasa_url,
            database_path=tmp_path / "bot.db",
            responses_dir=responses_dir,
            poll_timeout=1,
            admin_ids=frozenset({ADMIN_ID}),
            rasa_timeout=2,
            **overrides,
        )
        async with running_services(settings, clock=clock) as services:
            stop, started = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(serve_telegram(services, stop, started))
            await asyncio.wait_for(started.wait(), 30)
            try:
                yield BotHarness(tg, services.storage, services)
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 30)


@pytest.fixture
async def bot(rasa_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The bot with the real Rasa server."""
    async with running_bot(rasa_url, tmp_path) as harness:
        yield harness
