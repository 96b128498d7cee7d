"""The announcement's compose and correction forms and their rules: what HR may write, to
whom and when, checked the same way in chat, on the command line and on the dashboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.features.announcements.model import Announcement
from bot.messages import Field, Form, Option
from bot.text import clean, is_https_url, shorten

TITLE_MAX, SUMMARY_MAX = 150, 2000


def _text_fields(given: dict[str, str]) -> tuple[Field, ...]:
    """What recipients read: the fields of the compose form that a correction can change."""
    return (
        Field("title", "Title", max_length=TITLE_MAX, initial=given.get("title", "")),
        Field(
            "summary",
            "What people need to know",
            "textarea",
            max_length=SUMMARY_MAX,
            initial=given.get("summary", ""),
        ),
        Field(
            "link",
            "Link (optional, https://)",
            required=False,
            max_length=500,
            initial=given.get("link", ""),
        ),
    )


def check_text(fields: dict[str, str]) -> tuple[dict[str, str], str, str, str]:
    """Errors by field in the text fields, and the cleaned title, summary and link."""
    errors: dict[str, str] = {}
    title = clean(fields.get("title", ""))
    summary = clean(fields.get("summary", ""))
    link = clean(fields.get("link", ""))
    if not title:
        errors["title"] = "Give the announcement a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    if not summary:
        errors["summary"] = "Say what people need to know."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep it under {SUMMARY_MAX} characters; link to the rest."
    if link and not is_https_url(link):
        errors["link"] = "Use a full https:// address, or leave it empty."
    return errors, title, summary, link


def compose_form(deps: Deps, departments: list[str], initial: dict[str, str] | None = None) -> Form:
    """The form HR fills in to compose an announcement."""
    given = initial or {}
    current = deps.content.current.version
    return Form(
        "announce_new",
        "New announcement",
        (
            *_text_fields(given),
            Field(
                "version",
                "Policy version it announces",
                "select",
                options=(
                    Option("None", "none"),
                    *(
                        Option(f"Version {p.version}", str(p.version))
                        for p in deps.content.policies
                    ),
                ),
                initial=given.get("version", str(current)),
            ),
            Field(
                "ack",
                "Ask people to acknowledge it",
                "select",
                options=(Option("Yes", "yes"), Option("No", "no")),
                initial=given.get("ack", "yes"),
            ),
            Field(
                "audience",
                "Who receives it (everyone, or one or more departments)",
                "multiselect",
                options=(Option("Everyone", "everyone"), *(Option(d, d) for d in departments)),
                initial=given.get("audience", "everyone"),
            ),
            Field(
                "channels",
                "Also post in channels (optional: Slack or Teams channel ids, comma-separated)",
                required=False,
                max_length=500,
                initial=given.get("channels", ""),
            ),
            Field(
                "when",
                "Send at (optional: YYYY-MM-DD HH:MM, your time; empty: when you confirm)",
                required=False,
                max_length=16,
                initial=given.get("when", ""),
            ),
        ),
        submit_label="Preview",
        intro="You will see a preview and confirm before anything is sent.",
    )


def parse_when(text: str, timezone: str | None, now: datetime) -> datetime | None:
    """A send time typed by its author, in their time zone; raises ValueError when invalid."""
    text = text.strip()
    if not text:
        return None
    try:
        naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}", text):
            raise ValueError(f"There is no such day or time as {text}.") from None
        raise ValueError("Use the form YYYY-MM-DD HH:MM, or leave it empty.") from None
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    at = naive.replace(tzinfo=zone).astimezone(UTC)
    if at < now - timedelta(minutes=1):
        raise ValueError("That time has passed. Leave it empty to send when you confirm.")
    if at > now + timedelta(days=366):
        raise ValueError("Schedule at most a year ahead.")
    return at


def validate(
    deps: Deps, fields: dict[str, str], departments: list[str], timezone: str | None
) -> tuple[dict[str, str], dict[str, object]]:
    """Errors by field, and the clean values when there are none."""
    errors, title, summary, link = check_text(fields)
    version_text = fields.get("version", "none") or "none"
    version: int | None = None
    if version_text != "none":
        if not version_text.isdigit() or deps.content.policy(int(version_text)) is None:
            errors["version"] = "Choose a published policy version, or none."
        else:
            version = int(version_text)
    audience = fields.get("audience") or "everyone"
    known = {d.casefold(): d for d in departments} | {"everyone": "everyone"}
    # A department typed in another case is the directory's department.
    chosen = tuple(known.get(a.strip().casefold(), a.strip()) for a in audience.split(","))
    chosen = tuple(a for a in chosen if a)
    if not chosen or any(a != "everyone" and a not in departments for a in chosen):
        errors["audience"] = "Choose everyone or departments known to the directory."
    channels: list[str] = []
    for raw in (fields.get("channels") or "").replace(" ", ",").split(","):
        channel = raw.strip()
        if not channel:
            continue
        if target := deps.channel_id(channel):
            channels.append(target)
        else:
            errors["channels"] = (
                f"\u201c{shorten(channel, 40)}\u201d is not a channel id: use Slack's "
                "(C0123ABCD, from the channel's details) or Teams' (19:\u2026@thread.tacv2)."
            )
    if len(channels) > 20:
        errors["channels"] = "At most 20 channels."
    when: datetime | None = None
    try:
        when = parse_when(fields.get("when", ""), timezone, deps.clock.now())
    except ValueError as err:
        errors["when"] = str(err)
    values: dict[str, object] = {
        "title": title,
        "summary": summary,
        "link": link,
        "version": version,
        "ack": (fields.get("ack") or "yes") != "no",
        "audience": (("everyone",) if "everyone" in chosen else chosen) + tuple(channels),
        "when": when,
    }
    return errors, values


def correction_form(announcement: Announcement, errors: dict[str, str] | None = None) -> Form:
    """The correction form, filled with the announcement's text."""
    current = {"title": announcement.title, "summary": announcement.summary}
    return correction_with(announcement.id, {**current, "link": announcement.link}, errors)


def correction_with(
    announcement_id: str, given: dict[str, str], errors: dict[str, str] | None = None
) -> Form:
    """The correction form of an announcement, filled with `given` and its `errors`."""
    return Form(
        "announce_correct",
        "Correct an announcement",
        _text_fields(given),
        submit_label="Correct everywhere",
        intro="Messages already delivered are updated in place where the platform allows.",
        context=announcement_id,
        errors=errors or {},
    )
