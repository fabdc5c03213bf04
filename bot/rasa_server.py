"""Start, supervise and stop the Rasa server process (``rasa run --enable-api``).

The child never outlives the bot: it gets a parent-death signal (Linux ``PR_SET_PDEATHSIG``), so
``kill -9`` of the bot takes Rasa with it, and it runs in its own process group, so stopping it
stops everything it started. Its pid is kept in a pid file; at start, a Rasa left by an earlier run
of this bot (the pid file names it) is stopped and replaced, while an unknown program on the port is
refused with a message naming the port. A child that dies before it serves its model is an error,
not something to restart in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

from bot.nlu.model import rasa_env
from bot.rasa_client import RasaClient

log = logging.getLogger(__name__)

HEALTHY_RUN = 60.0
"""Seconds a Rasa process must live before a crash counts as new (restart pause back to 1 s)."""
MAX_FAILED_STARTS = 3
"""Consecutive starts that never served the model before the supervisor gives up."""
_PR_SET_PDEATHSIG = 1


class RasaStartError(RuntimeError):
    """Rasa cannot be started here; the message says why and what to do (in Indonesian)."""


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: SIGKILL when the parent dies; also if it died already."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died between fork and prctl
        os._exit(1)


def port_in_use(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


class RasaServer:
    """A supervised ``rasa run`` child process serving one model over HTTP."""

    def __init__(
        self,
        rasa_bin: Path,
        model: Path,
        url: str,
        log_file: Path | None = None,
        pid_file: Path | None = None,
    ) -> None:
        parsed = urlparse(url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 5005
        self.url = url
        self.rasa_bin = rasa_bin
        self.model = model
        self.log_file = log_file
        self.pid_file = pid_file
        self.process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0
        self.gave_up: str | None = None

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

    # --- the port and earlier runs ------------------------------------------------------------
    def _is_ours(self, pid: int) -> bool:
        """``pid`` is a ``rasa run`` on our port (so an orphan of an earlier run of this bot)."""
        cmd = _cmdline(pid)
        return any("rasa" in part for part in cmd[:3]) and "run" in cmd and str(self.port) in cmd

    async def clear_port(self, grace: float = 15.0) -> None:
        """Make the port free: stop an orphan named by the pid file, refuse anything else."""
        orphan = self._pid_from_file()
        if orphan is not None and not self._is_ours(orphan):
            orphan = None  # the pid file is stale (that pid is gone or is another program now)
        if orphan is not None:
            log.warning("Stopping Rasa pid %s left by an earlier run of the bot (port %s)", orphan, self.port)
            print(f"Menghentikan Rasa lama (pid {orphan}) dari jalannya bot sebelumnya …", flush=True)
            await _terminate_group(orphan, grace)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)
        deadline = time.monotonic() + grace
        while port_in_use(self.host, self.port):
            if time.monotonic() > deadline or orphan is None:
                raise RasaStartError(self.port_taken())
            await asyncio.sleep(0.2)

    def port_taken(self) -> str:
        return (
            f"Port {self.port} ({self.url}) sudah dipakai program lain, bukan Rasa milik bot ini. "
            f"Perbaikan: hentikan program itu (`ss -ltnp | grep :{self.port}`) atau pilih RASA_URL "
            "dengan port lain."
        )

    def _pid_from_file(self) -> int | None:
        if self.pid_file is None:
            return None
        try:
            data = json.loads(self.pid_file.read_text())
            return int(data["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_pid_file(self) -> None:
        if self.pid_file is None or self.process is None:
            return
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(json.dumps({"pid": self.process.pid, "port": self.port, "url": self.url}))

    # --- starting -----------------------------------------------------------------------------
    async def _spawn(self) -> None:
        out = self.log_file.open("ab") if self.log_file else asyncio.subprocess.DEVNULL
        parent = os.getpid()
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command(),
                env=rasa_env(),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopping it stops all it started
                preexec_fn=lambda: _die_with_parent(parent),
            )
        finally:
            if self.log_file and not isinstance(out, int):
                out.close()
        self._write_pid_file()
        log.info("Rasa started (pid %s) on %s with %s", self.process.pid, self.url, self.model.name)

    async def _spawn_and_wait(self, ready_timeout: float) -> None:
        """Spawn and wait until the model is served; a child that exits first is a RasaStartError."""
        await self._spawn()
        assert self.process is not None
        client = RasaClient(self.url, timeout=5)
        await client.start()
        try:
            ready = asyncio.create_task(client.wait_ready(ready_timeout))
            exited = asyncio.create_task(self.process.wait())
            done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
            if ready in done and not ready.exception():
                exited.cancel()
                return
            ready.cancel()
            if exited not in done:  # not ready in time
                await self._kill_child()
                raise RasaStartError(
                    f"Rasa tidak siap dalam {ready_timeout:.0f} detik di {self.url}. {self._log_hint()}"
                )
            raise RasaStartError(self._exit_reason(exited.result()))
        finally:
            await client.close()

    def _exit_reason(self, code: int) -> str:
        tail = self._log_tail()
        if "address already in use" in tail.lower() or "errno 98" in tail.lower():
            return f"Rasa berhenti saat mulai. {self.port_taken()}"
        return f"Rasa berhenti (kode {code}) sebelum siap. {self._log_hint()}"

    def _log_tail(self) -> str:
        if self.log_file is None:
            return ""
        try:
            with self.log_file.open("rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 4000))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _log_hint(self) -> str:
        return f"Lihat {self.log_file}." if self.log_file else ""

    async def start(self, ready_timeout: float = 300.0) -> None:
        """Free the port (or refuse), start Rasa, wait until it serves the model, then supervise."""
        await self.clear_port()
        await self._spawn_and_wait(ready_timeout)
        self._watch = asyncio.create_task(self._supervise())

    async def _supervise(self, ready_timeout: float = 300.0) -> None:
        """Restart Rasa if it dies after having served; give up (and say why) when restarts keep
        failing before Rasa is ready, or at once when another program has taken the port."""
        delay = 1.0
        failed_starts = 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not self._stopping:
            assert self.process is not None
            code = await self.process.wait()
            if self._stopping:
                return
            if loop.time() - started > HEALTHY_RUN:
                delay = 1.0
            self.restarts += 1
            log.error("Rasa exited with code %s; restarting in %.0f s", code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            while not self._stopping:
                try:
                    if port_in_use(self.host, self.port):
                        raise RasaStartError(self.port_taken())
                    await self._spawn_and_wait(ready_timeout)
                    failed_starts = 0
                    started = loop.time()
                    break
                except RasaStartError as exc:
                    failed_starts += 1
                    if "port" in str(exc).lower() or failed_starts >= MAX_FAILED_STARTS:
                        self.gave_up = str(exc)
                        log.error(
                            "Not restarting Rasa any more: %s The bot keeps answering in limited mode.", exc
                        )
                        return
                    log.error("Rasa restart failed (%s); trying again in %.0f s", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)

    # --- stopping -----------------------------------------------------------------------------
    async def _kill_child(self, grace: float = 15.0) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()

    async def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to Rasa's process group, then SIGKILL after ``grace`` seconds."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self._kill_child(grace)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)
        log.info("Rasa stopped")


async def _terminate_group(pid: int, grace: float) -> None:
    """SIGTERM the process group led by ``pid`` (or the process), SIGKILL after ``grace``."""

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            group = os.getpgid(pid)
            if group == pid and group != os.getpgrp():  # it leads its own group: stop all of it
                os.killpg(group, sig)
            else:
                os.kill(pid, sig)

    send(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        if _is_zombie(pid):
            return
        await asyncio.sleep(0.2)
    if Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        send(signal.SIGKILL)
        await asyncio.sleep(0.5)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True
