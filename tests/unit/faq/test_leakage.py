"""The FAQ evaluation sets stay independent of the content the matcher is built from.

An evaluation question that is (nearly) a copy of an FAQ phrasing, a canonical question or an
off-topic example measures recall of the content, not matching: bench/faq_quality.py would then
overstate how well the bot handles questions it has never seen. A copy may be reordered
("on twitter can I..."), padded with a few words ("hi, quick one: ... thanks"), or embedded in
a longer text; and a vocabulary entry written for one evaluation question (a phrase that no
content text uses) leaks the question's wording into the matcher just as well.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz, process

from bot.content import Content
from tests.conftest import ROOT

SETS = ["faq_dev.yaml", "faq_eval.yaml", "faq_holdout.yaml"]
# Local sets written without sight of the content, kept out of the repository; each is checked
# when present so that tuning on it never copies its questions into the content.
BLIND = sorted((ROOT / ".blind").glob("*.yaml"))
# fuzz ratios on normalised text; 85 catches copies that differ by a typo, a plural or a word or
# two, in any order.
NEAR_COPY = 85.0
# A text of at least this many words whose words nearly all (CONTAINED) reappear in the other,
# in any order, is a copy padded or embedded, unless the other is much longer (PADDING).
MIN_WORDS = 6
CONTAINED = 0.9
PADDING = 1.6


def _normalise(text: str) -> str:
    """Lowercase, apostrophes dropped, punctuation stripped, whitespace collapsed."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _content_texts(content: Content) -> list[tuple[str, str]]:
    texts = []
    for entry in content.faq:
        texts.append((entry.question, f"faq {entry.id} question"))
        texts += [(p, f"faq {entry.id} phrasing") for p in entry.phrasings]
    texts += [(p, "vocabulary off_topic") for p in content.vocabulary.off_topic]
    return texts


def _contained(short: str, long: str) -> bool:
    a, b = short.split(), long.split()
    if len(a) > len(b):
        a, b = b, a
    if len(a) < MIN_WORDS or len(b) > PADDING * len(a):
        return False
    shared = sum((Counter(a) & Counter(b)).values())
    return shared >= CONTAINED * len(a)


def near_copy(question: str, text: str) -> float:
    """How much `text` copies `question` (0-100), word order and a little padding aside."""
    q, t = _normalise(question), _normalise(text)
    score = max(fuzz.ratio(q, t), fuzz.token_sort_ratio(q, t))
    return 100.0 if _contained(q, t) else score


def _leaks(content: Content, name: str, data: dict[str, list[Any]]) -> list[str]:
    questions = [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"])
    texts = _content_texts(content)
    choices = [_normalise(text) for text, _ in texts]
    leaks = []
    for question in questions:
        q = _normalise(question)
        found = {
            i
            for scorer in (fuzz.ratio, fuzz.token_sort_ratio)
            for _, _, i in process.extract(
                q, choices, scorer=scorer, score_cutoff=NEAR_COPY, limit=None
            )
        }
        found |= {i for i, c in enumerate(choices) if _contained(q, c)}
        for i in sorted(found):
            text, where = texts[i]
            ratio = near_copy(question, text)
            leaks.append(f"{name}: {question!r} ~ {where}: {text!r} ({ratio:.0f})")
    return leaks


def _phrase_in(phrase: str, text: str) -> bool:
    return f" {phrase} " in f" {text} "


def _vocabulary_leaks(content: Content, name: str, data: dict[str, list[Any]]) -> list[str]:
    """Vocabulary keys of two or more words that occur in an evaluation question but in no
    content text (phrasings, questions, answers, off-topic examples)."""
    questions = [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"])
    asked = [_normalise(q) for q in questions]
    corpus = [_normalise(t) for t, _ in _content_texts(content)]
    corpus += [_normalise(e.answer) for e in content.faq]
    leaks = []
    for key in content.vocabulary.mapping():
        phrase = _normalise(key)
        if len(phrase.split()) < 2 or any(_phrase_in(phrase, t) for t in corpus):
            continue
        hits = [q for q in asked if _phrase_in(phrase, q)]
        if hits:
            leaks.append(f"{name}: vocabulary key {key!r} is used only by {hits[0]!r}")
    return leaks


def test_the_check_sees_reordered_padded_and_embedded_copies() -> None:
    question = "can I post photos of my colleagues on instagram"
    assert near_copy(question, "on instagram, can I post photos of my colleagues") >= NEAR_COPY
    padded = "hi there, quick one: can I post photos of my colleagues on instagram please"
    assert near_copy(question, padded) >= NEAR_COPY
    assert near_copy(question, "may I share a picture of a coworker online") < NEAR_COPY


@pytest.mark.parametrize("name", SETS)
def test_evaluation_questions_are_not_copies_of_the_content(content: Content, name: str) -> None:
    data = yaml.safe_load((ROOT / "tests" / "data" / name).read_text())
    leaks = _leaks(content, name, data) + _vocabulary_leaks(content, name, data)
    assert not leaks, "evaluation questions copied into the content:\n" + "\n".join(leaks)


@pytest.mark.skipif(not BLIND, reason="no local blind set")
@pytest.mark.parametrize("path", BLIND, ids=[p.name for p in BLIND])
def test_blind_questions_are_not_copies_of_the_content(content: Content, path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    leaks = _leaks(content, path.name, data) + _vocabulary_leaks(content, path.name, data)
    assert not leaks, "blind questions copied into the content:\n" + "\n".join(leaks)
