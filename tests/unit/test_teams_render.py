"""Adaptive Card rendering for Teams (no I/O)."""

from __future__ import annotations

import json

from adapters.teams import render
from bot.deps import Deps
from bot.messages import Button, Card, Choices, Field, Form, TextReply
from bot.model import Person


def test_user_text_cannot_make_links_or_mentions() -> None:
    text = render.markdown("see [here](https://evil.example) <at>CEO</at> and *help*")
    assert "[here]" not in text and "<at>" not in text
    assert "\\[here\\]" in text and "\\<at\\>" in text
    assert "**help**" in text  # the core's own emphasis survives


def test_long_text_is_split_into_cards_under_the_limit() -> None:
    long = ("Sam posts carefully & kindly. " * 40 + "\n\n") * 30
    (payloads) = render.activities([TextReply(long)])
    assert len(payloads) >= 2
    for payload in payloads:
        assert len(json.dumps(payload)) < 28_000
        card = payload["attachments"][0]["content"]
        assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
        assert all(len(b["text"]) <= render.TEXT_CHARS for b in card["body"])


def test_choices_become_submit_actions_with_the_core_action() -> None:
    choices = Choices("Send it?", (Button("Yes", "ask_hr_send", style="primary"),))
    (payload,) = render.activities([choices])
    (action,) = payload["attachments"][0]["content"]["actions"]
    assert action["type"] == "Action.Submit" and action["style"] == "positive"
    assert action["data"] == {"policybot": "ask_hr_send", "value": ""}
    assert payload["summary"] == "Send it?"


def test_card_has_facts_footer_and_a_text_summary() -> None:
    card = Card("Question Q-1", "Body", facts=(("From", "Sam [x](y)"),), footer="Policy v2")
    (payload,) = render.activities([card])
    content = payload["attachments"][0]["content"]
    facts = next(b for b in content["body"] if b["type"] == "FactSet")["facts"]
    assert facts == [{"title": "From", "value": "Sam \\[x\\]\\(y\\)"}]
    assert payload["summary"].startswith("Question Q-1")


def test_form_card_shows_errors_under_their_fields() -> None:
    form = Form(
        "ask_hr",
        "Ask HR",
        (Field("question", "Your question", "textarea"),),
        context="ctx",
        errors={"question": "Please write your question."},
    )
    card = render.form_card(form)
    kinds = [b["type"] for b in card["body"]]
    assert kinds == ["Input.Text", "TextBlock"]
    assert card["body"][0]["isMultiline"] is True and card["body"][0]["isRequired"] is True
    assert card["body"][1]["color"] == "Attention"
    (submit,) = card["actions"]
    assert submit["data"] == {"policybot_form_id": "ask_hr", "policybot_context": "ctx"}


def test_multiselect_is_a_multi_choice_set() -> None:
    from adapters.teams import render
    from bot.messages import Field, Form, Option

    field = Field("teams", "Departments", "multiselect", options=(Option("Sales", "Sales"),))
    card = render.form_card(Form("f", "Pick", (field,)))
    (choice,) = [b for b in card["body"] if b.get("id") == "teams"]
    assert choice["type"] == "Input.ChoiceSet" and choice["isMultiSelect"] is True


async def test_an_invalid_survey_campaign_shows_its_errors_in_the_teams_dialog(
    deps: Deps, hr_person: Person
) -> None:
    from bot.dispatch import handle
    from bot.messages import ConversationRef, Submission, UserRef

    hr = UserRef("slack", "UHR")
    fields = {"survey": "policy-awareness", "audience": "everyone", "starts": "-5", "days": "1"}
    (again,) = await handle(
        deps, Submission(hr, ConversationRef("slack", "D1"), "survey_new", fields)
    )
    assert isinstance(again, Form)
    shown = json.dumps(render.form_card(again))
    assert "Type a whole number of days from 0" in shown  # under the field, in Attention
    assert '"value": "-5"' in shown  # what was typed is kept
