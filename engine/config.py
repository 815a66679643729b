"""Settings, read from APPEALS_* environment variables in this one place."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

# name -> (default, description); the README's configuration table mirrors this dict.
VARIABLES: dict[str, tuple[str, str]] = {
    "APPEALS_DATABASE_URL": ("sqlite:///var/appeals.db", "Database: sqlite:///PATH or postgresql://user@host:port/db"),
    "APPEALS_RULES_DIR": ("rules", "Folder with routing rules, deadline policies, calendars and the directory"),
    "APPEALS_SMTP_URL": (
        "",
        "SMTP server for alerts and letters to residents: smtp://host:port (clear text, no login), "
        "smtp+starttls://[user:password@]host:port or smtps://[user:password@]host:port (a password only "
        "over TLS); empty writes mails to APPEALS_MAIL_DIR",
    ),
    "APPEALS_SMTP_CA_FILE": ("", "CA certificates (PEM) the SMTP server's certificate is checked against; "
                                 "empty: the system's"),
    "APPEALS_MAIL_FROM": ("cur-alerts@localhost", "Sender address of alert e-mails and of letters to residents"),
    "APPEALS_MAIL_DIR": ("var/mail", "Where e-mails are written when no SMTP server is configured"),
    "APPEALS_SWEEP_SECONDS": ("30", "How often the worker runs the escalation sweep and delivery"),
    "APPEALS_PUBLIC_URL": ("http://127.0.0.1:8080", "Base URL used in links inside alerts"),
    "APPEALS_SIGNATURE_TOLERANCE": ("300", "Accepted clock skew of signed webhooks, seconds"),
    "APPEALS_MAX_BODY_BYTES": ("1048576", "Largest accepted webhook body, bytes"),
    "APPEALS_DELIVERY_MAX_ATTEMPTS": ("8", "Delivery attempts before an alert is dead-lettered"),
    "APPEALS_LOG_LEVEL": ("INFO", "Logging level"),
    "APPEALS_TELEGRAM_API_URL": (
        "https://api.telegram.org",
        "Base URL of the Telegram Bot API, for alert messages and replies to residents",
    ),
    "APPEALS_TELEGRAM_MESSAGES_PER_SECOND": (
        "30",
        "Replies per second sent with one Telegram bot token (and at most one per second to one chat)",
    ),
    "APPEALS_VK_API_URL": (
        "https://api.vk.com/method",
        "Base URL of the VK API for replies to residents (API version 5.199)",
    ),
    "APPEALS_VK_CALLS_PER_SECOND": (
        "18",
        "VK API calls per second with one community access token (VK allows about 20; the rest is room for "
        "network jitter)",
    ),
    "APPEALS_TELEGRAM_BOT_TOKEN": ("", "Bot token for Telegram alerts; empty turns the Telegram channel off"),
    "APPEALS_ALERT_WEBHOOK_SECRET": (
        "",
        "Secret signing outgoing alert webhooks (X-Appeals-Signature); empty turns the webhook channel off",
    ),
    "APPEALS_DIGEST_HOUR": ("9", "Local hour of a working day from which the daily overdue digest goes out"),
    "APPEALS_SECRET_KEY": ("", "Key signing the staff web session cookie; empty makes a random one per process"),
    "APPEALS_SESSION_HOURS": ("12", "How long a staff web login lasts, hours"),
    "APPEALS_TRUSTED_PROXIES": (
        "0",
        "Reverse proxies in front of the service whose X-Forwarded-For and X-Forwarded-Proto are trusted; "
        "0 records the peer address",
    ),
    "APPEALS_ROUTING": (
        "queued",
        "queued: a webhook is answered once the appeal is stored and the worker routes it; "
        "inline: the webhook request routes it too and answers with the assignment",
    ),
    "APPEALS_ROUTE_SECONDS": ("0.2", "How often the worker looks for stored appeals waiting to be routed and for "
                              "replies to send, in seconds (a decimal, at least 0.05)"),
    "APPEALS_SENDING": ("process", "process: `appeals worker` sends residents' replies and staff alerts from a "
                        "process of its own, which it starts, watches and stops (both CPUs work as a burst is "
                        "routed); thread: from a thread of the worker's process"),
    "APPEALS_WORKER_NICE": ("10", "How far `appeals worker` lowers its CPU priority (its niceness raised by this, "
                            "0–19): under load the webhooks are answered first and routing takes the CPU left; "
                            "0 keeps the priority it was started with"),
    "APPEALS_FOLLOW_UP_DAYS": (
        "30",
        "Days after an appeal is answered or closed during which the author's reply in the same VK thread, "
        "VK dialog or Telegram chat reopens it; later replies are new appeals",
    ),
    # credentials at rest and API tokens (docs/security.md)
    "APPEALS_ENCRYPTION_KEYS": (
        "",
        "Fernet keys encrypting channel secrets and platform tokens in the database, comma-separated, newest "
        "first (`appeals keys generate` makes one); empty uses APPEALS_ENCRYPTION_KEY_FILE",
    ),
    "APPEALS_ENCRYPTION_KEY_FILE": (
        "var/encryption.key",
        "Key file used when APPEALS_ENCRYPTION_KEYS is empty: made on first start with a warning (for a "
        "laptop; production sets APPEALS_ENCRYPTION_KEYS)",
    ),
    "APPEALS_TOKEN_DAYS": ("365", "Days a new API token is valid unless --ttl-days says otherwise; 0: no expiry"),
    "APPEALS_TOKEN_WARN_DAYS": ("14", "/healthz warns this many days before a token used lately expires"),
    # the production calendar (docs/clocks.md)
    "APPEALS_CALENDAR_WARN_FROM": (
        "10-01",
        "From this day of the year (MM-DD, local) /healthz, /metrics and a daily alert to the administrator "
        "warn when next year's production calendar is missing",
    ),
    "APPEALS_ACCEPT_LINK_HOURS": (
        "72",
        "How long the one-click «Принять» link of an alert e-mail works, hours (signed with APPEALS_SECRET_KEY)",
    ),
    "APPEALS_CATCHUP_MINUTES": (
        "30",
        "A sweep finding steps overdue by more than this (the worker was down) sends one letter per person "
        "listing their overdue appeals instead of one per alert",
    ),
    "APPEALS_VK_SERVICE_TOKEN": (
        "",
        "VK service key of the centre's VK application: reads the watched public walls and comments "
        "(`appeals watch`); the worker stores it encrypted in the database (as `appeals watch key set` "
        "does) and reads it from there",
    ),
    # the centre's picture of the region (docs/analytics.md)
    "APPEALS_MAP_TILE_URL": (
        "",
        "Base map under the analytics and incident maps: an XYZ tile URL template, http(s) with {z}, {x} and "
        "{y} (e.g. https://tile.example.org/{z}/{x}/{y}.png); the pages then allow images from its origin. "
        "Empty: the outline and areas alone, no request leaves the service",
    ),
    "APPEALS_VK_SERVICE_CALLS_PER_SECOND": ("3", "VK API calls per second with the service key (an execute of up "
                                                 "to 25 calls counts as one)"),
    "APPEALS_WATCH_ITEMS_PER_RUN": (
        "500",
        "Posts and comments read from one watched wall per run of the watch job, the oldest unread first; "
        "the rest on the next runs",
    ),
}


ROUTING_MODES = ("queued", "inline")
SENDING_MODES = ("process", "thread")
ROUTE_SECONDS_LEAST = 0.05  # an idle worker looks for work at most twenty times a second
NICE_MOST = 19  # the lowest priority Unix knows


@dataclass(frozen=True)
class Settings:
    database_url: str
    rules_dir: Path
    smtp_url: str = field(repr=False)  # may carry the mail server's password
    mail_from: str
    mail_dir: Path
    sweep_seconds: int
    public_url: str
    signature_tolerance: int
    max_body_bytes: int
    delivery_max_attempts: int
    log_level: str
    telegram_api_url: str = "https://api.telegram.org"
    smtp_ca_file: str = ""
    telegram_bot_token: str = field(default="", repr=False)
    alert_webhook_secret: str = field(default="", repr=False)
    digest_hour: int = 9
    secret_key: str = field(default="", repr=False)
    session_hours: int = 12
    trusted_proxies: int = 0
    routing: str = "queued"
    route_seconds: float = 0.2
    worker_nice: int = 10
    sending: str = "process"
    follow_up_days: int = 30
    vk_api_url: str = "https://api.vk.com/method"
    vk_calls_per_second: int = 18
    telegram_messages_per_second: int = 30
    encryption_keys: str = field(default="", repr=False)  # never in a log line
    encryption_key_file: Path = Path("var/encryption.key")
    token_days: int = 365
    token_warn_days: int = 14
    calendar_warn_from: tuple[int, int] = (10, 1)
    accept_link_hours: int = 72
    catchup_minutes: int = 30
    vk_service_token: str = field(default="", repr=False)  # never in a log line
    vk_service_calls_per_second: int = 3
    watch_items_per_run: int = 500
    map_tile_url: str = ""  # checked by engine.domain.map_tiles.TileTemplate.parse

    @cached_property
    def map_tiles(self):
        """The base map's tile template (engine.domain.map_tiles.TileTemplate) parsed once for the process;
        None: no base map. Every answer's policy and every map page ask for it."""
        from engine.domain.map_tiles import TileTemplate

        return TileTemplate.parse(self.map_tile_url)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        raw = {name: env.get(name, default) for name, (default, _) in VARIABLES.items()}
        values = {
            "database_url": raw["APPEALS_DATABASE_URL"],
            "rules_dir": Path(raw["APPEALS_RULES_DIR"]),
            "smtp_url": raw["APPEALS_SMTP_URL"],
            "smtp_ca_file": raw["APPEALS_SMTP_CA_FILE"],
            "mail_from": raw["APPEALS_MAIL_FROM"],
            "mail_dir": Path(raw["APPEALS_MAIL_DIR"]),
            "sweep_seconds": _int(raw, "APPEALS_SWEEP_SECONDS"),
            "public_url": raw["APPEALS_PUBLIC_URL"].rstrip("/"),
            "signature_tolerance": _int(raw, "APPEALS_SIGNATURE_TOLERANCE"),
            "max_body_bytes": _int(raw, "APPEALS_MAX_BODY_BYTES"),
            "delivery_max_attempts": _int(raw, "APPEALS_DELIVERY_MAX_ATTEMPTS"),
            "log_level": raw["APPEALS_LOG_LEVEL"],
            "telegram_api_url": raw["APPEALS_TELEGRAM_API_URL"].rstrip("/"),
            "telegram_bot_token": raw["APPEALS_TELEGRAM_BOT_TOKEN"],
            "alert_webhook_secret": raw["APPEALS_ALERT_WEBHOOK_SECRET"],
            "digest_hour": _int(raw, "APPEALS_DIGEST_HOUR"),
            "secret_key": raw["APPEALS_SECRET_KEY"],
            "session_hours": _int(raw, "APPEALS_SESSION_HOURS"),
            "trusted_proxies": _count(raw, "APPEALS_TRUSTED_PROXIES"),
            "routing": _choice(raw, "APPEALS_ROUTING", ROUTING_MODES),
            "route_seconds": _seconds(raw, "APPEALS_ROUTE_SECONDS", least=ROUTE_SECONDS_LEAST),
            "worker_nice": _within(raw, "APPEALS_WORKER_NICE", 0, NICE_MOST),
            "sending": _choice(raw, "APPEALS_SENDING", SENDING_MODES),
            "follow_up_days": _count(raw, "APPEALS_FOLLOW_UP_DAYS"),
            "vk_api_url": raw["APPEALS_VK_API_URL"].rstrip("/"),
            "vk_calls_per_second": _positive(raw, "APPEALS_VK_CALLS_PER_SECOND"),
            "telegram_messages_per_second": _positive(raw, "APPEALS_TELEGRAM_MESSAGES_PER_SECOND"),
            "encryption_keys": raw["APPEALS_ENCRYPTION_KEYS"],
            "encryption_key_file": Path(raw["APPEALS_ENCRYPTION_KEY_FILE"]),
            "token_days": _count(raw, "APPEALS_TOKEN_DAYS"),
            "token_warn_days": _count(raw, "APPEALS_TOKEN_WARN_DAYS"),
            "calendar_warn_from": _month_day(raw, "APPEALS_CALENDAR_WARN_FROM"),
            "accept_link_hours": _positive(raw, "APPEALS_ACCEPT_LINK_HOURS"),
            "catchup_minutes": _positive(raw, "APPEALS_CATCHUP_MINUTES"),
            "vk_service_token": raw["APPEALS_VK_SERVICE_TOKEN"],
            "vk_service_calls_per_second": _positive(raw, "APPEALS_VK_SERVICE_CALLS_PER_SECOND"),
            "watch_items_per_run": _positive(raw, "APPEALS_WATCH_ITEMS_PER_RUN"),
            "map_tile_url": _tile_url(raw, "APPEALS_MAP_TILE_URL"),
        }
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        values.update(overrides)
        return cls(**values)


