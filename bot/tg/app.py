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
from bot.tg import admin, handlers, sanity, subscriptions
from bot.tg.context import BotContext, Services

log = logging.getLogger(__name__)


def build_application(services: Services) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, talking to ``settings.telegram_api_base_url``, with every handler registered.

    Polling uses PTB's Updater; webhook mode (WEBHOOK_URL set) has no Updater: our own server
    (:mod:`bot.tg.webhook`) puts updates on ``application.update_queue``.
    """
    settings = services.settings
    api = settings.telegram_api_base_url
    builder = ApplicationBuilder()
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
        # 16 updates at a time: enough to keep Rasa and both cores busy. More only lengthens the tail
        # (httpcore scans every pooled connection per request): at 50 busy chats p95 was ~400 ms with
        # 64/64 and ~300 ms with 16/24 (bench/telegram_compare). 24 connections leave room for the
        # broadcast engine and status edits next to the replies.
        .concurrent_updates(16)
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
