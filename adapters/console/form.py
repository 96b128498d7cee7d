"""A form's fields as terminal prompts: each value checked as it is typed, in one rule for all.

Each prompt says what is allowed. Enter keeps the value shown (a default, or what was typed
before the form came back with an error), `-` empties an optional field, `cancel` drops the
form and `/quit` leaves the chat. A choice is typed as the number of an option (or its label);
several choices as numbers separated by commas; a tick box as `y` or `n`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Field, ticked

YES = frozenset({"y", "yes", "true", "on", "x"})
NO = frozenset({"n", "no", "false", "off"})
CANCEL = "cancel"
QUIT = frozenset({"/quit", "/exit"})
EMPTY = "-"


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one typed line means for a field: a value, or why it is not allowed."""

    value: str = ""
    problem: str = ""


def label(field: Field) -> str:
    """The field's label, saying once that it is optional."""
    if field.required or "optional" in field.label.lower():
        return field.label
    return f"{field.label} (optional)"


def shown(field: Field, value: str) -> str:
    """A value as the person reads it: option labels, or yes/no for a tick box."""
    if field.kind == "checkbox":
        return "yes" if ticked(value) else "no"
    if field.options:
        labels = {o.value: o.label for o in field.options}
        return ", ".join(labels.get(v, v) for v in value.split(",") if v)
    return value


def help_line(field: Field, default: str) -> str:
    """What may be typed, and what Enter does."""
    n = len(field.options)
    if field.kind == "checkbox":
        what = "type y or n"
    elif field.kind == "multiselect":
        what = f"type one or more numbers from 1 to {n}, separated by commas (1,3)"
    elif field.options:
        what = f"type a number from 1 to {n}"
    elif field.kind == "textarea":
        what = f"type your text on one line, at most {field.max_length} characters"
    else:
        what = f"at most {field.max_length} characters"
    if default and (field.kind == "checkbox" or shown(field, default)):
        what += f"; Enter keeps: {shown(field, default)}"
    if not field.required and field.kind != "checkbox":
        what += "; - leaves it empty" if default else "; Enter leaves it empty"
    return f"({what})"


def parse(field: Field, line: str, default: str) -> Parsed:
    """The value a typed line gives this field, or the problem with it."""
    typed = line.strip()
    if not typed:
        typed_value = default
        if field.kind == "checkbox":
            return Parsed("yes" if ticked(default) else "")
        if field.required and not typed_value:
            return Parsed(problem="This one is needed.")
        return Parsed(typed_value)  # the default is a value already, never an option number
    if typed == EMPTY and field.kind != "checkbox":
        if field.required:
            return Parsed(problem="This one is needed: it cannot be left empty.")
        return Parsed("")
    if field.kind == "checkbox":
        if typed.lower() in YES:
            return Parsed("yes")
        if typed.lower() in NO:
            return Parsed("")
        return Parsed(problem="Type y (yes) or n (no).")
    if field.kind == "multiselect":
        chosen: list[str] = []
        for part in (p.strip() for p in typed.split(",")):
            if not part:
                continue
            value = _option(field, part)
            if value is None:
                return Parsed(problem=_not_an_option(field, part, several=True))
            if value not in chosen:
                chosen.append(value)
        return Parsed(",".join(chosen))
    if field.options:
        value = _option(field, typed)
        if value is None:
            return Parsed(problem=_not_an_option(field, typed, several=False))
        return Parsed(value)
    if len(typed) > field.max_length:
        return Parsed(problem=f"At most {field.max_length} characters, please ({len(typed)} now).")
    return Parsed(typed)


def _option(field: Field, typed: str) -> str | None:
    """The option a number or a label stands for."""
    if typed.isdigit():
        n = int(typed)
        return field.options[n - 1].value if 1 <= n <= len(field.options) else None
    for option in field.options:
        if typed.casefold() in (option.label.casefold(), option.value.casefold()):
            return option.value
    return None


def _not_an_option(field: Field, typed: str, several: bool) -> str:
    n = len(field.options)
    what = "numbers from 1 to {n}, separated by commas" if several else "a number from 1 to {n}"
    return f"\u201c{typed[:40]}\u201d is not one of the options: type " + what.format(n=n) + "."
