"""Load ``responses/*.yml`` strictly and say, in Indonesian, exactly what is wrong and where."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.faq.model import Entry, Faq, Source
from bot.faq.model import Problem as Problem  # re-exported: importers name it from here
from bot.faq.sources import KINDS, FactSheet, derive_kind, is_official, same_url, url_problems
from bot.faq.telegram_html import MAX_MESSAGE_LENGTH, HtmlProblem, check_html
from bot.faq.timeline import MarkerProblem, fill_markers, format_date, marker_dates
from bot.faq.yamlstrict import LineDict, YamlProblem, load_strict

MIN_QUESTIONS = 12
MAX_TITLE = 40
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,48}$")
FACT_PATTERN = re.compile(r"^F\d{3}$")
# Intents that are not FAQ entries; an entry may not take their names.
RESERVED_IDS = frozenset({"sapa", "terima_kasih", "bantuan", "di_luar_topik", "nlu_fallback"})
_TOP_KEYS = {"topik", "entri"}
_ENTRY_KEYS = {"id", "judul", "fakta", "pertanyaan", "jawaban", "jawaban_en", "sumber"}
_SOURCE_KEYS = {"judul", "tautan", "tanggal", "jenis"}
_FAR_PAST = date(2000, 1, 1)  # renders every marker in its longest form
UNDATED = "tidak diketahui"  # an undated source: "tidak diketahui (perkiraan Maret 2024)"


class FaqError(Exception):
    """The FAQ cannot be used as it is; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem], warnings: tuple[Problem, ...] = ()) -> None:
        self.problems = problems
        self.warnings = warnings  # found on the way; shown with the problems
        super().__init__("\n".join(str(p) for p in problems))


