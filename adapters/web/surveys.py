"""The surveys pages (HR): campaigns (open, remind, close) and a campaign's results.

Results show only what passes the anonymity thresholds (the core filters them): a chart per
question with its table and CSV, the departments that may be broken out, comments in random
order. Forms post with their token and answer with a redirect, except a campaign form with
problems, shown again with them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart
from adapters.web.security import form, view
from bot.deps import Deps
from bot.features.surveys import admin, writer
from bot.features.surveys.results import QuestionResult, Results
from bot.features.surveys.rules import LIKERT
from bot.model import Person
from bot.ports import UnitOfWork

ID = "{id:[A-Za-z0-9]{1,32}}"
FIELDS = ("survey", "audience", "starts", "days")
DONE = {
    "opened": "The survey is open: invitations go out on its opening day.",
    "reminded": "Reminders are on their way to those who have not answered.",
    "closed": "Closed. No more answers are accepted.",
}
PROBLEM = "That cannot be done: the survey is not open any more. Its state is shown."


def question_chart(r: Results, q: QuestionResult) -> Chart:
    """One question's answers, every option listed (those nobody chose as 0)."""
    spec = next(x for x in r.survey.questions if x.id == q.id)
    if spec.kind == "likert":
        rows = tuple((label, q.counts.get(str(n), 0)) for n, label in enumerate(LIKERT, start=1))
    else:
        rows = tuple((option, q.counts.get(option, 0)) for option in spec.options)
    # Several options may be ticked on a multiple choice: each is a share of the people.
    whole = r.participants if spec.kind == "multiple" else q.answers
    return Chart(f"q-{q.id}", q.text, "Answer", "answers", rows, whole=whole or None)


def charts(r: Results) -> dict[str, Chart]:
    """The results' charts, by question id (none below the threshold)."""
    return {q.id: question_chart(r, q) for q in r.questions} if r.shown else {}


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/surveys: the campaigns, and the form to open one."""
    b = await view(request, admin.board)
    context = {
        "b": b,
        "viewer": b.viewer,
        "done": DONE.get(request.query.get("done", ""), ""),
        "problem": request.query.get("problem", "") and PROBLEM,
    }
    return await render.page(request, "surveys.html", context)


async def create(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/surveys: open a campaign; or the page again with the form's problems."""
    fields = await form(request)
    values = {k: fields.get(k, "") for k in FIELDS}

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> admin.Board | None:
        try:
            await admin.open_campaign(deps, uow, person, values)
        except admin.Invalid as invalid:
            return await admin.board(deps, uow, person, values, invalid.errors)
        return None

    again = await view(request, build)
    if again is None:
        raise web.HTTPSeeOther("/dashboard/surveys?done=opened")
    context = {"b": again, "viewer": again.viewer, "done": "", "problem": ""}
    return await render.page(request, "surveys.html", context, status=400)


async def write_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/surveys/write: the form to write a survey or a quick poll."""

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> tuple[str, writer.Blank]:
        return person.display_name, await writer.blank(deps, uow, person)

    viewer, blank = await view(request, build)
    return await _write_form(request, viewer, blank, {}, {})


async def _write_form(
    request: web.Request,
    viewer: str,
    blank: writer.Blank,
    values: dict[str, str],
    errors: dict[str, str],
) -> web.StreamResponse:
    context = {
        "viewer": viewer,
        "blank": blank,
        "values": values,
        "errors": errors,
        "questions": writer.QUESTIONS,
        "kinds": writer.KINDS,
    }
    return await render.page(request, "survey_write.html", context, 400 if errors else 200)


async def write(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/surveys/write: open a campaign of the survey written; or the form
    again with its problems (nothing stored)."""
    fields = await form(request)

    async def build(
        deps: Deps, uow: UnitOfWork, person: Person
    ) -> tuple[str, writer.Blank, dict[str, str]]:
        blank = await writer.blank(deps, uow, person)
        try:
            await writer.open_written(deps, uow, person, fields)
        except admin.Invalid as invalid:
            return person.display_name, blank, invalid.errors
        return person.display_name, blank, {}

    viewer, blank, errors = await view(request, build)
    if errors:
        return await _write_form(request, viewer, blank, fields, errors)
    raise web.HTTPSeeOther("/dashboard/surveys?done=opened")


async def _change(request: web.Request, done: str, change: Any) -> web.StreamResponse:
    await form(request)
    campaign_id = request.match_info["id"]

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> bool:
        try:
            await change(deps, uow, person, campaign_id)
        except admin.Refused:
            return False
        return True

    ok = await view(request, build)
    raise web.HTTPSeeOther(
        f"/dashboard/surveys?done={done}" if ok else "/dashboard/surveys?problem=1"
    )


async def remind(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/surveys/{id}/remind: those in the audience who have not answered."""
    return await _change(request, "reminded", admin.remind)


async def close(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/surveys/{id}/close: no more answers."""
    return await _change(request, "closed", admin.close)


def _one(campaign_id: str) -> Any:
    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> admin.Outcome:
        return await admin.results(deps, uow, person, campaign_id)

    return build


async def results_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/surveys/{id}: the results, as far as the thresholds allow."""
    o = await view(request, _one(request.match_info["id"]))
    context = {"o": o, "r": o.results, "charts": charts(o.results), "viewer": o.viewer}
    return await render.page(request, "survey.html", context)


async def question_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/surveys/{id}/{question}.csv: one chart's figures."""
    o = await view(request, _one(request.match_info["id"]))
    chart = charts(o.results).get(request.match_info["question"])
    if chart is None:
        raise web.HTTPNotFound()
    return render.download(f"survey-{chart.key}.csv", chart.csv())


def routes(app: web.Application) -> None:
    """Mount the surveys pages on the dashboard's application."""
    app.router.add_get("/surveys", list_page)
    app.router.add_post("/surveys", create)
    app.router.add_get("/surveys/write", write_page)
    app.router.add_post("/surveys/write", write)
    app.router.add_get(f"/surveys/{ID}", results_page)
    app.router.add_post(f"/surveys/{ID}/remind", remind)
    app.router.add_post(f"/surveys/{ID}/close", close)
    app.router.add_get(f"/surveys/{ID}/{{question:[a-z0-9-]+}}.csv", question_csv)
