"""The fake Bot API server (tests/fakes) answers like Telegram, checked over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from tests.fakes import gen_bot_api_spec
from tests.fakes.telegram_server import FakeTelegram

TOKEN = "123:ABC"
Reply = tuple[int, dict[str, Any]]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


async def call(
    tg: FakeTelegram, method: str, *, token: str = TOKEN, encoding: str = "json", **params: Any
) -> Reply:
    """One Bot API request over HTTP, as JSON body, form body (PTB's way) or query string."""
    url = f"{tg.base_url}/bot{token}/{method}"
    async with aiohttp.ClientSession() as session:
        if encoding == "json":
            request = session.post(url, json=params)
        elif encoding == "form":
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            request = session.post(url, data=form)
        else:
            request = session.get(url, params={k: str(v) for k, v in params.items()})
        async with request as response:
            return response.status, await response.json()


def bad(description: str) -> Reply:
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


async def test_get_me(tg: FakeTelegram) -> None:
    status, body = await call(tg, "getMe")
    assert status == 200 and body["ok"] is True
    me = body["result"]
    assert me["id"] == 123 and me["is_bot"] is True
    assert me["username"] and me["first_name"] and me["can_join_groups"] is True


async def test_wrong_token_is_401_and_unknown_method_404(tg: FakeTelegram) -> None:
    assert await call(tg, "getMe", token="123:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await call(tg, "sendMesage", chat_id=1, text="x") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert (await call(tg, "GETME", encoding="get"))[0] == 200  # method names are case-insensitive
    assert tg.stats["401"] == 1 and tg.stats["404"] == 1


async def test_get_updates_offset_and_limit(tg: FakeTelegram) -> None:
    ids = [tg.send_user_message(5, f"pesan {n}")["update_id"] for n in range(3)]
    status, body = await call(tg, "getUpdates")
    assert status == 200 and [u["update_id"] for u in body["result"]] == ids
    assert body["result"][0]["message"]["text"] == "pesan 0"
    # an offset confirms (drops) every update below it
    _, body = await call(tg, "getUpdates", offset=ids[1], limit=1)
    assert [u["update_id"] for u in body["result"]] == [ids[1]]
    _, body = await call(tg, "getUpdates", encoding="form", offset=ids[2] + 1)
    assert body["result"] == [] and tg.updates == []


async def test_long_poll_returns_early_when_an_update_arrives(tg: FakeTelegram) -> None:
    async def user_writes_later() -> None:
        await asyncio.sleep(0.3)
        tg.send_user_message(5, "kapan pemilu?")

    writer = asyncio.create_task(user_writes_later())
    started = time.monotonic()
    status, body = await call(tg, "getUpdates", timeout=5)
    elapsed = time.monotonic() - started
    await writer
    assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["kapan pemilu?"]
    assert 0.25 < elapsed < 2


async def test_long_poll_waits_for_its_timeout_without_updates(tg: FakeTelegram) -> None:
    started = time.monotonic()
    assert await call(tg, "getUpdates", timeout=1) == (200, {"ok": True, "result": []})
    assert 0.9 < time.monotonic() - started < 3


async def test_send_message_success_shape(tg: FakeTelegram) -> None:
    tg.add_chat(7, "Siti")
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "faq:ya"}]]}
    status, body = await call(
        tg,
        "sendMessage",
        encoding="form",
        chat_id=7,
        text="<b>Halo</b> &amp; selamat, ketik /start",
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert status == 200 and body["ok"] is True
    message = body["result"]
    assert message["message_id"] == 1 and isinstance(message["date"], int)
    assert message["chat"] == {"id": 7, "first_name": "Siti", "type": "private"}
    assert message["from"]["is_bot"] is True and message["from"]["id"] == 123
    assert message["text"] == "Halo & selamat, ketik /start"
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "bot_command", "offset": 22, "length": 6},
    ]
    assert message["reply_markup"] == markup
    _, second = await call(tg, "sendMessage", chat_id=7, text="lagi")
    assert second["result"]["message_id"] == 2 and "entities" not in second["result"]
    [first, _] = tg.messages_to(7)
    assert first["params"]["chat_id"] == 7 and first["params"]["reply_markup"] == markup
    assert tg.calls[-1] == ("sendMessage", {"chat_id": 7, "text": "lagi"})


