"""The anonymous web intake over real HTTP against the real app: single-use links, the form's
problems, follow-up, rate limits, and nothing about the reporter in cookies or logs."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from adapters.logs import Quiet
from adapters.web import intake as web_intake
from bot.dispatch import handle
from bot.features.reports import actions
from bot.features.reports import links as reports_links
from bot.messages import Choices, ConversationRef, Text, UserRef
from tests.e2e.web.conftest import Site, field

REPORT = {
    "danger": "no",
    "category": "threats",
    "severity": "high",
    "what": "They posted my home address <b>and</b> a threat.",
    "where": "https://social.example/post/123",
    "when": "Yesterday evening",
    "exclude": "",
}
FORM = "application/x-www-form-urlencoded"
AGENT = "IntakeTestAgent/7.3 (reporter's own browser)"
RECEIPT = re.compile(r'id="receipt-code">([A-Z0-9-]+)<')
PASSPHRASE = re.compile(r'id="passphrase">([A-Z0-9-]+)<')


async def new_link(site: Site) -> str:
    """A single-use link, as the chat's report invitation hands out."""
    deps = site.services.deps
    async with deps.store() as uow:
        url = await reports_links.link(deps, uow)
        await uow.commit()
    return url


async def rows(site: Site, query: str) -> list[Any]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query))).all()]


async def call(
    site: Site, method: str, path: str, data: Any = None, **kwargs: Any
) -> tuple[int, str, Any]:
    """A request from a client that keeps no cookies: status, page and headers."""
    url = path if path.startswith("http") else site.url + path
    headers = {"User-Agent": AGENT, **kwargs.pop("headers", {})}
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.request(method, url, data=data, headers=headers, **kwargs) as response,
    ):
        return response.status, await response.text(), response.headers


async def send(site: Site, token: str, **changes: str) -> tuple[int, str, Any]:
    return await call(site, "POST", "/report", {**REPORT, "token": token, **changes})


def kept(page: str, value: str) -> bool:
    """`value` is in the page as typed, escaped."""
    return html.escape(value, quote=False) in page or html.escape(value) in page


async def test_a_link_files_one_anonymous_report_and_its_receipt_is_shown_once(
    site: Site,
) -> None:
    url = await new_link(site)
    token = reports_links.token_of(url)
    status, page, headers = await call(site, "GET", url)
    assert status == 200 and "Set-Cookie" not in headers
    assert page.index("If you are in danger") < page.index('<form method="post"')
    assert 'name="identity"' not in page  # always anonymous: no choice to make
    assert field(page, "token") == token
    status, _, _ = await call(site, "GET", url)  # opening it again (a preview) spends nothing
    assert status == 200
    status, receipt_page, headers = await send(site, token)
    assert status == 200, receipt_page
    assert "Set-Cookie" not in headers and headers["Cache-Control"] == "no-store"
    receipt, passphrase = RECEIPT.search(receipt_page), PASSPHRASE.search(receipt_page)
    assert receipt and passphrase
    ref = re.search(r"Report (R-[A-Z0-9]{6}) sent", receipt_page)
    assert ref
    cases = await rows(
        site,
        "SELECT anonymous, reporter_key, reporter_box, receipt_id, category FROM report_case "
        f"WHERE ref = '{ref.group(1)}'",
    )
    assert cases == [(True, None, None, cases[0][3], "threats")] and cases[0][3]
    assert receipt.group(1) not in cases[0][3]
    assert await rows(site, "SELECT count(*) FROM intake_token") == [(0,)]
    handlers = await rows(
        site,
        "SELECT a.person_id FROM case_access a JOIN report_case c ON c.id = a.case_id "
        f"WHERE c.ref = '{ref.group(1)}' ORDER BY a.person_id",
    )
    assert handlers == [("hal",), ("hana",)]
    # The same link again: refused, nothing filed, and what was written is on the page.
    status, refused, _ = await send(site, token, what="A second report with the same link")
    assert status == 403
    assert "used already or has expired" in refused and "nothing was sent" in refused
    assert kept(refused, "A second report with the same link")
    assert 'name="link"' in refused  # a new link can be pasted to send it
    assert receipt.group(1) not in refused
    assert await rows(site, "SELECT count(*) FROM report_case WHERE anonymous") == [(1,)]


