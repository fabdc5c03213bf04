"""``pemilubot``: every command staff and operators run. Thin layer over the library modules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.config import ConfigError, Settings, setup_logging
from bot.faq import FaqError, load_faq
from bot.faq.model import Problem
from bot.faq.sources import FACT_SHEET
from bot.nlu import model as nlu_model
from bot.nlu import training_data


def _settings() -> Settings:
    try:
        return Settings.load()
    except ConfigError as exc:
        sys.exit(f"Konfigurasi salah: {exc}")


def _paths(args: argparse.Namespace) -> nlu_model.NluPaths:
    return nlu_model.NluPaths(Path(args.nlu_dir), Path(args.models_dir), Path(args.rasa_bin))


def cmd_run(args: argparse.Namespace) -> int:
    """Siapkan semua yang kurang lalu jalankan bot (Telegram, atau terminal tanpa token).

    Contoh: pemilubot jalan
    """
    from bot import runner

    settings = _settings()
    setup_logging(settings)
    try:
        runner.prepare_model(settings, _paths(args))
    except FaqError as exc:
        return _faq_failed(exc)
    except nlu_model.TrainingFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    from bot.supervisor import ChildStartError
    from bot.web.server import WebChatStartError

    try:
        runner.run_until_stopped(lambda: runner.serve(settings, _paths(args), start_rasa=not args.no_rasa))
    except (ChildStartError, WebChatStartError) as exc:  # Rasa, the action server or the web chat's port
        print(f"Bot tidak bisa mulai: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Buat data latih, latih model bila datanya berubah, dan siapkan database.

    Contoh: pemilubot siapkan
    """
    from bot import runner
    from bot.storage import open_database

    settings = _settings()
    setup_logging(settings)
    try:
        model = runner.prepare_model(settings, _paths(args))
    except FaqError as exc:
        return _faq_failed(exc)
    except nlu_model.TrainingFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    open_database(settings.database_path).conn.close()
    print(f"Siap: model {model}, database {settings.database_path}")
    return 0


def cmd_faq_check(args: argparse.Namespace) -> int:
    """Periksa berkas FAQ di responses/ dan sumbernya terhadap fact sheet; kode 1 bila ada kesalahan.

    Peringatan (misalnya entri tanpa sumber resmi) ditampilkan dengan jumlahnya, kode tetap 0.
    Contoh: pemilubot faq periksa
    """
    from bot.faq.sources import FactSheetError, load_fact_sheet

    try:
        faq = load_faq(args.responses, load_fact_sheet(args.facts))
    except FactSheetError as exc:
        print(exc, file=sys.stderr)
        return 1
    except FaqError as exc:
        _faq_warnings(exc.warnings)
        return _faq_failed(exc)
    _faq_warnings(faq.warnings)
    questions = sum(len(e.questions) for e in faq.entries)
    print(f"FAQ baik: {len(faq)} entri, {len(faq.topics)} topik, {questions} contoh pertanyaan.")
    return 0


def _faq_warnings(warnings: tuple[Problem, ...]) -> None:
    for warning in warnings:
        print(f"  ! {warning}")
    if warnings:
        print(
            f"Peringatan: {len(warnings)} entri belum punya sumber resmi (bukan kesalahan, kode keluar 0)."
        )


