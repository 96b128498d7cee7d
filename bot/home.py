"""A person's home view: what waits for them (acknowledgements, training, surveys) and the
menu. Rendered by the Slack App Home tab."""

from __future__ import annotations

from bot import menu
from bot.deps import Deps
from bot.features.announcements import announcements
from bot.features.surveys import surveys
from bot.features.training import training
from bot.messages import Button, Choices, Reply, TextReply
from bot.model import Person
from bot.ports import UnitOfWork


async def view(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """The policy, then what waits for this person, then the menu."""
    policy = deps.content.current
    replies: list[Reply] = [
        TextReply(
            f"*{policy.meta.title}* (version {policy.version}, "
            f"published {policy.meta.published:%d %B %Y})"
        )
    ]
    waiting = await announcements.to_read(deps, uow, person)
    if isinstance(waiting[0], Choices):
        replies.append(waiting[0])
    replies.append(await _training(deps, uow, person))
    open_surveys = (await surveys.offer(deps, uow, person))[0]
    if isinstance(open_surveys, Choices):
        replies.append(open_surveys)
    replies.append(menu.help_menu(deps, person))
    return replies


async def _training(deps: Deps, uow: UnitOfWork, person: Person) -> Reply:
    version = deps.content.current.version
    if await uow.training.attested(person.id, version):
        return TextReply(f"*Training*: complete for version {version}. Thank you!")
    required = await training.required_now(deps, uow)
    done = await uow.training.completed(person.id)
    left = training.outstanding(deps.content, done, required)
    finished = len(required) - len(left)
    text = f"*Training* for version {version}: {finished} of {len(required)} required modules done."
    if not left:
        text += " Only the attestation is left."
    return Choices(text, (Button("Take a quiz", "quiz_start", style="primary"),))
