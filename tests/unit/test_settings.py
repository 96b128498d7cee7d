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
