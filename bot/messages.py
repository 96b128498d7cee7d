"""Platform-neutral messages: what users send in and what the core sends back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal


@dataclass(frozen=True, slots=True)
class UserRef:
    """An opaque user on one platform ("slack", "teams", "console")."""

    platform: str
    id: str


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Where a message came from: a DM, a channel, or a thread in a channel."""

    platform: str
    id: str
    thread: str | None = None
    shared: bool = False
    """Others can read it (a channel or a group chat): personal replies go elsewhere."""


@dataclass(frozen=True, slots=True)
class Text:
    """A chat message typed by a user."""

    user: UserRef
    conversation: ConversationRef
    text: str
    delivery_id: str = ""
    """The platform's id for this delivery; a repeated one is ignored (retries, duplicates)."""
    durable: bool = False
    """The transaction that answers it also writes its replies to the outbox (kept until
    they are delivered) and removes it from the inbox, where it may have been recorded
    before it was acknowledged."""


@dataclass(frozen=True, slots=True)
class Action:
    """A button press."""

    user: UserRef
    conversation: ConversationRef
    action_id: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Submission:
    """A submitted form (Slack modal, Teams dialog, console prompts)."""

    user: UserRef
    conversation: ConversationRef
    form_id: str
    fields: Mapping[str, str]
    context: str = ""


Incoming = Text | Action | Submission


@dataclass(frozen=True, slots=True)
class Button:
    """One option of a choice list, or an action on a card."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a select field."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form."""

    name: str
    label: str
    kind: Literal["text", "textarea", "select", "multiselect", "checkbox"] = "text"
    """A multiselect's value (and initial value) is its option values joined with commas; a
    checkbox's is "yes" when ticked and "" when not (read it with `ticked`)."""
    required: bool = True
    options: tuple[Option, ...] = ()
    initial: str = ""
    hint: str = ""
    max_length: int = 3000


def ticked(value: str | None) -> bool:
    """The one rule for a checkbox's value on every channel: ticked is "yes" (or "true")."""
    return (value or "").strip().lower() in ("yes", "true")


@dataclass(frozen=True, slots=True)
class TextReply:
    """Plain text with light Markdown (bold, italics, bullet lists)."""

    text: str
    personal: bool = True
    """Meant for the person who asked only: never shown in a shared conversation."""
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class Choices:
    """A question with buttons to answer it."""

    text: str
    buttons: tuple[Button, ...]
    personal: bool = True
    """Meant for the person who asked only: never shown in a shared conversation."""
    kind: Literal["choices"] = "choices"


@dataclass(frozen=True, slots=True)
class Form:
    """A form the user fills in privately (modal, dialog, prompts)."""

    form_id: str
    title: str
    fields: tuple[Field, ...]
    submit_label: str = "Submit"
    intro: str = ""
    context: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)
    kind: Literal["form"] = "form"


@dataclass(frozen=True, slots=True)
class Card:
    """A titled block of text with facts and actions."""

    title: str
    body: str
    facts: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    personal: bool = True
    """Meant for the person who asked only: never shown in a shared conversation."""
    kind: Literal["card"] = "card"


Reply = TextReply | Choices | Form | Card


def public(reply: Reply) -> Reply:
    """The same reply, marked as fine to show where others can read it."""
    return reply if isinstance(reply, Form) else replace(reply, personal=False)


@dataclass(frozen=True, slots=True)
class Notification:
    """A proactive message to a person, written to the outbox of the unit of work."""

    person_id: str
    reply: Reply
    summary: str
    about: str = ""
    """The record it concerns (a case id), so that purging the record purges its notices."""
