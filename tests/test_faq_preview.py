"""pemilubot faq pratinjau (one answer or all, as read on a date) and faq periksa with the fact sheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.faq.model import Entry, Faq, Source
from bot.faq.preview import as_plain_text, preview_all
from tests.helpers_faq import KOMPAS, entry_yaml, write_fact_sheet, write_faq

ANSWER = (
    "Pindah memilih {{batas 2024-02-07}}.{{setelah 2024-02-14}} Layanan ini khusus Pemilu 2024.{{/setelah}}"
)
KPU = {
    "judul": "KPU – Pindah memilih",
    "tautan": "https://www.kpu.go.id/berita/pindah",
    "tanggal": "2024-01-10",
}


@pytest.fixture
def responses(tmp_path: Path) -> Path:
    body = entry_yaml("pindah", answer=ANSWER, sources=[KOMPAS, KPU])
    body = body.replace("    sumber:", "    jawaban_en: Moving your vote {{batas 2024-02-07}}.\n    sumber:")
    write_faq(tmp_path / "responses", "pindah.yml", body)
    return tmp_path / "responses"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_one_entry_before_the_deadline(responses: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--responses", str(responses), "faq", "pratinjau", "pindah", "--tanggal", "2024-02-05"
    )
    assert code == 0
    assert "masih dapat dilakukan paling lambat Rabu, 7 Februari 2024 (2 hari lagi)" in out
    assert "can still be done until Wednesday, 7 February 2024 (2 days left)" in out
    assert "khusus Pemilu 2024" not in out
    assert out.index("Sumber resmi:") < out.index(
        "KPU – Pindah memilih [https://www.kpu.go.id/berita/pindah]"
    )
    assert out.index("KPU – Pindah") < out.index("Sumber lain:") < out.index("Kompas.com")
    assert "Official source:" in out and "<" not in out.replace("<b>", "")  # plain text, no tags


def test_one_entry_after_the_deadline(responses: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--responses", str(responses), "faq", "pratinjau", "pindah", "--tanggal", "2026-11-30"
    )
    assert code == 0
    assert "sudah ditutup pada Rabu, 7 Februari 2024. Layanan ini khusus Pemilu 2024." in out
    assert "closed on Wednesday, 7 February 2024" in out and "masih dapat" not in out


def test_all_entries_and_refusals(responses: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--responses", str(responses), "faq", "pratinjau", "--semua", "--tanggal", "2024-02-07"
    )
    assert code == 0 and "hari ini, Rabu, 7 Februari 2024 (hari terakhir)" in out
    assert run(capsys, "--responses", str(responses), "faq", "pratinjau")[0] == 2
    code, _, err = run(capsys, "--responses", str(responses), "faq", "pratinjau", "tidak_ada")
    assert code == 1 and "pindah" in err


def test_all_entries_exit_1_when_a_marker_cannot_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_faq(tmp_path, "x.yml", entry_yaml(answer="Daftar {{batas 2024-02-31}}."))
    code, _, err = run(
        capsys, "--responses", str(tmp_path), "faq", "pratinjau", "--semua", "--tanggal", "2024-02-07"
    )
    assert code == 1 and "x.yml baris" in err and "TTTT-BB-HH" in err


def test_preview_reports_what_cannot_render() -> None:
    broken = Entry(
        "rusak", "Rusak", "X", ("q",), "Daftar {{batas kemarin}}.", (Source("S", None, "https://a.id/x"),)
    )
    good = Entry(
        "baik", "Baik", "X", ("q",), "Baik {{acara 2024-02-14}}.", (Source("S", None, "https://a.id/x"),)
    )
    preview = preview_all(Faq((good, broken)), date(2026, 11, 30))
    [problem] = preview.problems
    assert "'rusak'" in problem and "TTTT-BB-HH" in problem
    assert "telah dilaksanakan pada Rabu, 14 Februari 2024" in preview.text


def test_plain_text_shows_links() -> None:
    assert (
        as_plain_text('<b>A</b> &amp; <a href="https://x.id/?a=1&amp;b=2">B</a>')
        == "A & B [https://x.id/?a=1&b=2]"
    )


def test_check_counts_warnings_and_still_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = write_fact_sheet(tmp_path / "fakta.yaml", [{"id": "F005", "source_url": "https://a.co.id/x"}])
    write_faq(tmp_path / "r", "a.yml", entry_yaml("jam_tps", facts=["F005"]))
    write_faq(tmp_path / "r", "b.yml", entry_yaml("lain", questions=[f"soal {i}" for i in range(12)]))
    code, out, _ = run(capsys, "--responses", str(tmp_path / "r"), "faq", "periksa", "--fakta", str(sheet))
    assert code == 0
    assert "Peringatan: 2 entri belum punya sumber resmi" in out and "FAQ baik: 2 entri" in out
    sumber_line = (tmp_path / "r" / "a.yml").read_text().splitlines().index("    sumber:") + 1
    assert f"a.yml baris {sumber_line}, entri 'jam_tps': belum ada sumber resmi" in out


def test_check_refuses_bad_links_and_missing_fact_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_fact_sheet(tmp_path / "fakta.yaml", [{"id": "F005", "source_url": "https://a.co.id/x"}])
    bad = dict(KOMPAS, tautan="https://nasional.kompas.com/read/2024/02/13/05450011/twitter.com")
    write_faq(tmp_path / "r", "a.yml", entry_yaml(sources=[bad]))
    code, out, err = run(capsys, "--responses", str(tmp_path / "r"), "faq", "periksa", "--fakta", str(sheet))
    assert code == 1 and "'/twitter.com'" in err and "Peringatan: 1 entri" in out
    code, _, err = run(
        capsys, "--responses", str(tmp_path / "r"), "faq", "periksa", "--fakta", str(tmp_path / "no")
    )
    assert code == 1 and "tidak bisa dibaca" in err
