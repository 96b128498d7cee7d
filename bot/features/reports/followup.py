"""A reporter following up their report: in chat (confidential) or with the receipt and
passphrase (anonymous), reading the conversation with the handlers and adding to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.deps import Deps
from bot.features.reports import passphrases
from bot.features.reports.forms import MAX_TEXT
from bot.features.reports.model import Case, CaseMessage
from bot.features.reports.reports import LOCK, MAX_FAILED, FormHandler, context
from bot.messages import (
    Action,
    Button,
    Card,
    Choices,
    Field,
    Form,
    Notification,
    Reply,
    Submission,
    TextReply,
)
from bot.model import Person, new_id
from bot.ports import UnitOfWork
from bot.routing import MenuEntry, Routes
from bot.text import clean, shorten


def followup_form(errors: dict[str, str] | None = None) -> Form:
    """Receipt and passphrase, and optionally more information for the handlers."""
    return Form(
        "report_followup",
        "Follow up on a report",
        (
            Field("receipt", "Receipt"),
            Field("passphrase", "Passphrase"),
            Field(
                "message",
                "Anything to add (optional)",
                "textarea",
                required=False,
                max_length=MAX_TEXT,
            ),
        ),
        submit_label="Open",
        errors=errors or {},
        intro="For anonymous reports. A lost receipt cannot be recovered.",
    )


async def followup(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """The person's own confidential cases, and the way in for anonymous ones."""
    mine = await uow.cases.of_reporter(deps.cipher.keyed_hash("reporter", person.id))
    cards: list[Reply] = [await status_card(deps, uow, c) for c in mine[-5:]]
    way_in = Choices(
        "To follow up an anonymous report, open the form and enter your receipt and passphrase.",
        (Button("Open with a receipt", "report_receipt_form"),),
    )
    return [*cards, way_in]


@dataclass(frozen=True, slots=True)
class Said:
    """One message of a case's conversation, as its reporter reads it."""

    by_reporter: bool
    at: datetime
    text: str


async def conversation(deps: Deps, uow: UnitOfWork, case: Case) -> list[Said]:
    """The messages between the reporter and the handlers, oldest first, opened."""
    return [
        Said(m.author == "reporter", m.at, deps.cipher.open(m.box, context(case.id)).decode())
        for m in await uow.cases.messages(case.id)
    ]


async def status_card(deps: Deps, uow: UnitOfWork, case: Case) -> Card:
    """What the reporter sees: status, both clocks, and the conversation."""
    lines = []
    for said in await conversation(deps, uow, case):
        who = "You" if said.by_reporter else "Handler"
        lines.append(f"{who} ({said.at:%d %b %H:%M}): {shorten(said.text, 600)}")
    facts = (
        ("Status", case.status.value),
        ("Acknowledge by", f"{case.ack_due:%d %b %Y %H:%M} UTC"),
        ("Feedback by", f"{case.feedback_due:%d %b %Y %H:%M} UTC"),
    )
    body = "\n".join(lines) or "No messages yet."
    return Card(
        f"Report {case.ref}",
        body,
        facts,
        (Button("Add information", "report_add", case.id),) if case.reporter_key else (),
    )


@dataclass(frozen=True, slots=True)
class Checked:
    """A follow-up's passphrase, checked before the unit of work opened."""

    receipt_key: str
    passphrase_hash: str | None  # the hash it was checked against (None: no such receipt)
    matches: bool
    locked: bool  # the case was locked: nothing was checked


async def check_followup(deps: Deps, receipt: str, passphrase: str) -> Checked:
    """Read the case's passphrase hash in a short read of its own, then check the passphrase
    in the passphrase threads, with no transaction open. An unknown receipt is checked
    against a dummy hash, so it takes as long to answer as a real one."""
    key = deps.cipher.keyed_hash("receipt", passphrases.normal(receipt))
    async with deps.store() as uow:
        case = await uow.cases.by_receipt(key)
    hashed = case.passphrase_hash if case is not None else None
    if case is not None and case.locked_until and case.locked_until > deps.clock.now():
        return Checked(key, hashed, False, True)
    return Checked(key, hashed, await passphrases.verify(deps.cipher, hashed, passphrase), False)


async def prepare_followup(deps: Deps, form: Submission) -> FormHandler:
    """Before the unit of work: the passphrase check. Returns the handler to run inside it."""
    f = form.fields
    checked = await check_followup(deps, f.get("receipt", ""), f.get("passphrase", ""))

    async def checked_followup(
        deps: Deps, uow: UnitOfWork, person: Person, form: Submission
    ) -> list[Reply]:
        return await open_followup(deps, uow, person, form, checked)

    return checked_followup


