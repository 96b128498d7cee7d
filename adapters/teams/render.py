"""Core replies to Teams: Adaptive Cards (schema 1.5) and plain text, within Teams' limits."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter

from bot.messages import Button, Card, Choices, Field, Form, Reply, TextReply

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CHARS = 20_000  # stays well under Teams' ~28 KB message limit once serialised
TEXT_CHARS = 3_500  # per TextBlock, so long answers become several blocks
_FORM: TypeAdapter[Form] = TypeAdapter(Form)
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_BOLD = re.compile(r"\\\*([^*\n]{1,200}?)\\\*")

Json = dict[str, Any]


def escape(text: str) -> str:
    """Make text inert in card markdown: no links, mentions or formatting from user input."""
    return _SPECIAL.sub(r"\\\1", text)


def markdown(text: str) -> str:
    """Escaped text, keeping the core's own *bold* marks."""
    return _BOLD.sub(r"**\1**", escape(text))


def chunks(text: str, limit: int = TEXT_CHARS) -> list[str]:
    """Split at paragraph, line or word ends into pieces of at most `limit` characters."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut if cut >= limit // 2 else limit
        if window[cut - 1 : cut] == "\\":
            cut -= 1  # never separate an escape from the character it escapes
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*pieces, rest] if rest else pieces


def _text_blocks(text: str, **style: Any) -> list[Json]:
    return [{"type": "TextBlock", "text": p, "wrap": True, **style} for p in chunks(markdown(text))]


def submit(button: Button) -> Json:
    """A button as Action.Submit; its data comes back as the activity's value."""
    action: Json = {
        "type": "Action.Submit",
        "title": button.label[:80],
        "data": {"policybot": button.action_id, "value": button.value},
    }
    if button.style == "primary":
        action["style"] = "positive"
    elif button.style == "danger":
        action["style"] = "destructive"
    return action


def _card(body: list[Json], actions: list[Json] | None = None) -> Json:
    card: Json = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        card["actions"] = actions
    return card


def form_opener(form: Form) -> Json:
    """A button that opens `form` as a dialog (task module)."""
    return {
        "type": "Action.Submit",
        "title": form.title[:80],
        "style": "positive",
        "data": {
            "msteams": {"type": "task/fetch"},
            "policybot_form": _FORM.dump_json(form).decode(),
        },
    }


def cards(reply: Reply) -> tuple[list[Json], str]:
    """One reply as Adaptive Cards (several when long), and its plain-text summary."""
    if isinstance(reply, TextReply):
        return _split(_text_blocks(reply.text), []), reply.text
    if isinstance(reply, Choices):
        return _split(_text_blocks(reply.text), [submit(b) for b in reply.buttons]), reply.text
    if isinstance(reply, Card):
        body = _text_blocks(reply.title, weight="Bolder", size="Medium") + _text_blocks(reply.body)
        if reply.facts:
            facts = [{"title": escape(k)[:100], "value": escape(v)[:500]} for k, v in reply.facts]
            body.append({"type": "FactSet", "facts": facts})
        if reply.footer:
            body += _text_blocks(reply.footer, isSubtle=True, size="Small")
        return _split(body, [submit(b) for b in reply.buttons]), f"{reply.title}: {reply.body}"
    intro = _text_blocks(reply.intro or reply.title)
    return [_card(intro, [form_opener(reply)])], reply.intro or reply.title


def _split(body: list[Json], actions: list[Json]) -> list[Json]:
    """Cards of at most CARD_CHARS of text each; actions go on the last one."""
    out: list[list[Json]] = [[]]
    size = 0
    for block in body:
        length = len(str(block.get("text", ""))) + 100
        if out[-1] and size + length > CARD_CHARS:
            out.append([])
            size = 0
        out[-1].append(block)
        size += length
    return [_card(b, actions if n == len(out) - 1 else None) for n, b in enumerate(out)]


def _input(field: Field, error: str | None) -> list[Json]:
    element: Json
    if field.kind in ("select", "multiselect"):
        element = {
            "type": "Input.ChoiceSet",
            "choices": [{"title": o.label, "value": o.value} for o in field.options],
            "style": "compact",
        }
        if field.kind == "multiselect":  # Teams submits the values joined with commas
            element["isMultiSelect"] = True
    elif field.kind == "checkbox":
        element = {"type": "Input.Toggle", "title": field.label, "valueOn": "yes", "valueOff": ""}
    else:
        element = {
            "type": "Input.Text",
            "isMultiline": field.kind == "textarea",
            "maxLength": field.max_length,
        }
    element.update(id=field.name, label=field.label, isRequired=field.required)
    if field.initial:
        element["value"] = field.initial
    if field.required:
        element["errorMessage"] = f"{field.label} is required."
    blocks = [element]
    if field.hint:
        hint = {"type": "TextBlock", "text": escape(field.hint), "isSubtle": True, "wrap": True}
        blocks.append(hint)
    if error:
        blocks.append(
            {"type": "TextBlock", "text": escape(error), "color": "Attention", "wrap": True}
        )
    return blocks


def form_card(form: Form) -> Json:
    """The form itself, shown in a dialog; validation errors appear under their fields."""
    body = _text_blocks(form.intro) if form.intro else []
    for f in form.fields:
        body += _input(f, form.errors.get(f.name))
    data = {"policybot_form_id": form.form_id, "policybot_context": form.context}
    return _card(body, [{"type": "Action.Submit", "title": form.submit_label, "data": data}])


def attachment(card: Json) -> Json:
    """An Adaptive Card as a Bot Framework attachment."""
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}


def activities(replies: list[Reply]) -> list[Json]:
    """Replies as message activities: plain text stays text, the rest are cards."""
    out: list[Json] = []
    for reply in replies:
        if isinstance(reply, TextReply) and len(reply.text) <= TEXT_CHARS:
            out.append({"type": "message", "text": markdown(reply.text), "textFormat": "markdown"})
            continue
        found, summary = cards(reply)
        for card in found:
            out.append(
                {"type": "message", "summary": summary[:200], "attachments": [attachment(card)]}
            )
    return out
