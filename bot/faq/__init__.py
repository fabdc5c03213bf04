"""The curated FAQ: model, strict loader, time-aware renderer."""

from bot.faq.loader import FaqError, load_faq
from bot.faq.model import Entry, Faq, Source

__all__ = ["Entry", "Faq", "FaqError", "Source", "load_faq"]
