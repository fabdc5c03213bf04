"""Source kinds, official sources first, and the links the validator refuses (issue 12, item 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.faq import FaqError, load_faq
from bot.faq.model import Entry, Source
from bot.faq.render import render_answer
from bot.faq.sources import FactSheet, derive_kind, kind_of, load_fact_sheet, same_url, url_problems
from bot.faq.telegram_html import check_html
from tests.helpers_faq import KOMPAS, entry_yaml, write_fact_sheet, write_faq

REPO = Path(__file__).resolve().parents[1]
SHEET = REPO / "docs" / "sumber" / "fakta-pemilu2024.yaml"
WANTIMPRES = "https://wantimpres.go.id/id/newsflows/hari-terakhir-layanan-pindah-memilih"
FACTS: list[dict[str, object]] = [
    {
        "id": "F050",
        "source_url": "https://news.okezone.com/read/2024/02/07/pindah",
        "official_source": {
            "title": "Wantimpres – Hari terakhir pindah memilih",
            "url": WANTIMPRES,
            "date": "2024-02-07",
        },
    },
    {
        "id": "F005",
        "source_url": "https://prbandungraya.pikiran-rakyat.com/nasional/jam-tps",
        "alt_sources": [
            {
                "url": "http://nasional.kompas.com/read/2024/02/13/05450011/twitter.com",
                "url_status": "tidak_terverifikasi",
            },
            {
                "url": "https://fbeta.republika.co.id/berita/rx7oiu436/disabilitas",
                "url_status": "tidak_terverifikasi",
            },
        ],
    },
    {"id": "F096", "source_url": "http://kepulauanseribu.bawaslu.go.id/berita/gakkumdu"},
]


def sheet(tmp_path: Path) -> FactSheet:
    return load_fact_sheet(write_fact_sheet(tmp_path / "fakta.yaml", FACTS))


def source(url: str, **extra: str) -> dict[str, str]:
    return {"judul": "Judul sumber", "tautan": url, "tanggal": "2024-02-13", **extra}


def problems(folder: Path, facts: FactSheet) -> list[str]:
    with pytest.raises(FaqError) as info:
        load_faq(folder, facts)
    return [str(p) for p in info.value.problems]


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.kpu.go.id/berita", "resmi"),
        ("https://papuapegunungan.kpu.go.id/blog/read/1", "resmi"),
        ("https://jakarta.go.id/page/x", "resmi"),
        ("https://gerisaksemanggeleng.desa.id/artikel", "resmi"),
        ("https://infopublik.id/kategori/x", "resmi"),
        ("https://www.mkri.id/index.php?page=web.Berita", "resmi"),
        ("https://rumahpemilu.org/x", "pemantau"),
        ("https://perludem.org/2024/x", "pemantau"),
        ("https://nasional.kompas.com/read/x", "media"),
        ("https://notgo.id/x", "media"),
        ("https://kpu.go.id.example.com/x", "media"),
        (None, "media"),
    ],
)
def test_kind_is_derived_from_the_host(url: str | None, kind: str) -> None:
    assert derive_kind(url) == kind


def test_fact_sheet_official_and_monitor_hosts_derive_to_their_kind() -> None:
    facts = yaml.safe_load(SHEET.read_text(encoding="utf-8"))
    officials = [f["official_source"]["url"] for f in facts if "official_source" in f]
    assert len(officials) >= 20
    assert [u for u in officials if derive_kind(u) != "resmi"] == []
    declared = [(f["source_url"], f.get("kind_of_source")) for f in facts] + [
        (a["url"], a.get("kind_of_source")) for f in facts for a in f.get("alt_sources") or []
    ]
    for url, kind in declared:
        if kind in ("resmi", "pemantau"):
            assert derive_kind(url) == kind, url


def test_declared_kind_wins_and_unknown_kind_is_refused(tmp_path: Path) -> None:
    body = entry_yaml(sources=[source("https://www.youtube.com/@kpuri", jenis="resmi"), KOMPAS])
    write_faq(tmp_path, "tps.yml", body)
    entry = load_faq(tmp_path).get("jam_tps")
    assert entry is not None
    assert [kind_of(s) for s in entry.sources] == ["resmi", "media"]
    path = write_faq(
        tmp_path, "tps.yml", entry_yaml(sources=[source("https://kpu.go.id/a", jenis="pemerintah")])
    )
    with pytest.raises(FaqError) as info:
        load_faq(tmp_path)
    [message] = [str(p) for p in info.value.problems]
    assert f"tps.yml baris {line_of(path, 'jenis:')}, entri 'jam_tps'" in message
    assert "'jenis' 'pemerintah' tidak dikenal" in message and "resmi, media, pemantau" in message


def entry_with(*sources: Source) -> Entry:
    return Entry("pindah", "Pindah", "Pemilih", ("q",), "Jawaban.", sources, "Answer.")


MEDIA_SOURCE = Source("Okezone – pindah memilih", date(2024, 2, 7), "https://news.okezone.com/a")
KPU_SOURCE = Source("KPU – pindah memilih", date(2024, 2, 6), "https://kpu.go.id/a")
BAWASLU_SOURCE = Source("Bawaslu – lapor", date(2024, 1, 2), "https://bawaslu.go.id/b")


def test_official_source_is_shown_first_and_marked_in_both_languages() -> None:
    entry = entry_with(MEDIA_SOURCE, KPU_SOURCE)
    text = render_answer(entry, date(2026, 11, 30))
    check_html(text)
    assert (
        text.index("Sumber resmi:")
        < text.index("KPU – pindah")
        < text.index("Sumber lain:")
        < text.index("Okezone")
    )
    english = render_answer(entry, date(2026, 11, 30), "en")
    assert english.index("Official source:") < english.index("KPU – pindah") < english.index("Other source:")
    assert english.index("Other source:") < english.index("Okezone")


def test_several_official_sources_keep_their_order_and_are_listed() -> None:
    text = render_answer(entry_with(MEDIA_SOURCE, BAWASLU_SOURCE, KPU_SOURCE), date(2026, 11, 30), "en")
    assert "Official sources:" in text
    assert text.index("Bawaslu") < text.index("KPU – pindah") < text.index("Okezone")


def test_without_official_source_the_plain_label_stays() -> None:
    text = render_answer(entry_with(MEDIA_SOURCE), date(2026, 11, 30))
    assert "Sumber:" in text and "resmi" not in text


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://nasional.kompas.com/read/2024/02/12/08395081/twitter.com", "'/twitter.com'"),
        ("https://www.kompas.com/read/2024/x/facebook.com/", "'/facebook.com'"),
        ("https://fbeta.republika.co.id/berita/s8fy7a409/pindah-hingga-23-59-wib%c2%a0", "'%c2%a0'"),
        ("https://example.co.id/berita/a%A0b", "'%a0'"),
        ("https://example.co.id/berita/judul%20", "'%20'"),
        ("https://example.co.id/berita/judul?print=pdf", "tampilan cetak"),
        ("https://example.co.id/berita/judul?id=3&print=1", "tampilan cetak"),
        ("https://example.co.id/print/2024/judul", "tampilan cetak"),
        ("http://nasional.kompas.com/read/2024/02/13/05450011/tps", "https://nasional.kompas.com/read"),
        ("http://www.kpu.go.id/berita", "https://www.kpu.go.id/berita"),
        ("http://prbandungraya.pikiran-rakyat.com/nasional/x", "http://"),  # https in the fact sheet
        ("https://fbeta.republika.co.id/berita/rx7oiu436/disabilitas/", "tidak_terverifikasi"),
    ],
)
def test_malformed_links_are_named_with_a_fix(tmp_path: Path, url: str, says: str) -> None:
    found = url_problems(url, sheet(tmp_path))
    assert found and any(says in message for message in found), found


@pytest.mark.parametrize(
    "url",
    [
        "https://nasional.kompas.com/read/2024/02/13/05450011/tps-dibuka",
        "http://kepulauanseribu.bawaslu.go.id/berita/gakkumdu",  # no https form known
        "https://kab-sumenep.kpu.go.id/index.php/blog/category/96?page=21",
        "https://www.mkri.id/index.php?page=web.Berita&id=1",
        "https://example.co.id/berita/printer-murah",
        "https://example.co.id/berita/laporan.pdf",
    ],
)
def test_good_links_pass(tmp_path: Path, url: str) -> None:
    assert url_problems(url, sheet(tmp_path)) == []


def test_same_url_ignores_scheme_www_and_final_slash() -> None:
    assert same_url("http://www.Kpu.go.id/a/", "https://kpu.go.id/a")
    assert not same_url("https://kpu.go.id/a", "https://kpu.go.id/b")


def test_loader_refuses_malformed_link_at_its_line_with_entry(tmp_path: Path) -> None:
    bad = "http://nasional.kompas.com/read/2024/02/13/05450011/twitter.com"
    path = write_faq(tmp_path / "r", "tps.yml", entry_yaml(sources=[source(bad)]))
    found = problems(tmp_path / "r", sheet(tmp_path))
    assert len(found) == 3  # share artefact, http with https known, marked unverified
    where = f"tps.yml baris {line_of(path, 'tautan:')}, entri 'jam_tps': sumber: tautan {bad}"
    assert all(message.startswith(f"r/{where}") for message in found), found
    assert any("ganti dengan alamat asli" in m for m in found)
    assert any("fakta F005" in m for m in found)


def test_fact_with_official_page_must_cite_it(tmp_path: Path) -> None:
    path = write_faq(tmp_path / "r", "pindah.yml", entry_yaml("pindah", facts=["F050"]))
    [message] = problems(tmp_path / "r", sheet(tmp_path))
    assert f"pindah.yml baris {line_of(path, 'fakta:')}, entri 'pindah'" in message
    assert "fakta F050 punya sumber resmi" in message and WANTIMPRES in message and "2024-02-07" in message
    cited = entry_yaml(
        "pindah", facts=["F050"], sources=[KOMPAS, source(WANTIMPRES.replace("://", "://www.") + "/")]
    )
    write_faq(tmp_path / "r", "pindah.yml", cited)
    faq = load_faq(tmp_path / "r", sheet(tmp_path))
    assert faq.warnings == ()


def test_unknown_fact_is_refused(tmp_path: Path) -> None:
    write_faq(tmp_path / "r", "tps.yml", entry_yaml(facts=["F999"]))
    [message] = problems(tmp_path / "r", sheet(tmp_path))
    assert "fakta F999 tidak ada di" in message


def test_entries_without_official_source_are_warnings_not_errors(tmp_path: Path) -> None:
    write_faq(tmp_path / "r", "a.yml", entry_yaml("jam_tps", facts=["F005"]))
    official = entry_yaml(
        "lapor", sources=[source("https://bawaslu.go.id/lapor")], questions=[f"lapor {i}" for i in range(12)]
    )
    write_faq(tmp_path / "r", "b.yml", official)
    faq = load_faq(tmp_path / "r", sheet(tmp_path))
    assert len(faq) == 2
    [warning] = faq.warnings
    assert warning.entry == "jam_tps" and "belum ada sumber resmi" in str(warning)
    assert str(warning).startswith("r/a.yml baris ")


def test_without_fact_sheet_the_links_are_not_judged(tmp_path: Path) -> None:
    bad = "http://nasional.kompas.com/read/2024/02/13/05450011/twitter.com"
    write_faq(tmp_path, "tps.yml", entry_yaml(sources=[source(bad)]))
    faq = load_faq(tmp_path)
    assert len(faq) == 1 and faq.warnings == ()


def test_repository_fact_sheet_reads() -> None:
    facts = load_fact_sheet(SHEET)
    assert len(facts.fact_ids) >= 143
    assert len(facts.official) >= 20
    assert facts.is_unverified("http://nasional.kompas.com/read/2024/02/13/05450011/twitter.com") == "F001"
