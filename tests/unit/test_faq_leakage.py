"""The FAQ evaluation sets stay independent of the content the matcher is built from.

An evaluation question that is (nearly) a copy of an FAQ phrasing, a canonical question or an
off-topic example measures recall of the content, not matching: bench/faq_quality.py would then
overstate how well the bot handles questions it has never seen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from bot.content import Content
from tests.conftest import ROOT

SETS = ["faq_dev.yaml", "faq_eval.yaml", "faq_holdout.yaml"]
# Local sets written without sight of the content, kept out of the repository; each is checked
# when present so that tuning on it never copies its questions into the content.
BLIND = sorted((ROOT / ".blind").glob("*.yaml"))
# fuzz.ratio on normalised text; 85 catches copies that differ by a typo, a plural or a word or two.
NEAR_COPY = 85.0


def _normalise(text: str) -> str:
    """Lowercase, punctuation stripped, whitespace collapsed."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _content_texts(content: Content) -> list[tuple[str, str]]:
    texts = []
    for entry in content.faq:
        texts.append((entry.question, f"faq {entry.id} question"))
        texts += [(p, f"faq {entry.id} phrasing") for p in entry.phrasings]
    texts += [(p, "vocabulary off_topic") for p in content.vocabulary.off_topic]
    return texts


def _leaks(content: Content, name: str, data: dict[str, list]) -> list[str]:
    questions = [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"])
    texts = _content_texts(content)
    choices = [_normalise(text) for text, _ in texts]
    leaks = []
    for question in questions:
        for _, ratio, i in process.extract(
            _normalise(question), choices, scorer=fuzz.ratio, score_cutoff=NEAR_COPY, limit=None
        ):
            text, where = texts[i]
            leaks.append(f"{name}: {question!r} ~ {where}: {text!r} ({ratio:.0f})")
    return leaks


@pytest.mark.parametrize("name", SETS)
def test_evaluation_questions_are_not_copies_of_the_content(content: Content, name: str) -> None:
    data = yaml.safe_load((ROOT / "tests" / "data" / name).read_text())
    leaks = _leaks(content, name, data)
    assert not leaks, "evaluation questions copied into the content:\n" + "\n".join(leaks)


@pytest.mark.skipif(not BLIND, reason="no local blind set")
@pytest.mark.parametrize("path", BLIND, ids=[p.name for p in BLIND])
def test_blind_questions_are_not_copies_of_the_content(content: Content, path: Path) -> None:
    leaks = _leaks(content, path.name, yaml.safe_load(path.read_text()))
    assert not leaks, "blind questions copied into the content:\n" + "\n".join(leaks)
