"""`policybot chat`: a terminal conversation with the core."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.render import plain, render
from app import Services
from bot.directory import Profile
from bot.dispatch import handle
from bot.messages import Action, Button, ConversationRef, Form, Reply, Submission, Text, UserRef

PROMPT = "you> "


class ConsoleChat:
    """Reads lines, sends them to the core, prints the replies and any notifications."""

    def __init__(self, services: Services, email: str, name: str, out: TextIO = sys.stdout) -> None:
        self.services = services
        self.user = UserRef("console", email.lower())
        self.conversation = ConversationRef("console", email.lower())
        self.profile = Profile(display_name=name, email=email.lower())
        self.out = out
        self.buttons: list[Button] = []

    def say(self, text: str) -> None:
        """Print one block of bot output."""
        self.out.write(text + "\n")
        self.out.flush()

    async def read(self, prompt: str) -> str | None:
        """One line from stdin, or None at end of input."""
        self.out.write(prompt)
        self.out.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        return None if line == "" else line.rstrip("\n")

    async def run(self) -> None:
        """The conversation loop, until end of input or `/quit`."""
        self.say(
            "Policy Bot: ask about the social media policy. Type help for options, /quit to leave."
        )
        await self.send(Text(self.user, self.conversation, "help"))
        while True:
            await self.show_notifications()
            line = await self.read(PROMPT)
            if line is None or line.strip() in ("/quit", "/exit"):
                self.say("Bye!")
                return
            stripped = line.strip()
            if stripped.isdigit() and 1 <= int(stripped) <= len(self.buttons):
                b = self.buttons[int(stripped) - 1]
                await self.send(Action(self.user, self.conversation, b.action_id, b.value))
            else:
                await self.send(Text(self.user, self.conversation, line))

    async def send(self, incoming: Text | Action | Submission) -> None:
        """Hand one message to the core and show what comes back."""
        replies = await handle(self.services.deps, incoming, self.profile)
        await self.show(replies)

    async def show(self, replies: list[Reply]) -> None:
        """Print replies; a form is filled in field by field."""
        self.buttons = []
        for reply in replies:
            if isinstance(reply, Form):
                await self.fill(reply)
                return
            text, buttons = render(reply, first=len(self.buttons) + 1)
            self.say("bot> " + text.replace("\n", "\n     "))
            self.buttons.extend(buttons)

    async def fill(self, form: Form) -> None:
        """Ask each field in turn; `cancel` drops the form and nothing is sent."""
        text, _ = render(form)
        self.say("bot> " + text.replace("\n", "\n     "))
        self.say("     (type cancel to drop this form)")
        values: dict[str, str] = {}
        for field in form.fields:
            if field.name in form.errors:
                self.say(f"     ! {form.errors[field.name]}")
            label = field.label + ("" if field.required else " (optional)")
            if field.initial:
                self.say(f"     {label} (press Enter to keep: {plain(field.initial)})")
            for i, option in enumerate(field.options, start=1):
                self.say(f"     [{i}] {option.label}")
            line = await self.read(f"     {label}: ")
            if line is None or line.strip().lower() == "cancel":
                self.say("bot> Cancelled. Nothing was sent.")
                return
            value = line.strip() or field.initial
            if field.kind == "multiselect":  # "1,3" picks the first and third options
                picks = [p.strip() for p in value.split(",") if p.strip()]
                value = ",".join(
                    field.options[int(p) - 1].value
                    if p.isdigit() and 1 <= int(p) <= len(field.options)
                    else p
                    for p in picks
                )
            elif field.options and value.isdigit() and 1 <= int(value) <= len(field.options):
                value = field.options[int(value) - 1].value
            values[field.name] = value
        await self.send(
            Submission(self.user, self.conversation, form.form_id, values, form.context)
        )

    async def show_notifications(self) -> None:
        """Print messages other people's actions left for this user (e.g. HR's answers)."""
        async with self.services.store() as uow:
            person = await uow.people.by_user(self.user)
        if person is None:
            return
        pending = await self.services.outbox.pending(person.id)
        if not pending:
            return
        for _, summary, reply in pending:
            self.say(f"bot> [notification] {summary}")
            await self.show([reply])
        await self.services.outbox.delivered([i for i, _, _ in pending])
