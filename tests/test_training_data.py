"""FAQ → Rasa training data: derived, never hand-copied, and stale files are detected."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.faq import load_faq
from bot.nlu import training_data
from tests.helpers_faq import entry_yaml, write_faq

REPO = Path(__file__).resolve().parents[1]


def setup_dirs(tmp_path: Path) -> tuple[Path, Path]:
    responses = tmp_path / "responses"
    write_faq(responses, "tps.yml", entry_yaml("jam_tps"))
    nlu_dir = tmp_path / "nlu_data"
    (nlu_dir / "nlu").mkdir(parents=True)
    (nlu_dir / "nlu" / "sapaan.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: sapa\n  examples: |\n    - halo\n', encoding="utf-8"
    )
    return responses, nlu_dir


def test_generated_nlu_has_every_question(tmp_path: Path) -> None:
    responses, nlu_dir = setup_dirs(tmp_path)
    faq = load_faq(responses)
    training_data.write(faq, nlu_dir)
    data = yaml.safe_load((nlu_dir / "nlu" / "faq.generated.yml").read_text(encoding="utf-8"))
    [item] = data["nlu"]
    examples = [line.removeprefix("- ") for line in item["examples"].splitlines()]
    assert item["intent"] == "jam_tps"
    assert examples == list(faq.get("jam_tps").questions)  # type: ignore[union-attr]
    domain = yaml.safe_load((nlu_dir / "domain.yml").read_text(encoding="utf-8"))
    assert domain["intents"] == ["sapa", "jam_tps", training_data.BUTTON_INTENT]
    assert domain["actions"] == [training_data.ACTION_NAME]
    assert domain["entities"] == [training_data.BUTTON_ENTITY]


def test_generated_rules_answer_every_intent_with_the_action(tmp_path: Path) -> None:
    """The web chat's dialogue: each intent (and Rasa's fallback) runs the one custom action."""
    responses, nlu_dir = setup_dirs(tmp_path)
    training_data.write(load_faq(responses), nlu_dir)
    rules = yaml.safe_load((nlu_dir / "core" / "rules.generated.yml").read_text(encoding="utf-8"))["rules"]
    steps = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules}
    assert steps == {
        intent: training_data.ACTION_NAME for intent in ("sapa", "jam_tps", "tombol", "nlu_fallback")
    }
    assert all(len(r["steps"]) == 2 for r in rules)


def test_a_new_entry_makes_the_domain_and_rules_stale(tmp_path: Path) -> None:
    responses, nlu_dir = setup_dirs(tmp_path)
    training_data.write(load_faq(responses), nlu_dir)
    write_faq(responses, "dpt.yml", entry_yaml("cek_dpt"))
    stale = training_data.stale(load_faq(responses), nlu_dir)
    assert nlu_dir / "domain.yml" in stale
    assert nlu_dir / "core" / "rules.generated.yml" in stale


def test_stale_detects_an_edited_question(tmp_path: Path) -> None:
    responses, nlu_dir = setup_dirs(tmp_path)
    training_data.write(load_faq(responses), nlu_dir)
    assert training_data.stale(load_faq(responses), nlu_dir) == []
    path = responses / "tps.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("nomor 3", "ketiga"), encoding="utf-8")
    assert training_data.stale(load_faq(responses), nlu_dir) == [nlu_dir / "nlu" / "faq.generated.yml"]


def test_repository_generated_files_are_current() -> None:
    faq = load_faq(REPO / "responses")
    assert training_data.stale(faq, REPO / "nlu_data") == []