def cmd_faq_preview(args: argparse.Namespace) -> int:
    """Tampilkan jawaban (Indonesia dan Inggris, dengan sumber) seperti dibaca warga pada suatu tanggal.

    --semua menampilkan semua entri dan keluar dengan kode 1 bila ada penanda yang tidak bisa ditampilkan.
    Contoh: pemilubot faq pratinjau pindah_memilih_batas --tanggal 2024-02-06
            pemilubot faq pratinjau --semua --tanggal 2026-11-30
    """
    from bot.faq.preview import preview_all, preview_entry
    from bot.faq.timeline import today_wib

    if bool(args.entry) == args.all:
        print("Sebutkan satu id entri, atau --semua (tidak keduanya).", file=sys.stderr)
        return 2
    try:
        faq = load_faq(args.responses)
    except FaqError as exc:
        return _faq_failed(exc)
    today = args.date or today_wib()
    entry = faq.get(args.entry) if args.entry else None
    if args.entry and entry is None:
        print(f"Entri '{args.entry}' tidak ada; id yang ada: {', '.join(faq.ids)}", file=sys.stderr)
        return 1
    preview = preview_entry(entry, today) if entry else preview_all(faq, today)
    print(preview.text)
    for problem in preview.problems:
        print(f"  ✗ {problem}", file=sys.stderr)
    return 1 if preview.problems else 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' bukan tanggal TTTT-BB-HH, misalnya 2024-02-14") from None


def cmd_nlu_build(args: argparse.Namespace) -> int:
    """Buat ulang data latih Rasa dari responses/ (--check: hanya periksa, jangan tulis).

    Contoh: pemilubot nlu buat --check
    """
    try:
        faq = load_faq(args.responses)
    except FaqError as exc:
        return _faq_failed(exc)
    nlu_dir = Path(args.nlu_dir)
    if args.check:
        stale = training_data.stale(faq, nlu_dir)
        for path in stale:
            print(f"Kedaluwarsa: {path} (jalankan `make nlu`)", file=sys.stderr)
        return 1 if stale else 0
    for path in training_data.write(faq, nlu_dir):
        print(f"Ditulis: {path}")
    return 0


def cmd_nlu_train(args: argparse.Namespace) -> int:
    """Latih model Rasa NLU bila datanya berubah (--paksa: latih ulang).

    Contoh: pemilubot nlu latih
    """
    paths = _paths(args)
    try:
        model, seconds = nlu_model.train(paths, force=args.force)
    except nlu_model.TrainingFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    size = model.stat().st_size / 1e6
    note = f"dilatih dalam {seconds:.1f} s" if seconds else "sudah terbaru"
    print(f"Model: {model} ({size:.1f} MB), {note}")
    return 0


