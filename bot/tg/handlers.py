"""Thin handlers: parse the update, ask the conversation, send the reply."""

from __future__ import annotations

import html
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.claims.publisher import describe_publish as describe_claims_publish
from bot.conversation import CALLBACK_PREFIX, FEEDBACK_PREFIX
from bot.faq.publisher import describe_publish
from bot.tg.context import BotContext
from bot.tg.replies import send_reply

log = logging.getLogger(__name__)


async def flood_gate(update: Update, context: BotContext) -> None:
    """Runs before every handler: slow down users sending more than 20 messages a minute."""
    user = update.effective_user
    if user is None or update.callback_query is not None:
        return
    if user.id in context.services.settings.admin_ids:
        return
    verdict = context.services.flood.check(user.id)
    if verdict == "ok":
        return
    if verdict == "warn" and update.effective_message is not None:
        log.info("Flood control: user %s is over the limit", user.id)
        await update.effective_message.reply_text(texts.SLOW_DOWN)
    raise ApplicationHandlerStop


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
    chat = update.effective_chat
    if message is None or not message.text or chat is None:
        return
    text = message.text
    if chat.type != "private":  # in groups, answer only when mentioned
        mention = f"@{context.bot.username}"
        if mention.lower() not in text.lower():
            return
        text = text.replace(mention, " ").strip() or "bantuan"
    await _remember_chat(update, context)
    reply = await context.services.conversation.answer_text(text)  # limited mode if Rasa is down
    await send_reply(message, reply)


async def button(update: Update, context: BotContext) -> None:
    """A topic button: answer that entry."""
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""
    conversation = context.services.conversation
    message = query.message if isinstance(query.message, Message) else None
    if data.startswith(FEEDBACK_PREFIX):
        stored = await conversation.feedback(data)
        await query.answer(texts.FEEDBACK_THANKS if stored else None)
        if stored and message is not None:
            await message.edit_reply_markup(reply_markup=None)
        return
    await query.answer()
    if not data.startswith(CALLBACK_PREFIX) or message is None:
        return
    reply = await conversation.answer_button(data.removeprefix(CALLBACK_PREFIX))
    await send_reply(message, reply)


async def inline_query(update: Update, context: BotContext) -> None:
    """@bot in another chat: no inline answers (sources and buttons need a private chat), so answer
    with no results and one button that opens the private chat; Telegram shows it above the list."""
    query = update.inline_query
    if query is None:
        return
    await query.answer(
        [],
        cache_time=3600,
        button=InlineQueryResultsButton(text=texts.INLINE_HINT, start_parameter="inline"),
    )


async def reload_faq(update: Update, context: BotContext) -> None:
    """/muatulang (admins only): publish the FAQ files now and say what changed."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if user.id not in context.services.settings.admin_ids:
        log.warning("Refused /muatulang from non-admin user %s", user.id)
        await message.reply_text(texts.NOT_ADMIN)
        return
    log.info("Admin %s asked to reload the FAQ", user.id)
    outcome = await context.services.publisher.publish(by=f"admin:{user.id}")
    await message.reply_text(html.escape(describe_publish(outcome)))
    if context.services.claim_publisher is not None:  # the Cek Hoaks claim files too
        claims = await context.services.claim_publisher.publish(by=f"admin:{user.id}")
        await message.reply_text(html.escape(describe_claims_publish(claims)))


async def delete_my_data(update: Update, context: BotContext) -> None:
    """/hapusdata: ask for confirmation before deleting everything stored about this chat."""
    if update.effective_message is None:
        return
    await update.effective_message.reply_text(
        texts.DELETE_ASK,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Ya, hapus data saya", callback_data="hapus:ya"),
                    InlineKeyboardButton("Batal", callback_data="hapus:batal"),
                ]
            ]
        ),
    )


async def confirm_delete(update: Update, context: BotContext) -> None:
    """The /hapusdata confirmation buttons."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    await query.answer()
    if query.data != "hapus:ya":
        await query.edit_message_text("Dibatalkan; data Anda tidak diubah.")
        return
    removed = await context.services.storage.delete_chat(chat.id)
    log.info("Deleted the data of one chat on request (%d rows)", removed)
    await query.edit_message_text(texts.DELETE_DONE)


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, voice notes, files: say that only text is read."""
    chat = update.effective_chat
    if update.effective_message is None or chat is None or chat.type != "private":
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
