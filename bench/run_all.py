"""``make bench``: run every benchmark under bench/ and write docs/benchmarks.md with the figures."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHES = [
    ("NLU: training, model size, parse latency", ["bench.nlu_speed"]),
    ("NLU: held-out evaluation", ["bench.eval_nlu"]),
    ("Reply latency through the fake Bot API", ["bench.reply_latency"]),
    ("Web chat: socket.io → proxy → Rasa → action server, next to Telegram", ["bench.web_latency"]),
    ("Broadcast: 10,000 subscribers, 30 msg/s limit, kill -9 halfway", ["bench.broadcast"]),
    ("Peaks with Telegram's limits on: burst of 300, broadcast to 1,000 + citizens", ["bench.peak"]),
    ("Cek Hoaks: held-out chain messages", ["bench.eval_claims"]),
    ("Cek Hoaks: match time with 1,000 claims", ["bench.claims_speed"]),
]
# Benchmarks that print their own markdown section (heading, tables); progress goes to stderr.
MARKDOWN_BENCHES = [
    ("End to end: our bot vs Rasa's own Telegram channel", ["bench.telegram_compare"]),
]


def main() -> int:
    python = sys.executable
    sections = []
    for title, module in BENCHES:
        print(f"==> {title}", flush=True)
        started = time.monotonic()
        proc = subprocess.run([python, "-m", *module], cwd=REPO, capture_output=True, text=True, check=False)
        output = proc.stdout.strip() or proc.stderr.strip()[-2000:]
        print(output, flush=True)
        sections.append(
            f"## {title}\n\n`python -m {' '.join(module)}` ({time.monotonic() - started:.0f} s, "
            f"exit {proc.returncode})\n\n```\n{output}\n```\n"
        )
    for title, module in MARKDOWN_BENCHES:
        print(f"==> {title}", flush=True)
        started = time.monotonic()
        proc = subprocess.run(
            [python, "-m", *module], cwd=REPO, stdout=subprocess.PIPE, text=True, check=False
        )
        print(proc.stdout, flush=True)
        note = f"`python -m {' '.join(module)}` ({time.monotonic() - started:.0f} s, exit {proc.returncode})"
        if proc.returncode == 0 and proc.stdout.strip():
            sections.append(f"{proc.stdout.strip()}\n\n{note}\n")
        else:
            sections.append(f"## {title}\n\n{note}: failed; run it alone to see why.\n")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = (
        f"# Benchmarks\n\nMeasured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine}. "
        "Reproduce with `make bench` (it sets up what is missing first).\n"
    )
    (REPO / "docs" / "benchmarks.md").write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    print("wrote docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
