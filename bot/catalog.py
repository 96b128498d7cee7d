"""The bot's features, in the order of the help menu's sections: each package under
`bot/features/` declares its routes (`bot.routing.Routes`) next to its handlers. A new feature
is one line here."""

from __future__ import annotations

from bot.features.announcements import announcements
from bot.features.askhr import askhr
from bot.features.dashboard import dashboard
from bot.features.faq import faq
from bot.features.impersonation import impersonation
from bot.features.mydata import mydata
from bot.features.reports import casework, followup, queue, reports, stats
from bot.features.review import changes, review
from bot.features.stories import stories
from bot.features.suggestions import suggestions
from bot.features.surveys import surveys
from bot.features.training import admin, training
from bot.routing import Routes, compose

FEATURES: tuple[Routes, ...] = (
    faq.ROUTES,
    askhr.ROUTES,
    training.ROUTES,
    admin.ROUTES,
    reports.ROUTES,
    casework.ROUTES,
    followup.ROUTES,
    queue.ROUTES,
    stats.ROUTES,
    surveys.ROUTES,
    stories.ROUTES,
    announcements.ROUTES,
    changes.ROUTES,
    suggestions.ROUTES,
    review.ROUTES,
    dashboard.ROUTES,
    mydata.ROUTES,
    impersonation.ROUTES,
)
ROUTES = compose(*FEATURES)
