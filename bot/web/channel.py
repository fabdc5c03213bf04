"""The web chat's side of the conversation, for the Rasa custom action in ``actions/``.

Rasa has already understood the message (the web chat's message goes through Rasa's socket.io
channel, its rules run ``action_tanya_pemilu``); this module gives that understanding to the same
:class:`~bot.conversation.Conversation` the Telegram bot uses, with the same FAQ and claim files,
the same database (unanswered questions, answer counts, 👍/👎, the Cek Hoaks queue) and the same
time-aware rendering. It follows staff edits: a valid edit of ``responses/`` is served from the
next message on, an invalid one is refused and the last good files keep serving (the bot itself
tells the staff what is wrong). No Rasa SDK import here, so the bot's tests can use it directly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot import texts
from bot.claims.checker import ClaimChecker
from bot.claims.loader import ClaimError
from bot.claims.store import ClaimStore
from bot.config import Settings
from bot.conversation import WEB, Conversation, Reply
from bot.faq.loader import FaqError
from bot.faq.publisher import snapshot
from bot.faq.store import FaqStore
from bot.faq.timeline import today_wib
from bot.nlu.training_data import BUTTON_ENTITY, BUTTON_INTENT
from bot.rasa_client import Parse
from bot.storage import Storage

log = logging.getLogger(__name__)

FOLLOW_INTERVAL = 0.5
"""Seconds between two looks at the files' modification times."""


class WebChannel:
    """Answers the web chat's messages as Rasa parsed them; one per action-server process."""

    def __init__(self, settings: Settings, clock: Callable[[], date] = today_wib) -> None:
        self.faq = FaqStore(settings.responses_dir)
        self.claims = ClaimStore.for_responses(settings.responses_dir)
        self.storage = Storage(settings.database_path)
        self.conversation = Conversation(self.faq, None, self.storage, clock, channel=WEB)
        self.conversation.claims = ClaimChecker(self.claims, self.storage, self.faq)
        self._seen = {d: snapshot(d) for d in (self.faq.directory, self.claims.directory)}
        self._looked = time.monotonic()
        self._lock = asyncio.Lock()

    def close(self) -> None:
        self.storage.close()

    async def follow_files(self) -> None:
        """Serve a valid edit of the FAQ or claim files; keep the last good ones after a bad edit."""
        if time.monotonic() - self._looked < FOLLOW_INTERVAL:
            return
        async with self._lock:
            self._looked = time.monotonic()
            await self._follow("FAQ", self.faq.directory, self._reload_faq)
            await self._follow("Claims", self.claims.directory, self._reload_claims)

    async def _follow(self, what: str, directory: Path, reload: Callable[[], None]) -> None:
        now = snapshot(directory)
        if now == self._seen.get(directory):
            return
        self._seen[directory] = now
        try:
            await asyncio.to_thread(reload)
            log.info("%s reloaded for the web chat", what)
        except (FaqError, ClaimError) as exc:
            log.warning(
                "%s edit refused (%d problems); the last good files keep serving", what, len(exc.problems)
            )

    def _reload_faq(self) -> None:
        self.faq.current = self.faq.load()

    def _reload_claims(self) -> None:
        self.claims.served = self.claims.load()

    async def answer(self, message: dict[str, Any]) -> Reply:
        """The reply to one message, given as Rasa's ``latest_message`` (text, intent, ranking,
        entities). A web button arrives as the ``tombol`` intent carrying Telegram's button data."""
        await self.follow_files()
        intent = (message.get("intent") or {}).get("name")
        if intent == BUTTON_INTENT:
            data = next(
                (
                    str(e.get("value"))
                    for e in message.get("entities") or []
                    if e.get("entity") == BUTTON_ENTITY and e.get("value")
                ),
                "",
            )
            reply = await self.conversation.press(data) if data else None
            return reply or Reply([texts.UNKNOWN_BUTTON], [], "unknown_button")
        text = str(message.get("text") or "")
        if not text.strip():
            return self.conversation.help()
        return await self.conversation.answer_parsed(text, Parse.from_json(message))
