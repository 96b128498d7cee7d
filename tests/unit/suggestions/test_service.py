"""Suggestions with the fakes: an anonymous one keeps no person and only the day, a named
one its author; what is wrong is named field by field and nothing is stored; only HR reads
them, grouped by section."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.deps import Deps
from bot.dispatch import handle
from bot.messages import Card, ConversationRef, Form, Submission, Text, TextReply, UserRef
from bot.model import Person
from tests.fakes import FakeClock, FakeStore

SAM = UserRef("slack", "U0SAM")
HR = UserRef("slack", "UHR")
DM = ConversationRef("slack", "D0SAM")


@pytest.fixture
def sam(store: FakeStore, hr_person: Person) -> Person:
    person = Person("sam", "Sam", accounts={"slack": SAM.id})
    store.data.people[person.id] = person
    return person


def suggest(
    deps: Deps, identity: str, text: str = "Say what counts as a work account."
) -> Submission:
    section = deps.content.current.sections[0].id
    fields = {"section": section, "kind": "unclear", "text": text, "identity": identity}
    return Submission(SAM, DM, "suggest", fields)


async def test_anonymous_keeps_no_person_named_keeps_the_author(
    deps: Deps, sam: Person, store: FakeStore, clock: FakeClock
) -> None:
    (anonymous,) = await handle(deps, suggest(deps, "anonymous"))
    (named,) = await handle(deps, suggest(deps, "named", "Add an example."))
    assert isinstance(anonymous, TextReply) and "anonymously" in anonymous.text
    assert isinstance(named, TextReply) and "with your name" in named.text
    (first, second) = store.data.suggestions
    assert first[3] is None and second[3] == "sam"
    assert first[4] == clock.now().date()  # a day, no time
    assert b"work account" not in first[2]  # sealed


async def test_what_is_wrong_is_named_and_nothing_is_stored(
    deps: Deps, sam: Person, store: FakeStore
) -> None:
    fields = {"section": "no-such-section", "kind": "rant", "text": "", "identity": "named"}
    (again,) = await handle(deps, Submission(SAM, DM, "suggest", fields))
    assert isinstance(again, Form) and set(again.errors) == {"section", "kind", "text"}
    (long,) = await handle(deps, suggest(deps, "anonymous", "x" * 1501))
    assert isinstance(long, Form) and "1500" in long.errors["text"]
    assert store.data.suggestions == []


async def test_only_hr_reads_those_since_the_current_version(
    deps: Deps, sam: Person, clock: FakeClock
) -> None:
    await handle(deps, suggest(deps, "anonymous", "Made before this version was published."))
    clock.current = datetime.combine(
        deps.content.current.meta.published + timedelta(days=30), time(9), tzinfo=UTC
    )
    await handle(deps, suggest(deps, "anonymous"))
    (refused,) = await handle(deps, Text(SAM, DM, "suggestions"))
    assert isinstance(refused, TextReply) and "hr role" in refused.text
    (card,) = await handle(deps, Text(HR, ConversationRef("slack", "D0HR"), "suggestions"))
    assert isinstance(card, Card) and "1 suggestion (0 named)" in card.body
    assert "work account" in card.body and "before this version" not in card.body
