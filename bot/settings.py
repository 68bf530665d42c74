"""All configuration of the bot service, from the environment, `.env` and var/secrets.env.

Nothing else reads os.environ. Secrets have no defaults: `bot secrets init` generates the missing
ones into var/secrets.env (outside git) on first run.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRETS_FILE = Path("var/secrets.env")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=(".env", SECRETS_FILE), extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/bot.db"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr
    secret_key: SecretStr
    encryption_key: SecretStr
    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    public_url: str | None = None
    # Telegram's Bot API; a self-hosted Bot API server (or the tests' fake one) goes here.
    telegram_api_url: str = "https://api.telegram.org/bot"
    redis_url: str | None = None
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

    # Handovers: what users are told ("usually within N minutes"), and after how long an
    # unclaimed handover escalates to the coordinators during office hours.
    handover_response_minutes: int = 15
    handover_escalate_minutes: int = 20
    # Optional: a staff Telegram group that gets "new handover, region X" (no personal data).
    staff_telegram_chat_id: str | None = None
    # Staff sessions: logged out after this long idle, and after this long in any case.
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    # Login attempts per e-mail address and per client address: a few, then one every 30 s.
    login_attempts_burst: int = 5
    login_attempts_per_minute: int = 2

    # Requests per conversation: a burst, then about one message every two seconds.
    rate_limit_burst: int = 10
    rate_limit_per_minute: int = 30

    @property
    def secure_cookies(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def nlg_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/nlg"

    @property
    def tracker_store_url(self) -> str:
        """The same database for Rasa's tracker store, with the driver Rasa's SQLAlchemy 1.4 has."""
        scheme, rest = self.database_url.split("://", 1)
        dialect = scheme.split("+", 1)[0]
        return f"{'postgresql' if dialect.startswith('postgres') else dialect}://{rest}"