def _tile_url(raw: dict[str, str], name: str) -> str:
    """The template as given (stripped), once it parses; a bad one stops the start with the reason."""
    from engine.domain.map_tiles import TileTemplate

    parsed = TileTemplate.parse(raw[name], name)
    return parsed.template if parsed else ""


def _month_day(raw: dict[str, str], name: str) -> tuple[int, int]:
    from datetime import date

    try:
        month, day = (int(part) for part in raw[name].strip().split("-"))
        date(2000, month, day)  # a leap year: 02-29 is a day of the year
    except ValueError:
        raise ValueError(f"{name} must be a day of the year MM-DD, e.g. 10-01, got {raw[name]!r}") from None
    return month, day


def _choice(raw: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = raw[name].strip().lower()
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {raw[name]!r}")
    return value


def _count(raw: dict[str, str], name: str) -> int:
    value = _int(raw, name)
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, got {raw[name]!r}")
    return value


def _positive(raw: dict[str, str], name: str) -> int:
    value = _int(raw, name)
    if value <= 0:
        raise ValueError(f"{name} must be 1 or more, got {raw[name]!r}")
    return value


def _within(raw: dict[str, str], name: str, least: int, most: int) -> int:
    value = _int(raw, name)
    if not least <= value <= most:
        raise ValueError(f"{name} must be from {least} to {most}, got {raw[name]!r}")
    return value


def _seconds(raw: dict[str, str], name: str, *, least: float) -> float:
    try:
        value = float(raw[name])
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw[name]!r}") from None
    if not math.isfinite(value) or value < least:
        raise ValueError(f"{name} must be at least {least} seconds, got {raw[name]!r}")
    return value


def _int(raw: dict[str, str], name: str) -> int:
    try:
        return int(raw[name])
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw[name]!r}") from None
