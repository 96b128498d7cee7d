"""Slack end to end with the shipped model: "did you mean" buttons, and pressing one."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlmodel import select

from bot.content import Content
from bot.features.faq.index import FaqIndex
from storage.faq import FaqAnswerRow
from tests.e2e.faq_model import VAGUE, hybrid_index
from tests.e2e.slack.conftest import Server, fixture, press
from tests.e2e.slack.fake import FakeSlack, block_problem


@pytest.fixture(scope="module")
def faq(content: Content, tmp_path_factory: pytest.TempPathFactory) -> FaqIndex:
    return hybrid_index(content, tmp_path_factory.mktemp("vectors"))


def _buttons(call: Any) -> list[dict[str, Any]]:
    blocks = call.args.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_did_you_mean_buttons_answer_the_topic_pressed(
    server: Server, fake: FakeSlack, faq: FaqIndex, content: Content
) -> None:
    body = fixture("message_im.json")
    body["event_id"] = "Ev0VAGUE"
    body["event"].update(text=VAGUE, ts=f"{time.time():.6f}")
    await server.send(body)
    (offer,) = await fake.wait_for("chat.postMessage")
    assert block_problem(offer.args["blocks"]) is None
    buttons = _buttons(offer)
    picks = [b for b in buttons if b["action_id"].startswith("faq_pick")]
    assert 1 <= len(picks) <= 3
    assert [b["text"]["text"] for b in buttons][-1] == "Ask HR"
    expected = faq.match(VAGUE).suggestions
    assert [b["value"].split(":")[0] for b in picks] == list(expected)
    await server.send(press("faq_pick", picks[0]["value"]), form=True)
    calls = await fake.wait_for("chat.postMessage", 2)
    entry = content.entry(expected[0])
    assert entry is not None
    assert entry.answer.split(".")[0] in json.dumps(calls[-1].args)
    async with server.services.store() as uow:
        (logged,) = (await uow.session.exec(select(FaqAnswerRow))).all()
        assert logged.faq_id == expected[0]
