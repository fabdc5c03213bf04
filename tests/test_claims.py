"""Cek Hoaks library: the strict claim loader (file:line errors), the matcher and its two thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.claims import ClaimError, load_claims
from bot.claims.matcher import MIN_WORDS_AUTO, ClaimMatcher, Thresholds, confidence
from bot.claims.render import render_verdict
from bot.claims.store import ClaimStore
from bot.claims.text import dates, tokens, word_count

REPO = Path(__file__).resolve().parents[1]

BALLOTS = """\
  - id: surat_suara_tercoblos_gudang
    sumber_hoaks: H043
    klaim: Surat suara di sebuah gudang sudah tercoblos untuk satu pasangan calon sebelum hari H.
    varian:
      - "Viral!! Surat suara di gudang Sampang sudah dicoblos duluan untuk satu paslon, belum 14 Februari"
      - "ribuan surat suara sudah tercoblos di gudang logistik Sampang, KPU diam saja"
      - "Info dari saudara di Madura: semua surat suara di TPS 21 Gunung Kesan sudah tercoblos sebelum pemilu"
      - "SURAT SUARA SUDAH DICOBLOS DI GUDANG!!! sebarkan sebelum dihapus, Sampang Madura"
      - "katanya di Sampang surat suara udh dicoblos semua buat satu paslon sebelum hari H"
    putusan: SALAH
    penjelasan: |
      KPU menyatakan <b>tidak ada</b> surat suara yang dicoblos sebelum hari pemungutan suara.
    sumber:
      - judul: Kementerian Kominfo – [HOAKS] Surat Suara Tercoblos
        tautan: https://www.komdigi.go.id/berita/hoaks-surat-suara
      - judul: Kompas.com – Cek Fakta
        tautan: https://www.kompas.com/cekfakta/read/2024/02/13/surat-suara
        tanggal: 2024-02-13
    tanggal: 2024-02
"""

RUNOFF = """\
  - id: putaran_kedua_26_juni
    sumber_hoaks: H018
    klaim: KPU telah meresmikan jadwal Pilpres 2024 putaran kedua pada 26 Juni 2024.
    varian:
      - "RESMI!! KPU tetapkan pilpres putaran kedua tanggal 26 Juni 2024, siapkan diri kalian"
      - "jadwal putaran kedua pilpres sudah diumumkan KPU: 26 Juni. Share ke grup"
      - "Putaran 2 pilpres digelar 26 Juni 2024 kata KPU, jangan golput lagi ya"
      - "Beredar surat KPU: pemungutan suara putaran kedua 26 Juni 2024 untuk dua paslon teratas"
      - "pilpres 2 putaran fix, KPU sudah resmikan tanggal 26/6 buat putaran kedua"
    putusan: MENYESATKAN
    penjelasan: |
      Tanggal 26 Juni 2024 hanya rancangan bila putaran kedua perlu; Pilpres 2024 selesai satu putaran.
    sumber:
      - judul: Tempo Cek Fakta – Putaran Kedua
        tautan: https://cekfakta.tempo.co/fakta/putaran-kedua
    tanggal: 2024-02
