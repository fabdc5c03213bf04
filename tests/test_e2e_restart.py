"""``kill -9`` at a bad moment: the real ``pemilubot jalan`` (bot + its Rasa and action server
children) is killed, alone or with its whole process group, then started again. Neither child
outlives the bot, the new bot answers within 60 s, and afterwards exactly one Rasa and one action
server serve their ports, with no restart loop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ADMIN_ID, REPO, TOKEN, free_port
from tests.fakebotapi.server import FakeTelegram
from tests.helpers_process import wait_dead

pytestmark = pytest.mark.e2e


def rasa_processes(port: int, actions: bool = False) -> list[int]:
    """Pids of ``rasa run`` (with ``actions``: ``rasa run actions``) processes serving ``port``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().split(") ", 1)[1][0]
        except (OSError, IndexError):
            continue
        words = [c.decode(errors="replace") for c in cmd]
        rasa = any(w.endswith("/rasa") for w in words) and "run" in words and str(port) in words
        if state != "Z" and rasa and ("actions" in words) == actions:
            found.append(int(proc.name))
    return found


async def start_bot(
    tmp_path: Path, tg: FakeTelegram, rasa_port: int, action_port: int
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_SERVER_PORT": str(action_port),
        "WEB_CHAT_PORT": str(free_port()),
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "BOT_ADMIN_IDS": str(ADMIN_ID),
        "TELEGRAM_POLL_TIMEOUT": "1",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "bot.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            str(REPO / ".venv/bin/pemilubot"),
            "jalan",
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group, as under a service manager
        )
    finally:
        log.close()


async def answering_within(tg: FakeTelegram, chat: int, seconds: float, tmp_path: Path) -> float:
    """Ask once the bot is up; return the seconds from now until the answer arrived."""
    started = time.monotonic()
    tg.send_user_message(chat, "kapan pemilu?")
    try:
        await tg.wait_for_messages(chat, 1, timeout=seconds)
    except TimeoutError:
        pytest.fail(f"no answer within {seconds} s:\n{(tmp_path / 'bot.log').read_text()[-3000:]}")
    return time.monotonic() - started


def acknowledged(tg: FakeTelegram, update_id: int) -> bool:
    return any(m == "getUpdates" and int(p.get("offset") or 0) > update_id for m, p in tg.calls)


def sending_to(tg: FakeTelegram, chat: int) -> bool:
    return any(m == "sendMessage" and p.get("chat_id") in (chat, str(chat)) for m, p in tg.calls)


async def wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("whole_group", [False, True], ids=["bot-alone", "process-group"])
async def test_kill_9_then_start_again(tmp_path: Path, whole_group: bool) -> None:
    rasa_port, action_port = free_port(), free_port()
    async with FakeTelegram(token=TOKEN) as tg:
        first = await start_bot(tmp_path, tg, rasa_port, action_port)
        try:
            await answering_within(tg, 1, 240, tmp_path)  # first start may train the model
            [rasa] = rasa_processes(rasa_port)
            [actions] = rasa_processes(action_port, actions=True)
            # A bad moment: Telegram has been told the update arrived (the next getUpdates carried
            # its offset) and the reply is on the wire, never to be answered (connection dropped).
            tg.fail_next("sendMessage", drop_connection=True, delay=30)
            in_flight = tg.send_user_message(2, "bawa apa ke tps")["update_id"]
            await wait_until(lambda: acknowledged(tg, in_flight) and sending_to(tg, 2), 30)
            if whole_group:
                os.killpg(first.pid, signal.SIGKILL)
            else:
                first.kill()
            await first.wait()
            assert await wait_dead(rasa, seconds=5), "Rasa outlived the killed bot"
            assert await wait_dead(actions, seconds=5), "the action server outlived the killed bot"

            second = await start_bot(tmp_path, tg, rasa_port, action_port)
            try:
                took = await answering_within(tg, 3, 60, tmp_path)
                print(f"answering again {took:.1f} s after the restart ({'group' if whole_group else 'bot'})")
                await tg.wait_for_messages(2, 1, timeout=10)  # the update in flight at the kill
                assert len(tg.messages_to(2)) == 1
                now = rasa_processes(rasa_port)
                assert len(now) == 1, f"exactly one Rasa, found {now}"
                now_actions = rasa_processes(action_port, actions=True)
                assert len(now_actions) == 1, f"exactly one action server, found {now_actions}"
                await asyncio.sleep(10)
                assert rasa_processes(rasa_port) == now, "no restart loop"
                assert rasa_processes(action_port, actions=True) == now_actions, "no restart loop"
                assert second.returncode is None
                await answering_within(tg, 4, 15, tmp_path)
            finally:
                if second.returncode is None:
                    second.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(second.wait(), 30)
            assert second.returncode == 0
            assert await wait_dead(*now, seconds=5), "a clean stop stops Rasa too"
            assert await wait_dead(*now_actions, seconds=5), "and the action server"
            assert not (tmp_path / "rasa.pid").exists() and not (tmp_path / "actions.pid").exists()
        finally:
            if first.returncode is None:
                first.kill()
            for pid in rasa_processes(rasa_port) + rasa_processes(action_port, actions=True):
                os.kill(pid, signal.SIGKILL)


async def test_an_unknown_server_on_rasas_port_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    rasa_port = free_port()
    squatter = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "http.server",
        str(rasa_port),
        "--bind",
        "127.0.0.1",
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(1.0)
        async with FakeTelegram(token=TOKEN) as tg:
            bot = await start_bot(tmp_path, tg, rasa_port, free_port())
            code = await asyncio.wait_for(bot.wait(), 120)
        output = (tmp_path / "bot.log").read_text()
        assert code == 1
        assert f"Port {rasa_port}" in output and "sudah dipakai program lain" in output
        assert squatter.returncode is None, "the other program is left alone"
    finally:
        squatter.kill()
        await squatter.wait()
