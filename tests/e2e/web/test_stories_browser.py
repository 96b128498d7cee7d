"""The stories page in a real browser, reached from the navigation: a story titled like a
script shows as text and runs nothing; HR declines one with a reason and approves another
with the keyboard, each checked against the database; axe-core on every step."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site
from tests.e2e.web.test_stories import ROUND, SCRIPT_STORY, XSS, stories


async def fetch(site: Site, query: str) -> list[Any]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query))).all()]


def moderate(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    def db(query: str) -> list[Any]:
        return asyncio.run_coroutine_threadsafe(fetch(site, query), loop).result(10)

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Stories").click()  # from the navigation
    heading("Stories")
    title = driver.find_element(By.ID, f"story-{XSS}-title").text
    assert title == SCRIPT_STORY  # the text itself, not a script
    assert driver.execute_script("return document.querySelectorAll('main script').length") == 0
    assert driver.find_elements(By.CSS_SELECTOR, "main img") == []
    waiting = [r[0] for r in db("SELECT id FROM story WHERE status = 'submitted'")]
    listed = [
        li.get_attribute("id").removeprefix("story-")
        for li in driver.find_elements(By.CSS_SELECTOR, "#queue > li")
    ]
    assert sorted(listed) == sorted(waiting)
    votes = dict(db(f"SELECT story_id, count(*) FROM vote WHERE round_id = '{ROUND}' "
                    "GROUP BY story_id"))  # fmt: skip
    table = driver.find_element(By.CSS_SELECTOR, f"#round-{ROUND} table.figures")
    shown = {
        r.find_element(By.TAG_NAME, "th").text: r.find_elements(By.TAG_NAME, "td")[0].text
        for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert shown == {"Story 0": str(votes["S-DONE00"]), "Story 1": str(votes["S-DONE01"])}
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, "stories-1-queue")

    # Decline the script-titled story with a reason, from the keyboard.
    reason = driver.find_element(By.ID, f"reason-{XSS}")
    reason.send_keys("It is a test of the form, not a story.")
    story = driver.find_element(By.ID, f"story-{XSS}")
    story.find_element(By.XPATH, ".//button[starts-with(., 'Decline')]").send_keys(Keys.ENTER)
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "Declined"))
    assert db(f"SELECT status, reason FROM story WHERE id = '{XSS}'") == [
        ("declined", "It is a test of the form, not a story.")
    ]
    assert driver.find_elements(By.ID, f"story-{XSS}") == []
    driver.find_element(By.CSS_SELECTOR, "#story-S-WAIT02 button.primary").send_keys(Keys.ENTER)
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "Approved"))
    assert db("SELECT status FROM story WHERE id = 'S-WAIT02'") == [("approved",)]
    assert axe_violations(driver) == []
    screenshot(driver, "stories-2-decided")


async def test_hr_moderates_stories_shown_as_text(driver: Any, site: Site) -> None:
    await stories(site)
    link = await site.link("hana@example.com")
    await asyncio.to_thread(moderate, driver, site, link, asyncio.get_running_loop())
