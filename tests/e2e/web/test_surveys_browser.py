"""The surveys pages in a real browser, reached from the navigation: campaigns against the
database, results hidden below the threshold and shown above it, a campaign opened and closed
with the keyboard; every page checked with axe-core."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site
from tests.e2e.web.test_surveys import CROWD, crowd


async def fetch(site: Site, query: str) -> list[Any]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [r[0] for r in (await conn.execute(text(query))).all()]


def browse(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    def db(query: str) -> list[Any]:
        return asyncio.run_coroutine_threadsafe(fetch(site, query), loop).result(10)

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Surveys").click()  # from the navigation
    heading("Surveys")
    listed = {
        r.get_attribute("id").removeprefix("campaign-"): [
            c.text for c in r.find_elements(By.TAG_NAME, "td")
        ]
        for r in driver.find_elements(By.CSS_SELECTOR, "#campaigns tbody tr")
    }
    for campaign in ("c1", CROWD):
        answered = db(f"SELECT count(*) FROM survey_participant WHERE campaign_id = '{campaign}'")
        assert listed[campaign][3].startswith(f"{answered[0]} of "), listed
    assert axe_violations(driver) == []
    screenshot(driver, "surveys-1-campaigns")

    # Below the threshold: no figure at all, only how many answered.
    driver.find_element(By.CSS_SELECTOR, "#campaign-c1 th a").click()
    heading("Results:")
    hidden = driver.find_element(By.ID, "hidden").text
    assert "Results appear once 5 people have answered" in hidden
    assert driver.find_elements(By.TAG_NAME, "figure") == []
    assert driver.find_elements(By.ID, "comments") == []
    assert axe_violations(driver) == []
    screenshot(driver, "surveys-2-hidden")

    # Above it: a chart per question with its table, one department, the comments as text.
    driver.back()
    heading("Surveys")
    driver.find_element(By.CSS_SELECTOR, f"#campaign-{CROWD} th a").click()
    heading("Results:")
    assert len(driver.find_elements(By.CSS_SELECTOR, "figure.chart")) == 5  # 4 likert, 1 multiple
    assert len(driver.find_elements(By.CSS_SELECTOR, "figure.chart table.figures")) == 5
    departments = driver.find_element(By.ID, "departments").text
    assert "Support" in departments and "Sales" not in departments
    shown = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#comments li")]
    assert "More examples <script>alert('c')</script> please" in shown and len(shown) == 10
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, "surveys-3-results")

    # Open a campaign with the keyboard, then close it.
    driver.back()
    heading("Surveys")
    Select(driver.find_element(By.ID, "survey")).select_by_value("training-pulse")
    days = driver.find_element(By.ID, "days")
    days.clear()
    days.send_keys("5", Keys.ENTER)  # Enter in a field sends its form
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "open"))
    (campaign,) = db("SELECT id FROM survey_campaign WHERE survey_id = 'training-pulse'")
    row = driver.find_element(By.ID, f"campaign-{campaign}")
    assert "Open" in row.text
    row.find_element(By.XPATH, ".//button[starts-with(., 'Close now')]").send_keys(Keys.ENTER)
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "Closed"))
    assert db(f"SELECT closed FROM survey_campaign WHERE id = '{campaign}'")[0] in (True, 1)
    assert axe_violations(driver) == []
    screenshot(driver, "surveys-4-closed")


async def test_hr_reads_campaigns_and_results_and_opens_and_closes_one(
    driver: Any, site: Site
) -> None:
    await crowd(site)
    link = await site.link("hana@example.com")
    await asyncio.to_thread(browse, driver, site, link, asyncio.get_running_loop())