def cmd_faq_history(args: argparse.Namespace) -> int:
    """Tampilkan riwayat perubahan FAQ yang diterima bot yang sedang berjalan.

    Contoh: pemilubot faq riwayat
    """
    from bot.storage import open_database

    db = open_database(_settings().database_path)
    rows = list(db.query("SELECT * FROM faq_changes ORDER BY id DESC LIMIT ?", [args.limit]))
    if not rows:
        print("Belum ada perubahan FAQ yang tercatat.")
    for row in rows:
        parts = [
            f"{label} {row[key]}"
            for label, key in (("+", "added"), ("~", "changed"), ("-", "removed"))
            if row[key]
        ]
        model = " · model dilatih ulang" if row["retrained"] else ""
        print(f"{row['created_at']}  {row['content_hash'][:12]}  oleh {row['by']}{model}")
        print(f"    {'  '.join(parts)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Laporan: pertanyaan yang belum terjawab (dikelompokkan), entri terpopuler, fallback, masukan.

    Contoh: pemilubot laporan --hari 30 --csv > laporan.csv
            pemilubot laporan --mingguan   # ringkasan minggu lalu, sama dengan yang dikirim ke staf
    """
    from bot import report
    from bot.storage import open_database

    if args.weekly:
        return _weekly_digest(args)
    db = open_database(_settings().database_path)
    result = report.build_report(db, days=args.days)
    print(report.as_csv(result) if args.csv else report.as_text(result), end="" if args.csv else "\n")
    return 0


def _weekly_digest(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from bot import digest
    from bot.claims.pending import digest_claims
    from bot.storage import open_database

    settings = _settings()
    try:
        faq = load_faq(args.responses)
    except FaqError:
        faq = None  # still useful without entry titles
    now = datetime.now(timezone.utc)
    week = digest.last_complete_week(now)
    db = open_database(settings.database_path)
    result = digest.build_digest(
        db, week, now=now, retention_days=settings.retention_days, faq=faq, claims=digest_claims
    )
    print(digest.as_text(result))
    return 0


def cmd_broadcast_send(args: argparse.Namespace) -> int:
    """Kirim pengumuman dari berkas YAML (teks, provinsi opsional, waktu WIB opsional).

    Contoh berkas pengumuman.yml:
        teks: |
          <b>Pengingat</b>: cek nama Anda di cekdptonline.kpu.go.id
        provinsi: [Jawa Barat, Banten]   # kosongkan untuk semua pelanggan
        waktu: 10-02-2027 08:00          # kosongkan untuk kirim sekarang

    Contoh: pemilubot siaran kirim pengumuman.yml --dry-run
    """
    import asyncio

    from bot.broadcast import cli as broadcast_cli

    settings = _settings()
    try:
        return asyncio.run(broadcast_cli.send(settings, Path(args.file), args.dry_run))
    except broadcast_cli.AnnouncementError as exc:
        print(f"Pengumuman belum bisa dikirim: {exc}", file=sys.stderr)
        return 1


def cmd_broadcast_status(args: argparse.Namespace) -> int:
    """Tampilkan siaran yang lalu dan yang sedang berjalan.

    Contoh: pemilubot siaran status
    """
    from bot.broadcast import cli as broadcast_cli

    return broadcast_cli.status(_settings())


def cmd_status(args: argparse.Namespace) -> int:
    """Periksa Rasa, server aksi, database dan Telegram; keluar dengan kode 1 bila ada yang salah.

    Contoh: pemilubot status
    """
    import asyncio

    from bot.health import run_checks

    settings = _settings()
    report = asyncio.run(run_checks(settings))
    for check in report.checks:
        print(check.line())
    print("Semua baik." if report.ok else "Ada yang perlu diperbaiki (lihat ✗ di atas).")
    return 0 if report.ok else 1


def cmd_claims_check(args: argparse.Namespace) -> int:
    """Periksa berkas klaim Cek Hoaks di responses/klaim/; keluar dengan kode 1 bila ada kesalahan.

    Contoh: pemilubot klaim periksa
    """
    from bot.claims import ClaimError
    from bot.claims.store import ClaimStore

    try:
        store = ClaimStore.for_responses(Path(args.responses))
    except ClaimError as exc:
        print(f"Klaim belum bisa dipakai ({len(exc.problems)} masalah):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  ✗ {problem}", file=sys.stderr)
        return 1
    claims = store.claims
    variants = sum(len(c.variants) for c in claims)
    print(f"Klaim baik: {len(claims)} klaim, {variants} varian pesan, di {store.directory}.")
    return 0


def cmd_claims_queue(args: argparse.Namespace) -> int:
    """Pesan yang diminta dicek tetapi belum cocok dengan klaim mana pun, dikelompokkan.

    Yang paling sering dan paling banyak ditunggu warga tampil paling atas: tulis klaimnya di
    responses/klaim/ dan warga yang meminta diberi tahu otomatis.

    Contoh: pemilubot klaim antrean --hari 7
    """
    from bot.claims.pending import grouped
    from bot.storage import open_database

    db = open_database(_settings().database_path)
    groups = grouped(db, days=args.days)[: args.limit]
    if not groups:
        print("Antrean kosong: tidak ada pesan yang menunggu dicek.")
        return 0
    print(f"{len(groups)} kelompok pesan menunggu dicek (terbanyak dulu):")
    for group in groups:
        near = f"; mirip '{group.best_claim}' ({group.best_score:.2f})" if group.best_claim else ""
        waiting = f", {group.watchers} warga menunggu kabar" if group.watchers else ""
        print(f"\n{group.count}× (terakhir {group.last_seen[:16]}{waiting}{near})")
        print(f"    {' '.join(group.text.split())[:300]}")
    return 0


def _faq_failed(exc: FaqError) -> int:
    print(f"FAQ belum bisa dipakai ({len(exc.problems)} masalah):", file=sys.stderr)
    for problem in exc.problems:
        print(f"  ✗ {problem}", file=sys.stderr)
    return 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pemilubot", description="Tanya Pemilu: bot edukasi pemilih.")
    root.add_argument("--responses", default="responses", help="folder FAQ (default: responses)")
    root.add_argument("--nlu-dir", default="nlu_data", help="folder data Rasa (default: nlu_data)")
    root.add_argument("--models-dir", default="models", help="folder model (default: models)")
    root.add_argument("--rasa-bin", default=".venv-rasa/bin/rasa", help="program rasa")
    sub = root.add_subparsers(dest="command", required=True)

    def add(
        name: str,
        func: Callable[[argparse.Namespace], int],
        group: argparse._SubParsersAction[argparse.ArgumentParser] = sub,
    ) -> argparse.ArgumentParser:
        doc = func.__doc__ or ""
        p = group.add_parser(
            name,
            help=doc.splitlines()[0],
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    run = add("jalan", cmd_run)
    run.add_argument(
        "--no-rasa",
        action="store_true",
        help="jangan memulai Rasa dan server aksinya (sudah berjalan di RASA_URL)",
    )
    add("siapkan", cmd_prepare)
    add("status", cmd_status)
    faq = sub.add_parser("faq", help="memeriksa dan menerbitkan FAQ").add_subparsers(
        dest="faq", required=True
    )
    check = add("periksa", cmd_faq_check, faq)
    check.add_argument(
        "--fakta", dest="facts", default=str(FACT_SHEET), help=f"fact sheet (default: {FACT_SHEET})"
    )
    preview = add("pratinjau", cmd_faq_preview, faq)
    preview.add_argument("entry", nargs="?", help="id entri, misalnya pindah_memilih_batas")
    preview.add_argument("--semua", dest="all", action="store_true", help="semua entri")
    preview.add_argument(
        "--tanggal", dest="date", type=_iso_date, help="tanggal baca TTTT-BB-HH (default: hari ini WIB)"
    )
    history = add("riwayat", cmd_faq_history, faq)
    history.add_argument("--batas", dest="limit", type=int, default=20, help="jumlah baris (default 20)")
    klaim = sub.add_parser("klaim", help="klaim Cek Hoaks").add_subparsers(dest="klaim", required=True)
    add("periksa", cmd_claims_check, klaim)
    queue = add("antrean", cmd_claims_queue, klaim)
    queue.add_argument("--hari", dest="days", type=int, default=None, help="hanya N hari terakhir")
    queue.add_argument("--batas", dest="limit", type=int, default=50, help="jumlah kelompok (default 50)")
    siaran = sub.add_parser("siaran", help="siaran pengumuman").add_subparsers(dest="siaran", required=True)
    send = add("kirim", cmd_broadcast_send, siaran)
    send.add_argument("file", help="berkas pengumuman .yml")
    send.add_argument("--dry-run", action="store_true", help="tampilkan pratinjau dan jumlah penerima saja")
    add("status", cmd_broadcast_status, siaran)
    rep = add("laporan", cmd_report)
    rep.add_argument("--hari", dest="days", type=int, default=7, help="periode dalam hari (default 7)")
    rep.add_argument("--csv", action="store_true", help="keluaran CSV untuk spreadsheet")
    rep.add_argument("--mingguan", dest="weekly", action="store_true", help="ringkasan minggu lalu")
    nlu = sub.add_parser("nlu", help="data latih dan model Rasa").add_subparsers(dest="nlu", required=True)
    build = add("buat", cmd_nlu_build, nlu)
    build.add_argument("--check", action="store_true", help="hanya periksa apakah berkas sudah terbaru")
    train = add("latih", cmd_nlu_train, nlu)
    train.add_argument("--paksa", dest="force", action="store_true", help="latih ulang walau sudah ada")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
