"""Before/after screenshots of the pages issue 14 changed: UX_STAGE=before on the old code."""

import os
from pathlib import Path

import pytest

from blog import services
from tests.browser.journeys import log_in_with_sandbox

# Pictures for a reviewer, not a check: run with UX_STAGE=before (on the old code) or after.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("UX_STAGE"), reason="set UX_STAGE=before|after to take the pictures"),
]

BEFORE_AFTER = Path(__file__).resolve().parents[2] / "test-artifacts" / "before-after"
TABLE_POST = (
    "세션과 JWT를 비교합니다. **굵게** 쓴 말과 `code`도 있습니다.\n\n"
    "| 방식 | 저장 위치 | 만료 |\n|:---|:---:|---:|\n"
    "| 세션 쿠키 | 서버 데이터베이스 | 브라우저 종료 |\n| JWT 액세스 토큰 | HttpOnly 쿠키 | 5분 |\n\n"
    "```python\ndef hello(name: str) -> str:\n    return f'안녕하세요, {name}'\n```\n"
)


def _stage() -> str:
    return os.environ["UX_STAGE"]


def _shot(page, name: str) -> None:
    BEFORE_AFTER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BEFORE_AFTER / f"{name}-{_stage()}.png"), full_page=True)


def test_before_after_screenshots(page, author):
    post = services.post_create(author=author, title="세션과 JWT 비교", body=TABLE_POST)
    page.goto(f"/accounts/login/?next=/posts/{post.pk}/")
    page.locator("header").get_by_role("link", name="카카오 로그인", exact=True).click()
    _shot(page, "login-loop")
    page.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    page.get_by_role("button", name="취소").click()
    _shot(page, "login-cancelled")
    page.goto("/")
    log_in_with_sandbox(page, "token-500")
    _shot(page, "failed-login")
    # Before issue 14 the flow page needed a login and showed nothing of a failure.
    page.goto("/accounts/flow/failed/" if _stage() == "after" else "/accounts/flow/")
    _shot(page, "failed-login-inspection")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/posts/{post.pk}/")
    _shot(page, "mobile-post")
    page.goto("/how-it-works/")
    page.evaluate("document.querySelector('.site-header').style.position = 'static'")  # not over the shot
    page.locator(".flow-diagram").screenshot(path=str(BEFORE_AFTER / f"diagram-{_stage()}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".flow-diagram").screenshot(path=str(BEFORE_AFTER / f"diagram-wide-{_stage()}.png"))
