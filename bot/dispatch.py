"""The core's entry point: one incoming message in, replies out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from bot import menu
from bot.catalog import ROUTES
from bot.deps import Deps
from bot.directory import NotAllowed, Profile, UnknownPlatform, identify
from bot.features.askhr import askhr
from bot.features.faq import faq
from bot.features.reports import queue
from bot.messages import (
    Action,
    Button,
    Choices,
    Form,
    Incoming,
    Notification,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
    public,
)
from bot.model import Flow, Person
from bot.ports import Conflict, StoreUnavailable, UnitOfWork
from bot.prepare import Prepared, prepare
from bot.text import MAX_MESSAGE_CHARS, clean, shorten, valid_message, words

log = logging.getLogger(__name__)


CANCEL = frozenset({"cancel", "start over", "restart", "reset", "stop", "quit", "exit", "abort"})
HELP = frozenset({"help", "menu", "start", "options", "what can you do", "commands"})
YES = frozenset(
    {"yes", "y", "yep", "yup", "yeah", "sure", "ok", "okay", "send", "send it", "please do"}
    | {"go ahead", "do it", "do", "that's right", "absolutely", "definitely", "of course"}
)
NO = frozenset(
    {"no", "n", "nope", "no thanks", "dont", "don't", "discard", "not now", "never mind"}
)
# Said around a yes or a no without changing it: "yes please", "no thank you", "ok thanks".
POLITE = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "thx", "cheers", "ta"})


ACTIONS = ROUTES.actions
FORMS = ROUTES.forms
# What people may type instead of pressing a button: phrase -> the button's action.
TYPED = ROUTES.phrases


async def handle(deps: Deps, incoming: Incoming, profile: Profile | None = None) -> list[Reply]:
    """Everything the bot says in answer to one incoming message."""
    incoming = valid_message(incoming)  # a lone surrogate (valid JSON) cannot be stored
    for attempt in range(3):
        try:
            incoming = await prepare(deps, incoming)  # slow parts, before the transaction
            return await _handle_once(deps, incoming, profile)
        except StoreUnavailable:
            log.warning("store unavailable while handling %s", _kind(incoming))
            if isinstance(incoming, Text) and incoming.durable:
                raise  # it waits in the inbox, and is answered once the store is back
            return [TextReply(deps.content.chat.unavailable)]
        except Conflict:
            # A concurrent message from the same user created the same record: run again
            # on the now-current state.
            log.info("conflict while handling %s (attempt %d)", _kind(incoming), attempt + 1)
    if isinstance(incoming, Text) and incoming.durable:
        raise StoreUnavailable("conflicted three times")  # tried again later, from the inbox
    return [TextReply(deps.content.chat.unavailable)]


async def _handle_once(deps: Deps, incoming: Incoming, profile: Profile | None) -> list[Reply]:
    async with deps.store() as uow:
        # Recorded in the same transaction as the effects: a retry racing the original
        # conflicts at commit, runs again, and then finds the delivery already handled.
        delivery = incoming.delivery_id if isinstance(incoming, Text) else ""
        durable = isinstance(incoming, Text) and incoming.durable and bool(delivery)
        if delivery and not await uow.deliveries.first(delivery):
            log.info("ignored a repeated delivery")
            if durable:
                await uow.inbox.done([delivery])
                await uow.commit()
            return []
        replies = await _in(deps, uow, incoming, profile)
        if durable:
            await uow.inbox.done([delivery])
            await uow.outbox.reply(incoming.conversation, replies, delivery)
        await uow.commit()
        return replies


async def _in(
    deps: Deps, uow: UnitOfWork, incoming: Incoming, profile: Profile | None
) -> list[Reply]:
    """The replies to one message inside an open unit of work (not committed here)."""
    try:
        person = await identify(uow, incoming.user, profile, deps.platforms)
    except UnknownPlatform as unknown:
        log.warning("refused a message: %s", unknown)
        return [TextReply("This chat platform is not set up for Policy Bot here.")]
    try:
        replies = await _route(deps, uow, person, incoming)
    except NotAllowed as refused:
        log.info("refused %s: needs role %s", _kind(incoming), refused)
        replies = [public(TextReply(f"Sorry, only people with the {refused} role can do that."))]
    if incoming.conversation.shared:
        replies = await _keep_private(deps, uow, person, replies)
    return replies


async def _keep_private(
    deps: Deps, uow: UnitOfWork, person: Person, replies: list[Reply]
) -> list[Reply]:
    """In a shared conversation, personal replies go to the person's direct messages (in
    this transaction's outbox), and the conversation gets a neutral pointer instead."""
    shown: list[Reply] = []
    moved = 0
    for reply in replies:
        if isinstance(reply, Form) or not reply.personal:
            shown.append(reply)  # a form opens privately (a modal, a dialog)
        else:
            await uow.outbox.add(Notification(person.id, reply, "A reply for you"))
            moved += 1
    if moved:
        shown.append(public(TextReply(deps.content.chat.sent_privately)))
    return shown


