"""Load ``responses/klaim/*.yml`` strictly; every problem says file, line, claim and how to fix it.

Same rules and wording as the FAQ loader (:mod:`bot.faq.loader`): strict YAML, unknown keys refused,
HTML checked the way Telegram parses it, sources with valid links, and nothing served unless all of
it is right.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from bot.claims.model import VERDICTS, Claim, ClaimSet, ClaimSource
from bot.faq.loader import ID_PATTERN, Problem, normalise_question
from bot.faq.loader import _valid_url as valid_url
from bot.faq.sources import KINDS, OFFICIAL, FactSheet, derive_kind, url_problems
from bot.faq.telegram_html import MAX_MESSAGE_LENGTH, HtmlProblem, check_html
from bot.faq.yamlstrict import LineDict, YamlProblem, load_strict

MIN_VARIANTS = 5
MAX_STATEMENT = 300
HOAX_PATTERN = re.compile(r"^H\d{3}$")
MONTH_PATTERN = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
SOURCE_KINDS = KINDS  # the FAQ's: resmi, media, pemantau
_TOP_KEYS = {"topik", "klaim"}
_CLAIM_KEYS = {
    "id",
    "sumber_hoaks",
    "klaim",
    "varian",
    "putusan",
    "penjelasan",
    "penjelasan_en",
    "sumber",
    "tanggal",
}
_SOURCE_KEYS = {"judul", "tautan", "tanggal", "jenis"}


class ClaimProblem(Problem):
    """A :class:`~bot.faq.loader.Problem` in a claim file: names the claim, not an FAQ entry."""

    def __str__(self) -> str:
        where = self.file + (f" baris {self.line}" if self.line else "")
        if self.entry:
            where += f", klaim '{self.entry}'"
        return f"{where}: {self.message}"


class ClaimError(Exception):
    """The claim files cannot be used as they are; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def is_official(url: str | None) -> bool:
    """A government or election-body site (the FAQ's rule): listed before any other source."""
    return derive_kind(url) == OFFICIAL


def load_claims(
    directory: Path | str, hoax_ids: frozenset[str] | None = None, facts: FactSheet | None = None
) -> ClaimSet:
    """Load every ``*.yml`` under ``directory`` (may be absent: no claims); raise :class:`ClaimError`.

    ``hoax_ids``: the ids in docs/sumber/hoaks-pemilu2024.yaml, to check ``sumber_hoaks`` against;
    ``facts``: the fact sheet, for the FAQ's link rules (unverified links, known https sites).
    """
    sheet = facts or FactSheet("", frozenset())
    root = Path(directory)
    files = sorted(p for p in root.glob("*.yml") if p.is_file()) if root.is_dir() else []
    problems: list[Problem] = []
    claims: list[Claim] = []
    for path in files:
        name = f"{root.parent.name}/{root.name}/{path.name}"
        claims.extend(_load_file(path, name, hoax_ids, sheet, problems))
    _cross_check(claims, problems)
    if problems:
        raise ClaimError(problems)
    return ClaimSet(tuple(claims))


def _load_file(
    path: Path, name: str, hoax_ids: frozenset[str] | None, sheet: FactSheet, problems: list[Problem]
) -> list[Claim]:
    try:
        data = load_strict(path.read_bytes())
    except YamlProblem as exc:
        problems.append(ClaimProblem(name, exc.line, None, exc.message))
        return []
    if not isinstance(data, LineDict):
        problems.append(ClaimProblem(name, 1, None, "berkas harus diawali 'topik:' lalu 'klaim:'"))
        return []
    _unknown_keys(data, _TOP_KEYS, name, None, problems)
    topic = data.get("topik")
    if not isinstance(topic, str) or not topic.strip():
        problems.append(ClaimProblem(name, data.line, None, "'topik' wajib diisi dengan nama topik"))
        topic = path.stem
    raw_claims = data.get("klaim")
    if not isinstance(raw_claims, list) or not raw_claims:
        line = data.key_lines.get("klaim", data.line)
        problems.append(ClaimProblem(name, line, None, "'klaim' wajib berisi daftar klaim (diawali '- id:')"))
        return []
    claims = []
    for raw in raw_claims:
        claim = _claim(raw, topic.strip(), name, hoax_ids, sheet, problems)
        if claim is not None:
            claims.append(claim)
    return claims


