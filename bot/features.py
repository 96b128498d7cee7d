"""The bot's features, in the order of the help menu's sections: each declares its routes
(`bot.routing.Routes`) next to its handlers. A new feature is one line here."""

from __future__ import annotations

from bot import (
    announcements,
    askhr,
    casequeue,
    casestats,
    casework,
    changes,
    chat,
    dashboard,
    mydata,
    reports,
    review,
    stories,
    suggestions,
    survey_results,
    surveys,
    training,
    training_admin,
)
from bot.routing import Routes, compose

FEATURES: tuple[Routes, ...] = (
    chat.ROUTES,
    askhr.ROUTES,
    training.ROUTES,
    training_admin.ROUTES,
    reports.ROUTES,
    casework.ROUTES,
    casequeue.ROUTES,
    casestats.ROUTES,
    surveys.ROUTES,
    survey_results.ROUTES,
    stories.ROUTES,
    announcements.ROUTES,
    changes.ROUTES,
    suggestions.ROUTES,
    review.ROUTES,
    dashboard.ROUTES,
    mydata.ROUTES,
)
ROUTES = compose(*FEATURES)
