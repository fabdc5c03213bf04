"""Thousands of random and malformed updates through the real handlers (Hypothesis, deterministic).

The real PTB Application built by the bot processes each update with a Bot talking to the fake Bot
API (which rejects invalid HTML like Telegram) and to the real Rasa server. Asserted:
- no exception other than the API refusing an impossible request (a random message to edit, ...)
  reaches the error handler, and nothing is logged at ERROR;
- user text never comes back as live HTML (a tag, link or entity the user typed);
- afterwards the bot still answers a normal question.
Updates that python-telegram-bot cannot even parse are counted: the webhook answers those with 400
(tests/test_e2e_webhook.py); here they must stay a minority so the handlers get the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest

from bot.config import Settings
from bot.flood import FloodGuard
from bot.tg.app import build_application
from bot.tg.sanity import MalformedUpdate, parse_update
from bot.wiring import running_services
from tests.conftest import ADMIN_ID, REPO, TODAY, TOKEN
from tests.fakebotapi.server import FakeTelegram

pytestmark = pytest.mark.e2e

COMMANDS = [
    "/start",
    "/bantuan",
    "/help",
    "/hapusdata",
    "/siaran",
    "/muatulang",
    "/langganan",
    "/berhenti",
    "/status",
    "/batal",
    "/start@tanya_pemilu_bot",
    "/unknown",
]
# Sentinels: "zqt" follows a tag the user typed, "zqe" an entity the user typed. The bot's own texts
# never contain them, so finding them live in what the bot sent means user input became HTML.
FRAGMENTS = [
    "<b>zqt",
    "</b>zqt",
    "<i>zqt</i>",
    '<a href="https://zqt.example/">zqt</a>',
    "<tg-spoiler>zqt</tg-spoiler>",
    "<script>zqt</script>",
    '<span class="tg-spoiler">zqt</span>',
    "<code>zqt",
    "&lt;zqe",
    "&amp;zqe",
    "&gt;zqe",
    "&#60;zqe",
    "<",
    ">",
    "&",
    "*zqt*",
    "_zqt_",
    "`zqt`",
    "[zqt](http://zqt.example)",
    "\x00",
    "\u202e",
    "\u200f",
    "\u200b",
    "\r\n",
    "👍🏽",
    "🇮🇩",
    "ﷺ",
    "مرحبا",
    "kapan pemilu?",
    "bawa apa ke tps",
    "@tanya_pemilu_bot",
    *COMMANDS,
]
LIVE_USER_HTML = re.compile(r"<[^<>]*>zqt|<[^<>]*zq[te][^<>]*>|&lt;zqe|&amp;zqe|&gt;zqe|&#60;zqe")
# Refusals by the API that a random update legitimately provokes; anything else is a bug.
ENVIRONMENTAL = ("message to edit not found", "message is not modified", "query is too old")

texts = st.one_of(
    st.tuples(st.sampled_from(COMMANDS), st.sampled_from(["", " ", " <b>zqt", " &lt;zqe", " x" * 300])).map(
        "".join
    ),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=8).map("".join),
    st.text(max_size=60),
    st.integers(1, 6000).map(lambda n: ("kapan pemilu <b>zqt " * 400)[:n]),
)
ids = st.one_of(st.integers(1, 10_000), st.integers(-(2**63), 2**63 - 1), st.just(ADMIN_ID))
names = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=64))
users = st.fixed_dictionaries(
    {"id": ids, "is_bot": st.booleans(), "first_name": names},
    optional={"language_code": st.sampled_from(["id", "en", "ar", "", "zz-ZZ"]), "last_name": names},
)
chats = st.fixed_dictionaries(
    {
        "id": ids,
        "type": st.sampled_from(["private"] * 6 + ["group", "supergroup", "channel"]),
        "first_name": names,
    },
    optional={"title": names},
)
entities = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["bot_command", "mention", "bold", "url", "text_link", "spoiler"]),
        "offset": st.integers(-2, 50),
        "length": st.integers(-2, 50),
    },
    optional={"url": st.text(max_size=20)},
)
media = st.sampled_from(
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}], "caption": "<b>zqt"},
        {"location": {"latitude": -6.2, "longitude": 106.8}},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
        {"contact": {"phone_number": "+62", "first_name": "<i>zqt"}},
        {
            "poll": {
                "id": "1",
                "question": "q",
                "options": [],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            }
        },
    ]
)
headers = st.fixed_dictionaries(
    {"message_id": st.integers(1, 2**31 - 1), "date": st.integers(0, 2**32), "chat": chats, "from": users}
)
text_messages = st.builds(
    lambda head, text, ents: {**head, "text": text, **({"entities": ents} if ents else {})},
    headers,
    texts,
    st.lists(entities, max_size=2),
)
media_messages = st.builds(lambda head, content: {**head, **content}, headers, media)
messages = st.one_of(text_messages, text_messages, text_messages, media_messages)
callback_data = st.one_of(
    st.text(max_size=70),
    st.tuples(
        st.sampled_from(["faq:", "fb:", "hapus:", "prov:", "aud:", "adm:", "when:", "ok:"]),
        st.text(max_size=40),
    ).map("".join),
    st.sampled_from(["faq:tanggal_pemilu", "fb:tanggal_pemilu:1", "hapus:ya", "hapus:batal", "prov:3"]),
)


def with_command_entity(message: dict[str, Any]) -> dict[str, Any]:
    """Commands get their bot_command entity the way Telegram adds it."""
    text = message.get("text")
    if isinstance(text, str) and text.startswith("/") and text.split():
        length = len(text.split()[0].encode("utf-16-le")) // 2
        message = {**message, "entities": [{"type": "bot_command", "offset": 0, "length": length}]}
    return message


commands = messages.map(with_command_entity)
updates = st.one_of(
    st.fixed_dictionaries({"message": commands}),
    st.fixed_dictionaries({"message": commands}),
    st.fixed_dictionaries({"edited_message": messages.map(lambda m: {**m, "edit_date": 1})}),
    st.fixed_dictionaries({"channel_post": messages}),
    st.fixed_dictionaries({"edited_channel_post": messages}),
    st.fixed_dictionaries(
        {
            "callback_query": st.fixed_dictionaries(
                {"id": st.text(min_size=1, max_size=12), "from": users, "chat_instance": st.just("ci")},
                optional={"message": messages, "data": callback_data},
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "inline_query": st.fixed_dictionaries(
                {"id": st.text(min_size=1, max_size=12), "from": users, "query": texts, "offset": st.just("")}
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "chosen_inline_result": st.fixed_dictionaries(
                {"result_id": st.just("1"), "from": users, "query": texts}
            )
        }
    ),
    st.dictionaries(
        st.text(min_size=1, max_size=15), st.dictionaries(st.text(max_size=5), st.integers()), max_size=2
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from paths(inner, (*prefix, key))


@st.composite
def malformed(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed update with fields removed or given the wrong type."""
    update: dict[str, Any] = json.loads(json.dumps(draw(updates)))
    for _ in range(draw(st.integers(1, 3))):
        candidates = list(paths(update))
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = update
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return update


