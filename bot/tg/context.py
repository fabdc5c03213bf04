"""Long-lived services reached from handlers through a typed context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.action_server import ActionServer
from bot.broadcast.engine import BroadcastEngine
from bot.claims.checker import ClaimChecker
from bot.claims.publisher import ClaimPublisher
from bot.config import Settings
from bot.conversation import Conversation
from bot.faq.publisher import FaqPublisher
from bot.flood import FloodGuard
from bot.rasa_client import RasaClient
from bot.rasa_server import RasaServer
from bot.storage import Storage
from bot.tg.outbound import OutboundLimiter


@dataclass
class Services:
    """Created once at start-up, closed at shutdown."""

    settings: Settings
    rasa: RasaClient
    storage: Storage
    conversation: Conversation
    publisher: FaqPublisher
    engine: BroadcastEngine
    outbound: OutboundLimiter
    """Every Bot API call goes through it (given to the Application builder)."""
    claims: ClaimChecker | None = None
    """Cek Hoaks: forwarded messages checked against responses/klaim/."""
    claim_publisher: ClaimPublisher | None = None
    rasa_server: RasaServer | None = None
    """The supervised Rasa child, when the bot started one."""
    action_server: ActionServer | None = None
    """The supervised action server (web chat answers), when the bot started one."""
    flood: FloodGuard = field(default_factory=FloodGuard)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the services."""

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
