"""Processes in tests: is one alive, wait for it to die, a foreign program on a port, memory."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

OTHER_SERVER = """
import http.server, sys
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


async def wait_dead(*pids: int, seconds: float = 10) -> bool:
    """True once none of ``pids`` is alive, False if one still is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def serving_anything(port: int) -> bool:
    """Something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


@contextlib.asynccontextmanager
async def other_program_on(port: int, cwd: Path | None = None) -> AsyncIterator[asyncio.subprocess.Process]:
    """A program that is not ours (a plain HTTP server) listening on ``port`` for the block."""
    other = await asyncio.create_subprocess_exec(sys.executable, "-c", OTHER_SERVER, str(port), cwd=cwd)
    try:
        for _ in range(50):
            if await serving_anything(port):
                break
            await asyncio.sleep(0.1)
        yield other
    finally:
        if other.returncode is None:
            other.kill()
        await other.wait()


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB (VmRSS from /proc)."""
    total_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return total_kb / 1024
