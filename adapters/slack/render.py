"""Core replies to Slack Block Kit: messages, modals and their limits."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from bot.messages import Button, Card, Choices, Form, Reply, TextReply
from bot.text import shorten

SECTION_CHARS = 3000  # Slack's limit for a section's text
MAX_BLOCKS = 50  # per message
BUTTON_LABEL = 75
BUTTON_VALUE = 2000
MODAL_TITLE = 24
FALLBACK_CHARS = 3000
_FORM: TypeAdapter[Form] = TypeAdapter(Form)

Block = dict[str, Any]
Message = dict[str, Any]


def escape(text: str) -> str:
    """Make text inert in mrkdwn: no <!channel>, <@user> or <link|label> from user input."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    """A plain_text object (Slack shows it verbatim)."""
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def chunks(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Split text into pieces of at most `limit` characters, at paragraph, line or word ends."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        # Never split an escape sequence such as &amp; in two.
        amp = window.rfind("&", max(0, cut - 5), cut)
        if amp != -1 and ";" not in window[amp:cut]:
            cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _sections(text: str) -> list[Block]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
        for piece in chunks(escape(text))
    ]


def _buttons(buttons: tuple[Button, ...]) -> list[Block]:
    blocks: list[Block] = []
    for start in range(0, len(buttons), 25):
        elements = []
        for n, b in enumerate(buttons[start : start + 25], start=start):
            element: dict[str, Any] = {
                "type": "button",
                "text": plain(b.label, BUTTON_LABEL),
                # Slack wants action ids unique within a message; the suffix is dropped inbound.
                "action_id": f"{b.action_id}#{n}",
                "value": b.value[:BUTTON_VALUE] or "-",
            }
            if b.style != "default":
                element["style"] = b.style
            elements.append(element)
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def _form_launcher(form: Form) -> list[Block]:
    intro = form.intro or form.title
    payload = _FORM.dump_json(form).decode()
    if len(payload) > BUTTON_VALUE:
        return _sections(f"{intro}\n(This form is too large for Slack; type *help* instead.)")
    return [
        *_sections(intro),
        *_buttons((Button(form.title, "open_form", payload, "primary"),)),
    ]


def blocks(reply: Reply) -> tuple[list[Block], str]:
    """The blocks for one reply, and its plain-text fallback."""
    if isinstance(reply, TextReply):
        return _sections(reply.text), reply.text
    if isinstance(reply, Choices):
        return _sections(reply.text) + _buttons(reply.buttons), reply.text
    if isinstance(reply, Card):
        out = _sections(f"*{reply.title}*\n{reply.body}")
        for start in range(0, len(reply.facts), 10):
            out.append(
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": shorten(f"*{escape(k)}*\n{escape(v)}", 2000)}
                        for k, v in reply.facts[start : start + 10]
                    ],
                }
            )
        out += _buttons(reply.buttons)
        if reply.footer:
            out.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(reply.footer)}]}
            )
        return out, f"{reply.title}: {reply.body}"
    return _form_launcher(reply), reply.intro or reply.title


def view_blocks(replies: list[Reply]) -> list[Block]:
    """Several replies as the blocks of one view (App Home), action ids kept unique."""
    out: list[Block] = []
    seen: set[str] = set()
    for reply in replies:
        for block in blocks(reply)[0]:
            for element in block.get("elements", []):
                action_id = element.get("action_id")
                if action_id is None:
                    continue
                base, n = action_id.split("#")[0], 0
                while action_id in seen:
                    n += 1
                    action_id = f"{base}#{len(seen) + n}"
                element["action_id"] = action_id
                seen.add(action_id)
            out.append(block)
    return out


def messages(replies: list[Reply]) -> list[Message]:
    """Replies as chat.postMessage payloads, each within Slack's block limit, with fallbacks."""
    out: list[Message] = []
    for reply in replies:
        all_blocks, fallback = blocks(reply)
        for start in range(0, len(all_blocks), MAX_BLOCKS):
            out.append(
                {
                    "text": shorten(escape(fallback), FALLBACK_CHARS),
                    "blocks": all_blocks[start : start + MAX_BLOCKS],
                }
            )
    return out


def modal(form: Form, metadata: dict[str, str]) -> dict[str, Any]:
    """A form as a Slack modal view; `metadata` comes back with the submission."""
    view_blocks: list[Block] = []
    if form.intro:
        view_blocks += _sections(form.intro)
    for f in form.fields:
        element: dict[str, Any]
        if f.kind == "select":
            element = {
                "type": "static_select",
                "options": [
                    {"text": plain(o.label, 75), "value": o.value[:150]} for o in f.options[:100]
                ],
            }
            initial = next((o for o in f.options if o.value == f.initial), None)
            if initial:
                element["initial_option"] = {
                    "text": plain(initial.label, 75),
                    "value": initial.value,
                }
        elif f.kind == "multiselect":
            options = [
                {"text": plain(o.label, 75), "value": o.value[:150]} for o in f.options[:100]
            ]
            element = {"type": "multi_static_select", "options": options}
            chosen = set(f.initial.split(","))
            initial_options = [o for o in options if o["value"] in chosen]
            if initial_options:
                element["initial_options"] = initial_options
        elif f.kind == "checkbox":
            option = {"text": plain(f.label, 150), "value": "yes"}
            element = {"type": "checkboxes", "options": [option]}
            if f.initial == "yes":
                element["initial_options"] = [option]
        else:
            element = {
                "type": "plain_text_input",
                "multiline": f.kind == "textarea",
                "max_length": min(f.max_length, 3000),
            }
            if f.initial:
                element["initial_value"] = f.initial[:3000]
        element["action_id"] = "value"
        block: Block = {
            "type": "input",
            "block_id": f.name,
            "label": plain(f.label, 2000),
            "optional": not f.required,
            "element": element,
        }
        if f.hint:
            block["hint"] = plain(f.hint, 2000)
        view_blocks.append(block)
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": plain(form.title, MODAL_TITLE),
        "submit": plain(form.submit_label, MODAL_TITLE),
        "close": plain("Cancel", MODAL_TITLE),
        "private_metadata": json.dumps({**metadata, "context": form.context})[:3000],
        "blocks": view_blocks[:100],
    }


def field_values(state: dict[str, Any]) -> dict[str, str]:
    """A view_submission's state.values as field name -> text."""
    values: dict[str, str] = {}
    for block_id, actions in state.items():
        element = actions.get("value") if isinstance(actions, dict) else None
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "static_select":
            selected = element.get("selected_option") or {}
            values[block_id] = str(selected.get("value", ""))
        elif kind == "multi_static_select":
            chosen = element.get("selected_options") or []
            values[block_id] = ",".join(str(o.get("value", "")) for o in chosen)
        elif kind == "checkboxes":
            values[block_id] = "yes" if element.get("selected_options") else ""
        else:
            values[block_id] = str(element.get("value") or "")
    return values
