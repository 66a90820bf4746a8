"""Another service verifies our tokens with nothing but the JWKS document, using libraries we do not use."""

import time

import jwt as pyjwt
import pytest
from django.conf import settings
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from rest_framework.test import APIClient

from tokens import families


@pytest.fixture
def jwks_document():
    """Return the JWKS as a stranger fetches it: JSON over HTTP, no settings, no keys module."""
    return APIClient().get("/.well-known/jwks.json").json()


def test_joserfc_verifies_our_access_token_with_only_the_jwks(make_user, jwks_document):
    user = make_user("minji")
    access_token = families.issue_tokens(user).access

    token = jose_jwt.decode(access_token, KeySet.import_key_set(jwks_document), algorithms=["RS256"])
    jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": settings.SIMPLE_JWT["ISSUER"]},
        sub={"essential": True, "value": str(user.pk)},
        exp={"essential": True},
    ).validate(token.claims)

    assert token.header["typ"] == "at+jwt"
    assert token.claims["token_type"] == "access"
    assert token.claims["exp"] > time.time()


def test_joserfc_rejects_our_token_once_its_payload_is_changed(make_user, jwks_document):
    header, _payload, signature = families.issue_tokens(make_user("minji")).access.split(".")
    forged_payload = pyjwt.utils.base64url_encode(b'{"sub":"1","roles":["staff"]}').decode()

    with pytest.raises(BadSignatureError):
        jose_jwt.decode(f"{header}.{forged_payload}.{signature}", KeySet.import_key_set(jwks_document))


def test_pyjwt_finds_the_key_by_kid_in_the_jwks_and_verifies_the_token(make_user, jwks_document):
    user = make_user("minji")
    access_token = families.issue_tokens(user).access

    signing_key = pyjwt.PyJWKSet.from_dict(jwks_document)[pyjwt.get_unverified_header(access_token)["kid"]]
    claims = pyjwt.decode(access_token, signing_key, algorithms=["RS256"], issuer=settings.SIMPLE_JWT["ISSUER"])

    assert claims["sub"] == str(user.pk)
