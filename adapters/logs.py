"""Logging for the server and every command: one format, and nothing people wrote, at any level.

The bot's own log lines name kinds of events and ids of records, never content. Libraries are
another matter: at DEBUG, Bolt logs every response it sends (a modal with an anonymous
reporter's receipt and passphrase), the Slack and Bot Connector clients log request bodies,
the database drivers log statement parameters, and some of their warnings quote the request.
So, whatever LOG_LEVEL says:

- the libraries below log only warnings and errors;
- a library's warning keeps its words but loses anything quoted or bracketed in it;
- a logged exception keeps its type and traceback but loses its message (it may quote input).
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import Any

# Libraries whose debug and info lines may carry message text, form values or SQL parameters
# (Bolt logs under the name the Slack adapter gives it).
LIBRARIES = (
    "policybot.slack.bolt",
    "aiohttp",
    "aiosqlite",
    "asyncio",
    "asyncpg",
    "bm25s",
    "botbuilder",
    "botframework",
    "msal",
    "msrest",
    "redis",
    "requests",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "taskiq",
    "urllib3",
)
_QUOTED = re.compile(r"\{.*\}|\[.*\]|\"[^\"]*\"|'[^']*'|b'[^']*'", re.DOTALL)


def scrub(text: str) -> str:
    """`text` without anything quoted or bracketed (what a library may have copied from a
    request): "Unhandled request ({'type': ...})" becomes "Unhandled request ({…})"."""
    return _QUOTED.sub(lambda m: m.group(0)[0] + "…" + m.group(0)[-1], text)


def _library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


class Quiet(logging.Filter):
    """Drops libraries' lines below WARNING and scrubs the rest (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _library(record.name):
            return True
        if record.levelno < logging.WARNING:
            return False
        record.msg, record.args = scrub(record.getMessage()), ()
        return True


class Formatter(logging.Formatter):
    """The log format; exceptions keep their type and traceback, not their message."""

    def formatException(self, ei: Any) -> str:
        chain: list[traceback.TracebackException] = []
        found: traceback.TracebackException | None = traceback.TracebackException(*ei)
        while found is not None and len(chain) < 10:
            chain.append(found)
            found = found.__cause__ or (None if found.__suppress_context__ else found.__context__)
        lines: list[str] = []
        for exc in reversed(chain):
            lines.append("Traceback (most recent call last):")
            lines.extend(line.rstrip("\n") for line in exc.stack.format())
            kind = exc.exc_type
            lines.append(f"{kind.__module__}.{kind.__qualname__}: …" if kind else "?")
        return "\n".join(lines)


# Loggers that a library tests by their own level rather than by the effective one: slack_sdk
# formats every request and response (the message's text included) for a debug line whenever
# `logger.level <= DEBUG`, which an unset level (0) always is.
_OWN_LEVEL = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client")


def quiet_libraries() -> None:
    """Set the libraries' loggers to WARNING (cheaper than formatting lines to drop them)."""
    for name in (*LIBRARIES, *_OWN_LEVEL):
        logging.getLogger(name).setLevel(logging.WARNING)


def configure(level: str, fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s") -> None:
    """One handler on stderr, for the whole process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Formatter(fmt))
    handler.addFilter(Quiet())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries()
    if root.isEnabledFor(logging.DEBUG):
        logging.getLogger("policybot").debug(
            "logging at DEBUG; libraries log warnings and errors only (see adapters/logs.py)"
        )
