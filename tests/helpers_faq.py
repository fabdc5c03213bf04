"""Small builders for FAQ files in tests."""

from __future__ import annotations

from pathlib import Path

QUESTIONS = [f"contoh pertanyaan nomor {i} tentang jam buka tps" for i in range(12)]


def entry_yaml(
    entry_id: str = "jam_tps",
    *,
    questions: list[str] | None = None,
    answer: str = "TPS buka pukul <b>07.00</b> sampai 13.00 {{acara 2024-02-14}}.",
    extra: str = "",
) -> str:
    qs = questions if questions is not None else [f"{q} {entry_id}" for q in QUESTIONS]
    lines = [
        f"  - id: {entry_id}",
        "    judul: Jam buka TPS",
        "    pertanyaan:",
        *[f"      - {q}" for q in qs],
        "    jawaban: |",
        f"      {answer}",
        "    sumber:",
        "      - judul: Kompas.com – TPS Dibuka Mulai Pukul 07.00",
        "        tautan: https://nasional.kompas.com/read/2024/02/13/05450011/tps",
        "        tanggal: 2024-02-13",
    ]
    return "\n".join(lines) + "\n" + extra


def write_faq(folder: Path, name: str, body: str, topic: str = "Jadwal") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"topik: {topic}\nentri:\n{body}", encoding="utf-8")
    return path
