"""NLU speed: training time (forced retrain of the repo's data), model size, parse latency over HTTP.

Run: .venv/bin/python -m bench.nlu_speed [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.nlu_eval import REPO, rasa_serving
from bot.faq import load_faq
from bot.nlu.model import NluPaths, train
from bot.rasa_client import RasaClient


async def parse_latencies(url: str, texts: list[str]) -> list[float]:
    client = RasaClient(url, timeout=30)
    await client.start()
    try:
        for text in texts[:20]:
            await client.parse(text)  # warm-up
        out = []
        for text in texts:
            t0 = time.perf_counter()
            await client.parse(text)
            out.append((time.perf_counter() - t0) * 1000)
        return out
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"  # a cold training: Rasa's training cache off
    with tempfile.TemporaryDirectory() as tmp:
        nlu_dir = Path(tmp) / "nlu_data"
        shutil.copytree(REPO / "nlu_data", nlu_dir)
        paths = NluPaths(nlu_dir, Path(tmp) / "models", REPO / ".venv-rasa/bin/rasa")
        model, seconds = train(paths, force=True)
        size = model.stat().st_size / 1e6
        faq = load_faq(REPO / "responses")
        texts = [q for e in faq.entries for q in e.questions]
        texts = (texts * (args.requests // len(texts) + 1))[: args.requests]
        with rasa_serving(model, 5141) as url:
            data = sorted(asyncio.run(parse_latencies(url, texts)))
    print(f"Training (rasa train nlu, wall clock incl. start-up): {seconds:.1f} s")
    print(f"Model size: {size:.2f} MB")
    print(
        f"Parse over HTTP, {len(data)} requests: p50 {statistics.median(data):.1f} ms, "
        f"p95 {data[int(0.95 * len(data)) - 1]:.1f} ms, p99 {data[int(0.99 * len(data)) - 1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
