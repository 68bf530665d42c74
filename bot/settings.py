"""All configuration of the bot service, from the environment, `.env`, var/secrets.env and, in
a container, the secret files in /run/secrets.

Nothing else reads os.environ: child processes get the basics they run with from
`process_basics()`, and `bot secrets init` asks `environment()` which secrets are set. Secrets
have no defaults: `bot secrets init` generates the missing ones into var/secrets.env (outside
git) on first run, or with `--dir` one file per secret for docker-compose.yml.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRETS_FILE = Path("var/secrets.env")
# Where docker compose mounts each secret as a file named after its setting (docker-compose.yml,
# docs/operations.md). Read only when it exists: `make run` and the tests have none, and
# pydantic-settings would warn about a missing folder at every start.
SECRETS_DIR = Path("/run/secrets")


def secrets_dir() -> Path | None:
    """SECRETS_DIR when this process runs with mounted secrets (a container), else None."""
    return SECRETS_DIR if SECRETS_DIR.is_dir() else None


# Where every settings class reads from: the environment wins over .env and var/secrets.env, those
# over the secret files. hide_input_in_errors: a refused setting's message never prints the value.
SOURCES = SettingsConfigDict(env_file=(".env", SECRETS_FILE), secrets_dir=secrets_dir(), extra="ignore",
                             hide_input_in_errors=True)

# Every secret that guards a boundary or keys the pseudonyms: the service refuses to start when
# one is empty or short (an empty token once let anyone through). A new secret goes here too.
REQUIRED_SECRETS = ("rasa_token", "gateway_token", "nlg_token", "action_token", "internal_token",
                    "secret_key", "encryption_key")
# 32 characters of `secrets.token_urlsafe` are 192 bits: beyond guessing, and what `bot secrets
# init` generates at least.
MIN_SECRET_CHARS = 32
# What Telegram accepts as a webhook secret (setWebhook's secret_token), at our minimum length.
TELEGRAM_SECRET = re.compile(rf"[A-Za-z0-9_-]{{{MIN_SECRET_CHARS},256}}")
# What a child process (Rasa, the action server, a training run) takes from our environment: how
# to find programs, a home, a language and a place for temporary files. Never configuration or
# secrets: each child gets the few values it uses from Settings.
PROCESS_BASICS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


def environment() -> dict[str, str]:
    """A copy of this process's environment."""
    return dict(os.environ)


def process_basics() -> dict[str, str]:
    """The PROCESS_BASICS that are set, for a child process's environment."""
    return {name: value for name, value in os.environ.items() if name in PROCESS_BASICS}


DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/bot.db"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"


