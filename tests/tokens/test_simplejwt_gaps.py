"""What simplejwt gives us as it is, and each gap tokens/ fills on top of it (docs/jwt.md's table)."""

from datetime import timedelta

import jwt
import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from blog.models import Post
from tests.tokens.jwt_support import PAST_THE_LEEWAY, access_claims, bearer, forge, simple_jwt
from tokens import families, tokens
from tokens.authentication import BearerTokenAuthentication, CookieTokenAuthentication
from tokens.models import TokenUser

WHOAMI = "/api/auth/whoami/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(make_user):
    return make_user("minji", nickname="민지")


def test_our_token_classes_and_authentication_are_simplejwts_own():
    assert issubclass(tokens.AccessToken, simplejwt_tokens.Token)
    assert issubclass(tokens.RefreshToken, simplejwt_tokens.Token)
    assert issubclass(BearerTokenAuthentication, JWTStatelessUserAuthentication)
    assert issubclass(CookieTokenAuthentication, JWTStatelessUserAuthentication)


def test_simplejwt_stamps_the_claims_and_our_backend_adds_kid_and_typ(user):
    access_token = tokens.AccessToken.for_user(user)
    signed = str(access_token)

    header = jwt.get_unverified_header(signed)
    claims = tokens.verify_access_token(signed)
    assert set(header) == {"alg", "kid", "typ"}
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == str(user.pk)
    assert claims["token_type"] == "access"
    assert claims["exp"] - claims["iat"] == 300
    assert len(claims["jti"]) == 32


def test_lifetimes_are_read_when_a_token_is_made_so_override_settings_reaches_them(user):
    with simple_jwt(ACCESS_TOKEN_LIFETIME=timedelta(seconds=42)):
        access_token = tokens.AccessToken.for_user(user)

    assert access_token["exp"] - access_token["iat"] == 42
    # Stock simplejwt bound its lifetime when the class was created: the override never reached it.
    with simple_jwt(ACCESS_TOKEN_LIFETIME=timedelta(seconds=42)):
        stock = simplejwt_tokens.AccessToken()
    assert stock["exp"] - stock["iat"] != 42


def test_token_class_keeps_our_refusal_reason_where_simplejwt_says_token_is_invalid(user):
    with simple_jwt(ACCESS_TOKEN_LIFETIME=PAST_THE_LEEWAY):
        expired = str(tokens.AccessToken.for_user(user))

    with pytest.raises(tokens.TokenError) as refused:
        tokens.AccessToken(expired)

    assert refused.value.code == "token_expired"
    assert refused.value.message == tokens.EXPIRED


def test_refresh_token_sent_to_the_access_class_is_refused_as_the_wrong_kind(user):
    refresh_token = families.issue_tokens(user).refresh

    with pytest.raises(tokens.TokenError) as refused:
        tokens.AccessToken(refresh_token)

    assert refused.value.message == tokens.WRONG_KIND["access"]


def test_token_user_has_the_integer_primary_key_so_ownership_checks_work(user):
    post = Post.objects.create(author=user, title="제목", body="본문")
    token_user = TokenUser(tokens.verify_access_token(families.issue_tokens(user).access))

    assert token_user.pk == user.pk
    assert post.author_id == token_user.pk
    assert token_user.is_staff is False


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": ["1"]},
        {"sub": "1e3"},
        {"sub": "١٢"},  # Arabic-Indic digits: str.isdigit() says yes, int() too, our ids say no
        {"sub": "9" * 40},
        {"exp": 4102444800.5},
        {"iat": True},
        {"iat": "now"},
        {"token_type": ["access"]},
        {"jti": 7},
        {"roles": "staff"},
        {"roles": [["staff"]]},
        {"fam": 12},
    ],
    ids=str,
)
def test_well_signed_token_with_claims_of_a_shape_we_never_sign_is_a_401_not_a_500(api, changes):
    response = api.get(WHOAMI, **bearer(forge(access_claims(**changes))))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_changing_the_roles_a_verification_returned_does_not_change_the_next_verification(user):
    staff = user
    staff.is_staff = True
    staff.save()
    access_token = families.issue_tokens(staff).access

    tokens.verify_access_token(access_token)["roles"].append("admin")

    assert tokens.verify_access_token(access_token)["roles"] == ["staff"]


def test_write_by_an_account_deactivated_since_its_token_names_the_token_invalid(api, user):
    access_token = families.issue_tokens(user).access
    post = Post.objects.create(author=user, title="제목", body="본문")
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    response = api.delete(f"/api/posts/{post.pk}/", **bearer(access_token))

    assert response.status_code == 401
    assert response.json()["code"] == "account_inactive"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.django_db
@override_settings(RATE_LIMITS={})
@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(min_codepoint=32, exclude_categories=("Cs",)), max_size=300))
def test_any_authorization_header_is_a_401_never_an_error(header):
    assert APIClient().get(WHOAMI, HTTP_AUTHORIZATION=header).status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": 253402300800},  # the year 10000: no datetime holds it
        {"exp": 10**20},
        {"iat": -1},
        {"sub": "9223372036854775808"},  # 2**63: no database stores it as a key
        {"sub": "9" * 19},
        {"sub": "0"},
        {"ext": {"roles": []}},
        {"ext": [["nested"]]},
    ],
    ids=str,
)
def test_well_signed_token_with_values_no_datetime_or_database_holds_is_a_401(api, changes):
    response = api.get("/api/me/", **bearer(forge(access_claims(**changes))))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_while_the_account_is_deleted_meanwhile_is_a_401_not_a_500(api, user, monkeypatch):
    pair = families.issue_tokens(user)
    real_family = families._family
    calls = []

    def account_deleted_between_read_and_write(token):
        family = real_family(token)
        if not calls:
            calls.append(1)
            type(user).objects.filter(pk=user.pk).delete()
        return family

    monkeypatch.setattr(families, "_family", account_deleted_between_read_and_write)

    response = api.post("/api/auth/token/refresh/", {"refresh": pair.refresh}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


@pytest.mark.parametrize("separator", ["\t", "  ", " \t "])
def test_bearer_followed_by_any_whitespace_is_read_as_bearer(api, user, separator):
    access_token = families.issue_tokens(user).access

    assert api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer{separator}{access_token}").status_code == 200


@pytest.mark.parametrize(
    "call",
    [
        lambda api, pair: api.post("/api/auth/token/refresh/", {"refresh": pair.refresh}, format="json"),
        lambda api, pair: api.get(WHOAMI, **bearer(pair.access)),
        lambda api, pair: api.get("/api/me/", **bearer(pair.access)),
    ],
    ids=["refresh", "whoami", "me"],
)
def test_answers_that_carry_tokens_or_their_claims_are_never_stored_by_caches(api, user, call):
    response = call(api, families.issue_tokens(user))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
