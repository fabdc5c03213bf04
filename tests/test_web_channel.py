"""The web chat's custom action logic (bot.web.channel) gives Telegram's answers to Rasa's parses.

These run without Rasa: the message dicts have the shape of Rasa's ``tracker.latest_message``.
The full path (socket.io/REST → Rasa → action server) is in tests/test_web_parity.py.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.claims.checker import NOTIFY_BUTTON, UNCHECKED_WEB
from bot.config import Settings
from bot.conversation import START_TOPICS, Conversation
from bot.faq import load_faq
from bot.web import channel as channel_module
from bot.web.channel import WebChannel
from bot.web.render import button_payload, render_reply

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 30)


@pytest.fixture
def web(tmp_path: Path) -> Any:
    responses = tmp_path / "responses"
    shutil.copytree(REPO / "responses", responses)
    channel = WebChannel(
        Settings(responses_dir=responses, database_path=tmp_path / "web.db"), clock=lambda: TODAY
    )
    yield channel
    channel.close()


def parsed(
    text: str, intent: str, confidence: float = 0.9, ranking: list[tuple[str, float]] | None = None
) -> dict[str, Any]:
    rank = ranking or [(intent, confidence)]
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in rank],
        "entities": [],
    }


def pressed(data: str) -> dict[str, Any]:
    """What Rasa's regex handler makes of a web button's payload."""
    return {
        "text": button_payload(data),
        "intent": {"name": "tombol", "confidence": 1.0},
        "intent_ranking": [{"name": "tombol", "confidence": 1.0}],
        "entities": [{"entity": "data", "value": data, "start": 0, "end": 0}],
    }


def rows(web: WebChannel, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(web.storage.path) as db:
        return db.execute(sql).fetchall()


async def test_a_recognised_question_gets_the_telegram_answer(web: WebChannel) -> None:
    telegram = Conversation(lambda: load_faq(REPO / "responses"), None, clock=lambda: TODAY)
    reply = await web.answer(parsed("kpn nyoblos?", "tanggal_pemilu"))
    assert reply.entry_id == "tanggal_pemilu"
    assert reply.messages == telegram.answer_entry("tanggal_pemilu").messages
    assert "14 Februari 2024" in render_reply(reply)[0]["text"]
    assert [b.data for b in reply.buttons] == ["fb:tanggal_pemilu:1", "fb:tanggal_pemilu:0"]


async def test_buttons_start_answer_and_feedback(web: WebChannel) -> None:
    start = await web.answer(pressed("start"))
    assert [b.data for b in start.buttons] == [f"faq:{t}" for t in START_TOPICS]
    answer = await web.answer(pressed("faq:cek_dpt"))
    assert answer.entry_id == "cek_dpt"
    thanks = await web.answer(pressed("fb:cek_dpt:0"))
    assert thanks.messages == [texts.FEEDBACK_THANKS]
    assert rows(web, "SELECT entry_id, helpful FROM feedback") == [("cek_dpt", 0)]
    assert rows(web, "SELECT entry_id, SUM(count) FROM answer_counts GROUP BY entry_id") == [("cek_dpt", 1)]


@pytest.mark.parametrize(
    "data", ["", "faq:tidak_ada", "fb:tidak_ada:1", "klaim:tidak_ada", "ktahu:1", "acak"]
)
async def test_unknown_or_stale_buttons_get_a_clear_reply(web: WebChannel, data: str) -> None:
    reply = await web.answer(pressed(data))
    assert reply.messages[0] in (
        texts.UNKNOWN_BUTTON,
        "Klaim itu sudah tidak ada di daftar. Silakan kirim ulang pesannya untuk dicek.",
    )


async def test_claim_buttons_show_the_verdict_and_store_feedback(web: WebChannel) -> None:
    verdict = await web.answer(pressed("klaim:kpu_terbitkan_putaran_kedua_takut_rakyat"))
    assert verdict.kind == "claim_verdict"
    assert "SALAH" in verdict.messages[0]
    thanks = await web.answer(pressed("kfb:kpu_terbitkan_putaran_kedua_takut_rakyat:1"))
    assert thanks.messages == [texts.FEEDBACK_THANKS]
    assert rows(web, "SELECT entry_id, helpful FROM feedback") == [
        ("klaim:kpu_terbitkan_putaran_kedua_takut_rakyat", 1)
    ]


async def test_unsure_and_off_topic_follow_the_telegram_rules(web: WebChannel) -> None:
    unsure = await web.answer(
        parsed(
            "gmn caranya",
            "nlu_fallback",
            0.15,
            [
                ("nlu_fallback", 0.15),
                ("cek_dpt", 0.1),
                ("jam_tps", 0.08),
                ("sapa", 0.05),
                ("pindah_memilih_cara", 0.04),
            ],
        )
    )
    assert unsure.messages == [texts.LOW_CONFIDENCE]
    assert [b.data for b in unsure.buttons] == ["faq:cek_dpt", "faq:jam_tps", "faq:pindah_memilih_cara"]
    off = await web.answer(parsed("resep rendang", "di_luar_topik"))
    assert off.messages == [texts.OFF_TOPIC]
    assert [r[0] for r in rows(web, "SELECT reason FROM unanswered ORDER BY id")] == [
        "tidak_yakin",
        "di_luar_topik",
    ]


async def test_an_unchecked_claim_on_the_web_offers_no_notification(web: WebChannel) -> None:
    reply = await web.answer(
        parsed("katanya besok ada pemilu ulang nasional serentak bener gak", "cek_klaim")
    )
    assert reply.messages == [UNCHECKED_WEB]
    assert NOTIFY_BUTTON not in [b.label for b in reply.buttons]
    assert not any(b.data.startswith("ktahu:") for b in reply.buttons)
    assert rows(web, "SELECT COUNT(*) FROM pending_claims") == [(1,)]


async def test_help_on_the_web_names_no_telegram_commands(web: WebChannel) -> None:
    reply = await web.answer(parsed("bantuan", "bantuan"))
    assert reply.messages == [texts.HELP_WEB]
    assert "/langganan" not in reply.messages[0] and "/cekhoaks" not in reply.messages[0]


async def test_a_long_pasted_text_is_checked_as_a_chain_message(web: WebChannel) -> None:
    """Telegram refuses a typed question over 500 characters but checks forwards; the web has no
    forwarding, so a long paste is checked against the claims."""
    claim = web.claims.claims.get("kpu_terbitkan_putaran_kedua_takut_rakyat")
    assert claim is not None
    chain = "Assalamualaikum bapak ibu, mohon dibaca sampai habis ya. " * 8 + claim.variants[4]
    assert len(chain) > 500
    verdict = await web.answer(parsed(chain, "cek_klaim"))
    assert verdict.kind == "claim_verdict" and "SALAH" in verdict.messages[0]
    unrelated = await web.answer(parsed("pemilu " * 100, "tanggal_pemilu"))
    assert unrelated.messages == [UNCHECKED_WEB]


async def test_a_valid_edit_is_served_and_a_broken_one_is_refused(
    web: WebChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel_module, "FOLLOW_INTERVAL", 0.0)
    path = web.faq.directory / "jadwal.yml"
    original = path.read_text(encoding="utf-8")
    marker = "serentak di seluruh Indonesia."
    assert marker in original
    time.sleep(0.01)
    path.write_text(original.replace(marker, marker + " Hari itu hari libur nasional.", 1), encoding="utf-8")
    edited = await web.answer(parsed("kapan pemilu", "tanggal_pemilu"))
    assert "Hari itu hari libur nasional." in edited.messages[0]
    path.write_text(original + "\n  - id: [rusak\n", encoding="utf-8")
    kept = await web.answer(parsed("kapan pemilu", "tanggal_pemilu"))
    assert kept.messages == edited.messages  # the last good FAQ keeps serving
