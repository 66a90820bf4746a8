import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.tokens.jwt_support import REFUSED_ACCESS_TOKENS, access_claims, bearer
from tokens import families
from tokens.models import TokenUser

WHOAMI = "/api/auth/whoami/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(make_user):
    return make_user("minji", nickname="민지")


def test_valid_bearer_token_authenticates_without_any_database_query(api, user, django_assert_num_queries):
    access_token = families.issue_tokens(user).access

    with django_assert_num_queries(0):
        response = api.get(WHOAMI, **bearer(access_token))

    assert response.status_code == 200
    assert response.json()["sub"] == str(user.pk)


def test_valid_access_cookie_authenticates_without_any_database_query(api, user, django_assert_num_queries):
    api.cookies[settings.JWT_ACCESS_COOKIE_NAME] = families.issue_tokens(user).access

    with django_assert_num_queries(0):
        response = api.get(WHOAMI)

    assert response.status_code == 200
    assert response.json()["sub"] == str(user.pk)


def test_request_without_credentials_gets_401_with_bearer_challenge_and_json(api):
    response = api.get(WHOAMI)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize("name", sorted(REFUSED_ACCESS_TOKENS))
def test_bad_bearer_token_gets_401_naming_invalid_token(api, name):
    response = api.get(WHOAMI, **bearer(REFUSED_ACCESS_TOKENS[name]()))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert response.json()["detail"]


@pytest.mark.parametrize("name", ["alg_none", "foreign_key_with_our_kid", "tampered_payload", "expired"])
def test_bad_access_cookie_is_not_accepted(api, name):
    api.cookies[settings.JWT_ACCESS_COOKIE_NAME] = REFUSED_ACCESS_TOKENS[name]()

    response = api.get(WHOAMI)

    assert response.status_code == 401


@pytest.mark.parametrize("parameter", ["access_token", "refresh_token"])
def test_token_in_the_query_string_is_refused(api, user, parameter):
    access_token = families.issue_tokens(user).access

    response = api.get(WHOAMI, {parameter: access_token})

    assert response.status_code == 401
    assert "URL" in response.json()["detail"]


def test_token_in_the_query_string_is_refused_even_with_a_valid_header(api, user):
    access_token = families.issue_tokens(user).access

    response = api.get(f"{WHOAMI}?access_token={access_token}", **bearer(access_token))

    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "bearer"])
def test_malformed_bearer_header_gets_401(api, header):
    response = api.get(WHOAMI, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


def test_other_authorization_schemes_are_not_ours_and_leave_the_request_anonymous(api):
    response = api.get(WHOAMI, HTTP_AUTHORIZATION="Basic bWluamk6cGFzc3dvcmQ=")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_bearer_scheme_is_case_insensitive(api, user):
    response = api.get(WHOAMI, HTTP_AUTHORIZATION=f"bearer {families.issue_tokens(user).access}")

    assert response.status_code == 200


def test_bearer_header_wins_over_the_cookie(api, user, make_user):
    other = make_user("other")
    api.cookies[settings.JWT_ACCESS_COOKIE_NAME] = families.issue_tokens(other).access

    response = api.get(WHOAMI, **bearer(families.issue_tokens(user).access))

    assert response.json()["sub"] == str(user.pk)


def test_cookie_authenticated_unsafe_request_without_csrf_token_is_refused(user):
    browser = APIClient(enforce_csrf_checks=True)
    browser.cookies[settings.JWT_ACCESS_COOKIE_NAME] = families.issue_tokens(user).access

    response = browser.post("/api/posts/", {"title": "CSRF", "body": "forged"})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_cookie_authenticated_unsafe_request_with_csrf_token_is_accepted(user):
    browser = APIClient(enforce_csrf_checks=True)
    browser.cookies[settings.JWT_ACCESS_COOKIE_NAME] = families.issue_tokens(user).access
    browser.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32

    response = browser.post("/api/posts/", {"title": "Mine", "body": "real"}, HTTP_X_CSRFTOKEN="a" * 32)

    assert response.status_code == 201


def test_bearer_authenticated_unsafe_request_needs_no_csrf_token(user):
    client = APIClient(enforce_csrf_checks=True)

    response = client.post(
        "/api/posts/", {"title": "App", "body": "native"}, **bearer(families.issue_tokens(user).access)
    )

    assert response.status_code == 201


def test_token_user_knows_id_and_staff_role_from_claims_alone():
    staff = TokenUser(access_claims(user_id=7, roles=["staff"]))
    reader = TokenUser(access_claims(user_id=8))

    assert (staff.pk, staff.is_staff, staff.is_authenticated) == (7, True, True)
    assert (reader.pk, reader.is_staff) == (8, False)
