"""Build the python-telegram-bot Application: wiring only, no business logic."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.tg import admin, claims, handlers, sanity, subscriptions
from bot.tg.context import BotContext, Services
from bot.tg.inbox import DurableUpdateQueue
from bot.tg.ordering import PerChatUpdateProcessor

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256
"""Updates handled at once (from different chats); the rest wait in arrival order."""


def build_application(services: Services) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, talking to ``settings.telegram_api_base_url``, with every handler registered.

    Polling uses PTB's Updater; webhook mode (WEBHOOK_URL set) has no Updater: our own server
    (:mod:`bot.tg.webhook`) puts updates on ``application.update_queue``.
    """
    settings = services.settings
    api = settings.telegram_api_base_url
    inbox = DurableUpdateQueue(services.storage)
    builder = ApplicationBuilder().update_queue(inbox)
    if settings.webhook_url:
        builder = builder.updater(None)
    application = (
        builder.token(settings.telegram_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        # Many updates may wait at once (for their chat's turn, or for the send budget); one chat's
        # updates never run together. The limiter keeps at most 20 requests in flight, so the
        # 24 connections never run out (httpcore scans every pooled connection per request: more
        # connections only lengthen the tail, bench/telegram_compare).
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES, on_done=inbox.done))
        .rate_limiter(services.outbound)
        .connection_pool_size(24)
        .get_updates_read_timeout(settings.poll_timeout + settings.poll_read_slack)
        .build()
    )
    application.bot_data["services"] = services
    application.add_handler(TypeHandler(object, sanity.drop_malformed), group=-2)
    application.add_handler(TypeHandler(Update, handlers.flood_gate), group=-1)
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("hapusdata", handlers.delete_my_data))
    application.add_handler(CallbackQueryHandler(handlers.confirm_delete, pattern=r"^hapus:"))
    application.add_handler(CommandHandler(["bantuan", "help"], handlers.help_command))
    application.add_handler(CommandHandler("muatulang", handlers.reload_faq))
    application.add_handler(admin.broadcast_conversation())
    application.add_handler(CommandHandler("langganan", subscriptions.subscribe))
    application.add_handler(CommandHandler("berhenti", subscriptions.unsubscribe))
    application.add_handler(CommandHandler("status", subscriptions.status))
    application.add_handler(CallbackQueryHandler(subscriptions.choose_province, pattern=r"^prov:"))
    claims.register(application)  # forwards, captions, /cekhoaks: before the text and media handlers
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    # New messages only: edits and channel posts are ignored on purpose (no double answers).
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, handlers.question)
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE
            & (
                filters.PHOTO
                | filters.Sticker.ALL
                | filters.VOICE
                | filters.AUDIO
                | filters.Document.ALL
                | filters.VIDEO
                | filters.VIDEO_NOTE
                | filters.LOCATION
                | filters.CONTACT
                | filters.ANIMATION
            ),
            handlers.not_text,
        )
    )
    application.add_error_handler(handlers.error)
    return application


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu users see; a failure is logged, not fatal (the bot works without it)."""
    try:
        await application.bot.set_my_commands([BotCommand(name, desc) for name, desc in texts.COMMANDS])
    except TelegramError as exc:
        log.warning("Could not set the command menu: %s", exc)
