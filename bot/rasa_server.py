"""Start, supervise and stop the Rasa server process (``rasa run --enable-api``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from urllib.parse import urlparse

from bot.nlu.model import rasa_env
from bot.rasa_client import RasaClient

log = logging.getLogger(__name__)

HEALTHY_RUN = 60.0
"""Seconds a Rasa process must live before a crash counts as new (restart pause back to 1 s)."""


class RasaServer:
    """A supervised ``rasa run`` child process serving one model over HTTP."""

    def __init__(self, rasa_bin: Path, model: Path, url: str, log_file: Path | None = None) -> None:
        parsed = urlparse(url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 5005
        self.url = url
        self.rasa_bin = rasa_bin
        self.model = model
        self.log_file = log_file
        self.process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0

    def command(self) -> list[str]:
        return [
            str(self.rasa_bin),
            "run",
            "--enable-api",
            "--model",
            str(self.model),
            "--interface",
            self.host,
            "--port",
            str(self.port),
            "--quiet",
        ]

    async def _spawn(self) -> None:
        out = self.log_file.open("ab") if self.log_file else asyncio.subprocess.DEVNULL
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command(),
                env=rasa_env(),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if self.log_file and not isinstance(out, int):
                out.close()
        log.info("Rasa started (pid %s) on %s with %s", self.process.pid, self.url, self.model.name)

    async def start(self, ready_timeout: float = 300.0) -> None:
        """Start Rasa and wait until it serves the model."""
        await self._spawn()
        client = RasaClient(self.url, timeout=5)
        await client.start()
        try:
            await client.wait_ready(ready_timeout)
        finally:
            await client.close()
        self._watch = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        """Restart Rasa if it dies; the pause grows while it keeps dying and resets after a good run."""
        delay = 1.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            assert self.process is not None
            started = loop.time()
            code = await self.process.wait()
            if self._stopping:
                return
            if loop.time() - started > HEALTHY_RUN:
                delay = 1.0
            self.restarts += 1
            log.error("Rasa exited with code %s; restarting in %.0f s", code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            await self._spawn()

    async def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        log.info("Rasa stopped")
