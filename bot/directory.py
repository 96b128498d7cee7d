"""Who someone is and what they may do; the CSV import of the HR system's export."""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import astuple, dataclass, field

from bot.messages import UserRef
from bot.model import Person, Role, new_id
from bot.ports import UnitOfWork
from bot.text import valid

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CSV_COLUMNS = ("email", "name", "department", "manager_email", "timezone", "roles")
"""The export's columns; besides them, `<platform>_user_id` for each chat platform
(`slack_user_id`, `teams_user_id`...)."""
ACCOUNT_SUFFIX = "_user_id"
PLATFORMS = ("console", "slack", "teams")
"""The chat platforms the bot has channels for (the terminal chat's users are emails)."""


def is_email(text: str) -> bool:
    """True for something shaped like an email address."""
    return bool(_EMAIL_RE.match(text))


class NotAllowed(Exception):
    """The person lacks the role an action needs."""


class UnknownPlatform(ValueError):
    """A user of a platform this installation does not run: nobody is created for them."""

    def __init__(self, platform: str, known: Collection[str]) -> None:
        super().__init__(
            f"unknown chat platform {platform[:40]!r} (the bot has channels for "
            f"{', '.join(sorted(known))})"
        )
        self.platform = platform


@dataclass(frozen=True, slots=True)
class Profile:
    """What a platform tells us about a user when they first appear."""

    display_name: str | None = None
    email: str | None = None
    timezone: str | None = None


async def identify(
    uow: UnitOfWork,
    user: UserRef,
    profile: Profile | None = None,
    platforms: Collection[str] = PLATFORMS,
) -> Person:
    """The directory entry for a platform user, created or completed from their profile.

    Raises UnknownPlatform for a platform not in `platforms`.
    """
    if user.platform not in platforms:
        raise UnknownPlatform(user.platform, platforms)
    if profile is not None:
        profile = Profile(*(valid(v) if isinstance(v, str) else v for v in astuple(profile)))
    person = await uow.people.by_user(user)
    if person is None and profile and profile.email:
        person = await uow.people.by_email(profile.email.lower())
    changed = person is None
    if person is None:
        person = Person(id=new_id(), display_name=(profile and profile.display_name) or "Colleague")
    if user.platform == "console":  # the terminal chat's user id is an email address
        if person.email is None:
            person.email, changed = user.id.lower(), True
    elif person.account(user.platform) != user.id:
        person.accounts[user.platform], changed = user.id, True
    if profile:
        if profile.display_name and person.display_name in ("", "Colleague"):
            person.display_name, changed = profile.display_name, True
        if profile.email and not person.email:
            person.email, changed = profile.email.lower(), True
        if profile.timezone and not person.timezone and _valid_tz(profile.timezone):
            person.timezone, changed = profile.timezone, True
    if changed:
        await uow.people.save(person)
    return person


def require(person: Person, *roles: Role) -> None:
    """Refuse unless the person has one of `roles`."""
    if not person.has(*roles):
        raise NotAllowed(", ".join(r.value for r in roles))


