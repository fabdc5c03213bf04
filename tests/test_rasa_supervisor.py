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

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rasa_server import RasaServer
from tests.conftest import free_port

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
