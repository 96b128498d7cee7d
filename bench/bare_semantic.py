"""A peer for bench/slack_events.py: a bare Bolt AsyncApp on aiohttp that answers every DM from
the FAQ with the same hybrid matcher as Policy Bot (the shipped model), the plain way: one model
call per event, on a worker thread, no batching, no database. Policy Bot answers a question the
words settle decisively without the model (the same answers but for about one question in a
hundred: see HybridTuning.decisive); the plain way asks the model every time.
Usage: python bench/bare_semantic.py PORT SLACK_API_URL SIGNING_SECRET"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app as policybot
from bot.features.faq.hybrid import HybridTuning
from bot.settings import load_settings


def main() -> None:
    port, api_url, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    content, faq = policybot.load(load_settings(FAQ_SEMANTIC="true"))
    faq.hybrid = HybridTuning(decisive=1.01)  # the model for every question
    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=secret,
    )

    @bolt.event("message")
    async def answer(event: dict, say) -> None:  # type: ignore[no-untyped-def]
        match = await asyncio.to_thread(faq.match, event.get("text", ""))
        entry = content.entry(match.faq_id) if match.faq_id else None
        await say(entry.answer if entry else content.chat.dont_know)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    application = web.Application()
    application.router.add_post("/slack/events", events)
    web.run_app(application, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
