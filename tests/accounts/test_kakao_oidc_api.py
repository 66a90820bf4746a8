"""POST /api/auth/kakao/ with {"id_token", "nonce"}: a native app trades Kakao's ID token for our JWTs."""

import time

import pytest
import requests
from rest_framework.test import APIClient

from accounts import kakao_oidc
from accounts.models import Identity, User
from tests.accounts import fixtures
from tests.accounts import oidc_support as oidc
from tests.accounts.kakao_flow import SANDBOX, USER_ME_URL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

LOGIN = "/api/auth/kakao/"
ACCESS_TOKEN_INFO_URL = SANDBOX + "/v1/user/access_token_info"


@pytest.fixture(autouse=True)
def oidc_on(settings):
    settings.KAKAO_OIDC = True
    kakao_oidc.forget_keys()
    yield settings
    kakao_oidc.forget_keys()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def jwks(kakao_http):
    oidc.stub_jwks(kakao_http)
    return kakao_http


def post(api, body):
    return api.post(LOGIN, body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def assert_refused(response, reason: str) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert (body["code"], body["reason"]) == ("kakao_id_token_invalid", reason)
    assert body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert User.objects.count() == 0


def test_id_token_with_its_nonce_logs_in_and_creates_the_user_from_sub(api, jwks):
    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE})

    assert response.status_code == 200, response.content
    body = response.json()
    assert {"access", "refresh"} <= set(body)
    assert body["user"]["kakao_id"] == oidc.KAKAO_ID
    assert body["user"]["nickname"] == "홍길동"
    user = Identity.objects.get(uid=oidc.KAKAO_ID).user
    assert user.email == "sample@sample.com" and not user.email_verified  # no email_verified claim


def test_id_token_never_links_to_an_existing_account_by_email(api, jwks, make_user):
    existing = make_user("minji", email="sample@sample.com", email_verified=True)

    post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE})

    assert Identity.objects.get(uid=oidc.KAKAO_ID).user != existing


def test_second_login_with_a_new_id_token_finds_the_same_user(api, jwks):
    post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE})
    post(api, {"id_token": oidc.id_token(nonce="second-nonce"), "nonce": "second-nonce"})

    assert User.objects.count() == 1


def test_id_token_with_an_access_token_reads_the_full_profile(api, jwks):
    jwks.get(USER_ME_URL, body=fixtures.USER_ME_FULL, content_type="application/json")
    jwks.get(ACCESS_TOKEN_INFO_URL, body=fixtures.access_token_info("1000001", oidc.KAKAO_ID))

    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE, "access_token": "kakao-token"})

    assert response.status_code == 200, response.content
    assert Identity.objects.get(uid=oidc.KAKAO_ID).user.email_verified  # /v2/user/me vouches for it


def test_id_token_with_another_users_access_token_is_refused(api, jwks):
    jwks.get(USER_ME_URL, body=fixtures.USER_ME_BIG_ID, content_type="application/json")
    jwks.get(ACCESS_TOKEN_INFO_URL, body=fixtures.access_token_info("1000001"))

    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE, "access_token": "kakao-token"})

    assert_refused(response, "subject")


def test_id_token_with_another_apps_access_token_is_refused(api, jwks):
    jwks.get(ACCESS_TOKEN_INFO_URL, body=fixtures.access_token_info("999", oidc.KAKAO_ID))

    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE, "access_token": "kakao-token"})

    assert (response.status_code, response.json()["code"]) == (401, "kakao_token_foreign")


def test_id_token_for_the_native_app_key_is_accepted_when_listed(api, jwks, settings):
    settings.KAKAO_OIDC_AUDIENCES = ["sandbox-rest-api-key", "native-app-key"]

    response = post(api, {"id_token": oidc.id_token(aud="native-app-key"), "nonce": oidc.NONCE})

    assert response.status_code == 200


def test_id_token_for_the_native_app_key_is_refused_by_default(api, jwks):
    assert_refused(post(api, {"id_token": oidc.id_token(aud="native-app-key"), "nonce": oidc.NONCE}), "audience")


