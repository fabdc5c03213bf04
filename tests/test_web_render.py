"""The web chat's rendering: the same reply as on Telegram, as Markdown and quick replies."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.claims import protocol
from bot.conversation import Button, Conversation, Reply
from bot.faq import load_faq
from bot.web.render import button_payload, html_to_markdown, render_reply
from tests.helpers_web import html_plain, markdown_plain, payload_data

REPO = Path(__file__).resolve().parents[1]


def test_emphasis_links_and_line_breaks() -> None:
    markup = 'Coblos <b>14 Februari 2024</b>, <i>pukul 07.00</i>.\nBaris dua.\n\n<a href="https://kpu.go.id/x">KPU</a>'
    assert html_to_markdown(markup) == (
        "Coblos **14 Februari 2024**, *pukul 07.00*.  \nBaris dua.\n \n[KPU](https://kpu.go.id/x)"
    )


def test_an_answer_stays_one_message_on_the_socket_channel() -> None:
    """Rasa's socket.io output makes a new chat bubble at every "\\n\\n": there must be none."""
    faq = load_faq(REPO / "responses")
    conversation = Conversation(lambda: faq, None, None, clock=lambda: date(2026, 11, 30))
    for entry in faq.entries:
        for message in render_reply(conversation.answer_entry(entry.id)):
            assert "\n\n" not in message["text"].strip(), entry.id


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("5 * 3 = 15", "5 \\* 3 = 15"),
        ("nama_file [draf]", "nama\\_file \\[draf\\]"),
        ("# bukan judul", "\\# bukan judul"),
        ("- bukan daftar", "\\- bukan daftar"),
        ("1. bukan daftar", "1\\. bukan daftar"),
        ("a &lt;b&gt; &amp; c", "a \\<b\\> & c"),
    ],
)
def test_text_that_looks_like_markdown_is_shown_as_written(text: str, shown: str) -> None:
    assert html_to_markdown(text) == shown
    assert markdown_plain(html_to_markdown(text))[0] == html_plain(text)[0]


def test_link_targets_with_brackets_and_spaces_stay_one_link() -> None:
    markdown = html_to_markdown('<a href="https://x.id/a_(b) c?d=1&amp;e=2">judul (x)</a>')
    assert markdown == "[judul (x)](https://x.id/a_%28b%29%20c?d=1&e=2)"
    assert markdown_plain(markdown) == ("judul (x)", ["https://x.id/a_(b) c?d=1&e=2"])


def test_buttons_carry_telegram_button_data_and_notify_is_dropped() -> None:
    reply = Reply(
        ["satu", "dua"],
        [
            Button("Tanggal", "faq:tanggal_pemilu"),
            Button("🔔 Kabari", protocol.notify(7)),
            Button("👍", "fb:x:1"),
        ],
    )
    first, last = render_reply(reply)
    assert first["buttons"] == []
    assert [b["title"] for b in last["buttons"]] == ["Tanggal", "👍"]
    assert [payload_data(b["payload"]) for b in last["buttons"]] == ["faq:tanggal_pemilu", "fb:x:1"]
    assert button_payload('a"b') == '/tombol{"data":"a\\"b"}'


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_faq_answer_reads_the_same_on_the_web(lang: str) -> None:
    """Every entry: the Markdown shows exactly the Telegram message's text and links."""
    faq = load_faq(REPO / "responses")
    conversation = Conversation(lambda: faq, None, None, clock=lambda: date(2026, 11, 30))
    for entry in faq.entries:
        reply = conversation.answer_entry(entry.id, lang)
        web = render_reply(reply)
        assert len(web) == len(reply.messages)
        for markup, message in zip(reply.messages, web, strict=True):
            text, links = markdown_plain(message["text"])
            want_text, want_links = html_plain(markup)
            assert links == want_links, entry.id
            assert [line.strip() for line in text.splitlines()] == [
                line.strip() for line in want_text.splitlines()
            ], entry.id
