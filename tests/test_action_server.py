"""The bot supervises the action server (``rasa run actions``) by Rasa's rules: it is ready once
``/health`` answers, dies with the bot (even on ``kill -9``), replaces an orphan of an earlier run,
refuses an unknown program on its port, restarts once after a crash, and never loops.

Every child is the real ``rasa run actions`` from the Rasa venv. Most tests load the small
``tests.stub_actions`` package (it can be told to fail or hang at import); one loads the real
``actions`` package with the repository's FAQ, as ``pemilubot jalan`` does.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.action_server import ActionServer, ActionServerStartError
from bot.config import Settings
from bot.nlu.model import NluPaths
from bot.rasa_server import RasaServer, RasaStartError
from bot.supervisor import ChildStartError
from bot.wiring import running_services
from tests.conftest import REPO, free_port
from tests.helpers_process import alive, other_program_on, serving_anything, tree_rss_mb, wait_dead

RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
STUB = "tests.stub_actions"


def server(tmp_path: Path, port: int | None = None, **kwargs: Any) -> ActionServer:
    """An action server running the stub actions, its log and pid file in ``tmp_path``."""
    kwargs.setdefault("log_file", tmp_path / "actions.log")
    kwargs.setdefault("pid_file", tmp_path / "actions.pid")
    return ActionServer(RASA_BIN, port or free_port(), actions=STUB, **kwargs)


async def healthy(url: str) -> bool:
    try:
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(f"{url}/health") as resp:
            return resp.status == 200 and (await resp.json()) == {"status": "ok"}
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


async def run_action(url: str, name: str) -> dict[str, Any]:
    """POST /webhook as Rasa does; the first response's custom payload."""
    tracker = {"sender_id": "t", "slots": {}, "latest_message": {}, "events": [], "paused": False}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/webhook", json={"next_action": name, "sender_id": "t", "tracker": tracker, "domain": {}}
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    custom: dict[str, Any] = body["responses"][0]["custom"]
    return custom


def listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp) on which ``pid``'s network namespace listens on ``port``."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


async def test_starts_healthy_with_the_bots_files_on_localhost_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative settings, as in .env: the child gets them absolute
    settings = Settings(
        database_path=Path("data/bot.db"),
        responses_dir=Path("faq"),
        action_server_port=free_port(),
    )
    actions = ActionServer.for_settings(settings, RASA_BIN, tmp_path / "data", actions=STUB)
    started = time.monotonic()
    await actions.start(ready_timeout=60)
    took = time.monotonic() - started
    try:
        assert actions.process is not None
        pid = actions.process.pid
        print(f"stub action server ready in {took:.1f} s, RSS {tree_rss_mb(pid):.0f} MB")
        assert actions.url == f"http://127.0.0.1:{settings.action_server_port}"
        assert await healthy(actions.url)
        assert json.loads((tmp_path / "data" / "actions.pid").read_text())["pid"] == pid
        assert listening_addresses(pid, actions.port) == {"0100007F"}, "127.0.0.1 only, never 0.0.0.0"
        seen = await run_action(actions.url, "action_stub_environment")
        assert seen == {
            "cwd": str(REPO),
            "DATABASE_PATH": str(tmp_path / "data" / "bot.db"),
            "RESPONSES_DIR": str(tmp_path / "faq"),
        }
    finally:
        await actions.stop(grace=5)
    assert await wait_dead(pid, seconds=5)
    assert not (tmp_path / "data" / "actions.pid").exists()
    assert not await healthy(actions.url)
    assert actions.restarts == 0, "a deliberate stop is not a crash"


async def test_the_real_actions_package_starts(tmp_path: Path) -> None:
    """``actions`` of this repository, with its FAQ and a database, as ``pemilubot jalan`` starts it."""
    settings = Settings(
        database_path=tmp_path / "bot.db", responses_dir=REPO / "responses", action_server_port=free_port()
    )
    actions = ActionServer.for_settings(settings, RASA_BIN, tmp_path)
    started = time.monotonic()
    await actions.start(ready_timeout=120)
    took = time.monotonic() - started
    try:
        assert actions.process is not None
        print(f"real action server ready in {took:.1f} s, RSS {tree_rss_mb(actions.process.pid):.0f} MB")
        assert await healthy(actions.url)
        async with aiohttp.ClientSession() as session, session.get(f"{actions.url}/actions") as resp:
            registered = {a["name"] for a in await resp.json()}
        assert "action_tanya_pemilu" in registered, registered
    finally:
        await actions.stop(grace=5)


