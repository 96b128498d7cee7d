"""Mutations of the core's promises, applied one at a time to a scratch copy of the checkout.

Each entry below breaks one promise the README or DESIGN makes (a role check removed, an
exclusion ignored, something stored in clear...). For each, the runner edits the scratch
copy, runs only the tests named for it, and prints whether they noticed (caught) or stayed
green (survived); then it puts the file back. A baseline run of every named test on the
unmutated copy comes first: a test that fails anyway proves nothing.

    python bench/mutations.py                 # everything (a few minutes on SQLite)
    python bench/mutations.py --only askhr    # the mutations whose name contains "askhr"
    python bench/mutations.py --list          # what would run
    python bench/mutations.py --against tests/unit tests/integration
                                              # each mutation against other tests instead
    python bench/mutations.py --root DIR --only "role check" --against tests/integration
                                              # another checkout (an older commit's suite)

It runs on whatever database the tests use (SQLite, or TEST_DATABASE_URL). It is not part
of the test suite. Exit status: 0 when every mutation was caught, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = "tests/integration/test_case_promises.py"
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
    path, scope = where.split(".") if where else (module, function)
    return Mutation(
        f"role check removed: {module}.{function}" + (f" (in {where})" if where else ""),
        f"bot/{path}.py",
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
LEITNER = "tests/integration/test_quiz_schedule.py"
STRANGERS = (
    "tests/integration/test_reports.py::test_every_read_is_audited_and_strangers_cannot_read"
)
ANONYMOUS_REPORT = "test_an_anonymous_report_writes_the_case_its_routing_and_its_audit_only"

# The eight of issue 20, in its order.
EIGHT = [
    Mutation(
        "handler's message to the reporter stored in clear",
        "bot/caseactions.py",
        "box = deps.cipher.seal(shorten(text, MAX_TEXT).encode(), context(case.id))",
        "box = shorten(text, MAX_TEXT).encode()",
        (SEALED,),
        scope="message",
    ),
    Mutation(
        "escalation notifies people the reporter excluded",
        "bot/casework.py",
        'if access.get(p.id) != "excluded"',
        "",
        (ESCALATION,),
        scope="escalate",
    ),
    Mutation(
        "an excluded admin can read and act on the case",
        "bot/caseactions.py",
        "(kind is None and person.has(Role.ADMIN))",
        "person.has(Role.ADMIN)",
        (EXCLUDED,),
        scope="handled",
    ),
    _role_check("askhr", "submit_answer"),
    _role_check("askhr", "assign"),
    Mutation(
        "passphrase lock lasts 1 minute instead of 15",
        "bot/reports.py",
        "LOCK = timedelta(minutes=15)",
        "LOCK = timedelta(minutes=1)",
        (LOCKED,),
    ),
    Mutation(
        "a missed quiz question is due again at once",
        "bot/training.py",
        "else timedelta(days=1))",
        "else timedelta(0))",
        (LEITNER,),
        scope="schedule",
    ),
    Mutation(
        "an anonymous report stores a keyed hash of the reporter",
        "bot/reports.py",
        "case.passphrase_hash = issued.passphrase_hash\n",
        "case.passphrase_hash = issued.passphrase_hash\n"
        '        case.reporter_key = deps.cipher.keyed_hash("reporter", person.id)\n',
        (UNLINKED,),
        scope="file",
    ),
]

# Every other `require` of the core (29 with the two above).
ROLE_CHECKS = [
    _role_check(module, function)
    for module, functions in (
        ("announcements", ("new_form", "discard")),
        ("announcements", ("status", "overview")),
        ("askhr", ("list_open", "open_answer")),
        ("surveys", ("new_form",)),
        ("suggestions", ("overview",)),
        ("stories", ("queue", "decline_form", "new_round_form")),
        ("training_admin", ("required_form",)),
    )
    for function in functions
] + [
    # The rules the chat, the CLI and the dashboard share live in bot/announcing.py.
    _role_check("announcements", "create", "announcing.draft"),
    _role_check("announcements", "send", "announcing.schedule"),
    _role_check("announcements", "cancel", "announcing.withdraw"),
    _role_check("announcements", "correct_form", "announcing.correction"),
    _role_check("announcements", "correct", "announcing.correct"),
    # The survey rules the chat and the dashboard share live in bot/survey_admin.py.
    _role_check("surveys", "create", "survey_admin.open_campaign"),
    _role_check("surveys", "remind", "survey_admin.remind"),
    _role_check("surveys", "close", "survey_admin.close"),
    _role_check("survey_results", "show", "survey_admin.results"),
    # The story rules the chat and the dashboard share live in bot/story_admin.py.
    _role_check("stories", "approve", "story_admin.approve"),
    _role_check("stories", "decline", "story_admin.decline"),
    _role_check("stories", "open_round", "story_admin.open_round"),
    _role_check("stories", "close_now", "story_admin.close_round"),
    _role_check("review", "show", "policy_view.review_summary"),
    # The training rules the chat and the dashboard share live in bot/training_status.py.
    _role_check("training_status", "set_required"),
]

# Checks of who may see or do what that are not a `require`, and every exclusion.
OTHER_CHECKS = [
    Mutation(
        "report figures for anyone",
        "bot/casestats.py",
        "if not person.has(Role.HR, Role.HANDLER):",
        "if False:",
        (f"{SCOPES}::test_report_figures_only_for_hr_and_handlers",),
    ),
    Mutation(
        "training figures for anyone (as a team of nobody)",
        "bot/training_status.py",
        "    require(viewer, Role.HR, Role.MANAGER)\n",
        "",
        (
            f"{SCOPES}::test_training_figures_everyone_for_hr_a_team_for_a_manager_none_for_others",
            f"{TRAINING_PAGE}::test_no_session_wrong_role_and_missing_token",
        ),
        scope="figures",
    ),
    Mutation(
        "a manager's training figures cover everyone",
        "bot/training_status.py",
        "scope = people if hr else [p for p in people if p.manager_id == viewer.id]",
        "scope = people",
        (
            f"{SCOPES}::test_training_figures_everyone_for_hr_a_team_for_a_manager_none_for_others",
            f"{TRAINING_PAGE}::test_a_manager_sees_only_their_reports",
        ),
        scope="figures",
    ),
    Mutation(
        "a manager's most missed questions count everyone's answers",
        "bot/training_status.py",
        "await uow.training.miss_rates(None if hr else {p.id for p in scope})",
        "await uow.training.miss_rates()",
        (f"{TRAINING_PAGE}::test_a_manager_sees_only_their_reports",),
        scope="figures",
    ),
    Mutation(
        "a manager sees the HR breakdowns of training",
        "bot/training_admin.py",
        "    if not f.team_only:  # the breakdowns are HR's\n",
        "    if True:\n",
        (f"{SCOPES}::test_training_figures_everyone_for_hr_a_team_for_a_manager_none_for_others",),
        scope="report",
    ),
    Mutation(
        "the survey campaigns menu shown to everyone",
        "bot/surveys.py",
        "if person.has(Role.HR):",
        "if True:",
        (f"{SCOPES}::test_hr_buttons_are_offered_to_hr_only",),
        scope="offer",
    ),
    Mutation(
        "HR's menu buttons shown to everyone",
        "bot/menu.py",
        "if not m.roles or person.has(*m.roles)",
        "if True",
        (f"{SCOPES}::test_hr_buttons_are_offered_to_hr_only",),
        scope="help_menu",
    ),
    Mutation(
        "a survey opened by someone outside its audience",
        "bot/surveys.py",
        "if not campaign.includes(person):",
        "if False:",
        (f"{SCOPES}::test_a_survey_is_taken_only_by_its_audience",),
        scope="take",
    ),
    Mutation(
        "a survey answered by someone outside its audience",
        "bot/surveys.py",
        "if not campaign.includes(person) or await",
        "if await",
        (f"{SCOPES}::test_a_survey_is_taken_only_by_its_audience",),
        scope="answer",
    ),
    Mutation(
        "anyone closes someone else's question",
        "bot/askhr.py",
        "if ticket is None or ticket.asker_id != person.id:",
        "if ticket is None:",
        (f"{SCOPES}::test_only_the_asker_closes_their_question",),
        scope="close",
    ),
    Mutation(
        "anyone opens the form to add to someone's report",
        "bot/casework.py",
        'if case is None or case.reporter_key != deps.cipher.keyed_hash("reporter", person.id):',
        "if case is None:",
        (f"{SCOPES}::test_only_the_reporter_adds_to_a_confidential_report",),
        scope="add_form",
    ),
    Mutation(
        "anyone adds to someone's report",
        "bot/casework.py",
        'if case is None or case.reporter_key != deps.cipher.keyed_hash("reporter", person.id):',
        "if case is None:",
        (f"{SCOPES}::test_only_the_reporter_adds_to_a_confidential_report",),
        scope="add",
    ),
    Mutation(
        "anyone not excluded may act on a case",
        "bot/caseactions.py",
        "(kind is None and person.has(Role.ADMIN))",
        "kind is None",
        (
            EXCLUDED,
            "tests/integration/test_reports.py::test_every_read_is_audited_and_strangers_cannot_read",
        ),
        scope="handled",
    ),
    Mutation(
        "the excluded are notified of a new report",
        "bot/reports.py",
        "if pid not in excluded and (person is None or pid != person.id)",
        "if person is None or pid != person.id",
        (ESCALATION, f"{CASES}::test_what_a_reporter_adds_is_told_to_the_handlers_only"),
        scope="_handlers",
    ),
    Mutation(
        "the reporter handles their own confidential report",
        "bot/reports.py",
        "if pid not in excluded and (person is None or pid != person.id)",
        "if pid not in excluded",
        (f"{CASES}::test_the_reporter_is_never_a_handler_of_their_own_confidential_report",),
        scope="_handlers",
    ),
    Mutation(
        "the exclusions typed in the form are ignored",
        "bot/reports.py",
        "excluded.add(other.id)",
        "pass",
        (EXCLUDED,),
        scope="_excluded",
    ),
    Mutation(
        "the excluded are told what the reporter added",
        "bot/casework.py",
        'if kind == "handler":',
        "if True:",
        (f"{CASES}::test_what_a_reporter_adds_is_told_to_the_handlers_only",),
        scope="_add",
    ),
    Mutation(
        "the excluded get the overdue notice of an escalation",
        "bot/casework.py",
        '{pid for pid, k in access.items() if k == "handler"}',
        "set(access)",
        (ESCALATION,),
        scope="escalate",
    ),
    Mutation(
        "an exclusion is lifted by a later grant",
        "storage/cases.py",
        'elif row.kind != "excluded":',
        "else:",
        (f"{CASES}::test_an_exclusion_is_never_lifted",),
        scope="grant",
    ),
]

# More of what is sealed or never stored.
PRIVATE = [
    Mutation(
        "the resolve note stored in clear",
        "bot/caseactions.py",
        "box = deps.cipher.seal(note.encode(), context(case.id))",
        "box = note.encode()",
        (SEALED,),
        scope="resolve",
    ),
    Mutation(
        "a reporter's addition stored in clear",
        "bot/casework.py",
        "box = deps.cipher.seal(shorten(text, MAX_TEXT).encode(), context(case.id))",
        "box = shorten(text, MAX_TEXT).encode()",
        (SEALED,),
        scope="_add",
    ),
    Mutation(
        "an anonymous report audited under the reporter's id",
        "bot/reports.py",
        'await uow.cases.audit(case.id, "reporter", "submitted", now)',
        'await uow.cases.audit(case.id, person.id, "submitted", now)',
        (
            UNLINKED,
            f"{NEVER}::test_an_anonymous_report_writes_the_case_its_routing_and_its_audit_only",
        ),
        scope="file",
    ),
    Mutation(
        "an anonymous suggestion keeps its author",
        "bot/suggestions.py",
        "person.id if named else None",
        "person.id",
        (f"{NEVER}::test_an_anonymous_suggestion_leaves_one_sealed_row_with_a_day",),
        scope="submit",
    ),
    Mutation(
        "a survey comment dated the day it was written",
        "bot/surveys.py",
        "await uow.campaigns.comment(campaign.id, q.id, box, campaign.closes_on)",
        "await uow.campaigns.comment(campaign.id, q.id, box, deps.clock.now().date())",
        (f"{NEVER}::test_a_survey_answer_leaves_counts_a_keyed_hash_and_sealed_comments_only",),
        scope="answer",
    ),
    Mutation(
        "the survey register keyed by the person alone",
        "bot/surveys.py",
        'return deps.cipher.keyed_hash("survey", campaign_id, person.id)',
        "return person.id",
        (f"{NEVER}::test_a_survey_answer_leaves_counts_a_keyed_hash_and_sealed_comments_only",),
        scope="_key",
    ),
]

# The other gaps the same audit found, now closed.
ATTESTATION = (
    "tests/integration/test_training.py::test_completing_every_module_leads_to_an_attestation"
)
ALSO = [
    Mutation(
        "a department of 2 given away by subtraction (5, 5 and 2)",
        "bot/survey_results.py",
        "if shown and 0 < hidden < threshold:",
        "if False:",
        ("tests/unit/test_survey_results.py", "tests/integration/test_survey_breakdown.py"),
        scope="breakdown",
    ),
    Mutation(
        "'yes please' does not send the pending question",
        "bot/dispatch.py",
        'if flow and flow.name == "ask_hr" and _said(command, YES):',
        'if flow and flow.name == "ask_hr" and command in YES:',
        ("tests/unit/test_dispatch.py::test_yes_sends_the_pending_question",),
        scope="_text",
    ),
    Mutation(
        "announcement reminders twice within a day",
        "bot/announcements.py",
        "if last is not None and now - last < announcing.REMIND_GAP:",
        "if False:",
        (
            "tests/integration/test_announcements.py"
            "::test_never_two_reminders_within_a_day_even_when_both_are_overdue",
        ),
        scope="remind",
    ),
    Mutation(
        "an attestation accepted while modules are open",
        "bot/training.py",
        "if outstanding(deps.content, done, await required_now(deps, uow)):",
        "if False:",
        (ATTESTATION,),
        scope="attest",
    ),
    Mutation(
        "the attestation offered before the last module is done",
        "bot/training.py",
        "    if left:\n",
        "    if False:\n",
        (ATTESTATION,),
        scope="_finish",
    ),
    Mutation(
        "a ban excused by 'retaliation' anywhere in the sentence",
        "bot/lint.py",
        "plain = [c for c in clauses if not _SAFE_HARBOUR.search(c)]",
        "plain = [] if _SAFE_HARBOUR.search(sentence.lower()) else clauses",
        ("tests/unit/test_content.py",),
        scope="protected_activity_problems",
    ),
    Mutation(
        "the cases CSV loses the time to acknowledge",
        "bot/casestats.py",
        '"hours_to_acknowledge": hours(c.created_at, c.acknowledged_at),',
        '"hours_to_acknowledge": "",',
        ("tests/e2e/test_cli.py::test_cases_stats_csv_has_no_content_columns",),
        scope="stats_rows",
    ),
    Mutation(
        "the stories CSV loses the votes",
        "adapters/cli/stories.py",
        "votes.get(s.id, 0),",
        "0,",
        ("tests/e2e/test_cli.py::test_stories_export_csv",),
        scope="_stories_export",
    ),
    Mutation(
        "the server stops when the task queue is unreachable",
        "adapters/broadcast/__init__.py",
        "if not broadcaster.external:",
        "if True:",
        ("tests/e2e/slack/test_queue_down.py",),
        scope="running",
    ),
]

# The anonymous web intake's promises.
INTAKE_HTTP = "tests/e2e/web/test_intake.py"
INTAKE = [
    Mutation(
        "intake: a link kept in clear",
        "bot/intakelinks.py",
        "await uow.intake_tokens.add(token_hash(deps, token), expiry(now))",
        "await uow.intake_tokens.add(token, expiry(now))",
        (
            "tests/integration/test_intake_tokens.py"
            "::test_a_link_is_a_keyed_hash_that_works_once_until_it_expires",
        ),
        scope="link",
    ),
    Mutation(
        "intake: a link never spent",
        "bot/intake.py",
        "if not await uow.intake_tokens.take(token_hash(deps, token), deps.clock.now()):",
        "if not await uow.intake_tokens.usable(token_hash(deps, token), deps.clock.now()):",
        (f"{INTAKE_HTTP}::test_a_link_files_one_anonymous_report_and_its_receipt_is_shown_once",),
        scope="file",
    ),
    Mutation(
        "intake: an expired link still works",
        "storage/intake.py",
        "return expires is not None and expires > now",
        "return expires is not None",
        (f"{INTAKE_HTTP}::test_an_expired_link_is_refused",),
        scope="usable",
    ),
    Mutation(
        "intake: the client's address and browser logged",
        "adapters/web/intake.py",
        "    fields = await _fields(request)\n",
        "    fields = await _fields(request)\n"
        '    log.info("intake: from %s, %s", request.remote, request.headers.get("User-Agent"))\n',
        (f"{INTAKE_HTTP}::test_no_address_browser_or_link_is_logged_at_debug",),
        scope="send_report",
    ),
    Mutation(
        "intake: a page sets a cookie",
        "adapters/web/intake.py",
        '        response.headers["X-Robots-Tag"] = "noindex"\n',
        '        response.headers["X-Robots-Tag"] = "noindex"\n'
        '        response.set_cookie("seen", "1")\n',
        (f"{INTAKE_HTTP}::test_no_intake_page_sets_a_cookie_or_loads_anything_from_elsewhere",),
        scope="run",
    ),
    Mutation(
        "intake: a form with problems loses what was typed",
        "adapters/web/intake.py",
        'intake.form(deps, invalid.errors, fields), token, "", 400',
        'intake.form(deps, invalid.errors), token, "", 400',
        (f"{INTAKE_HTTP}::test_bad_input_is_a_400_with_the_form_again_and_nothing_lost",),
        scope="send_report",
    ),
    Mutation(
        "intake: no limit per link",
        "adapters/web/intake.py",
        'if not limits["reports"].allow() or not limits["link"].allow(link_key):',
        'if not limits["reports"].allow():',
        (f"{INTAKE_HTTP}::test_one_link_is_sent_at_most_ten_times_an_hour",),
        scope="send_report",
    ),
]

# This session's promises: the dashboard's changes, identity, written surveys.
ANNOUNCE_PAGE = "tests/e2e/web/test_announcements.py"
LATER = [
    Mutation(
        "HR's Remind now reminds twice within a day",
        "bot/announcing.py",
        "if last is not None and now - last < REMIND_GAP:",
        "if False:",
        (f"{ANNOUNCE_PAGE}::test_remind_now_reminds_those_who_have_not_acknowledged_once_a_day",),
        scope="remind_now",
    ),
    Mutation(
        "a retired FAQ change still answers",
        "bot/faqedit.py",
        "        if c.retired_at is not None:\n            continue\n",
        "",
        (
            "tests/e2e/web/test_faq.py"
            "::test_an_unanswered_question_becomes_a_phrasing_and_is_answered_until_retired",
        ),
        scope="merged",
    ),
    Mutation(
        "a user of an unknown platform becomes a person",
        "bot/directory.py",
        "if user.platform not in platforms:",
        "if False:",
        (
            "tests/unit/test_directory.py"
            "::test_a_user_of_an_unknown_platform_is_refused_and_nobody_is_created",
        ),
        scope="identify",
    ),
    Mutation(
        "a survey's own threshold lower than the installation's is used",
        "bot/rules.py",
        "max(self.threshold, survey.threshold or 0)",
        "survey.threshold or self.threshold",
        (
            "tests/unit/test_survey_results.py::test_a_survey_may_raise_its_thresholds_never_lower_them",
        ),
        scope="thresholds",
    ),
]

MUTATIONS = EIGHT + ROLE_CHECKS + OTHER_CHECKS + PRIVATE + ALSO + INTAKE + LATER


def _function(text: str, name: str) -> tuple[int, int]:
    """Where the function or method `name` starts and ends in `text`."""
    found = re.search(rf"^( *)(async )?def {re.escape(name)}\(", text, re.M)
    if found is None:
        raise LookupError(f"no function {name}")
    margin = len(found.group(1))
    # It ends at the next line indented no deeper than its `def` (but its signature's end).
    after = re.search(rf"\n(?= {{0,{margin}}}[^\s)\]])", text[found.end() :])
    return found.start(), found.end() + (after.start() if after else len(text))


def apply(text: str, m: Mutation) -> str:
    """`text` with the mutation made; raises LookupError unless `old` is found."""
    start, end = _function(text, m.scope) if m.scope else (0, len(text))
    part = text[start:end]
    if m.old not in part:
        raise LookupError(f"{m.name}: {m.old!r} not in {m.path} {m.scope}")
    return text[:start] + part.replace(m.old, m.new, 1) + text[end:]


def scratch_copy(root: Path) -> Path:
    """A checkout's files (tracked and new, not ignored) in a temporary folder."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    target = Path(tempfile.mkdtemp(prefix="policybot-mutations-"))
    for name in listed:
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def pytest(where: Path, tests: list[str]) -> tuple[int, str]:
    """Run the tests in the scratch copy; (exit status, last line of the output)."""
    env = {**os.environ, "PYTHONPATH": str(where), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else done.stderr.strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the mutations whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("--against", nargs="+", help="run these tests for every mutation")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="mutate a copy of this checkout instead"
    )
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.only.lower() in m.name.lower()]
    if args.list:
        for m in chosen:
            print(f"{m.name}\n    {m.path} {m.scope}: {' '.join(m.tests)}")
        return 0
    where = scratch_copy(args.root)
    try:
        check = subprocess.run(
            [sys.executable, "-c", "import bot; print(bot.__file__)"],
            cwd=where,
            env={**os.environ, "PYTHONPATH": str(where)},
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not check.startswith(str(where)):
            print(f"the scratch copy is not the code imported ({check}): stopping")
            return 2
        missing = []
        for m in chosen:  # every mutation applies to the code as it is
            try:
                apply((where / m.path).read_text(), m)
            except LookupError:
                missing.append(m)
        for m in missing:
            print(f"does not apply to this code, left out: {m.name}")
        chosen = [m for m in chosen if m not in missing]
        tests = sorted({t for m in chosen for t in m.tests}) if not args.against else args.against
        status, summary = pytest(where, tests)
        print(f"baseline (no mutation): {summary}")
        if status != 0:
            print("the tests fail without any mutation: fix them first")
            return 2
        survived = []
        for n, m in enumerate(chosen, 1):
            path = where / m.path
            original = path.read_text()
            path.write_text(apply(original, m))
            started = time.monotonic()
            try:
                status, summary = pytest(where, args.against or list(m.tests))
            finally:
                path.write_text(original)
            verdict = "caught" if status == 1 else "survived" if status == 0 else "error"
            if verdict != "caught":
                survived.append(m.name)
            took = time.monotonic() - started
            print(f"{n:3d}/{len(chosen)} {verdict:8s} {took:5.1f}s  {m.name}  ({summary})")
    finally:
        shutil.rmtree(where, ignore_errors=True)
    print(f"\n{len(chosen) - len(survived)} of {len(chosen)} caught")
    for name in survived:
        print(f"  not caught: {name}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
