"""What the README promises about backlash reports, each checked where it is kept: on a real
database with the real cipher, through the dispatcher as chat would reach it.

Sealed at rest (content, messages both ways, the resolve note, the confidential identity);
the people a reporter excluded are never told and can never act, whatever their role (admin
included) and however far the case escalates; the passphrase lock lasts its 15 minutes; an
anonymous report stores nothing that ties it to the person who sent it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.reports import casework
from bot.features.reports.reports import LOCK, MAX_FAILED
from bot.messages import (
    Action,
    Card,
    ConversationRef,
    Form,
    Incoming,
    Submission,
    Text,
    TextReply,
    UserRef,
)
from bot.model import Person, Role
from storage.cipher import KeyCipher
from storage.outbox_queue import OutboxQueue
from storage.uow import SqlStore
from tests.conftest import sql_deps, sql_store
from tests.dump import changes, dump, flat
from tests.fakes import FakeClock, NoticeLog
from tests.notices import forget, recipients, sent_to
from tests.replies import text_of

SECRET = b"p" * 32
DM = ConversationRef("slack", "D0CASES")
WHAT = "Someone keeps posting my photo with threats under the launch video"
# Everyone with a Slack account, so that each can press buttons in chat.
PEOPLE = (
    Person("sam", "Sam Reporter", "sam@example.com", manager_id="mo"),
    Person("alex", "Alex Other", "alex@example.com", manager_id="mo"),
    Person("mo", "Mo Manager", "mo@example.com", roles=frozenset({Role.MANAGER})),
    Person("hana", "Hana HR", "hana@example.com", roles=frozenset({Role.HR})),
    Person("hugo", "Hugo HR", "hugo@example.com", roles=frozenset({Role.HR})),
    Person("hal", "Hal Handler", "hal@example.com", roles=frozenset({Role.HANDLER})),
    Person("ada", "Ada Admin", "ada@example.com", roles=frozenset({Role.ADMIN})),
    Person("alf", "Alf Admin", "alf@example.com", roles=frozenset({Role.ADMIN})),
)


def user(person_id: str) -> UserRef:
    return UserRef("slack", f"U0{person_id.upper()}")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    store = SqlStore(engine)
    async with store() as uow:
        for p in PEOPLE:
            p.accounts["slack"] = user(p.id).id
            await uow.people.save(p)
        await uow.commit()
    return sql_deps(content, faq, store, notices, clock, KeyCipher(SECRET))


def report(by: str = "sam", **fields: str) -> Submission:
    values = {
        "danger": "no",
        "category": "threats",
        "severity": "high",
        "what": WHAT,
        "where": "https://video.example/launch",
        "when": "since Monday",
        "identity": "confidential",
        "exclude": "",
    }
    values.update(fields)
    return Submission(user(by), DM, "report", values)


async def case_id_of(deps: Deps, handler: str) -> str:
    """The case on the newest card `handler` was sent."""
    cards = [r for r in await sent_to(deps, handler) if isinstance(r, Card)]
    assert cards, f"{handler} was sent no case"
    return cards[-1].buttons[0].value


def receipt_of(form: object) -> tuple[str, str]:
    assert isinstance(form, Form) and form.form_id == "report_receipt", form
    lines = dict(line.split(": ", 1) for line in form.intro.splitlines()[:2])
    return lines["Your receipt"], lines["Your passphrase"]


def followup(receipt: str, passphrase: str, message: str = "") -> Submission:
    fields = {"receipt": receipt, "passphrase": passphrase, "message": message}
    return Submission(user("alex"), DM, "report_followup", fields)  # from any account


def raw_files(engine: AsyncEngine) -> bytes:
    """The embedded database's files as they are on disk (nothing on PostgreSQL)."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database:
        return b""
    return b"".join(
        Path(database + suffix).read_bytes()
        for suffix in ("", "-wal")
        if Path(database + suffix).exists()
    )


