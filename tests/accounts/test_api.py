"""The auth API as a native app or SPA sees it; Kakao's HTTP stubbed with ``responses``."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import responses
from django.contrib.staticfiles import finders
from django.test import override_settings
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import Identity, User
from accounts.serializers import UserSerializer
from tests.accounts import fixtures
from tests.tokens.jwt_support import after_grace_period, bearer
from tokens import families, keys, tokens
from tokens.models import RefreshTokenFamily

OUR_APP_ID = "424242"
KAKAO = {
    "KAKAO_SANDBOX": False,
    "KAKAO_APP_ID": OUR_APP_ID,
    "KAKAO_AUTH_URL": "https://kauth.kakao.com",
    "KAKAO_API_URL": "https://kapi.kakao.com",
}
USER_ME_URL = "https://kapi.kakao.com/v2/user/me"
ACCESS_TOKEN_INFO_URL = "https://kapi.kakao.com/v1/user/access_token_info"
TOKEN_URL = "https://kauth.kakao.com/oauth/token"
LOGIN = "/api/auth/kakao/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
CODE_LOGIN = {
    "code": "authorization-code-4bQk9Zt1",
    "redirect_uri": "https://spa.example/callback",
    "code_verifier": "v" * 43,
}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def kakao_http():
    with override_settings(**KAKAO), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def user(make_user):
    return make_user("minji", nickname="민지", email="minji@example.com")


def user_me(mock, body: str = fixtures.USER_ME_BIG_ID, status: int = 200, app_id: str = OUR_APP_ID):
    mock.add(responses.GET, USER_ME_URL, body=body, status=status, content_type="application/json")
    info = fixtures.access_token_info(app_id)
    mock.add(responses.GET, ACCESS_TOKEN_INFO_URL, body=info, status=200, content_type="application/json")


# POST /api/auth/kakao/


@pytest.mark.django_db
def test_kakao_access_token_is_exchanged_for_our_tokens_and_the_user(api, kakao_http):
    user_me(kakao_http)

    response = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN})

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"access", "refresh", "user"}
    assert body["user"]["kakao_id"] == fixtures.BIG_ID
    assert body["user"]["nickname"] == "큰번호"
    assert body["user"]["email"] is None
    claims = tokens.verify_access_token(body["access"])
    assert claims["sub"] == str(body["user"]["id"])
    assert kakao_http.calls[0].request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"


@pytest.mark.django_db
def test_kakao_login_twice_finds_the_same_user(api, kakao_http):
    user_me(kakao_http)

    first = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN}).json()
    second = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN}).json()

    assert first["user"]["id"] == second["user"]["id"]
    assert User.objects.count() == 1
    assert RefreshTokenFamily.objects.count() == 2  # one per login


@pytest.mark.django_db
def test_kakao_authorization_code_with_pkce_is_exchanged_for_our_tokens(api, kakao_http):
    kakao_http.add(responses.POST, TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    user_me(kakao_http, fixtures.USER_ME_FULL)

    response = api.post(LOGIN, CODE_LOGIN)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "sample@sample.com"
    form = {key: values[0] for key, values in parse_qs(kakao_http.calls[0].request.body).items()}
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == CODE_LOGIN["code"]
    assert form["redirect_uri"] == CODE_LOGIN["redirect_uri"]
    assert form["code_verifier"] == CODE_LOGIN["code_verifier"]
    assert kakao_http.calls[1].request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"


@pytest.mark.django_db
def test_kakao_token_that_kakao_rejects_gets_401_and_creates_nothing(api, kakao_http):
    user_me(kakao_http, json.dumps(fixtures.KAPI_INVALID_TOKEN), status=401)

    response = api.post(LOGIN, {"access_token": "expired-or-foreign-kakao-token"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "kakao_token_rejected"
    assert "expired-or-foreign-kakao-token" not in response.content.decode()
    assert not User.objects.exists()
    assert not RefreshTokenFamily.objects.exists()


@pytest.mark.django_db
def test_used_authorization_code_gets_401_with_kakaos_reason(api, kakao_http):
    code, status, body = next(error for error in fixtures.TOKEN_ERRORS if error[0] == "KOE320")
    kakao_http.add(responses.POST, TOKEN_URL, json=body, status=status)

    response = api.post(LOGIN, CODE_LOGIN)

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert CODE_LOGIN["code"] not in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stub",
    [
        {"json": fixtures.KAPI_SERVER_ERROR, "status": 500},
        {"body": "<html>maintenance</html>", "status": 200},
        {"body": requests.ConnectionError("refused")},
    ],
    ids=["server_error", "not_json", "unreachable"],
)
def test_kakao_failing_gets_502_and_creates_nothing(api, kakao_http, stub):
    kakao_http.add(responses.GET, USER_ME_URL, **stub)

    response = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN})

    assert response.status_code == 502
    assert response.json()["detail"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_kakao_login_of_a_deactivated_account_is_refused(api, kakao_http, make_user):
    disabled = make_user("kakao_1376016924429759228", is_active=False)
    Identity.objects.create(user=disabled, provider="kakao", uid=fixtures.BIG_ID)
    user_me(kakao_http)

    response = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN})

    assert response.status_code == 403
    assert not RefreshTokenFamily.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"access_token"}),
        ({"access_token": ""}, {"access_token"}),
        ({"access_token": None}, {"access_token"}),
        ({"access_token": 12345}, {"access_token"}),
        ({"access_token": ["a"]}, {"access_token"}),
        ({"access_token": {"token": "a"}}, {"access_token"}),
        ({"code": "abc"}, {"redirect_uri", "code_verifier"}),
        ({**CODE_LOGIN, "code_verifier": ""}, {"code_verifier"}),
        ({**CODE_LOGIN, "redirect_uri": 7}, {"redirect_uri"}),
        ({**CODE_LOGIN, "access_token": "both"}, {"non_field_errors"}),
    ],
)
def test_malformed_login_body_gets_400_with_field_errors_and_never_calls_kakao(api, kakao_http, body, fields):
    response = api.post(LOGIN, body)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    assert set(response.json()) == {"detail", "code", "errors", *fields}
    assert response.json()["code"] == "invalid"
    assert len(kakao_http.calls) == 0
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ['{"access_token": ', "access_token=abc", '["access_token"]'])
def test_login_body_that_is_not_a_json_object_gets_400(api, kakao_http, raw):
    response = api.generic("POST", LOGIN, raw, content_type="application/json")

    assert response.status_code == 400
    assert len(kakao_http.calls) == 0


# POST /api/auth/token/refresh/


def test_refresh_returns_a_rotated_pair(api, user):
    pair = families.issue_tokens(user)

    response = api.post(REFRESH, {"refresh": pair.refresh})

    assert response.status_code == 200
    assert response.json().keys() == {"access", "refresh"}
    assert response.json()["refresh"] != pair.refresh
    assert tokens.verify_access_token(response.json()["access"])["sub"] == str(user.pk)


def test_reused_refresh_token_gets_401_and_the_newest_one_stops_working_too(api, user):
    old = families.issue_tokens(user).refresh
    newest = api.post(REFRESH, {"refresh": old}).json()["refresh"]
    after_grace_period()

    replay = api.post(REFRESH, {"refresh": old})
    after = api.post(REFRESH, {"refresh": newest})

    assert replay.status_code == 401
    assert after.status_code == 401
    assert after.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert replay.json()["code"] == "token_reused"


def test_the_just_replaced_refresh_token_within_the_grace_period_gets_the_familys_current_pair(api, user):
    old = families.issue_tokens(user).refresh
    api.post(REFRESH, {"refresh": old})

    parallel = api.post(REFRESH, {"refresh": old})

    assert parallel.status_code == 200
    # Both answers continue the same chain: either refresh token rotates next.
    assert api.post(REFRESH, {"refresh": parallel.json()["refresh"]}).status_code == 200
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_access_token_sent_to_the_refresh_endpoint_gets_401(api, user):
    response = api.post(REFRESH, {"refresh": families.issue_tokens(user).access})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": 5}])
def test_refresh_without_a_token_string_gets_400(api, body):
    assert api.post(REFRESH, body).status_code == 400


def test_refresh_with_garbage_gets_401_not_403(api):
    response = api.post(REFRESH, {"refresh": "garbage"})

    assert response.status_code == 401
    assert response.json()["detail"]


def test_refresh_of_a_deleted_user_gets_401(api, user):
    refresh_token = families.issue_tokens(user).refresh
    user.delete()

    assert api.post(REFRESH, {"refresh": refresh_token}).status_code == 401


def test_refresh_of_a_deactivated_user_gets_401(api, user):
    refresh_token = families.issue_tokens(user).refresh
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert api.post(REFRESH, {"refresh": refresh_token}).status_code == 401


def test_refresh_ignores_a_broken_authorization_header(api, user):
    response = api.post(REFRESH, {"refresh": families.issue_tokens(user).refresh}, HTTP_AUTHORIZATION="Bearer junk")

    assert response.status_code == 200


# POST /api/auth/logout/


def test_logout_revokes_the_refresh_token(api, user):
    refresh_token = families.issue_tokens(user).refresh

    response = api.post(LOGOUT, {"refresh": refresh_token})

    assert response.status_code == 204
    assert api.post(REFRESH, {"refresh": refresh_token}).status_code == 401


def test_logout_with_an_invalid_token_gets_401(api):
    response = api.post(LOGOUT, {"refresh": "garbage"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_logout_leaves_the_access_token_working_until_it_expires(api, user):
    pair = families.issue_tokens(user)

    api.post(LOGOUT, {"refresh": pair.refresh})

    # A JWT cannot be recalled: this is why access tokens live minutes.
    assert api.get("/api/auth/whoami/", **bearer(pair.access)).status_code == 200


# GET /api/me/ and /api/auth/whoami/


def test_me_shows_the_account_with_kakao_id_as_a_string(api, user):
    Identity.objects.create(user=user, provider="kakao", uid=fixtures.BIG_ID)

    response = api.get("/api/me/", **bearer(families.issue_tokens(user).access))

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"id", "nickname", "email", "kakao_id", "profile_image_url", "date_joined"}
    assert (body["id"], body["nickname"], body["email"], body["kakao_id"]) == (
        user.pk,
        "민지",
        "minji@example.com",
        fixtures.BIG_ID,
    )


def test_me_shows_null_email_and_kakao_id_for_an_account_without_them(api, make_user):
    response = api.get("/api/me/", **bearer(families.issue_tokens(make_user("admin")).access))

    assert response.status_code == 200
    assert (response.json()["email"], response.json()["kakao_id"]) == (None, None)


def test_me_answers_in_one_query_with_or_without_a_kakao_identity(api, user, make_user, django_assert_num_queries):
    Identity.objects.create(user=user, provider="kakao", uid=fixtures.BIG_ID)
    for account in (user, make_user("admin")):
        access_token = families.issue_tokens(account).access

        with django_assert_num_queries(1):
            assert api.get("/api/me/", **bearer(access_token)).status_code == 200


@override_settings(TIME_ZONE="Asia/Seoul")
def test_me_shows_the_account_with_exactly_the_fields_its_documented_serializer_declares(api, user):
    Identity.objects.create(user=user, provider="kakao", uid=fixtures.BIG_ID)
    User.objects.filter(pk=user.pk).update(date_joined=datetime(2025, 3, 1, 15, 30, 5, 123456, tzinfo=UTC))

    body = api.get("/api/me/", **bearer(families.issue_tokens(user).access)).json()

    assert list(body) == list(UserSerializer().fields)
    assert body["kakao_id"] == fixtures.BIG_ID
    # DRF's own DateTimeField format, in the current time zone.
    assert body["date_joined"] == serializers.DateTimeField().to_representation(
        datetime(2025, 3, 1, 15, 30, 5, 123456, tzinfo=UTC)
    )
    assert body["date_joined"] == "2025-03-02T00:30:05.123456+09:00"


def test_me_of_a_deactivated_kakao_user_with_a_still_valid_access_token_gets_401(api, user):
    Identity.objects.create(user=user, provider="kakao", uid=fixtures.BIG_ID)
    access_token = families.issue_tokens(user).access
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert api.get("/api/me/", **bearer(access_token)).status_code == 401


def test_me_without_a_token_gets_401(api):
    response = api.get("/api/me/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_me_of_a_deleted_user_with_a_still_valid_access_token_gets_401(api, user):
    access_token = families.issue_tokens(user).access
    user.delete()

    assert api.get("/api/me/", **bearer(access_token)).status_code == 401


def test_whoami_returns_the_verified_claims(api, user):
    pair = families.issue_tokens(user)

    response = api.get("/api/auth/whoami/", **bearer(pair.access))

    assert response.json() == jwt.decode(pair.access, options={"verify_signature": False})


# JWKS, schema, docs


def test_jwks_publishes_the_key_our_tokens_name(api, user):
    kid = jwt.get_unverified_header(families.issue_tokens(user).access)["kid"]

    response = api.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert [key["kid"] for key in response.json()["keys"]] == [kid]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & response.json()["keys"][0].keys()
    assert "max-age" in response.headers["Cache-Control"]


def test_jwks_is_the_same_document_the_keys_module_builds(api):
    assert api.get("/.well-known/jwks.json").json() == keys.jwks()


def test_openapi_schema_describes_the_auth_and_posts_api(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/api/auth/kakao/", "/api/auth/token/refresh/", "/api/me/", "/api/posts/{post_id}/comments/"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_swagger_ui_loads_only_local_scripts_and_no_inline_script(api):
    response = api.get("/api/docs/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "swagger-ui-bundle.js" in html
    assert "<script>" not in html  # the start-up script comes from a URL too, so the CSP can forbid inline ones
    assert "cdn" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# The README's journey, over real HTTP against the built-in sandbox


@pytest.mark.django_db(transaction=True)
def test_api_journey_with_a_sandbox_kakao_token_over_http(live_server):
    base = live_server.url
    kakao_access_token = requests.post(
        f"{base}/sandbox/kakao/dev/token", data={"account": "big-id"}, timeout=10
    ).json()["access_token"]

    login = requests.post(f"{base}{LOGIN}", json={"access_token": kakao_access_token}, timeout=10)
    access, refresh = login.json()["access"], login.json()["refresh"]
    me = requests.get(f"{base}/api/me/", headers={"Authorization": f"Bearer {access}"}, timeout=10)
    post = requests.post(
        f"{base}/api/posts/",
        json={"title": "curl", "body": "**hi**"},
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    rotated = requests.post(f"{base}{REFRESH}", json={"refresh": refresh}, timeout=10)
    logout = requests.post(f"{base}{LOGOUT}", json={"refresh": rotated.json()["refresh"]}, timeout=10)
    after = requests.post(f"{base}{REFRESH}", json={"refresh": rotated.json()["refresh"]}, timeout=10)

    assert login.status_code == 200
    assert me.json()["kakao_id"] == fixtures.BIG_ID
    assert post.status_code == 201
    assert rotated.status_code == 200
    assert logout.status_code == 204
    assert after.status_code == 401


# Token substitution: a Kakao token issued to another app


@pytest.mark.django_db
def test_kakao_access_token_of_another_app_gets_401_and_creates_nothing(api, kakao_http):
    user_me(kakao_http, app_id="999")

    response = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN})

    assert response.status_code == 401
    assert response.json()["code"] == "kakao_token_foreign"
    assert not User.objects.exists()
    assert [call.request.url for call in kakao_http.calls] == [ACCESS_TOKEN_INFO_URL]


@pytest.mark.django_db
@pytest.mark.parametrize("info", ['{"id": 1}', '{"app_id": "424242"}', '{"app_id": true}', "[]"])
def test_access_token_info_without_a_numeric_app_id_is_kakaos_fault(api, kakao_http, info):
    kakao_http.add(responses.GET, ACCESS_TOKEN_INFO_URL, body=info, content_type="application/json")

    response = api.post(LOGIN, {"access_token": fixtures.KAKAO_ACCESS_TOKEN})

    assert response.status_code == 502
    assert not User.objects.exists()


@pytest.mark.django_db
def test_code_login_needs_no_access_token_info(api, kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.add(responses.GET, USER_ME_URL, body=fixtures.USER_ME_BIG_ID, content_type="application/json")

    response = api.post(LOGIN, CODE_LOGIN)

    assert response.status_code == 200
    assert ACCESS_TOKEN_INFO_URL not in [call.request.url for call in kakao_http.calls]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "토큰"},
        {"access_token": "a\nb"},
        {"access_token": "a b"},
        {"access_token": "a\u0000b"},
        {**CODE_LOGIN, "code": "코드"},
        {**CODE_LOGIN, "code_verifier": "v" * 42},
        {**CODE_LOGIN, "code_verifier": "v" * 42 + "!"},
        {**CODE_LOGIN, "redirect_uri": "not a url"},
        {**CODE_LOGIN, "redirect_uri": "https://spa.example/c\nb"},
    ],
    ids=[
        "hangul",
        "newline",
        "space",
        "nul",
        "hangul_code",
        "short_verifier",
        "verifier_charset",
        "bad_uri",
        "uri_newline",
    ],
)
def test_malformed_kakao_token_or_code_gets_400_before_any_call_to_kakao(api, kakao_http, body):
    response = api.post(LOGIN, body)

    assert response.status_code == 400
    assert len(kakao_http.calls) == 0
