"""Every journey a person makes, in a real headless Chromium against the live server."""

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.journeys import log_in_with_sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_logs_in_writes_comments_inspects_flow_and_logs_out(page, screenshot):
    page.goto("/")
    expect(page.get_by_text("아직 글이 없습니다")).to_be_visible()
    screenshot("home-empty")

    log_in_with_sandbox(page, "full")
    expect(page.locator(".nav-nickname")).to_have_text("홍길동")
    screenshot("home-logged-in")

    page.get_by_role("link", name="글쓰기").click()
    page.get_by_label("제목").fill("브라우저에서 쓴 글")
    page.get_by_label("본문").fill("**굵은 글씨**와 코드:\n\n```python\nprint('안녕')\n```\n\n<script>window.pwned=1</script>")
    page.get_by_role("button", name="발행").click()
    expect(page.locator("h1")).to_have_text("브라우저에서 쓴 글")
    expect(page.locator(".post-body strong")).to_have_text("굵은 글씨")
    expect(page.locator(".post-body pre code")).to_contain_text("print('안녕')")
    assert page.evaluate("window.pwned") is None
    screenshot("post-detail")

    page.get_by_role("textbox", name="댓글").fill("첫 댓글입니다")
    page.get_by_role("button", name="댓글 등록").click()
    expect(page.locator(".comment-body")).to_have_text("첫 댓글입니다")

    page.locator(".nav-user").click()
    page.get_by_role("link", name="나의 마지막 로그인 단계별로 보기").click()
    expect(page.locator(".flow-step")).to_have_count(7)
    expect(page.locator("#step-authorize")).to_contain_text("code_challenge_method=S256")
    expect(page.locator("#step-local_user")).to_contain_text("created")
    assert "sandbox-client-secret" not in page.content()
    screenshot("flow-inspector")

    page.locator("header").get_by_role("button", name="로그아웃").click()
    expect(page.locator("header").get_by_role("link", name="카카오 로그인", exact=True)).to_be_visible()
    page.goto("/accounts/flow/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/flow/"))


def test_cancel_at_consent_shows_friendly_page_and_try_again_works(page, screenshot):
    page.goto("/")
    page.locator("header").get_by_role("link", name="카카오 로그인", exact=True).click()
    page.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    page.get_by_role("button", name="취소").click()
    expect(page.locator("h1")).to_have_text("로그인을 취소했습니다")
    expect(page.locator(".error-detail")).to_contain_text("취소")
    screenshot("login-cancelled")
    assert User.objects.filter(username__startswith="kakao_").count() == 0

    page.get_by_role("link", name="다시 시도").click()
    page.locator("#account-full").check()
    page.get_by_role("button", name="동의하고 계속하기").click()
    expect(page.locator(".nav-nickname")).to_have_text("홍길동")


def test_account_without_email_logs_in_and_profile_says_no_email(page):
    page.goto("/")
    log_in_with_sandbox(page, "no-email")
    page.locator(".nav-user").click()
    expect(page.locator(".profile-head")).to_contain_text("이메일 제공 안 함")
    user = User.objects.get(username__startswith="kakao_")
    assert user.email == ""


def test_failing_kakao_token_endpoint_shows_error_page_without_creating_a_user(page, screenshot):
    page.goto("/")
    log_in_with_sandbox(page, "token-500")
    expect(page.locator("h1")).to_have_text("카카오 로그인을 완료하지 못했습니다")
    expect(page.get_by_role("link", name="다시 시도")).to_be_visible()
    screenshot("login-kakao-500")
    assert not User.objects.filter(username__startswith="kakao_").exists()


def test_language_switch_turns_the_site_english_and_back(page):
    page.goto("/")
    expect(page.locator("header").get_by_role("link", name="카카오 로그인", exact=True)).to_be_visible()
    page.get_by_label("언어").select_option("en")
    page.get_by_role("button", name="변경").click()
    expect(page.locator("header").get_by_role("link", name="Log in with Kakao")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("header").get_by_role("link", name="카카오 로그인", exact=True)).to_be_visible()


def test_expired_access_cookie_is_renewed_silently_while_browsing(page, settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(seconds=1)}
    page.goto("/")
    log_in_with_sandbox(page, "full")
    expect(page.locator(".nav-nickname")).to_have_text("홍길동")
    first = _cookie(page, settings.JWT_ACCESS_COOKIE_NAME)
    time.sleep(2.1)  # let the one-second access token expire

    page.goto("/posts/new/")
    expect(page.get_by_label("제목")).to_be_visible()  # still logged in: no detour to the login page
    expect(page.locator(".nav-nickname")).to_have_text("홍길동")
    renewed = _cookie(page, settings.JWT_ACCESS_COOKIE_NAME)
    assert renewed["value"] != first["value"]
    assert renewed["httpOnly"] and renewed["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find(settings.JWT_ACCESS_COOKIE_NAME) == -1


def _cookie(page, name: str) -> dict:
    return next(cookie for cookie in page.context.cookies() if cookie["name"] == name)
