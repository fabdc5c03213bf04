"""Thin handlers: parse the update, ask the conversation, send the reply."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.conversation import CALLBACK_PREFIX
from bot.rasa_client import RasaUnavailable
from bot.tg.context import BotContext
from bot.tg.replies import send_reply

log = logging.getLogger(__name__)

RASA_DOWN = (
    "Maaf, layanan pemahaman bahasa sedang tidak tersedia. Silakan coba lagi sebentar lagi, "
    "atau pilih topik lewat /start."
)


async def start(update: Update, context: BotContext) -> None:
    """/start: greet and offer topics."""
    if update.effective_message is None:
        return
    await _remember_chat(update, context)
    user = update.effective_user
    reply = context.services.conversation.start(user.first_name if user else None)
    await send_reply(update.effective_message, reply)


async def help_command(update: Update, context: BotContext) -> None:
    """/bantuan: how to use the bot."""
    if update.effective_message is None:
        return
    await send_reply(update.effective_message, context.services.conversation.help())


async def question(update: Update, context: BotContext) -> None:
    """A text message: understand it and answer."""
    message = update.effective_message
    if message is None or not message.text:
        return
    await _remember_chat(update, context)
    try:
        reply = await context.services.conversation.answer_text(message.text)
    except RasaUnavailable as exc:
        log.warning("Rasa unavailable: %s", exc)
        await message.reply_text(RASA_DOWN)
        return
    await send_reply(message, reply)


async def button(update: Update, context: BotContext) -> None:
    """A topic button: answer that entry."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    data = query.data or ""
    if not data.startswith(CALLBACK_PREFIX) or query.message is None:
        return
    reply = context.services.conversation.answer_entry(data.removeprefix(CALLBACK_PREFIX))
    message = query.message
    if hasattr(message, "reply_text"):
        await send_reply(message, reply)  # type: ignore[arg-type]


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, voice notes, files: say that only text is read."""
    if update.effective_message is None:
        return
    await update.effective_message.reply_text(texts.NOT_TEXT)


async def error(update: object, context: BotContext) -> None:
    """Log errors without the update's text; Telegram errors do not stop the bot."""
    exc = context.error
    if isinstance(exc, TelegramError):
        log.warning("Telegram error: %s", exc)
    else:
        log.error("Unhandled error while handling an update", exc_info=exc)


async def _remember_chat(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    try:
        await context.services.storage.touch_chat(chat.id)
    except Exception:
        log.exception("Could not store the chat")
