"""Core replies as terminal text; buttons become numbered options."""

from __future__ import annotations

import re
import textwrap

from bot.messages import Button, Card, Choices, Form, Reply, TextReply

_BOLD = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*")


def plain(text: str) -> str:
    """Markdown emphasis removed, wrapped for a terminal."""
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    return "\n".join(
        textwrap.fill(
            line,
            width=88,
            subsequent_indent=_hanging(line),
            break_long_words=False,  # a link stays whole, to be copied
            break_on_hyphens=False,
        )
        if line.strip()
        else ""
        for line in text.splitlines()
    )


def _hanging(line: str) -> str:
    """The indent of a wrapped line's continuation: under its text, not under its bullet."""
    lead = line[: len(line) - len(line.lstrip())]
    rest = line.lstrip()
    if rest.startswith("\u2022"):
        return lead + "  "
    label = re.match(r"(?:New|Removed|Was): \u201c", rest)
    return lead + " " * (label.end() if label else 0)


def render(reply: Reply, first: int = 1) -> tuple[str, list[Button]]:
    """Text to print, and the buttons it offers in the order they were numbered."""
    buttons: list[Button] = []
    lines: list[str] = []
    if isinstance(reply, TextReply):
        lines.append(plain(reply.text))
    elif isinstance(reply, Choices):
        lines.append(plain(reply.text))
        buttons = list(reply.buttons)
    elif isinstance(reply, Card):
        lines.append(f"== {reply.title} ==")
        lines.append(plain(reply.body))
        lines.extend(f"  {plain(k)}: {plain(v)}" for k, v in reply.facts)
        if reply.footer:
            lines.append(f"  ({plain(reply.footer)})")
        buttons = list(reply.buttons)
    elif isinstance(reply, Form):
        lines.append(f"== {reply.title} ==")
        if reply.intro:
            lines.append(plain(reply.intro))
    lines.extend(f"  [{first + i}] {plain(b.label)}" for i, b in enumerate(buttons))
    return "\n".join(lines), buttons
