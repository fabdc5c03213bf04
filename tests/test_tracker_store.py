"""Web chat conversations are forgotten by Rasa after a while (nlu_data/pemilu_nlu/tracker_store.py).

Runs inside the Rasa venv: the tracker store is built the way ``rasa run`` builds it from the
endpoints file the bot writes, then fed conversations.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from bot.config import Settings
from bot.nlu.model import rasa_env
from bot.wiring import write_endpoints

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv-rasa" / "bin" / "python"

SCRIPT = r"""
import asyncio, json, sys
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

config = json.loads(sys.argv[1])
now = [0.0]
store = create_tracker_store(EndpointConfig.from_dict(config), Domain.load("nlu_data/domain.yml"))
store.clock = lambda: now[0]

async def say(sender, text):
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(UserUttered(text))
    await store.save(tracker)

async def main():
    await say("a", "satu")
    now[0] += 60
    await say("b", "dua")
    await say("c", "tiga")
    await say("b", "dua lagi")
    await say("d", "empat")   # over max_conversations=3: the least recently active ("a") goes
    kept_after_limit = sorted(await store.keys())
    now[0] += 61 * 60         # an hour and a minute later: everyone idle
    await say("e", "lima")
    kept_after_idle = sorted(await store.keys())
    b = await store.retrieve("b")
    print(json.dumps({"type": type(store).__name__, "limit": kept_after_limit,
                      "idle": kept_after_idle, "b_gone": b is None, "forgotten": store.forgotten}))

asyncio.run(main())
"""


def test_rasa_builds_our_store_from_the_bots_endpoints_and_it_forgets(tmp_path: Path) -> None:
    endpoints = yaml.safe_load(write_endpoints(Settings(), tmp_path).read_text(encoding="utf-8"))
    config = {**endpoints["tracker_store"], "max_conversations": 3}
    result = subprocess.run(
        [str(PYTHON), "-c", SCRIPT, json.dumps(config)],
        env=rasa_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["type"] == "ShortMemoryTrackerStore"  # not Rasa's silent in-memory fallback
    assert data["limit"] == ["b", "c", "d"]
    assert data["idle"] == ["e"]
    assert data["b_gone"] and data["forgotten"] == 4
