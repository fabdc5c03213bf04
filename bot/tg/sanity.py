"""The door every update passes first: refuse updates whose key fields have impossible types.

Telegram never sends them, but python-telegram-bot parses what it is given without checking types
(a chat id that is a list, a text that is a number), and its handlers, even its own bookkeeping,
would then fail. The webhook refuses them with 400 (:func:`parse_update`); a handler in group -2
drops any that reach the Application another way. Checking once keeps every handler simple.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.tg.context import BotContext

log = logging.getLogger(__name__)


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _opt_str(value: object) -> bool:
    return value is None or isinstance(value, str)


def problem(update: Update) -> str | None:
    """What is impossible about this update, or None if its key fields have the right types."""
    if not _int(update.update_id):
        return "update_id"
    chat = update.effective_chat
    if chat is not None and (not _int(chat.id) or not isinstance(chat.type, str)):
        return "chat"
    user = update.effective_user
    if user is not None and not _int(user.id):
        return "from"
    query = update.callback_query
    if query is not None and (not isinstance(query.id, str) or not _opt_str(query.data)):
        return "callback_query"
    inline = update.inline_query
    if inline is not None and (not isinstance(inline.id, str) or not isinstance(inline.query, str)):
        return "inline_query"
    messages: list[Any] = [update.effective_message]
    if query is not None:
        messages.append(query.message)
    for message in messages:
        if message is None:
            continue
        if not isinstance(message, Message) or not _int(message.message_id):
            return "message"
        if not _opt_str(message.text) or not _opt_str(message.caption):
            return "text"
        for entity in (*message.entities, *message.caption_entities):
            if not (_int(entity.offset) and _int(entity.length) and isinstance(entity.type, str)):
                return "entities"
        if message.chat is None or not _int(message.chat.id):  # Telegram always sends the chat
            return "chat"
    return None


class MalformedUpdate(ValueError):
    """JSON that is not an update the bot could handle."""


def parse_update(data: object, bot: Any) -> Update:
    """The webhook's door: a JSON value to an :class:`Update`, or :class:`MalformedUpdate`."""
    if not isinstance(data, dict):
        raise MalformedUpdate("an update must be a JSON object")
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:  # python-telegram-bot raises whatever the bad field provokes
        raise MalformedUpdate(f"unparsable ({type(exc).__name__})") from exc
    what = problem(update)
    if what is not None:
        raise MalformedUpdate(f"bad {what}")
    return update


async def drop_malformed(update: object, context: BotContext) -> None:
    """Group -2 handler: stop an impossible update before any other handler sees it."""
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    what = problem(update)
    if what is not None:
        log.warning("Dropped a malformed update (bad %s)", what)
        raise ApplicationHandlerStop