Result = list[Reply] | Exception


async def handle_many(deps: Deps, batch: Sequence[tuple[Incoming, Profile | None]]) -> list[Result]:
    """What `handle` answers to each message, in order, with one transaction for most of them.

    New text messages from people with nothing pending, answered from the FAQ or small talk,
    share one transaction and one commit, with their users, flows and deliveries read and
    written a batch at a time. Everything else (buttons, forms, commands, a user in a flow,
    and a user's later messages in the batch) runs alone afterwards, in order. If the shared
    transaction conflicts with another, it runs once more; if it fails, it is rolled back whole
    and every message runs alone. A message whose handling raised gets the exception instead
    of replies; the others are unaffected.
    """
    batch = [(valid_message(message), profile) for message, profile in batch]
    results: list[Result | None] = [None] * len(batch)
    try:
        try:
            alone = await _together(deps, batch, results)
        except Conflict:
            # Another transaction handled one of these deliveries, or created the same
            # record, and has committed: run the batch again, on the now-current state.
            log.info("a batch of %d conflicted with another transaction; again", len(batch))
            results = [None] * len(batch)
            alone = await _together(deps, batch, results)
    except Exception as exc:
        log.warning("a batch of %d ran one by one: %s", len(batch), type(exc).__name__)
        results = [None] * len(batch)
        alone = list(range(len(batch)))
    for i in alone:
        try:
            results[i] = await handle(deps, *batch[i])
        except Exception as exc:
            results[i] = exc
    return [r if r is not None else [] for r in results]


async def _together(
    deps: Deps, batch: Sequence[tuple[Incoming, Profile | None]], results: list[Result | None]
) -> list[int]:
    """Answer the batchable messages in one transaction; the indexes of the rest, in order."""
    texts = [m for m, _ in batch if isinstance(m, Text) and m.delivery_id]
    if len(texts) < 2:
        return list(range(len(batch)))
    alone: list[int] = []
    await deps.faq.prefetch(clean(m.text) for m in texts)  # one model call for the batch
    async with deps.store() as uow:
        users = [m.user for m in texts]
        await uow.people.load(users)
        await uow.conversations.load(users)
        repeats = await uow.deliveries.seen([m.delivery_id for m in texts])
        taken: list[str] = []
        done: list[str] = []  # recorded in the inbox: removed from it with this commit
        waiting: set[UserRef] = set()  # users with a message that runs alone: theirs follow it
        for i, (message, profile) in enumerate(batch):
            if not isinstance(message, Text) or not message.delivery_id:
                alone.append(i)
                waiting.add(message.user)
            elif message.delivery_id in repeats or message.delivery_id in taken:
                log.info("ignored a repeated delivery")
                results[i] = []
                if message.durable:
                    done.append(message.delivery_id)
            elif message.user in waiting or not _plain(
                message.text, await uow.conversations.flow(message.user)
            ):
                alone.append(i)
                waiting.add(message.user)
            else:
                taken.append(message.delivery_id)
                replies = await _in(deps, uow, message, profile)
                results[i] = replies
                if message.durable:
                    done.append(message.delivery_id)
                    await uow.outbox.reply(message.conversation, replies, message.delivery_id)
        if taken or done:
            # Recorded with the effects, as `_handle_once` does: if another transaction
            # recorded one of them meanwhile, the batch is rolled back and runs again.
            if len(await uow.deliveries.record(taken)) != len(taken):
                raise Conflict("a delivery in the batch was handled meanwhile")
            await uow.inbox.done(done)
            await uow.commit()
    return alone


def _kind(incoming: Incoming) -> str:
    if isinstance(incoming, Action):
        return f"action {incoming.action_id}"
    if isinstance(incoming, Submission):
        return f"form {incoming.form_id}"
    return "text"


async def _route(deps: Deps, uow: UnitOfWork, person: Person, incoming: Incoming) -> list[Reply]:
    if isinstance(incoming, Action):
        handler = ACTIONS.get(incoming.action_id)
        if handler is None:
            return [TextReply("That button no longer works. Type *help* to see what I can do.")]
        return await handler(deps, uow, person, incoming)
    if isinstance(incoming, Submission):
        form = incoming.run if isinstance(incoming, Prepared) else FORMS.get(incoming.form_id)
        if form is None:
            return [TextReply("That form no longer works. Type *help* to start again.")]
        return await form(deps, uow, person, incoming)
    return await _text(deps, uow, person, incoming)


