"""What changed between the shipped policy versions, and "what changed?" in chat."""

from __future__ import annotations

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.review import changes
from bot.messages import Card, ConversationRef, Text, UserRef


def test_the_diff_of_v1_and_v2_names_exactly_the_changed_sections(content: Content) -> None:
    v1, v2 = content.policy(1), content.policy(2)
    assert v1 is not None and v2 is not None
    d = changes.diff(v1, v2)
    assert [s.id for s in d.added] == ["ai-and-impersonation"]
    assert [s.id for s in d.removed] == ["blogs"]
    assert [r.section.id for r in d.reworded] == ["personal-use", "work-time", "reporting"]
    # Every other section is word for word the same in both versions.
    for section in v2.sections:
        if section.id not in d.changed_ids:
            assert v1.section(section.id) == section
    work_time = next(r for r in d.reworded if r.section.id == "work-time")
    assert any("Reasonable personal use" in s for s in work_time.added)
    assert work_time.removed and all("**" not in s for s in work_time.added)
    text = changes.summary(d)
    assert "*Added: AI-generated content and impersonation*" in text
    assert "*Removed: Blogs and podcasts*" in text
    assert "18 other sections are unchanged." in text
    assert changes.diff(v2, v2).changed_ids == set()


async def test_what_changed_in_chat(deps: Deps) -> None:
    for question in ("what changed?", "What's new", "policy changes"):
        (reply,) = await handle(
            deps, Text(UserRef("slack", "U1"), ConversationRef("slack", "D1"), question)
        )
        assert isinstance(reply, Card) and reply.title == "What changed in version 2"
        assert "Reworded: Work time and devices" in reply.body


def test_the_full_comparison_quotes_whole_sentences_and_what_was_removed(
    content: Content,
) -> None:
    v1, v2 = content.policy(1), content.policy(2)
    assert v1 is not None and v2 is not None
    text = changes.summary(changes.diff(v1, v2), full=True)
    assert (
        "do not use company devices to run personal businesses or campaigns.\u201d" in text
    )  # shortened to "camp…" in chat
    assert "Removed: \u201cKeep personal use of social media to breaks and lunchtime.\u201d" in text
    assert "Removed: \u201cIf you write a blog or host a podcast" in text  # a removed section
    assert "Never paste confidential information" in text  # an added section, every sentence
    assert "\u2026" not in text
