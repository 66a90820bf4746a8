"""Steps a person takes in the browser, shared by the journey tests."""

from pathlib import Path

from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def log_in_with_sandbox(page: Page, account: str = "full") -> None:
    """From any blog page: press 카카오 로그인, pick a sandbox account, agree."""
    page.locator("header").get_by_role("link", name="카카오 로그인", exact=True).click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login.png"), full_page=True)
    page.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    page.screenshot(path=str(SCREENSHOTS / "sandbox-consent.png"), full_page=True)
    page.locator(f"#account-{account}").check()
    page.get_by_role("button", name="동의하고 계속하기").click()