def _unknown_keys(
    data: LineDict, known: set[str], name: str, claim: str | None, problems: list[Problem]
) -> None:
    for key in data:
        if key not in known:
            allowed = ", ".join(sorted(known))
            problems.append(
                ClaimProblem(
                    name,
                    data.key_lines[key],
                    claim,
                    f"kunci '{key}' tidak dikenal (salah ketik?); yang dikenal: {allowed}",
                )
            )


def _claim(
    raw: Any,
    topic: str,
    name: str,
    hoax_ids: frozenset[str] | None,
    sheet: FactSheet,
    problems: list[Problem],
) -> Claim | None:
    if not isinstance(raw, LineDict):
        problems.append(
            ClaimProblem(name, None, None, "setiap klaim harus berupa 'id:', 'klaim:', ... berindentasi sama")
        )
        return None
    before = len(problems)
    claim_id = raw.get("id")
    if not isinstance(claim_id, str) or not ID_PATTERN.match(claim_id):
        problems.append(
            ClaimProblem(
                name,
                raw.key_lines.get("id", raw.line),
                None,
                f"'id' {claim_id!r} tidak valid; pakai huruf kecil, angka dan garis bawah, "
                "misalnya 'surat_suara_tercoblos'",
            )
        )
        claim_id = None

    def report(key: str, message: str) -> None:
        problems.append(ClaimProblem(name, raw.key_lines.get(key, raw.line), claim_id, message))

    _unknown_keys(raw, _CLAIM_KEYS, name, claim_id, problems)
    hoax = raw.get("sumber_hoaks")
    if not isinstance(hoax, str) or not HOAX_PATTERN.match(hoax):
        report("sumber_hoaks", "'sumber_hoaks' wajib berisi nomor hoaks, misalnya H001")
    elif hoax_ids is not None and hoax not in hoax_ids:
        report("sumber_hoaks", f"'sumber_hoaks' {hoax} tidak ada di docs/sumber/hoaks-pemilu2024.yaml")
    statement = raw.get("klaim")
    if not isinstance(statement, str) or not statement.strip():
        report("klaim", "'klaim' wajib diisi: satu kalimat netral tentang apa yang diklaim")
    elif "\n" in statement.strip() or len(statement) > MAX_STATEMENT:
        report("klaim", f"'klaim' harus satu kalimat pada satu baris, maksimal {MAX_STATEMENT} karakter")
    variants = raw.get("varian")
    if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
        report("varian", "'varian' wajib berupa daftar pesan berantai (setiap baris diawali '- ')")
        variants = []
    elif len(variants) < MIN_VARIANTS:
        report(
            "varian",
            f"'varian' baru {len(variants)}; tambahkan sampai minimal {MIN_VARIANTS} versi pesan "
            "berantai seperti yang beredar (bukan pertanyaan)",
        )
    else:
        seen: set[str] = set()
        for variant in variants:
            key = normalise_question(variant)
            if key in seen:
                report("varian", f"varian '{variant[:60]}' ditulis dua kali; hapus salah satunya")
            seen.add(key)
    verdict = raw.get("putusan")
    if verdict not in VERDICTS:
        report("putusan", f"'putusan' {verdict!r} tidak dikenal; pilih salah satu: {', '.join(VERDICTS)}")
    texts: dict[str, str] = {}
    for key in ("penjelasan", "penjelasan_en"):
        value = raw.get(key)
        if value is None and key == "penjelasan_en":
            continue
        if not isinstance(value, str) or not value.strip():
            report(key, f"'{key}' wajib diisi dengan penjelasan faktanya")
            continue
        if "{{" in value or "}}" in value:
            report(key, f"'{key}' tidak memakai penanda {{{{...}}}}; tulis tanggalnya langsung")
            continue
        try:
            check_html(value)
        except HtmlProblem as exc:
            report(key, f"'{key}': {exc}")
            continue
        texts[key] = value
    circulated = _month(raw.get("tanggal"))
    if circulated is None:
        report("tanggal", "'tanggal' wajib berisi bulan beredar TTTT-BB (misalnya 2024-02) atau TTTT-BB-HH")
    sources = _sources(
        raw.get("sumber"), raw.key_lines.get("sumber", raw.line), name, claim_id, sheet, problems
    )
    if len(problems) > before or claim_id is None:
        return None
    assert isinstance(hoax, str) and isinstance(statement, str) and isinstance(verdict, str)
    assert circulated is not None
    return Claim(
        id=claim_id,
        topic=topic,
        hoax_id=hoax,
        statement=" ".join(statement.split()),
        variants=tuple(" ".join(v.split()) for v in variants),
        verdict=verdict,
        explanation=texts["penjelasan"],
        explanation_en=texts.get("penjelasan_en"),
        sources=tuple(sources),
        circulated=circulated,
        file=name,
        line=raw.line,
    )


