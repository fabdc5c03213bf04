"""Talk to the Rasa server over HTTP (``/model/parse``). The bot never imports ``rasa``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


@dataclass(frozen=True)
class Intent:
    name: str
    confidence: float


@dataclass(frozen=True)
class Parse:
    """What Rasa understood: the top intent and the ranking behind it."""

    text: str
    intent: Intent
    ranking: tuple[Intent, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Parse:
        top = data.get("intent") or {}
        ranking = tuple(
            Intent(str(i["name"]), float(i.get("confidence") or 0.0))
            for i in data.get("intent_ranking") or []
            if i.get("name")
        )
        return cls(
            text=str(data.get("text", "")),
            intent=Intent(str(top.get("name") or "nlu_fallback"), float(top.get("confidence") or 0.0)),
            ranking=ranking,
        )


class RasaClient:
    """One aiohttp session for the life of the process."""

    def __init__(self, base_url: str, timeout: float = 5.0, max_concurrent: int = 8) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        # Rasa answers one request at a time: a peak of questions queues here (on kept-alive
        # connections) instead of opening hundreds of connections that all time out together. A
        # queued question waits its turn however long the queue (the questions ahead are being
        # answered); but when a request fails, the questions queued behind it go to limited mode
        # at once instead of each waiting out its own timeout. Questions that come later try again.
        self._slots = asyncio.Semaphore(max_concurrent)
        self._failures = 0

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("RasaClient.start() was not called")
        return self._session

    async def parse(self, text: str) -> Parse:
        """Ask Rasa what ``text`` means."""
        failures_before = self._failures
        async with self._slots:
            if self._failures != failures_before:
                raise RasaUnavailable(f"Rasa at {self.base_url} failed while this question waited")
            return await self._parse(text)

    async def _parse(self, text: str) -> Parse:
        try:
            async with self.session.post(f"{self.base_url}/model/parse", json={"text": text}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                return Parse.from_json(await resp.json())
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            self._failures += 1
            raise RasaUnavailable(f"Rasa is not reachable at {self.base_url}: {exc!r}") from exc

    async def status(self) -> dict[str, Any]:
        """Rasa's ``/status``: which model is loaded."""
        try:
            async with self.session.get(f"{self.base_url}/status") as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                result: dict[str, Any] = await resp.json()
                return result
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa is not reachable at {self.base_url}: {exc!r}") from exc

    async def wait_ready(self, timeout: float = 180.0) -> None:
        """Wait until Rasa has a model loaded, or raise :class:`RasaUnavailable`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: Exception | None = None
        while loop.time() < deadline:
            try:
                status = await self.status()
                if status.get("model_file"):
                    return
            except RasaUnavailable as exc:
                last = exc
            await asyncio.sleep(0.5)
        raise RasaUnavailable(f"Rasa not ready after {timeout:.0f} s: {last}")


async def replace_model(client: RasaClient, model_file: str) -> None:
    """Load another model into the running Rasa server (``PUT /model``); the old one serves until then."""
    try:
        async with client.session.put(
            f"{client.base_url}/model",
            json={"model_file": model_file},
            timeout=aiohttp.ClientTimeout(total=300),
        ) as resp:
            if resp.status != 204:
                raise RasaUnavailable(f"Rasa refused the model ({resp.status}): {await resp.text()}")
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise RasaUnavailable(f"Could not load the model into Rasa: {exc!r}") from exc
