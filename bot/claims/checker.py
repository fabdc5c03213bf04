"""What the bot says about a message that may repeat a checked claim (no Telegram imports).

Used for forwards, captions, ``/cekhoaks`` and typed questions whose intent is ``cek_klaim``:

- sure match (high threshold, ≥ 8 words): the claim, its verdict, explanation and sources, 👍/👎;
- between the thresholds: "Mungkin yang Anda maksud:" with up to three claim buttons;
- below: no verdict at all, how to check and where to report, and "Beri tahu saya bila sudah dicek".

Messages without a verdict are kept as pending claims (text only) for staff. When an edit of the
claim files adds or changes a claim that now answers a pending message, the people who pressed the
notify button get the answer (:meth:`ClaimChecker.follow_up`, through the limiter's background lane).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from bot import texts
from bot.claims import pending, protocol
from bot.claims.matcher import MatchResult
from bot.claims.publisher import ClaimDiff
from bot.claims.render import render_messages
from bot.claims.store import ClaimStore
from bot.conversation import CALLBACK_PREFIX, Button, Reply
from bot.faq.model import Faq
from bot.language import detect_language
from bot.storage import Storage

log = logging.getLogger(__name__)

Send = Callable[[int, Reply], Awaitable[None]]

# FAQ entries that explain how to check and where to report (they stay the single source of those facts).
HOW_TO_CHECK = ("kenali_hoaks", "cek_fakta", "lapor_hoaks", "lapor_pelanggaran")
LABEL_LENGTH = 60

SUGGEST = (
    "🔎 <b>Cek Hoaks</b>: pesan ini mirip dengan klaim yang sudah diperiksa, tetapi saya belum yakin "
    "klaim yang mana. <b>Mungkin yang Anda maksud:</b>"
)
UNCHECKED_WEB = (
    "🔎 <b>Cek Hoaks</b>: isi pesan ini belum ada di daftar klaim yang sudah diperiksa, jadi saya "
    "<b>tidak bisa memastikan</b> benar atau tidaknya. Sebaiknya jangan diteruskan dulu.\n\n"
    "<b>Cara mengecek sendiri:</b> bandingkan dengan situs resmi penyelenggara pemilu (KPU, Bawaslu) "
    "dan media tepercaya, lalu cari di situs cek fakta seperti cekfakta.com atau turnbackhoax.id.\n"
    "<b>Tempat melapor:</b> konten hoaks ke <b>aduankonten.id</b> (Komdigi); dugaan pelanggaran pemilu "
    "ke <b>Bawaslu</b>.\n\n"
    "Pesan ini sudah dicatat untuk tim kami (tanpa identitas Anda)."
)
"""The web chat's version: it has no "notify me" button (there is no chat to write to later)."""
UNCHECKED = UNCHECKED_WEB + " Tekan tombol di bawah bila ingin diberi tahu setelah dicek."
EMPTY = (
    "🔎 <b>Cek Hoaks</b>: kirim atau teruskan pesan yang ingin dicek, atau balas pesan itu dengan /cekhoaks."
)
NOTIFY_BUTTON = "🔔 Beri tahu saya bila sudah dicek"
NOTIFY_OTHER_BUTTON = "🔔 Bukan ini, beri tahu saya bila sudah dicek"
NOTIFY_OK = "Baik, Anda akan diberi tahu bila pesan itu sudah dicek."
NOTIFY_GONE = "Pesan itu sudah tidak ada di antrean (sudah dicek atau sudah lewat masa simpan)."
FOLLOW_UP = "🔔 <b>Kabar Cek Hoaks</b>: pesan yang Anda minta dicek\n<i>“{text}”</i>\nsudah diperiksa:"
FOLLOW_UP_SUGGEST = (
    "🔔 <b>Kabar Cek Hoaks</b>: ada klaim baru yang sudah diperiksa dan mungkin sama dengan pesan yang "
    "Anda minta dicek\n<i>“{text}”</i>\nSilakan pilih:"
)
UNKNOWN_CLAIM = "Klaim itu sudah tidak ada di daftar. Silakan kirim ulang pesannya untuk dicek."


