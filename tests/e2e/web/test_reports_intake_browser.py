"""An anonymous web report and its follow-up in a real browser, from a link the console chat
handed out, against `python app.py` logging at DEBUG; then the database and the log hold no
trace of the reporter's platform identity, network address or browser. Every page is checked
with axe-core, and none needs a script or sets a cookie.
"""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.features.reports import actions
from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.conftest import database_url, sql_deps
from tests.dump import changes, dump, flat
from tests.e2e.conftest import free_port, policybot, run_env
from tests.e2e.web.browser import Server, axe_violations, console_errors, screenshot, settle
from tests.e2e.web.seed import SECRET_KEY, Org, seed
from tests.fakes import FakeClock, NoticeLog

AGENT = "IntakeBrowserAgent/9.1 (the reporter's own browser)"
WHAT = "Someone posted my home address under the launch post."
ADDED = "It has been shared again this morning."
ANSWER = "We have asked the platform to take it down."
# Who the reporter is, on the platform they asked for the link from and in the directory.
IDENTITY = ("e6@example.com", "Emma Six", "U0EMPLOYEE", "'e6'")


def cipher() -> KeyCipher:
    return KeyCipher(base64.urlsafe_b64decode(SECRET_KEY + "="))


@pytest.fixture
async def org(engine: Any, content: Any) -> Org:
    """The seeded organisation, written before the server starts."""
    return await seed(SqlStore(engine, cipher()), content)


