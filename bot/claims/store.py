"""The claims the running bot serves, with their matcher: loaded once, swapped whole on a valid edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.claims.loader import load_claims
from bot.claims.matcher import ClaimMatcher
from bot.claims.model import ClaimSet
from bot.faq.sources import load_fact_sheet

CLAIMS_SUBDIR = "klaim"
HOAX_LIST = Path("docs") / "sumber" / "hoaks-pemilu2024.yaml"
FACT_SHEET = Path("docs") / "sumber" / "fakta-pemilu2024.yaml"


def hoax_ids(path: Path) -> frozenset[str] | None:
    """The H-ids of the hoax list, or None when the list is not there (a deployment without docs/)."""
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return frozenset(str(item["id"]) for item in data if isinstance(item, dict) and "id" in item)


@dataclass(frozen=True)
class Served:
    """A claim set and the matcher built over it, swapped together."""

    claims: ClaimSet
    matcher: ClaimMatcher


class ClaimStore:
    """Holds the last good claims. A failed reload keeps serving the previous ones."""

    def __init__(
        self, directory: Path, hoax_list: Path | None = None, fact_sheet: Path | None = None
    ) -> None:
        self.directory = directory
        self.hoax_list = hoax_list
        self.fact_sheet = fact_sheet
        self.served: Served = self.load()

    @classmethod
    def for_responses(cls, responses_dir: Path) -> ClaimStore:
        """``responses/klaim/``, checked against ``docs/sumber/hoaks-pemilu2024.yaml`` when present."""
        root = responses_dir.resolve().parent
        return cls(responses_dir / CLAIMS_SUBDIR, root / HOAX_LIST, root / FACT_SHEET)

    @property
    def claims(self) -> ClaimSet:
        return self.served.claims

    @property
    def matcher(self) -> ClaimMatcher:
        return self.served.matcher

    def load(self) -> Served:
        """Load and index the files without serving them; raise ClaimError if invalid."""
        known = hoax_ids(self.hoax_list) if self.hoax_list else None
        facts = load_fact_sheet(self.fact_sheet) if self.fact_sheet and self.fact_sheet.is_file() else None
        claims = load_claims(self.directory, known, facts)
        return Served(claims, ClaimMatcher(claims))