PARENT = """
import asyncio, sys
from pathlib import Path
from bot.action_server import ActionServer

async def main():
    server = ActionServer(Path(sys.argv[1]), int(sys.argv[2]), actions="tests.stub_actions")
    await server.start(ready_timeout=60)
    print(server.process.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_dies_with_the_bot_even_on_kill_9() -> None:
    port = free_port()
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, str(RASA_BIN), str(port), cwd=REPO, stdout=asyncio.subprocess.PIPE
    )
    assert parent.stdout is not None
    child = int((await asyncio.wait_for(parent.stdout.readline(), 60)).decode())
    assert alive(child) and await healthy(f"http://127.0.0.1:{port}")
    parent.kill()  # SIGKILL: no clean-up code runs in the parent
    await parent.wait()
    assert await wait_dead(child, seconds=5), "the action server outlived the bot"


async def test_an_orphan_from_an_earlier_run_is_stopped_and_replaced(tmp_path: Path) -> None:
    port = free_port()
    earlier = server(tmp_path, port)
    await earlier.start(ready_timeout=60)
    assert earlier.process is not None
    orphan = earlier.process.pid
    earlier._watch.cancel()  # type: ignore[union-attr]  # as if the bot had died without stopping it
    later = server(tmp_path, port)
    await later.start(ready_timeout=60)
    try:
        assert await wait_dead(orphan), "the orphan was stopped"
        assert later.process is not None and later.process.pid != orphan
        assert await healthy(later.url)
        assert json.loads((tmp_path / "actions.pid").read_text())["pid"] == later.process.pid
    finally:
        await later.stop(grace=5)
    assert not (tmp_path / "actions.pid").exists()


async def test_an_unknown_program_on_the_port_is_refused(tmp_path: Path) -> None:
    port = free_port()
    async with other_program_on(port, tmp_path) as other:
        actions = server(tmp_path, port)
        with pytest.raises(ActionServerStartError) as refused:
            await actions.start(ready_timeout=60)
        message = str(refused.value)
        assert f"Port {port} (http://127.0.0.1:{port}) sudah dipakai program lain" in message
        assert "bukan server aksi milik bot ini" in message
        assert "ACTION_SERVER_PORT" in message and "ACTION_SERVER_URL" in message
        assert actions.process is None, "nothing was started"
        assert other.returncode is None, "the other program was left alone"


async def test_a_crash_after_serving_is_restarted_once(tmp_path: Path) -> None:
    actions = server(tmp_path)
    await actions.start(ready_timeout=60)
    try:
        assert actions.process is not None
        first = actions.process.pid
        os.kill(first, signal.SIGKILL)
        for _ in range(300):
            await asyncio.sleep(0.1)
            if actions.process.pid != first and await healthy(actions.url):
                break
        assert actions.restarts == 1 and actions.process.pid != first
        assert await healthy(actions.url), "it serves again after the crash"
        assert json.loads((tmp_path / "actions.pid").read_text())["pid"] == actions.process.pid
    finally:
        await actions.stop(grace=5)
    await asyncio.sleep(1.5)
    assert actions.restarts == 1, "a deliberate stop is not a crash"
    assert not await healthy(actions.url)


async def test_one_that_never_gets_healthy_is_an_error_not_a_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hang = tmp_path / "hang"
    hang.touch()
    monkeypatch.setenv("STUB_ACTIONS_HANG", str(hang))
    actions = server(tmp_path)
    with pytest.raises(ActionServerStartError, match=r"Server aksi tidak siap dalam 8 detik") as late:
        await actions.start(ready_timeout=8)
    assert "actions.log" in str(late.value) and "ACTION_SERVER_URL" in str(late.value)
    assert actions.process is not None and actions.process.returncode is not None, (
        "the hung child was stopped"
    )
    await asyncio.sleep(2)
    assert actions.restarts == 0 and actions._watch is None, "no supervisor, no second start"


async def test_a_broken_actions_package_is_an_error_naming_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail = tmp_path / "fail"
    fail.touch()
    monkeypatch.setenv("STUB_ACTIONS_FAIL", str(fail))
    actions = server(tmp_path)
    with pytest.raises(ActionServerStartError, match=r"Server aksi berhenti \(kode 1\) sebelum siap"):
        await actions.start(ready_timeout=60)
    assert "told to fail" in (tmp_path / "actions.log").read_text()
    assert actions.restarts == 0 and actions._watch is None


async def test_gives_up_when_restarts_keep_failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It served, then crashed, and every new start dies before it is healthy: three tries, then the
    supervisor stops trying and says why."""
    fail = tmp_path / "fail"
    monkeypatch.setenv("STUB_ACTIONS_FAIL", str(fail))
    actions = server(tmp_path)
    await actions.start(ready_timeout=60)
    try:
        assert actions.process is not None
        fail.touch()  # from now on the package cannot be imported
        os.kill(actions.process.pid, signal.SIGKILL)
        for _ in range(600):
            if actions.gave_up:
                break
            await asyncio.sleep(0.1)
        assert actions.gave_up and "berhenti (kode 1) sebelum siap" in actions.gave_up
        last = actions.process.pid
        log = (tmp_path / "actions.log").read_text()
        failures = log.count("ImportError: tests.stub_actions: told to fail")
        assert failures == 3, "three starts after the crash, each died at import"
        await asyncio.sleep(3)
        assert actions.restarts == 1 and actions.process.pid == last, "no further start"
        assert actions._watch is not None and actions._watch.done()
    finally:
        await actions.stop(grace=5)