def normalise_question(text: str) -> str:
    """Lower case, punctuation removed, spaces collapsed: to find the same question twice."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def load_faq(directory: Path | str, facts: FactSheet | None = None) -> Faq:
    """Load every ``*.yml`` file under ``directory``; raise :class:`FaqError` listing all problems.

    With the fact sheet (``facts``) the sources are checked too, as ``make validate`` does: links
    citizens must not see are errors, and a fact's official page must be cited wherever the fact is
    used; entries without any official source come back as ``Faq.warnings``.
    """
    root = Path(directory)
    files = sorted(p for p in root.glob("*.yml") if p.is_file())
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not files:
        problems.append(Problem(str(root), None, None, "tidak ada berkas .yml"))
    entries: list[Entry] = []
    topics: dict[str, tuple[str, ...]] = {}
    for path in files:
        name = _display_name(path, root)
        file_entries = _load_file(path, name, problems, _SourceCheck(facts, warnings))
        entries.extend(file_entries)
        if file_entries:
            topics[file_entries[0].topic] = tuple(e.id for e in file_entries)
    _cross_check(entries, problems)
    if problems:
        raise FaqError(problems, tuple(warnings))
    return Faq(entries=tuple(entries), topics=topics, warnings=tuple(warnings))


def _display_name(path: Path, root: Path) -> str:
    return f"{root.name}/{path.name}"


class _SourceCheck:
    """The fact sheet to check sources against (None: no source checks) and where warnings go."""

    def __init__(self, facts: FactSheet | None, warnings: list[Problem]) -> None:
        self.facts = facts
        self.warnings = warnings


def _load_file(path: Path, name: str, problems: list[Problem], check: _SourceCheck) -> list[Entry]:
    try:
        data = load_strict(path.read_bytes())
    except YamlProblem as exc:
        problems.append(Problem(name, exc.line, None, exc.message))
        return []
    if not isinstance(data, LineDict):
        problems.append(Problem(name, 1, None, "berkas harus diawali 'topik:' lalu 'entri:'"))
        return []
    _unknown_keys(data, _TOP_KEYS, name, None, problems)
    topic = data.get("topik")
    if not isinstance(topic, str) or not topic.strip():
        problems.append(Problem(name, data.line, None, "'topik' wajib diisi dengan nama topik"))
        topic = path.stem
    raw_entries = data.get("entri")
    if not isinstance(raw_entries, list) or not raw_entries:
        line = data.key_lines.get("entri", data.line)
        problems.append(Problem(name, line, None, "'entri' wajib berisi daftar entri (diawali '- id:')"))
        return []
    entries = []
    for raw in raw_entries:
        entry = _entry(raw, topic.strip(), name, problems, check)
        if entry is not None:
            entries.append(entry)
    return entries


def _unknown_keys(
    data: LineDict, known: set[str], name: str, entry: str | None, problems: list[Problem]
) -> None:
    for key in data:
        if key not in known:
            allowed = ", ".join(sorted(known))
            problems.append(
                Problem(
                    name,
                    data.key_lines[key],
                    entry,
                    f"kunci '{key}' tidak dikenal (salah ketik?); yang dikenal: {allowed}",
                )
            )


def _entry(raw: Any, topic: str, name: str, problems: list[Problem], check: _SourceCheck) -> Entry | None:
    if not isinstance(raw, LineDict):
        problems.append(
            Problem(
                name, None, None, "setiap entri harus berupa 'id:', 'judul:', ... dengan indentasi yang sama"
            )
        )
        return None
    before = len(problems)
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        problems.append(
            Problem(
                name,
                raw.key_lines.get("id", raw.line),
                None,
                f"'id' {entry_id!r} tidak valid; pakai huruf kecil, angka dan garis "
                "bawah, misalnya 'jam_tps'",
            )
        )
        entry_id = None
    elif entry_id in RESERVED_IDS:
        problems.append(
            Problem(
                name, raw.key_lines["id"], entry_id, f"'id' {entry_id} sudah dipakai sistem; pilih nama lain"
            )
        )

    def at(key: str) -> int:
        return raw.key_lines.get(key, raw.line)

    def report(key: str, message: str) -> None:
        problems.append(Problem(name, at(key), entry_id, message))

    _unknown_keys(raw, _ENTRY_KEYS, name, entry_id, problems)
    title = raw.get("judul")
    if not isinstance(title, str) or not title.strip():
        report("judul", "'judul' wajib diisi (label tombol, maksimal 40 karakter)")
    elif len(title) > MAX_TITLE:
        report("judul", f"'judul' terlalu panjang ({len(title)} karakter); maksimal {MAX_TITLE}")
    questions = raw.get("pertanyaan")
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        report("pertanyaan", "'pertanyaan' wajib berupa daftar kalimat (setiap baris diawali '- ')")
        questions = []
    elif len(questions) < MIN_QUESTIONS:
        report(
            "pertanyaan",
            f"'pertanyaan' baru {len(questions)}; tambahkan sampai minimal "
            f"{MIN_QUESTIONS} contoh dengan gaya beragam (resmi, santai, salah ketik)",
        )
    else:
        seen: dict[str, str] = {}
        for question in questions:
            key = normalise_question(question)
            if key in seen:
                report("pertanyaan", f"pertanyaan '{question}' ditulis dua kali; hapus salah satunya")
            seen[key] = question
    answers = {}
    for key in ("jawaban", "jawaban_en"):
        value = raw.get(key)
        if value is None and key == "jawaban_en":
            continue
        if not isinstance(value, str) or not value.strip():
            report(key, f"'{key}' wajib diisi dengan teks jawaban")
            continue
        problem = _marker_problem(value, "en" if key == "jawaban_en" else "id")
        if problem:
            report(key, f"'{key}': {problem}")
            continue
        answers[key] = value
    facts = raw.get("fakta", [])
    if not isinstance(facts, list) or not all(isinstance(f, str) and FACT_PATTERN.match(f) for f in facts):
        report("fakta", "'fakta' harus berupa daftar nomor fakta, misalnya [F001, F002]")
        facts = []
    sources = _sources(raw.get("sumber"), at("sumber"), name, entry_id, problems, check.facts)
    if check.facts is not None and sources:
        _official_sources(facts, sources, check.facts, report)
        if not any(is_official(s) for s in sources):
            check.warnings.append(
                Problem(
                    name,
                    at("sumber"),
                    entry_id,
                    "belum ada sumber resmi (situs .go.id, KPU, Bawaslu, MK, InfoPublik); tambahkan "
                    "halaman resmi bila ada (official_source di docs/sumber/fakta-pemilu2024.yaml)",
                )
            )
    if len(problems) > before or entry_id is None or "jawaban" not in answers:
        return None
    assert isinstance(title, str)
    return Entry(
        id=entry_id,
        title=title.strip(),
        topic=topic,
        questions=tuple(q.strip() for q in questions),
        answer=answers["jawaban"],
        answer_en=answers.get("jawaban_en"),
        sources=tuple(sources),
        facts=tuple(facts),
        file=name,
        line=raw.line,
    )


def _marker_problem(text: str, lang: str) -> str | None:
    """What is wrong with the markers or HTML of ``text`` on any date it can be read, or None."""
    try:
        days = marker_dates(text)
        check_html(text)
    except (MarkerProblem, HtmlProblem) as exc:
        return str(exc)
    for day in days:
        rendered = fill_markers(text, day, lang)
        try:
            check_html(rendered)
        except HtmlProblem as exc:
            return f"pada {format_date(day, weekday=False)} jawaban menjadi tidak valid: {exc}"
        if "{{" in rendered or "}}" in rendered:
            return f"pada {format_date(day, weekday=False)} masih ada tanda {{{{ atau }}}} yang tidak terbaca"
    return None


def _official_sources(
    facts: list[str], sources: list[Source], sheet: FactSheet, report: Callable[[str, str], None]
) -> None:
    """Every fact the entry uses that has an official page: that page must be among the sources."""
    for fact_id in facts:
        if fact_id not in sheet.fact_ids:
            report("fakta", f"fakta {fact_id} tidak ada di {sheet.path}; periksa nomornya")
            continue
        page = sheet.official.get(fact_id)
        if page is None or any(s.url and same_url(s.url, page.url) for s in sources):
            continue
        report(
            "fakta",
            f"fakta {fact_id} punya sumber resmi di {sheet.path}, tetapi entri ini tidak mengutipnya; "
            f"tambahkan ke 'sumber': - judul: {page.title} | tautan: {page.url} | tanggal: {page.date}",
        )


def _sources(
    raw: Any, line: int, name: str, entry_id: str | None, problems: list[Problem], facts: FactSheet | None
) -> list[Source]:
    need = "'sumber' wajib diisi (judul, tautan, tanggal)"
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(name, line, entry_id, need))
        return []
    sources = []
    for item in raw:
        if not isinstance(item, LineDict):
            problems.append(Problem(name, line, entry_id, need + "; tiap sumber diawali '- judul:'"))
            continue
        _unknown_keys(item, _SOURCE_KEYS, name, entry_id, problems)
        title, url, when = item.get("judul"), item.get("tautan"), item.get("tanggal")
        kind = item.get("jenis", "")
        where = item.key_lines
        if kind != "" and kind not in KINDS:
            problems.append(
                Problem(
                    name,
                    where["jenis"],
                    entry_id,
                    f"sumber: 'jenis' {kind!r} tidak dikenal; tulis salah satu: {', '.join(KINDS)} "
                    "(atau hapus baris 'jenis' agar ditentukan dari alamat situs)",
                )
            )
            continue
        if not isinstance(title, str) or not title.strip():
            problems.append(Problem(name, item.line, entry_id, "sumber: 'judul' wajib diisi"))
            continue
        if url is not None and not _valid_url(url):
            problems.append(
                Problem(
                    name,
                    where.get("tautan", item.line),
                    entry_id,
                    f"sumber: 'tautan' {url!r} tidak valid; harus diawali https:// "
                    "atau http:// dan berisi alamat situs",
                )
            )
            continue
        if facts is not None and url is not None:
            for message in url_problems(url, facts):
                problems.append(
                    Problem(name, where.get("tautan", item.line), entry_id, f"sumber: tautan {url} {message}")
                )
        note = None
        if isinstance(when, str) and when.strip().lower().startswith(UNDATED):
            note = when.strip()[len(UNDATED) :].strip(" ()") or None
            when = None
        elif not isinstance(when, date):
            problems.append(
                Problem(
                    name,
                    where.get("tanggal", item.line),
                    entry_id,
                    f"sumber: 'tanggal' {when!r} tidak valid; tulis TTTT-BB-HH, misalnya 2024-02-13 "
                    "(atau 'tidak diketahui (perkiraan Maret 2024)' bila sumber tak bertanggal)",
                )
            )
            continue
        sources.append(
            Source(title=title.strip(), url=url, date=when, date_note=note, kind=kind or derive_kind(url))
        )
    if sources and not any(s.url for s in sources):
        problems.append(Problem(name, line, entry_id, "minimal satu sumber wajib punya 'tautan'"))
    return sources


def _valid_url(url: Any) -> bool:
    if not isinstance(url, str) or any(c.isspace() for c in url) or '"' in url:
        return False
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and "." in parsed.netloc


def _cross_check(entries: list[Entry], problems: list[Problem]) -> None:
    from bot.faq.render import render_answer  # renderer depends on the model only

    first: dict[str, Entry] = {}
    owner: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in first:
            other = first[entry.id]
            problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    entry.id,
                    f"id '{entry.id}' sudah dipakai di {other.file} baris {other.line}; setiap id harus unik",
                )
            )
            continue
        first[entry.id] = entry
        for question in entry.questions:
            key = normalise_question(question)
            if key in owner and owner[key].id != entry.id:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        entry.id,
                        f"pertanyaan '{question}' juga ada di entri "
                        f"'{owner[key].id}' ({owner[key].file}); "
                        "satu pertanyaan hanya boleh di satu entri",
                    )
                )
            owner.setdefault(key, entry)
        for lang in ("id", "en"):
            if lang == "en" and entry.answer_en is None:
                continue
            body = entry.answer_en if lang == "en" and entry.answer_en else entry.answer
            length = max(
                check_html(render_answer(entry, day, lang)) for day in [_FAR_PAST, *marker_dates(body)]
            )
            if length > MAX_MESSAGE_LENGTH:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        entry.id,
                        f"jawaban terlalu panjang ({length} karakter setelah "
                        f"ditambah sumber); maksimal {MAX_MESSAGE_LENGTH}",
                    )
                )