async def test_a_refused_report_is_sent_with_a_new_link_pasted_in(site: Site) -> None:
    status, page, _ = await send(site, "", what="Written before I had a link")
    assert status == 403 and kept(page, "Written before I had a link")
    fresh = await new_link(site)
    status, page, _ = await call(
        site, "POST", "/report", {**REPORT, "what": "Written before I had a link", "link": fresh}
    )
    assert status == 200 and RECEIPT.search(page)


async def test_an_expired_link_is_refused(site: Site) -> None:
    url = await new_link(site)
    site.clock.advance(hours=25, minutes=1)
    status, page, _ = await call(site, "GET", url)
    assert status == 403 and "used already or has expired" in page
    status, page, _ = await send(site, reports_links.token_of(url))
    assert status == 403 and kept(page, REPORT["what"])
    assert await rows(site, "SELECT count(*) FROM report_case WHERE anonymous") == [(0,)]


async def test_no_intake_page_sets_a_cookie_or_loads_anything_from_elsewhere(site: Site) -> None:
    url = await new_link(site)
    for method, path, data in (
        ("GET", "/report", None),
        ("GET", url, None),
        ("GET", "/follow-up", None),
        ("POST", "/report", {**REPORT, "token": reports_links.token_of(url), "category": ""}),
        ("POST", "/follow-up", {"receipt": "ABCD-EFGH-JKMN-PQRS", "passphrase": "nope"}),
    ):
        status, page, headers = await call(site, method, path, data)
        assert status in (200, 400), (path, status)
        assert "Set-Cookie" not in headers, path
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "<script" not in page  # works without JavaScript
        for attribute in ('src="', 'href="', 'action="'):
            for value in page.split(attribute)[1:]:
                assert value.startswith(("/report", "/follow-up", "#")), value[:60]
    status, css, _ = await call(site, "GET", "/report/static/dashboard.css")
    assert status == 200 and "--accent" in css


async def test_bad_input_is_a_400_with_the_form_again_and_nothing_lost(site: Site) -> None:
    token = reports_links.token_of(await new_link(site))
    for changes, problem in (
        ({"category": ""}, "Choose what is happening."),
        ({"severity": "apocalyptic"}, "Choose how serious it feels."),
        ({"what": "   "}, "Please describe what happened."),
        ({"what": "x" * 4001}, "Please keep it under 4000 characters."),
        ({"where": "y" * 1001}, "Please keep it under 1000 characters."),
        ({"danger": "perhaps"}, "Choose one of the options."),
    ):
        status, page, _ = await send(site, token, **changes)
        assert status == 400, (changes, page)
        assert problem in page and "Nothing was sent." in page
        assert field(page, "token") == token
        for name in ("where", "when"):
            if name not in changes:
                assert kept(page, REPORT[name])
        if "what" not in changes:
            assert kept(page, REPORT["what"])
    assert await rows(site, "SELECT count(*) FROM report_case WHERE anonymous") == [(0,)]
    status, page, _ = await send(site, token)  # the link still works once it is right
    assert status == 200 and RECEIPT.search(page)


