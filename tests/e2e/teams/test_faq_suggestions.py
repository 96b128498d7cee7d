"""Teams end to end with the shipped model: "did you mean" as card actions, and pressing one."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.content import Content
from bot.features.faq.index import FaqIndex
from storage.faq import FaqAnswerRow
from tests.e2e.faq_model import VAGUE, hybrid_index
from tests.e2e.teams.conftest import Server, activity
from tests.e2e.teams.fake import FakeConnector


@pytest.fixture(scope="module")
def faq(content: Content, tmp_path_factory: pytest.TempPathFactory) -> FaqIndex:
    return hybrid_index(content, tmp_path_factory.mktemp("vectors"))


async def test_did_you_mean_card_actions_answer_the_topic_pressed(
    server: Server, connector: FakeConnector, faq: FaqIndex, content: Content
) -> None:
    await server.post(activity("message_personal.json", connector.url, text=VAGUE, id="v-0"))
    (offer,) = await connector.wait_for(1)
    card = offer.body["attachments"][0]["content"]
    actions = card["actions"]
    picks = [a["data"] for a in actions if a.get("data", {}).get("policybot") == "faq_pick"]
    expected = faq.match(VAGUE).suggestions
    assert [p["value"].split(":")[0] for p in picks] == list(expected)
    assert actions[-1]["title"] == "Ask HR"
    press = activity("message_personal.json", connector.url, text=None, id="v-1", value=picks[0])
    await server.post(press)
    calls = await connector.wait_for(2)
    entry = content.entry(expected[0])
    assert entry is not None
    shown = json.dumps(calls[-1].body)
    assert entry.answer.split(".")[0] in shown
    async with server.services.store() as uow:
        (logged,) = (await uow.session.exec(select(FaqAnswerRow))).all()
        assert logged.faq_id == expected[0]