class ClaimChecker:
    """Checks messages against the served claims and keeps the queue for staff."""

    def __init__(self, store: ClaimStore, storage: Storage | None, faq: Callable[[], Faq]) -> None:
        self.store = store
        self.storage = storage
        self._faq = faq
        self.send: Send | None = None  # set once Telegram is connected (background lane)

    async def check(self, text: str, can_notify: bool = True) -> Reply:
        """Check one message (forward, caption, /cekhoaks, or a question about a claim).

        ``can_notify``: the channel can write to this person later (Telegram), so the reply offers
        "Beri tahu saya bila sudah dicek"; the web chat cannot.
        """
        text = text.strip()
        if not text:
            return Reply([EMPTY], [], "claim_empty")
        result = self.store.matcher.match(text)
        if result.decision == "auto" and result.claim_id is not None:
            return self.verdict(result.claim_id, detect_language(text))
        pending_id = await self._keep(text, result)
        notify = protocol.notify(pending_id) if pending_id is not None and can_notify else None
        if result.decision == "suggest":
            buttons = self._claim_buttons(result.suggestions)
            if notify is not None:
                buttons.append(Button(NOTIFY_OTHER_BUTTON, notify))
            return Reply([SUGGEST], buttons, "claim_suggest")
        buttons = [Button(NOTIFY_BUTTON, notify)] if notify is not None else []
        buttons += self._faq_buttons()
        return Reply([UNCHECKED if can_notify else UNCHECKED_WEB], buttons, "claim_unchecked")

    async def press(self, data: str) -> Reply | None:
        """A claim button pressed where no chat id exists (the web chat): a suggestion shows its
        verdict, a 👍/👎 is stored and thanked; anything else needs no reply."""
        action = protocol.decode(data)
        if isinstance(action, protocol.Show):
            return self.verdict(action.claim_id)
        if isinstance(action, protocol.Feedback) and await self.feedback(action):
            return Reply([texts.FEEDBACK_THANKS], [], "feedback")
        return None

    def verdict(self, claim_id: str, lang: str = "id", intro: str | None = None) -> Reply:
        """The verdict of one claim with 👍/👎."""
        claim = self.store.claims.get(claim_id)
        if claim is None:
            return Reply([UNKNOWN_CLAIM], [], "unknown_button")
        buttons = [
            Button("👍 Membantu", protocol.feedback(claim.id, True)),
            Button("👎 Kurang membantu", protocol.feedback(claim.id, False)),
        ]
        return Reply(render_messages(claim, lang, intro), buttons, "claim_verdict", claim.id)

    async def feedback(self, action: protocol.Feedback) -> bool:
        """Store a 👍/👎 on a verdict (per claim only, no user id)."""
        if action.claim_id not in self.store.claims or self.storage is None:
            return False
        await self.storage.record_feedback(protocol.show(action.claim_id), action.helpful)
        return True

    async def watch(self, action: protocol.Notify, chat_id: int) -> str:
        """The user pressed "Beri tahu saya": remember this chat for that message only."""
        if self.storage is None:
            return NOTIFY_GONE
        added = await pending.add_watcher(self.storage, action.pending_id, chat_id)
        return NOTIFY_OK if added else NOTIFY_GONE

    async def follow_up(self, change: ClaimDiff) -> None:
        """After a claim edit: tell those waiting whose message a new or changed claim now answers."""
        if self.storage is None or self.send is None:
            return
        fresh = set(change.added) | set(change.changed)
        matcher = self.store.matcher
        for item in await pending.waiting(self.storage):
            result = matcher.match(item.text)
            quoted = html.escape(" ".join(item.text.split())[:200], quote=False)
            if result.decision == "auto" and result.claim_id in fresh:
                claim_id = result.claim_id
                reply = self.verdict(claim_id, intro=FOLLOW_UP.format(text=quoted))
            elif result.decision == "suggest" and fresh & set(result.suggestions):
                claim_id = next(c for c in result.suggestions if c in fresh)
                reply = Reply(
                    [FOLLOW_UP_SUGGEST.format(text=quoted)],
                    self._claim_buttons(result.suggestions),
                    "claim_suggest",
                )
            else:
                continue
            for chat_id in item.chat_ids:
                try:
                    await self.send(chat_id, reply)
                except Exception:
                    log.warning("Could not tell a waiting chat about a checked claim", exc_info=True)
            await pending.resolve(self.storage, item.pending_id, claim_id)
            log.info(
                "Told %d chat(s) that pending message %d is now checked", len(item.chat_ids), item.pending_id
            )

    async def _keep(self, text: str, result: MatchResult) -> int | None:
        if self.storage is None:
            return None
        best = result.best
        decision = "saran" if result.decision == "suggest" else "tidak_cocok"
        try:
            return await pending.add_pending(
                self.storage, text, decision, best.claim_id if best else None, best.score if best else None
            )
        except Exception:  # never lose the reply because of the queue
            log.exception("Could not keep a pending claim")
            return None

    def _claim_buttons(self, claim_ids: tuple[str, ...] | list[str]) -> list[Button]:
        buttons = []
        for claim_id in claim_ids:
            claim = self.store.claims.get(claim_id)
            if claim is None:
                continue
            label = claim.statement
            if len(label) > LABEL_LENGTH:
                label = label[: LABEL_LENGTH - 1].rsplit(" ", 1)[0] + "…"
            buttons.append(Button(label, protocol.show(claim.id)))
        return buttons

    def _faq_buttons(self) -> list[Button]:
        faq = self._faq()
        return [
            Button(entry.title, CALLBACK_PREFIX + entry.id)
            for entry in (faq.get(i) for i in HOW_TO_CHECK)
            if entry is not None
        ]
