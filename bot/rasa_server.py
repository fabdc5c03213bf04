"""The supervised Rasa server (``rasa run --enable-api``): what to run and how to tell it serves.

The lifecycle rules (dies with the bot, own process group, pid file, orphans replaced, unknown
programs on the port refused, no restart loop) are :class:`bot.supervisor.ChildServer`'s.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import aiohttp

from bot.supervisor import (
    HEALTHY_RUN,
    MAX_FAILED_STARTS,
    ChildServer,
    ChildStartError,
    port_in_use,
    rasa_subcommand,
)

__all__ = ["HEALTHY_RUN", "MAX_FAILED_STARTS", "RasaServer", "RasaStartError", "port_in_use"]


class RasaStartError(ChildStartError):
    """Rasa cannot be started here; the message says why and what to do (in Indonesian)."""


class RasaServer(ChildServer):
    """A supervised ``rasa run`` child process serving one model over HTTP."""

    label = "Rasa"
    log_label = "Rasa"
    port_fix = "pilih RASA_URL dengan port lain"
    without_it = "The bot keeps answering in limited mode."
    error = RasaStartError

    def __init__(
        self,
        rasa_bin: Path,
        model: Path,
        url: str,
        log_file: Path | None = None,
        pid_file: Path | None = None,
        *,
        credentials: Path | None = None,
        endpoints: Path | None = None,
    ) -> None:
        parsed = urlparse(url)
        super().__init__(parsed.hostname or "127.0.0.1", parsed.port or 5005, url, log_file, pid_file)
        self.rasa_bin = rasa_bin
        self.model = model
        self.credentials = credentials
        self.endpoints = endpoints

    def command(self) -> list[str]:
        """``rasa run``; with ``credentials``/``endpoints``, its channels and the action server too."""
        extra: list[str] = []
        if self.credentials is not None:
            extra += ["--credentials", str(self.credentials)]
        if self.endpoints is not None:
            extra += ["--endpoints", str(self.endpoints)]
        return [
            str(self.rasa_bin),
            "run",
            "--enable-api",
            "--model",
            str(self.model),
            *extra,
            "--interface",
            self.host,
            "--port",
            str(self.port),
            "--quiet",
        ]

    def matches(self, cmd: list[str]) -> bool:
        """A ``rasa run`` (not ``rasa run actions``) on our port."""
        words = rasa_subcommand(cmd)
        return (
            words is not None
            and words[:1] == ["run"]
            and words[1:2] != ["actions"]
            and str(self.port) in words
        )

    async def is_ready(self, session: aiohttp.ClientSession) -> bool:
        """``/status`` names a loaded model."""
        async with session.get(f"{self.url}/status", timeout=aiohttp.ClientTimeout(total=5)) as resp:
            if resp.status != 200:
                return False
            body = await resp.json(content_type=None)
        return isinstance(body, dict) and bool(body.get("model_file"))

    def started_note(self) -> str:
        return f" with {self.model.name}"
