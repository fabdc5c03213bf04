"""A full Rasa project (NLU + rules + responses) for Rasa's own Telegram channel, built from our data.

Our model is NLU only: the bot decides and writes every reply. Rasa's Telegram channel needs Rasa to
reply by itself, so this builds, in a temporary folder, a project with the same pipeline and NLU data
plus a RulePolicy, one response ``utter_<intent>`` per intent (an FAQ entry's text is that entry's
rendered answer, as our bot sends it) and a rule ``intent -> utter_<intent>`` for each, including
``nlu_fallback``. The trained model is cached under ``models/bench/`` by a hash of every input, so
reruns do not train again.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot import texts
from bot.claims.checker import UNCHECKED
from bot.faq import load_faq
from bot.faq.render import render_answer
from bot.nlu.model import NluPaths, rasa_env

REPO = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO / "models" / "bench"
FALLBACK = "nlu_fallback"
# Replies whose text does not depend on an FAQ entry (the same texts our bot sends).
FIXED_REPLIES = {
    "sapa": texts.GREETING,
    "terima_kasih": texts.THANKS,
    "bantuan": texts.HELP,
    "di_luar_topik": texts.OFF_TOPIC,
    FALLBACK: texts.LOW_CONFIDENCE,
    # A question about a chain message: ours matches it against the claims; Rasa's channel can only
    # send one fixed text, so it gets the "cannot confirm" reply.
    "cek_klaim": UNCHECKED,
}


@dataclass(frozen=True)
class RasaProject:
    """The trained model, and what Rasa's channel answers for each intent."""

    model: Path
    responses: dict[str, str]  # intent -> full response text
    trained_seconds: float  # 0.0 when taken from the cache


def project_files(day: date, nlu: NluPaths) -> dict[str, str]:
    """Relative path -> content of every file of the project."""
    config = yaml.safe_load(nlu.config.read_text(encoding="utf-8"))
    config["policies"] = [{"name": "RulePolicy"}]
    intents = list(yaml.safe_load(nlu.domain.read_text(encoding="utf-8"))["intents"])
    faq = load_faq(REPO / "responses")
    replies = dict(FIXED_REPLIES)
    for entry in faq.entries:
        replies[entry.id] = render_answer(entry, day)
    missing = [i for i in intents if i not in replies]
    if missing:
        raise RuntimeError(f"no reply text for intents {missing}")
    domain = {
        "version": "3.1",
        "intents": intents,
        "responses": {f"utter_{i}": [{"text": replies[i]}] for i in [*intents, FALLBACK]},
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    }
    rules = {
        "version": "3.1",
        "rules": [
            {"rule": f"answer {i}", "steps": [{"intent": i}, {"action": f"utter_{i}"}]}
            for i in [*intents, FALLBACK]
        ],
    }
    files = {
        "config.yml": yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
        "domain.yml": yaml.safe_dump(domain, allow_unicode=True, sort_keys=False, width=10_000),
        "data/rules.yml": yaml.safe_dump(rules, allow_unicode=True, sort_keys=False),
    }
    for path in sorted(nlu.training_dir.glob("*.yml")):
        files[f"data/nlu/{path.name}"] = path.read_text(encoding="utf-8")
    return files


def build(day: date, rasa_bin: Path = REPO / ".venv-rasa/bin/rasa") -> RasaProject:
    """Train (or take from the cache) the full Rasa model for Rasa's Telegram channel."""
    nlu = NluPaths(REPO / "nlu_data", REPO / "models", rasa_bin)
    files = project_files(day, nlu)
    domain = yaml.safe_load(files["domain.yml"])
    responses = {name.removeprefix("utter_"): items[0]["text"] for name, items in domain["responses"].items()}
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        digest.update(name.encode() + b"\0" + content.encode() + b"\0")
    for path in nlu.inputs():  # custom components in nlu_data/ (found through rasa_env's PYTHONPATH)
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    name = f"rasa-telegram-{digest.hexdigest()[:16]}"
    model = CACHE_DIR / f"{name}.tar.gz"
    if model.exists():
        return RasaProject(model, responses, 0.0)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-rasa-project-") as tmp:
        root = Path(tmp)
        for rel, content in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(content, encoding="utf-8")
        command = [
            str(rasa_bin.resolve()),
            "train",
            "--quiet",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(root / "out"),
            "--fixed-model-name",
            name,
        ]
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=root, env=rasa_env(), capture_output=True, text=True, check=False
        )
        seconds = time.monotonic() - started
        built = root / "out" / f"{name}.tar.gz"
        if result.returncode != 0 or not built.exists():
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
            raise RuntimeError(f"rasa train failed (exit {result.returncode}):\n{tail}")
        shutil.move(str(built), model)
    for old in sorted(CACHE_DIR.glob("rasa-telegram-*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-2]:
        old.unlink(missing_ok=True)
    return RasaProject(model, responses, seconds)


if __name__ == "__main__":
    project = build(date(2026, 11, 28))
    print(f"{project.model} ({project.trained_seconds:.0f} s), {len(project.responses)} responses")
