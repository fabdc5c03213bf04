"""``make eval``: the held-out questions through the real Rasa server, plus Rasa's cross-validation.

Prints overall, per-set, per-topic and per-entry accuracy, the most confused pairs, how many
off-topic questions got an election answer, and the result of ``rasa test nlu --cross-validation``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

from bench.nlu_eval import REPO, Result, report, run_eval_sets, summary
from bot.faq import load_faq
from bot.nlu.model import NluPaths, model_path, rasa_env

FLOOR_IN_SCOPE = 0.96  # issue 12: on every held-out set
FLOOR_OFF_TOPIC = 0.95
# The fourth set, written blind for issue 12: the new entries and questions asked in 2026.
SET_NOTES = {"heldout_2026": " [buta: entri baru + pertanyaan konteks 2026]"}


def meets_floors(result: Result) -> bool:
    return result.in_scope_accuracy >= FLOOR_IN_SCOPE and result.off_topic_rate >= FLOOR_OFF_TOPIC


def cross_validation(folds: int = 3) -> str:
    """Rasa's own k-fold cross-validation on the training data (intent report summary)."""
    paths = NluPaths(REPO / "nlu_data", REPO / "models", REPO / ".venv-rasa/bin/rasa")
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            str(paths.rasa_bin),
            "test",
            "nlu",
            "--cross-validation",
            "--folds",
            str(folds),
            "--config",
            str(paths.config),
            "--nlu",
            str(paths.training_dir),
            "--domain",
            str(paths.domain),
            "--out",
            out,
            "--no-plot",
            "--no-errors",
        ]
        proc = subprocess.run(cmd, env=rasa_env(), capture_output=True, text=True, check=False)
        lines = [
            line.split(" - ", 1)[-1].strip()
            for line in (proc.stdout + proc.stderr).splitlines()
            if "Accuracy:" in line or "F1-score:" in line or "Precision:" in line
        ]
        return "\n".join(lines) or f"(rasa test nlu exit {proc.returncode})"


def main() -> int:
    paths = NluPaths(REPO / "nlu_data", REPO / "models", REPO / ".venv-rasa/bin/rasa")
    results = run_eval_sets(model_path(paths))
    result = results.pop("semua")
    print(report(result, "Evaluasi NLU: semua set held-out", load_faq(REPO / "responses")))
    print("\nPer set (masing-masing ditulis terpisah dari data latih):")
    for name, one in results.items():
        verdict = "terpenuhi" if meets_floors(one) else "BELUM"
        print(f"  {name}{SET_NOTES.get(name, '')}: {summary(one)}; batas {verdict}")
    print()
    for text, expected, got in result.misses:
        print(f"  ✗ {text!r}: harapan {expected}, hasil {got}")
    print("\n## rasa test nlu --cross-validation (3 lipatan, data latih)")
    print(cross_validation())
    below = [name for name, one in results.items() if not meets_floors(one)]
    print(
        f"\nBatas minimum: FAQ ≥ {FLOOR_IN_SCOPE:.0%}, di luar topik ditolak ≥ {FLOOR_OFF_TOPIC:.0%}: "
        f"semua set bersama {'TERPENUHI' if meets_floors(result) else 'BELUM'}; "
        f"per set: {'terpenuhi di setiap set' if not below else 'BELUM di ' + ', '.join(below)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
