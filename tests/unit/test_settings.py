"""Settings: defaults, validation errors in one line naming the setting."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "PORT", "HOST", "LOG_LEVEL", "POLICYBOT_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.port == 3978
    assert settings.embedded
    assert settings.content_dir.name == "content"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "invalid setting PORT"),
        ("PORT", "70000", "invalid setting PORT"),
        ("DATABASE_URL", "mysql://x/y", "invalid setting DATABASE_URL"),
        ("LOG_LEVEL", "LOUD", "invalid setting LOG_LEVEL"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "invalid setting SLACK_BOT_TOKEN"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token", "invalid setting SLACK_APP_TOKEN"),
        ("SLACK_API_URL", "slack.com/api", "invalid setting SLACK_API_URL"),
        ("POLICYBOT_SECRET_KEY", "short", "invalid setting POLICYBOT_SECRET_KEY"),
        ("POLICYBOT_OLD_SECRET_KEYS", "k" * 43 + ",short", "invalid setting POLICYBOT_OLD"),
    ],
)
def test_invalid_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_postgres_is_not_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("log_level", "debug")
    settings = load_settings()
    assert not settings.embedded


def test_slack_needs_a_signing_secret_or_socket_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(SettingsError, match="missing setting SLACK_SIGNING_SECRET"):
        load_settings()
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert load_settings().slack
    monkeypatch.delenv("SLACK_APP_TOKEN")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    settings = load_settings()
    assert settings.slack and settings.slack_api_url == "https://slack.com/api/"
    assert "xoxb-1" not in repr(settings)
