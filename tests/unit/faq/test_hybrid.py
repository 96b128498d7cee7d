"""The hybrid FAQ matcher with a fake embedder: the port, the cache, batching, "did you mean"."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from adapters.embedding import FileVectorCache
from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle, handle_many
from bot.features.faq.embedding import Embedder, VectorCache, Vectors
from bot.features.faq.index import FaqIndex, HybridTuning
from bot.messages import Action, Card, Choices, ConversationRef, Text, UserRef
from tests.fakes import FakeCipher, FakeClock, FakeStore
from tests.replies import as_text

ALICE = UserRef("slack", "UALICE")
DM = ConversationRef("slack", "D1")


class FakeEmbedder:
    """Hashed bag of words: texts that share words are alike. Counts its calls and threads."""

    name = "fake-bag-of-words"
    fingerprint = "fake-1"

    def __init__(self, dimensions: int = 256) -> None:
        self.dimensions = dimensions
        self.calls: list[int] = []
        self.threads: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        self.threads.append(threading.current_thread().name)
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                slot = int(hashlib.md5(word.strip("?,.!").encode()).hexdigest(), 16)
                out[row, slot % self.dimensions] += 1.0
        norms: Vectors = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return out / norms


def _index(
    content: Content,
    embedder: FakeEmbedder,
    *,
    hybrid: HybridTuning | None = None,
    cache: VectorCache | None = None,
) -> FaqIndex:
    return FaqIndex(content.faq, content.vocabulary, embedder=embedder, hybrid=hybrid, cache=cache)


def test_the_fake_is_an_embedder() -> None:
    embedder: Embedder = FakeEmbedder()  # mypy checks the port against the fake
    assert embedder.embed(["a b", "a b"]).shape == (2, 256)


def test_hybrid_answers_and_reports_itself(content: Content) -> None:
    faq = _index(content, FakeEmbedder())
    match = faq.match("Can I talk about my salary with coworkers on Twitter?")
    assert (match.faq_id, match.matcher) == ("pay-and-conditions", "hybrid")
    assert faq.health() == {"status": "ok", "matcher": "hybrid", "model": "fake-bag-of-words"}
    lexical = FaqIndex(content.faq, content.vocabulary, reason="turned off (FAQ_SEMANTIC=false)")
    assert lexical.health()["matcher"] == "lexical"
    assert "FAQ_SEMANTIC" in lexical.health()["reason"]


def test_below_the_answer_threshold_likely_topics_are_offered(content: Content) -> None:
    # Never sure: always "did you mean".
    unsure = HybridTuning(answer=1.01, suggest=0.0, decisive=1.01)
    match = _index(content, FakeEmbedder(), hybrid=unsure).match("can I post my salary")
    assert match.faq_id is None
    assert len(match.suggestions) == 3
    assert "pay-and-conditions" in match.suggestions
    never = HybridTuning(answer=1.01, suggest=1.01, decisive=1.01)
    assert _index(content, FakeEmbedder(), hybrid=never).match("salary").suggestions == ()


def test_warm_start_reads_the_cache_and_a_content_edit_invalidates_it(
    content: Content, tmp_path: Path
) -> None:
    cache = FileVectorCache(tmp_path)
    cold = FakeEmbedder()
    _index(content, cold, cache=cache)
    assert cold.calls and sum(cold.calls) > 1000  # the content, embedded once
    warm = FakeEmbedder()
    _index(content, warm, cache=cache)
    assert warm.calls == []  # nothing embedded again
    first = content.faq[0]
    edited = replace(
        content,
        faq=(first.model_copy(update={"answer": first.answer + " More."}), *content.faq[1:]),
    )
    after = FakeEmbedder()
    _index(edited, after, cache=cache)
    assert after.calls  # a changed answer is a new content hash
    assert len(list(tmp_path.glob("faq-vectors-*.npy"))) == 2  # each content has its own


def test_another_model_does_not_reuse_the_cache(content: Content, tmp_path: Path) -> None:
    cache = FileVectorCache(tmp_path)
    _index(content, FakeEmbedder(), cache=cache)
    other = FakeEmbedder()
    other.fingerprint = "fake-2"
    _index(content, other, cache=cache)
    assert other.calls


@pytest.mark.parametrize("garbage", [b"", b"not numpy at all", b"\x93NUMPY\x01\x00garbage"])
def test_a_corrupt_cache_is_rebuilt_with_a_log_line(
    content: Content, tmp_path: Path, caplog: pytest.LogCaptureFixture, garbage: bytes
) -> None:
    cache = FileVectorCache(tmp_path)
    _index(content, FakeEmbedder(), cache=cache)
    (path,) = tmp_path.glob("faq-vectors-*.npy")
    path.write_bytes(garbage)
    rebuilt = FakeEmbedder()
    with caplog.at_level(logging.WARNING):
        faq = _index(content, rebuilt, cache=cache)
    assert rebuilt.calls
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    assert faq.match("can I tweet my salary").matcher == "hybrid"
    assert FileVectorCache(tmp_path).load(path.stem.removeprefix("faq-vectors-")) is not None


def test_a_cache_of_the_wrong_shape_is_rebuilt(content: Content, tmp_path: Path) -> None:
    cache = FileVectorCache(tmp_path)
    _index(content, FakeEmbedder(), cache=cache)
    (path,) = tmp_path.glob("faq-vectors-*.npy")
    np.save(path, np.zeros((3, 256), dtype=np.float32))
    rebuilt = FakeEmbedder()
    _index(content, rebuilt, cache=cache)
    assert rebuilt.calls


def _deps(content: Content, faq: FaqIndex, store: FakeStore) -> Deps:
    return Deps(content, faq, store, FakeClock(), FakeCipher())


MODEL_NEEDED = HybridTuning(decisive=1.01)
"""The shipped tuning, except that the words alone never answer: every question is embedded."""


async def test_a_question_is_embedded_off_the_event_loop(content: Content) -> None:
    embedder = FakeEmbedder()
    faq = _index(content, embedder, hybrid=MODEL_NEEDED)
    embedder.calls.clear()
    embedder.threads.clear()
    match = await faq.amatch("can I tweet my salary")
    assert match.faq_id == "pay-and-conditions"
    assert embedder.calls == [1]
    assert embedder.threads[0].startswith("faq-model")  # not the event loop's thread


async def test_a_question_the_words_answer_decisively_is_not_embedded(content: Content) -> None:
    embedder = FakeEmbedder()
    faq = _index(content, embedder)
    embedder.calls.clear()
    question = "can I tweet my salary"
    assert faq.lexical.match(question).score >= faq.hybrid.decisive
    match = await faq.amatch(question)
    assert (match.faq_id, match.matcher) == ("pay-and-conditions", "hybrid")
    await faq.prefetch([question])
    assert faq.match_many([question])[0].faq_id == "pay-and-conditions"
    assert embedder.calls == []
    # Below the decisive confidence the model is asked, even for the same topic.
    vague = "salary"
    assert faq.lexical.match(vague).score < faq.hybrid.decisive
    await faq.amatch(vague)
    assert embedder.calls == [1]
    # Nearest phrasings need the vector: it is made off the event loop then.
    near = await faq.aclosest(question)
    assert near and near[0].by == "meaning" and embedder.calls == [1, 1]
    assert embedder.threads[-1].startswith("faq-model")


async def test_a_prefetched_batch_is_compared_off_the_event_loop_and_answered_the_same(
    content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Questions prefetched together are compared with the content on the model's thread; each
    gets what it would get alone, to the last digit."""
    embedder = FakeEmbedder()
    faq = _index(content, embedder, hybrid=MODEL_NEEDED)
    assert faq.semantic is not None
    questions = [e.question for e in content.faq] + ["what is for lunch", "salary", "x y z"]
    alone = [faq.match(q) for q in questions]
    compared: list[str] = []
    similarities = faq.semantic.similarities

    def spy(vector: Vectors) -> object:
        compared.append(threading.current_thread().name)
        return similarities(vector)

    monkeypatch.setattr(faq.semantic, "similarities", spy)
    await faq.prefetch(questions)
    assert len(compared) == len(questions)
    assert all(name.startswith("faq-model") for name in compared)
    assert [await faq.amatch(q) for q in questions] == alone
    assert len(compared) == len(questions)  # answered from what the prefetch compared


