"""Swagger UI in a real Chromium, under the site's own Content-Security-Policy."""

import pytest


@pytest.fixture
def browser_page(chromium, live_server, transactional_db):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


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
