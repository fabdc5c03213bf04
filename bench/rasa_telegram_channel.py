"""Rasa's own Telegram channel, pointed at a Bot API server other than api.telegram.org.

Loaded by ``rasa run`` (in .venv-rasa, never by the bot) from a credentials file such as::

    bench.rasa_telegram_channel.FakeApiTelegramInput:
      access_token: "999:BENCH"
      verify: "tanya_pemilu_bot"
      webhook_url: "http://127.0.0.1:5005/webhooks/telegram/webhook"
      api_base_url: "http://127.0.0.1:8081"

Only the Bot API address changes: aiogram's ``Bot`` gets ``server=TelegramAPIServer.from_base(url)``.
Everything else (webhook route, setWebhook at start, getMe per update, splitting replies on blank
lines, one sendMessage per part) is Rasa 3.6's ``rasa.core.channels.telegram`` unchanged, apart from
the start-up fix described in ``get_output_channel``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException


class FakeApiTelegramOutput(TelegramOutput):
    """Rasa's Telegram output channel talking to ``api_base_url``."""

    def __init__(self, access_token: str | None, api_base_url: str) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_base_url))


class FakeApiTelegramInput(TelegramInput):
    """Rasa's Telegram input channel whose output goes to ``api_base_url``."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FakeApiTelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        token, verify = credentials.get("access_token"), credentials.get("verify")
        channel = cls(token, verify, credentials.get("webhook_url"))
        channel.api_base_url = str(credentials["api_base_url"])
        return channel

    def get_output_channel(self) -> TelegramOutput:
        """The output channel, after registering the webhook as Rasa's channel does at start.

        One fix: Rasa calls setWebhook inside ``asyncio.run``, so aiogram's HTTP session belongs to a
        loop that is closed by the time Sanic serves, and the first reply fails with "Event loop is
        closed" (Rasa 3.6.21, aiogram 2.15). Closing that session here lets aiogram open a new one in
        Sanic's loop on the first request.
        """
        output = FakeApiTelegramOutput(self.access_token, self.api_base_url)

        async def register() -> None:
            try:
                await output.set_webhook(url=self.webhook_url)
            finally:
                await output.session.close()

        try:
            asyncio.run(register())
        except TelegramAPIError as error:
            raise RasaException(f"setWebhook failed: {error}") from error
        return output
