"""HR composes, previews and sends an announcement in a real browser, and reads an
announcement's figures against the database; every page is checked with axe-core."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from tests.e2e.web.browser import axe_violations, console_errors, screenshot, settle
from tests.e2e.web.conftest import Site


async def column(site: Site, query: str) -> list[Any]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [r[0] for r in (await conn.execute(text(query))).all()]


def compose_and_send(driver: Any, site: Site, link: str, loop: asyncio.AbstractEventLoop) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    def db(query: str) -> list[Any]:
        return asyncio.run_coroutine_threadsafe(column(site, query), loop).result(10)

    def heading(words: str) -> None:
        settle(driver).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), words))

    driver.get(link)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading("Overview")
    driver.find_element(By.LINK_TEXT, "Announcements").click()
    heading("Announcements")
    listed = {
        r.find_element(By.TAG_NAME, "th").text: [c.text for c in r.find_elements(By.TAG_NAME, "td")]
        for r in driver.find_elements(By.CSS_SELECTOR, "#announcements tbody tr")
    }
    delivered = db(
        "SELECT count(*) FROM announcement_recipient WHERE announcement_id = 'A-SEEDED' "
        "AND state = 'delivered'"
    )[0]
    acked = db("SELECT count(*) FROM announcement_ack WHERE announcement_id = 'A-SEEDED'")[0]
    assert listed["A-SEEDED"][4] == str(delivered) and listed["A-SEEDED"][7] == str(acked)
    assert axe_violations(driver) == []
    screenshot(driver, "announcements-1-list")

    driver.find_element(By.LINK_TEXT, "A-SEEDED").click()
    heading("Announcement A-SEEDED")
    unread = [r.find_element(By.TAG_NAME, "th").text
              for r in driver.find_elements(By.CSS_SELECTOR, "#unread tbody tr")]  # fmt: skip
    expected = db(
        "SELECT p.display_name FROM announcement_recipient r JOIN person p ON p.id = r.person_id "
        "WHERE r.announcement_id = 'A-SEEDED' AND r.state = 'delivered' AND r.person_id NOT IN "
        "(SELECT person_id FROM announcement_ack WHERE announcement_id = 'A-SEEDED')"
    )
    assert sorted(unread) == sorted(expected)
    assert axe_violations(driver) == []
    screenshot(driver, "announcements-2-figures")

    driver.get(site.url + "/dashboard/announcements/new")
    heading("New announcement")
    driver.find_element(By.CSS_SELECTOR, "#compose button[type=submit]").click()  # empty
    assert driver.find_element(By.ID, "title").get_attribute("required")  # the browser stops it
    driver.find_element(By.ID, "title").send_keys("Posting about the offsite")
    driver.find_element(By.ID, "summary").send_keys("Tag it #offsite and keep faces out.")
    Select(driver.find_element(By.ID, "version")).select_by_visible_text("None")
    driver.find_element(By.CSS_SELECTOR, "input[name=audience][value=everyone]").click()  # off
    driver.find_element(By.CSS_SELECTOR, "input[name=audience][value=Sales]").click()
    sales = db("SELECT count(*) FROM person WHERE department = 'Sales'")[0]
    # As HR types, the preview follows: in Slack and in Teams, with the audience's head count.
    settle(driver).until(
        ec.text_to_be_present_in_element((By.ID, "live-head-count"), f"To {sales} people")
    )
    live = driver.find_element(By.ID, "live-preview").text
    assert live.count("Posting about the offsite") == 2 and "MICROSOFT TEAMS" in live.upper()
    assert db("SELECT count(*) FROM announcement WHERE title LIKE 'Posting%'") == [0]
    assert axe_violations(driver) == []
    screenshot(driver, "announcements-3-compose")
    driver.find_element(By.CSS_SELECTOR, "#compose button[type=submit]").click()
    heading("Announcement A-")
    preview = driver.find_element(By.ID, "preview").text
    assert "Posting about the offsite" in preview and "#offsite" in preview
    assert driver.find_element(By.ID, "head-count").text.startswith(f"{sales} people")
    assert axe_violations(driver) == []
    screenshot(driver, "announcements-4-preview")
    announcement_id = driver.find_element(By.TAG_NAME, "h1").text.split()[-1]
    status = f"SELECT status FROM announcement WHERE id = '{announcement_id}'"
    assert db(status) == ["draft"]
    driver.find_element(By.XPATH, f"//button[text()='Send now to {sales} people']").click()
    settle(driver).until(ec.text_to_be_present_in_element((By.ID, "done"), "Confirmed"))
    assert driver.find_element(By.ID, "status").text == "Scheduled"
    assert db(status) == ["scheduled"]
    assert axe_violations(driver) == []
    assert console_errors(driver) == []
    screenshot(driver, "announcements-5-sent")


async def test_hr_composes_previews_and_sends_an_announcement(driver: Any, site: Site) -> None:
    link = await site.link("hana@example.com")
    await asyncio.to_thread(compose_and_send, driver, site, link, asyncio.get_running_loop())