"""


def write_claims(folder: Path, name: str, *claims: str, topic: str = "Uji") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"topik: {topic}\nklaim:\n" + "\n".join(claims), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ClaimError) as info:
        load_claims(folder)
    return [str(p) for p in info.value.problems]


def test_the_shipped_claim_files_load() -> None:
    store = ClaimStore.for_responses(REPO / "responses")
    assert len(store.claims) >= 1
    for claim in store.claims:
        assert len(claim.variants) >= 5
        render_verdict(claim)


def test_a_good_file_loads_with_official_sources_first(tmp_path: Path) -> None:
    write_claims(tmp_path, "a.yml", BALLOTS, RUNOFF)
    claims = load_claims(tmp_path)
    assert claims.ids == ("surat_suara_tercoblos_gudang", "putaran_kedua_26_juni")
    ballots = claims.get("surat_suara_tercoblos_gudang")
    assert ballots is not None and ballots.sources[0].official and not ballots.sources[1].official
    assert ballots.circulated == "2024-02" and ballots.verdict_label == "SALAH"
    text = render_verdict(ballots)
    assert "SALAH" in text and "komdigi.go.id" in text and "Februari 2024" in text
    assert text.index("komdigi") < text.index("kompas")


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ("putusan: SALAH", "putusan: BOHONG", 12, "'putusan' 'BOHONG' tidak dikenal"),
        ("sumber_hoaks: H043", "sumber_hoaks: 43", 4, "'sumber_hoaks' wajib berisi nomor hoaks"),
        ("tanggal: 2024-02\n", "tanggal: Februari\n", 21, "'tanggal' wajib berisi bulan beredar"),
        ("    putusan: SALAH", "    putusn: SALAH", 12, "kunci 'putusn' tidak dikenal"),
        ("https://www.komdigi.go.id/berita/hoaks-surat-suara", "komdigi.go.id", 17, "'tautan'"),
        ("<b>tidak ada</b>", "<b>tidak ada", 13, "'penjelasan'"),
    ],
)
def test_each_mistake_is_reported_with_file_line_and_claim(
    tmp_path: Path, old: str, new: str, line: int, expected: str
) -> None:
    assert old in BALLOTS
    write_claims(tmp_path, "a.yml", BALLOTS.replace(old, new))
    problem = problems_of(tmp_path)[0]
    assert problem.startswith(f"{tmp_path.parent.name}/{tmp_path.name}/a.yml baris {line}, "), problem
    assert "klaim 'surat_suara_tercoblos_gudang'" in problem
    assert expected in problem


def test_too_few_variants_and_duplicates_are_refused(tmp_path: Path) -> None:
    few = BALLOTS.split('      - "ribuan')[0] + BALLOTS[BALLOTS.index("    putusan:") :]
    write_claims(tmp_path, "a.yml", few)
    [problem] = problems_of(tmp_path)
    assert "'varian' baru 1" in problem and "minimal 5" in problem


def test_ids_and_texts_must_be_unique_across_files(tmp_path: Path) -> None:
    write_claims(tmp_path, "a.yml", BALLOTS)
    write_claims(tmp_path, "b.yml", BALLOTS)
    problems = problems_of(tmp_path)
    assert any("b.yml" in p and "sudah dipakai di" in p and "a.yml" in p for p in problems)


def test_official_source_must_come_first(tmp_path: Path) -> None:
    swapped = BALLOTS.replace(
        "      - judul: Kementerian Kominfo – [HOAKS] Surat Suara Tercoblos\n"
        "        tautan: https://www.komdigi.go.id/berita/hoaks-surat-suara\n",
        "",
    ).replace(
        "        tanggal: 2024-02-13\n",
        "        tanggal: 2024-02-13\n      - judul: Komdigi – hoaks\n        tautan: https://komdigi.go.id/x\n",
    )
    write_claims(tmp_path, "a.yml", swapped)
    [problem] = problems_of(tmp_path)
    assert "paling atas" in problem and "a.yml baris 15" in problem


def test_unknown_hoax_id_is_refused_when_the_list_is_known(tmp_path: Path) -> None:
    write_claims(tmp_path, "a.yml", BALLOTS)
    with pytest.raises(ClaimError) as info:
        load_claims(tmp_path, frozenset({"H001"}))
    assert "H043 tidak ada" in str(info.value)


def test_a_missing_folder_means_no_claims(tmp_path: Path) -> None:
    assert len(load_claims(tmp_path / "klaim")) == 0
    assert ClaimMatcher(load_claims(tmp_path / "klaim")).match(
        "apa saja boleh ditulis di sini ya kan"
    ).decision == ("none")


def test_normalising_chat_spellings_numbers_and_dates() -> None:
    words = tokens("Udh dicoblos!!! 1.355 org, 88,6% tgl 14/2 https://www.kpu.go.id/x")
    assert words[:3] == ["sudah", "coblos", "1355"]
    assert "88_6" in words and "kpu" in words and "orang" in words
    assert dates(tokens("pemilu 14 Feb dan 26 juni")) == ["d14-2", "d26-6"]
    assert word_count("cek https://kpu.go.id/a/b ini 🙏") == 2


@pytest.fixture
def matcher(tmp_path: Path) -> ClaimMatcher:
    write_claims(tmp_path, "a.yml", BALLOTS, RUNOFF)
    return ClaimMatcher(load_claims(tmp_path))


def test_a_new_wording_of_a_claim_is_answered_at_once(matcher: ClaimMatcher) -> None:
    result = matcher.match(
        "Tolong disebar: di gudang Sampang, Madura ditemukan surat suara yang sudah dicoblos "
        "untuk satu paslon sebelum hari pemungutan suara!!"
    )
    assert result.decision == "auto", result
    assert result.claim_id == "surat_suara_tercoblos_gudang"
    assert result.candidates[0].score > result.candidates[1].score


def test_a_long_forward_is_matched_on_the_part_that_repeats_the_claim(matcher: ClaimMatcher) -> None:
    filler = "Assalamualaikum bapak ibu sekalian, semoga sehat selalu dan dilancarkan rezekinya. " * 12
    text = (
        filler
        + "KPU sudah resmikan jadwal pilpres putaran kedua tanggal 26 Juni 2024, siapkan diri. "
        + filler
    )
    assert len(text) > 1500
    result = matcher.match(text)
    assert result.best is not None and result.best.claim_id == "putaran_kedua_26_juni"
    assert result.decision == "auto"


def test_short_texts_are_never_answered_at_once(matcher: ClaimMatcher) -> None:
    text = "surat suara sudah dicoblos di gudang Sampang"
    assert word_count(text) < MIN_WORDS_AUTO
    result = matcher.match(text)
    assert result.decision == "suggest"
    assert result.suggestions[0] == "surat_suara_tercoblos_gudang"
    assert result.claim_id is None


def test_unrelated_messages_get_no_verdict(matcher: ClaimMatcher) -> None:
    for text in (
        "Resep rendang padang yang enak: daging sapi, santan, cabai, dimasak pelan selama empat jam",
        "Besok arisan keluarga di rumah budhe jam sepuluh pagi, jangan lupa bawa kue ya semuanya",
    ):
        result = matcher.match(text)
        assert result.decision == "none", (text, result)
        assert result.claim_id is None


def test_the_two_thresholds_decide(matcher: ClaimMatcher) -> None:
    text = "Beredar kabar KPU resmikan jadwal pilpres putaran kedua 26 Juni 2024 untuk dua paslon teratas"
    candidates = matcher.match(text).candidates
    score, sure = candidates[0].score, confidence(candidates, Thresholds())
    assert sure > score  # the lead over the runner-up adds to the confidence
    strict = ClaimMatcher(matcher.claims, Thresholds(high=sure + 0.01, low=score - 0.01))
    assert strict.match(text).decision == "suggest"
    none = ClaimMatcher(matcher.claims, Thresholds(high=sure + 0.02, low=score + 0.01))
    assert none.match(text).decision == "none"
    loose = ClaimMatcher(matcher.claims, Thresholds(high=sure - 0.01, low=0.0))
    assert loose.match(text).decision == "auto"
