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

    def load(self) -> Faq:
        """Load the files again without serving them; raise :class:`~bot.faq.FaqError` if invalid."""
        return load_faq(self.directory)
