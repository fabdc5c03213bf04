"""Compare NLU pipelines on the held-out set: accuracy, off-topic declines, training time, latency.

Run: .venv/bin/python -m bench.compare_pipelines [config.yml ...]
Default candidates: nlu_data/config.yml (the one in use) and bench/pipelines/*.yml.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from bench.nlu_eval import REPO, report, run_eval
from bot.nlu.model import NluPaths, train


def candidate_paths(config: Path, workdir: Path) -> NluPaths:
    """A copy of nlu_data/ with ``config`` as its pipeline, so the repo's model cache is untouched."""
    nlu_dir = workdir / "nlu_data"
    shutil.copytree(REPO / "nlu_data", nlu_dir)
    shutil.copy(config, nlu_dir / "config.yml")
    return NluPaths(nlu_dir, workdir / "models", REPO / ".venv-rasa/bin/rasa")


def main(argv: list[str]) -> int:
    configs = [Path(a).resolve() for a in argv] or [
        REPO / "nlu_data/config.yml",
        *sorted((REPO / "bench/pipelines").glob("*.yml")),
    ]
    rows = []
    for number, config in enumerate(configs):
        with tempfile.TemporaryDirectory() as tmp:
            paths = candidate_paths(config, Path(tmp))
            model, seconds = train(paths, force=True)
            size = model.stat().st_size / 1e6
            result = run_eval(model, port=5110 + number)
            print(report(result, f"{config.relative_to(REPO)}"), flush=True)
            rows.append((config.relative_to(REPO), result, seconds, size))
    print("\n| pipeline | FAQ benar | di luar topik ditolak | latih (s) | model (MB) | parse p50 (ms) |")
    print("|---|---|---|---|---|---|")
    for name, result, seconds, size in rows:
        print(
            f"| {name} | {100 * result.in_scope_accuracy:.1f}% | {100 * result.off_topic_rate:.1f}% "
            f"| {seconds:.1f} | {size:.1f} | {result.p50:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