batches = st.lists(st.one_of(updates, updates, updates, malformed()), min_size=10, max_size=25)


class Harness:
    """The bot's Application against the fake Bot API and real Rasa, driven update by update."""

    def __init__(self, rasa_url: str, tmp_path: Path) -> None:
        self.rasa_url, self.tmp_path = rasa_url, tmp_path
        self.errors: list[BaseException] = []
        self.logged: list[logging.LogRecord] = []
        self.unparsed = 0
        self.processed = 0
        self.next_id = 0

    async def start(self) -> None:
        self.tg = await FakeTelegram(token=TOKEN).start()
        settings = Settings(
            telegram_token=TOKEN,
            telegram_api_base_url=self.tg.base_url,
            rasa_url=self.rasa_url,
            database_path=self.tmp_path / "fuzz.db",
            responses_dir=REPO / "responses",
            admin_ids=frozenset({ADMIN_ID}),
            rasa_timeout=5,
            # What is fuzzed is the handlers, not pacing (tests/test_e2e_peaks.py): Hypothesis repeats a
            # few chat ids thousands of times; 1 message/s per chat would spread them over minutes.
            telegram_max_rate=0,
        )
        self._stack = contextlib.AsyncExitStack()
        services = await self._stack.enter_async_context(running_services(settings, clock=lambda: TODAY))
        self.services = services
        self.app = build_application(services)

        async def collect(update: object, context: Any) -> None:
            self.errors.append(context.error)

        self.app.add_error_handler(collect)
        await self.app.initialize()

    async def stop(self) -> None:
        await self.app.shutdown()
        await self._stack.aclose()
        await self.tg.stop()

    def _register(self, data: dict[str, Any]) -> None:
        """Make the chats and queries of an update known to the fake, so replies can succeed."""
        for kind in ("message", "edited_message", "channel_post", "edited_channel_post", "callback_query"):
            item = data.get(kind)
            if not isinstance(item, dict):
                continue
            if kind == "callback_query":
                if isinstance(item.get("id"), str):
                    self.tg._callback_ids.add(item["id"])
                item = item.get("message")
                if not isinstance(item, dict):
                    continue
            chat = item.get("chat")
            if (
                isinstance(chat, dict)
                and isinstance(chat.get("id"), int)
                and not isinstance(chat["id"], bool)
            ):
                self.tg.chats.setdefault(chat["id"], chat)

    async def feed(self, batch: list[dict[str, Any]]) -> None:
        # Hypothesis repeats small ids a lot; flood control (tested elsewhere) would silence them.
        self.services.flood = FloodGuard()
        for data in batch:
            self.next_id += 1
            data = json.loads(json.dumps({**data, "update_id": self.next_id}))
            self._register(data)
            try:  # the webhook's door (polling gets the same check from a group -2 handler)
                update = parse_update(data, self.app.bot)
            except MalformedUpdate:
                self.unparsed += 1
                continue
            self.processed += 1
            await self.app.process_update(update)


