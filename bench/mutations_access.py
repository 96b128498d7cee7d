"""Mutations of who may do what: each role check, each exclusion, each scope, removed."""

from __future__ import annotations

from mutation import (
    CASES,
    ESCALATION,
    EXCLUDED,
    LEITNER,
    LOCKED,
    ROLES,
    SCOPES,
    SEALED,
    TRAINING_PAGE,
    UNLINKED,
    Mutation,
    _role_check,
)

# The eight promises of reports and roles checked first.
EIGHT = [
    Mutation(
        "handler's message to the reporter stored in clear",
        "bot/features/reports/actions.py",
        "box = deps.cipher.seal(shorten(text, MAX_TEXT).encode(), context(case.id))",
        "box = shorten(text, MAX_TEXT).encode()",
        (SEALED,),
        scope="message",
    ),
    Mutation(
        "escalation notifies people the reporter excluded",
        "bot/features/reports/casework.py",
        'if access.get(p.id) != "excluded"',
        "",
        (ESCALATION,),
        scope="escalate",
    ),
    Mutation(
        "an excluded admin can read and act on the case",
        "bot/features/reports/actions.py",
        "(kind is None and person.has(Role.ADMIN))",
        "person.has(Role.ADMIN)",
        (EXCLUDED,),
        scope="handled",
    ),
    _role_check("askhr.askhr", "submit_answer", "askhr.service.answer"),
    _role_check("askhr.askhr", "assign", "askhr.service.assign"),
    Mutation(
        "passphrase lock lasts 1 minute instead of 15",
        "bot/features/reports/reports.py",
        "LOCK = timedelta(minutes=15)",
        "LOCK = timedelta(minutes=1)",
        (LOCKED,),
    ),
    Mutation(
        "a missed quiz question is due again at once",
        "bot/features/training/training.py",
        "else timedelta(days=1))",
        "else timedelta(0))",
        (LEITNER,),
        scope="schedule",
    ),
    Mutation(
        "an anonymous report stores a keyed hash of the reporter",
        "bot/features/reports/reports.py",
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
        ("announcements.announcements", ("new_form", "discard")),
        ("announcements.announcements", ("status", "overview")),
        ("surveys.surveys", ("new_form",)),
        ("suggestions.suggestions", ("overview",)),
        ("stories.stories", ("queue", "decline_form", "new_round_form")),
        ("training.admin", ("required_form",)),
    )
    for function in functions
] + [
    # The rules the chat, the CLI and the dashboard share live in
    # bot/features/announcements/service.py.
    _role_check("announcements.announcements", "create", "announcements.service.draft"),
    _role_check("announcements.announcements", "send", "announcements.service.schedule"),
    _role_check("announcements.announcements", "cancel", "announcements.service.withdraw"),
    _role_check("announcements.announcements", "correct_form", "announcements.service.correction"),
    _role_check("announcements.announcements", "correct", "announcements.service.correct"),
    # The survey rules the chat and the dashboard share live in bot/features/surveys/admin.py.
    _role_check("surveys.surveys", "create", "surveys.admin.open_campaign"),
    _role_check("surveys.surveys", "remind", "surveys.admin.remind"),
    _role_check("surveys.surveys", "close", "surveys.admin.close"),
    _role_check("surveys.surveys", "show", "surveys.admin.results"),
    # The story rules the chat and the dashboard share live in bot/features/stories/admin.py.
    _role_check("stories.stories", "approve", "stories.admin.approve"),
    _role_check("stories.stories", "decline", "stories.admin.decline"),
    _role_check("stories.stories", "open_round", "stories.admin.open_round"),
    _role_check("stories.stories", "close_now", "stories.admin.close_round"),
    _role_check("review.review", "show", "review.review.review_summary"),
    # The ask-HR rules live in bot/features/askhr/service.py.
    _role_check("askhr.askhr", "open_answer", "askhr.service.answerable"),
    Mutation(
        "role check removed: askhr.askhr.list_open (in askhr.service.open_tickets)",
        "bot/features/askhr/service.py",
        "    require(viewer, Role.HR)\n",
        "",
        (f"{ROLES}[askhr.service.open_tickets]",),
        scope="open_tickets",
    ),
    # The training rules the chat and the dashboard share live in bot/features/training/status.py.
    _role_check("training.status", "set_required"),
]

