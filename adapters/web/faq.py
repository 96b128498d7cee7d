"""The FAQ page: where answers fall short, a question tried on the matcher, and HR's changes
(a question people asked made a phrasing of an entry, or a new entry, in one step).

Every change posts (with its token) and is answered with a redirect to the page
(post-redirect-get); the matcher takes the change up before the redirect, so the next
question is answered with it.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import yaml
from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart, cell
from adapters.web.security import form, view
from bot.deps import Deps
from bot.features.faq import editing
from bot.features.faq.store import ChangeKind, FaqChange
from bot.model import Person
from bot.ports import UnitOfWork

DONE = {
    "phrasing": "The phrasing is added: the bot answers it from now on.",
    "entry": "The entry is added: the bot answers it from now on.",
    "retired": "The change is retired: the bot no longer answers from it. It stays below.",
}
SHOWN = 10  # topics drawn in the chart


def unhelpful_chart(b: editing.Board) -> Chart:
    """ "Not helpful" votes of the topics that have any, most first."""
    rows = tuple((t.faq_id, t.unhelpful) for t in b.topics if t.unhelpful)[:SHOWN]
    return Chart("unhelpful", '"Not helpful" votes by topic', "Topic", "votes", rows)


async def _refresh(request: web.Request) -> None:
    await view(request, lambda deps, uow, person: editing.refresh(deps, uow))


async def page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/faq, with `q` a question tried on the matcher."""
    return await _page(request, DONE.get(request.query.get("done", ""), ""))


async def _page(
    request: web.Request, done: str = "", problem: str = "", status: int = 200
) -> web.StreamResponse:
    question = request.query.get("q", "")

    async def build(
        deps: Deps, uow: UnitOfWork, person: Person
    ) -> tuple[editing.Board, editing.Trial | None, str]:
        b = await editing.board(deps, uow, person)
        if not question.strip():
            return b, None, ""
        try:
            return b, await editing.trial(deps, person, question), ""
        except editing.Invalid as invalid:
            return b, None, invalid.errors["question"]

    b, trial, trial_problem = await view(request, build)
    context = {
        "b": b,
        "viewer": b.viewer,
        "chart": unhelpful_chart(b),
        "trial": trial,
        "q": question,
        "trial_problem": trial_problem,
        "done": done,
        "problem": problem,
    }
    return await render.page(request, "faq.html", context, status=status)


