"""`policybot chat`: a terminal conversation with the core."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.channel import Core
from adapters.console import form as prompts
from adapters.console.render import plain, render
from bot import entry
from bot.directory import Profile
from bot.dispatch import handle
from bot.messages import (
    Action,
    Button,
    ConversationRef,
    Field,
    Form,
    Reply,
    Submission,
    Text,
    UserRef,
)

PROMPT = "you> "
POLL_SECONDS = 1.0  # how often notifications are looked for while the prompt waits
_CLEAR = "\033[3J\033[2J\033[H"  # clear the screen and the scrollback


class _Quit(Exception):
    """`/quit` typed inside a form (`unsent`: the form had not been sent yet)."""

    def __init__(self, unsent: bool = True) -> None:
        super().__init__()
        self.unsent = unsent


class ConsoleChat:
    """Reads lines, sends them to the core, prints the replies and any notifications.

    The numbers of the buttons on screen stay valid while notifications arrive: theirs are
    numbered on from the last one shown. A number with no button behind it is refused, never
    sent as a message.
    """

    def __init__(
        self,
        core: Core,
        email: str,
        name: str,
        out: TextIO = sys.stdout,
        stdin: TextIO = sys.stdin,
    ) -> None:
        self.core = core
        self.user = UserRef("console", email.lower())
        self.conversation = ConversationRef("console", email.lower())
        self.profile = Profile(display_name=name, email=email.lower())
        self.out = out
        self.stdin = stdin
        self.buttons: list[Button] = []
        self.typed: tuple[str, dict[str, str]] | None = None  # the last form sent, as typed
        self._reading: asyncio.Future[str] | None = None

    def say(self, text: str) -> None:
        """Print one block of bot output."""
        self.out.write(text + "\n")
        self.out.flush()

    def bot(self, text: str) -> None:
        """Print what the bot says, indented under its prefix."""
        self.say("bot> " + text.replace("\n", "\n     "))

    async def read(self, prompt: str) -> str | None:
        """One line from stdin, or None at end of input."""
        self.out.write(prompt)
        self.out.flush()
        if self._reading is None:
            self._reading = asyncio.ensure_future(asyncio.to_thread(self.stdin.readline))
        line = await self._reading
        self._reading = None
        return None if line == "" else line.rstrip("\n")

    async def prompt(self) -> str | None:
        """A line at the chat prompt; notifications are printed as they arrive meanwhile."""
        self.out.write(PROMPT)
        self.out.flush()
        self._reading = asyncio.ensure_future(asyncio.to_thread(self.stdin.readline))
        while True:
            done, _ = await asyncio.wait({self._reading}, timeout=POLL_SECONDS)
            if done:
                break
            if await self.show_notifications(interrupting=True):
                self.out.write(PROMPT)
                self.out.flush()
        line = self._reading.result()
        self._reading = None
        return None if line == "" else line.rstrip("\n")

    async def run(self) -> None:
        """The conversation loop, until end of input or `/quit`."""
        self.say(
            "Policy Bot: ask about the social media policy. Type help for options, /quit to leave."
        )
        try:
            # What arrived while the person was away comes first, then the menu, numbered on.
            await self.show_notifications()
            menu = await handle(
                self.core.deps, Text(self.user, self.conversation, "help"), self.profile
            )
            await self.show(menu, notification=True)
            await self.remember()
            while True:
                await self.show_notifications()
                line = await self.prompt()
                if line is None or line.strip().lower() in prompts.QUIT:
                    break
                await self.typed_line(line.strip())
        except _Quit as quit:
            if quit.unsent:
                self.bot("Nothing was sent.")
        self.say("Bye!")

    async def typed_line(self, line: str) -> None:
        """A number presses the button it stands for; anything else is a message."""
        if not line.isdigit():
            await self.send(Text(self.user, self.conversation, line))
            return
        n = int(line)
        if not 1 <= n <= len(self.buttons):
            shown = f"the buttons shown are 1 to {len(self.buttons)}" if self.buttons else ""
            self.bot(
                f"There is no button {n}: {shown or 'no buttons are shown'}. "
                "Type help for the menu, or write your question in words."
            )
            return
        b = self.buttons[n - 1]
        await self.send(Action(self.user, self.conversation, b.action_id, b.value))

    async def send(self, incoming: Text | Action | Submission) -> None:
        """Hand one message to the core and show what comes back."""
        replies = await handle(self.core.deps, incoming, self.profile)
        await self.show(replies)

    async def show(self, replies: list[Reply], notification: bool = False) -> None:
        """Print replies; a form is filled in field by field. A reply to what the person
        typed starts a new set of button numbers; a notification's buttons are added."""
        if not notification:
            self.buttons = []
        for reply in replies:
            if isinstance(reply, Form):
                await self.fill(reply)
                return
            text, buttons = render(reply, first=len(self.buttons) + 1)
            self.bot(text)
            self.buttons.extend(buttons)

    async def fill(self, form: Form) -> None:
        """Ask the fields in turn, checking each; `cancel` drops the form, nothing is sent.

        When the core sends the same form back with errors, only the fields in error are
        asked again: the rest keep what was typed.
        """
        text, _ = render(form)
        self.bot(text)
        if not form.fields:
            await self.note(form)
            return
        kept: dict[str, str] = {}
        if self.typed and self.typed[0] == form.form_id and form.errors:
            kept = self.typed[1]
        names = {f.name for f in form.fields}
        ask = [f for f in form.fields if not kept or f.name in form.errors or f.name not in kept]
        if form.errors and not names & set(form.errors):
            for problem in form.errors.values():
                self.say(f"     ! {plain(problem)}")
            ask = list(form.fields)
        self.say("     (type cancel to drop this form, /quit to leave)")
        values = {f.name: kept.get(f.name, f.initial) for f in form.fields}
        for field in ask:
            value = await self.ask(field, form.errors.get(field.name), values[field.name])
            if value is None:
                self.bot("Cancelled. Nothing was sent.")
                self.typed = None
                return
            values[field.name] = value
        self.typed = (form.form_id, values)
        await self.send(
            Submission(self.user, self.conversation, form.form_id, values, form.context)
        )

    async def ask(self, field: Field, error: str | None, default: str) -> str | None:
        """One field's value, asked until it is allowed; None when the form is cancelled."""
        label = prompts.label(field)
        if error:
            self.say(f"     ! {plain(error)}")
        if field.hint:
            self.say(f"     {plain(field.hint)}")
        for i, option in enumerate(field.options, start=1):
            self.say(f"     [{i}] {plain(option.label)}")
        self.say(f"     {prompts.help_line(field, default)}")
        while True:
            line = await self.read(f"     {label}: ")
            if line is None or line.strip().lower() == prompts.CANCEL:
                return None
            if line.strip().lower() in prompts.QUIT:
                raise _Quit
            parsed = prompts.parse(field, line, default)
            if not parsed.problem:
                return parsed.value
            self.say(f"     ! {parsed.problem}")

    async def note(self, form: Form) -> None:
        """A form with nothing to fill in (a receipt, a thank-you) is read, then closed."""
        if form.errors:
            for problem in form.errors.values():
                self.say(f"     ! {plain(problem)}")
            return
        tty = self.out.isatty()
        after = (
            "it is then cleared from this terminal"
            if tty
            else "it stays in this terminal's scrollback: clear it if others may see it"
        )
        line = await self.read(f"     (press Enter to close this; {after}) ")
        if line is not None and line.strip().lower() in prompts.QUIT:
            raise _Quit(unsent=False)
        if tty:
            self.out.write(_CLEAR)
            self.out.flush()

    async def remember(self) -> None:
        """Record that this person uses the terminal chat: announcements then reach them here."""
        person = await entry.person(self.core.deps, self.user)
        if person is not None:
            await self.core.addresses.put(person.id, "console", self.user.id)

    async def show_notifications(self, interrupting: bool = False) -> bool:
        """Print messages other people's actions left for this user (e.g. HR's answers).

        Their buttons are numbered on from those already shown. True if any was printed.
        """
        person = await entry.person(self.core.deps, self.user)
        if person is None:
            return False
        pending = await self.core.outbox.pending(person.id)
        if not pending:
            return False
        if interrupting:
            self.say("")
        for _, summary, reply in pending:
            self.bot(f"[notification] {summary}")
            await self.show([reply], notification=True)
        await self.core.outbox.delivered([i for i, _, _ in pending])
        return True
