"""Derive the method facts the fake server enforces from the official Bot API reference.

Source: the Telegram Bot API 10.1 reference (core.telegram.org/bots/api) as JSON, scraped by the
public project PaulSonOfLars/telegram-bot-api-spec (MIT licence), shipped in ../shared/telegram/.
Keeps, per method, only field names, types and required flags (no descriptions), so the project
stands alone.

    python -m tests.fakebotapi.gen_spec [path/to/bot-api.json]          # (re)write spec.json
    python -m tests.fakebotapi.gen_spec --check [path/to/bot-api.json]  # exit 1 if stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "telegram" / "bot-api-10.1.min.json"
TARGET = HERE / "spec.json"


def derive(source: dict) -> dict:  # type: ignore[type-arg]
    methods = {
        name: {
            "fields": [
                {"name": f["name"], "types": f["types"], "required": bool(f["required"])}
                for f in method.get("fields", [])
            ],
            "returns": method.get("returns", []),
        }
        for name, method in sorted(source["methods"].items())
    }
    return {"version": source["version"], "release_date": source["release_date"], "methods": methods}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    source = Path(paths[0]) if paths else DEFAULT_SOURCE
    if not source.exists():
        print(f"{source} not found: nothing to compare (the committed spec.json is used as is)")
        return 0
    text = json.dumps(derive(json.loads(source.read_text(encoding="utf-8"))), indent=1, sort_keys=True) + "\n"
    if check:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run python -m tests.fakebotapi.gen_spec")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
