"""Backlash reports: confidential or anonymous intake, routing to handlers, follow-up."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.features.reports import links as reports_links
from bot.features.reports import passphrases
from bot.features.reports.model import Case, CaseStatus
from bot.messages import (
    Action,
    Button,
    Card,
    Choices,
    Field,
    Form,
    Notification,
    Option,
    Reply,
    Submission,
    TextReply,
    public,
)
from bot.model import Person, Role, new_id, new_ref
from bot.ports import UnitOfWork
from bot.routing import MenuEntry, Routes
from bot.text import clean, shorten

log = logging.getLogger(__name__)
MAX_TEXT = 4000
MAX_FAILED = 5
LOCK = timedelta(minutes=15)
ACK_LIMIT = timedelta(days=7)  # EU Whistleblowing Directive: acknowledge receipt within 7 days
FEEDBACK_LIMIT = timedelta(days=90)  # ... and give feedback within 3 months
IDENTITY = (
    Option("Confidential: handlers of this case see who I am", "confidential"),
    Option("Anonymous: nobody can find out who I am", "anonymous"),
)


FormHandler = Callable[[Deps, UnitOfWork, Person, Submission], Awaitable[list[Reply]]]


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


class Invalid(Exception):
    """A report form with problems; `errors` names each field to correct and why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


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


def context(case_id: str) -> bytes:
    """The associated data that binds sealed fields to their case."""
    return f"case:{case_id}".encode()


def content_of(deps: Deps, case: Case) -> dict[str, str]:
    """A case's sealed content."""
    data: dict[str, str] = json.loads(deps.cipher.open(case.content_box, context(case.id)))
    return data


async def _handlers(
    deps: Deps, uow: UnitOfWork, person: Person | None, category: str, excluded: set[str]
) -> list[Person]:
    found: dict[str, Person] = {}
    for group in deps.content.reports.groups_for(category):
        if group == "manager":
            if person is not None and person.manager_id:
                manager = await uow.people.get(person.manager_id)
                if manager is not None:
                    found[manager.id] = manager
            continue
        for p in await uow.people.with_role(Role(group)):
            found[p.id] = p
    return [
        p
        for pid, p in found.items()
        if pid not in excluded and (person is None or pid != person.id)
    ]


async def _excluded(uow: UnitOfWork, emails: str) -> set[str]:
    """The people the reporter named as never to see the report."""
    excluded = set()
    for email in (e.strip().lower() for e in emails.split(",")):
        other = await uow.people.by_email(email) if email else None
        if other is not None:
            excluded.add(other.id)
    return excluded


async def prepare(deps: Deps, form: Submission) -> FormHandler:
    """Before the unit of work opens: an anonymous report's receipt and passphrase, hashed off
    the event loop. Returns the handler to run inside the unit of work."""
    f = {k: clean(v) for k, v in form.fields.items()}
    if f.get("identity") != "anonymous" or problems(deps, f):
        return submit
    issued = await passphrases.issue(deps.cipher)

    async def submit_anonymous(
        deps: Deps, uow: UnitOfWork, person: Person, form: Submission
    ) -> list[Reply]:
        return await submit(deps, uow, person, form, issued)

    return submit_anonymous


async def submit(
    deps: Deps,
    uow: UnitOfWork,
    person: Person,
    form: Submission,
    issued: passphrases.Issued | None = None,
) -> list[Reply]:
    """The report form was sent in chat: file it, and give the reporter a receipt.

    An anonymous report's receipt and passphrase come from `prepare` (`issued`); without
    them they are made here, hashing inside the transaction.
    """
    f = {k: clean(v) for k, v in form.fields.items()}
    try:
        case, issued = await file(deps, uow, person, f, issued)
    except Invalid as invalid:
        return [intake_form(deps, invalid.errors, f)]
    emergency = [TextReply(deps.content.reports.emergency)] if f.get("danger") == "yes" else []
    if issued is not None:
        guidance = f"\n\n{deps.content.reports.emergency}" if emergency else ""
        return [
            Form(
                "report_receipt",
                f"Report {case.ref} sent",
                (),
                intro=(
                    f"Your receipt: {issued.receipt}\nYour passphrase: {issued.passphrase}\n\n"
                    "Write both down now, somewhere only you can see: they are shown once, and "
                    "they are the only way to follow up. Nobody can recover them, because nobody "
                    f"knows who sent this report. To follow up, type *follow-up*.{guidance}"
                ),
                submit_label="I have saved them",
            )
        ]
    return [
        *emergency,
        TextReply(
            f"Report {case.ref} sent. Only the handlers of this case can see it and who you are. "
            f"You will hear back by {case.ack_due:%d %b %H:%M} UTC at the latest; type "
            "*follow-up* to see its status or add information."
        ),
    ]


