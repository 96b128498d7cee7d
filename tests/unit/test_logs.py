"""Logging: what libraries are allowed to do with a message's text."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters import logs


def test_the_slack_client_never_formats_a_request_for_a_debug_line() -> None:
    # slack_sdk formats each request and response, the message's text included, for a debug
    # line whenever its logger's own level is DEBUG or unset, whatever the effective level.
    client = AsyncWebClient(token="xoxb-test")
    logs.quiet_libraries()
    assert client.logger.level > logging.DEBUG
    assert logging.getLogger("slack_sdk.web.base_client").level > logging.DEBUG
