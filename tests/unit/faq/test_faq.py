"""The FAQ matcher on the shipped content: paraphrase, typos, shorthand, honest abstention."""

from __future__ import annotations

import pytest

from bot.content import Content, Vocabulary
from bot.features.faq.index import FaqIndex
from bot.features.faq.normalise import Normaliser, Tuning


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
        "who's the mayor of London",
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


def test_every_canonical_question_finds_its_own_entry(faq: FaqIndex, content: Content) -> None:
    for entry in content.faq:
        assert faq.match(entry.question).faq_id == entry.id, entry.id


def _normaliser(mapping: dict[str, str]) -> Normaliser:
    return Normaliser(Vocabulary(synonyms=mapping), Tuning())


def test_vocabulary_keys_are_split_like_questions() -> None:
    words = _normaliser({"co-worker": "colleague", "don't know": "unsure"}).words
    assert words("my co-worker posted it") == ["colleague", "posted"]
    assert words("I don't know") == ["unsure"]


def test_plural_and_verb_forms_map_like_the_vocabulary_word() -> None:
    words = _normaliser({"firm": "company", "flag": "report", "criticise": "criticise"}).words
    assert words("firms") == ["company"]
    assert words("flagged flagging flags") == ["report", "report", "report"]
    assert words("criticised criticising") == ["criticise", "criticise"]
    # Only inflections: other words that start with a key are left alone.
    assert words("firmly") == ["firmly"]


def test_a_phrase_wins_over_its_first_word() -> None:
    words = _normaliser({"during working hours": "worktime", "working": "work"}).words
    assert words("tiktok during working hours") == ["tiktok", "worktime"]
    assert words("my working hours") == ["work", "hours"]


@pytest.mark.parametrize(
    ("question", "faq_id"),
    [
        ("can I scroll instagram on the clock", "work-time-and-devices"),
        ("can I post how many hours I do a week", "pay-and-conditions"),
        ("could my supervisor get back at me for flagging his post", "retaliation"),
    ],
)
def test_vocabulary_families_separate_close_topics(
    faq: FaqIndex, question: str, faq_id: str
) -> None:
    assert faq.match(question).faq_id == faq_id


def test_questions_closer_to_off_topic_examples_abstain(faq: FaqIndex) -> None:
    # Shares words with the policy (tiktok, followers) but is an app how-to.
    assert faq.match("how can I gain followers on tiktok quickly").faq_id is None


@pytest.mark.parametrize(
    "junk",
    [
        bytes(range(256)).decode("latin-1"),
        bytes(range(256)).decode("latin-1") * 3,
        "1 23 41 4 0123456789",
    ],
)
def test_a_strong_match_on_a_few_words_of_junk_abstains(faq: FaqIndex, junk: str) -> None:
    match = faq.match(junk)
    assert match.faq_id is None
    assert match.score < faq.tuning.threshold


def test_capital_it_is_the_department_not_the_pronoun() -> None:
    words = _normaliser({}).words
    assert words("ask IT about it") == ["ask", "infotech"]
    # A shouted question keeps "IT" as the pronoun.
    assert words("CAN I POST IT") == ["post"]


def test_common_english_words_are_not_corrected_into_other_words() -> None:
    normaliser = _normaliser({})
    normaliser.learn(["who bought it", "seeing a post", "the policy"])
    # Real words the corpus lacks stay as typed; misspellings still find the corpus word.
    assert normaliser.tokens("brought seeking")[0] == ["brought", "seek"]
    assert normaliser.tokens("polcy")[0] == ["polici"]


def test_a_question_asked_for_someone_else_reads_like_the_askers_own() -> None:
    words = _normaliser({}).words
    own = words("am I allowed on instagram at lunch")
    assert (
        words("my colleague on reception wants to know if she's allowed on instagram at lunch")
        == own
    )
    assert "colleague" not in words("a coworker asked me whether she can post it")
    assert "colleague" not in words("my colleague on nights heard the company checks our posts")
    # What the colleague did, rather than asked, stays: it is the question.
    assert "colleague" in words("my colleague heard me criticise the company")
    assert "colleague" in words("my colleague asked me to take down a photo of her")


def test_a_long_story_around_a_clear_topic_is_answered(faq: FaqIndex) -> None:
    question = (
        "Long story: we moved house in March, the boiler packed in twice, my neighbour's spaniel "
        "barks through the night, the kids caught chickenpox, my train crawls into town late every "
        "morning and the car failed its inspection. Amid all that chaos one thing nags at me: "
        "is checking instagram in working hours on the company laptop or office wifi against "
        "the rules?"
    )
    # Most of the question is the story, so the topic explains little of it; its topic words
    # still weigh enough to answer.
    assert faq.match(question).faq_id == "work-time-and-devices"
