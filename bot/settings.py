"""Settings, read once from the environment (and an optional .env file) into one typed object."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CONTENT = Path(__file__).resolve().parent.parent / "content"


def key_bytes(raw: str) -> bytes:
    """A base64 key's bytes (URL-safe alphabet, padding optional); empty when not base64."""
    import base64
    import binascii

    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, binascii.Error):
        return b""


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class StartupError(Exception):
    """The bot cannot start (its content, model or database); the message says why in one
    line."""


class Settings(BaseSettings):
    """Everything configurable, with safe defaults for the embedded single-machine setup."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="POLICYBOT_DATA_DIR")
    host: str = Field(default="127.0.0.1", alias="HOST", min_length=1)
    port: int = Field(default=3978, alias="PORT", ge=1, le=65535)
    public_url: str | None = Field(default=None, alias="PUBLIC_URL")
    secret_key: SecretStr | None = Field(default=None, alias="POLICYBOT_SECRET_KEY")
    old_secret_keys: SecretStr | None = Field(default=None, alias="POLICYBOT_OLD_SECRET_KEYS")
    content_dir: Path = Field(default=DEFAULT_CONTENT, alias="CONTENT_DIR")
    worker: bool = Field(default=True, alias="POLICYBOT_WORKER")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL"
    )
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    microsoft_app_id: str | None = Field(default=None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr | None = Field(default=None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(default=None, alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        default="MultiTenant", alias="MICROSOFT_APP_TYPE"
    )
    teams_emulator: bool = Field(default=False, alias="TEAMS_EMULATOR")
    teams_openid_metadata_url: str | None = Field(default=None, alias="TEAMS_OPENID_METADATA_URL")
    task_broker_url: str | None = Field(default=None, alias="TASK_BROKER_URL")
    slack_rate: float = Field(default=10.0, alias="SLACK_RATE", gt=0, le=10_000)
    teams_rate: float = Field(default=50.0, alias="TEAMS_RATE", gt=0, le=10_000)
    broadcast_lease: float = Field(default=60.0, alias="BROADCAST_LEASE_SECONDS", ge=1, le=3600)
    inbox_lease: float = Field(default=30.0, alias="INBOX_LEASE_SECONDS", ge=1, le=3600)
    announce_reminder_days: str = Field(default="3,7", alias="ANNOUNCE_REMINDER_DAYS")
    faq_model_path: Path | None = Field(default=None, alias="FAQ_MODEL_PATH")
    faq_semantic: bool | None = Field(default=None, alias="FAQ_SEMANTIC")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value.strip()

    @field_validator("secret_key", "old_secret_keys")
    @classmethod
    def _long_keys(cls, value: SecretStr | None) -> SecretStr | None:
        # Checked here, so that every command refuses a short key, not only the server.
        raw = value.get_secret_value() if value is not None else ""
        for key in (k.strip() for k in raw.split(",")):
            if key and len(key_bytes(key)) < 32:
                raise ValueError(
                    "must be at least 32 bytes, base64-encoded (generate one with: "
                    "python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token (xoxb-...)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token (xapp-...)")
        return value

    @field_validator("task_broker_url")
    @classmethod
    def _broker(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value.strip()

    @field_validator("announce_reminder_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        days = [d.strip() for d in value.split(",") if d.strip()]
        if not all(d.isdigit() and 1 <= int(d) <= 365 for d in days):
            raise ValueError("must be comma-separated days after delivery, e.g. 3,7")
        return ",".join(days)

    @property
    def reminder_days(self) -> tuple[int, ...]:
        """Days after delivery on which people who have not acknowledged are reminded."""
        return tuple(sorted({int(d) for d in self.announce_reminder_days.split(",") if d}))

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().startswith(("https://", "http://")):
            raise ValueError("must be the http(s) address people reach this server at")
        return value.strip().rstrip("/")

    @property
    def site_url(self) -> str:
        """Where people reach this server (links in chat): PUBLIC_URL, or this machine."""
        return self.public_url or f"http://127.0.0.1:{self.port}"

    @property
    def teams(self) -> bool:
        """True when Teams is configured, or the unauthenticated Emulator mode is asked for."""
        return bool(self.microsoft_app_id) or self.teams_emulator

    @property
    def slack(self) -> bool:
        """True when a Slack workspace is configured (HTTP or Socket Mode)."""
        return self.slack_bot_token is not None

    @property
    def embedded(self) -> bool:
        """True when running on the embedded SQLite database."""
        return self.database_url is None or self.database_url.startswith("sqlite")


def load_settings(*, channels: bool = True, **overrides: object) -> Settings:
    """Read the settings, turning validation errors into one line that names the setting.

    `channels=False` skips the checks that a channel's credentials are complete (for commands
    that never connect to one, such as building the Teams app package).
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        field = Settings.model_fields.get(name)
        env = field.alias if field and field.alias else name.upper()
        raise SettingsError(f"invalid setting {env}: {first['msg']}") from None
    if not channels:
        return settings
    if settings.slack and not (settings.slack_signing_secret or settings.slack_app_token):
        raise SettingsError(
            "missing setting SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN "
            "(or set SLACK_APP_TOKEN for Socket Mode)"
        )
    password_needed = settings.microsoft_app_type != "UserAssignedMSI"
    if settings.microsoft_app_id and settings.microsoft_app_password is None and password_needed:
        raise SettingsError(
            "missing setting MICROSOFT_APP_PASSWORD: required with MICROSOFT_APP_ID"
        )
    if settings.microsoft_app_type == "SingleTenant" and not settings.microsoft_app_tenant_id:
        raise SettingsError(
            "missing setting MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE=SingleTenant"
        )
    return settings