def test_orphans_are_recognised_by_kind_and_port() -> None:
    """An orphan check never mistakes Rasa for the action server or another port for ours."""
    python, rasa = str(REPO / ".venv-rasa/bin/python3.10"), str(RASA_BIN)
    actions_cmd = [python, rasa, "run", "actions", "--actions", "actions", "--port", "5055", "--quiet"]
    rasa_cmd = [python, rasa, "run", "--enable-api", "--model", "m.tar.gz", "--port", "5055"]
    assert ActionServer(RASA_BIN, 5055).matches(actions_cmd)
    assert not ActionServer(RASA_BIN, 5056).matches(actions_cmd)
    assert not ActionServer(RASA_BIN, 5055).matches(rasa_cmd)
    assert not ActionServer(RASA_BIN, 5055).matches(["python", "-m", "http.server", "5055"])
    assert RasaServer(RASA_BIN, Path("m.tar.gz"), "http://127.0.0.1:5055").matches(rasa_cmd)
    assert not RasaServer(RASA_BIN, Path("m.tar.gz"), "http://127.0.0.1:5055").matches(actions_cmd)


# --- the wiring: Rasa and the action server together ---------------------------------------------

STAND_IN_RASA = """#!{python}
import http.server, json, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"model_file": "stand-in.tar.gz"}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Status).serve_forever()
"""


def stand_in_rasa_paths(tmp_path: Path) -> NluPaths:
    """NLU paths whose ``rasa`` runs a stand-in for ``rasa run --enable-api`` (answers /status at
    once) and the real ``rasa run actions`` of the Rasa venv (stub actions) for ``run actions``."""
    rasa_bin = tmp_path / "bin" / "rasa"
    rasa_bin.parent.mkdir()
    script = (
        "#!/bin/sh\n"
        f'if [ "$1 $2" = "run actions" ]; then exec {RASA_BIN} "$@"; fi\n'
        f'exec {tmp_path / "bin" / "rasa-stand-in"} "$@"\n'
    )
    rasa_bin.write_text(script, encoding="utf-8")
    (tmp_path / "bin" / "rasa-stand-in").write_text(
        STAND_IN_RASA.format(python=sys.executable), encoding="utf-8"
    )
    for path in (rasa_bin, tmp_path / "bin" / "rasa-stand-in"):
        path.chmod(0o755)
    return NluPaths(REPO / "nlu_data", tmp_path / "models", rasa_bin)