async def test_every_message_on_a_case_is_sealed_at_rest(deps: Deps, engine: AsyncEngine) -> None:
    """Report, handler's message, reporter's additions (confidential and anonymous) and the
    resolve note: readable through the bot, absent from every table and from the files."""
    secrets = {
        "handler": "We have asked the video site to take the posts down",
        "reporter": "They have now found my home street as well",
        "anonymous": "The account behind it is called launchwatcher",
        "note": "The posts were removed and the account suspended",
    }
    await handle(deps, report())
    confidential = await case_id_of(deps, "hal")
    (receipt,) = await handle(deps, report(by="alex", identity="anonymous", what="Second case"))
    code, passphrase = receipt_of(receipt)
    anonymous = await case_id_of(deps, "hal")
    hal = user("hal")
    message = Submission(hal, DM, "case_message", {"message": secrets["handler"]}, confidential)
    assert "Sent to the reporter" in text_of((await handle(deps, message))[0])
    addition = {"message": secrets["reporter"]}
    added = Submission(user("sam"), DM, "report_add", addition, confidential)
    assert "The handlers have been told" in text_of((await handle(deps, added))[0])
    (opened,) = await handle(deps, followup(code, passphrase, secrets["anonymous"]))
    assert isinstance(opened, Form) and secrets["anonymous"] in opened.intro
    resolved = {"outcome": "action-taken", "note": secrets["note"]}
    await handle(deps, Submission(hal, DM, "case_resolve", resolved, confidential))

    # Everything is there for those allowed to read it...
    (seen,) = await handle(deps, Action(hal, DM, "case_view", confidential))
    assert isinstance(seen, Card) and WHAT in seen.body
    for key in ("handler", "reporter", "note"):
        assert secrets[key] in seen.body, key
    assert ("Reporter", "Sam Reporter (sam@example.com)") in seen.facts
    (other,) = await handle(deps, Action(hal, DM, "case_view", anonymous))
    assert isinstance(other, Card) and secrets["anonymous"] in other.body
    # ...and nowhere in clear: not in any table, not in the database files.
    rows = await dump(engine)
    stored, on_disk = flat(rows), raw_files(engine)
    for secret in (*secrets.values(), WHAT, "video.example", "since Monday", "Second case"):
        assert secret not in stored, secret
        assert secret.encode() not in on_disk, secret
    # The directory knows Sam; nothing else names him, not even the notices waiting for him
    # in the outbox (they are addressed by a keyed hash, his id sealed inside).
    assert await OutboxQueue(sql_store(deps)).pending("sam")
    rows = await dump(engine)
    del rows["person"], rows["identity"]  # the directory: who Sam is, his Slack id
    for identity in ("Sam Reporter", "sam@example.com", user("sam").id, "'sam'"):
        assert identity not in flat(rows), identity


async def test_escalation_never_reaches_the_people_the_reporter_excluded(
    deps: Deps, engine: AsyncEngine, clock: FakeClock
) -> None:
    """Both escalation tiers (hr, then admin) skip whoever the reporter named, and the
    exclusion survives the access the escalation grants to everyone else."""
    excluded = "hugo@example.com, alf@example.com"
    await handle(deps, report(category="harassment", severity="critical", exclude=excluded))
    assert await recipients(deps) == {"hana", "mo"}  # harassment: hr and the manager
    case_id = await case_id_of(deps, "hana")
    for tier in ("hr", "admin"):
        await forget(deps)
        clock.advance(minutes=61)  # critical: acknowledge within the hour
        async with deps.store() as uow:
            assert await casework.escalate(deps, uow) == 1, tier
            await uow.commit()
        told = await recipients(deps)
        assert told and not told & {"hugo", "alf"}, (tier, told)
    assert "ada" in told  # the admin tier was reached, without Alf
    async with deps.store() as uow:
        access = await uow.cases.access(case_id)
    assert access["hugo"] == access["alf"] == "excluded"
    assert access["ada"] == access["hana"] == "handler"
    for person_id in ("hugo", "alf"):
        refused = await handle(deps, Action(user(person_id), DM, "case_view", case_id))
        assert refused == [TextReply(casework.NOT_YOURS)]


def case_actions(case_id: str, who: UserRef) -> list[Incoming]:
    """Every way a handler reads or acts on a case."""
    return [
        Action(who, DM, "case_view", case_id),
        Action(who, DM, "case_ack", case_id),
        Action(who, DM, "case_assign", case_id),
        Action(who, DM, "case_message", case_id),
        Submission(who, DM, "case_message", {"message": "I know who you are"}, case_id),
        Action(who, DM, "case_resolve", case_id),
        Submission(who, DM, "case_resolve", {"outcome": "no-action", "note": "Closed."}, case_id),
    ]


@pytest.mark.parametrize("excluded", ["ada", "hana", "mo", "hal"])
async def test_an_excluded_person_can_neither_read_nor_act_whatever_their_role(
    deps: Deps, engine: AsyncEngine, excluded: str
) -> None:
    """Admin (who may act on any case), HR and a handler (routed to it), the manager: once
    excluded, each of the case's actions is refused, audited as refused, and changes nothing."""
    await handle(deps, report(exclude=f"{excluded}@example.com", category="threats"))
    routed = "hal" if excluded != "hal" else "hana"
    case_id = await case_id_of(deps, routed)
    await forget(deps)
    for incoming in case_actions(case_id, user(excluded)):
        before = await dump(engine)
        assert await handle(deps, incoming) == [TextReply(casework.NOT_YOURS)], incoming
        changed = changes(before, await dump(engine))
        assert set(changed) == {"case_audit"}, (incoming, changed)
        ((_, case, actor, action, _),) = changed["case_audit"]
        assert (case, actor) == (case_id, excluded) and action.startswith("refused "), action
    assert await recipients(deps) == set()
    # An admin nobody excluded may still read it: the refusal is the exclusion, not the role.
    (card,) = await handle(deps, Action(user("alf"), DM, "case_view", case_id))
    assert isinstance(card, Card) and WHAT in card.body


