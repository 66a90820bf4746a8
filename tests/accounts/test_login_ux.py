"""Issue 14 at the HTTP level: next never loops to a login page, failures are kept per browser
with a bound on what the visitor can make us store, and the own-token hand-off is POST only."""

import time

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.flow import FAILED_SESSION_KEY, FLOW_TTL_SECONDS
from accounts.models import User
from accounts.views import safe_next
from tests.accounts import fixtures
from tests.accounts.kakao_flow import AUTH_CODE, TOKEN_URL, USER_ME_URL, callback, log_in, start_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

LOGIN_PATHS = ("/accounts/login/", "/accounts/kakao/login/", "/accounts/login/failed/")


@pytest.mark.parametrize(
    ("given_next", "expected"),
    [
        ("/accounts/login/?next=/posts/2/", "/posts/2/"),
        ("/accounts/login/?next=%2Faccounts%2Flogin%2F%3Fnext%3D%2Fposts%2F2%2F", "/posts/2/"),
        ("/accounts/kakao/login/?next=/jwt/", "/jwt/"),
        ("/accounts/login/", "/"),
        ("/accounts/login/?next=https://evil.example/", "/"),
        ("/accounts/login/?next=//evil.example/", "/"),
        ("/posts/2/?page=3", "/posts/2/?page=3"),
    ],
)
def test_next_that_points_at_a_login_page_is_replaced_by_its_own_next(given_next, expected):
    assert safe_next(given_next) == expected


def test_next_nested_deeper_than_the_limit_goes_home():
    url = "/posts/1/"
    for _ in range(10):
        url = f"/accounts/login/?next={url.replace('%', '%25').replace('?', '%3F').replace('=', '%3D')}"
    assert safe_next(url) == "/"


@given(st.text(max_size=300))
def test_next_of_any_text_is_a_local_path_that_is_not_a_login_page(text):
    result = safe_next(text)
    assert result.startswith("/") and not result.startswith(("//", "/\\"))
    assert result.split("?")[0] not in LOGIN_PATHS


def test_login_page_header_link_carries_the_unwrapped_next(client):
    page = client.get("/accounts/login/", {"next": "/accounts/login/?next=/posts/2/"}).content.decode()
    assert 'href="/accounts/login/?next=/posts/2/"' in page  # the header's 카카오 로그인
    assert 'href="/accounts/kakao/login/?next=/posts/2/"' in page


def test_retry_on_the_error_page_keeps_next(client):
    client.get("/accounts/kakao/login/", {"next": "/posts/7/"})
    state = next(iter(client.session["kakao_login_attempts"]))
    response = client.get("/accounts/kakao/callback/", {"error": "access_denied", "state": state}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [("/accounts/login/failed/", 302)]
    assert 'href="/accounts/kakao/login/?next=/posts/7/"' in page
    assert "로그인을 취소했습니다" in page and "로그인 실패" not in page


def test_failed_login_page_without_a_failure_goes_to_the_login_page(client):
    response = client.get("/accounts/login/failed/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_failed_record_keeps_only_kakaos_fields_each_cut_short(client):
    state = start_login(client)["state"]
    client.get("/accounts/kakao/callback/", {"state": state, "error": "x" * 5000, "junk": "y" * 50_000})
    record = client.session[FAILED_SESSION_KEY]
    query = record["steps"][-1]["details"]["query"]
    assert "junk" not in query and "y" * 100 not in query and len(query) < 1000
    assert len(record["answer"]) <= 300


def test_failed_record_shortens_the_code_and_says_which_step_failed(client, kakao_http):
    state = start_login(client)["state"]
    response = callback(client, code=AUTH_CODE, state=state)  # no Kakao stub: the token request fails
    assert response.status_code == 302
    record = client.session[FAILED_SESSION_KEY]
    assert record["failed_step"] == "token_request"
    assert AUTH_CODE not in str(record)
    page = client.get("/accounts/flow/failed/").content.decode()
    assert 'id="step-failed-token_request"' in page and AUTH_CODE not in page


def test_failed_record_expires_after_30_minutes(client, monkeypatch):
    client.get("/accounts/kakao/callback/", {"state": "unknown"})
    assert 'id="flow-failed"' in client.get("/accounts/flow/failed/").content.decode()
    later = time.time() + FLOW_TTL_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert 'id="flow-failed"' not in client.get("/accounts/flow/failed/").content.decode()


def test_failed_record_is_not_shown_to_another_browser(client):
    client.get("/accounts/kakao/callback/", {"state": "unknown"})
    assert 'id="flow-failed"' not in Client().get("/accounts/flow/failed/").content.decode()


def test_own_token_hand_off_is_post_only_no_store_and_for_logged_in_users(client, kakao_http):
    assert Client().post("/accounts/flow/token/").status_code == 302  # to the login page
    log_in(client, kakao_http)
    assert client.get("/accounts/flow/token/").status_code == 405
    response = client.post("/accounts/flow/token/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert client.cookies["access_token"].value in response.content.decode()


def test_own_token_hand_off_needs_the_csrf_token(kakao_http):
    browser = Client(enforce_csrf_checks=True)
    log_in(browser, kakao_http)
    response = browser.post("/accounts/flow/token/")
    assert response.status_code == 403
    assert browser.cookies["access_token"].value not in response.content.decode()


def test_cancel_at_consent_is_recorded_as_stopping_at_the_callback(client):
    state = start_login(client)["state"]
    callback(client, error="access_denied", state=state)
    assert client.session[FAILED_SESSION_KEY]["failed_step"] == "callback"


def test_profile_kakao_fails_to_give_is_recorded_as_stopping_at_user_me(client, kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.get(USER_ME_URL, status=500, json={"msg": "internal", "code": -1})
    state = start_login(client)["state"]
    callback(client, code=AUTH_CODE, state=state)
    assert client.session[FAILED_SESSION_KEY]["failed_step"] == "user_me"


def test_deactivated_account_is_recorded_as_stopping_at_the_local_user(client, kakao_http):
    log_in(client, kakao_http)
    User.objects.update(is_active=False)
    client.cookies.clear()
    state = start_login(client)["state"]
    callback(client, code=AUTH_CODE, state=state)
    assert client.session[FAILED_SESSION_KEY]["failed_step"] == "local_user"


@pytest.mark.parametrize("error", ["x" * 5000, "<script>alert(1)</script>", "made_up_error"])
def test_callback_error_kakao_never_sends_is_the_links_fault_400_not_kakaos_502(client, error):
    state = start_login(client)["state"]
    response = client.get("/accounts/kakao/callback/", {"state": state, "error": error}, follow=True)
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()


def test_callback_error_kakao_does_send_keeps_its_own_answer(client):
    state = start_login(client)["state"]
    assert client.get("/accounts/kakao/callback/", {"state": state, "error": "server_error"}, follow=True).status_code == 502