def wiring_settings(tmp_path: Path, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "rasa_url": f"http://127.0.0.1:{free_port()}",
        "database_path": tmp_path / "data" / "bot.db",
        "responses_dir": REPO / "responses",
        "action_server_port": free_port(),
        **overrides,
    }
    return Settings(**fields)


async def test_the_wiring_starts_both_and_stops_both(tmp_path: Path) -> None:
    """The real ``actions`` package beside a stand-in Rasa: both ready before the services are
    yielded, Rasa told where the actions are, both stopped at the end."""
    settings = wiring_settings(tmp_path)
    paths = stand_in_rasa_paths(tmp_path)
    data = tmp_path / "data"
    async with running_services(settings, paths, start_rasa=True, model=tmp_path / "m.tar.gz") as services:
        rasa, actions = services.rasa_server, services.action_server
        assert rasa is not None and actions is not None and rasa.process and actions.process
        assert actions.url == settings.action_url == f"http://127.0.0.1:{settings.action_server_port}"
        assert await healthy(actions.url)
        endpoints = data / "endpoints.yml"
        assert f'url: "{settings.action_url}/webhook"' in endpoints.read_text()
        words = [w.decode() for w in Path(f"/proc/{rasa.process.pid}/cmdline").read_bytes().split(b"\0")]
        assert words[words.index("--endpoints") + 1] == str(endpoints)
        assert words[words.index("--credentials") + 1] == str(REPO / "nlu_data" / "credentials.yml")
        assert {p.name for p in data.glob("*.pid")} == {"rasa.pid", "actions.pid"}
        assert words[words.index("--port") + 1] == settings.rasa_url.rsplit(":", 1)[1]
        assert await healthy(actions.url) and (data / "actions.log").exists()
        pids = [rasa.process.pid, actions.process.pid]
    for pid in pids:
        assert await wait_dead(pid, seconds=5)
    assert not list(data.glob("*.pid"))


async def test_the_wiring_stops_rasa_when_the_action_server_cannot_start(tmp_path: Path) -> None:
    port = free_port()
    async with other_program_on(port, tmp_path) as other:
        settings = wiring_settings(tmp_path, action_server_port=port)
        paths = stand_in_rasa_paths(tmp_path)
        with pytest.raises(ActionServerStartError, match=f"Port {port} .*bukan server aksi"):
            async with running_services(settings, paths, start_rasa=True, model=tmp_path / "m.tar.gz"):
                pytest.fail("the services must not be yielded")
        assert not (tmp_path / "data" / "rasa.pid").exists(), "Rasa was stopped and its pid file removed"
        assert not await serving_anything(int(settings.rasa_url.rsplit(":", 1)[1])), (
            "Rasa is not left running"
        )
        assert other.returncode is None


@pytest.mark.parametrize("case", ["web-chat-off", "external"])
async def test_no_action_server_of_its_own(tmp_path: Path, case: str) -> None:
    external = f"http://127.0.0.1:{free_port()}"
    overrides = {"web_chat_port": 0} if case == "web-chat-off" else {"action_server_url": external}
    settings = wiring_settings(tmp_path, **overrides)
    async with running_services(
        settings, stand_in_rasa_paths(tmp_path), start_rasa=True, model=tmp_path / "m.tar.gz"
    ) as services:
        assert services.rasa_server is not None and services.action_server is None
        assert not (tmp_path / "data" / "actions.pid").exists()
        endpoints = (tmp_path / "data" / "endpoints.yml").read_text()
    if case == "external":
        assert f'url: "{external}/webhook"' in endpoints
    else:
        assert "action_endpoint" not in endpoints


def test_start_errors_share_one_base() -> None:
    """``pemilubot jalan`` catches ChildStartError: both servers' start errors are one."""
    assert issubclass(RasaStartError, ChildStartError) and issubclass(ActionServerStartError, ChildStartError)
