"""What the bot says to a message: the one place that turns understanding into a reply.

Used by the Telegram handlers, the terminal chat and the web chat's Rasa custom action
(``actions/``) alike, so every channel gives the same answers. Replies are Telegram HTML; the web
channel turns them into the widget's Markdown (:mod:`bot.web.render`). Channels differ only where a
feature does not exist on one of them (commands, "notify me later"): ``channel`` says which.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot import texts
from bot.degraded import FuzzyMatcher
from bot.faq.model import Faq
from bot.faq.render import render_messages
from bot.faq.telegram_html import split_html
from bot.faq.timeline import today_wib
from bot.language import detect_language
from bot.nlu.training_data import FALLBACK_INTENT
from bot.rasa_client import Parse, RasaClient, RasaUnavailable
from bot.storage import Storage

if TYPE_CHECKING:
    from bot.claims.checker import ClaimChecker

log = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 500
MAX_PASTED_LENGTH = 4096
"""A text pasted into the web chat is checked as a chain message up to this length (a Telegram message's)."""
OFF_TOPIC_INTENT = "di_luar_topik"
CLAIM_INTENT = "cek_klaim"  # "bener gak …", "hoax ya …": a question about a specific claim
START_TOPICS = (
    "tanggal_pemilu",
    "pemilu_serentak",
    "cek_dpt",
    "dokumen_dibawa",
    "pindah_memilih_cara",
    "kenali_hoaks",
)
CALLBACK_PREFIX = "faq:"
FEEDBACK_PREFIX = "fb:"
START_DATA = "start"
"""Button data of the greeting (the web chat sends it when a conversation opens)."""
TELEGRAM = "telegram"
WEB = "web"


@dataclass(frozen=True)
class Button:
    """An inline keyboard button that answers one FAQ entry."""

    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """Messages to send (HTML), the buttons under the last one, and what happened."""

    messages: list[str]
    buttons: list[Button] = field(default_factory=list)
    kind: str = "answer"
    entry_id: str | None = None


class Conversation:
    """Answers citizens from the FAQ, using Rasa to understand them."""

    def __init__(
        self,
        faq: Callable[[], Faq],
        rasa: RasaClient | None,
        storage: Storage | None = None,
        clock: Callable[[], date] = today_wib,
        channel: str = TELEGRAM,
    ) -> None:
        self._faq = faq
        self.rasa = rasa  # None where Rasa has already parsed the message (the web chat's action)
        self.storage = storage
        self.clock = clock
        self.channel = channel
        self._matcher: FuzzyMatcher | None = None
        self.claims: ClaimChecker | None = None  # Cek Hoaks, set by the wiring

    @property
    def faq(self) -> Faq:
        return self._faq()

    def topic_buttons(self, entry_ids: list[str] | tuple[str, ...]) -> list[Button]:
        """Buttons for the entries that exist, in order."""
        faq = self.faq
        return [
            Button(entry.title, CALLBACK_PREFIX + entry.id)
            for entry in (faq.get(i) for i in entry_ids)
            if entry is not None
        ]

    def start(self, first_name: str | None) -> Reply:
        """The /start greeting with topic buttons."""
        name = html.escape(first_name or "Sobat Pemilih")
        return Reply([texts.START.format(name=name)], self.topic_buttons(START_TOPICS), "start")

    def help(self) -> Reply:
        text = texts.HELP_WEB if self.channel == WEB else texts.HELP
        return Reply([text], self.topic_buttons(START_TOPICS), "help")

    def not_text(self) -> Reply:
        return Reply([texts.NOT_TEXT], [], "not_text")

    def answer_entry(self, entry_id: str, lang: str = "id") -> Reply:
        """The rendered answer of one entry (a button press or a recognised question)."""
        entry = self.faq.get(entry_id)
        if entry is None:
            return Reply([texts.UNKNOWN_BUTTON], [], "unknown_button")
        feedback = [
            Button(texts.FEEDBACK_YES, f"{FEEDBACK_PREFIX}{entry.id}:1"),
            Button(texts.FEEDBACK_NO, f"{FEEDBACK_PREFIX}{entry.id}:0"),
        ]
        return Reply(render_messages(entry, self.clock(), lang), feedback, "answer", entry.id)

    async def answer_button(self, entry_id: str) -> Reply:
        """A topic button was pressed: answer that entry and count it."""
        reply = self.answer_entry(entry_id)
        await self._count(reply)
        return reply

    async def feedback(self, data: str) -> bool:
        """Store a 👍/👎 from its button data; False if the data is not a valid vote."""
        entry_id, _, vote = data.removeprefix(FEEDBACK_PREFIX).rpartition(":")
        if entry_id not in self.faq or vote not in ("0", "1") or self.storage is None:
            return False
        await self.storage.record_feedback(entry_id, vote == "1")
        return True

    async def press(self, data: str) -> Reply | None:
        """A button of any reply was pressed (callback data, or the web chat's payload): the reply to
        show, or None when the press needs no new message (unknown data)."""
        if data == START_DATA:
            return self.start(None)
        if data.startswith(CALLBACK_PREFIX):
            return await self.answer_button(data.removeprefix(CALLBACK_PREFIX))
        if data.startswith(FEEDBACK_PREFIX):
            stored = await self.feedback(data)
            return Reply([texts.FEEDBACK_THANKS], [], "feedback") if stored else None
        if self.claims is not None:
            return await self.claims.press(data)
        return None

    async def answer_text(self, text: str) -> Reply:
        """Understand a citizen's message and answer it."""
        text = " ".join(text.split())
        if len(text) > MAX_QUESTION_LENGTH:
            return await self._long_text(text)
        if self.rasa is None:
            raise RuntimeError("this conversation has no Rasa client; use answer_parsed")
        try:
            parse = await self.rasa.parse(text)
        except RasaUnavailable as exc:
            log.warning("Limited mode (Rasa unavailable): %s", exc)
            reply = self.limited_mode(text)
        else:
            reply = await self.reply_for(parse, text)
        await self._count(reply)
        return reply

    async def answer_parsed(self, text: str, parse: Parse) -> Reply:
        """Answer a message Rasa has already understood (the web chat's custom action): the same
        length rule, decision and counting as :meth:`answer_text`."""
        text = " ".join(text.split())
        if len(text) > MAX_QUESTION_LENGTH:
            return await self._long_text(text)
        reply = await self.reply_for(parse, text)
        await self._count(reply)
        return reply

    async def _long_text(self, text: str) -> Reply:
        """A message over MAX_QUESTION_LENGTH: refused on Telegram (forwards are checked elsewhere);
        on the web, which has no forwarding, a long pasted text is a chain message to check."""
        if self.channel == WEB and self.claims is not None:
            return await self.claims.check(text[:MAX_PASTED_LENGTH], can_notify=False)
        return Reply([texts.TOO_LONG], [], "too_long")

    def limited_mode(self, text: str) -> Reply:
        """Answer from fuzzy matching while Rasa is down, saying so."""
        faq = self.faq
        if self._matcher is None or self._matcher.faq is not faq:
            self._matcher = FuzzyMatcher(faq)
        match = self._matcher.best(text)
        if match is None:
            buttons = self.topic_buttons(self._matcher.likely(text) or list(START_TOPICS[:3]))
            return Reply([texts.LIMITED_MODE_NO_MATCH], buttons, "fallback")
        reply = self.answer_entry(match.entry_id, detect_language(text))
        # One message where it fits: a chat gets one message a second, so a separate note would
        # hold the answer back.
        first = split_html(f"{texts.LIMITED_MODE_NOTE}\n\n{reply.messages[0]}")
        messages = (
            [*first, *reply.messages[1:]] if len(first) == 1 else [texts.LIMITED_MODE_NOTE, *reply.messages]
        )
        return Reply(messages, reply.buttons, "answer", reply.entry_id)

    async def _count(self, reply: Reply) -> None:
        if reply.kind != "answer" or reply.entry_id is None or self.storage is None:
            return
        try:
            await self.storage.count_answer(reply.entry_id)
        except Exception:
            log.exception("Could not count an answer")

    async def reply_for(self, parse: Parse, text: str) -> Reply:
        """Turn what Rasa understood into a reply."""
        intent = parse.intent.name
        if intent == CLAIM_INTENT and self.claims is not None:
            return await self.claims.check(text, can_notify=self.channel == TELEGRAM)
        if intent in self.faq:
            return self.answer_entry(intent, detect_language(text))
        if intent == "sapa":
            return Reply([texts.GREETING], self.topic_buttons(START_TOPICS), "greet")
        if intent == "terima_kasih":
            return Reply([texts.THANKS], [], "thanks")
        if intent == "bantuan":
            return self.help()
        top = next((i for i in parse.ranking if i.name != FALLBACK_INTENT), None)
        if intent == OFF_TOPIC_INTENT or (top is not None and top.name == OFF_TOPIC_INTENT):
            await self._log_unanswered(text, "di_luar_topik", top)
            return Reply([texts.OFF_TOPIC], self.topic_buttons(START_TOPICS[:3]), "off_topic")
        likely = [i.name for i in parse.ranking if i.name in self.faq][:3]
        await self._log_unanswered(text, "tidak_yakin", top)
        return Reply([texts.LOW_CONFIDENCE], self.topic_buttons(likely or START_TOPICS[:3]), "fallback")

    async def _log_unanswered(self, text: str, reason: str, top: object) -> None:
        if self.storage is None:
            return
        name = getattr(top, "name", None)
        confidence = getattr(top, "confidence", None)
        try:
            await self.storage.log_unanswered(text, reason, name, confidence)
        except Exception:  # never lose the reply because of a logging failure
            log.exception("Could not store an unanswered question")
