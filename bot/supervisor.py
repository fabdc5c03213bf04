"""Start, supervise and stop a child server of the bot (Rasa, the action server).

One set of lifecycle rules for every child: it never outlives the bot (Linux ``PR_SET_PDEATHSIG``:
``kill -9`` of the bot takes it along) and runs in its own process group, so stopping it stops
everything it started. Its pid is kept in a pid file; at start, a child left by an earlier run of this
bot (the pid file names it) is stopped and replaced, while an unknown program on the port is refused
with a message naming the port. A child that dies after it has served is started again (with a
growing pause); one that never becomes ready is an error, not something to restart in a loop: after
:data:`MAX_FAILED_STARTS` failed starts in a row the supervisor gives up and says why.

A subclass says what to run (:meth:`ChildServer.command`), how to tell it is ready
(:meth:`ChildServer.is_ready`), how to recognise an orphan of its own kind
(:meth:`ChildServer.matches`), and how to name it and its settings in messages.
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

import aiohttp

from bot.nlu.model import rasa_env

log = logging.getLogger(__name__)

HEALTHY_RUN = 60.0
"""Seconds a child must live before a crash counts as new (restart pause back to 1 s)."""
MAX_FAILED_STARTS = 3
"""Consecutive starts that never became ready before the supervisor gives up."""
_PR_SET_PDEATHSIG = 1


class ChildStartError(RuntimeError):
    """A child server cannot be started here; the message says why and what to do (in Indonesian).

    ``port_taken``: another program holds the port (retrying cannot help)."""

    def __init__(self, message: str, *, port_taken: bool = False) -> None:
        super().__init__(message)
        self.port_taken = port_taken


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


def cmdline(pid: int) -> list[str]:
    """The command line of ``pid`` (empty when it is gone or unreadable)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def rasa_subcommand(cmd: list[str]) -> list[str] | None:
    """The words after the ``rasa`` program in ``cmd`` (``python …/rasa run actions …`` or
    ``…/rasa run …``), or None when ``cmd`` is not a Rasa command."""
    for index, part in enumerate(cmd[:3]):
        if Path(part).name == "rasa" or part.endswith("/rasa"):
            return cmd[index + 1 :]
    return None