async def file(
    deps: Deps,
    uow: UnitOfWork,
    person: Person | None,
    fields: Mapping[str, str],
    issued: passphrases.Issued | None = None,
) -> tuple[Case, passphrases.Issued | None]:
    """Seal, route and notify a report; the case and, when anonymous, its receipt and
    passphrase. Without a person (the web intake) the report is anonymous whatever it says.
    Raises Invalid, with nothing written, when the form has problems."""
    f = {k: clean(v) for k, v in fields.items()}
    errors = problems(deps, f)
    if errors:
        raise Invalid(errors)
    now = deps.clock.now()
    anonymous = person is None or f["identity"] == "anonymous"
    case_id = new_id()
    excluded = await _excluded(uow, f.get("exclude", ""))
    handlers = await _handlers(deps, uow, None if anonymous else person, f["category"], excluded)
    zones = Counter(h.timezone for h in handlers if h.timezone).most_common(1)
    ack_due, feedback_due = deadlines(deps, f["severity"], now, zones[0][0] if zones else None)
    content = {k: f.get(k, "") for k in ("category", "severity", "what", "where", "when", "danger")}
    case = Case(
        id=case_id,
        ref=new_ref("R"),
        category=f["category"],
        severity=f["severity"],
        anonymous=anonymous,
        created_at=now,
        ack_due=ack_due,
        feedback_due=feedback_due,
        content_box=deps.cipher.seal(json.dumps(content).encode(), context(case_id)),
    )
    if anonymous:
        issued = issued or passphrases.issue_now(deps.cipher)
        case.receipt_id = deps.cipher.keyed_hash("receipt", issued.receipt)
        case.passphrase_hash = issued.passphrase_hash
    else:
        assert person is not None  # only a report without a person is anonymous regardless
        issued = None
        case.reporter_box = deps.cipher.seal(person.id.encode(), context(case_id))
        case.reporter_key = deps.cipher.keyed_hash("reporter", person.id)
    await uow.cases.add(case)
    for pid in excluded:
        await uow.cases.grant(case.id, pid, "excluded")
    for handler in handlers:
        await uow.cases.grant(case.id, handler.id, "handler")
    await uow.cases.audit(case.id, "reporter", "submitted", now)
    card = await handler_card(deps, uow, case)
    if not handlers:
        log.warning("report %s has no handler to notify: check the hr/handler roles", case.ref)
    for handler in handlers:
        await uow.outbox.add(Notification(handler.id, card, f"New report {case.ref}", case.id))
    return case, issued


async def reporter_label(deps: Deps, uow: UnitOfWork, case: Case) -> str:
    """Who reported, as a handler may see it: a confidential reporter's name and email,
    never anything of an anonymous one."""
    if case.reporter_box is None:
        return "anonymous"
    reporter_id = deps.cipher.open(case.reporter_box, context(case.id)).decode()
    who = await uow.people.get(reporter_id)
    return f"{who.display_name} ({who.email or 'no email'})" if who else "confidential"


async def handler_card(deps: Deps, uow: UnitOfWork, case: Case) -> Card:
    """What a handler sees: the case, never an anonymous reporter's identity."""
    rules = deps.content.reports
    data = content_of(deps, case)
    reporter = await reporter_label(deps, uow, case)
    assignee = await uow.people.get(case.assignee_id) if case.assignee_id else None
    facts = [
        ("Severity", rules.severity_label(case.severity)),
        ("Reporter", reporter),
        ("Status", case.status.value),
        ("Assigned to", assignee.display_name if assignee else "nobody yet"),
        ("Acknowledge by", f"{case.ack_due:%d %b %H:%M} UTC"),
        ("Feedback by", f"{case.feedback_due:%d %b %H:%M} UTC"),
    ]
    if data.get("where"):
        facts.append(("Where", shorten(data["where"], 300)))
    if data.get("when"):
        facts.append(("When", shorten(data["when"], 100)))
    if data.get("danger") == "yes":
        facts.insert(0, ("Danger", "The reporter said they are in immediate danger"))
    return Card(
        f"Report {case.ref}: {rules.category_label(case.category)}",
        shorten(data.get("what", ""), 1500),
        tuple(facts),
        case_buttons(case),
    )


def case_buttons(case: Case) -> tuple[Button, ...]:
    """What a handler can do next with a case: on its card and on every reply about it."""
    if case.status == CaseStatus.RESOLVED:
        return (Button("View", "case_view", case.id), Button("My cases", "cases_mine"))
    buttons = [Button("View", "case_view", case.id)]
    if case.status == CaseStatus.OPEN:
        buttons.append(Button("Acknowledge", "case_ack", case.id, "primary"))
    buttons += [
        Button("Assign to me", "case_assign", case.id),
        Button("Message reporter", "case_message", case.id),
        Button("Resolve", "case_resolve", case.id, "danger"),
    ]
    return tuple(buttons)


async def _start(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return [intake_form(deps)]


async def _invite(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """Typed "report": the emergency guidance, and a button that opens the private form; with
    PUBLIC_URL set, a single-use link to the web intake too, for the asker only."""
    if not deps.intake_links:
        return [public(invitation(deps))]
    return [invitation(deps, reports_links.offer(await reports_links.link(deps, uow)))]


ROUTES = Routes(
    actions={"report_start": _start, "report_invite": _invite},
    forms={"report": submit},
    typed={
        "report_invite": ("report", "report an incident", "report incident", "report something")
    },
    slash={"report": "report"},
    menu=(MenuEntry("Report an incident", "report_start", 50),),
)
