"""The strict FAQ loader: good files load, every kind of broken file is refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.faq import FaqError, load_faq
from tests.helpers_faq import entry_yaml, write_faq

REPO = Path(__file__).resolve().parents[1]


def problems(folder: Path) -> list[str]:
    with pytest.raises(FaqError) as info:
        load_faq(folder)
    return [str(p) for p in info.value.problems]


def test_repository_faq_loads_and_is_big_enough() -> None:
    faq = load_faq(REPO / "responses")
    assert len(faq) >= 50
    assert all(len(e.questions) >= 12 for e in faq.entries)
    assert all(any(s.url for s in e.sources) for e in faq.entries)


def test_good_file_loads(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml())
    faq = load_faq(tmp_path)
    entry = faq.get("jam_tps")
    assert entry is not None
    assert entry.title == "Jam buka TPS"
    assert len(entry.questions) == 12
    assert entry.sources[0].url is not None and entry.sources[0].date.year == 2024
    assert entry.file == f"{tmp_path.name}/tps.yml"


def test_duplicate_key_is_refused_with_its_line(tmp_path: Path) -> None:
    body = entry_yaml().replace("    judul: Jam buka TPS\n", "    judul: Jam buka TPS\n    judul: Lagi\n")
    write_faq(tmp_path, "tps.yml", body)
    [message] = problems(tmp_path)
    assert "tps.yml baris 5" in message and "'judul' ditulis dua kali" in message


def test_tab_is_refused(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml().replace("    judul", "\tjudul"))
    [message] = problems(tmp_path)
    assert "baris 4" in message and "TAB" in message


def test_bad_indentation_is_refused(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml().replace("    judul:", "   judul:"))
    [message] = problems(tmp_path)
    assert "tps.yml baris" in message and "indentasi" in message


def test_non_utf8_is_refused(tmp_path: Path) -> None:
    path = write_faq(tmp_path, "tps.yml", entry_yaml())
    path.write_bytes(path.read_bytes().replace(b"Jam buka", "Jam b\xfaka".encode("latin-1")))
    [message] = problems(tmp_path)
    assert "UTF-8" in message and "baris 4" in message


def test_missing_source_names_entry_and_fix(tmp_path: Path) -> None:
    body = entry_yaml().split("    sumber:")[0]
    write_faq(tmp_path, "tps.yml", body)
    [message] = problems(tmp_path)
    assert "entri 'jam_tps'" in message
    assert "'sumber' wajib diisi (judul, tautan, tanggal)" in message


def test_wrong_types_and_bad_values(tmp_path: Path) -> None:
    body = (
        entry_yaml()
        .replace("tanggal: 2024-02-13", "tanggal: 13 Februari")
        .replace("https://nasional", "nasional")
    )
    write_faq(tmp_path, "tps.yml", body)
    [message] = problems(tmp_path)
    assert "'tautan'" in message and "https://" in message


def test_bad_date(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml().replace("tanggal: 2024-02-13", "tanggal: 13 Februari"))
    [message] = problems(tmp_path)
    assert "'tanggal'" in message and "TTTT-BB-HH" in message


def test_too_few_questions(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml(questions=["kapan tps buka", "jam tps"]))
    [message] = problems(tmp_path)
    assert "baru 2" in message and "minimal 12" in message


def test_html_telegram_would_reject(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml(answer="TPS buka <h1>pagi</h1>."))
    [message] = problems(tmp_path)
    assert "<h1>" in message and "tidak didukung" in message


def test_unclosed_tag(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml(answer="TPS buka <b>pagi."))
    [message] = problems(tmp_path)
    assert "belum ditutup" in message


def test_bad_marker(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml(answer="Pemilu {{acara 14-02-2024}}."))
    [message] = problems(tmp_path)
    assert "TTTT-BB-HH" in message


def test_answer_too_long_once_rendered(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml(answer="panjang " * 600))
    [message] = problems(tmp_path)
    assert "terlalu panjang" in message and "4096" in message


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write_faq(tmp_path, "a.yml", entry_yaml())
    write_faq(tmp_path, "b.yml", entry_yaml(questions=[f"soal lain {i}" for i in range(12)]))
    [message] = problems(tmp_path)
    assert "b.yml" in message and "sudah dipakai di" in message and "a.yml" in message


def test_same_question_under_two_entries(tmp_path: Path) -> None:
    shared = [f"pertanyaan bersama {i}" for i in range(12)]
    write_faq(tmp_path, "a.yml", entry_yaml("jam_tps", questions=shared))
    write_faq(tmp_path, "b.yml", entry_yaml("lokasi_tps", questions=[q.upper() + "?" for q in shared]))
    found = problems(tmp_path)
    assert len(found) == 12
    assert "juga ada di entri 'jam_tps'" in found[0]


def test_unknown_key_suggests_typo(tmp_path: Path) -> None:
    write_faq(tmp_path, "tps.yml", entry_yaml().replace("    jawaban:", "    jawapan:"))
    messages = problems(tmp_path)
    assert any("'jawapan' tidak dikenal" in m for m in messages)


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    write_faq(tmp_path, "a.yml", entry_yaml(answer="<h1>x</h1>"))
    write_faq(tmp_path, "b.yml", entry_yaml("lain", questions=["satu"]))
    assert len(problems(tmp_path)) == 2


def test_undated_source_is_accepted_when_said_so(tmp_path: Path) -> None:
    write_faq(
        tmp_path,
        "tps.yml",
        entry_yaml().replace("tanggal: 2024-02-13", "tanggal: tidak diketahui (Maret 2024)"),
    )
    source = load_faq(tmp_path).get("jam_tps").sources[0]  # type: ignore[union-attr]
    assert source.date is None and source.date_note == "Maret 2024"


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_bad_deadline_marker_names_file_line_and_fix(tmp_path: Path) -> None:
    path = write_faq(
        tmp_path, "tps.yml", entry_yaml(answer="Pindah memilih {{batas 2024-02-07 2024-02-08}}.")
    )
    [message] = problems(tmp_path)
    assert f"tps.yml baris {line_of(path, 'jawaban:')}, entri 'jam_tps'" in message
    assert "tepat satu tanggal" in message and "{{batas 2024-02-07}}" in message


def test_unclosed_block_is_refused(tmp_path: Path) -> None:
    path = write_faq(tmp_path, "tps.yml", entry_yaml(answer="{{sampai 2024-02-14}}Bawa KTP-el."))
    [message] = problems(tmp_path)
    assert (
        f"baris {line_of(path, 'jawaban:')}," in message
        and "belum ditutup" in message
        and "{{/sampai}}" in message
    )


def test_block_that_breaks_html_on_some_dates_is_refused(tmp_path: Path) -> None:
    answer = "<b>{{sampai 2024-02-14}}Bawa KTP-el.</b>{{/sampai}}"
    write_faq(tmp_path, "tps.yml", entry_yaml(answer=answer))
    [message] = problems(tmp_path)
    assert "15 Februari 2024" in message and "tidak valid" in message


def test_english_answer_markers_are_checked_too(tmp_path: Path) -> None:
    body = entry_yaml().replace(
        "    sumber:", "    jawaban_en: Registration {{batas 2024-13-01}}.\n    sumber:"
    )
    write_faq(tmp_path, "tps.yml", body)
    [message] = problems(tmp_path)
    assert "'jawaban_en'" in message and "TTTT-BB-HH" in message
