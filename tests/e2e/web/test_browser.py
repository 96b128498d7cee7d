"""The dashboard in a real browser: a link from the console and from Slack, the overview's
figures against the database, keyboard use, htmx under the content policy, and axe-core.

Screenshots go to tests/e2e/web/screenshots/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.conftest import database_url
from tests.e2e.conftest import free_port, policybot, run_env
from tests.e2e.slack.conftest import EMPLOYEE, HR, SECRET, sign, slash
from tests.e2e.slack.fake import FakeSlack
from tests.e2e.web.browser import Server, axe_violations, console_errors, screenshot, settle
from tests.e2e.web.seed import SCRIPT_TITLE, SECRET_KEY, Org, seed

LINK = re.compile(r"http://127\.0\.0\.1:\d+/dashboard/sign-in/[A-Za-z0-9_-]+")


@pytest.fixture
async def org(engine: Any, content: Any) -> Org:
    """The seeded organisation, written before the server starts."""
    cipher = KeyCipher(base64.urlsafe_b64decode(SECRET_KEY + "="))
    return await seed(SqlStore(engine, cipher), content)


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return run_env(
        tmp_path,
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_SECRET_KEY=SECRET_KEY,
        POLICYBOT_WORKER="false",
        **extra,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(users={"U0EMPLOYEE": EMPLOYEE, "U0HR": HR})
    await slack.start()
    yield slack
    await slack.stop()


async def expected(engine: Any, org: Org, version: int) -> dict[str, str]:
    """The overview's figures, counted straight from the tables."""
    queries = {
        "reached": "SELECT count(*) FROM announcement_recipient WHERE announcement_id = :a "
        "AND state = 'delivered' AND person_id NOT LIKE '#%'",
        "read": "SELECT count(*) FROM announcement_recipient r JOIN announcement_ack k "
        "ON k.announcement_id = r.announcement_id AND k.person_id = r.person_id "
        "WHERE r.announcement_id = :a AND r.state = 'delivered'",
        "people": "SELECT count(*) FROM person",
        "attested": "SELECT count(*) FROM attestation WHERE version = :v",
        "critical": "SELECT count(*) FROM report_case WHERE severity = 'critical' "
        "AND status <> 'resolved'",
        "high": "SELECT count(*) FROM report_case WHERE severity = 'high' AND status <> 'resolved'",
        "normal": "SELECT count(*) FROM report_case WHERE severity = 'normal' "
        "AND status <> 'resolved'",
        "answered": "SELECT count(*) FROM survey_participant WHERE campaign_id = 'c1'",
        "audience": "SELECT count(*) FROM person p JOIN survey_campaign c "
        "ON c.audience = p.department WHERE c.id = 'c1'",
    }
    found: dict[str, str] = {}
    async with engine.connect() as conn:
        for name, query in queries.items():
            result = await conn.execute(text(query), {"a": org.announcement, "v": version})
            found[name] = str(result.scalar_one())
    return found


def cells(driver: Any, caption: str) -> dict[str, list[str]]:
    """A figures table, found by the start of its caption: row heading -> cells."""
    from selenium.webdriver.common.by import By

    for table in driver.find_elements(By.CSS_SELECTOR, "table"):
        if (
            table.find_element(By.TAG_NAME, "caption")
            .get_attribute("textContent")
            .startswith(caption)
        ):
            rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
            return {
                r.find_element(By.TAG_NAME, "th").text: [
                    c.text for c in r.find_elements(By.TAG_NAME, "td")
                ]
                for r in rows
            }
    raise AssertionError(f"no table captioned {caption!r}")


