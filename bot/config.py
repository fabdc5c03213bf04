"""Settings from the environment or a ``.env`` file. Secrets never reach logs."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_API = "https://api.telegram.org"


class ConfigError(ValueError):
    """A setting that cannot be used, with what to write instead."""


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a .env file (comments and blanks ignored, quotes stripped)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _admin_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(f"BOT_ADMIN_IDS: '{part}' is not a Telegram user id (digits only)")
        ids.add(int(part))
    return frozenset(ids)


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be told from outside."""

    telegram_token: str = field(default="", repr=False)
    telegram_api_base_url: str = DEFAULT_API
    admin_ids: frozenset[int] = frozenset()
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 5.0
    # Messages per second the bot lets out (Telegram allows 30; 25 leaves room for jitter). 0 = no
    # budgets at all, only for benchmarks against a fake server without limits.
    telegram_max_rate: float = 25.0
    database_path: Path = Path("data/tanya-pemilu.db")
    responses_dir: Path = Path("responses")
    log_level: str = "INFO"
    poll_timeout: int = 30
    retention_days: int = 30
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)
    # Rasa custom actions (the web chat's answers). Empty: the bot starts its own on
    # 127.0.0.1:ACTION_SERVER_PORT; set: an action server run elsewhere is used and nothing is started.
    action_server_url: str = ""
    action_server_port: int = 5055
    # The web chat page and its socket.io door to Rasa (0 = no web chat, no action server).
    web_chat_port: int = 8080
    web_chat_listen: str = "127.0.0.1"
    # Other sites allowed to embed the chat (scheme://host[:port]); the page's own origin always is.
    web_chat_origins: tuple[str, ...] = ()
    # Seconds added to the long-poll timeout before a getUpdates read counts as timed out.
    poll_read_slack: float = 10.0

    @property
    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL, where our server accepts Telegram's POSTs."""
        return urlsplit(self.webhook_url).path or "/"

    @property
    def web_chat(self) -> bool:
        """Whether the web chat (page, socket.io door, action server) runs."""
        return self.web_chat_port > 0

    @property
    def manages_action_server(self) -> bool:
        """The bot starts and supervises the action server itself (web chat on, no external one)."""
        return self.web_chat and not self.action_server_url

    @property
    def action_url(self) -> str:
        """Where Rasa calls the custom actions: ACTION_SERVER_URL, or the bot's own action server."""
        if self.action_server_url:
            return self.action_server_url
        return f"http://127.0.0.1:{self.action_server_port}" if self.web_chat else ""

    @classmethod
    def load(cls, env_file: Path | None = Path(".env")) -> Settings:
        """Read settings: real environment first, then the .env file, then defaults."""
        env = dict(read_env_file(env_file)) if env_file else {}
        env.update({k: v for k, v in os.environ.items() if v != ""})

        def get(key: str, default: str) -> str:
            return env.get(key, default).strip()

        base = get("TELEGRAM_API_BASE_URL", DEFAULT_API).rstrip("/")
        if not re.match(r"^https?://[^/\s]+", base):
            raise ConfigError(f"TELEGRAM_API_BASE_URL must look like https://host[:port], got {base!r}")
        try:
            rasa_timeout = float(get("RASA_TIMEOUT", "5"))
            poll_timeout = int(get("TELEGRAM_POLL_TIMEOUT", "30"))
            retention_days = int(get("RETENTION_DAYS", "30"))
            webhook_port = int(get("WEBHOOK_PORT", "8443"))
            max_rate = float(get("TELEGRAM_MAX_RATE", "25"))
            action_port = int(get("ACTION_SERVER_PORT", "5055"))
            web_port = int(get("WEB_CHAT_PORT", "8080"))
        except ValueError as exc:
            raise ConfigError(
                "RASA_TIMEOUT / TELEGRAM_POLL_TIMEOUT / RETENTION_DAYS / WEBHOOK_PORT / TELEGRAM_MAX_RATE / "
                f"ACTION_SERVER_PORT / WEB_CHAT_PORT must be numbers: {exc}"
            ) from exc
        action_url = get("ACTION_SERVER_URL", "").rstrip("/")
        if action_url and not re.match(r"^https?://[^/\s]+", action_url):
            raise ConfigError(f"ACTION_SERVER_URL harus berupa http(s)://host:port, bukan {action_url!r}")
        if max_rate > 30:
            raise ConfigError(f"TELEGRAM_MAX_RATE {max_rate} is above Telegram's 30 messages/s; use 25")
        webhook_url = get("WEBHOOK_URL", "")
        webhook_secret = get("WEBHOOK_SECRET", "")
        check_webhook(webhook_url, webhook_secret)
        return cls(
            telegram_token=get("TELEGRAM_BOT_TOKEN", ""),
            telegram_api_base_url=base,
            admin_ids=_admin_ids(get("BOT_ADMIN_IDS", "")),
            rasa_url=get("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            rasa_timeout=rasa_timeout,
            telegram_max_rate=max_rate,
            database_path=Path(get("DATABASE_PATH", "data/tanya-pemilu.db")),
            responses_dir=Path(get("RESPONSES_DIR", "responses")),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            poll_timeout=poll_timeout,
            retention_days=retention_days,
            webhook_url=webhook_url,
            webhook_listen=get("WEBHOOK_LISTEN", "127.0.0.1"),
            webhook_port=webhook_port,
            webhook_secret=webhook_secret,
            action_server_url=action_url,
            action_server_port=action_port,
            web_chat_port=web_port,
            web_chat_listen=get("WEB_CHAT_LISTEN", "127.0.0.1"),
            web_chat_origins=parse_origins(get("WEB_CHAT_ORIGINS", "")),
        )


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


def parse_origins(raw: str) -> tuple[str, ...]:
    """WEB_CHAT_ORIGINS: comma-separated ``https://host[:port]`` (no path, no trailing slash)."""
    origins: list[str] = []
    for part in raw.replace(";", ",").split(","):
        origin = part.strip().rstrip("/").lower()
        if not origin:
            continue
        if origin == "*":
            raise ConfigError(
                "WEB_CHAT_ORIGINS tidak boleh '*': sebutkan situs yang boleh memasang obrolan, "
                "misalnya https://diskominfo.example.go.id"
            )
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"WEB_CHAT_ORIGINS: '{part.strip()}' bukan origin; tulis skema dan host saja, "
                "misalnya https://diskominfo.example.go.id (tanpa jalur)"
            )
        origins.append(origin)
    return tuple(origins)


