"""Real-browser fixtures: Debian's headless Chromium driven by Playwright against live_server."""

from pathlib import Path

import pytest

from tests.browser.journeys import SCREENSHOTS


@pytest.fixture
def page(chromium, live_server, transactional_db):
    """A fresh Korean-language browser tab (no cookies) pointed at the live server."""
    context = chromium.new_context(locale="ko-KR", base_url=live_server.url, viewport={"width": 1100, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot into test-artifacts/screenshots/NAME.png."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
