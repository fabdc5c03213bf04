"""Sources: their kind (official, media, election monitor) and the links we refuse to show citizens.

The one place that decides a source's ``jenis``: declared in the FAQ file, or derived from the host of
its link. The fact sheet (``docs/sumber/fakta-pemilu2024.yaml``) tells which facts have an official
page, which links it marks ``url_status: tidak_terverifikasi``, and which hosts it reaches over https.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from bot.faq.model import Source

OFFICIAL = "resmi"
MEDIA = "media"
MONITOR = "pemantau"
KINDS = (OFFICIAL, MEDIA, MONITOR)
FACT_SHEET = Path("docs/sumber/fakta-pemilu2024.yaml")

# Government and election-body hosts: every *.go.id and *.desa.id, plus these.
_OFFICIAL_SUFFIXES = (".go.id", ".desa.id")
_OFFICIAL_HOSTS = frozenset({"infopublik.id", "mkri.id"})  # InfoPublik (Kominfo/Komdigi), Mahkamah Konstitusi
_MONITOR_HOSTS = frozenset({"rumahpemilu.org", "perludem.org"})
# Sites known to serve every page over https (besides every host the fact sheet reaches over https).
_HTTPS_DOMAINS = frozenset(
    {
        "kompas.com",
        "kompas.tv",
        "detik.com",
        "tempo.co",
        "antaranews.com",
        "tribunnews.com",
        "cnnindonesia.com",
        "republika.co.id",
        "liputan6.com",
        "okezone.com",
        "suara.com",
        "kpu.go.id",
        "bawaslu.go.id",
        "dkpp.go.id",
        "mkri.id",
        "komdigi.go.id",
        "kominfo.go.id",
        "infopublik.id",
    }
)
_HTTPS_SUBDOMAINS_UNSURE = (".kpu.go.id", ".bawaslu.go.id")  # regional offices: not all serve https
# A last path segment that is only a domain: a share-button artefact ("/twitter.com", "/wa.me").
_BARE_DOMAIN = re.compile(
    r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|id|co|me|io|tv|ly|info|biz)$"
)
_ENCODED_SPACE_ANYWHERE = ("%c2%a0", "%a0")
_ENCODED_SPACE_AT_END = ("%20", "%09", "%0a", "%0d")
_PRINT_QUERY = re.compile(r"(?:^|&)(?:print|output)=", re.I)


def host_of(url: str | None) -> str:
    """The host of ``url`` in lower case, without ``www.`` or a port; empty when there is none."""
    if not url:
        return ""
    host = (urlparse(url).hostname or "").lower()
    return host.removeprefix("www.")


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def derive_kind(url: str | None) -> str:
    """``resmi``, ``pemantau`` or ``media`` from the host of ``url``."""
    host = host_of(url)
    if host in _OFFICIAL_HOSTS or host.endswith(_OFFICIAL_SUFFIXES):
        return OFFICIAL
    if any(_under(host, monitor) for monitor in _MONITOR_HOSTS):
        return MONITOR
    return MEDIA


def kind_of(source: Source) -> str:
    """The kind staff declared (``jenis``) or, when they did not, the kind derived from the link."""
    return source.kind or derive_kind(source.url)


def is_official(source: Source) -> bool:
    """Whether the source is an official (government or election body) page."""
    return kind_of(source) == OFFICIAL


def same_url(a: str, b: str) -> bool:
    """Two links to the same page: scheme, ``www.``, port, case of the host and a final ``/`` ignored."""
    return _comparable(a) == _comparable(b)


def _comparable(url: str) -> str:
    parsed = urlparse(url.strip())
    rest = parsed.path.rstrip("/") + (f"?{parsed.query}" if parsed.query else "")
    return host_of(url) + rest


@dataclass(frozen=True)
class OfficialPage:
    """A fact's official page in the fact sheet."""

    title: str
    url: str
    date: str


