"""The CSV import's parsing and role checks, without a database."""

from __future__ import annotations

import pytest

from bot.directory import ImportReport, NotAllowed, parse_people_csv, require
from bot.model import Person, Role


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
