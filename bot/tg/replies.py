"""Send a :class:`~bot.conversation.Reply` to Telegram."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.conversation import Button, Reply


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """One button per row: labels stay readable on phones."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)] for b in buttons])


async def send_reply(message: Message, reply: Reply) -> None:
    """Send every part of the reply; the buttons go under the last part."""
    last = len(reply.messages) - 1
    for index, text in enumerate(reply.messages):
        markup = keyboard(reply.buttons) if index == last else None
        await message.reply_text(text, reply_markup=markup)
