"""`pemilubot klaim periksa` and `pemilubot klaim antrean`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import cli
from bot.claims import pending
from bot.storage import Storage
from tests.helpers_faq import entry_yaml, write_faq
from tests.test_claims import BALLOTS, RUNOFF, write_claims


@pytest.fixture(autouse=True)
def isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    return db


def test_check_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    responses = tmp_path / "responses"
    write_faq(responses, "tps.yml", entry_yaml("jam_tps"))
    write_claims(responses / "klaim", "a.yml", BALLOTS, RUNOFF)
    assert cli.main(["--responses", str(responses), "klaim", "periksa"]) == 0
    assert "Klaim baik: 2 klaim, 10 varian" in capsys.readouterr().out
    write_claims(responses / "klaim", "a.yml", BALLOTS.replace("putusan: SALAH", "putusan: bohong"))
    assert cli.main(["--responses", str(responses), "klaim", "periksa"]) == 1
    err = capsys.readouterr().err
    assert "klaim/a.yml baris 12, klaim 'surat_suara_tercoblos_gudang'" in err and "bohong" in err


def test_the_shipped_claims_pass_the_check(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parents[1]
    assert cli.main(["--responses", str(repo / "responses"), "klaim", "periksa"]) == 0


def test_queue_groups_pending_messages(isolated_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["klaim", "antrean"]) == 0
    assert "Antrean kosong" in capsys.readouterr().out

    async def fill() -> None:
        storage = Storage(isolated_db)
        try:
            for text in (
                "Gudang KPU terbakar, surat suara hangus!",
                "gudang kpu terbakar surat suara hangus",
            ):
                await pending.add_pending(storage, text, "tidak_cocok", None, None)
            waited = await pending.add_pending(storage, "Pemilu diulang tahun depan", "saran", "x_y", 0.31)
            await pending.add_watcher(storage, waited, 7)
        finally:
            storage.close()

    asyncio.run(fill())
    assert cli.main(["klaim", "antrean"]) == 0
    out = capsys.readouterr().out
    assert "2 kelompok" in out
    assert out.index("2×") < out.index("1×")  # most frequent first
    assert "1 warga menunggu kabar" in out and "mirip 'x_y' (0.31)" in out