def sign_in_and_check(driver: Any, link: str, figures: dict[str, str], name: str) -> None:
    """Open the link, press Sign in, and check the overview against the database."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(link)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in to the dashboard"
    assert axe_violations(driver) == []
    screenshot(driver, f"{name}-1-confirm")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # the second click
    settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Overview"))
    assert driver.current_url.endswith("/dashboard")
    assert "Signed in as Hana HR" in driver.find_element(By.CSS_SELECTOR, ".signout").text

    ack = cells(driver, "Acknowledgements of")
    assert ack["Acknowledged"][0] == figures["read"]
    assert int(ack["Acknowledged"][0]) + int(ack["Not yet"][0]) == int(figures["reached"])
    share = round(100 * int(figures["read"]) / int(figures["reached"]))
    assert ack["Acknowledged"][1] == f"{share}%"
    training = cells(driver, "Training for version")
    assert training["Completed"][0] == figures["attested"]
    assert int(training["Not yet"][0]) == int(figures["people"]) - int(figures["attested"])
    cases = cells(driver, "Open cases by severity")
    assert {k: v[0] for k, v in cases.items()} == {
        "Critical": figures["critical"],
        "High": figures["high"],
        "Normal": figures["normal"],
    }
    survey = cells(driver, "Responses to")
    assert survey["Answered"][0] == figures["answered"]
    assert int(survey["Answered"][0]) + int(survey["Not yet"][0]) == int(figures["audience"])
    clocks = cells(driver, "Deadline clocks")
    assert list(clocks) == ["R-CRIT01", "R-NORM01", "R-HIGH01"]
    assert clocks["R-CRIT01"][2].startswith("Overdue")
    attention = driver.find_element(By.CSS_SELECTOR, "section.attention").text
    assert "Report R-CRIT01" in attention and "Question Q-WAIT01" in attention
    assert SCRIPT_TITLE in driver.find_element(By.ID, "acknowledgement-rate").text  # as text
    assert (
        driver.execute_script("return document.querySelectorAll('script:not([src])').length") == 0
    )
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, f"{name}-2-overview")

    # The keyboard: the first Tab reaches the skip link, which moves focus to the content.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.text == "Skip to main content"
    active.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"

    # htmx (served by the app, allowed by the content policy) refreshes the figures in place.
    driver.execute_script(
        "window.stayed = true; document.getElementById('figures').dataset.old = 1"
    )
    driver.find_element(By.LINK_TEXT, "Refresh the figures").click()
    settle(driver).until(
        lambda d: d.execute_script(
            "const f = document.querySelectorAll('#figures'); return f.length === 1"
            " && !f[0].dataset.old && !f[0].classList.contains('htmx-settling')"
        )
    )
    assert driver.execute_script("return window.stayed === true")  # no page load: a swap
    assert cells(driver, "Training for version")["Completed"][0] == figures["attested"]
    assert console_errors(driver) == []


def sign_out(driver: Any, name: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.find_element(By.CSS_SELECTOR, ".signout button").click()
    signed_out = ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "You are signed out.")
    settle(driver).until(signed_out)  # the next page, not the one still showing
    assert axe_violations(driver) == []
    screenshot(driver, f"{name}-3-signed-out")
    driver.get(driver.current_url.split("/dashboard")[0] + "/dashboard/nowhere")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert axe_violations(driver) == []


async def test_from_the_console_to_the_overview_in_two_clicks(
    driver: Any, org: Org, engine: Any, tmp_path: Path, content: Any
) -> None:
    env = server_env(tmp_path)
    server = await asyncio.to_thread(Server, env, free_port())
    try:
        port = server.url.rsplit(":", 1)[1]
        chat = await asyncio.to_thread(
            policybot, "chat", "--as", "hana@example.com", env={**env, "PORT": port},
            stdin="dashboard\n/quit\n",
        )  # fmt: skip
        found = LINK.search(chat.stdout)
        assert found, chat.stdout + chat.stderr
        figures = await expected(engine, org, content.current.version)
        await asyncio.to_thread(sign_in_and_check, driver, found.group(0), figures, "console")
        await asyncio.to_thread(sign_out, driver, "console")
    finally:
        log = await asyncio.to_thread(server.stop)
    token = found.group(0).rsplit("/", 1)[1]
    assert token not in log  # neither the link nor its token is ever logged


async def test_from_slack_to_the_overview(
    driver: Any, org: Org, engine: Any, fake: FakeSlack, tmp_path: Path, content: Any
) -> None:
    import aiohttp

    env = server_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
    )
    server = await asyncio.to_thread(Server, env, free_port())
    try:
        body = slash("dashboard")
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with (
            aiohttp.ClientSession() as http,
            http.post(server.url + "/slack/events", data=body, headers=headers) as r,
        ):
            assert r.status == 200
        posted = await fake.wait_for("chat.postMessage")
        said = " ".join(str(c.args.get("text", "")) + str(c.args.get("blocks", "")) for c in posted)
        found = LINK.search(said)
        assert found, said
        assert all(c.args.get("channel") != "C0GENERAL" for c in posted)  # to Hana only
        figures = await expected(engine, org, content.current.version)
        await asyncio.to_thread(sign_in_and_check, driver, found.group(0), figures, "slack")
    finally:
        await asyncio.to_thread(server.stop)
