"""A stand-in custom-action package for the action-server supervision tests (the real one is the
top-level ``actions``), run by ``rasa run actions --actions tests.stub_actions`` in the Rasa venv.

Flags, each the path of a file checked at import:
``STUB_ACTIONS_FAIL``: when it exists, the import fails (rasa_sdk then exits with code 1);
``STUB_ACTIONS_HANG``: when it exists, the import never finishes (the server never gets healthy).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def _flag(name: str) -> bool:
    value = os.environ.get(name, "")
    return bool(value) and Path(value).exists()


if _flag("STUB_ACTIONS_FAIL"):
    raise ImportError("tests.stub_actions: told to fail (STUB_ACTIONS_FAIL)")
if _flag("STUB_ACTIONS_HANG"):
    time.sleep(3600)


class ActionSeenEnvironment(Action):
    """Answers with what the action server was given: working directory, database, FAQ folder."""

    def name(self) -> str:
        return "action_stub_environment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            json_message={
                "cwd": os.getcwd(),
                "DATABASE_PATH": os.environ.get("DATABASE_PATH"),
                "RESPONSES_DIR": os.environ.get("RESPONSES_DIR"),
            }
        )
        return []
