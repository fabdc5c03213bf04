"""The slang lexicon used by the Rasa SlangNormalizer component (nlu_data/pemilu_nlu)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nlu_data"))
from pemilu_nlu.lexicon import DEFAULT_LEXICON, LexiconError, load_lexicon, normalize


def test_the_shipped_lexicon_loads_and_rewrites_chat_spellings() -> None:
    lexicon = load_lexicon(DEFAULT_LEXICON)
    assert normalize("kpn nyoblos?", lexicon) == "kapan coblos ?"
    assert normalize("Gmn cara ngecek DPT sih", lexicon) == "bagaimana cara cek dpt"
    assert normalize("tps buka jm brp", lexicon) == "tps buka jam berapa"


def test_words_that_carry_meaning_are_not_rewritten() -> None:
    lexicon = load_lexicon(DEFAULT_LEXICON)
    # "terima kasih" must stay thanks; numbers and election terms pass through.
    assert normalize("terima kasih ya min", lexicon) == "terima kasih admin"
    assert normalize("pemilu 2024 dpr dpd", lexicon) == "pemilu 2024 dpr dpd"
    for word in ("kasih", "buat", "suara", "tidak", "pemilu", "dpt", "tps", "kpu"):
        assert lexicon.get(word, word) == word


def test_a_malformed_lexicon_is_refused_with_the_word_named(tmp_path: Path) -> None:
    bad = tmp_path / "kata_gaul.yml"
    bad.write_text("Gak: tidak\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="'Gak'"):
        load_lexicon(bad)
    bad.write_text("- gak\n- tidak\n", encoding="utf-8")
    with pytest.raises(LexiconError):
        load_lexicon(bad)
    bad.write_text("dua kata: tidak\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="satu kata"):
        load_lexicon(bad)