def report_and_follow_up(
    driver: Any, link: str, base: str, answer: Any, loop: asyncio.AbstractEventLoop
) -> tuple[str, str, str]:
    """Report, read the receipt, have a handler answer, follow up: (ref, receipt, passphrase)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    def checked(name: str, status: int = 200) -> None:
        assert axe_violations(driver) == [], name
        # A page answered with a 400 or 403 is logged as such by the browser: nothing else.
        page = f"the server responded with a status of {status} "
        assert [e for e in console_errors(driver) if page not in e] == [], name
        assert driver.get_cookies() == [], name
        assert driver.execute_script("return document.scripts.length") == 0, name
        screenshot(driver, f"intake-{name}")

    driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": AGENT})
    driver.get(base + "/report")
    heading("Report an incident")
    checked("1-start")

    driver.get(link)
    heading("Report an incident")
    page = driver.find_element(By.TAG_NAME, "main").text
    assert page.index("If you are in danger") < page.index("What happened?")  # guidance first
    assert not driver.find_elements(By.NAME, "identity")
    checked("2-form")

    # Sent with nothing filled in (the browser's own checks turned off): the form again.
    driver.execute_script("document.getElementById('report').noValidate = true")
    driver.find_element(By.ID, "where").send_keys("https://social.example/p/1")
    driver.find_element(By.CSS_SELECTOR, "#report button[type=submit]").click()
    settle(driver).until(ec.presence_of_element_located((By.ID, "problems")))
    assert "Please describe what happened." in driver.page_source
    assert (
        driver.find_element(By.ID, "where").get_attribute("value") == "https://social.example/p/1"
    )
    checked("3-problems", 400)

    Select(driver.find_element(By.ID, "category")).select_by_value("doxxing")
    Select(driver.find_element(By.ID, "severity")).select_by_value("high")
    driver.find_element(By.ID, "what").send_keys(WHAT)
    driver.find_element(By.CSS_SELECTOR, "#report button[type=submit]").click()
    heading("sent")
    ref = re.search(r"R-[A-Z0-9]{6}", driver.find_element(By.TAG_NAME, "h1").text)
    assert ref
    receipt = driver.find_element(By.ID, "receipt-code").text
    passphrase = driver.find_element(By.ID, "passphrase").text
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", receipt)
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){4}", passphrase)
    checked("4-receipt")

    driver.get(link)  # the link again: spent
    heading("Report an incident")
    assert "used already or has expired" in driver.find_element(By.ID, "problem").text
    assert receipt not in driver.page_source and passphrase not in driver.page_source
    checked("5-spent", 403)

    asyncio.run_coroutine_threadsafe(answer(ref.group(0)), loop).result(30)

    driver.get(base + "/follow-up")
    heading("Follow up on a report")
    checked("6-follow-up")
    driver.find_element(By.ID, "receipt").send_keys(receipt)
    driver.find_element(By.ID, "passphrase").send_keys("NOT-THE-PASSPHRASE")
    driver.find_element(By.CSS_SELECTOR, "#follow-up button[type=submit]").click()
    settle(driver).until(ec.presence_of_element_located((By.ID, "problems")))
    assert "do not match a report" in driver.find_element(By.ID, "problems").text
    assert driver.find_element(By.ID, "receipt").get_attribute("value") == receipt
    checked("7-wrong", 400)

    driver.find_element(By.ID, "passphrase").send_keys(passphrase.lower().replace("-", " "))
    driver.find_element(By.ID, "message").send_keys(ADDED)
    driver.find_element(By.CSS_SELECTOR, "#follow-up button[type=submit]").click()
    heading(f"Report {ref.group(0)}")
    messages = driver.find_element(By.ID, "messages").text
    assert ANSWER in messages and ADDED in messages
    assert messages.index(ANSWER) < messages.index(ADDED)
    assert "Added to the case" in driver.find_element(By.ID, "done").text
    checked("8-status")
    return ref.group(0), receipt, passphrase


async def test_an_anonymous_web_report_and_its_follow_up_leave_no_trace_of_the_reporter(
    driver: Any, org: Org, engine: Any, tmp_path: Path, content: Any, faq: Any
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = run_env(
        tmp_path,
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_SECRET_KEY=SECRET_KEY,
        POLICYBOT_WORKER="false",
        PUBLIC_URL=base,
        LOG_LEVEL="DEBUG",
    )
    server = await asyncio.to_thread(Server, env, port)
    try:
        chat = await asyncio.to_thread(
            policybot, "chat", "--as", "e6@example.com", env={**env, "PORT": str(port)},
            stdin="report\n/quit\n",
        )  # fmt: skip
        found = re.search(re.escape(base) + r"/report/[A-Za-z0-9_-]+", chat.stdout)
        assert found, chat.stdout + chat.stderr
        link = found.group(0)
        before = await dump(engine)
        keys = cipher()
        deps = sql_deps(
            content, faq, SqlStore(engine, keys), NoticeLog(), FakeClock(datetime.now(UTC)), keys
        )

        async def answer(ref: str) -> None:
            async with deps.store() as uow:
                hal = await uow.people.get(org.handler)
                case = await uow.cases.by_ref(ref)
                assert hal is not None and case is not None
                await actions.message(deps, uow, hal, case.id, ANSWER)
                await uow.commit()

        loop = asyncio.get_running_loop()
        ref, receipt, passphrase = await asyncio.to_thread(
            report_and_follow_up, driver, link, base, answer, loop
        )
    finally:
        log = await asyncio.to_thread(server.stop)
    after = await dump(engine)
    added = flat(changes(before, after))
    everything = flat(after)
    assert "report_case" in added and "case_message" in added  # the report and its follow-up
    token = link.rsplit("/", 1)[1]
    for trace in (*IDENTITY, "127.0.0.1", AGENT, "IntakeBrowserAgent"):
        assert trace not in added, trace
    for secret in (token, receipt, passphrase, WHAT, ADDED, ANSWER, AGENT):
        assert secret not in everything, secret
    # The log: at DEBUG, no address but the server's own, no browser, link or report.
    assert "intake: anonymous report filed" in log and "intake: follow-up" in log
    for secret in (*IDENTITY, AGENT, "IntakeBrowserAgent", token, receipt, passphrase, WHAT):
        assert secret not in log, secret
    for seen in re.finditer(r"127\.0\.0\.1(.{0,6})", log):
        assert seen.group(1).startswith(f":{port}"), seen.group(0)
    assert ref not in log  # nor which report came through the web
