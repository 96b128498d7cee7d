"""Which departments a survey's results may break out: no hidden group can be computed by
subtracting what is shown from the total, with any number of departments."""

from __future__ import annotations

import itertools
import random

import pytest

from bot.features.surveys.results import breakdown

T = 5  # the shipped threshold


def names(*sizes: int) -> dict[str, int]:
    return {f"D{n}": size for n, size in enumerate(sizes)}


def check(sizes: dict[str, int]) -> set[str]:
    """The breakdown, after checking everything an HR reader could compute from it."""
    participants = sum(sizes.values())
    shown = breakdown(sizes, participants, T)
    for dept in shown:
        assert sizes[dept] >= T and participants - sizes[dept] >= T, (sizes, dept)
    hidden = participants - sum(sizes[d] for d in shown)  # total minus what is shown
    if shown:  # (with nothing broken out, the total is all there is, shown from T people)
        assert hidden == 0 or hidden >= T, (sizes, shown)
    # Nothing is hidden that did not need to be: at most one department beyond the rule.
    eligible = {d for d, n in sizes.items() if n >= T and participants - n >= T}
    assert shown <= eligible and len(eligible - shown) <= 1, (sizes, shown)
    return shown


@pytest.mark.parametrize(
    ("sizes", "count"),
    [
        ((5, 5, 2), 1),  # both fives shown: total - 5 - 5 gave the two answers away
        ((5, 5, 5), 3),
        ((5, 5, 5, 2), 2),
        ((10, 10, 2, 2), 1),
        ((6, 5, 4, 1), 2),  # the 4 and the 1 together are 5: enough
        ((5, 5, 1, 1, 1, 1, 1), 2),
        ((5, 5, 1, 1, 1, 1), 1),
        ((5, 5), 2),
        ((12,), 0),  # everyone in one department: "everyone else" is nobody
        ((5, 4), 0),
        ((7, 7, 7, 7, 3), 3),
    ],
)
def test_small_departments_stay_hidden_together(sizes: tuple[int, ...], count: int) -> None:
    assert len(check(names(*sizes))) == count


def test_the_five_five_two_case_hides_one_of_the_fives() -> None:
    assert check({"Sales": 5, "Support": 5, "Legal": 2}) == {"Support"}


@pytest.mark.parametrize("departments", [3, 4, 5, 6, 8])
def test_no_hidden_group_can_be_computed_with_many_departments(departments: int) -> None:
    rng = random.Random(departments)
    for _ in range(400):
        check(names(*(rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 9, 14)) for _ in range(departments))))


def test_every_small_configuration() -> None:
    for sizes in itertools.product(range(0, 8), repeat=4):
        check(names(*sizes))


def test_a_survey_may_raise_its_thresholds_never_lower_them() -> None:
    from bot.features.surveys.rules import Survey, SurveyQuestion, Surveys

    question = SurveyQuestion(id="q1", kind="likert", text="It works for me.")
    rules = Surveys(threshold=5, comment_threshold=10, surveys=(Survey(
        id="s", title="Base", questions=(question,)),))  # fmt: skip
    lower = Survey(id="low", title="Lower", questions=(question,), threshold=3)
    higher = Survey(
        id="high", title="Higher", questions=(question,), threshold=8, comment_threshold=12
    )
    assert rules.thresholds(rules.surveys[0]) == (5, 10)
    assert rules.thresholds(lower) == (5, 10)  # never below the installation's
    assert rules.thresholds(higher) == (8, 12)