@pytest.mark.parametrize(
    ("token", "nonce", "reason"),
    [
        (lambda: oidc.id_token(key="attacker"), oidc.NONCE, "signature"),
        (lambda: oidc.id_token(iss="https://kauth.evil.example"), oidc.NONCE, "issuer"),
        (lambda: oidc.id_token(iat=int(time.time()) - 7200, exp=int(time.time()) - 60), oidc.NONCE, "expired"),
        (lambda: oidc.id_token(), "another-nonce", "nonce"),
        (lambda: oidc.id_token(nonce=None), oidc.NONCE, "nonce_missing"),
        (lambda: oidc.id_token(), None, "nonce_expected"),
        (lambda: oidc.id_token(kid="unknown"), oidc.NONCE, "unknown_kid"),
        (lambda: oidc.signed({"alg": "RS512", "kid": oidc.KID}, b"{}"), oidc.NONCE, "algorithm"),
    ],
    ids=["signature", "iss", "exp", "nonce", "nonce-missing", "nonce-expected", "kid", "alg"],
)
def test_refused_id_token_is_401_with_a_stable_code_and_its_reason(api, jwks, token, nonce, reason):
    body = {"id_token": token()}
    if nonce is not None:
        body["nonce"] = nonce

    assert_refused(post(api, body), reason)


def test_replayed_id_token_is_refused_the_second_time(api, jwks):
    body = {"id_token": oidc.id_token(), "nonce": oidc.NONCE}
    assert post(api, body).status_code == 200

    response = post(api, body)

    assert response.status_code == 401
    assert response.json()["reason"] == "replayed"


def test_a_used_id_token_is_refused_however_busy_the_default_cache_is(api, jwks, busy_default_cache):
    body = {"id_token": oidc.id_token(), "nonce": oidc.NONCE}
    assert post(api, body).status_code == 200
    busy_default_cache(3000)

    response = post(api, body)

    assert response.status_code == 401
    assert response.json()["reason"] == "replayed"


def test_nonceless_fresh_id_token_logs_in(api, jwks):
    assert post(api, {"id_token": oidc.id_token(nonce=None)}).status_code == 200


def test_nonceless_id_token_with_null_nonce_logs_in(api, jwks):
    assert post(api, {"id_token": oidc.id_token(nonce=None), "nonce": None}).status_code == 200


def test_nonceless_id_token_older_than_the_max_age_is_refused(api, jwks, settings):
    settings.KAKAO_OIDC_NONCELESS_MAX_AGE = 300

    assert_refused(post(api, {"id_token": oidc.id_token(nonce=None, iat=int(time.time()) - 301)}), "too_old")


def test_unreachable_jwks_is_502(api, kakao_http):
    oidc.stub_jwks(kakao_http, body=requests.ConnectionError("refused"))

    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE})

    assert response.status_code == 502
    assert response.json()["code"] == "kakao_jwks_unavailable"
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"id_token": ""},
        {"id_token": "not-a-jwt"},
        {"id_token": "a.b"},
        {"id_token": "a.b.c.d.e"},
        {"id_token": "a.b.c d"},
        {"id_token": "a" * 9000 + ".b.c"},
        {"id_token": 12345},
        {"id_token": ["a.b.c"]},
        {"id_token": None},
        {"id_token": "a.b.c", "nonce": ""},
        {"id_token": "a.b.c", "nonce": 7},
        {"id_token": "a.b.c", "nonce": "with space"},
        {"id_token": "a.b.c", "nonce": "n" * 256},
        {"id_token": "a.b.c", "code": "x", "redirect_uri": "https://a.example/", "code_verifier": "v" * 43},
        {"id_token": "a.b.c", "access_token": "bad token"},
    ],
)
def test_malformed_body_is_400_before_any_call_to_kakao(api, kakao_http, body):
    response = post(api, body)

    assert response.status_code == 400, response.content
    assert len(kakao_http.calls) == 0
    assert User.objects.count() == 0


def test_id_token_is_403_when_oidc_is_off(api, kakao_http, settings):
    settings.KAKAO_OIDC = False

    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE})

    assert (response.status_code, response.json()["code"]) == (403, "kakao_oidc_off")
    assert "KAKAO_OIDC" in response.json()["detail"]
    assert len(kakao_http.calls) == 0


def test_two_simultaneous_logins_with_one_id_token_let_only_one_in(api, jwks, transactional_db):
    from concurrent.futures import ThreadPoolExecutor

    body = {"id_token": oidc.id_token(), "nonce": oidc.NONCE}
    post(APIClient(), {"id_token": oidc.id_token(nonce="warm"), "nonce": "warm"})  # the JWKS is cached now

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(lambda _i: post(APIClient(), body).status_code, range(2)))

    assert statuses == [200, 401]


def test_state_store_outage_while_recording_the_id_token_is_503_and_creates_nothing(api, jwks, dead_state_store):
    response = post(api, {"id_token": oidc.id_token(), "nonce": oidc.NONCE})

    assert response.status_code == 503
    assert response.has_header("Retry-After")
    assert User.objects.count() == 0
