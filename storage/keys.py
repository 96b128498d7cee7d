"""The installation's secret key: from the settings, or generated once in the data folder."""

from __future__ import annotations

import base64
import logging
import os
import secrets

from bot.settings import Settings, SettingsError
from storage.files import private_folder

log = logging.getLogger("policybot")


def _decode_key(raw: str, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        key = b""
    if len(key) < 32:
        raise SettingsError(
            f"invalid setting {name}: must be at least 32 bytes, base64-encoded "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return key


def old_secret_keys(settings: Settings) -> tuple[bytes, ...]:
    """Keys rotated out: still able to open what they sealed (comma-separated setting)."""
    if settings.old_secret_keys is None:
        return ()
    raw = settings.old_secret_keys.get_secret_value()
    return tuple(
        _decode_key(k.strip(), "POLICYBOT_OLD_SECRET_KEYS") for k in raw.split(",") if k.strip()
    )


def secret_key(settings: Settings) -> bytes:
    """The installation's secret key: from the setting, or generated once in the data folder."""
    if settings.secret_key is not None:
        return _decode_key(settings.secret_key.get_secret_value().strip(), "POLICYBOT_SECRET_KEY")
    if not settings.embedded:
        raise SettingsError(
            "missing setting POLICYBOT_SECRET_KEY: required with an external DATABASE_URL, "
            "so that every replica uses the same key"
        )
    path = settings.data_dir / "secret.key"
    private_folder(settings.data_dir)
    if path.exists():
        return base64.urlsafe_b64decode(path.read_text().strip() + "==")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    log.warning("generated a new secret key in %s: back it up with the database", path)
    return base64.urlsafe_b64decode(path.read_text().strip() + "==")
