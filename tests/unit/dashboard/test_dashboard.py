"""Sign-in links to the dashboard, with fakes: who gets one, where it goes, how long it lasts."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.deps import Deps
from bot.dispatch import handle
from bot.features.dashboard import dashboard
from bot.messages import Action, Choices, ConversationRef, Reply, Text, TextReply, UserRef
from bot.model import Person, Role
from tests.fakes import FakeClock, FakeStore
from tests.replies import as_text

HR = UserRef("slack", "UHR")
DM = ConversationRef("slack", "D1")
CHANNEL = ConversationRef("slack", "C1", shared=True)
TOKEN = re.compile(r"/dashboard/sign-in/([A-Za-z0-9_-]+)")


def token_of(replies: list[Reply]) -> str:
    for reply in replies:
        if isinstance(reply, TextReply) and (found := TOKEN.search(reply.text)):
            return found.group(1)
    raise AssertionError(f"no link in {replies}")


async def test_typed_dashboard_gives_hr_a_personal_link_on_the_site(
    deps: Deps, hr_person: Person
) -> None:
    replies = await handle(deps, Text(HR, DM, "dashboard"))
    assert len(replies) == 1 and isinstance(replies[0], TextReply)
    assert replies[0].personal
    assert f"{deps.site_url}/dashboard/sign-in/" in replies[0].text
    assert "10 minutes" in replies[0].text


async def test_in_a_channel_the_link_goes_to_direct_messages(
    deps: Deps, store: FakeStore, hr_person: Person
) -> None:
    replies = await handle(deps, Text(HR, CHANNEL, "dashboard"))
    assert "/dashboard/sign-in/" not in " ".join(getattr(r, "text", "") for r in replies)
    assert [n.person_id for n in store.data.outbox] == [hr_person.id]
    assert token_of([store.data.outbox[0].reply])


async def test_the_link_is_stored_hashed_and_works_once_for_ten_minutes(
    deps: Deps, store: FakeStore, clock: FakeClock, hr_person: Person
) -> None:
    token = token_of(await handle(deps, Text(HR, DM, "dashboard")))
    ((stored, (person_id, expires)),) = store.data.sign_ins.items()
    assert stored == deps.cipher.keyed_hash("dashboard sign-in", token)
    assert person_id == hr_person.id and expires == clock.now() + timedelta(minutes=10)
    assert await dashboard.sign_in(deps, token) == hr_person.id
    assert await dashboard.sign_in(deps, token) is None  # spent
    late = token_of(await handle(deps, Text(HR, DM, "dashboard")))
    clock.advance(minutes=10)
    assert await dashboard.sign_in(deps, late) is None
    assert await dashboard.sign_in(deps, "not a token") is None


async def test_only_hr_handlers_managers_and_admins_get_a_link_and_see_the_menu_entry(
    deps: Deps, store: FakeStore
) -> None:
    for n, roles in enumerate(({Role.EMPLOYEE}, {Role.MANAGER}, {Role.HANDLER}, {Role.ADMIN})):
        user = UserRef("slack", f"U{n}")
        store.data.people[f"p{n}"] = Person(
            f"p{n}", "Pat", roles=frozenset(roles), accounts={"slack": user.id}
        )
        menu = (await handle(deps, Text(user, DM, "help")))[0]
        assert isinstance(menu, Choices)
        offered = any(b.action_id == "dashboard_link" for b in menu.buttons)
        pressed = await handle(deps, Action(user, DM, "dashboard_link"))
        if Role.EMPLOYEE in roles:
            assert not offered
            refused = as_text(pressed[0]).text
            assert "Sorry, only people with the hr, handler, manager role" in refused
        else:
            assert offered
            assert token_of(pressed)


def test_slack_and_teams_offer_the_command() -> None:
    import json
    from pathlib import Path

    from adapters.slack.bot import COMMANDS

    assert COMMANDS["dashboard"] == "dashboard"
    manifest = Path(__file__).resolve().parents[3] / "adapters/teams/manifest/manifest.json"
    commands = json.loads(manifest.read_text())["bots"][0]["commandLists"][0]["commands"]
    assert "dashboard" in [c["title"] for c in commands]
    assert len(commands) <= 10  # Teams' limit per scope


def test_public_url_is_the_base_of_links() -> None:
    import pytest

    from bot.settings import SettingsError, load_settings

    assert load_settings(PORT="4000").site_url == "http://127.0.0.1:4000"
    given = load_settings(PUBLIC_URL=" https://policybot.example.org/ ")
    assert given.site_url == "https://policybot.example.org"
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        load_settings(PUBLIC_URL="policybot.example.org")
