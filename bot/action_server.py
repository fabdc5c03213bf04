"""The supervised Rasa action server (``rasa run actions``) that answers the web chat.

It runs the custom actions of the top-level ``actions`` package from the repository root, on
127.0.0.1 only, with the bot's database and FAQ folder (``DATABASE_PATH`` and ``RESPONSES_DIR`` as
absolute paths), and is ready once ``GET /health`` answers 200. The lifecycle rules (dies with the
bot, own process group, pid file, orphans replaced, unknown programs on the port refused, no restart
loop) are :class:`bot.supervisor.ChildServer`'s, the same as Rasa's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import aiohttp

from bot.config import Settings
from bot.nlu.model import REPO
from bot.supervisor import ChildServer, ChildStartError, rasa_subcommand

HOST = "127.0.0.1"


class ActionServerStartError(ChildStartError):
    """The action server cannot be started here; the message says why and what to do (in Indonesian)."""


class ActionServer(ChildServer):
    """A supervised ``rasa run actions`` child process on ``127.0.0.1:port``."""

    label = "server aksi"
    log_label = "action server"
    port_fix = (
        "pilih port lain dengan ACTION_SERVER_PORT (atau isi ACTION_SERVER_URL bila server aksi "
        "sudah berjalan di tempat lain)"
    )
    start_fix = (
        "Perbaikan: betulkan kesalahan di actions/ yang tampak di log itu, atau isi ACTION_SERVER_URL "
        "dengan server aksi yang sudah berjalan (WEB_CHAT_PORT=0 mematikan obrolan web)."
    )
    without_it = "The web chat cannot answer until the bot is restarted; Telegram is not affected."
    ready_poll = 0.1
    error = ActionServerStartError

    def __init__(
        self,
        rasa_bin: Path,
        port: int,
        log_file: Path | None = None,
        pid_file: Path | None = None,
        *,
        actions: str = "actions",
        root: Path = REPO,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(HOST, port, f"http://{HOST}:{port}", log_file, pid_file)
        self.rasa_bin = rasa_bin
        self.actions = actions
        self.root = root
        self.extra_env = dict(env or {})

    @classmethod
    def for_settings(
        cls, settings: Settings, rasa_bin: Path, data_dir: Path, *, actions: str = "actions"
    ) -> ActionServer:
        """The bot's own action server: ACTION_SERVER_PORT, the bot's database and FAQ folder,
        its log and pid file in ``data_dir``."""
        return cls(
            rasa_bin,
            settings.action_server_port,
            data_dir / "actions.log",
            data_dir / "actions.pid",
            actions=actions,
            env=settings_env(settings),
        )

    def command(self) -> list[str]:
        return [
            str(self.rasa_bin),
            "run",
            "actions",
            "--actions",
            self.actions,
            "--port",
            str(self.port),
            "--quiet",
        ]

    def env(self) -> dict[str, str]:
        """Rasa's environment, the repository root importable (``actions``), bound to 127.0.0.1,
        one Sanic process (the parent-death signal reaches it), plus ``extra_env``."""
        env = super().env()
        python_path = [str(self.root), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(python_path),
                "SANIC_HOST": self.host,  # rasa_sdk listens on 0.0.0.0 unless told otherwise
                "ACTION_SERVER_SANIC_WORKERS": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def cwd(self) -> Path:
        return self.root

    def matches(self, cmd: list[str]) -> bool:
        """A ``rasa run actions`` on our port."""
        words = rasa_subcommand(cmd)
        return words is not None and words[:2] == ["run", "actions"] and str(self.port) in words

    async def is_ready(self, session: aiohttp.ClientSession) -> bool:
        """``/health`` answers 200."""
        async with session.get(f"{self.url}/health", timeout=aiohttp.ClientTimeout(total=5)) as resp:
            return resp.status == 200


def settings_env(settings: Settings) -> dict[str, str]:
    """What the actions read from the bot's settings: the same database and FAQ folder (absolute,
    since the action server's working directory is the repository root)."""
    return {
        "DATABASE_PATH": str(Path(settings.database_path).resolve()),
        "RESPONSES_DIR": str(Path(settings.responses_dir).resolve()),
    }