def _valid_tz(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(slots=True)
class ImportReport:
    """What a people import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    """Rows (or the whole file) that could not be used, each with its line number."""
    warnings: list[str] = field(default_factory=list)
    """Rows imported with part of them left out (an unknown manager), with their line."""

    @property
    def used(self) -> int:
        """How many rows were imported."""
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One usable row of the HR export."""

    email: str
    name: str
    department: str | None
    manager_email: str | None
    timezone: str | None
    roles: frozenset[Role]
    accounts: dict[str, str] = field(default_factory=dict)  # platform -> user id
    line: int = 0


def _header_problem(text: str, header: list[str]) -> str | None:
    """Why the header cannot be used, naming the delimiter when that is the cause."""
    if not text.strip():
        return "header: the file is empty (expected a header line: email,name,...)"
    first = text.lstrip().splitlines()[0]
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        cells = [c.strip().lower() for c in first.split(delimiter)]
        if "email" in cells and "email" not in header:
            return (
                f"header: the columns are separated by {name}, not commas: "
                "save the export as comma-separated CSV"
            )
    missing = [c for c in ("email", "name") if c not in header]
    if missing:
        return f"header: missing column(s) {', '.join(missing)}"
    return None


def parse_people_csv(
    text: str, report: ImportReport, platforms: Collection[str] = PLATFORMS
) -> list[PersonRow]:
    """Rows of the HR export that can be used; the rest are explained in `report`.

    A `<platform>_user_id` column gives people's user ids on that platform; one for a
    platform not in `platforms` is a problem of the header.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    problem = _header_problem(text, header) or _account_problem(header, platforms)
    if problem:
        report.problems.append(problem)
        return []
    rows: list[PersonRow] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        email = row.get("email", "").lower()
        problem = _row_problem(row, email, seen)
        if problem:
            report.problems.append(f"line {line}: {problem}")
            continue
        seen.add(email)
        roles = {Role.EMPLOYEE} | {Role(r) for r in _split_roles(row.get("roles", ""))}
        rows.append(
            PersonRow(
                email=email,
                name=row["name"],
                department=row.get("department") or None,
                manager_email=(row.get("manager_email") or "").lower() or None,
                timezone=row.get("timezone") or None,
                roles=frozenset(roles),
                accounts={
                    column.removesuffix(ACCOUNT_SUFFIX): value
                    for column, value in row.items()
                    if column.endswith(ACCOUNT_SUFFIX) and value
                },
                line=line,
            )
        )
    if not rows and not report.problems:
        report.problems.append("the file has a header but no rows")
    return rows


def _account_problem(header: list[str], platforms: Collection[str]) -> str | None:
    unknown = [
        c
        for c in header
        if c.endswith(ACCOUNT_SUFFIX)
        and (c.removesuffix(ACCOUNT_SUFFIX) not in platforms or c == "console" + ACCOUNT_SUFFIX)
    ]
    if not unknown:
        return None
    known = ", ".join(p + ACCOUNT_SUFFIX for p in sorted(platforms) if p != "console")
    return f"header: unknown column(s) {', '.join(unknown)} (user id columns: {known})"


def _split_roles(value: str) -> list[str]:
    return [r.strip().lower() for r in re.split(r"[;,| ]+", value) if r.strip()]


def _row_problem(row: dict[str, str], email: str, seen: set[str]) -> str | None:
    if not _EMAIL_RE.match(email):
        return f"invalid email '{email[:80]}'"
    if email in seen:
        return f"duplicate email '{email}'"
    if not row.get("name"):
        return "name is empty"
    bad = [r for r in _split_roles(row.get("roles", "")) if r not in {x.value for x in Role}]
    if bad:
        return f"unknown role(s) {', '.join(bad)}"
    tz = row.get("timezone")
    if tz and not _valid_tz(tz):
        return f"unknown time zone '{tz[:60]}'"
    manager = (row.get("manager_email") or "").lower()
    if manager and not _EMAIL_RE.match(manager):
        return f"invalid manager_email '{manager[:80]}'"
    if manager and manager == email:
        return "manager_email is the person's own email: nobody is their own manager"
    return None


async def import_people(uow: UnitOfWork, rows: Iterable[PersonRow], report: ImportReport) -> None:
    """Create or update people by email; link managers in a second pass."""
    rows = list(rows)
    people: dict[str, Person] = {}
    for row in rows:
        existing = await uow.people.by_email(row.email)
        person = existing or Person(id=new_id(), display_name=row.name, email=row.email)
        before = (
            person.display_name,
            person.department,
            person.timezone,
            dict(person.accounts),
            person.roles,
        )
        person.display_name = row.name
        person.department = row.department
        person.timezone = row.timezone
        person.accounts.update(row.accounts)
        person.roles = row.roles
        after = (
            person.display_name,
            person.department,
            person.timezone,
            person.accounts,
            person.roles,
        )
        people[row.email] = person
        if existing is None:
            report.created += 1
        elif before != after:
            report.updated += 1
        else:
            report.unchanged += 1
        await uow.people.save(person)
    for row in rows:
        person = people[row.email]
        manager_id = None
        if row.manager_email:
            manager = people.get(row.manager_email) or await uow.people.by_email(row.manager_email)
            if manager is None:
                report.warnings.append(
                    f"line {row.line}: {row.email} imported without a manager: "
                    f"'{row.manager_email}' is neither in the file nor in the directory"
                )
            else:
                manager_id = manager.id
        if person.manager_id != manager_id:
            person.manager_id = manager_id
            await uow.people.save(person)
