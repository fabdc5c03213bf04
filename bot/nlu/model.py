"""Train the Rasa model from the repo's data, cached by a hash of its inputs.

One model holds both parts: the NLU (what the Telegram bot asks over HTTP) and the small rule-based
dialogue of the web chat (every intent runs the custom action in ``actions/``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
COMPONENTS_PARENT = REPO / "nlu_data"
"""Rasa imports the custom components (package ``pemilu_nlu``) from here."""


@dataclass(frozen=True)
class NluPaths:
    """Where the NLU inputs live and where models go."""

    nlu_dir: Path = Path("nlu_data")
    models_dir: Path = Path("models")
    rasa_bin: Path = Path(".venv-rasa/bin/rasa")

    @property
    def config(self) -> Path:
        return self.nlu_dir / "config.yml"

    @property
    def domain(self) -> Path:
        return self.nlu_dir / "domain.yml"

    @property
    def training_dir(self) -> Path:
        return self.nlu_dir / "nlu"

    @property
    def core_dir(self) -> Path:
        """The web chat's dialogue rules (generated from responses/)."""
        return self.nlu_dir / "core"

    def inputs(self) -> list[Path]:
        """Every file that changes the trained model."""
        components = sorted(p for p in (self.nlu_dir / "pemilu_nlu").glob("*") if p.suffix in (".py", ".yml"))
        return [
            self.config,
            self.domain,
            *sorted(self.training_dir.glob("*.yml")),
            *sorted(self.core_dir.glob("*.yml")),
            *components,
        ]


def rasa_env() -> dict[str, str]:
    """Environment for every Rasa process: telemetry off, quiet TensorFlow, our components importable."""
    env = dict(os.environ)
    python_path = [str(COMPONENTS_PARENT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(python_path),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
            # Sanic holds every closed connection until a timeout check at half this value (default
            # 60 s): with web chat sockets coming and going, 10 s lowers Rasa's memory plateau (584 →
            # 639 MB at 75 new sockets/s by default, → 615 MB with 10; bench/sio_memory.py). Rasa's
            # only clients are the bot and its proxy on 127.0.0.1, sending small requests.
            "SANIC_REQUEST_TIMEOUT": "10",
        }
    )
    return env


def inputs_hash(paths: NluPaths) -> str:
    """A short hash of the model's inputs (file names relative to the NLU folder, and contents), so
    the CLI (relative paths), the tests and the benches (absolute paths) find the same model."""
    digest = hashlib.sha256()
    for path in paths.inputs():
        digest.update(path.relative_to(paths.nlu_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(paths: NluPaths) -> Path:
    """The model file the current inputs train into."""
    return paths.models_dir / f"{MODEL_PREFIX}{inputs_hash(paths)}.tar.gz"


MODEL_PREFIX = "pemilu-"
_OLD_PREFIXES = ("nlu-",)  # NLU-only models of earlier versions, pruned like the others


class TrainingFailed(RuntimeError):
    """``rasa train`` did not produce a model."""


def train(paths: NluPaths, *, force: bool = False) -> tuple[Path, float]:
    """Train unless a model for exactly these inputs exists; return (model, seconds spent)."""
    target = model_path(paths)
    if target.exists() and not force:
        return target, 0.0
    paths.models_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    cmd = [
        str(paths.rasa_bin),
        "train",
        "--quiet",
        "--config",
        str(paths.config),
        "--domain",
        str(paths.domain),
        "--data",
        str(paths.training_dir),
        str(paths.core_dir),
        "--out",
        str(paths.models_dir),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    log.info("Training the Rasa model: %s", target.name)
    result = subprocess.run(cmd, env=rasa_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0 or not target.exists():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise TrainingFailed(f"rasa train failed (exit {result.returncode}):\n{tail}")
    return target, time.monotonic() - started


def prune(paths: NluPaths, keep: int = 3) -> None:
    """Delete all but the newest ``keep`` models."""
    for prefix in _OLD_PREFIXES:
        for old in paths.models_dir.glob(f"{prefix}*.tar.gz"):
            old.unlink(missing_ok=True)
    models = sorted(paths.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-keep]:
        old.unlink(missing_ok=True)
