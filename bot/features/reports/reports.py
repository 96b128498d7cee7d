"""Backlash reports: confidential or anonymous intake, routing to handlers, follow-up."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from bot.deps import Deps
from bot.features.reports import links as reports_links
from bot.features.reports import passphrases
from bot.features.reports.forms import (
    Invalid,
    deadlines,
    intake_form,
    invitation,
    problems,
)
from bot.features.reports.model import Case, CaseStatus
from bot.messages import (
    Action,
    Button,
    Card,
    Form,
    Notification,
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
MAX_FAILED = 5
LOCK = timedelta(minutes=15)


FormHandler = Callable[[Deps, UnitOfWork, Person, Submission], Awaitable[list[Reply]]]


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
