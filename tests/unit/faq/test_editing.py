"""The FAQ changes service on the in-memory fakes: the rules of a phrasing and an entry, the
layer over the content, retiring, and the matcher taking changes up once."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.dashboard.dashboard import Missing
from bot.features.faq import editing
from bot.features.faq.index import FaqIndex
from bot.features.faq.store import ChangeKind
from bot.model import Person, Role
from tests.fakes import FakeCipher, FakeClock, FakeStore

GAP = "is it fine to stream our team offsite"
HR = Person("hr1", "Hana HR", roles=frozenset({Role.HR}))
ENTRY = {
    "id": "charity-streams",
    "question": "Can I livestream the charity run?",
    "answer": "Yes, from your own account; keep colleagues out of shot unless they agree.",
    "section": "personal-use",
    "phrasings": "stream the fun run\nlive video of a charity race\nstreaming a sponsored run",
}


@pytest.fixture
def deps(content: Content) -> Deps:
    faq = FaqIndex(content.faq, content.vocabulary)  # its own: the tests change it
    return Deps(content, faq, FakeStore(), FakeClock(), FakeCipher())


async def test_a_phrasing_is_checked_then_layered_over_its_entry(deps: Deps) -> None:
    async with deps.store() as uow:
        for faq_id, text, field in (
            ("nope", GAP, "faq_id"),
            ("doxxing", "  ?? 42 ", "text"),
            ("doxxing", "x" * 301, "text"),
            ("doxxing", deps.content.faq[0].phrasings[0].upper(), "text"),  # case aside
        ):
            with pytest.raises(editing.Invalid) as problem:
                await editing.add_phrasing(deps, uow, HR, faq_id, text)
            assert field in problem.value.errors
        change = await editing.add_phrasing(deps, uow, HR, "colleague-privacy", f"  {GAP}  ")
        assert change.text == GAP and change.author_id == "hr1"
        await uow.commit()
    entries = editing.merged(deps.content.faq, [change])
    entry = next(e for e in entries if e.id == "colleague-privacy")
    assert entry.phrasings[-1] == GAP and len(entries) == len(deps.content.faq)
    assert deps.faq.match(GAP).faq_id is None
    async with deps.store() as uow:
        assert await editing.refresh(deps, uow) == 1
        assert await editing.refresh(deps, uow) == 0
    assert deps.faq.match(GAP).faq_id == "colleague-privacy"


async def test_an_entry_needs_every_part_and_an_unused_id(deps: Deps) -> None:
    async with deps.store() as uow:
        with pytest.raises(editing.Invalid) as problem:
            await editing.add_entry(deps, uow, HR, {**ENTRY, "id": "Bad Id", "section": "x"})
        assert set(problem.value.errors) == {"id", "section"}
        with pytest.raises(editing.Invalid) as problem:
            await editing.add_entry(deps, uow, HR, {**ENTRY, "phrasings": "one\ntwo way"})
        assert set(problem.value.errors) == {"phrasings"}
        with pytest.raises(editing.Invalid) as problem:
            await editing.add_entry(deps, uow, HR, {**ENTRY, "id": "doxxing", "answer": "Yes."})
        assert set(problem.value.errors) == {"id", "answer"}
        change = await editing.add_entry(deps, uow, HR, ENTRY, "ticket Q-DONE01")
        assert change.kind is ChangeKind.ENTRY and len(change.phrasings) == 3
        await uow.commit()
        assert await editing.refresh(deps, uow) == 1
    assert deps.faq.entry("charity-streams") is not None
    assert deps.faq.match("can I live stream a charity race").faq_id == "charity-streams"


async def test_retiring_an_entry_retires_its_phrasings_and_keeps_the_history(deps: Deps) -> None:
    async with deps.store() as uow:
        entry = await editing.add_entry(deps, uow, HR, ENTRY)
        await editing.refresh(deps, uow)
        phrasing = await editing.add_phrasing(deps, uow, HR, "charity-streams", GAP)
        await editing.retire(deps, uow, HR, entry.id)
        changes = await uow.faq_changes.all()
        assert [(c.id, c.retired_by) for c in changes] == [(entry.id, "hr1"), (phrasing.id, "hr1")]
        assert editing.merged(deps.content.faq, changes) == deps.content.faq
        with pytest.raises(Missing):
            await editing.retire(deps, uow, HR, entry.id)


async def test_only_hr_changes_the_faq(deps: Deps) -> None:
    manager = Person("m1", "Mona", roles=frozenset({Role.MANAGER}))
    async with deps.store() as uow:
        with pytest.raises(NotAllowed):
            await editing.add_phrasing(deps, uow, manager, "doxxing", GAP)
        with pytest.raises(NotAllowed):
            await editing.trial(deps, manager, GAP)
        assert await uow.faq_changes.all() == []


async def test_a_tried_question_is_embedded_once_off_the_event_loop(content: Content) -> None:
    from tests.unit.faq.test_hybrid import FakeEmbedder

    embedder = FakeEmbedder()
    faq = FaqIndex(content.faq, content.vocabulary, embedder=embedder)
    deps = Deps(content, faq, FakeStore(), FakeClock(), FakeCipher())
    embedder.calls.clear()  # the content's vectors, at start
    embedder.threads.clear()
    tried = await editing.trial(deps, HR, "someone posted my home address online")
    assert tried.near and all(n.by == "meaning" for n in tried.near)
    assert embedder.calls == [1]  # the match and the closest phrasings share one vector
    assert embedder.threads[0].startswith("faq-model")  # not the event loop's thread
