"""The one door out: every Bot API call the bot makes passes through :class:`OutboundLimiter`.

python-telegram-bot hands every request (except ``getUpdates``) to the ``rate_limiter`` given to the
``Application`` builder or to an ``ExtBot``, so no handler, job or engine can bypass it. It keeps:

- Telegram's budgets, counted when a message is let out: at most ``max_rate`` messages in any
  sliding second overall (default 25, under Telegram's 30, leaving room for jitter), one per second
  in a private chat, 20 per minute in a group. Only calls that put or change a message in a chat
  are counted (``sendMessage``, ``editMessageText``, ``copyMessage``, …); button answers, inline
  answers, ``getMe`` and the like go straight out.
- Priority: :data:`REPLY` (the default: answers to citizens, admin messages, button edits) before
  :data:`BACKGROUND` (broadcasts, later notifications). A peak of questions slows the broadcast, never
  the other way round. Within one priority, requests leave in the order they came (so one chat's
  messages keep their order).
- 429: every queued send pauses for ``retry_after``, then the same request is sent again.
  5xx and network errors on a reply: a few retries with back-off (a broadcast has its own durable
  retries in the SQLite queue, so its errors go straight back to the engine). A request that still
  fails is reported to ``on_failure`` (logged with the reason and counted) and its error raised to
  the caller: nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class Priority(IntEnum):
    """Lower goes first."""

    REPLY = 0
    BACKGROUND = 1


REPLY = Priority.REPLY
BACKGROUND = Priority.BACKGROUND
"""Pass as ``rate_limit_args=BACKGROUND`` for sends nobody is waiting for (broadcasts, notifications)."""

COUNTED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendSticker",
        "sendVoice",
        "sendVideo",
        "sendVideoNote",
        "sendAudio",
        "sendAnimation",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "stopPoll",
    }
)
"""Calls that put or change a message in a chat: these count against Telegram's flood limits."""

BURST_SLOTS = 2
"""After a quiet moment (or a late wake-up) this many extra sends may go at once."""

OnFailure = Callable[[str, str], Awaitable[None]]
"""``on_failure(method, reason)``: a reply that could not be delivered after every retry."""


def failure_reason(exc: BaseException) -> str:
    """A short, stable reason for reports (no chat ids, no texts)."""
    if isinstance(exc, RetryAfter):
        return "429 terlalu banyak permintaan"
    if isinstance(exc, Forbidden):
        return "403 diblokir pengguna"
    if isinstance(exc, BadRequest):
        return "400 permintaan ditolak"
    if isinstance(exc, NetworkError):
        return "jaringan/server Telegram"
    return type(exc).__name__


@dataclass(order=True)
class _Waiter:
    priority: Priority
    seq: int
    chat: int | str | None = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


