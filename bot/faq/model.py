"""Plain data classes for the FAQ that staff edit in ``responses/``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: shown under every answer."""

    title: str
    date: date | None
    url: str | None = None
    date_note: str | None = None  # for an undated source: "tidak diketahui (Maret 2024)"
    kind: str = ""  # resmi, media or pemantau; empty: derived from the link (bot.faq.sources.kind_of)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file, with where and how to fix it."""

    file: str
    line: int | None
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f" baris {self.line}"
        if self.entry:
            where += f", entri '{self.entry}'"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One FAQ entry: the questions it answers and its single, sourced answer."""

    id: str
    title: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[Source, ...]
    answer_en: str | None = None
    facts: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    def content_hash(self) -> str:
        """A hash of what citizens see and what the model learns from this entry."""
        data = asdict(self)
        data.pop("file")
        data.pop("line")
        blob = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def questions_hash(self) -> str:
        """A hash of the example questions only (what the Rasa model is trained on)."""
        blob = json.dumps([self.id, list(self.questions)], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Faq:
    """All entries, in file order, reachable by id."""

    entries: tuple[Entry, ...]
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # worth fixing, but the FAQ can be used as it is

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        by_id: dict[str, Entry] = self._by_id  # type: ignore[attr-defined]
        return by_id.get(entry_id)

    def __contains__(self, entry_id: object) -> bool:
        return isinstance(entry_id, str) and self.get(entry_id) is not None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    def content_hash(self) -> str:
        """One hash for everything in the FAQ."""
        h = hashlib.sha256()
        for e in self.entries:
            h.update(e.content_hash().encode())
        return h.hexdigest()
