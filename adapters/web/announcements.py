"""The announcements pages (HR): the list, compose with a preview, send or cancel, figures, CSV.

Composing stores a draft and shows it as recipients will see it, with its audience's head
count; nothing goes out until *Send* is pressed. Forms post with their token and answer with
a redirect (post-redirect-get), except a compose form with problems, shown again with them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart, cell
from adapters.web.security import form, view
from bot.deps import Deps
from bot.features.announcements import card, service
from bot.messages import Form
from bot.model import Person
from bot.ports import UnitOfWork

ID = "{id:[Aa]-[A-Za-z0-9]{4,12}}"
DONE = {
    "drafted": "Draft saved. Check the preview, then send it or cancel it.",
    "scheduled": "Confirmed: it goes out at the time shown (the delivery figures follow).",
    "cancelled": "Cancelled. Nothing was sent.",
    "corrected": "Corrected: delivered messages are being updated in place.",
}
REMINDED = "Reminded {n}: the announcement went to them again as a reminder."
FIELDS = ("title", "summary", "link", "version", "ack", "audience", "channels", "when")


def delivery_chart(d: service.Detail) -> Chart:
    """Delivered, waiting, failed by reason, and (when asked for) acknowledged."""
    f = d.figures
    rows: list[tuple[str, int]] = [("Delivered", f.delivered), ("Waiting", f.pending)]
    rows += [(f"Failed: {reason}", n) for reason, n in sorted(f.failed.items())]
    if d.announcement.ack_required:
        rows.append(("Acknowledged", f.acknowledged))
    return Chart(
        "delivery",
        f"Delivery of {d.announcement.id}",
        "Status",
        "recipients",
        tuple(rows),
        whole=f.recipients or None,
        muted=frozenset({"Waiting"}),
    )


def _one(announcement_id: str) -> Any:
    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> service.Detail:
        return await service.detail(deps, uow, person, announcement_id)

    return build


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements."""
    b = await view(request, service.board)
    return await render.page(request, "announcements.html", {"b": b, "viewer": b.viewer})


async def compose_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements/new: the compose form, as the chat's."""

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> tuple[str, Form]:
        return person.display_name, await service.compose(deps, uow, person)

    viewer, found = await view(request, build)
    return await render.page(request, "compose.html", {"form": found, "viewer": viewer})


