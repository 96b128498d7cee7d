"""The anonymous web intake: single-use links from chat, the report form as a page, follow-up.

The links themselves are made in `intakelinks`, with the report invitation. The report filed
with a link is the chat's anonymous
report (the same form, checks and filing), and the link is spent in the same transaction.
Each function opens its own unit of work and commits once; the web adapter opens none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.deps import Deps
from bot.features.reports import followup, forms, passphrases, reports
from bot.features.reports.followup import FollowUpRefused, Said
from bot.features.reports.forms import MAX_TEXT, Invalid
from bot.features.reports.links import token_hash, well_formed
from bot.features.reports.model import CaseStatus
from bot.messages import Field, Form
from bot.text import clean

log = logging.getLogger(__name__)
FIELDS = ("danger", "category", "severity", "what", "where", "when", "exclude")


class Spent(Exception):
    """The link was used already, has expired or never existed: nothing was filed."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a filed web report shows once: its reference, receipt and passphrase."""

    ref: str
    receipt: str
    passphrase: str
    ack_due: datetime
    danger: bool


@dataclass(frozen=True, slots=True)
class Status:
    """What a reporter who followed up sees: the case's status, clocks and conversation."""

    ref: str
    status: CaseStatus
    ack_due: datetime
    feedback_due: datetime
    messages: tuple[Said, ...]
    added: bool


def form(
    deps: Deps, errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None
) -> Form:
    """The chat's report form as the web page asks it: always anonymous, so without the
    choice of identity."""
    chat = forms.intake_form(deps, dict(errors or {}), dict(values or {}))
    return replace(
        chat,
        fields=tuple(f for f in chat.fields if f.name != "identity"),
        intro=(
            "Reports sent from this page are anonymous: nothing about you is stored, not even "
            "your network address. You get a receipt and a passphrase to follow up with, "
            "shown once; a lost receipt cannot be recovered."
        ),
        errors=dict(errors or {}),
    )


async def usable(deps: Deps, token: str) -> bool:
    """True when the link can still file a report (opening it spends nothing)."""
    if not well_formed(token):
        return False
    async with deps.store() as uow:
        return await uow.intake_tokens.usable(token_hash(deps, token), deps.clock.now())


async def file(deps: Deps, token: str, fields: Mapping[str, str]) -> Receipt:
    """File an anonymous report with a link, which is spent with it, in one transaction.

    Raises Spent when the link cannot be used, and Invalid when the form has problems; in
    both cases nothing is written and the link is as it was.
    """
    values = {k: clean(fields.get(k, "")) for k in FIELDS} | {"identity": "anonymous"}
    if not await usable(deps, token):
        log.info("intake: report refused (link used, expired or unknown)")
        raise Spent()
    errors = _shape(form(deps), values) | forms.problems(deps, values)
    if errors:
        raise Invalid(errors)
    issued = await passphrases.issue(deps.cipher)  # slow: before the transaction opens
    async with deps.store() as uow:
        if not await uow.intake_tokens.take(token_hash(deps, token), deps.clock.now()):
            log.info("intake: report refused (link used meanwhile)")
            raise Spent()
        case, _ = await reports.file(deps, uow, None, values, issued)
        await uow.commit()
    log.info("intake: anonymous report filed")
    return Receipt(
        case.ref, issued.receipt, issued.passphrase, case.ack_due, values["danger"] == "yes"
    )


def _shape(asked: Form, values: Mapping[str, str]) -> dict[str, str]:
    """What a browser would have refused to send: a value longer than its field allows, or
    one that is none of a select's options (the chat's platforms refuse these themselves)."""
    errors = {}
    for f in asked.fields:
        value = values.get(f.name, "")
        if len(value) > f.max_length:
            errors[f.name] = f"Please keep it under {f.max_length} characters."
        elif f.kind == "select" and value and value not in {o.value for o in f.options}:
            errors[f.name] = "Choose one of the options."
    return errors


def followup_form(
    errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None
) -> Form:
    """The chat's follow-up form, with what was typed kept (bar the passphrase)."""
    chat = followup.followup_form(dict(errors or {}))
    v = values or {}
    kept: list[Field] = [
        f if f.name == "passphrase" else replace(f, initial=v.get(f.name, f.initial))
        for f in chat.fields
    ]
    return replace(chat, fields=tuple(kept))


async def follow_up(deps: Deps, fields: Mapping[str, str]) -> Status:
    """Open an anonymous case with its receipt and passphrase, and add what was written.

    Raises FollowUpRefused (a missing field, too long a message, a wrong pair, a locked
    case); a wrong passphrase is counted towards the lock all the same.
    """
    receipt, passphrase = fields.get("receipt", "").strip(), fields.get("passphrase", "").strip()
    if not receipt:
        raise FollowUpRefused("receipt", "Enter the receipt you were given with your report.")
    if not passphrase:
        raise FollowUpRefused("passphrase", "Enter the passphrase you were given with it.")
    if len(clean(fields.get("message", ""))) > MAX_TEXT:
        raise FollowUpRefused("message", f"Please keep it under {MAX_TEXT} characters.")
    checked = await followup.check_followup(deps, receipt, passphrase)  # slow: outside
    async with deps.store() as uow:
        try:
            case, added = await followup.reopen(deps, uow, fields, checked)
        except FollowUpRefused:
            await uow.commit()  # the wrong attempt counts towards the lock
            log.info("intake: follow-up refused")
            raise
        messages = tuple(await followup.conversation(deps, uow, case))
        await uow.commit()
    log.info("intake: follow-up")
    return Status(case.ref, case.status, case.ack_due, case.feedback_due, messages, added)
