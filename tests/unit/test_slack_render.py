"""Block Kit rendering and the Slack app manifest (no I/O)."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack import render
from adapters.slack.route import ROUTE
from bot.messages import Button, Card, Choices, Field, Form, Option, TextReply

MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slack" / "manifest.yaml"


def test_escape_neutralises_mentions_and_links() -> None:
    assert render.escape("<!channel> & <@U1> <http://x|y>") == (
        "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt;"
    )


def test_chunks_respect_the_limit_and_keep_escapes_whole() -> None:
    text = render.escape("a & b " * 2000)
    pieces = render.chunks(text, 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert all(not p.endswith(("&", "&a", "&am", "&amp")) for p in pieces)
    assert " ".join(pieces).count("&amp;") == text.count("&amp;")


def test_buttons_get_unique_action_ids_and_fallback_text() -> None:
    choices = Choices(
        "Helpful?", (Button("Yes", "faq_feedback", "a:yes"), Button("No", "faq_feedback", "a:no"))
    )
    (message,) = render.messages([choices])
    ids = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert ids == ["faq_feedback#0", "faq_feedback#1"]
    assert message["text"] == "Helpful?"


def test_card_facts_and_footer() -> None:
    card = Card("Title <x>", "Body", facts=(("Asked by", "<@U1>"),), footer="Policy v2")
    blocks, fallback = render.blocks(card)
    kinds = [b["type"] for b in blocks]
    assert kinds == ["section", "section", "context"]
    assert "&lt;@U1&gt;" in blocks[1]["fields"][0]["text"]
    assert fallback.startswith("Title <x>")


def test_modal_has_one_input_per_field_and_keeps_context() -> None:
    form = Form(
        "f",
        "A very long title that Slack would refuse",
        (
            Field("q", "Question", "textarea"),
            Field("k", "Kind", "select", options=(Option("One", "1"),), initial="1"),
            Field("c", "Agree", "checkbox", required=False),
        ),
        context="T-1",
    )
    view = render.modal(form, {"channel": "D1"})
    assert len(view["title"]["text"]) <= 24
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["q", "k", "c"]
    assert inputs[2]["optional"] is True
    assert '"context": "T-1"' in view["private_metadata"]
    state = {
        "q": {"value": {"type": "plain_text_input", "value": "hi"}},
        "k": {"value": {"type": "static_select", "selected_option": {"value": "1"}}},
        "c": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    assert render.field_values(state) == {"q": "hi", "k": "1", "c": ""}


def test_text_reply_over_50_blocks_becomes_several_messages() -> None:
    messages = render.messages([TextReply("\n\n".join(["y" * 2999] * 120))])
    assert [len(m["blocks"]) for m in messages] == [50, 50, 20]


def test_manifest_matches_what_the_app_serves() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"].endswith(ROUTE)
    assert settings["interactivity"]["request_url"].endswith(ROUTE)
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
    }
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/policy" and command["url"].endswith(ROUTE)
    assert "link_names" not in MANIFEST.read_text()


def test_multiselect_renders_and_reads_back() -> None:
    from adapters.slack import render
    from bot.messages import Field, Form, Option

    form = Form(
        "f",
        "Pick",
        (
            Field(
                "teams",
                "Departments",
                "multiselect",
                options=(
                    Option("Sales", "Sales"),
                    Option("Support", "Support"),
                    Option("Ops", "Ops"),
                ),
                initial="Sales,Ops",
            ),
        ),
    )
    view = render.modal(form, {})
    element = view["blocks"][0]["element"]
    assert element["type"] == "multi_static_select"
    assert [o["value"] for o in element["initial_options"]] == ["Sales", "Ops"]
    state = {
        "teams": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": "Support"}, {"value": "Ops"}],
            }
        }
    }
    assert render.field_values(state) == {"teams": "Support,Ops"}
