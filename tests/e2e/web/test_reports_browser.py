"""A handler works a case end to end in a real browser, and is refused one they are excluded
from; every step is checked against the database, every page with axe-core."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from sqlalchemy import text

from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site

QUEUE = (
    "SELECT c.ref FROM report_case c JOIN case_access a ON a.case_id = c.id "
    "WHERE a.person_id = 'hal' AND a.kind = 'handler' AND c.status <> 'resolved'"
)


async def scalar_rows(site: Site, query: str) -> list[Any]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [r[0] for r in (await conn.execute(text(query))).all()]


def work_the_case(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    def db(query: str) -> list[Any]:
        coro: Coroutine[Any, Any, list[Any]] = scalar_rows(site, query)
        return asyncio.run_coroutine_threadsafe(coro, loop).result(10)

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    def settled(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), words))

    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Cases").click()  # from the navigation
    heading("Cases")
    refs = [
        r.find_element(By.TAG_NAME, "th").text
        for r in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    ]
    assert sorted(refs) == sorted(db(QUEUE)) == ["R-CRIT01", "R-HIGH01"]
    assert refs[0] == "R-CRIT01"  # overdue: first
    first = driver.find_element(By.CSS_SELECTOR, "#queue tbody tr").text
    assert "Overdue" in first and "Nobody yet" in first
    assert "secret content" not in driver.page_source
    assert axe_violations(driver) == []
    screenshot(driver, "cases-1-queue")

    driver.find_element(By.LINK_TEXT, "R-CRIT01").click()
    heading("Report R-CRIT01")
    assert driver.find_element(By.ID, "what").text == "secret content"
    reads = "SELECT action FROM case_audit WHERE case_id = 'k1' AND actor = 'hal'"
    assert db(reads) == ["read"]
    assert axe_violations(driver) == []
    screenshot(driver, "cases-2-case")

    driver.find_element(By.XPATH, "//button[text()='Acknowledge']").click()
    settled("acknowledged")
    assert driver.find_element(By.ID, "status").text == "Acknowledged"
    assert db("SELECT status FROM report_case WHERE id = 'k1'") == ["acknowledged"]

    driver.find_element(By.XPATH, "//button[text()='Assign']").click()
    settled("assigned")
    assert driver.find_element(By.ID, "assignee").text == "Hal Handler"
    assert db("SELECT assignee_id FROM report_case WHERE id = 'k1'") == ["hal"]

    driver.find_element(By.ID, "message").send_keys("We are looking into it <b>now</b>.")
    driver.find_element(By.XPATH, "//button[text()='Send']").click()
    settled("message is sent")
    assert "We are looking into it <b>now</b>." in driver.find_element(By.ID, "messages").text
    assert db("SELECT count(*) FROM case_message WHERE case_id = 'k1'") == [1]

    Select(driver.find_element(By.ID, "outcome")).select_by_visible_text("Action taken")
    driver.find_element(By.ID, "note").send_keys("Resolved with the platform.")
    driver.find_element(By.XPATH, "//button[text()='Resolve the case']").click()
    settled("resolved")
    assert driver.find_element(By.ID, "status").text == "Resolved: Action taken"
    assert db("SELECT status FROM report_case WHERE id = 'k1'") == ["resolved"]
    assert db("SELECT outcome FROM report_case WHERE id = 'k1'") == ["action-taken"]
    trail = driver.find_element(By.ID, "trail").text
    for action in ("acknowledged", "assigned to self", "messaged reporter", "resolved"):
        assert action in trail
    assert sorted(db(reads)).count("read") == 5  # the page is read again after each change
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, "cases-3-resolved")

    driver.get(site.url + "/dashboard/cases/R-NORM01")  # Hal is excluded from this one
    heading("Not allowed")
    assert "secret content" not in driver.page_source
    refused = "SELECT action FROM case_audit WHERE case_id = 'k3'"
    assert db(refused) == ["refused read"]
    assert axe_violations(driver) == []
    screenshot(driver, "cases-4-excluded")


async def test_a_handler_works_a_case_and_is_refused_one_they_are_excluded_from(
    driver: Any, site: Site
) -> None:
    link = await site.link("hal@example.com")
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(work_the_case, driver, site, link, loop)
