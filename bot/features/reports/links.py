"""Single-use links to the anonymous web intake, handed out with the report invitation.

A link's token is kept only as a keyed hash with its expiry, rounded up to the hour: nothing
says whom it was given to or exactly when.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.ports import UnitOfWork

LINK_LIFETIME = timedelta(hours=24)
REPORT_PATH = "/report/"
_PURPOSE = "intake link"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,60}$")


def token_hash(deps: Deps, token: str) -> str:
    """The keyed hash a link's token is kept as."""
    return deps.cipher.keyed_hash(_PURPOSE, token)


def expiry(now: datetime) -> datetime:
    """Until when a link made at `now` works: LINK_LIFETIME, then up to the next whole hour,
    so the stored time does not tell when it was made."""
    end = now + LINK_LIFETIME
    hour = end.replace(minute=0, second=0, microsecond=0)
    return hour if hour == end else hour + timedelta(hours=1)


async def link(deps: Deps, uow: UnitOfWork) -> str:
    """A new single-use link to the web intake; its token is kept only as a keyed hash."""
    token = secrets.token_urlsafe(32)
    now = deps.clock.now()
    await uow.intake_tokens.forget(now)
    await uow.intake_tokens.add(token_hash(deps, token), expiry(now))
    return f"{deps.site_url}{REPORT_PATH}{token}"


def offer(url: str) -> str:
    """The report invitation's pointer to the web intake."""
    hours = int(LINK_LIFETIME.total_seconds() // 3600)
    return (
        f"Or report anonymously in your browser, with no sign-in: {url}\n"
        f"The link works once, for {hours} hours, and nothing records whom it was given to."
    )


def token_of(typed: str) -> str:
    """The token in a link or a token as pasted ("" when there is none)."""
    last = typed.strip().rstrip("/").rsplit("/", 1)[-1]
    return last if well_formed(last) else ""


def well_formed(token: str) -> bool:
    """True when `token` looks like one this module makes."""
    return bool(_TOKEN.match(token))
