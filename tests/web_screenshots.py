"""Regenerate the chat page screenshots in docs/gambar/ from a real conversation.

    .venv/bin/python -m tests.web_screenshots

Starts the bot's own assembly (``running_services`` with Rasa and the action server, as
``pemilubot jalan`` does) and its web chat on free ports with a throw-away database, asks a question
in headless Chromium on a phone-sized and a desktop-sized window, and saves one PNG of each.
The emoji need a colour emoji font (Debian ``fonts-noto-color-emoji``, installed by ``make test``).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bot.config import Settings
from bot.nlu.model import NluPaths
from bot.runner import prepare_model
from bot.web.server import serve_web_chat
from bot.wiring import running_services
from tests.cdp import Chromium, Page
from tests.conftest import REPO, free_port
from tests.web_conversation import ask, wait_for_greeting

OUT = REPO / "docs" / "gambar"
WINDOWS = {"obrolan-ponsel.png": (390, 844, True), "obrolan-desktop.png": (1366, 768, False)}
"""name: (width, height, phone); a phone shows the end of the answer, a desktop the question on top."""
QUESTION = "kapan pemilu?"


async def conversation(page: Page, url: str, *, question_on_top: bool) -> None:
    """The greeting, then a typed question and its sourced answer with the 👍/👎 buttons."""
    await page.goto(url)
    await wait_for_greeting(page)
    await ask(page, QUESTION, expect="14 Februari 2024")
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    if question_on_top:  # else the end of the answer: its sources and the buttons
        await page.evaluate(
            "(() => { const q = [...document.querySelectorAll('.rw-client')].pop();"
            " const box = document.querySelector('.rw-messages-container');"
            " box.scrollTop += q.getBoundingClientRect().top - box.getBoundingClientRect().top - 8; })()"
        )
    await asyncio.sleep(0.3)


async def main(out: Path) -> None:
    paths = NluPaths(REPO / "nlu_data", REPO / "models", REPO / ".venv-rasa" / "bin" / "rasa")
    with tempfile.TemporaryDirectory(prefix="tp-shots-") as tmp:
        settings = Settings(
            rasa_url=f"http://127.0.0.1:{free_port()}",
            database_path=Path(tmp) / "bot.db",
            responses_dir=REPO / "responses",
            action_server_port=free_port(),
            web_chat_port=free_port(),
        )
        prepare_model(settings, paths)
        async with (
            serve_web_chat(settings) as server,
            running_services(settings, paths, start_rasa=True) as services,
        ):
            assert server is not None
            await services.rasa.wait_ready(60)
            browser = Chromium()
            await browser.start()
            try:
                for name, (width, height, mobile) in WINDOWS.items():
                    page = await browser.new_page()
                    await page.viewport(width, height, mobile=mobile)
                    await conversation(page, server.url, question_on_top=not mobile)
                    await page.screenshot(out / name)
                    print(f"{out / name}: {width}×{height}")
            finally:
                await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    asyncio.run(main(parser.parse_args().out))
