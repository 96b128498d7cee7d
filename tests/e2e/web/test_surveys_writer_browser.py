"""HR writes a quick poll in a real browser, from the Surveys page: a mistake is shown by its
field, the poll opens, and both pages pass axe-core."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site
from tests.e2e.web.test_surveys_writer import rows


def write_a_poll(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Surveys").click()
    heading("Surveys")
    driver.find_element(By.ID, "write-link").click()
    heading("Write a survey")
    assert axe_violations(driver) == []
    driver.find_element(By.ID, "title").send_keys("Lunch and learn")
    driver.find_element(By.ID, "q1-text").send_keys("Which topic first?")
    Select(driver.find_element(By.ID, "q1-kind")).select_by_value("single")
    driver.find_element(By.ID, "q1-options").send_keys("Deepfakes")  # one option: too few
    driver.find_element(By.XPATH, "//button[text()='Open the survey']").click()
    heading("Write a survey")
    problem = driver.find_element(By.ID, "q1-options-problem").text
    assert "at least two options" in problem
    described = driver.find_element(By.ID, "q1-options").get_attribute("aria-describedby")
    assert "q1-options-problem" in described
    assert axe_violations(driver) == []
    screenshot(driver, "survey-write-1-problem")
    driver.find_element(By.ID, "q1-options").send_keys(", Doxxing, Brand accounts")
    driver.find_element(By.XPATH, "//button[text()='Open the survey']").click()
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "open"))
    assert "Lunch and learn" in driver.find_element(By.ID, "campaigns").text
    assert axe_violations(driver) == []
    # The one error is the form sent back with its problem (a 400), as it should be.
    assert [e for e in console_errors(driver) if "status of 400" not in e] == []
    screenshot(driver, "survey-write-2-open")


async def test_hr_writes_a_poll_in_the_browser(driver: Any, site: Site) -> None:
    link = await site.link("hana@example.com")
    await asyncio.to_thread(write_a_poll, driver, site, link, asyncio.get_running_loop())
    (definition,) = await rows(
        site, "SELECT definition FROM survey_campaign WHERE definition IS NOT NULL"
    )
    assert "Brand accounts" in definition[0]