_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


def check_webhook(url: str, secret: str) -> None:
    """Webhook mode needs a public https URL and a secret Telegram echoes in every request."""
    if not url:
        return
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"WEBHOOK_URL harus berupa alamat https://host/jalur (a URL), bukan {url!r}")
    if not secret:
        raise ConfigError(
            "WEBHOOK_URL diisi tetapi WEBHOOK_SECRET kosong: mode webhook tidak mau berjalan tanpa rahasia. "
            "Isi WEBHOOK_SECRET dengan 16-256 huruf/angka/_/- acak, misalnya hasil "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`. "
            "(Webhook mode refuses to start without WEBHOOK_SECRET.)"
        )
    if not _SECRET.fullmatch(secret):
        raise ConfigError(
            "WEBHOOK_SECRET harus 16-256 karakter A-Z, a-z, 0-9, _ atau - (aturan secret_token Telegram). "
            "(WEBHOOK_SECRET must be 16-256 characters of A-Z a-z 0-9 _ -.)"
        )


class RedactSecrets(logging.Filter):
    """Replace secrets (the bot token) in every log record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<TOKEN>")
            record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings) -> None:
    """Plain log lines on stderr, the token redacted, chatty HTTP loggers quietened."""
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    redactor = RedactSecrets([settings.telegram_token, settings.webhook_secret])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
