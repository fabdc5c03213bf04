"""The files of the chat page: where they are, and the vendored widget checked byte for byte.

The widget (``web/vendor/rasa-webchat-<version>/index.js``) is the npm registry's build, unmodified
on disk; its sha256 is pinned here and checked when the server starts, so a swapped file stops the
web chat instead of being served. In memory one change is made: the bundle's CSS ``@import`` of
Google Fonts is removed, so the page never fetches anything from a CDN.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
"""The static page (``index.html``, ``embed.js``, ``assets/``, ``vendor/``) in the repository."""

WIDGET_VERSION = "1.0.1"
WIDGET_PATH = f"vendor/rasa-webchat-{WIDGET_VERSION}/index.js"
WIDGET_SHA256 = "bfedd788e4bd7df12f64b5bf2963e634f84bac1cb176b6cede60c507d3553f1e"
FONT_IMPORT = b"@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"


class WidgetError(RuntimeError):
    """The vendored widget is missing or not the pinned build (message in Indonesian)."""


@dataclass(frozen=True)
class Asset:
    """A file served from memory, plain and gzip-compressed, with a strong ETag."""

    body: bytes
    gzipped: bytes
    etag: str
    content_type: str


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_widget(web_dir: Path = WEB_DIR) -> Asset:
    """The pinned widget bundle, verified, without its font import, ready to serve."""
    path = web_dir / WIDGET_PATH
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WidgetError(f"Berkas widget obrolan web tidak ada: {path} ({exc.strerror}).") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != WIDGET_SHA256:
        raise WidgetError(
            f"Berkas widget {path} bukan rasa-webchat {WIDGET_VERSION} yang disematkan "
            f"(sha256 {digest}, seharusnya {WIDGET_SHA256}). Ambil lagi dengan "
            f"`npm pack rasa-webchat@{WIDGET_VERSION}` (lihat README di foldernya)."
        )
    body = raw.replace(FONT_IMPORT, b"")
    return Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        content_type="text/javascript; charset=utf-8",
    )