# Checks of who may see or do what that are not a `require`, and every exclusion.
OTHER_CHECKS = [
    Mutation(
        "report figures for anyone",
        "bot/features/reports/stats.py",
        "if not person.has(Role.HR, Role.HANDLER):",
        "if False:",
        (f"{SCOPES}::test_report_figures_only_for_hr_and_handlers",),
    ),
    Mutation(
        "training figures for anyone (as a team of nobody)",
        "bot/features/training/status.py",
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
        "bot/features/training/status.py",
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
        "bot/features/training/status.py",
        "await uow.training.miss_rates(None if hr else {p.id for p in scope})",
        "await uow.training.miss_rates()",
        (f"{TRAINING_PAGE}::test_a_manager_sees_only_their_reports",),
        scope="figures",
    ),
    Mutation(
        "a manager sees the HR breakdowns of training",
        "bot/features/training/admin.py",
        "    if not f.team_only:  # the breakdowns are HR's\n",
        "    if True:\n",
        (f"{SCOPES}::test_training_figures_everyone_for_hr_a_team_for_a_manager_none_for_others",),
        scope="report",
    ),
    Mutation(
        "the survey campaigns menu shown to everyone",
        "bot/features/surveys/surveys.py",
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
        "bot/features/surveys/respond.py",
        "if not campaign.includes(person):",
        "if False:",
        (f"{SCOPES}::test_a_survey_is_taken_only_by_its_audience",),
        scope="open_for",
    ),
    Mutation(
        "a survey answered by someone outside its audience",
        "bot/features/surveys/respond.py",
        "if not campaign.includes(person) or await",
        "if await",
        (f"{SCOPES}::test_a_survey_is_taken_only_by_its_audience",),
        scope="respond",
    ),
    Mutation(
        "anyone closes someone else's question",
        "bot/features/askhr/service.py",
        "if ticket is None or ticket.asker_id != person.id:",
        "if ticket is None:",
        (f"{SCOPES}::test_only_the_asker_closes_their_question",),
        scope="close",
    ),
    Mutation(
        "anyone opens the form to add to someone's report",
        "bot/features/reports/followup.py",
        'if case is None or case.reporter_key != deps.cipher.keyed_hash("reporter", person.id):',
        "if case is None:",
        (f"{SCOPES}::test_only_the_reporter_adds_to_a_confidential_report",),
        scope="add_form",
    ),
    Mutation(
        "anyone adds to someone's report",
        "bot/features/reports/followup.py",
        'if case is None or case.reporter_key != deps.cipher.keyed_hash("reporter", person.id):',
        "if case is None:",
        (f"{SCOPES}::test_only_the_reporter_adds_to_a_confidential_report",),
        scope="add",
    ),
    Mutation(
        "anyone not excluded may act on a case",
        "bot/features/reports/actions.py",
        "(kind is None and person.has(Role.ADMIN))",
        "kind is None",
        (
            EXCLUDED,
            "tests/integration/test_reports_deadlines.py::test_every_read_is_audited_and_strangers_cannot_read",
        ),
        scope="handled",
    ),
    Mutation(
        "the excluded are notified of a new report",
        "bot/features/reports/reports.py",
        "if pid not in excluded and (person is None or pid != person.id)",
        "if person is None or pid != person.id",
        (ESCALATION, f"{CASES}::test_what_a_reporter_adds_is_told_to_the_handlers_only"),
        scope="_handlers",
    ),
    Mutation(
        "the reporter handles their own confidential report",
        "bot/features/reports/reports.py",
        "if pid not in excluded and (person is None or pid != person.id)",
        "if pid not in excluded",
        (f"{CASES}::test_the_reporter_is_never_a_handler_of_their_own_confidential_report",),
        scope="_handlers",
    ),
    Mutation(
        "the exclusions typed in the form are ignored",
        "bot/features/reports/reports.py",
        "excluded.add(other.id)",
        "pass",
        (EXCLUDED,),
        scope="_excluded",
    ),
    Mutation(
        "the excluded are told what the reporter added",
        "bot/features/reports/followup.py",
        'if kind == "handler":',
        "if True:",
        (f"{CASES}::test_what_a_reporter_adds_is_told_to_the_handlers_only",),
        scope="_add",
    ),
    Mutation(
        "the excluded get the overdue notice of an escalation",
        "bot/features/reports/casework.py",
        '{pid for pid, k in access.items() if k == "handler"}',
        "set(access)",
        (ESCALATION,),
        scope="escalate",
    ),
    Mutation(
        "an exclusion is lifted by a later grant",
        "storage/reports.py",
        'elif row.kind != "excluded":',
        "else:",
        (f"{CASES}::test_an_exclusion_is_never_lifted",),
        scope="grant",
    ),
]

# More of what is sealed or never stored.
