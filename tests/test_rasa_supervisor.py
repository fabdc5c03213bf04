"""`make run` supervises Rasa: a crashed Rasa is started again; a stopped one is not.

The supervisor is what is under test, so the child is a small stand-in HTTP server that answers
``/status`` like ``rasa run --enable-api`` (starting the real Rasa twice would only add a minute).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rasa_server import RasaServer, RasaStartError
from tests.conftest import free_port
from tests.helpers_process import alive, other_program_on, wait_dead

STAND_IN = """#!{python}
import http.server, json, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"model_file": "stand-in.tar.gz"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Status).serve_forever()
"""


async def serving(url: str) -> bool:
    client = RasaClient(url, timeout=2)
    await client.start()
    try:
        return bool((await client.status()).get("model_file"))
    except RasaUnavailable:
        return False
    finally:
        await client.close()


async def test_a_crashed_rasa_is_restarted_and_a_stopped_one_is_not(tmp_path: Path) -> None:
    rasa_bin = tmp_path / "rasa"
    rasa_bin.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    rasa_bin.chmod(0o755)
    server = RasaServer(rasa_bin, tmp_path / "model.tar.gz", f"http://127.0.0.1:{free_port()}")
    await server.start(ready_timeout=30)
    try:
        assert server.process is not None
        first = server.process.pid
        os.kill(first, signal.SIGKILL)
        for _ in range(100):
            await asyncio.sleep(0.2)
            if server.restarts and server.process.pid != first and await serving(server.url):
                break
        assert server.restarts == 1
        assert server.process.pid != first
        assert await serving(server.url), "Rasa serves again after the crash"
    finally:
        await server.stop(grace=5)
    assert server.process.returncode is not None
    await asyncio.sleep(1.5)
    assert server.restarts == 1, "a deliberate stop is not a crash"
    assert not await serving(server.url)


CANNOT_BIND = """#!{python}
import sys
print("OSError: [Errno 98] error while attempting to bind on address: address already in use")
sys.exit(0)  # rasa run exits 0 after such an error
"""


def stand_in(tmp_path: Path, script: str = STAND_IN) -> Path:
    rasa_bin = tmp_path / "rasa"
    rasa_bin.write_text(script.format(python=sys.executable), encoding="utf-8")
    rasa_bin.chmod(0o755)
    return rasa_bin


async def test_an_orphan_from_an_earlier_run_is_stopped_and_replaced(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    pid_file = tmp_path / "rasa.pid"
    earlier = RasaServer(stand_in(tmp_path), tmp_path / "model.tar.gz", url, pid_file=pid_file)
    await earlier.start(ready_timeout=30)
    assert earlier.process is not None
    orphan = earlier.process.pid
    earlier._watch.cancel()  # type: ignore[union-attr]  # as if the bot had died without stopping it
    server = RasaServer(stand_in(tmp_path), tmp_path / "model.tar.gz", url, pid_file=pid_file)
    await server.start(ready_timeout=30)
    try:
        assert await wait_dead(orphan), "the orphan was stopped"
        assert server.process is not None and server.process.pid != orphan
        assert await serving(url)
        assert str(server.process.pid) in pid_file.read_text()
    finally:
        await server.stop(grace=5)
    assert not pid_file.exists()


async def test_an_unknown_server_on_the_port_is_refused(tmp_path: Path) -> None:
    port = free_port()
    async with other_program_on(port) as other:
        server = RasaServer(stand_in(tmp_path), tmp_path / "m.tar.gz", f"http://127.0.0.1:{port}")
        with pytest.raises(RasaStartError, match=f"Port {port} .*sudah dipakai program lain"):
            await server.start(ready_timeout=30)
        assert server.process is None, "nothing was started"
        assert other.returncode is None, "the other program was left alone"


async def test_a_child_that_cannot_bind_is_an_error_not_a_loop(tmp_path: Path) -> None:
    port = free_port()
    log_file = tmp_path / "rasa.log"
    server = RasaServer(
        stand_in(tmp_path, CANNOT_BIND), tmp_path / "m.tar.gz", f"http://127.0.0.1:{port}", log_file
    )
    with pytest.raises(RasaStartError, match=f"Port {port} .*sudah dipakai program lain"):
        await server.start(ready_timeout=30)
    await asyncio.sleep(1.5)
    assert server.restarts == 0 and log_file.read_text().count("Errno 98") == 1


async def test_no_restart_loop_when_the_port_is_taken_after_a_crash(tmp_path: Path) -> None:
    port = free_port()
    server = RasaServer(stand_in(tmp_path), tmp_path / "m.tar.gz", f"http://127.0.0.1:{port}")
    await server.start(ready_timeout=30)
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGKILL)
    await server.process.wait()
    try:
        async with other_program_on(port):
            for _ in range(100):
                if server.gave_up:
                    break
                await asyncio.sleep(0.1)
            assert server.gave_up and f"Port {port}" in server.gave_up
            await asyncio.sleep(2)
            assert server.restarts == 1, "one attempt, then it stopped trying"
    finally:
        await server.stop(grace=5)


PARENT = """
import asyncio, sys
from pathlib import Path
from bot.rasa_server import RasaServer

async def main():
    server = RasaServer(Path(sys.argv[1]), Path("m.tar.gz"), sys.argv[2])
    await server.start(ready_timeout=30)
    print(server.process.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_rasa_dies_with_the_bot_even_on_kill_9(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, str(stand_in(tmp_path)), url, stdout=asyncio.subprocess.PIPE
    )
    assert parent.stdout is not None
    child = int((await asyncio.wait_for(parent.stdout.readline(), 30)).decode())
    assert alive(child) and await serving(url)
    parent.kill()  # SIGKILL: no clean-up code runs in the parent
    await parent.wait()
    assert await wait_dead(child, seconds=5), "Rasa outlived the bot"
