"""The report form and its rules: what a reporter fills in, what is checked, and the clocks a
report starts (acknowledge within 7 days, feedback within 3 months, in the reporter's time
zone)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import errors
from bot.deps import Deps
from bot.messages import (
    Button,
    Choices,
    Field,
    Form,
    Option,
    Reply,
)

MAX_TEXT = 4000


ACK_LIMIT = timedelta(days=7)  # EU Whistleblowing Directive: acknowledge receipt within 7 days


FEEDBACK_LIMIT = timedelta(days=90)  # ... and give feedback within 3 months


IDENTITY = (
    Option("Confidential: handlers of this case see who I am", "confidential"),
    Option("Anonymous: nobody can find out who I am", "anonymous"),
)


def intake_form(
    deps: Deps, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> Form:
    """The report form (a modal or dialog: never chat text)."""
    rules = deps.content.reports
    v = values or {}
    return Form(
        form_id="report",
        title="Report an incident",
        intro=(
            f"{rules.emergency}\n\nConfidential reports are seen only by the handlers of the "
            "case. Anonymous reports store nothing about you: you get a receipt and a "
            "passphrase to follow up, and a lost receipt cannot be recovered."
        ),
        fields=(
            Field(
                "danger",
                "Are you in immediate danger?",
                "select",
                options=(Option("No", "no"), Option("Yes", "yes")),
                initial=v.get("danger", "no"),
            ),
            Field(
                "category",
                "What is happening?",
                "select",
                options=tuple(Option(label, key) for key, label in rules.categories.items()),
                initial=v.get("category", ""),
            ),
            Field(
                "severity",
                "How serious does it feel?",
                "select",
                options=tuple(Option(s.label, key) for key, s in rules.severities.items()),
                initial=v.get("severity", ""),
            ),
            Field(
                "what", "What happened?", "textarea", initial=v.get("what", ""), max_length=MAX_TEXT
            ),
            Field(
                "where",
                "Where (platform, links)",
                required=False,
                initial=v.get("where", ""),
                max_length=1000,
            ),
            Field("when", "When", required=False, initial=v.get("when", ""), max_length=200),
            Field(
                "identity",
                "Confidential or anonymous?",
                "select",
                options=IDENTITY,
                initial=v.get("identity", "confidential"),
            ),
            Field(
                "exclude",
                "Who must not see it (emails, comma-separated)",
                required=False,
                hint="For example your manager, or the person the report is about.",
                initial=v.get("exclude", ""),
                max_length=1000,
            ),
        ),
        submit_label="Send report",
        errors=errors or {},
    )


def invitation(deps: Deps, web: str = "") -> Reply:
    """What typing "report" shows: the emergency guidance, then a button to the form (and,
    in `web`, the way to the web intake)."""
    text = (
        f"{deps.content.reports.emergency}\n\nReports are made in a private form, never in this "
        "chat. You choose whether the handlers may know who you are."
    )
    return Choices(
        text + (f"\n\n{web}" if web else ""),
        (Button("Open the report form", "report_start", style="primary"),),
    )


class Invalid(errors.Invalid):
    """A report form with problems; `errors` names each field to correct and why."""


def problems(deps: Deps, f: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with a report form's (cleaned) values, by field; empty when nothing."""
    rules = deps.content.reports
    errors = {}
    if f.get("category") not in rules.categories:
        errors["category"] = "Choose what is happening."
    if f.get("severity") not in rules.severities:
        errors["severity"] = "Choose how serious it feels."
    if not f.get("what"):
        errors["what"] = "Please describe what happened."
    elif len(f["what"]) > MAX_TEXT:
        errors["what"] = f"Please keep it under {MAX_TEXT} characters."
    if f.get("identity") not in ("confidential", "anonymous"):
        errors["identity"] = "Choose confidential or anonymous."
    return errors


def deadlines(
    deps: Deps, severity: str, now: datetime, timezone: str | None = None
) -> tuple[datetime, datetime]:
    """When a report of this severity must be acknowledged and answered, from `now`.

    Hour-based deadlines run round the clock; working-day ones end at 17:00 on the last
    working day, in the handlers' time zone when the directory knows it.
    """
    rule = deps.content.reports.severity(severity)
    if rule.acknowledge_hours is not None:
        ack = now + timedelta(hours=rule.acknowledge_hours)
    else:
        zone = _zone(timezone)
        day, days = now.astimezone(zone).date(), rule.acknowledge_working_days or 2
        while days:
            day += timedelta(days=1)
            days -= day.weekday() < 5
        ack = datetime.combine(day, time(17, 0), tzinfo=zone).astimezone(UTC)
    feedback = now + timedelta(hours=rule.feedback_hours)
    return min(ack, now + ACK_LIMIT), min(feedback, now + FEEDBACK_LIMIT)


def _zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