async def test_the_reporter_is_never_a_handler_of_their_own_confidential_report(
    deps: Deps,
) -> None:
    await handle(deps, report(by="hana", category="harassment"))  # routed to hr: Hana is hr
    assert await recipients(deps) == {"hugo"}  # Hana has no manager; Hugo is the other hr
    case_id = await case_id_of(deps, "hugo")
    refused = await handle(deps, Action(user("hana"), DM, "case_view", case_id))
    assert refused == [TextReply(casework.NOT_YOURS)]


async def test_the_lock_holds_fifteen_minutes_after_five_wrong_passphrases(
    deps: Deps, clock: FakeClock
) -> None:
    assert MAX_FAILED == 5 and timedelta(minutes=15) == LOCK  # what the README promises
    (receipt,) = await handle(deps, report(identity="anonymous"))
    code, passphrase = receipt_of(receipt)

    async def opens(secret: str) -> bool:
        (form,) = await handle(deps, followup(code, secret))
        assert isinstance(form, Form)
        if form.form_id == "report_status":
            return True
        locked = "Too many attempts" in form.errors.get("receipt", "")
        assert locked or "do not match" in form.errors.get("passphrase", ""), form.errors
        return False

    for _ in range(4):
        assert not await opens("WRONG-PASS")
    assert await opens(passphrase)  # four misses do not lock, and a success starts again
    for _ in range(5):
        assert not await opens("WRONG-PASS")
    locked_at = clock.now()
    for after in (timedelta(seconds=1), timedelta(minutes=2), timedelta(minutes=14, seconds=59)):
        clock.current = locked_at + after
        assert not await opens(passphrase), after  # the right passphrase, and still locked
    clock.current = locked_at + timedelta(minutes=15)
    assert await opens(passphrase)


async def test_an_anonymous_report_stores_nothing_that_ties_it_to_its_reporter(
    deps: Deps, engine: AsyncEngine
) -> None:
    """Sam sends two anonymous reports and Alex one, word for word the same at the same time:
    nothing stored for Sam's two may be shared by them and not by Alex's (a user id, a name,
    an email, any hash or other value derived from Sam), and Sam's own follow-up list in chat
    knows nothing of them."""
    stored: list[set[str]] = []
    for by in ("sam", "sam", "alex"):
        before = await dump(engine)
        anonymous = report(by=by, identity="anonymous", exclude="mo@example.com")
        (receipt,) = await handle(deps, anonymous)
        receipt_of(receipt)
        new = changes(before, await dump(engine))
        assert not {"person", "identity", "conversation_state"} & set(new), new
        stored.append({repr(cell) for rows in new.values() for row in rows for cell in row})
    sams, alexs = stored[0] & stored[1], stored[2]
    assert sams - alexs == set()
    text = flat(await dump(engine))
    for trace in ("sam@example.com", "Sam Reporter", user("sam").id, "D0CASES"):
        assert text.count(trace) == (1 if trace != "D0CASES" else 0), trace  # the directory
    async with deps.store() as uow:
        cases = list(await uow.cases.all())
    assert len(cases) == 3
    assert all(c.reporter_box is None and c.reporter_key is None for c in cases)
    mine = await handle(deps, Text(user("sam"), DM, "follow up"))
    assert [r for r in mine if isinstance(r, Card)] == []  # no status card: nothing is his


async def test_what_a_reporter_adds_is_told_to_the_handlers_only(deps: Deps) -> None:
    await handle(deps, report(exclude="hugo@example.com"))  # threats: handlers and hr
    case_id = await case_id_of(deps, "hal")
    (receipt,) = await handle(deps, report(by="alex", identity="anonymous", exclude="ada@x.org"))
    code, passphrase = receipt_of(receipt)
    await forget(deps)
    added = Submission(user("sam"), DM, "report_add", {"message": "More posts."}, case_id)
    await handle(deps, added)
    assert await recipients(deps) == {"hal", "hana"}  # not Hugo, whom Sam excluded
    await forget(deps)
    await handle(deps, followup(code, passphrase, "And a new account."))
    assert await recipients(deps) == {"hal", "hana", "hugo"}


async def test_an_exclusion_is_never_lifted(deps: Deps, engine: AsyncEngine) -> None:
    """Storage keeps an exclusion whatever access is granted later (by routing or by an
    escalation tier the person belongs to)."""
    await handle(deps, report(exclude="hal@example.com"))
    case_id = await case_id_of(deps, "hana")
    async with deps.store() as uow:
        for kind in ("handler", "excluded", "handler"):
            await uow.cases.grant(case_id, "hal", kind)
        await uow.commit()
    async with deps.store() as uow:
        assert (await uow.cases.access(case_id))["hal"] == "excluded"
    refused = await handle(deps, Action(user("hal"), DM, "case_view", case_id))
    assert refused == [TextReply(casework.NOT_YOURS)]