def unexpected(errors: list[BaseException]) -> list[BaseException]:
    return [
        e
        for e in errors
        if not (isinstance(e, BadRequest) and any(m in e.message.lower() for m in ENVIRONMENTAL))
    ]


def settings_examples() -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", "250"))


def test_random_and_malformed_updates(rasa_url: str, tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    harness = Harness(rasa_url, tmp_path)
    capture = logging.Handler(level=logging.ERROR)
    capture.emit = harness.logged.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(capture)
    try:
        loop.run_until_complete(harness.start())

        @settings(
            max_examples=settings_examples(),
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs real handlers
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(batches)
        def run(batch: list[dict[str, Any]]) -> None:
            loop.run_until_complete(harness.feed(batch))
            bad = unexpected(harness.errors)
            assert bad == [], (
                f"{[str(e) for e in bad]} {[(m, p.get('chat_id')) for m, p in harness.tg.calls[-4:]]}"
            )
            assert harness.logged == [], harness.logged[-1].getMessage()

        run()

        sent = [s for s in harness.tg.sent if s["method"] in ("sendMessage", "editMessageText")]
        for item in sent:
            raw = item["params"].get("text", "")
            assert not LIVE_USER_HTML.search(raw), raw
        total = harness.processed + harness.unparsed
        assert total >= 10 * settings_examples() and harness.processed > total / 2, (
            harness.processed,
            harness.unparsed,
        )
        print(f"fuzz: {harness.processed} updates handled, {harness.unparsed} refused, {len(sent)} sent")
        assert len(sent) > harness.processed / 10, "the handlers answered a good part of the updates"

        # afterwards a citizen still gets an answer
        before = len(harness.tg.messages_to(424242))
        loop.run_until_complete(
            harness.feed(
                [
                    {
                        "message": {
                            "message_id": 1,
                            "date": 1,
                            "chat": {"id": 424242, "type": "private", "first_name": "Sari"},
                            "from": {"id": 424242, "is_bot": False, "first_name": "Sari"},
                            "text": "kapan pemilu?",
                        }
                    }
                ]
            )
        )
        answer = harness.tg.messages_to(424242)[before:]
        assert answer and "14 Februari 2024" in answer[0]["params"]["text"]
    finally:
        logging.getLogger().removeHandler(capture)
        loop.run_until_complete(harness.stop())
        loop.close()
