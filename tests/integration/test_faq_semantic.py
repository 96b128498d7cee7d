"""The hybrid matcher with the shipped model: what the hand-written vocabulary used to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.embedding import FastEmbedder, FileVectorCache
from bot.content import Content
from bot.features.faq.index import FaqIndex


@pytest.fixture(scope="module")
def hybrid(content: Content, tmp_path_factory: pytest.TempPathFactory) -> FaqIndex:
    cache = FileVectorCache(Path(tmp_path_factory.mktemp("vectors")))
    return FaqIndex(content.faq, content.vocabulary, embedder=FastEmbedder(), cache=cache)


def test_the_askers_job_said_to_set_the_scene_does_not_change_the_answer(
    hybrid: FaqIndex,
) -> None:
    plain = hybrid.match("can I use tiktok on my break")
    assert (plain.faq_id, plain.matcher) == ("work-time-and-devices", "hybrid")
    for scene in ("as a shift supervisor, ", "I'm a delivery driver, "):
        assert hybrid.match(scene + "can I use tiktok on my break").faq_id == plain.faq_id


def test_asking_for_a_person_goes_to_who_to_contact(hybrid: FaqIndex) -> None:
    assert hybrid.match("can I speak to a real person").faq_id == "who-to-contact"
    # Asking what the bot is gets no other topic (the contacts are a fair answer to it).
    assert hybrid.match("am I talking to a real person").faq_id in (None, "who-to-contact")


def test_a_question_about_something_else_is_not_offered_topics(hybrid: FaqIndex) -> None:
    match = hybrid.match("how many vacation days do I get this year?")
    assert (match.faq_id, match.suggestions) == (None, ())


def test_a_vague_question_gets_did_you_mean(hybrid: FaqIndex) -> None:
    match = hybrid.match("online stuff at work")
    assert match.faq_id is None
    assert 1 <= len(match.suggestions) <= 3


def test_a_batch_gets_the_answers_of_its_questions_asked_alone(hybrid: FaqIndex) -> None:
    questions = [
        "can I tweet how much I earn",
        "someone posted my home address online",
        "what's the capital of Peru?",
        "may I post a photo of my team at the christmas party",
    ]
    alone = [hybrid.match(q) for q in questions]
    together = hybrid.match_many(questions)
    assert [m.faq_id for m in together] == [m.faq_id for m in alone]
    # The int8 model quantises activations over the whole batch, so a question's vector moves
    # slightly with its company (on the local sets 1-3 answers in 225 differ from asked alone,
    # all near a threshold); clear questions get the same answers.
    assert [m.score for m in together] == pytest.approx([m.score for m in alone], abs=0.05)
    assert [m.suggestions[:1] for m in together] == [m.suggestions[:1] for m in alone]