async def test_a_question_asked_again_gets_the_same_answer_until_the_content_changes(
    content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = FakeEmbedder()
    faq = _index(content, embedder, hybrid=MODEL_NEEDED)
    question = "can I tweet my salary"
    first = await faq.amatch(question)
    assert first.faq_id == "pay-and-conditions"
    looked: list[str] = []
    evidence = faq.lexical.evidence

    def counted(text: str) -> object:
        looked.append(text)
        return evidence(text)

    monkeypatch.setattr(faq.lexical, "evidence", counted)
    embedder.calls.clear()
    await faq.prefetch([question, question])
    assert await faq.amatch(question) == first
    assert (looked, embedder.calls) == ([], [])  # answered from what it answered before
    # Another tuning, then other content: the question is matched again.
    faq.hybrid = replace(MODEL_NEEDED, answer=0.99)
    again = await faq.amatch(question)
    assert again.faq_id is None and again.candidate == "pay-and-conditions"
    faq.hybrid = MODEL_NEEDED
    assert await faq.amatch(question) == first
    pay = next(e for e in content.faq if e.id == "pay-and-conditions")
    await faq.reload([e for e in content.faq if e is not pay])
    assert (await faq.amatch(question)).faq_id != "pay-and-conditions"


async def test_questions_arriving_together_are_embedded_in_one_call(content: Content) -> None:
    embedder = FakeEmbedder()
    faq = _index(content, embedder, hybrid=MODEL_NEEDED)
    embedder.calls.clear()
    store = FakeStore()
    deps = _deps(content, faq, store)
    questions = [f"can person {n} tweet about their salary" for n in range(8)]
    batch = [
        (Text(UserRef("slack", f"U{n}"), DM, q, delivery_id=f"E{n}"), None)
        for n, q in enumerate(questions)
    ]
    results = await handle_many(deps, batch)
    assert embedder.calls == [8]  # one model call for the whole batch
    assert all(isinstance(r, list) and r for r in results)


async def test_did_you_mean_offers_buttons_and_pressing_one_answers(content: Content) -> None:
    store = FakeStore()
    unsure = HybridTuning(answer=1.01, suggest=0.0, decisive=1.01)
    deps = _deps(content, _index(content, FakeEmbedder(), hybrid=unsure), store)
    (reply,) = await handle(deps, Text(ALICE, DM, "can I post my salary"))
    assert isinstance(reply, Choices)
    picks = [b for b in reply.buttons if b.action_id == "faq_pick"]
    assert len(picks) == 3
    assert [b.label for b in reply.buttons][-1] == "Ask HR"
    assert all(len(b.label) <= 75 for b in reply.buttons)
    assert store.data.answers == {}  # nothing answered outright
    chosen = next(b for b in picks if b.value.startswith("pay-and-conditions:"))
    (card,) = await handle(deps, Action(ALICE, DM, "faq_pick", chosen.value))
    assert isinstance(card, Card)
    entry = content.entry("pay-and-conditions")
    assert entry is not None and card.title == entry.question
    ((faq_id, score, _, _),) = store.data.answers.values()
    assert faq_id == "pay-and-conditions" and 0 <= score < 1  # logged like any answer
    # The question was answered: no reminder of a question waiting for HR.
    async with store() as uow:
        assert await uow.conversations.flow(ALICE) is None


async def test_a_stale_or_forged_pick_is_refused_politely(content: Content) -> None:
    store = FakeStore()
    deps = _deps(content, _index(content, FakeEmbedder()), store)
    (reply,) = await handle(deps, Action(ALICE, DM, "faq_pick", "no-such-topic:0.3"))
    assert "no longer" in as_text(reply).text
    (card,) = await handle(deps, Action(ALICE, DM, "faq_pick", "doxxing:nonsense"))
    assert isinstance(card, Card)
    assert store.data.answers