async def try_question(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/faq/try?q=: the trial alone, for htmx; the whole page otherwise."""
    question = request.query.get("q", "")
    if request.headers.get("HX-Request") != "true":
        raise web.HTTPSeeOther(f"/dashboard/faq?{urlencode({'q': question})}#trial")

    async def build(
        deps: Deps, uow: UnitOfWork, person: Person
    ) -> tuple[str, editing.Trial | None, str]:
        try:
            return person.display_name, await editing.trial(deps, person, question), ""
        except editing.Invalid as invalid:
            return person.display_name, None, invalid.errors["question"]

    viewer, trial, problem = await view(request, build)
    context = {"viewer": viewer, "trial": trial, "q": question, "trial_problem": problem}
    return await render.page(request, "faq_trial.html", context)


async def add_phrasing(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/faq/phrasings: `text` as a new phrasing of entry `faq_id`; or the page
    again, saying what is wrong (nothing stored)."""
    fields = await form(request)

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> str:
        faq_id, text = fields.get("faq_id", ""), fields.get("text", "")
        try:
            await editing.add_phrasing(deps, uow, person, faq_id, text, fields.get("source", ""))
        except editing.Invalid as invalid:
            return " ".join(invalid.errors.values())
        return ""

    problem = await view(request, build)
    if problem:
        return await _page(request, problem=f"Not added: {problem}", status=400)
    await _refresh(request)
    raise web.HTTPSeeOther("/dashboard/faq?done=phrasing")


Sections = list[tuple[str, str]]


async def new_entry(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/faq/new: the new entry form, filled from an answered HR question
    (`ticket`, its reference) when given."""
    ref = request.query.get("ticket", "")

    async def build(
        deps: Deps, uow: UnitOfWork, person: Person
    ) -> tuple[str, dict[str, str], Sections]:
        sections = editing.sections(deps, person)
        if not ref:
            return person.display_name, {}, sections
        found = await editing.ticket(uow, person, ref)
        values = {
            "question": found.question,
            "answer": found.answer or "",
            "source": f"ticket {found.ref}",
        }
        return person.display_name, values, sections

    viewer, values, sections = await view(request, build)
    return await _entry_form(request, viewer, values, {}, sections)


async def _entry_form(
    request: web.Request,
    viewer: str,
    values: dict[str, str],
    errors: dict[str, str],
    sections: Sections,
) -> web.StreamResponse:
    context = {"viewer": viewer, "values": values, "errors": errors, "sections": sections}
    status = 400 if errors else 200
    return await render.page(request, "faq_entry.html", context, status=status)


async def add_entry(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/faq/entries: a new entry; or the form again with its problems."""
    fields = await form(request)

    async def build(
        deps: Deps, uow: UnitOfWork, person: Person
    ) -> tuple[str, dict[str, str], Sections]:
        sections = editing.sections(deps, person)
        try:
            await editing.add_entry(deps, uow, person, fields, fields.get("source", ""))
        except editing.Invalid as invalid:
            return person.display_name, invalid.errors, sections
        return person.display_name, {}, sections

    viewer, errors, sections = await view(request, build)
    if errors:
        return await _entry_form(request, viewer, fields, errors, sections)
    await _refresh(request)
    raise web.HTTPSeeOther("/dashboard/faq?done=entry")


async def retire(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/faq/changes/{id}/retire."""
    await form(request)
    change_id = request.match_info["id"]
    await view(request, lambda deps, uow, person: editing.retire(deps, uow, person, change_id))
    await _refresh(request)
    raise web.HTTPSeeOther("/dashboard/faq?done=retired")


async def topics_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/faq/topics.csv: every topic's figures since the current version."""
    b = await view(request, editing.board)
    out = io.StringIO()
    out.write("topic,question,section,answers,helpful,not_helpful,phrasings,added_here\r\n")
    for t in b.topics:
        row = [t.faq_id, t.question, t.section, t.answered, t.helpful, t.unhelpful, t.phrasings]
        out.write(",".join(_csv_cell(cell(str(v))) for v in row))
        out.write(f",{'yes' if t.added else 'no'}\r\n")
    return _download("faq-topics.csv", "text/csv", out.getvalue())


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def as_yaml(changes: list[FaqChange]) -> str:
    """The changes in force as `content/faq` YAML, to fold them into the content files."""
    entries = [
        {
            "id": c.faq_id,
            "question": c.text,
            "answer": c.answer,
            "section": c.section,
            "phrasings": list(c.phrasings),
        }
        for c in changes
        if c.kind is ChangeKind.ENTRY
    ]
    phrasings: dict[str, list[str]] = {}
    for c in changes:
        if c.kind is ChangeKind.PHRASING:
            phrasings.setdefault(c.faq_id, []).append(c.text)
    body = {"new_entries": entries, "new_phrasings": phrasings}
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=96)


async def changes_yaml(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/faq/changes.yaml: the changes in force, as content YAML."""
    b = await view(request, editing.board)
    live = [h.change for h in reversed(b.history) if h.change.retired_at is None]
    return _download("faq-changes.yaml", "application/yaml", as_yaml(live))


def _download(name: str, kind: str, body: str) -> web.Response:
    return render.download(name, body, kind)


def routes(app: web.Application) -> None:
    """Mount the FAQ page on the dashboard's application."""
    app.router.add_get("/faq", page)
    app.router.add_get("/faq/try", try_question)
    app.router.add_post("/faq/phrasings", add_phrasing)
    app.router.add_get("/faq/new", new_entry)
    app.router.add_post("/faq/entries", add_entry)
    app.router.add_post("/faq/changes/{id:[A-Za-z0-9]{1,32}}/retire", retire)
    app.router.add_get("/faq/topics.csv", topics_csv)
    app.router.add_get("/faq/changes.yaml", changes_yaml)