@dataclass(frozen=True)
class FactSheet:
    """What the validator needs from ``docs/sumber/fakta-pemilu2024.yaml``."""

    path: str
    fact_ids: frozenset[str]
    official: dict[str, OfficialPage] = field(default_factory=dict)
    unverified: dict[str, str] = field(default_factory=dict)  # comparable url -> fact id
    https_hosts: frozenset[str] = frozenset()

    def is_unverified(self, url: str) -> str | None:
        """The fact id that marks ``url`` ``tidak_terverifikasi``, or None."""
        return self.unverified.get(_comparable(url))

    def https_known(self, url: str) -> bool:
        """Whether the host of ``url`` is known to serve https."""
        host = host_of(url)
        if host in self.https_hosts:
            return True
        if host.endswith(_HTTPS_SUBDOMAINS_UNSURE):
            return False
        return any(_under(host, domain) for domain in _HTTPS_DOMAINS)


class FactSheetError(Exception):
    """The fact sheet cannot be read."""


def load_fact_sheet(path: Path | str = FACT_SHEET) -> FactSheet:
    """Read the fact sheet; raise :class:`FactSheetError` with a message in Indonesian."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FactSheetError(f"fact sheet {path} tidak bisa dibaca: {exc}") from exc
    if not isinstance(data, list):
        raise FactSheetError(f"fact sheet {path} harus berupa daftar fakta (- id: F001 …)")
    ids: set[str] = set()
    official: dict[str, OfficialPage] = {}
    unverified: dict[str, str] = {}
    https_hosts: set[str] = set()
    for fact in data:
        if not isinstance(fact, dict) or not isinstance(fact.get("id"), str):
            continue
        fact_id = fact["id"]
        ids.add(fact_id)
        links: list[dict[str, Any]] = [{"url": fact.get("source_url")}]
        page = fact.get("official_source")
        if isinstance(page, dict) and isinstance(page.get("url"), str):
            official[fact_id] = OfficialPage(
                str(page.get("title", "")), page["url"], str(page.get("date", ""))
            )
            links.append(page)
        links += [a for a in fact.get("alt_sources") or [] if isinstance(a, dict)]
        for link in links:
            url = link.get("url")
            if not isinstance(url, str):
                continue
            if link.get("url_status") == "tidak_terverifikasi":
                unverified.setdefault(_comparable(url), fact_id)
            elif url.startswith("https://"):
                https_hosts.add(host_of(url))
    return FactSheet(str(path), frozenset(ids), official, unverified, frozenset(https_hosts))


def url_problems(url: str, facts: FactSheet) -> list[str]:
    """Why ``url`` must not be shown to citizens, each with how to fix it (Indonesian); empty if fine."""
    problems = []
    parsed = urlparse(url)
    lowered = url.lower()
    last = parsed.path.rstrip("/").rsplit("/", 1)[-1].lower()
    if _BARE_DOMAIN.match(last):
        problems.append(
            f"berakhir dengan '/{last}' (sisa tombol bagikan, bukan alamat artikel); "
            "ganti dengan alamat asli artikelnya"
        )
    for code in _ENCODED_SPACE_ANYWHERE:
        if code in lowered:
            problems.append(f"berisi spasi tersandi '{code}'; hapus '{code}' dari tautan")
            break
    else:
        for code in _ENCODED_SPACE_AT_END:
            if lowered.endswith(code):
                problems.append(f"diakhiri spasi tersandi '{code}'; hapus '{code}' dari ujung tautan")
                break
    if _PRINT_QUERY.search(parsed.query) or "/print/" in parsed.path.lower() + "/":
        problems.append("menunjuk tampilan cetak (print); pakai alamat halaman biasa tanpa 'print'")
    if parsed.scheme == "http" and facts.https_known(url):
        fix = "" if problems else f", tulis {'https' + url[len('http') :]}"
        problems.append(f"memakai http://; situs ini punya alamat https://{fix}")
    fact_id = facts.is_unverified(url)
    if fact_id:
        problems.append(
            f"ditandai 'url_status: tidak_terverifikasi' di {facts.path} (fakta {fact_id}); "
            f"pakai source_url atau official_source fakta {fact_id}"
        )
    return problems
