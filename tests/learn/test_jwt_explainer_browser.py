"""The JWT explainer in a real browser: our token verifies, others are explained, nothing is sent."""

import base64
import json
import os
import re
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import expect, sync_playwright

from accounts import tokens
from tests.accounts.jwt_support import access_claims, forge, stranger_private_pem
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API runs an event loop in the test thread; the ORM calls between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "learn"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def explainer(browser, live_server, transactional_db):
    """The explainer page in English, and every request the page makes from now on."""
    context = browser.new_context(
        locale="en-US", extra_http_headers={"Accept-Language": "en"}, base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/jwt/")
    page.requests = []
    page.on("request", lambda request: page.requests.append(request))
    yield page
    context.close()


def paste(page, token: str) -> None:
    page.fill("#jwt-input", token)
    page.click("button[type=submit]")


def verdict(page):
    box = page.locator("#jwt-verdict")
    expect(box).not_to_have_text(re.compile("Checking"))
    return box


def save(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_token_never_sent(page, token: str) -> None:
    for request in page.requests:
        assert token not in request.url and token not in (request.post_data or "")
        assert request.method == "GET"


def test_our_access_token_decodes_and_verifies_against_this_sites_keys(explainer, make_user):
    user = make_user("minji", nickname="민지")
    access = tokens.issue_tokens(user).access
    paste(explainer, access)
    expect(verdict(explainer)).to_have_class(re.compile("jwt-status-ok"))
    expect(explainer.locator("#jwt-verdict")).to_contain_text("Signature valid")
    expect(explainer.locator("#jwt-header")).to_contain_text('"typ": "at+jwt"')
    expect(explainer.locator("#jwt-payload")).to_contain_text(f'"sub": "{user.pk}"')
    expect(explainer.locator("#jwt-times")).to_contain_text(re.compile(r"expires in (4 min|5 min|\d+ s)"))
    save(explainer, "jwt-explainer-valid")
    assert_token_never_sent(explainer, access)
    origin = explainer.url.removesuffix("/jwt/")
    paths = [r.url.removeprefix(origin) for r in explainer.requests]
    assert [path for path in paths if not path.startswith("/static/")] == ["/.well-known/jwks.json"]


def test_token_with_a_changed_payload_does_not_match_our_key(explainer, make_user):
    header, payload, signature = tokens.issue_tokens(make_user("minji")).access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["staff"]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    paste(explainer, f"{header}.{forged_payload}.{signature}")
    expect(verdict(explainer)).to_have_class(re.compile("jwt-status-bad"))
    expect(explainer.locator("#jwt-verdict")).to_contain_text("does NOT match")
    expect(explainer.locator("#jwt-payload")).to_contain_text('"staff"')


def test_token_signed_by_a_stranger_under_our_kid_does_not_match(explainer):
    paste(explainer, forge(access_claims(), private_pem=stranger_private_pem()))
    expect(verdict(explainer)).to_have_class(re.compile("jwt-status-bad"))


def test_hs256_token_says_it_cannot_be_verified(explainer):
    token = jwt.encode({"sub": "1"}, "a-shared-secret-of-32-bytes-or-more!", algorithm="HS256")
    paste(explainer, token)
    expect(verdict(explainer)).to_have_text(
        "Cannot verify: the header says alg HS256, and this site only signs with RS256."
    )
    expect(explainer.locator("#jwt-times")).to_contain_text("no exp: this token never expires")


def test_token_without_kid_says_it_cannot_be_verified(explainer):
    paste(explainer, jwt.encode({"sub": "1"}, stranger_private_pem(), algorithm="RS256"))
    expect(verdict(explainer)).to_contain_text("Cannot verify: the header has no kid")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc.def", "This is not a JWT: it has 2 part(s)"),
        ("eyJhbGciOiJSUzI1NiJ9.e30.sig.x.y", "encrypted JWT (JWE)"),
        ("eyJhbGciOiJSUzI1NiJ9.not*base64.c2ln", "The payload is not valid base64url."),
        ("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", "The payload is not valid JSON."),
        ("WzFd.e30.c2ln", "The header is JSON, but not a JSON object."),
    ],
)
def test_malformed_token_gets_a_clear_message_and_no_decoded_parts(explainer, token, message):
    paste(explainer, token)
    status = explainer.locator("#jwt-status")
    expect(status).to_contain_text(message)
    expect(status).to_have_class(re.compile("jwt-status-bad"))
    expect(explainer.locator("#jwt-results")).to_be_hidden()
    if token == "abc.def":
        save(explainer, "jwt-explainer-malformed")
    assert_token_never_sent(explainer, token)


def test_without_published_keys_the_page_says_the_jwks_is_missing(explainer):
    explainer.route("**/.well-known/jwks.json", lambda route: route.fulfill(status=404, body="Not Found"))
    paste(explainer, forge(access_claims()))
    expect(verdict(explainer)).to_contain_text("does not publish its keys yet (/.well-known/jwks.json answered 404")


def test_korean_visitor_sees_the_explainer_and_the_example_token(browser, live_server, transactional_db):
    context = browser.new_context(locale="ko-KR", base_url=live_server.url)
    page = context.new_page()
    page.goto("/jwt/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.click("#jwt-example")
    expect(verdict(page)).to_have_class(re.compile("jwt-status-warn"))
    expect(page.locator("#jwt-times .jwt-expired")).to_be_visible()
    save(page, "jwt-explainer-example-ko")
    context.close()