class Settings(BaseSettings):
    model_config = SOURCES

    database_url: str = DEFAULT_DATABASE_URL
    rasa_url: str = DEFAULT_RASA_URL
    # Every Rasa replica, comma separated; empty: RASA_URL only. The gateway sends each conversation
    # to one of them (bot/rasa_replicas.py) and the retrain worker loads a new model into all. A
    # host name that resolves to several addresses (a scaled compose service) is one per address.
    rasa_urls: str = ""
    # One token per internal boundary (docs/operator-guide.md, "Internal tokens"), so a token that
    # leaks opens one door only. RASA_TOKEN is Rasa's own HTTP API, model loading included.
    rasa_token: SecretStr
    gateway_token: SecretStr  # the gateway -> Rasa's gateway channel
    nlg_token: SecretStr  # Rasa -> POST /nlg
    action_token: SecretStr  # Rasa -> the action server
    internal_token: SecretStr  # the actions -> /internal/v1/
    secret_key: SecretStr
    encryption_key: SecretStr
    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    public_url: str | None = None
    # Telegram's Bot API; a self-hosted Bot API server (or the tests' fake one) goes here.
    telegram_api_url: str = "https://api.telegram.org/bot"
    redis_url: str | None = None
    # Connections to PostgreSQL this process keeps open, and how many more it may open under load
    # (SQLAlchemy's defaults). Every replica's pools together must stay under PostgreSQL's
    # max_connections: docs/operations.md, "Connection pools". SQLite ignores them.
    database_pool_size: int = 5
    database_max_overflow: int = 10
    # The same for each Rasa replica's tracker store (rasa_ext/tracker_store.py): Rasa's SQL calls
    # block its event loop, so it seldom holds more than one connection.
    tracker_store_pool_size: int = 5
    tracker_store_max_overflow: int = 5
    retention_days: int = 30

    # Who may embed the widget: a CSP frame-ancestors source list, e.g. "'self' https://partner.nl".
    widget_allowed_origins: str = "'self'"
    # Where the quick exit goes: a neutral site that says nothing about this chat.
    quick_exit_url: str = "https://www.google.nl/search?q=weerbericht"

    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks, comma
    # separated, e.g. "127.0.0.1, 10.0.0.0/8"). Empty: the header is ignored (bot/client_address.py).
    trusted_proxies: str = ""

    host: str = "127.0.0.1"
    port: int = 8080
    # Past this the user gets the "try again" message with the safety lines instead of silence.
    rasa_timeout_seconds: float = 20.0
    max_message_chars: int = 2000
    content_dir: Path = Path("data/content")
    regions_file: Path = Path("data/regions.yml")
    gemeenten_file: Path = Path("data/gemeenten.tsv")
    crisis_phrases_file: Path = Path("data/crisis_phrases.yml")
    check_rules_file: Path = Path("data/check_rules.yml")
    # The training data whose intents editors add phrasings to (bot/nlu/); read only by the service.
    nlu_dir: Path = Path("data/nlu")
    # The phone numbers and websites safety answers may name (bot/content/safety.py).
    safety_contacts_file: Path = Path("data/safety_contacts.yml")

    # Handovers: what users are told ("usually within N minutes"), and after how long an
    # unclaimed handover escalates to the coordinators during office hours.
    handover_response_minutes: int = 15
    handover_escalate_minutes: int = 20
    # Optional: a staff Telegram group that gets "new handover, region X" (no personal data).
    staff_telegram_chat_id: str | None = None
    # Staff sessions: logged out after this long idle, and after this long in any case.
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    # Login attempts per client address and per (account, address): a few, then one every 30 s;
    # per account across all addresses four times as many (bot/staff/login_limits.py).
    login_attempts_burst: int = 5
    login_attempts_per_minute: int = 2
    # Staff passwords are argon2id at the library's recommended cost. "test" is a cheap hash for
    # the test suite only (it makes hundreds of accounts); never set it for real accounts.
    password_hash_cost: Literal["standard", "test"] = "standard"  # noqa: S105  (a cost level, not a secret)

    # Requests per conversation: a burst, then about one message every two seconds.
    rate_limit_burst: int = 10
    rate_limit_per_minute: int = 30
    # Per client address on the REST channel and the widget (bot/gateway/client_limits.py). Many
    # people can share one address (a carrier's NAT, an office, a shelter's wifi), so these stop
    # floods, not people: someone chatting sends a message every 10-30 s, so 120 a minute (after
    # a burst of 60) lets some 20-40 people behind one address chat at once. Starting a chat (a
    # REST sender, every widget socket, reloads and reconnects too): 30, then 30 a minute. One
    # person has a tab or three open: 20 sockets at once is several people.
    client_messages_burst: int = 60
    client_messages_per_minute: int = 120
    client_starts_burst: int = 30
    client_starts_per_minute: int = 30
    client_max_sockets: int = 20
    # Handover requests (what reaches the staff queue): per conversation a day, and per client
    # address (of the conversation's latest message) an hour.
    handovers_per_conversation_per_day: int = 2
    handovers_per_client_per_hour: int = 5
    # Rasa calls in flight from this process at most; a message that gets no slot within the wait
    # is answered at once with the "try again" message and its safety lines, instead of queueing.
    rasa_max_concurrent: int = 32
    rasa_slot_wait_seconds: float = 2.0
    # How long a crisis phrase's answer may wait for the database (a live chat's relay, the
    # conversation's bookkeeping) before it goes out anyway; the rest finishes in the background.
    crisis_wait_seconds: float = 0.15

    @model_validator(mode="after")
    def _secrets_are_strong(self) -> Settings:
        """Names every weak secret at once (by variable, never by value)."""
        problems = [problem for name in REQUIRED_SECRETS
                    if (problem := _weak_secret(name.upper(), getattr(self, name).get_secret_value()))]
        if not any(problem.startswith("ENCRYPTION_KEY") for problem in problems):
            if problem := _fernet_problem(self.encryption_key.get_secret_value()):
                problems.append(problem)
        if self.telegram_webhook_secret is not None:
            secret = self.telegram_webhook_secret.get_secret_value()
            problem = _weak_secret("TELEGRAM_WEBHOOK_SECRET", secret)
            if problem is None and not TELEGRAM_SECRET.fullmatch(secret):
                problem = ("TELEGRAM_WEBHOOK_SECRET may hold only the letters A-Z and a-z, digits, _ and - "
                           "(Telegram's rule), at most 256")
            if problem:
                problems.append(problem)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def secure_cookies(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def rasa_replicas(self) -> list[str]:
        return _replica_urls(self.rasa_urls, self.rasa_url)

    @property
    def nlg_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/nlg"

    @property
    def tracker_store_url(self) -> str:
        """The same database for Rasa's tracker store, with the driver Rasa's SQLAlchemy 1.4 has."""
        scheme, rest = self.database_url.split("://", 1)
        dialect = scheme.split("+", 1)[0]
        return f"{'postgresql' if dialect.startswith('postgres') else dialect}://{rest}"


class DatabaseSettings(BaseSettings):
    """What `bot db upgrade|current` reads: the database only. A deployment's one-shot migration
    job holds no secret of the service (DATABASE_URL may be a mounted secret file, as in compose)."""

    model_config = SOURCES

    database_url: str = DEFAULT_DATABASE_URL


class RetrainSettings(BaseSettings):
    """What the retrain worker (`bot retrain`) reads: the database, the Rasa replicas and the one
    secret it uses, RASA_TOKEN (loading a model). It never reads the service's other secrets, so
    its process does not hold them."""

    model_config = SOURCES

    database_url: str = DEFAULT_DATABASE_URL
    rasa_url: str = DEFAULT_RASA_URL
    # Every Rasa replica a retrained model is loaded into, comma separated; empty: RASA_URL only.
    rasa_urls: str = ""
    rasa_token: SecretStr

    @model_validator(mode="after")
    def _token_is_strong(self) -> RetrainSettings:
        if problem := _weak_secret("RASA_TOKEN", self.rasa_token.get_secret_value()):
            raise ValueError(problem)
        return self

    @property
    def rasa_replicas(self) -> list[str]:
        return _replica_urls(self.rasa_urls, self.rasa_url)


def _replica_urls(configured: str, fallback: str) -> list[str]:
    """RASA_URLS (comma separated) or, when it is empty, RASA_URL alone."""
    return [url.strip().rstrip("/") for url in configured.split(",") if url.strip()] or [fallback.rstrip("/")]


def _weak_secret(variable: str, value: str) -> str | None:
    if not value.strip():
        return (f"{variable} is empty: remove it from the environment and .env so `bot secrets init` "
                f"generates one, or set at least {MIN_SECRET_CHARS} random characters")
    if len(value) < MIN_SECRET_CHARS:
        return f"{variable} is shorter than {MIN_SECRET_CHARS} characters: set a long random value"
    return None


def _fernet_problem(value: str) -> str | None:
    try:
        Fernet(value.encode())
    except ValueError:
        return ("ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes): "
                "remove it so `bot secrets init` generates one")
    return None
