"""The policy page in a real browser, reached from the navigation: the versions and the
comparison against the content, the review summary for HR against the database and none for
a manager; axe-core on each."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from bot.features.review import changes
from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site
from tests.e2e.web.test_policy import SCRIPT_SUGGESTION, staff_input


async def fetch(site: Site, query: str) -> list[Any]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query))).all()]


def read(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop, who: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    def db(query: str) -> list[Any]:
        return asyncio.run_coroutine_threadsafe(fetch(site, query), loop).result(10)

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    content = site.services.deps.content
    d = changes.latest(content)
    assert d is not None
    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Policy").click()  # from the navigation
    heading("Policy")
    versions = [
        r.find_element(By.TAG_NAME, "th").text.split()[0]
        for r in driver.find_elements(By.CSS_SELECTOR, "#versions tbody tr")
    ]
    assert versions == [str(p.version) for p in reversed(content.policies)]
    reworded = [
        h.text.removeprefix("Reworded: ")
        for h in driver.find_elements(By.CSS_SELECTOR, "#comparison .reworded h3")
    ]
    assert reworded == [r.section.title for r in d.reworded]
    if who == "hr":
        items = driver.find_elements(By.CSS_SELECTOR, "#review ul.suggestions li")
        assert len(items) == db("SELECT count(*) FROM suggestion")[0][0]
        assert any(SCRIPT_SUGGESTION in li.text for li in items)  # as text
        assert driver.execute_script("return document.querySelectorAll('main script').length") == 0
        figures = driver.find_element(By.CSS_SELECTOR, "#review table.figures").text
        assert "Work time and devices 2" in figures
    else:
        assert driver.find_elements(By.ID, "review") == []
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, f"policy-1-{who}")
    # The keyboard: the comparison link of the current version opens it on a page of its own.
    compare = driver.find_element(By.LINK_TEXT, f"Compare with version {d.old.version}")
    compare.send_keys(Keys.ENTER)
    settle(driver).until(ec.url_contains(f"/dashboard/policy/v{d.new.version}"))
    assert driver.find_element(By.LINK_TEXT, "Policy").get_attribute("aria-current") == "page"
    assert axe_violations(driver) == []


async def test_hr_reads_versions_comparison_and_review(driver: Any, site: Site) -> None:
    await staff_input(site)
    link = await site.link("hana@example.com")
    await asyncio.to_thread(read, driver, site, link, asyncio.get_running_loop(), "hr")


async def test_a_manager_reads_versions_without_the_review(driver: Any, site: Site) -> None:
    await staff_input(site)
    link = await site.link("mona@example.com")
    await asyncio.to_thread(read, driver, site, link, asyncio.get_running_loop(), "manager")
