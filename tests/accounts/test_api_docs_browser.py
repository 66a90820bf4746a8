"""Swagger UI in a real Chromium, under the site's own Content-Security-Policy."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def browser_page(live_server, transactional_db):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(base_url=live_server.url)
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_swagger_ui_renders_every_api_operation_with_no_csp_violation(browser_page):
    problems = []
    browser_page.on("pageerror", lambda error: problems.append(str(error)))
    browser_page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )

    response = browser_page.goto("/api/docs/")
    browser_page.wait_for_selector(".opblock-summary-path")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    paths = browser_page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/auth/kakao/" in paths
    assert "/api/posts/{id}/" in paths
    assert problems == []
