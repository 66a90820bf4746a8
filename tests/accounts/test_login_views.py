"""The Kakao login as a browser sees it: /accounts/kakao/login/, the callback, logout."""

import base64
import hashlib
import logging
import re
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import Identity, User
from tests.accounts import fixtures
from tests.accounts.kakao_flow import (
    AUTH_CODE,
    AUTHORIZE_URL,
    LOGOUT_URL,
    REDIRECT_URI,
    SANDBOX,
    TOKEN_URL,
    USER_ME_URL,
    callback,
    header_of,
    log_in,
    query_of,
    start_login,
    stub_kakao_success,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

CLIENT_SECRET = "sandbox-client-secret"


def assert_friendly_error(response, status: int) -> str:
    """Check the error page every failure shows, at an address without the code; return its text."""
    if response.status_code == 302:
        assert response["Location"] == "/accounts/login/failed/"
        # A browser follows with the same Accept-Language.
        language = response.request.get("HTTP_ACCEPT_LANGUAGE", "")
        response = response.client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == status
    assert 'class="error-page"' in page
    assert 'href="/accounts/kakao/login/?next=' in page  # "try again", keeping next
    assert "Traceback" not in page
    return page


def assert_nothing_leaked(text: str) -> None:
    for secret in (AUTH_CODE, fixtures.KAKAO_ACCESS_TOKEN, fixtures.KAKAO_REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in text


def token_form(kakao_http) -> dict[str, str]:
    (call,) = [call for call in kakao_http.calls if call.request.url == TOKEN_URL]
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def s256(code_verifier: str) -> str:
    """Return the PKCE S256 code_challenge of ``code_verifier`` (RFC 7636)."""
    return base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()


# Starting the login


def test_kakao_login_redirects_to_authorize_with_client_redirect_uri_and_s256(client):
    query = start_login(client)
    assert query["client_id"] == "sandbox-rest-api-key"
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43


def test_kakao_login_state_has_at_least_128_bits_of_url_safe_characters(client):
    state = start_login(client)["state"]
    assert len(state) >= 22
    assert re.fullmatch(r"[A-Za-z0-9_-]+", state)


def test_kakao_login_ignores_a_redirect_uri_parameter(client):
    query = start_login(client, redirect_uri="https://evil.example/steal")
    assert query["redirect_uri"] == REDIRECT_URI


def test_each_login_gets_fresh_state_and_code_challenge(client):
    first, second = start_login(client), start_login(Client())
    again = start_login(client)
    assert len({first["state"], second["state"], again["state"]}) == 3
    assert len({first["code_challenge"], second["code_challenge"], again["code_challenge"]}) == 3


def test_token_request_carries_the_verifier_of_the_challenge_sent_to_authorize(client, kakao_http):
    stub_kakao_success(kakao_http)
    query = start_login(client)
    callback(client, code=AUTH_CODE, state=query["state"])
    verifier = token_form(kakao_http)["code_verifier"]
    assert s256(verifier) == query["code_challenge"]
    assert 43 <= len(verifier) <= 128


def test_each_callback_sends_the_verifier_of_its_own_login(client, kakao_http):
    stub_kakao_success(kakao_http)
    first, second = start_login(client), start_login(client)
    callback(client, code=AUTH_CODE, state=second["state"])
    callback(client, code=AUTH_CODE, state=first["state"])
    verifiers = [
        parse_qs(call.request.body)["code_verifier"][0] for call in kakao_http.calls if call.request.url == TOKEN_URL
    ]
    challenges = [s256(verifier) for verifier in verifiers]
    assert challenges == [second["code_challenge"], first["code_challenge"]]


def test_login_page_button_starts_the_kakao_login_with_a_safe_next(client):
    page = client.get("/accounts/login/", {"next": "//evil.example"}).content.decode()
    assert 'href="/accounts/kakao/login/?next=/"' in page
    page = client.get("/accounts/login/", {"next": "/posts/1/"}).content.decode()
    assert 'href="/accounts/kakao/login/?next=/posts/1/"' in page


# A successful login


def test_login_creates_user_and_header_shows_their_nickname(client, kakao_http):
    response = log_in(client, kakao_http)
    assert response.status_code == 302
    assert Identity.objects.get(uid="123456789").user.nickname == "홍길동"
    assert "홍길동" in header_of(client)


def test_callback_success_redirects_to_a_clean_url_with_referrer_policy(client, kakao_http):
    response = log_in(client, kakao_http)
    assert response["Location"] == "/"
    assert AUTH_CODE not in response["Location"]
    assert response["Referrer-Policy"] == "same-origin"


def test_token_request_sends_client_secret_in_form_body_never_basic(client, kakao_http):
    log_in(client, kakao_http)
    form = token_form(kakao_http)
    assert form == {
        "grant_type": "authorization_code",
        "client_id": "sandbox-rest-api-key",
        "client_secret": CLIENT_SECRET,
        "code": AUTH_CODE,
        "code_verifier": form["code_verifier"],
        "redirect_uri": REDIRECT_URI,
    }
    (call,) = [call for call in kakao_http.calls if call.request.url == TOKEN_URL]
    assert "Authorization" not in call.request.headers


def test_token_request_without_client_secret_setting_sends_none(client, kakao_http, settings):
    settings.KAKAO_CLIENT_SECRET = ""
    assert log_in(client, kakao_http).status_code == 302
    assert "client_secret" not in token_form(kakao_http)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_flow_inspector_shows_that_the_client_secret_was_sent_and_its_length_never_any_of_it(
    client, kakao_http, settings, language
):
    # The client secret is this site's, the same in the record every user is shown.
    settings.KAKAO_CLIENT_SECRET = secret = "Qx7vK2mZp9Lr4TnW8yBc3Hd6Jf5Gs1Ea"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    log_in(client, kakao_http)
    page = client.get("/accounts/flow/").content.decode()
    start = page.index('id="step-token_request"')
    step = page[start : page.index("</li>", start)]
    assert "client_secret" in step and f"{len(secret)}" in step
    assert [secret[:n] for n in range(4, len(secret) + 1) if secret[:n] in page] == []


def test_user_me_is_read_with_kakaos_access_token_as_bearer(client, kakao_http):
    log_in(client, kakao_http)
    (call,) = [call for call in kakao_http.calls if call.request.url == USER_ME_URL]
    assert call.request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"


def test_every_outbound_call_of_a_login_has_a_timeout_of_at_most_five_seconds(client, kakao_http):
    log_in(client, kakao_http)
    assert len(kakao_http.calls) == 2
    for call in kakao_http.calls:
        assert 0 < call.request.req_kwargs["timeout"] <= 5


def test_login_with_64_bit_id_keeps_it_exact(client, kakao_http):
    log_in(client, kakao_http, fixtures.USER_ME_BIG_ID)
    assert Identity.objects.get(uid=fixtures.BIG_ID).user.nickname == "큰번호"
    assert "큰번호" in header_of(client)


@pytest.mark.parametrize(
    "sample",
    [fixtures.USER_ME_PROPERTIES_ONLY, fixtures.USER_ME_NICKNAME_ONLY, fixtures.USER_ME_NO_ACCOUNT],
    ids=["properties-only", "nickname-only", "no-kakao-account"],
)
def test_login_with_sparse_profile_succeeds(client, kakao_http, sample):
    assert log_in(client, kakao_http, sample).status_code == 302
    assert User.objects.count() == 1
    assert User.objects.get().nickname in header_of(client)


# next= after login


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
    ],
)
def test_login_with_next_to_another_site_lands_on_home(client, kakao_http, next_url):
    response = log_in(client, kakao_http, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_with_next_on_this_site_lands_there(client, kakao_http):
    assert log_in(client, kakao_http, next="/posts/1/")["Location"] == "/posts/1/"


# Refused callbacks: state


@pytest.mark.parametrize(
    "params",
    [
        {"code": AUTH_CODE, "state": "never-started-by-this-browser-xxxxxxx"},
        {"code": AUTH_CODE},
        {"code": AUTH_CODE, "state": ""},
    ],
    ids=["wrong", "missing", "empty"],
)
def test_callback_with_bad_state_shows_error_and_never_calls_kakao(client, kakao_http, params):
    stub_kakao_success(kakao_http)
    start_login(client)
    response = callback(client, **params)
    assert_friendly_error(response, 400)
    assert len(kakao_http.calls) == 0
    assert User.objects.count() == 0


def test_callback_replayed_after_success_is_refused(client, kakao_http):
    stub_kakao_success(kakao_http)
    state = start_login(client)["state"]
    assert callback(client, code=AUTH_CODE, state=state).status_code == 302
    client.cookies.clear()
    response = callback(client, code=AUTH_CODE, state=state)
    assert_friendly_error(response, 400)
    assert len(kakao_http.calls) == 2  # only the first callback talked to Kakao


def test_callback_refreshed_while_logged_in_goes_home_without_a_failure(client, kakao_http):
    stub_kakao_success(kakao_http)
    state = start_login(client)["state"]
    assert callback(client, code=AUTH_CODE, state=state).status_code == 302
    response = callback(client, code=AUTH_CODE, state=state)
    assert response.status_code == 302 and response["Location"] == "/"
    assert len(kakao_http.calls) == 2  # the refresh did not spend the code again
    assert "login_flow_failed" not in client.session


def test_state_from_browser_a_delivered_to_browser_b_is_refused(client, kakao_http):
    stub_kakao_success(kakao_http)
    state = start_login(client)["state"]
    victim = Client()
    response = callback(victim, code=AUTH_CODE, state=state)
    assert_friendly_error(response, 400)
    assert len(kakao_http.calls) == 0
    assert User.objects.count() == 0
    assert "홍길동" not in header_of(victim)


def test_state_older_than_ten_minutes_is_refused(client, kakao_http, monkeypatch):
    stub_kakao_success(kakao_http)
    state = start_login(client)["state"]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 11 * 60)
    assert_friendly_error(callback(client, code=AUTH_CODE, state=state), 400)
    assert len(kakao_http.calls) == 0


