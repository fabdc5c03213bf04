"""Which web pages may open the chat's socket: the page's own origin and WEB_CHAT_ORIGINS.

The page's own origin is ``scheme://host`` of the request (the ``Host`` header). Behind a reverse
proxy on the same machine, ``X-Forwarded-Proto``, ``X-Forwarded-Host`` and ``X-Forwarded-For`` are
honoured, but only when the connection comes from a loopback address (the proxy itself); a client
elsewhere cannot claim another host or address with them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from aiohttp import web

_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_DEFAULT_PORT = {"http": ":80", "https": ":443"}


def normalise(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, without a default port or trailing slash."""
    origin = origin.strip().rstrip("/").lower()
    scheme = origin.partition("://")[0]
    default = _DEFAULT_PORT.get(scheme)
    if default and origin.endswith(default):
        origin = origin[: -len(default)]
    return origin


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def from_trusted_proxy(request: web.BaseRequest) -> bool:
    """The peer is on loopback: a reverse proxy on this machine (or a local client)."""
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def request_host(request: web.BaseRequest) -> str:
    """The host (and port) the browser asked for; empty if the header is not a plain host."""
    host = request.headers.get("Host", "")
    if from_trusted_proxy(request):
        host = _first(request.headers.get("X-Forwarded-Host")) or host
    return host.lower() if _HOST.fullmatch(host) else ""


def request_scheme(request: web.BaseRequest) -> str:
    scheme = request.scheme
    if from_trusted_proxy(request):
        forwarded = _first(request.headers.get("X-Forwarded-Proto")).lower()
        if forwarded in ("http", "https"):
            scheme = forwarded
    return scheme


def own_origin(request: web.BaseRequest) -> str:
    """The origin of our own page as the browser sees it (``""`` if the Host header is unusable)."""
    host = request_host(request)
    return normalise(f"{request_scheme(request)}://{host}") if host else ""


def client_ip(request: web.BaseRequest) -> str:
    """The browser's address: the proxy's last ``X-Forwarded-For`` hop when behind one."""
    if from_trusted_proxy(request):
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.remote or "?"


@dataclass(frozen=True)
class OriginPolicy:
    """The allow-list: the page's own origin plus the configured extra ones."""

    extra: frozenset[str] = frozenset()

    @classmethod
    def of(cls, origins: tuple[str, ...] | list[str]) -> OriginPolicy:
        return cls(frozenset(normalise(o) for o in origins))

    def allows(self, origin: str | None, request: web.BaseRequest) -> bool:
        """Whether a request carrying this ``Origin`` header may use the socket.

        No ``Origin`` header: not a cross-site browser request (browsers send one on every
        cross-origin request and on every websocket), so it is allowed. ``null`` (sandboxed frames,
        local files) never is.
        """
        if origin is None:
            return True
        wanted = normalise(origin)
        if not wanted or wanted == "null":
            return False
        return wanted in self.extra or wanted == own_origin(request)
