"""Stored references that content no longer has, found at start-up.

Cases keep the category and severity they were filed with, and survey campaigns the survey
they run; an edit of content/ can remove one while records still use it. The bot then applies
a safe default (the most urgent deadlines; a survey nobody is invited to) and says so at
start-up, naming the missing key and how many records use it, never what they hold.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from bot.content import Content
from storage.reports import CaseRow
from storage.surveys import CampaignRow
from storage.uow import SqlStore


async def stale(store: SqlStore, content: Content) -> list[str]:
    """One line per missing key in use, for the log."""
    rules = content.reports
    problems: list[str] = []
    async with store() as uow:
        for column, known, what in (
            (CaseRow.severity, rules.severities, "severity"),
            (CaseRow.category, rules.categories, "category"),
        ):
            used = await uow.session.exec(
                select(column, func.count()).group_by(col(column)).order_by(col(column))
            )
            for key, count in used:
                if key not in known:
                    problems.append(
                        f"{count} case(s) use {what} {key!r}, which content/reports.yaml no "
                        "longer has"
                        + (
                            f": they get the most urgent deadlines ({_urgent(content)})"
                            if what == "severity"
                            else ""
                        )
                    )
        campaigns = await uow.session.exec(
            select(CampaignRow.survey_id, func.count())
            .where(col(CampaignRow.closed).is_(False), col(CampaignRow.definition).is_(None))
            .group_by(col(CampaignRow.survey_id))
        )
        for survey_id, count in campaigns:
            if content.surveys.get(survey_id) is None:
                problems.append(
                    f"{count} open survey campaign(s) run survey {survey_id!r}, which "
                    "content/surveys.yaml no longer has: nobody is invited to or offered them"
                )
    return problems


def _urgent(content: Content) -> str:
    rules = content.reports
    return next(k for k, v in rules.severities.items() if v == rules.most_urgent)
