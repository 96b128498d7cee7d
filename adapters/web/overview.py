"""The overview page: the core's figures, as charts with their tables and CSV files."""

from __future__ import annotations

from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart
from adapters.web.security import view
from bot.features.dashboard import overview
from bot.features.dashboard.overview import Overview

NOT_YET = "Not yet"


def charts(o: Overview) -> dict[str, Chart]:
    """Every chart of the overview, by the key of its CSV file."""
    found: dict[str, Chart] = {}
    ack = o.policy.announcement
    if ack is not None:
        read = ack.read
        found["acknowledgements"] = Chart(
            "acknowledgements",
            f"Acknowledgements of \u201c{ack.title}\u201d",
            "Status",
            "people",
            (("Acknowledged", read.part), (NOT_YET, read.whole - read.part)),
            whole=read.whole,
            muted=frozenset({NOT_YET}),
        )
    if o.training is not None:
        done = o.training.completed
        found["training"] = Chart(
            "training",
            f"Training for version {o.training.version}",
            "Status",
            "people",
            (("Completed", done.part), (NOT_YET, done.whole - done.part)),
            whole=done.whole,
            muted=frozenset({NOT_YET}),
        )
    if o.cases is not None:
        found["cases"] = Chart(
            "cases",
            "Open cases by severity",
            "Severity",
            "cases",
            tuple((severity.capitalize(), n) for severity, n in o.cases.by_severity),
        )
    if o.survey is not None:
        answered = o.survey.responses
        found["survey"] = Chart(
            "survey",
            f"Responses to \u201c{o.survey.title}\u201d",
            "Status",
            "people",
            (("Answered", answered.part), (NOT_YET, max(answered.whole - answered.part, 0))),
            whole=answered.whole,
            muted=frozenset({NOT_YET}),
        )
    return found


async def page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard: the overview."""
    figures = await view(request, overview.compute)
    context = {"o": figures, "charts": charts(figures), "viewer": figures.viewer}
    return await render.page(request, "overview.html", context)


async def chart_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/charts/{key}.csv: one chart's figures."""
    chart = charts(await view(request, overview.compute)).get(request.match_info["key"])
    if chart is None:
        raise web.HTTPNotFound()
    return render.download(f"{chart.key}.csv", chart.csv())


def routes(app: web.Application) -> None:
    """Mount the overview on the dashboard's application."""
    app.router.add_get("", page)
    app.router.add_get("/", page)
    app.router.add_get("/charts/{key:[a-z-]+}.csv", chart_csv)
