"""The CSV import's parsing, role checks and who a platform user is, without a database."""

from __future__ import annotations

import pytest

from bot.deps import Deps
from bot.directory import (
    ImportReport,
    NotAllowed,
    UnknownPlatform,
    identify,
    parse_people_csv,
    require,
)
from bot.dispatch import handle
from bot.messages import ConversationRef, Text, TextReply, UserRef
from bot.model import Person, Role
from tests.fakes import FakeStore


def test_parse_keeps_good_rows_and_explains_bad_ones() -> None:
    report = ImportReport()
    rows = parse_people_csv(
        "Email,Name,Roles,Timezone\n"
        "A@Example.com,Ann,hr; manager,Europe/Berlin\n"
        ",Nobody,,\n"
        "b@example.com,,,\n"
        "c@example.com,Cy,,Nowhere/Land\n",
        report,
    )
    assert [r.email for r in rows] == ["a@example.com"]
    assert rows[0].roles == {Role.EMPLOYEE, Role.HR, Role.MANAGER}
    assert report.problems == [
        "line 3: invalid email ''",
        "line 4: name is empty",
        "line 5: unknown time zone 'Nowhere/Land'",
    ]


def test_missing_columns_are_reported() -> None:
    report = ImportReport()
    assert parse_people_csv("mail,fullname\nx,y\n", report) == []
    assert report.problems == ["header: missing column(s) email, name"]


def test_roles_are_required_and_admin_holds_all() -> None:
    employee = Person(id="1", display_name="E")
    admin = Person(id="2", display_name="A", roles=frozenset({Role.ADMIN}))
    with pytest.raises(NotAllowed):
        require(employee, Role.HR)
    require(admin, Role.HR)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "header: the file is empty (expected a header line: email,name,...)"),
        (
            "email;name;roles\na@example.com;Ann;hr\n",
            "header: the columns are separated by semicolons, not commas: "
            "save the export as comma-separated CSV",
        ),
        ("name,department\nAnn,Sales\n", "header: missing column(s) email"),
        ("email,name\n", "the file has a header but no rows"),
    ],
)
def test_an_unusable_file_says_why(text: str, problem: str) -> None:
    report = ImportReport()
    assert parse_people_csv(text, report) == []
    assert report.problems == [problem]


def test_nobody_is_their_own_manager() -> None:
    report = ImportReport()
    rows = parse_people_csv(
        "email,name,manager_email\na@example.com,Ann,A@example.com\nb@example.com,Bo,\n", report
    )
    assert [r.email for r in rows] == ["b@example.com"]
    assert report.problems == [
        "line 2: manager_email is the person's own email: nobody is their own manager"
    ]
    assert rows[0].line == 3


def test_user_id_columns_are_read_for_any_platform_the_installation_knows() -> None:
    report = ImportReport()
    text = "email,name,slack_user_id,teams_user_id,matrix_user_id\na@x.org,Ann,U0A,,@ann:x.org\n"
    (row,) = parse_people_csv(text, report, platforms=("console", "slack", "teams", "matrix"))
    assert row.accounts == {"slack": "U0A", "matrix": "@ann:x.org"}  # an empty cell is none
    assert report.problems == []
    assert parse_people_csv(text, report) == []  # the default platforms: no matrix
    assert report.problems == [
        "header: unknown column(s) matrix_user_id (user id columns: slack_user_id, teams_user_id)"
    ]


async def test_a_user_of_an_unknown_platform_is_refused_and_nobody_is_created(
    deps: Deps, store: FakeStore
) -> None:
    stranger = UserRef("discord", "1234")
    async with store() as uow:
        with pytest.raises(UnknownPlatform, match="unknown chat platform 'discord'"):
            await identify(uow, stranger)
    for _ in range(3):
        (reply,) = await handle(deps, Text(stranger, ConversationRef("discord", "d1"), "hi"))
        assert isinstance(reply, TextReply) and "not set up" in reply.text
    assert store.data.people == {}
    # A platform the bot has a channel for is welcome, and known the second time.
    for _ in range(2):
        await handle(deps, Text(UserRef("slack", "U0NEW"), ConversationRef("slack", "D1"), "hi"))
    (person,) = store.data.people.values()
    assert person.accounts == {"slack": "U0NEW"}
