"""The browser login with KAKAO_OIDC=1: scope openid and a nonce out, Kakao's ID token verified in the callback."""

import time

import pytest
import requests

from accounts import flow, kakao_oidc
from accounts.flow import FAILED_SESSION_KEY
from accounts.models import Identity, User
from tests.accounts import fixtures
from tests.accounts import oidc_support as oidc
from tests.accounts.kakao_flow import AUTH_CODE, TOKEN_URL, USER_ME_URL, callback, start_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


@pytest.fixture(autouse=True)
def oidc_on(settings):
    settings.KAKAO_OIDC = True
    kakao_oidc.forget_keys()
    yield settings
    kakao_oidc.forget_keys()


def log_in_with_id_token(client, kakao_http, *, id_token=None, user_me: str = fixtures.USER_ME_FULL, **claims):
    """Start a login, let Kakao answer with an ID token made for its nonce (or ``id_token``), and come back."""
    query = start_login(client)
    token = id_token if id_token is not None else oidc.id_token(**{"nonce": query["nonce"], **claims})
    answer = {**fixtures.TOKEN_SUCCESS, "id_token": token} if token else fixtures.TOKEN_SUCCESS
    kakao_http.post(TOKEN_URL, json=answer)
    kakao_http.get(USER_ME_URL, body=user_me, content_type="application/json;charset=UTF-8")
    if not any(registered.url == oidc.JWKS_URL for registered in kakao_http.registered()):
        oidc.stub_jwks(kakao_http)
    return come_back(client, query["state"])


def come_back(client, state: str):
    """Come back from Kakao with the code, in an English-speaking browser."""
    return client.get("/accounts/kakao/callback/", {"code": AUTH_CODE, "state": state}, HTTP_ACCEPT_LANGUAGE="en")


def assert_refused(response, message: str) -> None:
    assert "access_token" not in response.cookies
    if response.status_code == 302:  # to the clean error address, as a browser follows it
        assert response["Location"] == "/accounts/login/failed/"
        assert response.client.session[FAILED_SESSION_KEY]["failed_step"] == "id_token"
        response = response.client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 502  # the ID token came from Kakao's token endpoint: Kakao's fault
    assert 'class="error-page"' in page
    assert message in page
    assert "kakao_id_token_invalid" in page
    assert fixtures.KAKAO_ACCESS_TOKEN not in page
    assert User.objects.count() == 0
    assert Identity.objects.count() == 0
    assert "access_token" not in response.cookies


def test_login_asks_kakao_for_openid_with_a_fresh_nonce_each_time(client):
    first, second = start_login(client), start_login(client)

    assert "openid" in first["scope"].split(",")
    assert len(first["nonce"]) >= 43
    assert first["nonce"] != second["nonce"]


def test_login_keeps_the_consent_items_and_adds_openid(client, settings):
    settings.KAKAO_SCOPE = "profile_nickname,account_email"

    assert start_login(client)["scope"] == "profile_nickname,account_email,openid"


def test_login_with_oidc_off_sends_no_openid_and_no_nonce(client, settings, kakao_http):
    settings.KAKAO_OIDC = False
    query = start_login(client)

    assert "nonce" not in query
    assert "openid" not in query.get("scope", "")


def test_verified_id_token_logs_the_user_in(client, kakao_http):
    response = log_in_with_id_token(client, kakao_http)

    assert response.status_code == 302
    assert Identity.objects.get(uid=oidc.KAKAO_ID).user.nickname == "홍길동"
    assert "access_token" in response.cookies


def test_flow_inspector_shows_the_id_token_its_key_and_each_check(client, kakao_http):
    log_in_with_id_token(client, kakao_http)

    steps = flow.load(user_id=Identity.objects.get(uid=oidc.KAKAO_ID).user_id)
    titles = [step["title"] for step in steps]
    assert titles.index("id_token") == titles.index("token_response") + 1
    details = steps[titles.index("id_token")]["details"]
    assert oidc.KID in details["key"] and oidc.JWKS_URL in details["key"]
    assert '"sub": "123456789"' in details["payload"]
    for claim in ("signature", "iss", "aud", "exp", "iat", "nonce", "sub"):
        assert f"{claim}: " in details["checks"]
    page = client.get("/accounts/flow/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "verifies Kakao's ID token (OpenID Connect)" in page


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "another-apps-key"}, "issued to another app"),
        ({"iss": "https://kauth.evil.example"}, "issued by someone other than Kakao"),
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "has expired"),
        ({"nonce": "nonce-of-another-login"}, "belongs to another login"),
        ({"nonce": None}, "carries no nonce"),
        ({"sub": "987654321"}, "names another user"),
        ({"key": "attacker"}, "signature of Kakao"),
        ({"kid": "unknown-kid"}, "not in Kakao"),
    ],
    ids=["aud", "iss", "exp", "nonce", "no-nonce", "sub", "signature", "kid"],
)
def test_refused_id_token_shows_why_and_creates_nothing(client, kakao_http, claims, message):
    assert_refused(log_in_with_id_token(client, kakao_http, **claims), message)


def test_token_answer_without_an_id_token_is_refused(client, kakao_http):
    assert_refused(log_in_with_id_token(client, kakao_http, id_token=""), "sent no ID token")


def test_id_token_with_alg_none_is_refused(client, kakao_http):
    query = start_login(client)
    unsigned = oidc.signed({"alg": "none", "kid": oidc.KID}, b"{}").rsplit(".", 1)[0] + "."
    assert query  # the attempt exists; Kakao "answers" with an unsigned token
    kakao_http.post(TOKEN_URL, json={**fixtures.TOKEN_SUCCESS, "id_token": unsigned})
    oidc.stub_jwks(kakao_http)

    assert_refused(come_back(client, query["state"]), "RS256")


def test_unreachable_jwks_is_a_502_page_and_creates_nothing(client, kakao_http):
    oidc.stub_jwks(kakao_http, body=requests.ConnectionError("refused"))
    response = log_in_with_id_token(client, kakao_http)

    assert response["Location"] == "/accounts/login/failed/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 502
    assert "public keys" in page.content.decode()
    assert User.objects.count() == 0


def test_login_started_before_oidc_was_turned_on_finishes_without_an_id_token(client, kakao_http, settings):
    settings.KAKAO_OIDC = False
    query = start_login(client)
    settings.KAKAO_OIDC = True
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.get(USER_ME_URL, body=fixtures.USER_ME_FULL, content_type="application/json;charset=UTF-8")

    assert callback(client, code=AUTH_CODE, state=query["state"]).status_code == 302


def test_a_login_started_with_oidc_needs_its_id_token_even_if_oidc_was_turned_off_since(client, kakao_http, settings):
    query = start_login(client)
    settings.KAKAO_OIDC = False
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.get(USER_ME_URL, body=fixtures.USER_ME_FULL, content_type="application/json;charset=UTF-8")

    response = come_back(client, query["state"])

    assert_refused(response, "sent no ID token")
