"""FakeTelegram: a real local aiohttp server that behaves like the Telegram Bot API.

Methods, field names, types and required flags come from the official reference (spec.json, made by
gen_spec.py). Errors use Telegram's shape: {"ok": false, "error_code": N, "description": "...",
"parameters": {"retry_after": N}}. Tests drive simulated users (messages, button presses, stickers)
and inspect what the bot sent; faults (5xx, dropped connections, latency) and rate limits (429) can
be switched on.

After ``setWebhook`` with a url, updates are no longer queued for getUpdates (which answers 409, as
Telegram does) but POSTed to that url, with the ``X-Telegram-Bot-Api-Secret-Token`` header when a
secret_token was set; a delivery that fails (connection error or a non-2xx answer) is retried with
back-off until it succeeds or the webhook is deleted.

Standalone, for trying the bot by hand or from another process:
    python -m tests.fakebotapi.server --port 8081 --token 123:ABC
    curl -s localhost:8081/_fake/message -d '{"chat_id": 42, "text": "kapan pemilu?"}'
    curl -s 'localhost:8081/_fake/sent?chat_id=42'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakebotapi.html_check import EntityError, parse_html

SPEC = json.loads((Path(__file__).with_name("spec.json")).read_text(encoding="utf-8"))
METHODS: dict[str, dict[str, Any]] = SPEC["methods"]
_BY_LOWER = {name.lower(): name for name in METHODS}
SENDING = {
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendSticker",
    "sendVoice",
    "sendVideo",
    "sendAudio",
    "sendAnimation",
    "sendLocation",
    "sendContact",
    "sendPoll",
    "copyMessage",
    "forwardMessage",
}


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class Fault:
    error_code: int | None  # None: no error, only the delay (a slow answer)
    description: str
    times: int
    retry_after: int | None = None
    drop_connection: bool = False
    delay: float = 0.0


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram:
    """Use as ``async with FakeTelegram(token) as tg:``; the bot talks to ``tg.base_url``."""

    def __init__(self, token: str = "123456:TEST", host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.host, self.port = host, port
        self.bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Tanya Pemilu",
            "username": "tanya_pemilu_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: dict[int, str] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.timed_calls: list[tuple[str, dict[str, Any], float]] = []
        self.stats: Counter[str] = Counter()
        self.webhook: dict[str, Any] = {"url": ""}
        self.commands: list[dict[str, Any]] = []
        self._callback_ids: set[str] = set()
        self._callback_counter = itertools.count(1)
        self._faults: dict[str, deque[Fault]] = {}
        self.latency = 0.0
        self.global_per_second: int | None = None
        self.per_chat_per_second: int | None = None
        self.group_per_minute: int | None = None
        self.rate_tolerance = 0.05
        self._sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = {}
        self.arrivals: list[float] = []  # when each accepted message-sending request arrived
        self._sent_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        # webhook push
        self._push_wakeup = asyncio.Event()
        self._push_task: asyncio.Task[None] | None = None
        self._push_session: aiohttp.ClientSession | None = None
        self.push_retry_delay = 0.1
        self.push_max_delay = 2.0
        self.webhook_deliveries: list[tuple[int, int | None]] = []  # (update_id, HTTP status or None)
        self.webhook_last_error: tuple[int, str] | None = None

    # --- life cycle ------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_post("/_fake/message", self._fake_message)
        app.router.add_get("/_fake/sent", self._fake_sent)
        return app

    async def start(self) -> FakeTelegram:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://{self.host}:{self.port}"
        return self

    async def stop(self) -> None:
        await self._stop_pushing()
        if self._push_session is not None:
            await self._push_session.close()
            self._push_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- simulated users -------------------------------------------------------------------
    def add_chat(self, chat_id: int, first_name: str = "Warga", chat_type: str = "private") -> dict[str, Any]:
        chat = {"id": chat_id, "type": chat_type, "first_name": first_name}
        if chat_type != "private":
            chat = {"id": chat_id, "type": chat_type, "title": first_name}
        self.chats.setdefault(chat_id, chat)
        return self.chats[chat_id]

    def block(self, chat_id: int) -> None:
        self.add_chat(chat_id)
        self.blocked[chat_id] = "Forbidden: bot was blocked by the user"

    def deactivate(self, chat_id: int) -> None:
        self.add_chat(chat_id)
        self.blocked[chat_id] = "Forbidden: user is deactivated"

    def _user(self, chat_id: int, first_name: str, user_id: int | None) -> dict[str, Any]:
        return {"id": user_id or chat_id, "is_bot": False, "first_name": first_name, "language_code": "id"}

    def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self._add_update(update)
        return update

    def _add_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()
        self._push_wakeup.set()

    def _user_message(
        self, chat_id: int, first_name: str, user_id: int | None, **content: Any
    ) -> dict[str, Any]:
        chat = self.add_chat(chat_id, first_name)
        return {
            "message_id": next(self._ids(chat_id)),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(chat_id, first_name, user_id),
            **content,
        }

    def send_user_message(
        self, chat_id: int, text: str, first_name: str = "Budi", user_id: int | None = None
    ) -> dict[str, Any]:
        """A citizen writes ``text``; commands get their bot_command entity as Telegram adds it."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._enqueue({"message": self._user_message(chat_id, first_name, user_id, **content)})

    def send_user_forward(
        self, chat_id: int, text: str, sender: str = "Grup Keluarga", media: str | None = None
    ) -> dict[str, Any]:
        """A citizen forwards a message someone else wrote (``forward_origin`` of type "hidden_user");
        with ``media`` ("photo" or "video") the text is that media's caption."""
        origin = {"type": "hidden_user", "date": int(time.time()) - 3600, "sender_user_name": sender}
        content: dict[str, Any] = {"forward_origin": origin}
        content.update(self._media(media, text) if media else {"text": text})
        return self._enqueue({"message": self._user_message(chat_id, "Budi", None, **content)})

    def send_user_media(self, chat_id: int, caption: str, media: str = "photo") -> dict[str, Any]:
        """A citizen sends a photo or video with a caption."""
        return self._enqueue(
            {"message": self._user_message(chat_id, "Budi", None, **self._media(media, caption))}
        )

    def send_user_reply(self, chat_id: int, text: str, reply_to: dict[str, Any]) -> dict[str, Any]:
        """A citizen answers ``reply_to`` (a message of theirs, as returned by the helpers above)."""
        content: dict[str, Any] = {"text": text, "reply_to_message": reply_to}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._enqueue({"message": self._user_message(chat_id, "Budi", None, **content)})

    @staticmethod
    def _media(kind: str, caption: str) -> dict[str, Any]:
        if kind == "video":
            video = {"file_id": "BAACAgIAAx", "file_unique_id": "AgADvd", "width": 640, "height": 360,
                     "duration": 12}  # fmt: skip
            return {"video": video, "caption": caption}
        photo = [{"file_id": "AgACAgIAAx", "file_unique_id": "AQADx", "width": 90, "height": 90}]
        return {"photo": photo, "caption": caption}

    def press_button(
        self, chat_id: int, message_id: int, callback_data: str, user_id: int | None = None
    ) -> dict[str, Any]:
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise KeyError(f"no bot message {message_id} in chat {chat_id}")
        query_id = str(next(self._callback_counter) * 1000 + chat_id % 1000)
        self._callback_ids.add(query_id)
        chat = self.chats[chat_id]
        return self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(chat_id, chat.get("first_name", "Warga"), user_id),
                    "message": message,
                    "chat_instance": f"ci{chat_id}",
                    "data": callback_data,
                }
            }
        )

    def send_user_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Any update, as given (malformed ones too); an update_id is added if missing."""
        if "update_id" in update:
            self._add_update(update)
            return update
        return self._enqueue(update)

    def sticker_update(self, chat_id: int) -> dict[str, Any]:
        return {
            "message": self._user_message(
                chat_id,
                "Budi",
                None,
                sticker={
                    "file_id": "CAACAgIAAx",
                    "file_unique_id": "AgADx",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            )
        }

    def photo_update(self, chat_id: int) -> dict[str, Any]:
        return {
            "message": self._user_message(
                chat_id,
                "Budi",
                None,
                photo=[{"file_id": "AgACAgIAAx", "file_unique_id": "AQADx", "width": 90, "height": 90}],
            )
        }

    def voice_update(self, chat_id: int) -> dict[str, Any]:
        return {
            "message": self._user_message(
                chat_id,
                "Budi",
                None,
                voice={"file_id": "AwACAgIAAx", "file_unique_id": "AgADv", "duration": 3},
            )
        }

    def document_update(self, chat_id: int) -> dict[str, Any]:
        return {
            "message": self._user_message(
                chat_id,
                "Budi",
                None,
                document={"file_id": "BQACAgIAAx", "file_unique_id": "AgADd", "file_name": "a.pdf"},
            )
        }

    # --- faults and limits -----------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error_code: int | None = 500,
        description: str = "Internal Server Error",
        times: int = 1,
        retry_after: int | None = None,
        drop_connection: bool = False,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` calls of ``method`` wait ``delay`` seconds, then fail with ``error_code``
        (or drop the connection); ``error_code=None`` with a delay is a slow but correct answer."""
        self._faults.setdefault(method.lower(), deque()).append(
            Fault(error_code, description, times, retry_after, drop_connection, delay)
        )

    def faults_pending(self, method: str) -> int:
        return sum(f.times for f in self._faults.get(method.lower(), ()))

    def set_latency(self, seconds: float) -> None:
        self.latency = seconds

    def set_rate_limits(
        self,
        global_per_second: int | None = 30,
        per_chat_per_second: int | None = 1,
        group_per_minute: int | None = 20,
        tolerance: float = 0.05,
    ) -> None:
        """Telegram's flood limits as its server sees them: messages are counted when the request
        arrives, in sliding windows (1 s overall and per private chat, 1 min per group), with
        ``tolerance`` seconds of slack for clock jitter. ``None`` turns a limit off."""
        self.global_per_second, self.per_chat_per_second = global_per_second, per_chat_per_second
        self.group_per_minute, self.rate_tolerance = group_per_minute, tolerance

    def max_in_window(self, seconds: float = 1.0) -> int:
        """The most accepted messages that arrived within any ``seconds`` window."""
        times, best, first = sorted(self.arrivals), 0, 0
        for last, t in enumerate(times):
            while t - times[first] >= seconds:
                first += 1
            best = max(best, last - first + 1)
        return best

    # --- inspection ------------------------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message the bot sent to ``chat_id`` (``params`` as received, ``result`` returned)."""
        return [s for s in self.sent if s["method"] == "sendMessage" and s["chat_id"] == chat_id]

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages_to(chat_id)
            if len(messages) >= count:
                return messages
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"chat {chat_id}: {len(messages)} of {count} messages: "
                    f"{[m['params'].get('text', '')[:60] for m in messages]}"
                )
            self._sent_event.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), min(left, 0.2))

    # --- HTTP ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.stats["requests"] += 1
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        method = _BY_LOWER.get(request.match_info["method"].lower())
        if method is None:
            return self._error(ApiError(404, "Not Found"))
        try:
            params = await self._params(request)
        except ValueError as exc:
            return self._error(ApiError(400, f"Bad Request: {exc}"))
        arrived = time.monotonic()
        self.calls.append((method, params))
        self.timed_calls.append((method, params, arrived))
        if method in SENDING:
            try:
                self._rate_limit(params, arrived)
            except ApiError as exc:
                return self._error(exc)
        if self.latency:
            await asyncio.sleep(self.latency)
        faults = self._faults.get(method.lower())
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.popleft()
            self.stats["faults"] += 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.drop_connection:
                transport = request.transport
                if transport is not None:
                    transport.close()
                raise ConnectionResetError("dropped by FakeTelegram")
            if fault.error_code is not None:
                return self._error(ApiError(fault.error_code, fault.description, fault.retry_after))
        try:
            self._validate(method, params)
            handler = getattr(self, f"_m_{method}", None)
            result = await handler(params) if handler else True
        except ApiError as exc:
            return self._error(exc)
        return web.json_response({"ok": True, "result": result})

    def _error(self, exc: ApiError) -> web.Response:
        self.stats[str(exc.code)] += 1
        body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.retry_after is not None:
            body["parameters"] = {"retry_after": exc.retry_after}
        return web.json_response(body, status=exc.code)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("request body must be a JSON object")
                params.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    def _validate(self, method: str, params: dict[str, Any]) -> None:
        for field in METHODS[method]["fields"]:
            name, types = field["name"], field["types"]
            value = params.get(name)
            if value is None or value == "":
                if field["required"]:
                    what = "message text" if name == "text" else name
                    raise ApiError(400, f"Bad Request: {what} is empty")
                continue
            params[name] = self._coerce(name, value, types)

    def _coerce(self, name: str, value: Any, types: list[str]) -> Any:
        for kind in types:
            if kind == "Integer":
                if isinstance(value, bool):
                    continue
                if isinstance(value, int):
                    return value
                if isinstance(value, str) and value.lstrip("-").isdigit():
                    return int(value)
            elif kind == "Float":
                with contextlib.suppress(TypeError, ValueError):
                    return float(value)
            elif kind == "Boolean":
                if isinstance(value, bool):
                    return value
                if value in ("true", "false", "True", "False", "1", "0"):
                    return value in ("true", "True", "1")
            elif kind == "String":
                if isinstance(value, str):
                    return value
            else:  # an object or an array, JSON-encoded in form bodies
                decoded = value
                if isinstance(value, str):
                    try:
                        decoded = json.loads(value)
                    except ValueError:
                        continue
                if kind.startswith("Array of") and isinstance(decoded, list):
                    return decoded
                if not kind.startswith("Array of") and isinstance(decoded, dict):
                    return decoded
        raise ApiError(400, f'Bad Request: field "{name}" must be of type {" or ".join(types)}')

    def _rate_limit(self, params: dict[str, Any], now: float) -> None:
        """Refuse with 429 what Telegram would refuse; count what it accepts, at arrival."""
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        key = chat_id if isinstance(chat_id, int) else 0
        if key > 0:  # a private chat
            limit, window = self.per_chat_per_second, 1.0
        elif key < 0:  # a group, supergroup or channel
            limit, window = self.group_per_minute, 60.0
        else:  # no chat (an inline message): only the overall limit
            limit, window = None, 1.0
        chat_sends = self._chat_sends.setdefault(key, deque())
        slack = self.rate_tolerance
        while self._sends and now - self._sends[0] >= 1.0 - slack:
            self._sends.popleft()
        while chat_sends and now - chat_sends[0] >= window - slack:
            chat_sends.popleft()
        if self.global_per_second is not None and len(self._sends) >= self.global_per_second:
            self._too_many(1.0 - (now - self._sends[0]))
        if limit is not None and len(chat_sends) >= limit:
            self._too_many(window - (now - chat_sends[0]))
        self._sends.append(now)
        chat_sends.append(now)
        self.arrivals.append(now)

    def _too_many(self, wait: float) -> None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, f"Too Many Requests: retry after {seconds}", seconds)

    # --- methods ---------------------------------------------------------------------------
    def _ids(self, chat_id: int) -> itertools.count[int]:
        return self._message_ids.setdefault(chat_id, itertools.count(1))

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, self.blocked[chat_id])
        return self.chats[chat_id]

    def _text(self, params: dict[str, Any], key: str = "text") -> str:
        raw = params[key]
        mode = params.get("parse_mode")
        if mode in (None, ""):
            text = raw
        elif str(mode).lower() == "html":
            try:
                text = parse_html(raw)
            except EntityError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        elif str(mode).lower() in ("markdown", "markdownv2"):
            text = raw
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        deadline = time.monotonic() + timeout
        while True:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            ready = [u for u in self.updates if not allowed or any(k in u for k in allowed)]
            if ready or time.monotonic() >= deadline:
                return ready[: max(1, min(limit, 100))]
            self._new_update.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        text = self._text(params)
        message: dict[str, Any] = {
            "message_id": next(self._ids(chat["id"])),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            "text": text,
        }
        markup = self._markup(params)
        if markup:
            message["reply_markup"] = markup
        self.messages[(chat["id"], message["message_id"])] = message
        self.sent.append(
            {
                "method": "sendMessage",
                "chat_id": chat["id"],
                "params": params,
                "result": message,
                "at": time.monotonic(),
            }
        )
        self._sent_event.set()
        return message

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        key = (params.get("chat_id"), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        text = self._text(params)
        markup = self._markup(params)
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message = {**message, "text": text, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self.messages[key] = message  # type: ignore[index]
        self.sent.append(
            {
                "method": "editMessageText",
                "chat_id": key[0],
                "params": params,
                "result": message,
                "at": time.monotonic(),
            }
        )
        return message

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        message = {k: v for k, v in message.items() if k != "reply_markup"}
        markup = self._markup(params)
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        self.messages[key] = message  # type: ignore[index]
        self.sent.append(
            {
                "method": "editMessageReplyMarkup",
                "chat_id": key[0],
                "params": params,
                "result": message,
                "at": time.monotonic(),
            }
        )
        return message

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if params["callback_query_id"] not in self._callback_ids:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._callback_ids.discard(params["callback_query_id"])
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands = list(params["commands"])
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands = []
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if not str(params["url"]).startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = {
            "url": params["url"],
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
        }
        self.webhook_last_error = None
        if self._push_task is None or self._push_task.done():
            self._push_task = asyncio.create_task(self._push_loop())
        self._push_wakeup.set()
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": ""}
        self._push_wakeup.set()
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    # --- webhook push ----------------------------------------------------------------------
    async def _stop_pushing(self) -> None:
        task, self._push_task = self._push_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _push_loop(self) -> None:
        """Deliver queued updates to the webhook one at a time, oldest first, like Telegram."""
        if self._push_session is None:
            self._push_session = aiohttp.ClientSession()
        delay = self.push_retry_delay
        while self.webhook.get("url"):
            allowed = self.webhook.get("allowed_updates")
            ready = [u for u in self.updates if not allowed or any(k in u for k in allowed)]
            if not ready:
                self._push_wakeup.clear()
                await self._push_wakeup.wait()
                continue
            update, url = ready[0], self.webhook["url"]
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers[SECRET_HEADER] = self.webhook["secret_token"]
            status: int | None = None
            try:
                async with self._push_session.post(
                    url, data=json.dumps(update), headers=headers, timeout=aiohttp.ClientTimeout(total=10)
                ) as resp:
                    status = resp.status
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            self.webhook_deliveries.append((update["update_id"], status))
            self.stats["webhook_posts"] += 1
            if status is not None and 200 <= status < 300:
                with contextlib.suppress(ValueError):
                    self.updates.remove(update)
                delay = self.push_retry_delay
                continue
            self.webhook_last_error = (int(time.time()), error)
            self.stats["webhook_failures"] += 1
            await asyncio.sleep(delay)
            delay = min(self.push_max_delay, delay * 2)

    async def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params["chat_id"])
        return True

    # --- control routes for other processes ----------------------------------------------------
    async def _fake_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(self.send_user_message(int(body["chat_id"]), str(body["text"])))

    async def _fake_sent(self, request: web.Request) -> web.Response:
        chat = request.query.get("chat_id")
        items = (
            self.messages_to(int(chat)) if chat else [s for s in self.sent if s["method"] == "sendMessage"]
        )
        return web.json_response([{"chat_id": s["chat_id"], "text": s["params"].get("text")} for s in items])


async def _serve(port: int, token: str) -> None:
    tg = FakeTelegram(token=token, port=port)
    await tg.start()
    print(f"FakeTelegram listening on {tg.base_url} (token {token}); Ctrl-C to stop", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await tg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token))


if __name__ == "__main__":
    main()
