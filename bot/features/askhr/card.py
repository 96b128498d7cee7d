"""The cards of ask HR: the question as HR sees it, and HR's answer as the asker sees it."""

from __future__ import annotations

from bot.features.askhr.model import Ticket, TicketStatus
from bot.messages import Button, Card
from bot.model import Person
from bot.text import shorten


def hr_card(ticket: Ticket, asker: Person, assignee: Person | None = None) -> Card:
    """What HR sees for one ticket: who asked, and who of HR has taken it."""
    facts = [("From", asker.display_name), ("Status", ticket.status.value)]
    if assignee is not None:
        facts.append(("Assigned to", assignee.display_name))
    if asker.department:
        facts.insert(1, ("Department", asker.department))
    if ticket.answer:
        facts.append(("Answer", ticket.answer))
    buttons: tuple[Button, ...] = ()
    if ticket.status in (TicketStatus.OPEN, TicketStatus.ASSIGNED):
        buttons = (
            Button("Assign to me", "ticket_assign", ticket.id),
            Button("Answer", "ticket_answer", ticket.id, style="primary"),
        )
    return Card(f"Question for HR {ticket.ref}", ticket.question, tuple(facts), buttons)


def answer_card(ticket: Ticket, answerer: Person) -> Card:
    """What the asker receives: HR's answer, and a button to say it settles the question."""
    return Card(
        "HR answered your question",
        ticket.answer or "",
        (("Your question", shorten(ticket.question, 500)), ("Reference", ticket.ref)),
        (Button("That answers it", "ticket_close", ticket.id),),
        footer=f"Answered by {answerer.display_name}",
    )
