"""Slack payloads to core messages."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.messages import Action, ConversationRef, Submission, Text, UserRef

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def user(user_id: str) -> UserRef:
    """A Slack user as a core user reference."""
    return UserRef("slack", user_id)


def is_human_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """True for a new message typed by a person: no edits, deletes, bots or the bot itself."""
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
        and isinstance(event.get("text"), str)
    )


def dm_text(event: dict[str, Any], event_id: str = "") -> Text:
    """A direct message; `event_id` makes Slack's retries and duplicates run once."""
    return Text(
        user(event["user"]),
        ConversationRef("slack", str(event.get("channel", ""))),
        event["text"],
        f"slack:{event_id}" if event_id else "",
    )


def mention_text(event: dict[str, Any], event_id: str = "") -> Text:
    """An @mention in a channel, answered in its thread, with the mention itself removed."""
    thread = event.get("thread_ts") or event.get("ts")
    text = _MENTION.sub(" ", event["text"]).strip()
    where = ConversationRef("slack", event["channel"], thread, shared=True)
    return Text(user(event["user"]), where, text, f"slack:{event_id}" if event_id else "")


def action(body: dict[str, Any], act: dict[str, Any]) -> Action:
    """A button press; the per-message suffix added when rendering is dropped."""
    action_id = str(act.get("action_id", "")).split("#", 1)[0]
    return Action(user(body["user"]["id"]), where(body), action_id, str(act.get("value", "")))


def where(body: dict[str, Any]) -> ConversationRef:
    """The conversation an interaction happened in: its channel, else the user's DM."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    thread = (body.get("message") or {}).get("thread_ts")
    # A DM's channel id starts with D; anything else (a channel, a group) others can read.
    shared = bool(channel) and not str(channel).startswith("D")
    return ConversationRef("slack", channel or body["user"]["id"], thread, shared=shared)


def submission(body: dict[str, Any], fields: dict[str, str]) -> tuple[Submission, dict[str, Any]]:
    """A modal submission, and the metadata stored in the view when it was opened."""
    view = body["view"]
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    channel = str(meta.get("channel") or body["user"]["id"])
    shared = not channel.startswith(("D", "U"))  # opened from a channel others can read
    conversation = ConversationRef("slack", channel, meta.get("thread") or None, shared=shared)
    form = Submission(
        user(body["user"]["id"]),
        conversation,
        str(view.get("callback_id", "")),
        fields,
        str(meta.get("context", "")),
    )
    return form, meta
