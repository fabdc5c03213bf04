"""Rasa down: the bot keeps answering clear FAQ questions in limited mode, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import free_port, running_bot

pytestmark = pytest.mark.e2e


async def test_limited_mode_when_rasa_is_down(tmp_path: Path) -> None:
    dead_rasa = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    async with running_bot(dead_rasa, tmp_path) as bot:
        replies = await bot.ask("kpn nyoblos")
        text = "\n".join(r["params"]["text"] for r in replies)
        assert "Mode terbatas" in text and "14 Februari 2024" in text
        [unknown] = await bot.ask("resep rendang enak")
        assert "mode terbatas" in unknown["params"]["text"]
        assert "14 Februari" not in unknown["params"]["text"]
