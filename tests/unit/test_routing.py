"""The routes the features declare: composed without clashes, and everything they point at
exists (a menu button's action, a Slack subcommand's phrase)."""

from __future__ import annotations

import pytest

from bot.catalog import FEATURES, ROUTES
from bot.messages import Reply
from bot.routing import MenuEntry, Routes, compose


async def _nothing(*_: object) -> list[Reply]:
    return []


def test_two_features_declaring_the_same_button_phrase_or_subcommand_is_an_error() -> None:
    one = Routes(actions={"x": _nothing}, typed={"x": ("do x",)}, slash={"x": "do x"})
    for clash, words in (
        (Routes(actions={"x": _nothing}), "button 'x'"),
        (Routes(actions={"y": _nothing}, typed={"y": ("do x",)}), "phrase 'do x'"),
        (Routes(slash={"x": "other"}), "subcommand 'x'"),
    ):
        with pytest.raises(ValueError, match=words):
            compose(one, clash)


def test_the_menu_is_in_its_declared_order_whatever_the_feature_order() -> None:
    late = Routes(menu=(MenuEntry("Late", "b", 20),))
    early = Routes(menu=(MenuEntry("Early", "a", 10),))
    assert [m.label for m in compose(late, early).menu] == ["Early", "Late"]


def test_everything_the_features_point_at_exists() -> None:
    assert {m.action for m in ROUTES.menu} <= set(ROUTES.actions)
    assert set(ROUTES.typed) <= set(ROUTES.actions)
    phrases = set(ROUTES.phrases)
    for subcommand, said in ROUTES.slash.items():
        assert said in phrases, subcommand
    # The composed routes are exactly the features' own, none lost on the way.
    assert len(ROUTES.actions) == sum(len(f.actions) for f in FEATURES)
    assert len(ROUTES.forms) == sum(len(f.forms) for f in FEATURES)
