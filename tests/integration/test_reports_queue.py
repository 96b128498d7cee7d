"""A handler's way back to a case on a real database: `my cases`, a reference typed, and the
case's buttons on every reply about it."""

from __future__ import annotations

from datetime import timedelta

from bot.deps import Deps
from bot.dispatch import handle
from bot.messages import Action, Card, Choices, Reply, Submission, Text, TextReply, UserRef
from tests.fakes import FakeClock, NoticeLog
from tests.integration.test_reports import DM, cards_for, deps, for_person, link, report
from tests.replies import as_card

__all__ = ["deps"]  # the fixture, shared with the report tests
HAL = UserRef("slack", "U0HAL")
SAM = UserRef("slack", "U0SAMREPORTER")


def actions(reply: Reply) -> list[str]:
    assert isinstance(reply, Card | Choices), reply
    return [b.action_id for b in reply.buttons]


async def test_a_handler_finds_their_cases_and_opens_one_by_reference(
    deps: Deps, notices: NoticeLog, clock: FakeClock
) -> None:
    await link(deps, "hal", HAL)
    await handle(deps, report())  # threats: to the handler and HR
    (alert,) = cards_for(notices, "hal")
    ref = alert.title.split(":")[0].removeprefix("Report ")
    assert ("Assigned to", "nobody yet") in alert.facts

    clock.current += timedelta(hours=5)  # past the 4 hours of a high severity
    (mine,) = await handle(deps, Text(HAL, DM, "my cases"))
    assert isinstance(mine, Card) and mine.title == "Your cases: 1 open"
    ((label, value),) = mine.facts
    assert label.startswith(ref) and "open, not assigned" in value
    assert "acknowledge by" in value and "overdue by 1 h" in value
    assert actions(mine) == ["case_view"]

    (opened,) = await handle(deps, Text(HAL, DM, ref.lower()))  # typed, in any case
    assert isinstance(opened, Card) and opened.title == alert.title
    assert "case_ack" in actions(opened)

    (nobody,) = await handle(deps, Text(HAL, DM, "R-ZZZZZZ"))
    assert isinstance(nobody, TextReply) and "There is no report R-ZZZZZZ" in nobody.text

    stranger = UserRef("slack", "U0STRANGER")
    (refused,) = await handle(deps, Text(stranger, DM, ref))
    assert isinstance(refused, TextReply) and "not a handler of this case" in refused.text

    (status,) = await handle(deps, Text(SAM, DM, ref))  # the confidential reporter
    assert isinstance(status, Card) and status.title == f"Report {ref}"


async def test_every_reply_about_a_case_carries_its_buttons(deps: Deps, notices: NoticeLog) -> None:
    await link(deps, "hal", HAL)
    await handle(deps, report())
    (alert,) = cards_for(notices, "hal")
    case_id = alert.buttons[0].value
    (acked,) = await handle(deps, Action(HAL, DM, "case_ack", case_id))
    assert actions(acked) == ["case_view", "case_assign", "case_message", "case_resolve"]
    (taken,) = await handle(deps, Action(HAL, DM, "case_assign", case_id))
    assert "case_message" in actions(taken)
    (viewed,) = await handle(deps, Action(HAL, DM, "case_view", case_id))
    assert isinstance(viewed, Card) and ("Assigned to", "Hal Handler") in viewed.facts
    sent = await handle(deps, Submission(HAL, DM, "case_message", {"message": "Hi"}, case_id))
    assert "case_resolve" in actions(sent[0])
    done = await handle(
        deps, Submission(HAL, DM, "case_resolve", {"outcome": "action-taken"}, case_id)
    )
    assert isinstance(done[0], Choices)
    assert "resolved: Action taken." in done[0].text and "action-taken" not in done[0].text
    assert actions(done[0]) == ["case_view", "cases_mine"]
    (empty,) = await handle(deps, Text(HAL, DM, "my cases"))
    assert isinstance(empty, TextReply) and "No open reports" in empty.text

    # The reporter adds information: the handler's notice opens the case.
    (status, *_) = await handle(deps, Text(SAM, DM, "follow up"))
    add = next(b for b in as_card(status).buttons if b.action_id == "report_add")
    await handle(deps, Submission(SAM, DM, "report_add", {"message": "More."}, add.value))
    note = for_person(notices, "hal")[-1]
    assert isinstance(note, Choices) and actions(note) == ["case_view"]
