"""The mutations' shared parts: what a mutation is, and the tests most of them name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = "tests/integration/test_reports_promises.py"
ROLES = "tests/integration/test_roles.py::test_only_hr_and_a_refusal_changes_nothing"
SCOPES = "tests/integration/test_scopes.py"
NEVER = "tests/integration/test_never_stored.py"
TRAINING_PAGE = "tests/e2e/web/test_training.py"


@dataclass(frozen=True)
class Mutation:
    """Replace `old` by `new` once in `path` (inside function `scope` when given)."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    scope: str = ""


def _role_check(module: str, function: str, where: str = "") -> Mutation:
    """The check of the chat action `module.function`, kept in `where` ("module.function",
    when the action's rule lives in another function)."""
    path, _, scope = where.rpartition(".") if where else (module, "", function)
    return Mutation(
        f"role check removed: {module}.{function}" + (f" (in {where})" if where else ""),
        f"bot/features/{path.replace('.', '/')}.py",
        "    require(person, Role.HR)\n",
        "",
        (f"{ROLES}[{where or module + '.' + function}]",),  # the check's entry in the list
        scope=scope,
    )


SEALED = f"{CASES}::test_every_message_on_a_case_is_sealed_at_rest"
ESCALATION = f"{CASES}::test_escalation_never_reaches_the_people_the_reporter_excluded"
EXCLUDED = f"{CASES}::test_an_excluded_person_can_neither_read_nor_act_whatever_their_role"
LOCKED = f"{CASES}::test_the_lock_holds_fifteen_minutes_after_five_wrong_passphrases"
UNLINKED = f"{CASES}::test_an_anonymous_report_stores_nothing_that_ties_it_to_its_reporter"
LEITNER = "tests/integration/test_training_schedule.py"
STRANGERS = (
    "tests/integration/test_reports_deadlines.py::"
    "test_every_read_is_audited_and_strangers_cannot_read"
)
ANONYMOUS_REPORT = "test_an_anonymous_report_writes_the_case_its_routing_and_its_audit_only"
