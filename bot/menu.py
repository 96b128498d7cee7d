"""The help menu, built from what the features declare: the buttons a person's roles allow,
and the typed commands their roles add."""

from __future__ import annotations

from bot.catalog import ROUTES
from bot.deps import Deps
from bot.messages import Button, Choices, Reply
from bot.model import Person


def help_menu(deps: Deps, person: Person) -> Reply:
    """What the bot can do for this person."""
    buttons = tuple(
        Button(m.label, m.action) for m in ROUTES.menu if not m.roles or person.has(*m.roles)
    )
    commands = [h.text for h in ROUTES.hints if person.has(*h.roles)]
    text = deps.content.chat.help
    if commands:
        text += "\nFor your role you can also type: " + ", ".join(commands) + "."
    return Choices(text, buttons)