async def create(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/announcements: store a draft, then to its preview; or the form again,
    with its problems (nothing stored)."""
    fields = await form(request)
    values = {k: fields.get(k, "") for k in FIELDS}
    values["when"] = values["when"].replace("T", " ")  # a datetime-local input's value

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> tuple[str, Form | str]:
        try:
            return person.display_name, (await service.draft(deps, uow, person, values)).id
        except service.Invalid as invalid:
            again = await service.compose(deps, uow, person, values)
            return person.display_name, replace(again, errors=invalid.errors)

    viewer, found = await view(request, build)
    if isinstance(found, Form):
        context = {"form": found, "viewer": viewer}
        return await render.page(request, "compose.html", context, status=400)
    raise web.HTTPSeeOther(f"/dashboard/announcements/{found}?done=drafted")


async def detail_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements/{id}: preview, figures, who has not acknowledged."""
    d = await view(request, _one(request.match_info["id"]))
    context = {
        "d": d,
        "viewer": d.viewer,
        "card": card.message(d.announcement, preview=True),
        "chart": delivery_chart(d),
        "acks": acks_chart(d),
        "done": _done(request),
        "problem": request.query.get("problem", "") and PROBLEM,
    }
    return await render.page(request, "announcement.html", context)


def _done(request: web.Request) -> str:
    done = request.query.get("done", "")
    if done == "reminded":
        n = int(request.query.get("n", "0") or 0) if request.query.get("n", "").isdigit() else 0
        return REMINDED.format(n="nobody" if n == 0 else f"{n} {'person' if n == 1 else 'people'}")
    return DONE.get(done, "")


def acks_chart(d: service.Detail) -> Chart:
    """Acknowledgements so far, day by day, as shares of the people it reached."""
    total, rows = 0, []
    for day, n in d.acknowledged:
        total += n
        rows.append((f"{day.day} {day:%b}", total))
    return Chart(
        "acknowledged",
        "Acknowledged so far, by day",
        "Day",
        "people",
        tuple(rows),
        whole=d.figures.delivered or None,
    )


PROBLEM = "That cannot be done any more: the announcement has moved on. Its status is shown."


async def _change(request: web.Request, done: str, change: Any) -> web.StreamResponse:
    await form(request)
    announcement_id = request.match_info["id"].upper()

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> bool:
        try:
            await change(deps, uow, person, announcement_id)
        except service.Refused:
            return False
        return True

    ok = await view(request, build)
    where = f"/dashboard/announcements/{announcement_id}"
    raise web.HTTPSeeOther(f"{where}?done={done}" if ok else f"{where}?problem=1")


async def send(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/announcements/{id}/send: confirm the draft."""
    return await _change(request, "scheduled", service.schedule)


async def cancel(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/announcements/{id}/cancel: before it starts."""
    return await _change(request, "cancelled", service.withdraw)


async def remind(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/announcements/{id}/remind: everyone who has not acknowledged, now."""
    await form(request)
    announcement_id = request.match_info["id"].upper()

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> int | None:
        try:
            return await service.remind_now(deps, uow, person, announcement_id)
        except service.Refused:
            return None

    n = await view(request, build)
    where = f"/dashboard/announcements/{announcement_id}"
    raise web.HTTPSeeOther(f"{where}?problem=1" if n is None else f"{where}?done=reminded&n={n}")


async def correct_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements/{id}/correct: the correction form, as the chat's."""
    announcement_id = request.match_info["id"].upper()

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> tuple[str, Form]:
        return person.display_name, await service.correction(deps, uow, person, announcement_id)

    viewer, found = await view(request, build)
    context = {"form": found, "viewer": viewer, "announcement_id": announcement_id}
    return await render.page(request, "correct.html", context)


async def correct(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/announcements/{id}/correct: the new text; or the form again."""
    fields = await form(request)
    values = {k: fields.get(k, "") for k in ("title", "summary", "link")}
    announcement_id = request.match_info["id"].upper()

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> tuple[str, Form | None]:
        try:
            await service.correct(deps, uow, person, announcement_id, values)
        except service.Invalid as invalid:
            again = await service.correction(deps, uow, person, announcement_id)
            filled = tuple(replace(f, initial=values[f.name]) for f in again.fields)
            return person.display_name, replace(again, fields=filled, errors=invalid.errors)
        except service.Refused:
            return person.display_name, None
        return person.display_name, None

    viewer, again = await view(request, build)
    if again is not None:
        context = {"form": again, "viewer": viewer, "announcement_id": announcement_id}
        return await render.page(request, "correct.html", context, status=400)
    raise web.HTTPSeeOther(f"/dashboard/announcements/{announcement_id}?done=corrected")


async def preview(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/announcements/preview (htmx, from the compose form as one types): the
    card in Slack and in Teams, and the audience's head count; nothing is stored."""
    fields = await form(request)
    values = {k: fields.get(k, "") for k in FIELDS}
    values["when"] = values["when"].replace("T", " ")

    async def build(
        deps: Deps, uow: UnitOfWork, person: Person
    ) -> tuple[str, tuple[Any, int, dict[str, str]]]:
        return person.display_name, await service.sample(deps, uow, person, values)

    viewer, (card, head_count, errors) = await view(request, build)
    context = {
        "viewer": viewer,
        "sample": card,
        "head_count": head_count,
        "problems": sorted(errors),
        "ack": values["ack"] != "no",
        "version": int(values["version"]) if values["version"].isdigit() else None,
    }
    return await render.page(request, "preview.html", context)


async def acknowledged_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements/{id}/acknowledged.csv: the acknowledgements chart's rows."""
    d = await view(request, _one(request.match_info["id"]))
    return _csv(f"{d.announcement.id}-acknowledged", acks_chart(d).csv())


def _csv(name: str, body: str) -> web.Response:
    return render.download(f"{name}.csv", body)


async def delivery_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements/{id}/delivery.csv: the chart's figures."""
    d = await view(request, _one(request.match_info["id"]))
    return _csv(f"{d.announcement.id}-delivery", delivery_chart(d).csv())


async def recipients_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/announcements/{id}/recipients.csv: one row per recipient (as the CLI)."""
    announcement_id = request.match_info["id"]

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> list[dict[str, Any]]:
        d = await service.detail(deps, uow, person, announcement_id)
        return await service.recipient_rows(uow, d.announcement.id)

    rows = await view(request, build)
    out = io.StringIO()
    writer = csv.DictWriter(out, service.RECIPIENT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: cell(str(v)) for k, v in row.items()})
    return _csv(f"{announcement_id.upper()}-recipients", out.getvalue())


def routes(app: web.Application) -> None:
    """Mount the announcements pages on the dashboard's application."""
    app.router.add_get("/announcements", list_page)
    app.router.add_get("/announcements/new", compose_page)
    app.router.add_post("/announcements", create)
    app.router.add_post("/announcements/preview", preview)
    app.router.add_get(f"/announcements/{ID}", detail_page)
    app.router.add_post(f"/announcements/{ID}/send", send)
    app.router.add_post(f"/announcements/{ID}/cancel", cancel)
    app.router.add_get(f"/announcements/{ID}/delivery.csv", delivery_csv)
    app.router.add_get(f"/announcements/{ID}/recipients.csv", recipients_csv)
    app.router.add_get(f"/announcements/{ID}/acknowledged.csv", acknowledged_csv)
    app.router.add_post(f"/announcements/{ID}/remind", remind)
    app.router.add_get(f"/announcements/{ID}/correct", correct_page)
    app.router.add_post(f"/announcements/{ID}/correct", correct)