async def test_nothing_returns_a_500(site: Site) -> None:
    token = reports_links.token_of(await new_link(site))
    for method, path, kwargs in (
        ("POST", "/report", {}),
        ("POST", "/report", {"data": b"\xff\xfe\x00", "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/report", {"json": {"token": token, **REPORT}}),
        (
            "POST",
            "/report",
            {"data": b"--x\r\n", "headers": {"Content-Type": "multipart/form-data"}},
        ),
        ("POST", "/report", {"data": b"token=%ff%fe", "headers": {"Content-Type": FORM}}),
        ("POST", "/report", {"data": b"x" * (2 * 1024 * 1024)}),
        ("POST", "/report", {"data": {"token": "../../etc", **REPORT}}),
        ("POST", "/report", {"data": {"token": token * 40, **REPORT}}),
        ("POST", "/follow-up", {}),
        ("POST", "/follow-up", {"data": {"receipt": "\x00" * 50, "passphrase": "\u202e" * 20}}),
        (
            "POST",
            "/follow-up",
            {"data": {"receipt": "A", "passphrase": "B", "message": "z" * 5000}},
        ),
        ("GET", "/report/" + "x" * 300, {}),
        ("GET", "/report/%00%ff", {}),
        ("PUT", "/report", {}),
    ):
        status, _, headers = await call(site, method, path, **kwargs)
        assert status < 500, (method, path, kwargs, status)
        assert "Set-Cookie" not in headers


async def test_a_reporter_follows_up_reads_the_handlers_message_and_adds_to_it(
    site: Site,
) -> None:
    token = reports_links.token_of(await new_link(site))
    _, page, _ = await send(site, token)
    receipt, passphrase = RECEIPT.search(page), PASSPHRASE.search(page)
    assert receipt and passphrase
    ref = re.search(r"Report (R-[A-Z0-9]{6}) sent", page)
    assert ref
    deps = site.services.deps
    case_id = (await rows(site, f"SELECT id FROM report_case WHERE ref = '{ref.group(1)}'"))[0]
    async with deps.store() as uow:
        hal = await uow.people.get("hal")
        assert hal is not None
        await actions.message(deps, uow, hal, case_id[0], "We have asked for it to be removed.")
        await uow.commit()
    typed = receipt.group(1).lower().replace("-", " ")  # typed in any case, with spaces
    status, page, headers = await call(
        site,
        "POST",
        "/follow-up",
        {"receipt": typed, "passphrase": passphrase.group(1), "message": "It is back up."},
    )
    assert status == 200, page
    assert "Set-Cookie" not in headers
    assert "We have asked for it to be removed." in page and "It is back up." in page
    assert "Added to the case" in page and ref.group(1) in page
    said = await rows(
        site, f"SELECT author FROM case_message WHERE case_id = '{case_id[0]}' ORDER BY at"
    )
    assert said == [("handler",), ("reporter",)]
    # A wrong passphrase: the form again, the receipt and message kept, the passphrase not.
    status, page, _ = await call(
        site,
        "POST",
        "/follow-up",
        {"receipt": receipt.group(1), "passphrase": "WRONG-WRONG", "message": "More detail"},
    )
    assert status == 400
    assert "do not match a report" in page and kept(page, "More detail")
    assert receipt.group(1) in page and "WRONG-WRONG" not in page
    for _ in range(4):  # five wrong in all: locked
        status, page, _ = await call(
            site, "POST", "/follow-up", {"receipt": receipt.group(1), "passphrase": "WRONG"}
        )
    status, page, _ = await call(
        site, "POST", "/follow-up", {"receipt": receipt.group(1), "passphrase": passphrase.group(1)}
    )
    assert status == 429 and "Too many attempts" in page
    site.clock.advance(minutes=16)
    status, page, _ = await call(
        site, "POST", "/follow-up", {"receipt": receipt.group(1), "passphrase": passphrase.group(1)}
    )
    assert status == 200 and "We have asked for it to be removed." in page


async def test_one_link_is_sent_at_most_ten_times_an_hour(site: Site) -> None:
    token = reports_links.token_of(await new_link(site))
    for _ in range(10):
        status, _, _ = await send(site, token, category="")
        assert status == 400
    status, page, headers = await send(site, token)
    assert status == 429 and "sent too many times in the last hour" in page
    assert 3000 < int(headers["Retry-After"]) <= 3601
    assert kept(page, REPORT["what"]) and field(page, "token") == token
    assert await rows(site, "SELECT count(*) FROM intake_token") == [(1,)]  # not spent
    other = reports_links.token_of(await new_link(site))
    status, _, _ = await send(site, other)  # another link is not held back
    assert status == 200


async def test_reports_and_follow_ups_are_limited_in_total(site: Site) -> None:
    links = [reports_links.token_of(await new_link(site)) for _ in range(4)]
    statuses = [(await send(site, t, category=""))[0] for t in links for _ in range(8)]
    assert statuses[:30] == [400] * 30 and statuses[30:] == [429, 429]
    fresh = reports_links.token_of(await new_link(site))
    status, page, _ = await send(site, fresh)
    assert status == 429 and kept(page, REPORT["what"])
    follow = [
        (await call(site, "POST", "/follow-up", {"receipt": "", "passphrase": ""}))[0]
        for _ in range(web_intake.FOLLOW_UPS[0] + 1)
    ]
    assert follow[:-1] == [400] * web_intake.FOLLOW_UPS[0] and follow[-1] == 429


async def test_no_address_browser_or_link_is_logged_at_debug(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(Quiet())  # as the server's own log handler does
    url = await new_link(site)
    token = reports_links.token_of(url)
    await call(site, "GET", "/report")
    await call(site, "GET", url)
    await send(site, token, category="")
    _, page, _ = await send(site, token)
    await send(site, token)  # spent
    receipt, passphrase = RECEIPT.search(page), PASSPHRASE.search(page)
    assert receipt and passphrase
    await call(
        site, "POST", "/follow-up", {"receipt": receipt.group(1), "passphrase": passphrase.group(1)}
    )
    await call(site, "POST", "/follow-up", {"receipt": receipt.group(1), "passphrase": "x"})
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if Quiet().filter(r))
    assert "intake: anonymous report filed" in logged and "intake: follow-up" in logged
    for secret in (
        "127.0.0.1",
        AGENT,
        "IntakeTestAgent",
        token,
        deps_hash(site, token),
        receipt.group(1),
        passphrase.group(1),
        REPORT["what"],
        REPORT["where"],
    ):
        assert secret not in logged, secret


def deps_hash(site: Site, token: str) -> str:
    return site.services.deps.cipher.keyed_hash("intake link", token)


async def test_the_chat_invitation_hands_out_a_link_only_with_a_public_url(site: Site) -> None:
    user = UserRef("console", "e6@example.com")
    message = Text(user, ConversationRef("console", user.id), "report")
    plain = await handle(site.services.deps, message)
    assert isinstance(plain[0], Choices) and "/report/" not in plain[0].text
    assert plain[0].personal is False  # nothing in it is anyone's
    public = replace(site.services.deps, intake_links=True)
    replies = await handle(public, message)
    offered = replies[0]
    assert isinstance(offered, Choices) and offered.personal  # a link for the asker only
    found = re.search(r"http://127\.0\.0\.1:\d+/report/\S+", offered.text)
    assert found and "works once, for 24 hours" in offered.text
    assert offered.buttons[0].action_id == "report_start"  # the chat's form is still offered
    stored = await rows(site, "SELECT * FROM intake_token")
    assert len(stored) == 1 and len(stored[0]) == 2  # a hash and an expiry: nobody's
    status, page, _ = await call(site, "GET", found.group(0))
    assert status == 200 and field(page, "token") == reports_links.token_of(found.group(0))


async def test_one_link_sent_twice_at_once_files_one_report(site: Site) -> None:
    token = reports_links.token_of(await new_link(site))
    first, second = await asyncio.gather(
        send(site, token, what="Sent twice at once"), send(site, token, what="Sent twice at once")
    )
    assert sorted((first[0], second[0])) == [200, 403]
    assert await rows(site, "SELECT count(*) FROM report_case WHERE anonymous") == [(1,)]


async def test_a_reporter_in_danger_reads_the_emergency_guidance_again_with_the_receipt(
    site: Site,
) -> None:
    token = reports_links.token_of(await new_link(site))
    status, page, _ = await send(site, token, danger="yes")
    assert status == 200
    guidance = html.escape(site.services.deps.content.reports.emergency)
    assert page.index('id="receipt-code"') < page.rindex(guidance)
