"""Debian's chromium, driven by Selenium: headless, sandbox off (tests run as root in CI).

Where no browser is installed the browser tests skip, saying how to install one; with
REQUIRE_BROWSER=1 (as `.ci/run` sets) they fail instead, so CI never skips them silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SCREENSHOTS = HERE / "screenshots"
AXE = HERE / "vendor" / "axe.min.js"  # axe-core 4.14.1 from its npm package (MPL-2.0)
CHROMIUM = ("chromium", "chromium-browser")
DRIVER = "chromedriver"


def _found() -> tuple[str, str] | None:
    browser = next((p for name in CHROMIUM if (p := shutil.which(name))), None)
    driver = shutil.which(DRIVER)
    return (browser, driver) if browser and driver else None


def require_browser() -> tuple[str, str]:
    """The browser and driver executables, or skip (fail under REQUIRE_BROWSER=1)."""
    found = _found()
    if found is None:
        reason = (
            "no browser: the browser tests need Debian's chromium and chromium-driver "
            "(apt-get install -y chromium chromium-driver)"
        )
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason + ", and REQUIRE_BROWSER is set")
        pytest.skip(reason)
    return found


def chrome() -> Iterator[Any]:
    """A headless chromium session; quit at the end."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1100",
        "--lang=en-GB",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    session.set_page_load_timeout(30)
    try:
        yield session
    finally:
        session.quit()


def screenshot(driver: Any, name: str) -> Path:
    """Save the whole page as tests/e2e/web/screenshots/NAME.png (git ignores the folder)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.getBoundingClientRect().height")
    driver.set_window_size(1280, max(700, min(int(height) + 40, 4000)))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.x A and AA)."""
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
          .then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical',
            help: String(e), nodes: []}]));
        """
    )
    return [v for v in result if v.get("impact") in ("serious", "critical")]


def console_errors(driver: Any) -> list[str]:
    """What the page logged as errors (a refused script or style would show here)."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


class Server:
    """`python app.py` as a subprocess on `port`, with the environment given."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read() if self.proc.stdout else ""
                raise AssertionError(f"server exited: {out}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("server did not come up")
            time.sleep(0.2)

    def stop(self) -> str:
        """Stop it (SIGTERM, as a supervisor would); what it logged."""
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out or ""


def settle(driver: Any, timeout: float = 10) -> Any:
    """A wait that looks again when the page was being replaced as it looked (the browser
    can hand over an element of the document it is leaving)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,))
