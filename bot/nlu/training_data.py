"""Derive Rasa's FAQ training data, domain and rules from ``responses/``: never written by hand.

The NLU data teaches Rasa the questions; the domain and the rules make the web chat's dialogue:
every intent (and the fallback) runs one custom action, ``action_tanya_pemilu`` (``actions/``), which
answers through the same decision and renderer as the Telegram bot. Telegram uses only the NLU part.

``write`` regenerates the files; ``stale`` tells which generated files differ from what the FAQ
says now, so ``make test`` can fail when someone forgot to regenerate.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.faq.model import Faq
from bot.faq.yamlstrict import load_strict

HEADER = (
    "# DIBUAT OTOMATIS dari responses/ oleh `pemilubot nlu buat`. Jangan disunting:\n"
    "# ubah contoh pertanyaan di responses/*.yml, lalu jalankan `make nlu`.\n"
)
GENERATED_NLU = Path("nlu/faq.generated.yml")
GENERATED_DOMAIN = Path("domain.yml")
GENERATED_RULES = Path("core/rules.generated.yml")
ACTION_NAME = "action_tanya_pemilu"
"""The web chat's one custom action (actions/tanya_pemilu.py)."""
BUTTON_INTENT = "tombol"
"""What a web button sends, ``/tombol{"data": "<callback data>"}``; never predicted from text."""
BUTTON_ENTITY = "data"
FALLBACK_INTENT = "nlu_fallback"


def faq_nlu_yaml(faq: Faq) -> str:
    """Rasa 3.x NLU YAML with one intent per FAQ entry, its examples being the entry's questions."""
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for entry in faq.entries:
        lines.append(f"- intent: {entry.id}")
        lines.append("  examples: |")
        for question in entry.questions:
            lines.append(f"    - {' '.join(question.split())}")
    return "\n".join(lines) + "\n"


def hand_written_intents(nlu_dir: Path) -> list[str]:
    """Intent names in the hand-written NLU files (everything but the generated one)."""
    names: list[str] = []
    for path in sorted((nlu_dir / "nlu").glob("*.yml")):
        if path.name == GENERATED_NLU.name:
            continue
        data = load_strict(path.read_bytes()) or {}
        for item in data.get("nlu", []):
            if "intent" in item and item["intent"] not in names:
                names.append(item["intent"])
    return names


def all_intents(faq: Faq, nlu_dir: Path) -> list[str]:
    """Hand-written intents, one per FAQ entry, and the web buttons' intent."""
    return [*hand_written_intents(nlu_dir), *faq.ids, BUTTON_INTENT]


def domain_yaml(faq: Faq, nlu_dir: Path) -> str:
    """Every intent, the button entity and the one custom action."""
    domain = {
        "version": "3.1",
        "intents": all_intents(faq, nlu_dir),
        "entities": [BUTTON_ENTITY],
        "actions": [ACTION_NAME],
        # A web conversation starts afresh after an hour of silence; nothing is carried over.
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": False},
    }
    return HEADER + yaml.safe_dump(domain, allow_unicode=True, sort_keys=False)


def rules_yaml(faq: Faq, nlu_dir: Path) -> str:
    """One rule per intent (and the fallback): the user says it, ``action_tanya_pemilu`` answers."""
    rules = [
        {"rule": f"jawab {intent}", "steps": [{"intent": intent}, {"action": ACTION_NAME}]}
        for intent in [*all_intents(faq, nlu_dir), FALLBACK_INTENT]
    ]
    return HEADER + yaml.safe_dump({"version": "3.1", "rules": rules}, allow_unicode=True, sort_keys=False)


def expected_files(faq: Faq, nlu_dir: Path) -> dict[Path, str]:
    """Generated file path → the content it must have."""
    return {
        nlu_dir / GENERATED_NLU: faq_nlu_yaml(faq),
        nlu_dir / GENERATED_DOMAIN: domain_yaml(faq, nlu_dir),
        nlu_dir / GENERATED_RULES: rules_yaml(faq, nlu_dir),
    }


def stale(faq: Faq, nlu_dir: Path) -> list[Path]:
    """Generated files that are missing or out of date."""
    return [
        path
        for path, content in expected_files(faq, nlu_dir).items()
        if not path.exists() or path.read_text(encoding="utf-8") != content
    ]


def write(faq: Faq, nlu_dir: Path) -> list[Path]:
    """(Re)write the generated files; return those that changed."""
    changed = stale(faq, nlu_dir)
    for path, content in expected_files(faq, nlu_dir).items():
        if path in changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    return changed
