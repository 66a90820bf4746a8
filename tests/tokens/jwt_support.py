"""Helpers for the JWT tests: a stranger's key, hand-made tokens, an Authorization header."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta
from functools import cache

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db.models import F
from django.test import override_settings

from config.devfiles import generate_private_key_pem
from tokens import keys
from tokens.models import RefreshTokenFamily

# Further in the past (or future) than any JWT_LEEWAY allows (at most 60 s): refused whatever it is.
BEYOND_LEEWAY = 120
PAST_THE_LEEWAY = timedelta(seconds=-BEYOND_LEEWAY)


@cache
def stranger_private_pem() -> str:
    """Return an RSA private key that is not ours (made once per test run: key generation is slow)."""
    return generate_private_key_pem().decode()


def simple_jwt(**changes) -> override_settings:
    """Return override_settings for the SIMPLE_JWT entries in ``changes`` (a decorator or a context manager)."""
    return override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, **changes})


def public_pem(private_pem: str) -> str:
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def our_kid() -> str:
    return keys.signing_key().kid


def access_claims(user_id: int | str = 1, **overrides) -> dict:
    """Return claims shaped like one of our access tokens, valid now."""
    now = int(time.time())
    claims = {
        "iss": settings.SIMPLE_JWT["ISSUER"],
        "sub": str(user_id),
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "token_type": "access",
        "roles": [],
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def forge(claims: dict, *, private_pem: str | None = None, headers: dict | None = None) -> str:
    """Sign ``claims`` RS256 with ``private_pem`` (ours by default), our kid and typ at+jwt unless overridden."""
    headers = {"kid": our_kid(), "typ": "at+jwt", **(headers or {})}
    key = serialization.load_pem_private_key(
        (private_pem or settings.SIMPLE_JWT["SIGNING_KEY"]).encode(), password=None
    )
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def after_grace_period() -> None:
    """Move every family's last rotation back past the grace period (and the clock leeway), as if that time had passed."""
    leeway = timedelta(seconds=settings.SIMPLE_JWT["LEEWAY"])
    RefreshTokenFamily.objects.update(
        rotated_at=F("rotated_at") - settings.JWT_REFRESH_GRACE_PERIOD - leeway - timedelta(seconds=1)
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def bearer(token: str) -> dict:
    """Return test-client keyword arguments sending ``token`` as a Bearer header."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _unsigned(header: dict, claims: dict, signature: bytes = b"") -> str:
    return f"{b64url_json(header)}.{b64url_json(claims)}.{b64url(signature)}"


def _alg_none() -> str:
    return _unsigned({"alg": "none", "typ": "at+jwt", "kid": our_kid()}, access_claims())


def _hs256_signed_with_our_public_key() -> str:
    # The classic confusion attack: the "secret" is our public key, which anyone can read.
    header, claims = {"alg": "HS256", "typ": "at+jwt", "kid": our_kid()}, access_claims()
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}".encode()
    secret = public_pem(settings.SIMPLE_JWT["SIGNING_KEY"]).encode()
    return f"{signing_input.decode()}.{b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())}"


def _tampered_payload() -> str:
    header, _payload, signature = forge(access_claims(user_id=1)).split(".")
    return f"{header}.{b64url_json(access_claims(user_id=2, roles=['staff']))}.{signature}"


def _jwk_header_with_attackers_key() -> str:
    stranger_public = serialization.load_pem_public_key(public_pem(stranger_private_pem()).encode())
    embedded = jwt.algorithms.RSAAlgorithm.to_jwk(stranger_public, as_dict=True)
    return forge(access_claims(), private_pem=stranger_private_pem(), headers={"jwk": embedded})


def _refresh_token_shape() -> str:
    claims = access_claims(token_type="refresh", roles=None, fam=str(uuid.uuid4()))
    return forge(claims, headers={"typ": "JWT"})


def _kakao_id_token() -> str:
    claims = access_claims(iss="https://kauth.kakao.com", aud="kakao-rest-api-key", token_type=None)
    return forge(claims, private_pem=stranger_private_pem(), headers={"kid": "9f252dadd5f233f93d2fa528d12fea"})


def _header_member(name: str, value) -> str:
    """Return a token whose header member ``name`` has the JSON value ``value`` (any type)."""
    header = {"alg": "RS256", "typ": "at+jwt", "kid": our_kid(), name: value}
    return _unsigned(header, access_claims(), signature=b"x" * 256)


def _raw_header(header_json: str) -> str:
    return f"{b64url(header_json.encode())}.{b64url_json(access_claims())}.{b64url(b'x' * 256)}"


# A header member of the wrong JSON type once crashed the key lookup (an unhashable kid).
WRONG_TYPE_HEADERS = {
    f"{name}_as_{kind}": (lambda name=name, value=value: _header_member(name, value))
    for name in ("kid", "alg", "typ")
    for kind, value in {"list": ["a"], "object": {"a": 1}, "number": 1, "null": None, "bool": True}.items()
}

# Every access token the API must refuse with 401, by the attack or mistake it stands for.
REFUSED_ACCESS_TOKENS = {
    **WRONG_TYPE_HEADERS,
    "header_is_an_array": lambda: _raw_header('["RS256"]'),
    "header_is_a_string": lambda: _raw_header('"RS256"'),
    "header_not_utf8": lambda: f"{b64url(bytes([0xFF, 0xFE]))}.{b64url_json(access_claims())}.eA",
    "header_nested_deep": lambda: _raw_header("[" * 100 + "]" * 100),
    "non_ascii_token": lambda: "토큰.토큰.토큰",
    "alg_none": _alg_none,
    "hs256_signed_with_our_public_key": _hs256_signed_with_our_public_key,
    "foreign_key_with_our_kid": lambda: forge(access_claims(), private_pem=stranger_private_pem()),
    "tampered_payload": _tampered_payload,
    "expired": lambda: forge(access_claims(iat=int(time.time()) - 400, exp=int(time.time()) - BEYOND_LEEWAY)),
    "future_nbf": lambda: forge(access_claims(nbf=int(time.time()) + BEYOND_LEEWAY)),
    "issued_in_the_future": lambda: forge(access_claims(iat=int(time.time()) + BEYOND_LEEWAY)),
    "refresh_token_as_access": _refresh_token_shape,
    "refresh_type_claim_in_access_header": lambda: forge(access_claims(token_type="refresh")),
    "access_claims_without_at_jwt_header": lambda: forge(access_claims(), headers={"typ": "JWT"}),
    "wrong_issuer": lambda: forge(access_claims(iss="https://evil.example")),
    "audience_we_do_not_use": lambda: forge(access_claims(aud="https://other.example")),
    "unknown_kid": lambda: forge(access_claims(), headers={"kid": "not-our-key"}),
    "no_kid": lambda: jwt.encode(
        access_claims(),
        serialization.load_pem_private_key(settings.SIMPLE_JWT["SIGNING_KEY"].encode(), password=None),
        algorithm="RS256",
        headers={"typ": "at+jwt"},
    ),
    "jku_header": lambda: forge(access_claims(), headers={"jku": "https://evil.example/jwks.json"}),
    "x5u_header": lambda: forge(access_claims(), headers={"x5u": "https://evil.example/cert.pem"}),
    "jwk_header_with_attackers_key": _jwk_header_with_attackers_key,
    "missing_jti": lambda: forge(access_claims(jti=None)),
    "missing_sub": lambda: forge(access_claims(sub=None)),
    "kakao_opaque_access_token": lambda: "p6Gf0xX2Vvx4e9xS0cZ3Yb1mXn8yT0k2AAAAAQoNIJoAAAGM1J7qN8Ef5dOkAQ",
    "kakao_id_token": _kakao_id_token,
    "garbage": lambda: "not.a.jwt",
}
