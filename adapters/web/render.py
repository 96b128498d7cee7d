"""Templates: Jinja2 with autoescaping everywhere, and the filters the pages share."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.web import session

NAV: list[tuple[str, str]] = [
    ("Overview", "/dashboard"),
    ("Cases", "/dashboard/cases"),
    ("Announcements", "/dashboard/announcements"),
    ("Training", "/dashboard/training"),
    ("Surveys", "/dashboard/surveys"),
    ("Stories", "/dashboard/stories"),
    ("Policy", "/dashboard/policy"),
    ("FAQ", "/dashboard/faq"),
]
"""The navigation, in order: (label, path). A new page adds itself here."""


def setup(app: web.Application) -> None:
    """Templates from adapters/web/templates, escaped whatever their name."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("adapters.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(pct=pct, day=day, moment=moment, left=left)


async def page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A rendered page that no cache keeps; `viewer` (a name) shows the navigation."""
    common: dict[str, Any] = {"nav": NAV, "path": request.path, "viewer": None}
    common["csrf"] = await session.csrf_token(request)
    response = aiohttp_jinja2.render_template(
        template, request, {**common, **context}, status=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def pct(share: float | None) -> str:
    """A share as a whole percentage, or "n/a" when there is nobody to count."""
    return "n/a" if share is None else f"{share:.0%}"


def day(value: date | datetime | None) -> str:
    """A day people read: 2 Mar 2026."""
    return "" if value is None else f"{value.day} {value:%b %Y}"


def moment(value: datetime | None) -> str:
    """A time people read, in UTC: 2 Mar 2026 14:05 UTC."""
    return "" if value is None else f"{day(value)} {value:%H:%M} UTC"


def left(value: timedelta) -> str:
    """Time left (`in 2 d 3 h`) or past (`3 h ago`), to the hour; minutes under an hour."""
    seconds = abs(int(value.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h"
    else:
        text = f"{max(minutes, 1)} min"
    return f"in {text}" if value >= timedelta(0) else f"{text} ago"


def download(filename: str, body: str, kind: str = "text/csv") -> web.Response:
    """A file to save (a chart's CSV, an export), kept by no cache."""
    return web.Response(
        text=body,
        content_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
