"""Cek Hoaks: the debunked claims staff curate in ``responses/klaim/``, their strict loader and the
matcher that finds which claim a forwarded message repeats. No Telegram and no Rasa imports here."""

from bot.claims.loader import ClaimError, load_claims
from bot.claims.model import Claim, ClaimSet, ClaimSource

__all__ = ["Claim", "ClaimError", "ClaimSet", "ClaimSource", "load_claims"]
