"""What runs concurrently: updates from different chats in parallel, one chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at a time, but never two from the same chat.

    A citizen's replies therefore arrive in the order they asked, and ``/siaran``'s
    ``ConversationHandler`` never sees two steps of one admin at once. Updates without a chat or
    user (e.g. a poll's state) run without waiting. PTB takes its concurrency slot in arrival order
    before calling :meth:`do_process_update`, and asyncio locks are fair, so one chat's updates enter
    in the order Telegram delivered them.
    """

    def __init__(
        self, max_concurrent_updates: int, on_done: Callable[[object], Awaitable[None]] | None = None
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.on_done = on_done
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_chat_order(update, coroutine)
        finally:
            if self.on_done is not None:
                await self.on_done(update)

    async def _in_chat_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody else waits: forget the chat
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (its user for inline queries and inline-message buttons)."""
    if not isinstance(update, Update):
        return None
    try:
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    except Exception:  # an update with impossible fields: the sanity door (group -2) refuses it
        return None
    return None
