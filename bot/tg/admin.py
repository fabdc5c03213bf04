"""Staff only: /siaran (write, target, preview, confirm) and the admin guard. Every action is logged."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import texts
from bot.broadcast import service, store
from bot.broadcast.provinces import PROVINCES, province_by_index
from bot.tg.context import BotContext
from bot.tg.subscriptions import province_keyboard

log = logging.getLogger(__name__)

WRITE, AUDIENCE, PROVINCES_STATE, WHEN, TIME, CONFIRM = range(6)
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


def is_admin(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.settings.admin_ids


async def log_action(context: BotContext, update: Update, action: str, detail: str = "") -> None:
    user_id = update.effective_user.id if update.effective_user else 0
    log.info("Admin action by %s: %s %s", user_id, action, detail[:80])
    await context.services.storage.run(
        functools.partial(store.log_admin, admin_id=user_id, action=action, detail=detail)
    )


def admin_only(handler: Handler) -> Handler:
    """Refuse politely (and log) anyone not in BOT_ADMIN_IDS."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        if not is_admin(update, context):
            user = update.effective_user
            log.warning("Refused admin command from user %s", user.id if user else None)
            if update.callback_query:
                await update.callback_query.answer(texts.NOT_ADMIN, show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_text(texts.NOT_ADMIN)
            return ConversationHandler.END
        return await handler(update, context)

    return guarded


def _draft(context: BotContext) -> dict[str, Any]:
    data: dict[str, Any] = context.user_data if context.user_data is not None else {}
    draft: dict[str, Any] = data.setdefault("siaran", {})
    return draft


@admin_only
async def begin(update: Update, context: BotContext) -> int:
    """/siaran: start writing an announcement."""
    _draft(context).clear()
    await log_action(context, update, "siaran_mulai")
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "📣 <b>Siaran baru</b>\nTulis pengumuman dalam satu pesan (boleh memakai tebal/miring). "
        "Batalkan kapan saja dengan /batal."
    )
    return WRITE


async def got_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None
    text = message.text_html or ""
    try:
        service.validate_text(text)
    except ValueError as exc:
        await message.reply_text(f"Pengumuman belum bisa dipakai: {exc}. Tulis ulang.")
        return WRITE
    _draft(context)["text"] = text
    await message.reply_text(
        "Kirim ke siapa?",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Semua pelanggan", callback_data="aud:all")],
                [InlineKeyboardButton("Pilih provinsi", callback_data="aud:pick")],
            ]
        ),
    )
    return AUDIENCE


async def got_audience(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if query.data == "aud:pick":
        _draft(context)["provinces"] = set()
        await query.edit_message_text(
            "Pilih provinsi (tekan lagi untuk membatalkan), lalu Selesai:",
            reply_markup=_province_picker(set()),
        )
        return PROVINCES_STATE
    _draft(context)["provinces"] = set()
    return await _ask_when(query.edit_message_text)


def _province_picker(chosen: set[int]) -> InlineKeyboardMarkup:
    return province_keyboard("adm:", frozenset(chosen), extra=[("Selesai", "adm:done")])


async def toggle_province(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    chosen: set[int] = _draft(context).setdefault("provinces", set())
    raw = (query.data or "").removeprefix("adm:")
    if raw == "done":
        if not chosen:
            await query.answer("Pilih minimal satu provinsi.", show_alert=True)
            return PROVINCES_STATE
        await query.answer()
        return await _ask_when(query.edit_message_text)
    index = int(raw) if raw.isdigit() else -1
    if province_by_index(index) is None:
        await query.answer("Tombol tidak dikenal.")
        return PROVINCES_STATE
    chosen ^= {index}
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=_province_picker(chosen))
    return PROVINCES_STATE


async def _ask_when(edit: Callable[..., Awaitable[Any]]) -> int:
    await edit(
        "Kapan dikirim?",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Kirim sekarang", callback_data="when:now")],
                [InlineKeyboardButton("Jadwalkan (WIB)", callback_data="when:later")],
            ]
        ),
    )
    return WHEN


