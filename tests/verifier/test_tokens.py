"""The verifier accepts what the blog issues and refuses every token the blog refuses."""

import time

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from tests.tokens.jwt_support import access_claims, b64url, b64url_json, forge
from tests.verifier.conftest import make_verifier
from tests.verifier.forgeries import FORGED_ACCESS_TOKENS
from tokens import families
from tokens import tokens as blog_tokens
from verifier import lambda_authorizer
from verifier.tokens import MissingToken, Refused, bearer_token, unverified_header


@pytest.fixture
def verifier(shared_blog):
    return make_verifier(shared_blog.jwks_url)


def test_access_token_the_blog_issued_is_accepted_with_its_user_and_roles(verifier, make_user):
    user = make_user("minji", is_staff=True)
    access_token = families.issue_tokens(user).access

    identity = verifier.verify_authorization(f"Bearer {access_token}")

    assert identity.user_id == str(user.pk)
    assert identity.roles == ("staff",)


def test_hand_made_valid_token_is_accepted_by_both(verifier):
    # The control for the forgeries below: the same helper, nothing forged, is accepted.
    token = forge(access_claims(user_id=7))

    assert blog_tokens.verify_access_token(token)["sub"] == "7"
    assert verifier.verify(token).user_id == "7"


# Claims as a server whose clock is some seconds off stamps them: within the leeway (30 s).
SKEWED_CLAIMS = {
    "issued_by_a_clock_5_s_ahead": {"iat": 5, "exp": 305},
    "issued_20_s_ahead_with_nbf": {"iat": 20, "nbf": 20, "exp": 320},
    "expired_20_s_ago_by_our_clock": {"iat": -320, "exp": -20},
}


@pytest.mark.parametrize("name", sorted(SKEWED_CLAIMS))
def test_clocks_seconds_apart_are_tolerated_by_the_blog_the_verifier_and_the_lambda_authorizer(
    verifier, shared_blog, monkeypatch, name
):
    now = int(time.time())
    token = forge(access_claims(user_id=9, **{claim: now + offset for claim, offset in SKEWED_CLAIMS[name].items()}))
    monkeypatch.setenv("VERIFIER_JWKS_URL", shared_blog.jwks_url)
    monkeypatch.setenv("VERIFIER_ISSUER", settings.SIMPLE_JWT["ISSUER"])
    lambda_authorizer.verifier.cache_clear()

    assert blog_tokens.verify_access_token(token)["sub"] == "9"
    assert verifier.verify(token).user_id == "9"
    assert lambda_authorizer.handler({"type": "TOKEN", "authorizationToken": f"Bearer {token}"})["principalId"] == "9"
    lambda_authorizer.verifier.cache_clear()


@pytest.mark.parametrize("name", sorted(FORGED_ACCESS_TOKENS))
def test_every_forgery_the_blog_refuses_the_verifier_refuses(verifier, name):
    token = FORGED_ACCESS_TOKENS[name]()

    with pytest.raises(blog_tokens.TokenError):
        blog_tokens.verify_access_token(token)
    with pytest.raises(Refused) as refused:
        verifier.verify(token)
    assert '"' not in refused.value.description and "\\" not in refused.value.description  # RFC 6750 quoting


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": "1\r\nX-User-Roles: staff"},
        {"roles": "staff"},
        {"roles": ["staff\r\nX-Evil: 1"]},
        {"roles": [["staff"]]},
    ],
    ids=["newline_in_sub", "roles_as_a_string", "newline_in_a_role", "role_as_a_list"],
)
def test_claims_unsafe_in_a_header_are_refused_even_when_signed_with_our_key(verifier, overrides):
    with pytest.raises(Refused):
        verifier.verify(forge(access_claims(**overrides)))


def test_token_without_audience_is_refused_once_an_audience_is_configured(shared_blog, settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "AUDIENCE": "https://api.example"}
    with_audience, without = forge(access_claims(aud="https://api.example")), forge(access_claims())
    verifier = make_verifier(shared_blog.jwks_url)

    assert verifier.verify(with_audience).user_id == "1"
    with pytest.raises(Refused):
        verifier.verify(without)


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Token abc"])
def test_no_bearer_token_is_missing_not_refused(header):
    with pytest.raises(MissingToken):
        bearer_token(header)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "bearer  "])
def test_malformed_bearer_header_is_refused(header):
    with pytest.raises(Refused):
        bearer_token(header)


@given(st.text(max_size=600))
def test_any_authorization_header_is_missing_refused_or_a_token(header):
    try:
        token = bearer_token(header)
    except (MissingToken, Refused):
        return
    assert token and " " not in token


@given(st.binary(max_size=700), st.text(max_size=100))
def test_any_bytes_as_header_are_a_dict_of_strings_or_refused(raw, rest):
    try:
        header = unverified_header(f"{b64url(raw)}.{rest}")
    except Refused:
        return
    assert isinstance(header, dict) and all(isinstance(value, str) for value in header.values())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@given(header=st.dictionaries(st.sampled_from(["alg", "typ", "kid", "jku", "crit", "x"]), json_values, max_size=4))
def test_any_json_header_on_our_claims_is_refused_unless_it_is_ours(shared_blog, header):
    token = f"{b64url_json(header)}.{b64url_json(access_claims())}.{b64url(b'x' * 256)}"

    with pytest.raises(Refused):
        make_verifier(shared_blog.jwks_url).verify(token)