def test_two_logins_in_two_tabs_both_can_finish(client, kakao_http):
    stub_kakao_success(kakao_http)
    first, second = start_login(client)["state"], start_login(client)["state"]
    assert callback(client, code=AUTH_CODE, state=first).status_code == 302
    assert callback(client, code=AUTH_CODE, state=second).status_code == 302


# Refused callbacks: Kakao's answer


@pytest.mark.parametrize("error", ["access_denied", "consent_required"])
def test_callback_with_kakao_error_shows_friendly_page_and_consumes_state(client, kakao_http, error):
    state = start_login(client)["state"]
    response = callback(client, error=error, error_description="User denied access", state=state)
    page = assert_friendly_error(response, 400)
    assert f"{error}" in page
    assert len(kakao_http.calls) == 0
    replay = callback(client, code=AUTH_CODE, state=state)
    assert "invalid_state" in assert_friendly_error(replay, 400)


def test_cancel_page_in_english_says_nothing_was_shared(client):
    state = start_login(client)["state"]
    response = client.get(
        "/accounts/kakao/callback/", {"error": "access_denied", "state": state}, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = assert_friendly_error(response, 400)
    assert "You cancelled the Kakao login" in page
    assert "Try again" in page


def test_callback_with_state_but_no_code_shows_error(client, kakao_http):
    state = start_login(client)["state"]
    assert_friendly_error(callback(client, state=state), 400)
    assert len(kakao_http.calls) == 0


def test_callback_with_hostile_error_parameter_does_not_echo_it(client):
    state = start_login(client)["state"]
    # Not an error Kakao sends: the link is at fault.
    page = assert_friendly_error(callback(client, error="<script>alert(1)</script>", state=state), 400)
    assert "<script>alert(1)" not in page


# Kakao failing: a clear page, no user, nothing secret shown or logged

KOE_MESSAGES = {
    "KOE006": "return address is not registered",
    "KOE010": "client secret",
    "KOE101": "app key",
    "KOE205": "consent items",
    "KOE237": "Too many logins",
    "KOE320": "already used",
}


@pytest.mark.parametrize(("error_code", "status", "body"), fixtures.TOKEN_ERRORS)
def test_token_step_koe_error_shows_helpful_page_without_secrets(client, kakao_http, caplog, error_code, status, body):
    caplog.set_level(logging.DEBUG)
    body = {**body, "error_description": body["error_description"].replace("CODE", AUTH_CODE)}
    kakao_http.post(TOKEN_URL, json=body, status=status)
    state = start_login(client)["state"]
    response = client.get("/accounts/kakao/callback/", {"code": AUTH_CODE, "state": state}, HTTP_ACCEPT_LANGUAGE="en")
    expected_status = {"KOE237": 429, "KOE320": 400}.get(error_code, 502)
    page = assert_friendly_error(response, expected_status)
    assert KOE_MESSAGES[error_code] in page
    assert error_code in page
    assert User.objects.count() == 0
    assert_nothing_leaked(page)
    assert_nothing_leaked(caplog.text)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "body": "<html>Internal Server Error</html>"},
        {"status": 503, "json": {"error": "server_error"}},
        {"status": 200, "body": "<html>maintenance</html>", "content_type": "text/html"},
        {"status": 200, "json": {"token_type": "bearer"}},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.ConnectionError("connection refused")},
    ],
    ids=["500", "503", "not-json", "no-access-token", "timeout", "unreachable"],
)
def test_token_step_failure_shows_502_page_without_secrets(client, kakao_http, caplog, answer):
    caplog.set_level(logging.DEBUG)
    kakao_http.post(TOKEN_URL, **answer)
    state = start_login(client)["state"]
    page = assert_friendly_error(callback(client, code=AUTH_CODE, state=state), 502)
    assert User.objects.count() == 0
    assert_nothing_leaked(page)
    assert_nothing_leaked(caplog.text)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 401, "json": fixtures.KAPI_INVALID_TOKEN},
        {"status": 500, "json": fixtures.KAPI_SERVER_ERROR},
        {"status": 200, "body": "<html>oops</html>", "content_type": "text/html"},
        {"status": 200, "json": {"kakao_account": {"email": "no-id@example.com"}}},
        {"body": requests.ReadTimeout("read timed out")},
    ],
    ids=["401", "500", "not-json", "no-id", "timeout"],
)
def test_user_me_failure_shows_502_page_without_kakaos_token(client, kakao_http, caplog, answer):
    caplog.set_level(logging.DEBUG)
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.get(USER_ME_URL, **answer)
    state = start_login(client)["state"]
    page = assert_friendly_error(callback(client, code=AUTH_CODE, state=state), 502)
    assert User.objects.count() == 0
    assert_nothing_leaked(page)
    assert_nothing_leaked(caplog.text)
    assert "홍길동" not in header_of(client)


