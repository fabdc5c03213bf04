"""The FAQ the running bot serves: loaded once, swapped whole when a valid edit arrives."""

from __future__ import annotations

from pathlib import Path

from bot.faq.loader import load_faq
from bot.faq.model import Faq


class FaqStore:
    """Holds the last good FAQ. A failed reload keeps serving the previous one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.current: Faq = load_faq(directory)

    def __call__(self) -> Faq:
        return self.current

    def reload(self) -> Faq:
        """Load again; raise :class:`~bot.faq.FaqError` and keep the old FAQ if it is invalid."""
        faq = load_faq(self.directory)
        self.current = faq
        return faq
