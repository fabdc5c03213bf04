"""Cek Hoaks on Telegram: forwards, captions, /cekhoaks and the claim buttons. Thin handlers:
parse the update, ask :class:`~bot.claims.checker.ClaimChecker`, send its reply."""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.claims import protocol
from bot.claims.checker import ClaimChecker
from bot.conversation import Reply
from bot.tg.context import BotContext
from bot.tg.outbound import BACKGROUND
from bot.tg.replies import keyboard, send_reply

log = logging.getLogger(__name__)

COMMAND = "cekhoaks"
MAX_FORWARD_LENGTH = 4096
"""Forwards are checked whole, up to Telegram's message limit (typed questions keep their 500 cap)."""

FORWARDED = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & filters.FORWARDED
    & (filters.TEXT | filters.CAPTION)
)
CAPTIONED = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & filters.CAPTION
    & (filters.PHOTO | filters.VIDEO | filters.ANIMATION | filters.Document.ALL)
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the Cek Hoaks handlers (call before the general text and media handlers) and connect
    the follow-up notifications to this bot."""
    services = application.bot_data["services"]
    if services.claims is not None:
        services.claims.send = functools.partial(send_background, application.bot)
    application.add_handler(CommandHandler(COMMAND, check_command))
    application.add_handler(CallbackQueryHandler(claim_button, pattern=protocol.PATTERN))
    application.add_handler(MessageHandler(FORWARDED, check_forward))
    application.add_handler(MessageHandler(CAPTIONED, check_forward))


def _checker(context: BotContext) -> ClaimChecker | None:
    return context.services.claims


def _content(message: Message) -> str:
    return (message.text or message.caption or "")[:MAX_FORWARD_LENGTH]


async def check_forward(update: Update, context: BotContext) -> None:
    """A forwarded message, or a photo/video with a caption: check its text against the claims."""
    message, checker = update.effective_message, _checker(context)
    if message is None or checker is None:
        return
    await send_reply(message, await checker.check(_content(message)))


async def check_command(update: Update, context: BotContext) -> None:
    """/cekhoaks <teks>, or /cekhoaks as a reply to the message to check."""
    message, checker = update.effective_message, _checker(context)
    if message is None or checker is None:
        return
    text = " ".join(context.args or [])
    if not text and message.reply_to_message is not None:
        text = _content(message.reply_to_message)
    await send_reply(message, await checker.check(text))


async def claim_button(update: Update, context: BotContext) -> None:
    """A claim suggestion, a 👍/👎 on a verdict, or "Beri tahu saya bila sudah dicek"."""
    query, checker = update.callback_query, _checker(context)
    if query is None or checker is None:
        return
    action = protocol.decode(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if isinstance(action, protocol.Show):
        await query.answer()
        if message is not None:
            await send_reply(message, checker.verdict(action.claim_id))
    elif isinstance(action, protocol.Feedback):
        stored = await checker.feedback(action)
        await query.answer("Terima kasih atas masukannya!" if stored else None)
        if stored and message is not None:
            await message.edit_reply_markup(reply_markup=None)
    elif isinstance(action, protocol.Notify) and update.effective_chat is not None:
        note = await checker.watch(action, update.effective_chat.id)
        await query.answer()
        if message is not None:
            await message.reply_text(note)
    else:
        await query.answer()


async def send_background(bot: ExtBot[Any], chat_id: int, reply: Reply) -> None:
    """A reply nobody is waiting for (a later notification): the limiter's background lane."""
    last = len(reply.messages) - 1
    for index, text in enumerate(reply.messages):
        await bot.send_message(
            chat_id,
            text,
            reply_markup=keyboard(reply.buttons) if index == last else None,
            rate_limit_args=BACKGROUND,
        )
