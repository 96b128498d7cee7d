"""`policybot teams package`: the installable Teams app (manifest and icons) as a zip."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

MANIFEST_DIR = Path(__file__).resolve().parent / "manifest"
ICONS = ("color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class PackageError(Exception):
    """The package cannot be built; the message says why."""


def manifest(app_id: str, organisation: str, website: str) -> dict[str, object]:
    """The manifest with this installation's app id, publisher name and website."""
    if not app_id:
        raise PackageError("set MICROSOFT_APP_ID (the bot's Microsoft App ID) first")
    if not _GUID.match(app_id):
        raise PackageError(
            f"MICROSOFT_APP_ID {app_id[:60]!r} is not a Microsoft App ID: expected a GUID such "
            "as 00000000-0000-0000-0000-000000000000 (the bot registration's Application ID)"
        )
    if not website.startswith("https://"):
        raise PackageError("--website must be an https:// address")
    text = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    for key, value in {
        "APP_ID": app_id,
        "ORGANISATION": organisation,
        "WEBSITE": website.rstrip("/"),
    }.items():
        text = text.replace("{{" + key + "}}", json.dumps(value)[1:-1])
    data: dict[str, object] = json.loads(text)
    return data


def build(out: Path, app_id: str, organisation: str, website: str) -> Path:
    """Write the zip to `out` and return its path."""
    data = manifest(app_id, organisation, website)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data, indent=2))
        for icon in ICONS:
            archive.write(MANIFEST_DIR / icon, icon)
    return out
