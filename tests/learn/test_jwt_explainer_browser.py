"""The JWT explainer in a real browser: our token verifies, others are explained, nothing is sent."""

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import expect

from tests.tokens.jwt_support import access_claims, forge, stranger_private_pem
from tokens import families

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "learn"


@dataclass(frozen=True)
class Seen:
    """What a visitor sees after pasting a token, and what the page sent meanwhile."""

    status: str
    status_class: str
    verdict: str
    verdict_class: str
    results_shown: bool
    header: str
    payload: str
    times: str
    expired_shown: bool
    requests: list[tuple[str, str, str]]  # method, path, body


@pytest.fixture
def in_browser(chromium):
    """Run a function of the steps with the run's shared Chromium."""
    return lambda steps, *args, **kwargs: steps(chromium, *args, **kwargs)


def explain(
    browser,
    base_url: str,
    token: str,
    *,
    language: str = "en",
    example: bool = False,
    jwks_missing: bool = False,
    screenshot: str = "",
) -> Seen:
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language}, base_url=base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/jwt/")
    if jwks_missing:
        page.route("**/.well-known/jwks.json", lambda route: route.fulfill(status=404, body="Not Found"))
    requests = []
    page.on("request", lambda request: requests.append(request))
    if example:
        page.click("#jwt-example")
    else:
        page.fill("#jwt-input", token)
        page.click("button[type=submit]")
    status, verdict, results = page.locator("#jwt-status"), page.locator("#jwt-verdict"), page.locator("#jwt-results")
    expect(status).to_be_visible()
    if results.is_visible():
        expect(verdict).not_to_have_text(re.compile("Checking|확인"))
    if screenshot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)
    seen = Seen(
        status=status.inner_text(),
        status_class=status.get_attribute("class") or "",
        verdict=verdict.inner_text() if verdict.is_visible() else "",
        verdict_class=verdict.get_attribute("class") or "",
        results_shown=results.is_visible(),
        header=page.locator("#jwt-header").text_content() or "",
        payload=page.locator("#jwt-payload").text_content() or "",
        times=page.locator("#jwt-times").text_content() or "",
        expired_shown=page.locator("#jwt-times .jwt-expired").is_visible(),
        requests=[(r.method, r.url.removeprefix(base_url), r.post_data or "") for r in requests],
    )
    context.close()
    return seen


def assert_token_never_sent(seen: Seen, token: str) -> None:
    for method, path, body in seen.requests:
        assert method == "GET" and token not in path and token not in body


def test_our_access_token_decodes_and_verifies_against_this_sites_keys(in_browser, live_server, make_user):
    user = make_user("minji", nickname="민지")
    access = families.issue_tokens(user).access
    seen = in_browser(explain, live_server.url, access, screenshot="jwt-explainer-valid")
    assert "jwt-status-ok" in seen.verdict_class
    assert seen.verdict.startswith("Signature valid: signed by this site")
    assert '"typ": "at+jwt"' in seen.header
    assert f'"sub": "{user.pk}"' in seen.payload
    assert re.search(r"expires in (4 min|5 min|\d+ s)", seen.times)
    assert_token_never_sent(seen, access)
    assert [path for _method, path, _body in seen.requests if not path.startswith("/static/")] == [
        "/.well-known/jwks.json"
    ]


def test_token_with_a_changed_payload_does_not_match_our_key(in_browser, live_server, make_user):
    header, payload, signature = families.issue_tokens(make_user("minji")).access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["staff"]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    seen = in_browser(explain, live_server.url, f"{header}.{forged_payload}.{signature}")
    assert "jwt-status-bad" in seen.verdict_class
    assert "does NOT match" in seen.verdict
    assert '"staff"' in seen.payload


def test_token_signed_by_a_stranger_under_our_kid_does_not_match(in_browser, live_server):
    seen = in_browser(explain, live_server.url, forge(access_claims(), private_pem=stranger_private_pem()))
    assert "jwt-status-bad" in seen.verdict_class


def test_hs256_token_says_it_cannot_be_verified(in_browser, live_server):
    token = jwt.encode({"sub": "1"}, "a-shared-secret-of-32-bytes-or-more!", algorithm="HS256")
    seen = in_browser(explain, live_server.url, token)
    assert seen.verdict == "Cannot verify: the header says alg HS256, and this site only signs with RS256."
    assert "jwt-status-warn" in seen.verdict_class
    assert "no exp: this token never expires" in seen.times


def test_token_without_kid_says_it_cannot_be_verified(in_browser, live_server):
    seen = in_browser(explain, live_server.url, jwt.encode({"sub": "1"}, stranger_private_pem(), algorithm="RS256"))
    assert seen.verdict.startswith("Cannot verify: the header has no kid")


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
def test_malformed_token_gets_a_clear_message_and_no_decoded_parts(in_browser, live_server, token, message):
    shot = "jwt-explainer-malformed" if token == "abc.def" else ""
    seen = in_browser(explain, live_server.url, token, screenshot=shot)
    assert message in seen.status
    assert "jwt-status-bad" in seen.status_class
    assert not seen.results_shown
    assert_token_never_sent(seen, token)


def test_without_published_keys_the_page_says_the_jwks_is_missing(in_browser, live_server):
    seen = in_browser(explain, live_server.url, forge(access_claims()), jwks_missing=True)
    assert "does not publish its keys yet (/.well-known/jwks.json answered 404" in seen.verdict


def test_korean_visitor_sees_the_example_token_decoded_and_expired(in_browser, live_server):
    seen = in_browser(explain, live_server.url, "", language="ko", example=True, screenshot="jwt-explainer-example-ko")
    assert "jwt-status-warn" in seen.verdict_class
    assert '"kid": "example-key-not-this-site"' in seen.header
    assert seen.expired_shown
