"""Button callback data for Cek Hoaks: one place encodes and decodes it (Telegram allows 64 bytes).

- ``klaim:<claim id>``: show the verdict of this claim (a "Mungkin yang Anda maksud" button);
- ``kfb:<claim id>:1`` / ``kfb:<claim id>:0``: 👍/👎 on a verdict;
- ``ktahu:<pending id>``: "Beri tahu saya bila sudah dicek".
"""

from __future__ import annotations

from dataclasses import dataclass

SHOW = "klaim:"
FEEDBACK = "kfb:"
NOTIFY = "ktahu:"
PATTERN = r"^(klaim|kfb|ktahu):"
"""For the Telegram CallbackQueryHandler that takes these buttons."""


@dataclass(frozen=True)
class Show:
    claim_id: str


@dataclass(frozen=True)
class Feedback:
    claim_id: str
    helpful: bool


@dataclass(frozen=True)
class Notify:
    pending_id: int


Action = Show | Feedback | Notify


def show(claim_id: str) -> str:
    return SHOW + claim_id


def feedback(claim_id: str, helpful: bool) -> str:
    return f"{FEEDBACK}{claim_id}:{int(helpful)}"


def notify(pending_id: int) -> str:
    return f"{NOTIFY}{pending_id}"


def decode(data: str) -> Action | None:
    """The action a button stands for, or None for data that is not ours or is malformed."""
    if data.startswith(SHOW) and len(data) > len(SHOW):
        return Show(data[len(SHOW) :])
    if data.startswith(FEEDBACK):
        claim_id, _, vote = data[len(FEEDBACK) :].rpartition(":")
        if claim_id and vote in ("0", "1"):
            return Feedback(claim_id, vote == "1")
        return None
    if data.startswith(NOTIFY):
        number = data[len(NOTIFY) :]
        return Notify(int(number)) if number.isdigit() else None
    return None
