"""Suggestions on the policy: anyone can propose a change or flag something unclear, with
their name or anonymously (then stored with no identity and only a day, like survey answers).
"""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.directory import require
from bot.features.review.review import inputs
from bot.messages import Action, Card, Field, Form, Option, Reply, Submission, TextReply
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, Routes
from bot.text import clean, shorten

log = logging.getLogger(__name__)
CONTEXT = b"suggestion"
MAX_CHARS = 1500
KINDS = {"change": "Suggest a change", "unclear": "Something is unclear"}
PRIVACY = (
    "Anonymous suggestions are stored with no name, no account and no time finer than the "
    "day. Do not write anything that identifies you if you want to stay anonymous."
)


def form(deps: Deps, section: str = "", fields: dict[str, str] | None = None) -> Form:
    """The suggestion form, opened on a section when one is known."""
    given = fields or {}
    sections = deps.content.current.sections
    return Form(
        "suggest",
        "Improve the policy",
        (
            Field(
                "section",
                "Which part of the policy",
                "select",
                options=tuple(Option(s.title, s.id) for s in sections),
                initial=given.get("section") or section or sections[0].id,
            ),
            Field(
                "kind",
                "What is it",
                "select",
                options=tuple(Option(label, kind) for kind, label in KINDS.items()),
                initial=given.get("kind", "change"),
            ),
            Field(
                "text",
                "Your suggestion",
                "textarea",
                max_length=MAX_CHARS,
                initial=given.get("text", ""),
            ),
            Field(
                "identity",
                "Send it",
                "select",
                options=(Option("Anonymously", "anonymous"), Option("With my name", "named")),
                initial=given.get("identity", "anonymous"),
            ),
        ),
        submit_label="Send",
        intro=PRIVACY,
    )


async def open_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """ "Suggest a change" (on an answer, with its section) or typed `suggest`."""
    return [form(deps, a.value)]


async def submit(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """Store a suggestion; an anonymous one carries no trace of who sent it."""
    fields = dict(f.fields)
    text = clean(fields.get("text", ""))
    section = fields.get("section", "")
    kind = fields.get("kind", "change")
    errors = {}
    if not text:
        errors["text"] = "Write your suggestion."
    elif len(text) > MAX_CHARS:
        errors["text"] = f"Keep it under {MAX_CHARS} characters."
    if deps.content.current.section(section) is None:
        errors["section"] = "Choose a part of the policy."
    if kind not in KINDS:
        errors["kind"] = "Choose what it is."
    if errors:
        again = form(deps, section, fields)
        return [Form(again.form_id, again.title, again.fields, again.submit_label, errors=errors)]
    named = fields.get("identity") == "named"
    await uow.suggestions.add(
        section,
        kind,
        deps.cipher.seal(text.encode(), CONTEXT),
        person.id if named else None,
        deps.clock.now().date(),
        deps.content.current.version,
    )
    log.info("suggestion received")  # no section, no identity: nothing to correlate
    how = "with your name" if named else "anonymously"
    return [TextReply(f"Thank you: your suggestion reached the policy owner {how}.")]


async def overview(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """The policy owner's view: suggestions grouped by section, with the FAQ's gaps."""
    require(person, Role.HR)
    found = await inputs(deps, uow)
    lines = []
    for section_id, items in found.by_section.items():
        section = deps.content.current.section(section_id)
        title = section.title if section else section_id
        named = sum(1 for _, _, who in items if who)
        unhelpful = found.unhelpful_by_section.get(section_id, 0)
        lines.append(
            f"*{title}*: {len(items)} suggestion{'s' if len(items) != 1 else ''}"
            f" ({named} named)" + (f", {unhelpful} \u201cnot helpful\u201d" if unhelpful else "")
        )
        for kind, text, who in items[:3]:
            by = f" \u2014 {who}" if who else ""
            lines.append(f"   {KINDS[kind]}: \u201c{shorten(text, 200)}\u201d{by}")
    for section_id, count in found.unhelpful_by_section.items():
        if section_id not in found.by_section:
            section = deps.content.current.section(section_id)
            title = section.title if section else section_id
            lines.append(f"*{title}*: {count} \u201cnot helpful\u201d, no suggestion")
    if found.unanswered:
        shown = found.unanswered[:5]
        more = len(found.unanswered) - len(shown)
        lines.append(f"*Questions the bot could not answer*: {len(found.unanswered)}")
        lines += [f"   \u201c{shorten(q, 120)}\u201d" for q in shown]
        if more:
            lines.append(f"   and {more} more: every one in `policybot policy review-summary`")
    body = "\n".join(lines) or "No suggestions or unanswered questions since this version."
    return [Card(f"Suggestions since version {deps.content.current.version}", body)]


async def _overview(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await overview(deps, uow, person)


ROUTES = Routes(
    actions={"suggest_form": open_form, "suggestions_open": _overview},
    forms={"suggest": submit},
    typed={
        "suggest_form": ("suggest", "suggest a change", "suggestion", "improve the policy"),
        "suggestions_open": ("suggestions", "policy suggestions"),
    },
    slash={"suggest": "suggest", "suggestions": "suggestions"},
    hints=(Hint("*suggestions*", (Role.HR,), 80),),
)