class FollowUpRefused(Exception):
    """A follow-up that opened nothing; `field` is the one to correct, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


WRONG = "That receipt and passphrase do not match a report."


LOCKED_OUT = "Too many attempts. Try again in 15 minutes."


async def open_followup(
    deps: Deps, uow: UnitOfWork, person: Person, f: Submission, checked: Checked | None = None
) -> list[Reply]:
    """An anonymous reporter opens their case with receipt and passphrase, in chat."""
    try:
        case, added = await reopen(deps, uow, f.fields, checked)
    except FollowUpRefused as refused:
        return [followup_form({refused.field: str(refused)})]
    card = await status_card(deps, uow, case)
    intro = (
        ("Added to the case. " if added else "")
        + f"{card.title}: {card.body}\n"
        + "\n".join(f"{k}: {v}" for k, v in card.facts)
    )
    return [Form("report_status", card.title, (), intro=intro, submit_label="Close")]


async def reopen(
    deps: Deps, uow: UnitOfWork, fields: Mapping[str, str], checked: Checked | None = None
) -> tuple[Case, bool]:
    """An anonymous reporter opens their case with receipt and passphrase, and adds what they
    wrote, if anything: the case, and whether something was added.

    The passphrase is checked by `prepare_followup`, before the transaction (`checked`);
    without it, it is checked here, inside the transaction. Raises FollowUpRefused for a
    wrong pair or a locked case; a wrong passphrase is counted (and audited) in `uow` all the
    same, so the caller commits before passing the refusal on.
    """
    receipt = passphrases.normal(fields.get("receipt", ""))
    key = deps.cipher.keyed_hash("receipt", receipt)
    case = await uow.cases.by_receipt(key)
    now = deps.clock.now()
    if case is None or case.passphrase_hash is None:
        raise FollowUpRefused("passphrase", WRONG)
    locked = case.locked_until is not None and case.locked_until > now
    if locked or (checked is not None and checked.locked):
        raise FollowUpRefused("receipt", LOCKED_OUT)
    typed = passphrases.normal(fields.get("passphrase", ""))
    if checked is None or checked.receipt_key != key:
        matches = deps.cipher.slow_verify(case.passphrase_hash, typed)
    else:
        matches = checked.matches and checked.passphrase_hash == case.passphrase_hash
    if not matches:
        case.failed_attempts += 1
        if case.failed_attempts >= MAX_FAILED:
            case.failed_attempts, case.locked_until = 0, now + LOCK
        await uow.cases.save(case)
        await uow.cases.audit(case.id, "reporter", "wrong passphrase", now)
        raise FollowUpRefused("passphrase", WRONG)
    case.failed_attempts = 0
    await uow.cases.save(case)
    added = await _add(deps, uow, case, fields.get("message", ""))
    return case, added


async def _add(deps: Deps, uow: UnitOfWork, case: Case, raw: str) -> bool:
    text = clean(raw)
    now = deps.clock.now()
    if text:
        box = deps.cipher.seal(shorten(text, MAX_TEXT).encode(), context(case.id))
        await uow.cases.add_message(CaseMessage(new_id(), case.id, "reporter", box, now))
    await uow.cases.audit(case.id, "reporter", "followed up", now)
    access = await uow.cases.access(case.id)
    if text:
        for pid, kind in access.items():
            if kind == "handler":
                note = Choices(
                    f"The reporter added information to {case.ref}.",
                    (Button("View", "case_view", case.id),),
                )
                await uow.outbox.add(Notification(pid, note, f"Report {case.ref}", case.id))
    return bool(text)


async def add_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """A confidential reporter adds information."""
    case = await uow.cases.get(a.value)
    if case is None or case.reporter_key != deps.cipher.keyed_hash("reporter", person.id):
        return [TextReply("That report is not yours.")]
    return [
        Form(
            "report_add",
            f"Add to {case.ref}",
            (Field("message", "What would you like to add?", "textarea", max_length=MAX_TEXT),),
            submit_label="Send",
            context=case.id,
        )
    ]


async def add(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """A confidential reporter's addition."""
    case = await uow.cases.get(f.context)
    if case is None or case.reporter_key != deps.cipher.keyed_hash("reporter", person.id):
        return [TextReply("That report is not yours.")]
    await _add(deps, uow, case, f.fields.get("message", ""))
    return [TextReply(f"Added to {case.ref}. The handlers have been told.")]


async def _receipt_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return [followup_form()]


async def _followup(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await followup(deps, uow, person)


async def _nothing(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    return []  # a form that only shows something: closing it needs no answer


ROUTES = Routes(
    actions={
        "report_receipt_form": _receipt_form,
        "report_followup": _followup,
        "report_add": add_form,
    },
    forms={
        "report_receipt": _nothing,
        "report_status": _nothing,
        "report_followup": open_followup,
        "report_add": add,
    },
    typed={"report_followup": ("follow up", "followup", "follow up on a report", "my reports")},
    slash={"follow-up": "follow up", "followup": "follow up"},
    menu=(MenuEntry("Follow up on a report", "report_followup", 60),),
)
