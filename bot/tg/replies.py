"""Send a :class:`~bot.conversation.Reply` to Telegram."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.conversation import FEEDBACK_PREFIX, Button, Reply


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """Topic buttons one per row (labels stay readable on phones); 👍/👎 side by side."""
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        item = InlineKeyboardButton(button.label, callback_data=button.data)
        if (
            button.data.startswith(FEEDBACK_PREFIX)
            and rows
            and rows[-1][0].callback_data
            and str(rows[-1][0].callback_data).startswith(FEEDBACK_PREFIX)
        ):
            rows[-1].append(item)
        else:
            rows.append([item])
    return InlineKeyboardMarkup(rows)


async def send_reply(message: Message, reply: Reply) -> None:
    """Send every part of the reply; the buttons go under the last part."""
    last = len(reply.messages) - 1
    for index, text in enumerate(reply.messages):
        markup = keyboard(reply.buttons) if index == last else None
        await message.reply_text(text, reply_markup=markup)
