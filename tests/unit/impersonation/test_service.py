"""Fake accounts with an in-memory repository: the form's rules, one report per account
whatever the link's decoration, and nothing stored or sent when the store fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from bot.deps import Deps
from bot.dispatch import handle
from bot.features.impersonation.impersonation import problems
from bot.features.impersonation.model import Impostor
from bot.features.impersonation.ports import IMPOSTORS
from bot.messages import ConversationRef, Submission, TextReply, UserRef
from bot.model import Person, Role
from tests.fakes import Data, FakeStore

SAM = UserRef("slack", "U0SAM")
DM = ConversationRef("slack", "D0SAM")


class FakeImpostors:
    """Reported fake accounts in memory, in the unit of work's copy of the data."""

    def __init__(self, data: Data) -> None:
        self.rows: dict[str, Impostor] = data.registered.setdefault(IMPOSTORS.name, {})

    async def add(self, impostor: Impostor) -> None:
        self.rows[impostor.id] = replace(impostor)

    async def by_ref(self, ref: str) -> Impostor | None:
        return next((replace(i) for i in self.rows.values() if i.ref == ref), None)

    async def open(self) -> Sequence[Impostor]:
        found = [i for i in self.rows.values() if i.status == "open"]
        return [replace(i) for i in sorted(found, key=lambda i: (i.reported_on, i.ref))]

    async def save(self, impostor: Impostor) -> None:
        self.rows[impostor.id] = replace(impostor)


@pytest.fixture
async def people(deps: Deps, store: FakeStore) -> FakeStore:
    store.declare(IMPOSTORS, FakeImpostors)
    async with deps.store() as uow:
        await uow.people.save(Person("sam", "Sam", accounts={"slack": SAM.id}))
        await uow.people.save(Person("hana", "Hana", roles=frozenset({Role.HR})))
        await uow.commit()
    return store


def report(url: str) -> Submission:
    return Submission(SAM, DM, "impostor", {"platform": "LinkedIn", "url": url, "note": ""})


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"platform": "X", "url": ""}, "url"),
        ({"platform": "X", "url": "http://plain.example/x"}, "url"),
        ({"platform": "X", "url": "https://ok.example/" + "a" * 600}, "url"),
        ({"platform": "Myspace", "url": "https://ok.example/x"}, "platform"),
        ({"platform": "X", "url": "https://ok.example/x", "note": "n" * 1001}, "note"),
    ],
)
def test_the_form_names_what_is_wrong(fields: dict[str, str], field: str) -> None:
    assert list(problems(fields)) == [field]


def test_a_good_report_has_no_problem() -> None:
    assert problems({"platform": "X", "url": "https://ok.example/@acme", "note": "n"}) == {}


async def test_one_report_per_account_whatever_the_link_decoration(
    deps: Deps, people: FakeStore
) -> None:
    (first,) = await handle(deps, report("https://Social.Example/in/acme-ceo/"))
    assert isinstance(first, TextReply) and "HR has the report" in first.text
    (again,) = await handle(deps, report("https://social.example/in/acme-ceo?utm=share#top"))
    assert isinstance(again, TextReply) and "already reported" in again.text
    rows = people.data.registered[IMPOSTORS.name]
    assert len(rows) == 1
    (stored,) = rows.values()
    assert b"acme-ceo" not in stored.box  # sealed
    assert [n.person_id for n in people.data.outbox] == ["hana"]


async def test_a_failed_commit_stores_and_sends_nothing(deps: Deps, people: FakeStore) -> None:
    people.fail_commit = True
    await handle(deps, report("https://social.example/in/acme-ceo"))
    assert people.data.registered.get(IMPOSTORS.name, {}) == {}
    assert people.data.outbox == []