async def _text(deps: Deps, uow: UnitOfWork, person: Person, message: Text) -> list[Reply]:
    text = clean(message.text)
    if not text:
        return [public(TextReply(deps.content.chat.empty))]
    if len(text) > MAX_MESSAGE_CHARS:
        return [public(TextReply(deps.content.chat.too_long.format(limit=MAX_MESSAGE_CHARS)))]
    command = _command(text)
    flow = await uow.conversations.flow(message.user)
    if command in CANCEL:
        await uow.conversations.set_flow(message.user, None)
        what = "Cancelled. " if flow else ""
        return [TextReply(f"{what}Nothing is pending. Type *help* to see what I can do.")]
    if command in HELP:
        return [public(menu.help_menu(deps, person)), *_reminder(flow)]
    if queue.is_ref(text):
        return await queue.open_ref(deps, uow, person, message)
    action_id = TYPED.get(command)
    if action_id is not None:  # a typed command does what its button does
        press = Action(message.user, message.conversation, action_id)
        return await ACTIONS[action_id](deps, uow, person, press)
    if flow and flow.name == "ask_hr" and _said(command, YES):
        return await askhr.create(deps, uow, person, message.user, str(flow.data["question"]))
    if flow and flow.name == "ask_hr" and _said(command, NO):
        return await askhr.discard(deps, uow, Action(message.user, message.conversation, "discard"))
    small = faq.small_talk(deps, text)
    if small is not None:
        return [public(small), *_reminder(flow)]
    if not any(ch.isalpha() for ch in text):  # emoji, digits, punctuation: nothing to ask
        return [public(TextReply(deps.content.chat.no_words)), *_reminder(flow)]
    # An answer from the FAQ (or "I don't know") is the same for anyone who asks.
    replies = [public(r) for r in await faq.answer(deps, uow, message.user, text)]
    pointer = deps.content.chat.pointer(text)
    if pointer:
        replies = [_pointed(r, pointer) for r in replies]
    still = await uow.conversations.flow(message.user)
    return replies + _reminder(still if still == flow else None)


def _pointed(reply: Reply, pointer: str) -> Reply:
    """The FAQ's abstention (the offer to send the question to HR) led by where else to ask."""
    if isinstance(reply, Choices) and any(b.action_id == "ask_hr_send" for b in reply.buttons):
        return replace(reply, text=f"{pointer}\n\n{reply.text}")
    return reply


def _command(text: str) -> str:
    return " ".join(words(text)).strip(" ?!.")


def _said(command: str, phrases: frozenset[str]) -> bool:
    """True when `command` is made of `phrases` only, polite words aside ("yes please",
    "ok, send it", "no thank you"); a courtesy alone says neither."""
    said = [w for w in command.split() if w not in POLITE]
    i = 0
    while i < len(said):
        n = next((n for n in (3, 2, 1) if " ".join(said[i : i + n]) in phrases), 0)
        if not n:
            return False
        i += n
    return bool(said)


def _plain(text: str, flow: Flow | None) -> bool:
    """True when `_text` answers with fixed text, the help menu, small talk or the FAQ, the same
    whatever `flow` holds: nothing but the answer log, the offer to ask HR and the flow is
    written, nothing is committed early and nobody is notified, so the message may share a
    batch's transaction. A pending flow allows that only when it is a question waiting for HR
    that the message neither sends nor discards (the message is answered like any other, with
    a reminder of the question waiting). Keep in step with `_text`."""
    text = clean(text)
    if not text or len(text) > MAX_MESSAGE_CHARS:
        return True
    command = _command(text)
    if command in CANCEL or command in TYPED or queue.is_ref(text):
        return False
    if flow is None:
        return True
    return flow.name == "ask_hr" and not (_said(command, YES) or _said(command, NO))


def _reminder(flow: Flow | None) -> list[Reply]:
    """A pending flow is kept across stray messages; remind the user of it."""
    if flow is None or flow.name != "ask_hr":
        return []
    question = shorten(str(flow.data.get("question", "")), 200)
    return [
        Choices(
            f"You still have a question ready for HR: \u201c{question}\u201d",
            (
                Button("Send it to HR", "ask_hr_send", style="primary"),
                Button("Discard it", "ask_hr_discard"),
            ),
        )
    ]
