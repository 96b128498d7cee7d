"""The FAQ matcher on the shipped content: paraphrase, typos, shorthand, honest abstention."""

from __future__ import annotations

import pytest

from bot.faq import FaqIndex


@pytest.mark.parametrize(
    ("question", "faq_id"),
    [
        ("can i tell ppl how much i earn on insta", "pay-and-conditions"),
        ("Can I critisize my boss on twiter?", "criticism-of-company"),
        ("a reporter dmd me about the company", "media-inquiries"),
        ("someone posted my home adress online", "doxxing"),
        ("do I have to add #employee when I praise our product", "disclose-affiliation"),
        ("IS THE SURVEY ANONYMOUS", "surveys-anonymity"),
        ("is the survey anonymous?!?!", "surveys-anonymity"),
    ],
)
def test_paraphrases_typos_and_shorthand_find_the_topic(
    faq: FaqIndex, question: str, faq_id: str
) -> None:
    match = faq.match(question)
    assert match.faq_id == faq_id, match
    assert 0.0 < match.score <= 1.0


@pytest.mark.parametrize(
    "question",
    [
        "how are you today",
        "bot",
        "what's the weather like in Leeds",
        "how do I claim my travel expenses",
        "how do I change my profile picture on facebook",
        "\x00\x01\x02 \ufffd\ufffd",
        "🙂🙂🙂",
        "",
    ],
)
def test_out_of_scope_abstains(faq: FaqIndex, question: str) -> None:
    match = faq.match(question)
    assert match.faq_id is None, match


def test_very_long_input_is_bounded_and_still_answers(faq: FaqIndex) -> None:
    question = "can I discuss my salary online? " + "blah " * 8000
    match = faq.match(question)
    assert match.faq_id in (None, "pay-and-conditions")
    assert faq.match("can I discuss my salary online?").faq_id == "pay-and-conditions"


def test_every_canonical_question_finds_its_own_entry(faq: FaqIndex, content) -> None:  # type: ignore[no-untyped-def]
    for entry in content.faq:
        assert faq.match(entry.question).faq_id == entry.id, entry.id
