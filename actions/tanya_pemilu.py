"""``action_tanya_pemilu``: every web chat message is answered here, through the bot's own code.

Rasa's generated rules (nlu_data/core/) run this action after every intent. It hands Rasa's
understanding of the message to :class:`bot.web.channel.WebChannel` (the Telegram bot's decision
rules, FAQ and claim files, database) and sends the reply as the widget's Markdown with quick
replies (:mod:`bot.web.render`). The FAQ and claims are loaded when the action server starts, so a
broken file stops it with the loader's message instead of failing on the first citizen.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import Settings
from bot.nlu.training_data import ACTION_NAME
from bot.web.channel import WebChannel
from bot.web.render import render_reply

log = logging.getLogger(__name__)

CHANNEL = WebChannel(Settings.load())
log.info(
    "Web chat action ready: %d FAQ entries, %d claims",
    len(CHANNEL.faq.current.entries),
    len(CHANNEL.claims.claims.claims),
)


class ActionTanyaPemilu(Action):
    """Answer the latest message exactly as the Telegram bot would."""

    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reply = await CHANNEL.answer(tracker.latest_message or {})
        for message in render_reply(reply):
            dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
        return []
