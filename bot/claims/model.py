"""Plain data classes for the claim files staff edit in ``responses/klaim/``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date

# Verdict codes as written in the files → the label citizens read.
VERDICTS: dict[str, str] = {
    "SALAH": "SALAH",
    "MENYESATKAN": "MENYESATKAN",
    "KONTEKS_KELIRU": "KONTEKS KELIRU",
    "KONTEN_DIMANIPULASI": "KONTEN DIMANIPULASI",
}


@dataclass(frozen=True)
class ClaimSource:
    """A debunk or an official statement about the claim."""

    title: str
    url: str | None
    date: date | None = None
    kind: str | None = None  # 'jenis': e.g. resmi, media, cek_fakta
    official: bool = False


@dataclass(frozen=True)
class Claim:
    """One debunked claim: what was said, how it circulates, the verdict and why."""

    id: str
    topic: str
    hoax_id: str  # 'sumber_hoaks': H0xx in docs/sumber/hoaks-pemilu2024.yaml
    statement: str  # 'klaim': neutral one-sentence statement of what was claimed
    variants: tuple[str, ...]
    verdict: str  # a key of VERDICTS
    explanation: str  # Telegram HTML
    sources: tuple[ClaimSource, ...]
    circulated: str  # 'tanggal': YYYY-MM or YYYY-MM-DD
    explanation_en: str | None = None
    file: str = ""
    line: int = 0

    @property
    def verdict_label(self) -> str:
        return VERDICTS.get(self.verdict, self.verdict)

    @property
    def texts(self) -> tuple[str, ...]:
        """What the matcher compares a message with: the statement and every variant."""
        return (self.statement, *self.variants)

    def content_hash(self) -> str:
        """A hash of everything citizens see and everything the matcher uses."""
        data = asdict(self)
        data.pop("file")
        data.pop("line")
        blob = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


class ClaimSet:
    """All claims, in file order, reachable by id."""

    def __init__(self, claims: tuple[Claim, ...] = ()) -> None:
        self.claims = claims
        self._by_id = {c.id: c for c in claims}

    def get(self, claim_id: str) -> Claim | None:
        """The claim with this id, or None."""
        return self._by_id.get(claim_id)

    def __contains__(self, claim_id: object) -> bool:
        return isinstance(claim_id, str) and claim_id in self._by_id

    def __len__(self) -> int:
        return len(self.claims)

    def __iter__(self) -> Iterator[Claim]:
        return iter(self.claims)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.claims)

    def content_hash(self) -> str:
        """One hash for every claim."""
        h = hashlib.sha256()
        for claim in self.claims:
            h.update(claim.content_hash().encode())
        return h.hexdigest()
