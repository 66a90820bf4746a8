"""The OpenID Connect login in a real headless Chromium, against the sandbox as Kakao's OIDC provider."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts import kakao_oidc
from accounts.models import Identity, User
from tests.browser.journeys import log_in_with_sandbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def oidc_on(settings):
    settings.KAKAO_OIDC = True
    kakao_oidc.forget_keys()
    yield
    kakao_oidc.forget_keys()


def korean(reason: str) -> str:
    with translation.override("ko"):
        return str(kakao_oidc.REASONS[reason])


def test_oidc_login_verifies_the_sandboxs_id_token_and_the_inspector_shows_it(page, screenshot):
    page.goto("/")
    log_in_with_sandbox(page, "full")
    expect(page.locator(".nav-nickname")).to_have_text("홍길동")

    page.goto("/accounts/flow/")
    step = page.locator("#step-id_token")
    expect(step).to_contain_text("OpenID Connect")
    expect(step).to_contain_text("/sandbox/kakao/.well-known/jwks.json")
    expect(step).to_contain_text('"sub": "4000000001"')
    for claim in ("signature: 유효", "iss: ", "aud: ", "exp: ", "iat: ", "nonce: ", "sub: 4000000001"):
        expect(step).to_contain_text(claim)
    expect(page.locator("#step-authorize")).to_contain_text("openid")
    assert "sandbox-client-secret" not in page.content()
    screenshot("flow-inspector-oidc")


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        ("id-token-wrong-aud", "audience"),
        ("id-token-expired", "expired"),
        ("id-token-bad-signature", "signature"),
        ("id-token-no-nonce", "nonce_missing"),
        ("id-token-unknown-kid", "unknown_kid"),
        ("id-token-wrong-sub", "subject"),
    ],
)
def test_each_bad_id_token_of_the_sandbox_is_refused_with_its_own_message(page, screenshot, account, reason):
    page.goto("/")
    log_in_with_sandbox(page, account)

    expect(page.locator(".error-detail")).to_have_text(korean(reason))
    expect(page.locator(".error-code")).to_contain_text("kakao_id_token_invalid")
    expect(page.locator("header").get_by_role("link", name="카카오 로그인", exact=True)).to_be_visible()
    assert not User.objects.exists() and not Identity.objects.exists()
    screenshot(f"oidc-refused-{account}")