async def test_missing_required_fields(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    assert await call(tg, "sendMessage", text="halo") == bad("chat_id is empty")
    assert await call(tg, "sendMessage", chat_id=7) == bad("message text is empty")
    assert await call(tg, "sendMessage", chat_id=7, text="") == bad("message text is empty")
    assert await call(tg, "sendMessage", chat_id=7, text="<b> </b>", parse_mode="HTML") == bad(
        "message text is empty"
    )


async def test_wrong_types(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    assert await call(tg, "sendMessage", chat_id=[7], text="x") == bad(
        'field "chat_id" must be of type Integer or String'
    )
    assert await call(tg, "sendMessage", chat_id=7, text="x", disable_notification="maybe") == bad(
        'field "disable_notification" must be of type Boolean'
    )
    assert await call(tg, "getUpdates", encoding="get", limit="banyak") == bad(
        'field "limit" must be of type Integer'
    )
    assert await call(tg, "sendMessage", chat_id=7, text="x", reply_markup="{oops") == bad(
        "can't parse reply keyboard markup JSON object"
    )
    assert await call(tg, "sendMessage", chat_id=7, text="x", reply_markup=[1]) == bad(
        "object expected as reply markup"
    )
    assert await call(tg, "sendMessage", chat_id=7, text="x", parse_mode="XML") == bad(
        "unsupported parse_mode"
    )
    # unknown extra parameters are ignored, as Telegram does
    assert (await call(tg, "sendMessage", chat_id=7, text="x", colour="red"))[0] == 200


async def test_html_unsupported_tag(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    reply = await call(tg, "sendMessage", chat_id=7, text="Halo <foo>x</foo>", parse_mode="HTML")
    assert reply == bad('can\'t parse entities: Unsupported start tag "foo" at byte offset 5')
    reply = await call(tg, "sendMessage", chat_id=7, text="é <script>", parse_mode="HTML")
    assert reply == bad('can\'t parse entities: Unsupported start tag "script" at byte offset 3')
    reply = await call(tg, "sendMessage", chat_id=7, text="1 < 2", parse_mode="HTML")
    assert reply == bad('can\'t parse entities: Unsupported start tag "" at byte offset 2')
    # like Telegram, a bare "&" that is no entity is kept as text
    status, body = await call(tg, "sendMessage", chat_id=7, text="A & B &copy;", parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "A & B &copy;"


async def test_html_unclosed_and_mismatched_tags(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    reply = await call(tg, "sendMessage", chat_id=7, text="<b>tebal", parse_mode="HTML")
    assert reply == bad("can't parse entities: Can't find end tag corresponding to start tag \"b\"")
    reply = await call(tg, "sendMessage", chat_id=7, text="<b>x</i>", parse_mode="HTML")
    assert reply == bad(
        'can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'
    )
    text = '<a href="https://kpu.go.id">KPU</a> <pre><code class="language-python">x</code></pre>'
    status, body = await call(tg, "sendMessage", chat_id=7, text=text, parse_mode="html")
    assert status == 200 and body["result"]["entities"] == [
        {"type": "text_link", "offset": 0, "length": 3, "url": "https://kpu.go.id/"},
        {"type": "pre", "offset": 4, "length": 1, "language": "python"},
    ]


async def test_message_too_long_counts_utf16_after_parsing(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    assert (await call(tg, "sendMessage", chat_id=7, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML"))[
        0
    ] == 200
    assert await call(tg, "sendMessage", chat_id=7, text="x" * 4097) == bad("message is too long")
    assert (await call(tg, "sendMessage", chat_id=7, text="😀" * 2048))[0] == 200
    assert await call(tg, "sendMessage", chat_id=7, text="😀" * 2048 + "x") == bad("message is too long")


async def test_blocked_and_deactivated_users_are_403(tg: FakeTelegram) -> None:
    tg.block(7)
    assert await call(tg, "sendMessage", chat_id=7, text="x") == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    tg.deactivate(8)
    assert (await call(tg, "sendMessage", chat_id=8, text="x"))[1]["description"] == (
        "Forbidden: user is deactivated"
    )


async def test_unknown_chat_is_400(tg: FakeTelegram) -> None:
    assert await call(tg, "sendMessage", chat_id=999, text="x") == bad("chat not found")
    tg.send_user_message(999, "halo")  # once the user wrote, the chat is known
    assert (await call(tg, "sendMessage", chat_id=999, text="x"))[0] == 200


async def test_rate_limits_answer_429_with_retry_after(tg: FakeTelegram) -> None:
    for chat_id in (1, 2, 3):
        tg.add_chat(chat_id)
    tg.set_rate_limits(per_chat_per_second=1)
    assert (await call(tg, "sendMessage", chat_id=1, text="satu"))[0] == 200
    assert await call(tg, "sendMessage", chat_id=1, text="dua") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert (await call(tg, "sendMessage", chat_id=2, text="lain"))[0] == 200
    tg.set_rate_limits(global_per_second=1)
    assert (await call(tg, "sendMessage", chat_id=3, text="x"))[0] == 200
    status, body = await call(tg, "sendMessage", chat_id=2, text="y")
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    assert tg.stats["429"] == 2
    tg.set_rate_limits()
    assert (await call(tg, "sendMessage", chat_id=2, text="z"))[0] == 200


async def test_webhook_conflicts_with_get_updates(tg: FakeTelegram) -> None:
    assert (await call(tg, "setWebhook", url="https://bot.example.com/hook", secret_token="s3cret"))[0] == 200
    conflict = (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    assert await call(tg, "getUpdates") == (409, {"ok": False, "error_code": 409, "description": conflict})
    _, info = await call(tg, "getWebhookInfo")
    assert info["result"]["url"] == "https://bot.example.com/hook"
    assert info["result"]["has_custom_certificate"] is False
    assert tg.webhook["secret_token"] == "s3cret"
    assert await call(tg, "setWebhook", url="http://bot.example.com/hook") == bad(
        "bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert (await call(tg, "deleteWebhook"))[1] == {"ok": True, "result": True}
    assert (await call(tg, "getUpdates"))[0] == 200


async def test_a_second_long_poll_ends_the_first_with_409(tg: FakeTelegram) -> None:
    first = asyncio.create_task(call(tg, "getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    assert (await call(tg, "getUpdates"))[0] == 200
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and body["description"].startswith(
        "Conflict: terminated by other getUpdates request"
    )


async def test_callback_data_is_limited_to_64_bytes(tg: FakeTelegram) -> None:
    tg.add_chat(7)

    def keyboard(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "Tombol", "callback_data": data}]]}

    assert (await call(tg, "sendMessage", chat_id=7, text="x", reply_markup=keyboard("é" * 32)))[0] == 200
    reply = await call(tg, "sendMessage", chat_id=7, text="x", reply_markup=keyboard("é" * 32 + "a"))
    assert reply == bad("BUTTON_DATA_INVALID")
    reply = await call(
        tg, "sendMessage", chat_id=7, text="x", reply_markup={"inline_keyboard": [[{"url": "x"}]]}
    )
    assert reply == bad("can't parse inline keyboard button: Can't find field \"text\"")
    reply = await call(tg, "sendMessage", chat_id=7, text="x", reply_markup=keyboard(""))
    assert reply == bad(
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )


async def test_edit_message_text_and_buttons(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    _, sent = await call(tg, "sendMessage", chat_id=7, text="lama")
    message_id = sent["result"]["message_id"]
    assert await call(tg, "editMessageText", chat_id=7, message_id=99, text="baru") == bad(
        "message to edit not found"
    )
    assert await call(tg, "editMessageText", inline_message_id="AAA", text="baru") == bad(
        "message to edit not found"
    )
    status, body = await call(
        tg, "editMessageText", chat_id=7, message_id=message_id, text="<i>baru</i>", parse_mode="HTML"
    )
    assert status == 200 and body["result"]["text"] == "baru" and "edit_date" in body["result"]
    not_modified = (
        "message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message"
    )
    assert await call(
        tg, "editMessageText", chat_id=7, message_id=message_id, text="<i>baru</i>", parse_mode="HTML"
    ) == bad(not_modified)
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}
    status, body = await call(
        tg, "editMessageReplyMarkup", chat_id=7, message_id=message_id, reply_markup=markup
    )
    assert status == 200 and body["result"]["reply_markup"] == markup
    assert len(tg.messages_to(7)) == 1 and len(tg.edits_to(7)) == 2


async def test_button_press_and_answer_callback_query(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}
    _, sent = await call(tg, "sendMessage", chat_id=7, text="Setuju?", reply_markup=markup)
    update = tg.press_button(7, sent["result"]["message_id"], "ya")
    query = update["callback_query"]
    assert query["data"] == "ya" and query["message"]["text"] == "Setuju?" and query["from"]["id"] == 7
    _, body = await call(tg, "getUpdates")
    assert body["result"] == [update]
    assert await call(tg, "answerCallbackQuery", callback_query_id=query["id"]) == (
        200,
        {"ok": True, "result": True},
    )
    invalid = bad("query is too old and response timeout expired or query ID is invalid")
    assert await call(tg, "answerCallbackQuery", callback_query_id=query["id"]) == invalid
    assert await call(tg, "answerCallbackQuery", callback_query_id="12345") == invalid


async def test_commands_chat_action_and_generic_methods(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    commands = [
        {"command": "start", "description": "Mulai"},
        {"command": "bantuan", "description": "Bantuan"},
    ]
    assert (await call(tg, "setMyCommands", encoding="form", commands=commands))[1]["result"] is True
    assert (await call(tg, "getMyCommands"))[1]["result"] == commands
    assert (await call(tg, "deleteMyCommands"))[1]["result"] is True
    assert (await call(tg, "getMyCommands"))[1]["result"] == []
    assert (await call(tg, "sendChatAction", chat_id=7, action="typing"))[1]["result"] is True
    assert await call(tg, "sendChatAction", chat_id=7, action="dancing") == bad(
        "wrong parameter action in request"
    )
    # any other method of the spec: parameters checked, then true
    assert (await call(tg, "setMyDescription", description="Bot pemilu"))[1] == {"ok": True, "result": True}
    assert await call(tg, "banChatMember", chat_id=7) == bad("invalid user_id specified")


async def test_injected_faults_and_latency(tg: FakeTelegram) -> None:
    tg.add_chat(7)
    tg.fail_next("sendMessage", 502, "Bad Gateway")
    assert await call(tg, "sendMessage", chat_id=7, text="x") == (
        502,
        {"ok": False, "error_code": 502, "description": "Bad Gateway"},
    )
    tg.fail_next("sendmessage", 429, retry_after=7)
    assert (await call(tg, "sendMessage", chat_id=7, text="x"))[1]["parameters"] == {"retry_after": 7}
    tg.fail_next("sendMessage", drop_connection=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(tg, "sendMessage", chat_id=7, text="x")
    tg.set_latency(0.3)
    started = time.monotonic()
    assert (await call(tg, "sendMessage", chat_id=7, text="x"))[0] == 200
    assert time.monotonic() - started >= 0.3
    assert tg.stats["dropped"] == 1 and tg.stats["ok"] == 1


async def test_wait_for_messages(tg: FakeTelegram) -> None:
    tg.add_chat(7)

    async def bot_answers_later() -> None:
        await asyncio.sleep(0.2)
        await call(tg, "sendMessage", chat_id=7, text="jawaban")

    answer = asyncio.create_task(bot_answers_later())
    [message] = await tg.wait_for_messages(7, 1, timeout=5)
    await answer
    assert message["method"] == "sendMessage" and message["result"]["text"] == "jawaban"
    with pytest.raises(TimeoutError, match="1 of 2"):
        await tg.wait_for_messages(7, 2, timeout=0.2)


async def test_user_updates_of_every_kind(tg: FakeTelegram) -> None:
    tg.send_user_update(tg.sticker_update(7))
    tg.send_user_update(tg.photo_update(7, caption="foto TPS"))
    tg.send_user_update(tg.voice_update(7))
    tg.send_user_update(tg.document_update(7))
    tg.send_user_update({"update_id": 1, "message": {"weird": True}})  # malformed, delivered as is
    tg.send_user_update(tg.edited_message_update(7, 1, "diubah"))
    tg.send_user_update(tg.inline_query_update(7, "tps"))
    _, body = await call(tg, "getUpdates")
    kinds = [next(k for k in u if k != "update_id") for u in body["result"]]
    assert kinds == ["message"] * 5 + ["edited_message", "inline_query"]
    assert "sticker" in body["result"][0]["message"] and body["result"][1]["message"]["caption"] == "foto TPS"
    _, body = await call(tg, "getUpdates", allowed_updates=["callback_query"])
    assert body["result"] == []  # updates of other kinds are dropped


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter.retry_after
async def test_real_ptb_bot_against_the_fake(tg: FakeTelegram) -> None:
    tg.add_chat(42, "Budi")
    bot = Bot(TOKEN, base_url=f"{tg.base_url}/bot")
    await bot.initialize()
    try:
        me = await bot.get_me()
        assert me.is_bot and me.id == 123
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Tanggal pemilu", callback_data="faq:tanggal")]]
        )
        sent = await bot.send_message(
            42, "<b>Pemilu</b> 14 Februari 2024", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        assert sent.text == "Pemilu 14 Februari 2024" and sent.chat.id == 42
        assert sent.entities[0].type == "bold" and sent.reply_markup == keyboard
        params = tg.messages_to(42)[0]["params"]
        assert params["reply_markup"] == {
            "inline_keyboard": [[{"text": "Tanggal pemilu", "callback_data": "faq:tanggal"}]]
        }

        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag \"blink\""):
            await bot.send_message(42, "<blink>x</blink>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(43, "x")
        tg.block(42)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(42, "x")
        tg.unblock(42)
        tg.fail_next("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
            await bot.send_message(42, "x")
        tg.fail_next("sendMessage", drop_connection=True)
        with pytest.raises(NetworkError):
            await bot.send_message(42, "x")

        photo = await bot.send_photo(
            42, b"\x89PNG fake", caption="<i>Contoh surat suara</i>", parse_mode="HTML"
        )
        assert photo.caption == "Contoh surat suara" and photo.photo  # multipart upload parsed
        assert tg.messages_to(42)[-1]["params"]["photo"].size == len(b"\x89PNG fake")

        update = tg.send_user_message(42, "/start")
        [received] = await bot.get_updates(timeout=1)
        assert received.update_id == update["update_id"] and received.message is not None
        assert received.message.text == "/start" and received.message.entities[0].type == "bot_command"
    finally:
        await bot.shutdown()


def test_committed_spec_fixture_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen_bot_api_spec.main(["--check"]) == 0, capsys.readouterr().out