def _month(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and MONTH_PATTERN.match(value.strip()):
        return value.strip()
    return None


def _sources(
    raw: Any, line: int, name: str, claim_id: str | None, sheet: FactSheet, problems: list[Problem]
) -> list[ClaimSource]:
    need = "'sumber' wajib diisi (judul, tautan; tanggal dan jenis boleh)"
    if not isinstance(raw, list) or not raw:
        problems.append(ClaimProblem(name, line, claim_id, need))
        return []
    sources: list[ClaimSource] = []
    for item in raw:
        if not isinstance(item, LineDict):
            problems.append(ClaimProblem(name, line, claim_id, need + "; tiap sumber diawali '- judul:'"))
            continue
        _unknown_keys(item, _SOURCE_KEYS, name, claim_id, problems)
        where = item.key_lines
        title, url, when, kind = item.get("judul"), item.get("tautan"), item.get("tanggal"), item.get("jenis")
        if not isinstance(title, str) or not title.strip():
            problems.append(ClaimProblem(name, item.line, claim_id, "sumber: 'judul' wajib diisi"))
            continue
        if not valid_url(url):
            problems.append(
                ClaimProblem(
                    name,
                    where.get("tautan", item.line),
                    claim_id,
                    f"sumber: 'tautan' {url!r} tidak valid; setiap sumber klaim wajib punya tautan "
                    "yang diawali https:// atau http:// dan berisi alamat situs",
                )
            )
            continue
        link_problems = url_problems(str(url), sheet)
        if link_problems:
            problems.append(
                ClaimProblem(
                    name, where.get("tautan", item.line), claim_id, f"sumber: tautan {link_problems[0]}"
                )
            )
            continue
        if when is not None and not isinstance(when, date):
            problems.append(
                ClaimProblem(
                    name,
                    where.get("tanggal", item.line),
                    claim_id,
                    f"sumber: 'tanggal' {when!r} tidak valid; tulis TTTT-BB-HH, misalnya 2024-02-13, "
                    "atau hapus baris itu bila sumber tak bertanggal",
                )
            )
            continue
        if kind is not None and kind not in SOURCE_KINDS:
            problems.append(
                ClaimProblem(
                    name,
                    where.get("jenis", item.line),
                    claim_id,
                    f"sumber: 'jenis' {kind!r} tidak dikenal; pilih {', '.join(SOURCE_KINDS)}",
                )
            )
            continue
        official = kind == OFFICIAL or (kind is None and is_official(url))
        sources.append(ClaimSource(title.strip(), url, when, kind, official))
    if sources and any(s.official for s in sources) and not sources[0].official:
        first = next(s for s in sources if s.official)
        problems.append(
            ClaimProblem(
                name,
                line,
                claim_id,
                f"sumber resmi '{first.title[:50]}' harus ditulis paling atas (sumber resmi dulu)",
            )
        )
    return sources


def _cross_check(claims: list[Claim], problems: list[Problem]) -> None:
    from bot.claims.render import render_verdict  # the renderer depends on the model only

    first: dict[str, Claim] = {}
    owner: dict[str, Claim] = {}
    for claim in claims:
        if claim.id in first:
            other = first[claim.id]
            problems.append(
                ClaimProblem(
                    claim.file,
                    claim.line,
                    claim.id,
                    f"id '{claim.id}' sudah dipakai di {other.file} baris {other.line}; setiap id harus unik",
                )
            )
            continue
        first[claim.id] = claim
        for text in claim.texts:
            key = normalise_question(text)
            if key in owner and owner[key].id != claim.id:
                problems.append(
                    ClaimProblem(
                        claim.file,
                        claim.line,
                        claim.id,
                        f"teks '{text[:60]}' juga ada di klaim '{owner[key].id}' ({owner[key].file}); "
                        "satu teks hanya boleh di satu klaim",
                    )
                )
            owner.setdefault(key, claim)
        for lang in ("id", "en"):
            if lang == "en" and claim.explanation_en is None:
                continue
            length = check_html(render_verdict(claim, lang))
            if length > MAX_MESSAGE_LENGTH:
                problems.append(
                    ClaimProblem(
                        claim.file,
                        claim.line,
                        claim.id,
                        f"penjelasan terlalu panjang ({length} karakter setelah ditambah putusan dan "
                        f"sumber); maksimal {MAX_MESSAGE_LENGTH}",
                    )
                )
