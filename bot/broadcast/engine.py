"""Deliver broadcasts from the SQLite queue within Telegram's limits, resuming after any crash.

- Pace and priority are not decided here: ``send`` goes through the bot's one outbound limiter
  (:mod:`bot.tg.outbound`) as a background send, so citizens' replies go first and Telegram's
  budget is shared. One message per chat per broadcast.
- 429 that outlasts the limiter's own retries: every worker waits ``retry_after``, the row is tried
  again (not counted as an attempt).
- 403 (blocked, deactivated): the row is 'blocked' and the subscriber made inactive.
- 400 (chat not found, bad request): the row is 'failed'.
- Network errors, timeouts, 5xx: retried with exponential backoff up to ``max_attempts``.
- Rows are marked 'sending' before the request; after a crash those go out again, so at most the
  messages in flight at the crash are duplicated and none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.broadcast import store
from bot.storage import Storage

log = logging.getLogger(__name__)

Send = Callable[[int, str], Awaitable[object]]


class BroadcastEngine:
    """Runs due broadcasts one at a time until stopped."""

    def __init__(
        self,
        storage: Storage,
        send: Send,
        *,
        workers: int = 8,
        max_attempts: int = 5,
        backoff: float = 1.0,
        idle: float = 1.0,
        startup_pause: float = 1.0,
    ) -> None:
        self.storage = storage
        self.send = send
        self.workers = workers
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.idle = idle
        self.startup_pause = startup_pause
        self._paused_until = 0.0
        self.stats = {"sent": 0, "retry_after": 0, "blocked": 0, "failed": 0, "retried": 0}
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver every due broadcast, then wait for the next one."""
        recovered = await self.storage.run(store.recover_in_flight)
        if recovered:
            log.warning("Resuming %d deliveries that were in flight when the bot stopped", recovered)
        # A process that died a moment ago may have used this second's allowance: let it pass.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), self.startup_pause)
        while not stop.is_set():
            broadcast = await self.storage.run(lambda db: store.due_broadcast(db, datetime.now(timezone.utc)))
            if broadcast is None:
                self.wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(_first(stop.wait(), self.wake.wait()), self.idle)
                continue
            broadcast_id: int = broadcast["id"]
            await self.storage.run(functools.partial(store.mark_running, broadcast_id=broadcast_id))
            await self._deliver(broadcast_id, broadcast["text"], stop)

    async def _deliver(self, broadcast_id: int, text: str, stop: asyncio.Event) -> None:
        queue: asyncio.Queue[tuple[int, int, int]] = asyncio.Queue()
        workers = [asyncio.create_task(self._worker(queue, text)) for _ in range(self.workers)]
        try:
            while not stop.is_set():
                state = await self.storage.run(
                    functools.partial(store.broadcast_state, broadcast_id=broadcast_id)
                )
                if state != store.RUNNING:
                    return  # cancelled
                if queue.qsize() < self.workers:
                    rows = await self.storage.run(
                        lambda db: store.claim(db, broadcast_id, self.workers * 4, datetime.now(timezone.utc))
                    )
                    for row in rows:
                        queue.put_nowait(row)
                    if rows:
                        continue
                    await queue.join()
                    if await self.storage.run(lambda db: store.complete_if_done(db, broadcast_id)):
                        log.info("Broadcast %d finished", broadcast_id)
                        return
                await asyncio.sleep(0.05)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            # rows claimed but not started go back to the queue at once (no crash needed)
            unstarted = []
            while not queue.empty():
                unstarted.append(queue.get_nowait()[0])
            if unstarted:
                await self.storage.run(functools.partial(store.release, delivery_ids=unstarted))

    async def _worker(self, queue: asyncio.Queue[tuple[int, int, int]], text: str) -> None:
        while True:
            delivery_id, chat_id, attempts = await queue.get()
            try:
                await self._send_one(delivery_id, chat_id, attempts, text)
            except Exception:
                log.exception("Unexpected error delivering %s", delivery_id)
                retry_id = delivery_id
                await self.storage.run(
                    lambda db: store.retry_later(
                        db,
                        retry_id,  # noqa: B023 - awaited before the loop moves on
                        datetime.now(timezone.utc) + timedelta(seconds=self.backoff),
                        "kesalahan tak terduga",
                    )
                )
            finally:
                queue.task_done()

    async def _send_one(self, delivery_id: int, chat_id: int, attempts: int, text: str) -> None:
        while (pause := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        try:
            await self.send(chat_id, text)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            self.stats["retry_after"] += 1
            self._paused_until = max(self._paused_until, time.monotonic() + wait)
            log.warning("429 from Telegram: pausing the broadcast for %.0f s", wait)
            when = datetime.now(timezone.utc) + timedelta(seconds=wait)
            await self.storage.run(lambda db: store.retry_later(db, delivery_id, when, "429", False))
        except Forbidden as exc:
            error = str(exc)
            self.stats["blocked"] += 1
            await self.storage.run(lambda db: _blocked(db, delivery_id, chat_id, error))
        except BadRequest as exc:
            error = str(exc)
            self.stats["failed"] += 1
            await self.storage.run(lambda db: store.finish_delivery(db, delivery_id, store.FAILED, error))
        except TelegramError as exc:  # NetworkError, TimedOut, 5xx
            error = str(exc)
            if attempts + 1 >= self.max_attempts:
                self.stats["failed"] += 1
                await self.storage.run(
                    lambda db: store.finish_delivery(db, delivery_id, store.FAILED, f"menyerah: {error}")
                )
                return
            self.stats["retried"] += 1
            when = datetime.now(timezone.utc) + timedelta(seconds=self.backoff * 2**attempts)
            await self.storage.run(lambda db: store.retry_later(db, delivery_id, when, error))
        else:
            self.stats["sent"] += 1
            await self.storage.run(lambda db: store.finish_delivery(db, delivery_id, store.SENT))


def _blocked(db: object, delivery_id: int, chat_id: int, error: str) -> None:
    store.finish_delivery(db, delivery_id, store.BLOCKED, error)  # type: ignore[arg-type]
    store.deactivate_subscriber(db, chat_id)  # type: ignore[arg-type]


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return max(1.0, value.total_seconds())
    return max(1.0, float(value))  # type: ignore[arg-type]


async def _first(*aws: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
