"""pemilubot commands staff run: checks, broadcasts from a file, history and report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    return db


def test_faq_check_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "periksa"]) == 0
    assert "FAQ baik" in capsys.readouterr().out
    broken = tmp_path / "responses"
    broken.mkdir()
    (broken / "x.yml").write_text("topik: X\nentri:\n  - id: Salah Id\n", encoding="utf-8")
    assert main(["--responses", str(broken), "faq", "periksa"]) == 1
    err = capsys.readouterr().err
    assert "x.yml baris 3" in err and "'id'" in err


def test_broadcast_dry_run_and_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "p.yml"
    good.write_text(
        "teks: |\n  <b>Pengingat</b> cek DPT\nprovinsi: [Bali]\nwaktu: 10-02-2027 08:00\n", encoding="utf-8"
    )
    assert main(["siaran", "kirim", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert (
        "Pengingat cek DPT" in out and "Penerima: 0 (provinsi Bali)" in out and "10-02-2027 08:00 WIB" in out
    )
    assert main(["siaran", "status"]) == 0
    assert "Belum ada siaran" in capsys.readouterr().out
    bad = tmp_path / "bad.yml"
    bad.write_text("teks: halo\nprovinsi: [Narnia]\n", encoding="utf-8")
    assert main(["siaran", "kirim", str(bad)]) == 1
    assert "provinsi tidak dikenal: Narnia" in capsys.readouterr().err


def test_scheduled_broadcast_is_queued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    later = tmp_path / "later.yml"
    later.write_text("teks: Pengingat\nwaktu: 10-02-2099 08:00\n", encoding="utf-8")
    assert main(["siaran", "kirim", str(later)]) == 0
    assert "Terjadwal" in capsys.readouterr().out
    assert main(["siaran", "status"]) == 0
    assert "#1 scheduled" in capsys.readouterr().out


def test_history_and_report_on_empty_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "riwayat"]) == 0
    assert "Belum ada perubahan" in capsys.readouterr().out
    assert main(["laporan", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("bagian,teks_atau_entri")
