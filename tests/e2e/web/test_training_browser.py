"""The training page in a real browser, reached from the navigation: HR's figures against the
database and the required modules set with the keyboard; a manager's team only; axe-core."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site

COMPLETION = (
    "SELECT coalesce(p.department, '(none)'), count(a.person_id), count(*) FROM person p "
    "LEFT JOIN attestation a ON a.person_id = p.id AND a.version = {v} {where} "
    "GROUP BY p.department"
)


async def fetch(site: Site, query: str) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query))).all()]


def figures(driver: Any, caption: str) -> dict[str, list[str]]:
    """A figures table, by the start of its caption: row heading -> cells."""
    from selenium.webdriver.common.by import By

    for table in driver.find_elements(By.CSS_SELECTOR, "table"):
        found = table.find_element(By.TAG_NAME, "caption").get_attribute("textContent")
        if found.startswith(caption):
            return {
                r.find_element(By.TAG_NAME, "th").get_attribute("textContent"): [
                    c.text for c in r.find_elements(By.TAG_NAME, "td")
                ]
                for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
            }
    raise AssertionError(f"no table captioned {caption!r}")


def browse(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop, who: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    def db(query: str) -> list[tuple[Any, ...]]:
        return asyncio.run_coroutine_threadsafe(fetch(site, query), loop).result(10)

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    version = site.services.deps.content.current.version
    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Training").click()  # from the navigation
    heading("Training")
    assert driver.find_element(By.LINK_TEXT, "Training").get_attribute("aria-current") == "page"
    where = "WHERE p.manager_id = 'mona'" if who == "manager" else ""
    expected = {
        str(d): [str(n), str(w), f"{round(100 * n / w)}%"]
        for d, n, w in db(COMPLETION.format(v=version, where=where))
    }
    assert figures(driver, "Completed, by department") == expected
    overdue = [
        r.find_element(By.TAG_NAME, "th").text
        for r in driver.find_elements(By.CSS_SELECTOR, "#overdue tbody tr")
    ]
    late = db(
        "SELECT p.display_name FROM person p WHERE p.id NOT IN (SELECT person_id FROM "
        f"attestation WHERE version = {version}) {where.replace('WHERE', 'AND')}"
    )
    assert sorted(overdue) == sorted(n for (n,) in late)
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, f"training-1-{who}")
    if who == "manager":
        assert driver.find_elements(By.ID, "required") == []
        return

    # The keyboard alone: untick the first module, then save with Enter on the button.
    first = driver.find_element(By.CSS_SELECTOR, "#required input[type=checkbox]")
    first.send_keys(Keys.SPACE)
    assert not first.is_selected()
    save = driver.find_element(By.CSS_SELECTOR, "#required button[type=submit]")
    save.send_keys(Keys.ENTER)
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "Saved"))
    modules = site.services.deps.content.quizzes.modules
    assert db("SELECT modules FROM training_required") == [
        (",".join(sorted(m.id for m in modules[1:])),)
    ]
    assert axe_violations(driver) == []
    screenshot(driver, "training-2-saved")


async def test_hr_reads_the_figures_and_sets_the_required_modules(driver: Any, site: Site) -> None:
    link = await site.link("hana@example.com")
    await asyncio.to_thread(browse, driver, site, link, asyncio.get_running_loop(), "hr")


async def test_a_manager_sees_their_reports_only(driver: Any, site: Site) -> None:
    link = await site.link("mona@example.com")
    await asyncio.to_thread(browse, driver, site, link, asyncio.get_running_loop(), "manager")
