"""The console's prompts: every value is checked as it is typed, by one rule per kind."""

from __future__ import annotations

from adapters.console import form as prompts
from adapters.console.render import render
from bot.messages import Card, Field, Option, ticked

VERSION = Field(
    "version",
    "Policy version it announces",
    "select",
    options=(Option("None", "none"), Option("Version 1", "1"), Option("Version 2", "2")),
    initial="2",
)
PLATFORMS = Field(
    "platforms",
    "Where do you mention your work online?",
    "multiselect",
    required=False,
    options=(Option("LinkedIn", "LinkedIn"), Option("X (Twitter)", "X (Twitter)")),
)
TICK = Field("boundaries", "Boundaries", "checkbox", required=False)
LINK = Field("link", "Link (optional, https://)", required=False, max_length=20)


def test_enter_keeps_the_default_value_not_the_option_of_that_number() -> None:
    assert prompts.parse(VERSION, "", VERSION.initial).value == "2"  # not "Version 1"
    assert prompts.parse(VERSION, "2", VERSION.initial).value == "1"  # the second option
    assert prompts.parse(VERSION, "version 2", VERSION.initial).value == "2"
    assert "Enter keeps: Version 2" in prompts.help_line(VERSION, VERSION.initial)
    wrong = prompts.parse(VERSION, "7", VERSION.initial)
    assert wrong.problem == "\u201c7\u201d is not one of the options: type a number from 1 to 3."


def test_a_multiple_choice_takes_numbers_or_labels_and_nothing_else() -> None:
    assert prompts.parse(PLATFORMS, "1, 2,1", "").value == "LinkedIn,X (Twitter)"
    assert prompts.parse(PLATFORMS, "x (twitter)", "").value == "X (Twitter)"
    assert prompts.parse(PLATFORMS, "no", "").problem.startswith("\u201cno\u201d is not one")
    assert prompts.parse(PLATFORMS, "", "").value == ""
    assert "separated by commas" in prompts.help_line(PLATFORMS, "")


def test_one_rule_for_tick_boxes_stated_in_the_prompt() -> None:
    assert [prompts.parse(TICK, t, "").value for t in ("y", "YES", "n", "no", "")] == [
        "yes",
        "yes",
        "",
        "",
        "",
    ]
    assert prompts.parse(TICK, "", "yes").value == "yes"  # Enter keeps the tick
    assert prompts.parse(TICK, "maybe", "").problem == "Type y (yes) or n (no)."
    assert "type y or n" in prompts.help_line(TICK, "")
    assert [ticked(v) for v in ("yes", "true", " Yes ", "no", "", "anything", None)] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_an_optional_field_can_be_emptied_and_is_labelled_optional_once() -> None:
    assert prompts.parse(LINK, "-", "ftp://x").value == ""
    assert prompts.parse(LINK, "", "ftp://x").value == "ftp://x"
    assert "- leaves it empty" in prompts.help_line(LINK, "ftp://x")
    assert prompts.label(LINK) == "Link (optional, https://)"
    assert prompts.label(PLATFORMS) == "Where do you mention your work online? (optional)"
    too_long = prompts.parse(LINK, "https://" + "x" * 30, "")
    assert too_long.problem == "At most 20 characters, please (38 now)."
    needed = Field("title", "Title")
    assert prompts.parse(needed, "", "").problem == "This one is needed."
    assert prompts.parse(needed, "-", "").problem.startswith("This one is needed")


def test_cards_show_no_markdown_in_facts_footer_or_buttons() -> None:
    text, _ = render(
        Card("T", "*Bold* body", (("*Due*", "*soon*"),), footer="Type *training report*")
    )
    assert "*" not in text and "Type training report" in text