async def got_when(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if query.data == "when:later":
        await query.edit_message_text(
            "Tulis waktu kirim dalam WIB, format <b>DD-MM-YYYY HH:MM</b>, misalnya 10-02-2027 08:00"
        )
        return TIME
    _draft(context)["when"] = None
    assert query.message is not None
    return await _preview(update, context)


async def got_time(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None
    try:
        _draft(context)["when"] = service.parse_wib(message.text or "")
    except ValueError:
        await message.reply_text("Format waktu tidak dikenali. Contoh: 10-02-2027 08:00")
        return TIME
    return await _preview(update, context)


def _as_draft(context: BotContext) -> service.Draft:
    data = _draft(context)
    provinces = tuple(PROVINCES[i] for i in sorted(data.get("provinces", set())))
    return service.Draft(data["text"], provinces, data.get("when"))


async def _preview(update: Update, context: BotContext) -> int:
    chat = update.effective_chat
    assert chat is not None
    draft = _as_draft(context)
    size = await service.audience_size(context.services.storage, draft)
    bot = context.bot
    await bot.send_message(chat.id, "👇 Pratinjau, persis seperti yang diterima warga:")
    await bot.send_message(chat.id, draft.text)
    await bot.send_message(
        chat.id,
        f"Penerima: <b>{size}</b> ({draft.audience_label()})\nWaktu: {draft.when_label()}\n\nKirim?",
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("✅ Kirim", callback_data="ok:send"),
                    InlineKeyboardButton("✖️ Batal", callback_data="ok:cancel"),
                ]
            ]
        ),
    )
    return CONFIRM


async def confirm(update: Update, context: BotContext) -> int:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    await query.answer()
    if query.data != "ok:send":
        await log_action(context, update, "siaran_batal")
        await query.edit_message_text("Siaran dibatalkan; tidak ada yang dikirim.")
        return ConversationHandler.END
    draft = _as_draft(context)
    user_id = update.effective_user.id if update.effective_user else 0
    storage = context.services.storage
    broadcast_id = await service.schedule(storage, draft, f"admin:{user_id}")
    await log_action(
        context, update, "siaran_kirim", f"#{broadcast_id} {draft.audience_label()} {draft.when_label()}"
    )
    progress = await storage.run(functools.partial(store.progress, broadcast_id=broadcast_id))
    status = await query.edit_message_text(service.progress_text(progress))
    if hasattr(status, "message_id"):
        await storage.run(
            functools.partial(
                store.set_status_message,
                broadcast_id=broadcast_id,
                chat_id=chat.id,
                message_id=status.message_id,
            )
        )
    context.services.engine.wake.set()
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """/batal: leave the broadcast flow."""
    _draft(context).clear()
    if update.effective_message:
        await update.effective_message.reply_text("Dibatalkan.")
    return ConversationHandler.END


def broadcast_conversation() -> ConversationHandler[BotContext]:
    """The /siaran flow, for admins only."""
    with warnings.catch_warnings():  # per_message=False is intended: the flow is per admin, not per message
        warnings.simplefilter("ignore", PTBUserWarning)
        return _conversation()


def _conversation() -> ConversationHandler[BotContext]:
    return ConversationHandler(
        entry_points=[CommandHandler("siaran", begin)],
        states={
            WRITE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_text)],
            AUDIENCE: [CallbackQueryHandler(admin_only(got_audience), pattern=r"^aud:")],
            PROVINCES_STATE: [CallbackQueryHandler(admin_only(toggle_province), pattern=r"^adm:")],
            WHEN: [CallbackQueryHandler(admin_only(got_when), pattern=r"^when:")],
            TIME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_time)],
            CONFIRM: [CallbackQueryHandler(admin_only(confirm), pattern=r"^ok:")],
        },
        fallbacks=[CommandHandler("batal", cancel)],
    )
