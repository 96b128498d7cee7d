"""Fake accounts in chat: anyone reports one in a short form (kept with no trace of who);
HR is told at once, lists the open reports and marks each handled."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from bot.deps import Deps
from bot.directory import require
from bot.features.impersonation.model import Impostor, ImpostorStatus
from bot.features.impersonation.ports import IMPOSTORS
from bot.messages import (
    Action,
    Button,
    Card,
    Field,
    Form,
    Notification,
    Option,
    Reply,
    Submission,
    TextReply,
)
from bot.model import Person, Role, new_id, new_ref
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes
from bot.text import clean, is_https_url, shorten

log = logging.getLogger(__name__)
PLATFORMS = ("LinkedIn", "X", "Instagram", "Facebook", "TikTok", "YouTube", "Other")
MAX_URL = 500
MAX_NOTE = 1000
PRIVACY = (
    "Nothing says who reported it: HR sees the account, your note and the day only. "
    "Please do not reply to or follow the account; report it to the platform too."
)


def _context(impostor_id: str) -> bytes:
    return f"impostor:{impostor_id}".encode()


def _address(url: str) -> str:
    """The account's address as one key: scheme and host in lower case, no trailing slash,
    query or fragment (two reports of the same account match)."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def form(given: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Form:
    """The report form; shown again with what was typed and the errors under their fields."""
    values = given or {}
    return Form(
        "impostor",
        "Report a fake account",
        (
            Field(
                "platform",
                "Where is it",
                "select",
                options=tuple(Option(p, p) for p in PLATFORMS),
                initial=values.get("platform", PLATFORMS[0]),
            ),
            Field(
                "url",
                "Its address (https://...)",
                max_length=MAX_URL,
                initial=values.get("url", ""),
            ),
            Field(
                "note",
                "Who it pretends to be, what it does",
                "textarea",
                required=False,
                max_length=MAX_NOTE,
                initial=values.get("note", ""),
            ),
        ),
        submit_label="Report",
        intro=PRIVACY,
        errors=errors or {},
    )


def problems(fields: dict[str, str]) -> dict[str, str]:
    """What is wrong with a report, by field (empty when it can be stored)."""
    errors = {}
    url = fields.get("url", "")
    if not url:
        errors["url"] = "Paste the address of the account."
    elif len(url) > MAX_URL or not is_https_url(url):
        errors["url"] = "Paste the account's address as it starts: https://..."
    if fields.get("platform") not in PLATFORMS:
        errors["platform"] = "Choose where the account is."
    if len(fields.get("note", "")) > MAX_NOTE:
        errors["note"] = f"Keep it under {MAX_NOTE} characters."
    return errors


async def open_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """ "Report a fake account" in the menu, or typed."""
    return [form()]


async def submit(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """Store a report with no reporter and tell HR, in the same unit of work."""
    fields = {k: clean(v) for k, v in f.fields.items()}
    errors = problems(fields)
    if errors:
        return [form(fields, errors)]
    address = _address(fields["url"])
    key = deps.cipher.keyed_hash("impostor", address)
    impostors = uow.repository(IMPOSTORS)
    known = next((i for i in await impostors.open() if i.url_key == key), None)
    if known is not None:
        return [TextReply(f"Thank you: that account is already reported ({known.ref}).")]
    impostor = Impostor(
        id=new_id(),
        ref=new_ref("F"),
        platform=fields["platform"],
        url_key=key,
        box=b"",
        reported_on=deps.clock.now().date(),
    )
    seen = {"url": fields["url"], "note": fields.get("note", "")}
    impostor.box = deps.cipher.seal(json.dumps(seen).encode(), _context(impostor.id))
    await impostors.add(impostor)
    for hr in await uow.people.with_role(Role.HR):
        await uow.outbox.add(
            Notification(hr.id, card(deps, impostor), f"Fake account reported {impostor.ref}")
        )
    log.info("fake account reported")  # no platform, no address: nothing to correlate
    return [
        TextReply(
            f"Thank you: HR has the report ({impostor.ref}). Please do not reply to the "
            "account; report it to the platform too."
        )
    ]


def card(deps: Deps, impostor: Impostor) -> Card:
    """What HR sees of one report."""
    seen = json.loads(deps.cipher.open(impostor.box, _context(impostor.id)))
    facts = [("Where", impostor.platform), ("Address", seen["url"])]
    if seen["note"]:
        facts.append(("Note", shorten(seen["note"], 300)))
    facts.append(("Reported", f"{impostor.reported_on:%Y-%m-%d}"))
    buttons: tuple[Button, ...] = ()
    if impostor.status == ImpostorStatus.OPEN:
        buttons = (Button("Mark handled", "impostor_handled", impostor.ref, "primary"),)
    return Card(f"Fake account {impostor.ref}", "", tuple(facts), buttons)


async def overview(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: the fake accounts reported and not handled yet, oldest first."""
    require(person, Role.HR)
    found = await uow.repository(IMPOSTORS).open()
    if not found:
        return [TextReply("No fake accounts are waiting.")]
    shown = found[:10]
    more = f" (the oldest 10 of {len(found)})" if len(found) > len(shown) else ""
    replies: list[Reply] = [TextReply(f"Fake accounts waiting: {len(found)}{more}")]
    return replies + [card(deps, i) for i in shown]


async def handled(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: the account is dealt with (taken down, reported, answered)."""
    require(person, Role.HR)
    impostors = uow.repository(IMPOSTORS)
    impostor = await impostors.by_ref(a.value.strip().upper()[:12])
    if impostor is None:
        return [TextReply("I cannot find that report.")]
    if impostor.status == ImpostorStatus.HANDLED:
        return [TextReply(f"{impostor.ref} was already marked handled.")]
    impostor.status, impostor.handled_on = ImpostorStatus.HANDLED, deps.clock.now().date()
    await impostors.save(impostor)
    return [TextReply(f"Marked {impostor.ref} handled.")]


ROUTES = Routes(
    actions={"impostor_form": open_form, "impostors_open": overview, "impostor_handled": handled},
    forms={"impostor": submit},
    typed={
        "impostor_form": ("fake account", "report a fake account", "impersonation"),
        "impostors_open": ("fake accounts",),
    },
    slash={"fake": "fake account", "fakes": "fake accounts"},
    menu=(MenuEntry("Report a fake account", "impostor_form", 55),),
    hints=(Hint("*fake accounts*", (Role.HR,), 85),),
)