class OutboundLimiter(BaseRateLimiter[Priority]):
    """See the module docstring. ``max_rate <= 0`` turns every budget off (for benchmarks against a
    fake server without limits); retries and failure reporting stay on."""

    def __init__(
        self,
        max_rate: float = 25.0,
        *,
        private_interval: float = 1.0,
        group_per_minute: int = 20,
        max_in_flight: int = 20,
        retries_on_429: int = 5,
        retries_on_error: int = 3,
        backoff: float = 0.5,
        on_failure: OnFailure | None = None,
    ) -> None:
        self.max_rate = max_rate
        self.enabled = max_rate > 0
        self.private_interval = private_interval
        self.group_per_minute = group_per_minute
        self.retries_on_429 = retries_on_429
        self.retries_on_error = retries_on_error
        self.backoff = backoff
        self.on_failure = on_failure
        self.stats: dict[str, int] = {"sent": 0, "retry_after": 0, "retried": 0, "failed": 0}
        self._max_in_flight = max_in_flight
        self._in_flight: asyncio.Semaphore | None = None
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._sent: deque[float] = deque()  # grant times, last second
        self._due = 0.0
        self._spacing = 1.0 / max_rate if max_rate > 0 else 0.0
        self._private_last: dict[int | str, float] = {}
        self._group_sent: dict[int | str, deque[float]] = {}
        self._paused_until = 0.0
        self._wakeup: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None

    # --- life cycle (called by PTB's Bot.initialize / shutdown) -------------------------------
    async def initialize(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._wakeup = asyncio.Event()
            self._in_flight = asyncio.Semaphore(self._max_in_flight)
            self._dispatcher = asyncio.create_task(self._dispatch(), name="outbound-limiter")

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for waiter in self._waiters:
            if not waiter.granted.done():
                waiter.granted.set_exception(RuntimeError("the bot is shutting down"))
        self._waiters.clear()

    @property
    def queued(self) -> int:
        """Requests waiting for their turn now."""
        return len(self._waiters)

    # --- the door -------------------------------------------------------------------------------
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        priority = Priority.REPLY if rate_limit_args is None else Priority(rate_limit_args)
        counted = endpoint in COUNTED_METHODS and data.get("chat_id") is not None
        chat = _chat_key(data.get("chat_id")) if counted else None
        seq = next(self._seq)  # keeps its place in line across retries
        rejected_429 = errors = 0
        while True:
            await self._turn(priority, seq, counted, chat)
            try:
                assert self._in_flight is not None, "the limiter is not initialized"
                async with self._in_flight:
                    result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                rejected_429 += 1
                wait = _seconds(exc.retry_after)
                self.stats["retry_after"] += 1
                self._pause(wait)
                log.warning(
                    "429 from Telegram on %s: every send waits %.0f s, then it goes again", endpoint, wait
                )
                if rejected_429 > self.retries_on_429:
                    await self._failed(endpoint, priority, exc)
                    raise
            except (BadRequest, Forbidden) as exc:  # BadRequest is a NetworkError: caught first
                await self._failed(endpoint, priority, exc)
                raise
            except NetworkError as exc:  # 5xx, timeouts, dropped connections
                errors += 1
                if priority is Priority.BACKGROUND or errors > self.retries_on_error:
                    await self._failed(endpoint, priority, exc)
                    raise
                self.stats["retried"] += 1
                delay = self.backoff * 2 ** (errors - 1)
                log.info("%s failed (%s); retry %d in %.1f s", endpoint, exc, errors, delay)
                await asyncio.sleep(delay)
            except TelegramError as exc:
                await self._failed(endpoint, priority, exc)
                raise
            else:
                if counted:
                    self.stats["sent"] += 1
                return result

    # --- scheduling -----------------------------------------------------------------------------
    async def _turn(self, priority: Priority, seq: int, counted: bool, chat: int | str | None) -> None:
        """Wait until this request may go out: now, if it is not counted and no 429 pause runs."""
        if not counted or not self.enabled:
            while (pause := self._paused_until - time.monotonic()) > 0:
                await asyncio.sleep(pause)
            return
        assert self._wakeup is not None, "the limiter is not initialized"
        waiter = _Waiter(priority, seq, chat, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        self._wakeup.set()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    async def _dispatch(self) -> None:
        """Grant turns one at a time: highest priority first, skipping chats that must wait."""
        assert self._wakeup is not None
        while True:
            now = time.monotonic()
            delay = self._next_grant(now)
            if delay is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if delay > 0:
                self._wakeup.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), delay)

    def _next_grant(self, now: float) -> float | None:
        """Grant one waiter if possible and return 0; else seconds to wait (None: nobody waits)."""
        if not self._waiters:
            return None
        if self._paused_until > now:
            return self._paused_until - now
        while self._sent and now - self._sent[0] >= 1.0:
            self._sent.popleft()
        if len(self._sent) >= self.max_rate:
            return self._sent[0] + 1.0 - now
        # Every counted send is spaced evenly (one every 1/max_rate s), so the server never sees a
        # burst: a late batch cannot pile onto an early one within its window, and a reply that comes
        # in waits at most one spacing. Generic cell rate algorithm: a grant is due at the theoretical
        # time ``_due``; a dispatcher that wakes late catches up (up to BURST_SLOTS at once).
        earliest = self._due - BURST_SLOTS * self._spacing

        if now < earliest:
            return earliest - now
        soonest = float("inf")
        for waiter in sorted(self._waiters):
            ready_at = self._chat_ready_at(waiter.chat, now)
            if ready_at <= now:
                self._waiters.remove(waiter)
                self._grant(waiter, now)
                return 0.0
            soonest = min(soonest, ready_at)
        return max(0.001, soonest - now)

    def _chat_ready_at(self, chat: int | str | None, now: float) -> float:
        if chat is None:
            return now
        if _is_private(chat):
            return self._private_last.get(chat, -1e9) + self.private_interval
        sent = self._group_sent.get(chat)
        if sent is None:
            return now
        while sent and now - sent[0] >= 60.0:
            sent.popleft()
        return now if len(sent) < self.group_per_minute else sent[0] + 60.0

    def _grant(self, waiter: _Waiter, now: float) -> None:
        self._sent.append(now)
        self._due = max(self._due, now) + self._spacing
        if waiter.chat is not None:
            if _is_private(waiter.chat):
                self._private_last[waiter.chat] = now
                if len(self._private_last) > 50_000:  # forget chats idle for a while
                    self._private_last = {c: t for c, t in self._private_last.items() if now - t < 5}
            else:
                self._group_sent.setdefault(waiter.chat, deque()).append(now)
        waiter.granted.set_result(None)

    def _pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        if self._wakeup is not None:
            self._wakeup.set()

    async def _failed(self, endpoint: str, priority: Priority, exc: BaseException) -> None:
        self.stats["failed"] += 1
        reason = failure_reason(exc)
        if priority is Priority.BACKGROUND:
            return  # the broadcast engine records its own outcome per delivery
        log.warning("Could not deliver %s after retries: %s (%s)", endpoint, reason, exc)
        if self.on_failure is not None:
            try:
                await self.on_failure(endpoint, reason)
            except Exception:
                log.exception("Could not record a failed send")


def _chat_key(chat_id: object) -> int | str:
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    return int(text) if text.lstrip("-").isdigit() else text


def _is_private(chat: int | str) -> bool:
    return isinstance(chat, int) and chat > 0


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return max(1.0, value.total_seconds())
    return max(1.0, float(value))  # type: ignore[arg-type]
