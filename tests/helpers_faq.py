"""Small builders for FAQ files (and fact sheets) in tests."""

from __future__ import annotations

from pathlib import Path

import yaml

QUESTIONS = [f"contoh pertanyaan nomor {i} tentang jam buka tps" for i in range(12)]
KOMPAS = {
    "judul": "Kompas.com – TPS Dibuka Mulai Pukul 07.00",
    "tautan": "https://nasional.kompas.com/read/2024/02/13/05450011/tps",
    "tanggal": "2024-02-13",
}


def entry_yaml(
    entry_id: str = "jam_tps",
    *,
    questions: list[str] | None = None,
    answer: str = "TPS buka pukul <b>07.00</b> sampai 13.00 {{acara 2024-02-14}}.",
    extra: str = "",
    facts: list[str] | None = None,
    sources: list[dict[str, str]] | None = None,
) -> str:
    qs = questions if questions is not None else [f"{q} {entry_id}" for q in QUESTIONS]
    lines = [
        f"  - id: {entry_id}",
        "    judul: Jam buka TPS",
        *([f"    fakta: [{', '.join(facts)}]"] if facts is not None else []),
        "    pertanyaan:",
        *[f"      - {q}" for q in qs],
        "    jawaban: |",
        f"      {answer}",
        "    sumber:",
    ]
    for source in sources if sources is not None else [KOMPAS]:
        lines += [
            f"{'      - ' if i == 0 else '        '}{k}: {v}" for i, (k, v) in enumerate(source.items())
        ]
    return "\n".join(lines) + "\n" + extra


def write_faq(folder: Path, name: str, body: str, topic: str = "Jadwal") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"topik: {topic}\nentri:\n{body}", encoding="utf-8")
    return path


def write_fact_sheet(path: Path, facts: list[dict[str, object]]) -> Path:
    """A fact sheet in the shape of docs/sumber/fakta-pemilu2024.yaml."""
    path.write_text(yaml.safe_dump(facts, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
