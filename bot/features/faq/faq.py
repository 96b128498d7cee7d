"""Small talk, help and FAQ answers."""

from __future__ import annotations

from bot.deps import Deps
from bot.features.faq import editing
from bot.features.faq.index import Match
from bot.messages import Action, Button, Card, Choices, Reply, TextReply, UserRef, public
from bot.model import Flow, Person
from bot.ports import UnitOfWork
from bot.routing import MenuEntry, Routes
from bot.text import shorten, words

_FEEDBACK = "faq_feedback"
_PICK = "faq_pick"
_LABEL_CHARS = 75  # Slack's limit for a button's text
_DID_YOU_MEAN = "I'm not sure I understood. Did you mean one of these?"


def small_talk(deps: Deps, text: str) -> Reply | None:
    """A reply to a greeting or thanks, if that is all the message is."""
    ws = words(text)
    if not ws or len(ws) > 5:
        return None
    chat = deps.content.chat
    phrase = " ".join(ws)
    if any(phrase == g or phrase.startswith(g + " ") for g in chat.greetings):
        return TextReply(chat.greeting_reply)
    if any(
        phrase == t or phrase.startswith(t + " ") or phrase.endswith(" " + t) for t in chat.thanks
    ):
        return TextReply(chat.thanks_reply)
    return None


def prompt_question(deps: Deps, action: Action) -> Reply:
    """Invite a question, with examples from the FAQ."""
    examples = [e.question for e in deps.content.faq[:3]]
    lines = "\n".join(f"\u2022 {q}" for q in examples)
    return TextReply(f"Ask me anything about the social media policy, for example:\n{lines}")


async def answer(deps: Deps, uow: UnitOfWork, user: UserRef, text: str) -> list[Reply]:
    """The FAQ answer for `text`; when unsure, the likely topics ("did you mean") with the
    offer to ask HR; else an honest "I don't know" with that offer."""
    match: Match = await deps.faq.amatch(text)
    day = deps.clock.now().date()
    if match.faq_id is None:
        await uow.faq_log.unanswered(shorten(text, 500), day)
        await uow.conversations.set_flow(user, hr_offer_flow(text))
        if match.suggestions:
            return [did_you_mean(deps, match)]
        return [offer_hr(deps)]
    return [await _answer_card(deps, uow, match.faq_id, match.score)]


async def pick(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """A topic offered by "did you mean" was pressed: answer it, logged like any answer."""
    faq_id, _, raw = action.value.partition(":")
    if deps.faq.entry(faq_id) is None:
        return [TextReply("That topic is no longer in the FAQ. Please ask your question again.")]
    try:
        score = min(max(float(raw), 0.0), 1.0)
    except ValueError:
        score = 0.0
    flow = await uow.conversations.flow(action.user)
    if flow is not None and flow.name == "ask_hr":
        await uow.conversations.set_flow(action.user, None)  # the question is answered now
    # An FAQ answer is the same for anyone who asks: it may stay in a shared conversation.
    return [public(await _answer_card(deps, uow, faq_id, score))]


def did_you_mean(deps: Deps, match: Match) -> Reply:
    """Up to three likely topics as buttons, and the offer to ask HR."""
    buttons = []
    for faq_id in match.suggestions[:3]:
        entry = deps.faq.entry(faq_id)
        if entry is not None:
            label = shorten(entry.question, _LABEL_CHARS)
            buttons.append(Button(label, _PICK, f"{faq_id}:{match.score:.4f}"))
    buttons.append(Button("Ask HR", "ask_hr_form"))
    return Choices(_DID_YOU_MEAN, tuple(buttons))


async def _answer_card(deps: Deps, uow: UnitOfWork, faq_id: str, score: float) -> Reply:
    entry = deps.faq.entry(faq_id)
    assert entry is not None
    policy = deps.content.current
    section = policy.section(entry.section)
    answer_id = await uow.faq_log.answered(entry.id, score, deps.clock.now().date())
    title = section.title if section else entry.section
    footer = f"Policy v{policy.version}, section \u201c{title}\u201d"
    return Card(
        title=entry.question,
        body=entry.answer,
        footer=footer,
        buttons=(
            Button("Helpful", _FEEDBACK, f"{answer_id}:yes"),
            Button("Not helpful", _FEEDBACK, f"{answer_id}:no"),
            Button("Ask HR", "ask_hr_form"),
            Button("Suggest a change", "suggest_form", entry.section),
        ),
    )


def offer_hr(deps: Deps) -> Reply:
    """The abstention reply with the offer to send the question to HR."""
    return Choices(
        deps.content.chat.dont_know,
        (
            Button("Send my question to HR", "ask_hr_send", style="primary"),
            Button("Edit it first", "ask_hr_form"),
            Button("No thanks", "ask_hr_discard"),
        ),
    )


def hr_offer_flow(question: str) -> Flow:
    """Conversation state holding the question the bot could not answer."""
    return Flow("ask_hr", "offered", {"question": shorten(question, 2000)})


async def feedback(deps: Deps, uow: UnitOfWork, action: Action) -> Reply:
    """Store "was this helpful?" for one answer."""
    answer_id, _, verdict = action.value.partition(":")
    if verdict not in ("yes", "no") or not await uow.faq_log.feedback(answer_id, verdict == "yes"):
        return TextReply("That answer is too old to rate now, but thank you.")
    if verdict == "yes":
        return TextReply("Thanks for the feedback!")
    return Choices(
        "Thanks, that helps us improve the answers. Would you like to ask HR instead?",
        (Button("Ask HR", "ask_hr_form"),),
    )


async def _ask(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return [prompt_question(deps, a)]


async def _feedback(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return [public(await feedback(deps, uow, a))]


ROUTES = Routes(
    jobs={"faq changes": editing.refresh},
    actions={"menu_ask": _ask, "faq_feedback": _feedback, "faq_pick": pick},
    menu=(MenuEntry("Ask a policy question", "menu_ask", 10),),
)