class ChildServer:
    """A supervised child process serving HTTP on ``host:port``."""

    label = "server"
    """Its name in Indonesian messages (lower case inside a sentence)."""
    log_label = "child server"
    """Its name in English log lines."""
    port_fix = "pilih port lain"
    """Indonesian: which setting moves it to another port (after "Perbaikan: hentikan program itu … atau")."""
    start_fix = ""
    """Indonesian, appended to "not ready" / "exited" messages: what else can be done."""
    without_it = ""
    """English, in the give-up log line: what the bot does without this child."""
    ready_poll = 0.5
    """Seconds between readiness probes while starting."""
    error: type[ChildStartError] = ChildStartError

    def __init__(
        self,
        host: str,
        port: int,
        url: str,
        log_file: Path | None = None,
        pid_file: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.url = url
        self.log_file = log_file
        self.pid_file = pid_file
        self.process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0
        self.gave_up: str | None = None

    # --- what a subclass says -----------------------------------------------------------------
    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """The child's environment."""
        return rasa_env()

    def cwd(self) -> Path | None:
        """The child's working directory (None: the bot's)."""
        return None

    def matches(self, cmd: list[str]) -> bool:
        """``cmd`` is a child of this kind on our port (an orphan of an earlier run of this bot)."""
        raise NotImplementedError

    async def is_ready(self, session: aiohttp.ClientSession) -> bool:
        """One readiness probe; a connection error counts as not ready."""
        raise NotImplementedError

    def started_note(self) -> str:
        """Appended to the English "started" log line."""
        return ""

    # --- messages -----------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.label[:1].upper() + self.label[1:]

    @property
    def log_title(self) -> str:
        return self.log_label[:1].upper() + self.log_label[1:]

    def port_taken(self) -> str:
        return (
            f"Port {self.port} ({self.url}) sudah dipakai program lain, bukan {self.label} milik bot ini. "
            f"Perbaikan: hentikan program itu (`ss -ltnp | grep :{self.port}`) atau {self.port_fix}."
        )

    def _log_hint(self) -> str:
        hint = f"Lihat {self.log_file}." if self.log_file else ""
        return " ".join(part for part in (hint, self.start_fix) if part)

    def _exit_reason(self, code: int) -> ChildStartError:
        tail = self._log_tail()
        if "address already in use" in tail.lower() or "errno 98" in tail.lower():
            return self.error(f"{self.title} berhenti saat mulai. {self.port_taken()}", port_taken=True)
        return self.error(f"{self.title} berhenti (kode {code}) sebelum siap. {self._log_hint()}".rstrip())

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

    # --- the port and earlier runs ------------------------------------------------------------
    def _is_ours(self, pid: int) -> bool:
        cmd = cmdline(pid)
        return bool(cmd) and self.matches(cmd)

    async def clear_port(self, grace: float = 15.0) -> None:
        """Make the port free: stop an orphan named by the pid file, refuse anything else."""
        orphan = self._pid_from_file()
        if orphan is not None and not self._is_ours(orphan):
            orphan = None  # the pid file is stale (that pid is gone or is another program now)
        if orphan is not None:
            log.warning(
                "Stopping %s pid %s left by an earlier run of the bot (port %s)",
                self.log_label,
                orphan,
                self.port,
            )
            print(f"Menghentikan {self.label} lama (pid {orphan}) dari jalannya bot sebelumnya …", flush=True)
            await _terminate_group(orphan, grace)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)
        deadline = time.monotonic() + grace
        while port_in_use(self.host, self.port):
            if time.monotonic() > deadline or orphan is None:
                raise self.error(self.port_taken(), port_taken=True)
            await asyncio.sleep(0.2)

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
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
        out = self.log_file.open("ab") if self.log_file else asyncio.subprocess.DEVNULL
        parent = os.getpid()
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command(),
                env=self.env(),
                cwd=self.cwd(),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopping it stops all it started
                preexec_fn=lambda: _die_with_parent(parent),
            )
        finally:
            if self.log_file and not isinstance(out, int):
                out.close()
        self._write_pid_file()
        log.info(
            "%s started (pid %s) on %s%s", self.log_title, self.process.pid, self.url, self.started_note()
        )

    async def _wait_ready(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    if await self.is_ready(session):
                        return
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
                    pass
                if loop.time() > deadline:
                    raise asyncio.TimeoutError
                await asyncio.sleep(self.ready_poll)

    async def _spawn_and_wait(self, ready_timeout: float) -> None:
        """Spawn and wait until it is ready; a child that exits first is a start error."""
        await self._spawn()
        assert self.process is not None
        ready = asyncio.create_task(self._wait_ready(ready_timeout))
        exited = asyncio.create_task(self.process.wait())
        try:
            done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (ready, exited):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        if ready in done and not ready.exception():
            return
        if exited not in done:  # not ready in time
            await self._kill_child()
            late = f"{self.title} tidak siap dalam {ready_timeout:.0f} detik di {self.url}."
            raise self.error(f"{late} {self._log_hint()}".rstrip())
        raise self._exit_reason(exited.result())

    async def start(self, ready_timeout: float = 300.0) -> None:
        """Free the port (or refuse), start the child, wait until it is ready, then supervise."""
        await self.clear_port()
        await self._spawn_and_wait(ready_timeout)
        self._watch = asyncio.create_task(self._supervise(ready_timeout))

    async def _supervise(self, ready_timeout: float = 300.0) -> None:
        """Restart the child if it dies after having been ready; give up (and say why) when restarts
        keep failing before it is ready, or at once when another program has taken the port."""
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
            log.error("%s exited with code %s; restarting in %.0f s", self.log_title, code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            while not self._stopping:
                try:
                    if port_in_use(self.host, self.port):
                        raise self.error(self.port_taken(), port_taken=True)
                    await self._spawn_and_wait(ready_timeout)
                    failed_starts = 0
                    started = loop.time()
                    break
                except ChildStartError as exc:
                    failed_starts += 1
                    if exc.port_taken or failed_starts >= MAX_FAILED_STARTS:
                        self.gave_up = str(exc)
                        log.error("Not restarting %s any more: %s %s", self.log_label, exc, self.without_it)
                        return
                    log.error("%s restart failed (%s); trying again in %.0f s", self.log_title, exc, delay)
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
        """SIGTERM to the child's process group, then SIGKILL after ``grace`` seconds."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self._kill_child(grace)
        if self.pid_file is not None and self.process is not None:
            self.pid_file.unlink(missing_ok=True)
        log.info("%s stopped", self.log_title)


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
