"""HR reaches the FAQ page from the navigation in a real browser, tries a question (answered
in place by htmx), and makes an unanswered question a phrasing; checked against the
database and the chat, every page with axe-core."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from bot.content import Content
from bot.features.faq.index import FaqIndex
from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site
from tests.e2e.web.test_faq import GAP, ask, rows


@pytest.fixture
def faq(content: Content) -> FaqIndex:
    """A matcher of this test's own: the page changes it."""
    return FaqIndex(content.faq, content.vocabulary)


def run_the_faq(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    def db(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(10)

    def wait_text(element_id: str, words: str) -> None:
        # A page being replaced can hand over an element of the old document: look again.
        settle(driver).until(ec.text_to_be_present_in_element((By.ID, element_id), words))

    def page(title: str) -> None:
        settle(driver).until(ec.title_contains(title))

    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    page("Overview")
    driver.find_element(By.LINK_TEXT, "FAQ").click()  # from the navigation
    page("FAQ")
    wait_text("main", "Try a question")
    assert axe_violations(driver) == []
    screenshot(driver, "faq-1-page")

    marker = driver.execute_script("return window.performance.timeOrigin")
    box = driver.find_element(By.ID, "q")
    box.send_keys("someone posted my home address online")
    driver.find_element(By.XPATH, "//button[text()='Try it']").click()
    wait_text("trial-answer", "doxxing")
    # Answered in place: the same document, not a new page load.
    assert driver.execute_script("return window.performance.timeOrigin") == marker
    assert driver.find_elements(By.CSS_SELECTOR, "#trial-near tbody tr")
    assert axe_violations(driver) == []
    screenshot(driver, "faq-2-tried")

    row = driver.find_element(By.XPATH, f"//table[@id='unanswered']//tr[td[text()='{GAP}']]")
    Select(row.find_element(By.TAG_NAME, "select")).select_by_value("colleague-privacy")
    row.find_element(By.TAG_NAME, "button").click()
    wait_text("done", "The phrasing is added")
    history = driver.find_element(By.ID, "history").text
    assert GAP in history and "Hana HR" in history
    assert db(rows(site, "SELECT faq_id, source FROM faq_change")) == [
        ("colleague-privacy", "unanswered")
    ]
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, "faq-3-added")


async def test_hr_tries_a_question_and_makes_an_unanswered_one_a_phrasing(
    driver: Any, site: Site
) -> None:
    assert await ask(site, GAP) is None  # logged as unanswered, so listed on the page
    link = await site.link("hana@example.com")
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(run_the_faq, driver, site, link, loop)
    assert await ask(site, GAP) == "colleague-privacy"
