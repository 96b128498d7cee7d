"""Slow parts of handling a form, done before its unit of work opens.

Hashing or checking a passphrase takes tens of milliseconds of CPU; inside the transaction it
would hold a database connection all that time (SQLite has only one). A form listed here has
a step that does its slow part first and returns the handler to run in the unit of work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.deps import Deps
from bot.features.reports import followup, reports
from bot.features.reports.reports import FormHandler
from bot.messages import Incoming, Submission

STEPS: dict[str, Callable[[Deps, Submission], Awaitable[FormHandler]]] = {
    "report": reports.prepare,
    "report_followup": followup.prepare_followup,
}


@dataclass(frozen=True, slots=True)
class Prepared(Submission):
    """A submission whose slow part is done; `run` handles the rest in the unit of work."""

    run: FormHandler | None = None


async def prepare(deps: Deps, incoming: Incoming) -> Incoming:
    """`incoming` with its slow part done, when its form has one (else unchanged)."""
    if not isinstance(incoming, Submission) or isinstance(incoming, Prepared):
        return incoming
    step = STEPS.get(incoming.form_id)
    if step is None:
        return incoming
    run = await step(deps, incoming)
    i = incoming
    return Prepared(i.user, i.conversation, i.form_id, i.fields, i.context, run)