def test_failed_login_can_be_retried_from_the_start(client, kakao_http):
    kakao_http.post(TOKEN_URL, body=requests.ReadTimeout())
    state = start_login(client)["state"]
    assert_friendly_error(callback(client, code=AUTH_CODE, state=state), 502)
    kakao_http.replace(responses.POST, TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.get(USER_ME_URL, body=fixtures.USER_ME_FULL, content_type="application/json")
    state = start_login(client)["state"]
    assert callback(client, code=AUTH_CODE, state=state).status_code == 302


def test_error_page_links_lead_home_not_back_to_the_callback(client):
    page = assert_friendly_error(callback(client, code=AUTH_CODE, state="x"), 400)
    assert "/accounts/kakao/callback/" not in page
    assert 'href="/accounts/login/?next=/"' in page
    assert '<input name="next" type="hidden" value="/">' in page


# Languages


def test_error_page_in_english_explains_and_offers_try_again(client):
    response = client.get("/accounts/kakao/callback/", {"code": AUTH_CODE, "state": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    page = assert_friendly_error(response, 400)
    assert "Kakao login did not finish" in page
    assert "This login link is not valid any more" in page
    assert "Try again" in page


def test_error_page_in_korean_renders(client):
    response = client.get("/accounts/kakao/callback/", {"code": AUTH_CODE, "state": "x"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert '<html lang="ko">' in assert_friendly_error(response, 400)


# Logout


def test_logout_ends_login_and_expires_kakao_token_with_bearer(client, kakao_http):
    log_in(client, kakao_http)
    kakao_http.post(LOGOUT_URL, json={"id": 123456789})
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    (call,) = [call for call in kakao_http.calls if call.request.url == LOGOUT_URL]
    assert call.request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"
    assert 0 < call.request.req_kwargs["timeout"] <= 5
    assert "홍길동" not in header_of(client)


@pytest.mark.parametrize(
    "answer",
    [{"status": 401, "json": fixtures.KAPI_INVALID_TOKEN}, {"status": 500}, {"body": requests.ReadTimeout()}],
    ids=["401", "500", "timeout"],
)
def test_logout_still_logs_out_when_kakao_fails(client, kakao_http, answer):
    log_in(client, kakao_http)
    kakao_http.post(LOGOUT_URL, **answer)
    assert client.post("/accounts/logout/").status_code == 302
    assert "홍길동" not in header_of(client)


def test_logout_forgets_stored_kakao_tokens(client, kakao_http):
    log_in(client, kakao_http)
    kakao_http.post(LOGOUT_URL, json={"id": 123456789})
    client.post("/accounts/logout/")
    identity = Identity.objects.get(uid="123456789")
    assert (identity.kakao_access_token, identity.kakao_refresh_token) == ("", "")


def test_logout_with_kakao_account_option_redirects_to_kakaos_logout(client, kakao_http):
    log_in(client, kakao_http)
    kakao_http.post(LOGOUT_URL, json={"id": 123456789})
    response = client.post("/accounts/logout/", {"kakao_account": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(SANDBOX + "/oauth/logout?")
    assert query_of(response["Location"]) == {
        "client_id": "sandbox-rest-api-key",
        "logout_redirect_uri": "http://testserver/",
    }
    assert "홍길동" not in header_of(client)


def test_logout_by_get_is_refused(client, kakao_http):
    log_in(client, kakao_http)
    assert client.get("/accounts/logout/").status_code == 405
    assert "홍길동" in header_of(client)


def test_logout_when_not_logged_in_calls_no_one(client, kakao_http):
    assert client.post("/accounts/logout/")["Location"] == "/"
    assert len(kakao_http.calls) == 0


def test_authorize_url_is_kakaos_own_host_outside_sandbox_mode(client, settings):
    settings.KAKAO_SANDBOX = False
    settings.KAKAO_AUTH_URL = "https://kauth.kakao.com"
    settings.KAKAO_REDIRECT_URI = "https://blog.example/accounts/kakao/callback/"
    response = client.get("/accounts/kakao/login/")
    assert response["Location"].startswith("https://kauth.kakao.com/oauth/authorize?")
    assert query_of(response["Location"])["redirect_uri"] == "https://blog.example/accounts/kakao/callback/"
    assert AUTHORIZE_URL not in response["Location"]


@pytest.mark.django_db
def test_login_renews_the_session_key_so_a_planted_one_is_worthless(client, kakao_http):
    client.get("/accounts/kakao/login/")
    planted = client.cookies["sessionid"].value

    log_in(client, kakao_http)

    assert client.cookies["sessionid"].value != planted
    assert not Session.objects.filter(session_key=planted).exists()


@pytest.mark.django_db
def test_login_succeeds_when_the_state_store_is_down_and_says_the_flow_record_was_lost(
    client, kakao_http, dead_state_store, caplog
):
    with caplog.at_level(logging.WARNING, logger="accounts.flow"):
        response = log_in(client, kakao_http)

    assert response.status_code == 302
    assert "access_token" in response.cookies
    assert any("flow record not kept" in record.getMessage() for record in caplog.records)
