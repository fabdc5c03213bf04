"""Citizens: /langganan, /berhenti, /status, and the province buttons."""

from __future__ import annotations

import functools

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.broadcast import store
from bot.broadcast.provinces import PROVINCES, province_by_index
from bot.tg.context import BotContext

PROVINCE_PREFIX = "prov:"


def province_keyboard(
    prefix: str = PROVINCE_PREFIX,
    chosen: frozenset[int] = frozenset(),
    extra: list[tuple[str, str]] | None = None,
) -> InlineKeyboardMarkup:
    """38 provinces, two per row; ``chosen`` ones ticked."""
    buttons = [
        InlineKeyboardButton(("✓ " if i in chosen else "") + name, callback_data=f"{prefix}{i}")
        for i, name in enumerate(PROVINCES)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    for label, data in extra or []:
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(rows)


async def subscribe(update: Update, context: BotContext) -> None:
    """/langganan: opt in to announcements, then optionally pick a province."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    await context.services.storage.run(functools.partial(store.subscribe, chat_id=chat.id))
    await message.reply_text(
        "✅ Anda berlangganan pengumuman Pemilu dari Diskominfo. Berhenti kapan saja dengan /berhenti.\n\n"
        "Pilih provinsi Anda agar juga menerima pengumuman daerah (boleh dilewati):",
        reply_markup=province_keyboard(
            extra=[("Lewati (hanya pengumuman nasional)", f"{PROVINCE_PREFIX}-1")]
        ),
    )


async def choose_province(update: Update, context: BotContext) -> None:
    """A province button under /langganan."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    raw = (query.data or "").removeprefix(PROVINCE_PREFIX)
    index = int(raw) if raw.lstrip("-").isdigit() else -2
    province = province_by_index(index)
    if province is None and index != -1:
        await query.answer("Tombol tidak dikenal.")
        return
    storage = context.services.storage
    if await storage.run(functools.partial(store.subscription, chat_id=chat.id)) is None:
        await query.answer("Ketik /langganan dulu.")
        return
    await storage.run(functools.partial(store.subscribe, chat_id=chat.id, province=province))
    await query.answer()
    where = f"provinsi <b>{province}</b> dan nasional" if province else "nasional"
    await query.edit_message_text(f"✅ Tercatat: Anda menerima pengumuman {where}. Berhenti: /berhenti")


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/berhenti: opt out."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    was = await context.services.storage.run(functools.partial(store.unsubscribe, chat_id=chat.id))
    await message.reply_text(
        "Anda berhenti berlangganan pengumuman. Berlangganan lagi kapan saja dengan /langganan."
        if was
        else "Anda memang tidak sedang berlangganan. Berlangganan: /langganan"
    )


async def status(update: Update, context: BotContext) -> None:
    """/status: what this chat is subscribed to."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    row = await context.services.storage.run(functools.partial(store.subscription, chat_id=chat.id))
    if row is None or not row["active"]:
        await message.reply_text("Anda belum berlangganan pengumuman. Berlangganan: /langganan")
        return
    where = f"nasional dan provinsi <b>{row['province']}</b>" if row["province"] else "nasional"
    await message.reply_text(
        f"Anda berlangganan pengumuman {where}. Ganti provinsi: /langganan · Berhenti: /berhenti"
    )
