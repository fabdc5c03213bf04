"""The Rasa 3.6.21 fix in nlu_data/pemilu_nlu/rasa_patches.py behaves exactly like the code it replaces.

Runs inside the Rasa venv (where Rasa lives): for valid and invalid action-server responses, the
original and the patched check accept and refuse the same ones with the same message.
(Its speed is measured by bench/web_latency.py.)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bot.nlu.model import rasa_env

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv-rasa" / "bin" / "python"

SCRIPT = r"""
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
original = RemoteAction._validate_action_result
import pemilu_nlu  # applies the patch
patched = RemoteAction._validate_action_result
cases = [
    {"events": [], "responses": [{"text": "Halo", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []},
    {},
    {"events": "x"},
    {"responses": "x"},
    {"events": [{"event": "slot", "name": 5}]},
    {"events": [{"event": "tidak_ada"}]},
    {"responses": [1]},
]
def outcome(check, case):
    try:
        return ["ok", check(RemoteAction("a", None), json.loads(json.dumps(case)))]
    except ValidationError as e:
        return ["error", e.message]
print(json.dumps({
    "patched": patched is not original,
    "original": [outcome(original, c) for c in cases],
    "new": [outcome(patched, c) for c in cases],
}))
"""


def test_the_patch_accepts_and_refuses_what_rasa_does_only_faster() -> None:
    result = subprocess.run(
        [str(PYTHON), "-c", SCRIPT], env=rasa_env(), capture_output=True, text=True, check=True, timeout=300
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["patched"]
    assert data["new"] == data["original"]
    assert [o[0] for o in data["new"]] == ["ok", "ok", "ok", "error", "error", "error", "error", "error"]
