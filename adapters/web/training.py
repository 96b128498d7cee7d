"""The training page: completion by department and by manager, who is overdue, the most
missed questions, and (for HR) the modules the current version requires."""

from __future__ import annotations

from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart
from adapters.web.security import form, view
from bot.deps import Deps
from bot.features.training import status as training_status
from bot.features.training.status import TrainingFigures
from bot.model import Person
from bot.ports import UnitOfWork

DONE = "Saved: the required modules are the ones ticked below."


def charts(f: TrainingFigures) -> dict[str, Chart]:
    """Every chart of the page, by the key of its CSV file."""
    found = {
        "departments": Chart(
            "departments",
            "Completed, by department",
            "Department",
            "completed",
            tuple((g.name, g.done) for g in f.by_department),
            totals=tuple(g.total for g in f.by_department),
        ),
        "managers": Chart(
            "managers",
            "Completed, by manager",
            "Manager",
            "completed",
            tuple((g.name, g.done) for g in f.by_manager),
            totals=tuple(g.total for g in f.by_manager),
        ),
    }
    if f.missed:
        found["missed"] = Chart(
            "missed",
            "Most missed questions",
            "Question",
            "missed",
            tuple((m.question_id, m.missed) for m in f.missed),
            totals=tuple(m.answers for m in f.missed),
        )
    return found


async def _page(request: web.Request, problem: str = "", status: int = 200) -> web.StreamResponse:
    f = await view(request, training_status.figures)
    context = {
        "f": f,
        "charts": charts(f),
        "viewer": f.viewer,
        "done": DONE if request.query.get("done") == "saved" else "",
        "problem": problem,
    }
    return await render.page(request, "training.html", context, status=status)


async def page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/training."""
    return await _page(request)


async def chart_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/training/{key}.csv: one chart's figures."""
    chart = charts(await view(request, training_status.figures)).get(request.match_info["key"])
    if chart is None:
        raise web.HTTPNotFound()
    return render.download(f"training-{chart.key}.csv", chart.csv())


async def required(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/training/required: HR sets the current version's required modules."""
    fields = await form(request)
    chosen = set(fields.get("modules", "").split(","))

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> str:
        try:
            await training_status.set_required(deps, uow, person, chosen)
        except training_status.Invalid as invalid:
            return str(invalid)
        return ""

    problem = await view(request, build)
    if problem:
        return await _page(request, problem, status=400)
    raise web.HTTPSeeOther("/dashboard/training?done=saved")


def routes(app: web.Application) -> None:
    """Mount the training page on the dashboard's application."""
    app.router.add_get("/training", page)
    app.router.add_get("/training/{key:[a-z]+}.csv", chart_csv)
    app.router.add_post("/training/required", required)
