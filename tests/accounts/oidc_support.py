"""Kakao's ID tokens for tests: a test RSA key standing for Kakao's, its JWKS, and tokens signed with it."""

import base64
import json
import time
from functools import cache

import jwt
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.accounts.kakao_flow import SANDBOX

ISSUER = SANDBOX  # the expected iss in sandbox mode: KAKAO_AUTH_URL's stand-in
JWKS_URL = SANDBOX + "/.well-known/jwks.json"
KID = "kakao-test-key-1"
CLIENT_ID = "sandbox-rest-api-key"
KAKAO_ID = "123456789"  # the id of fixtures.USER_ME_FULL
NONCE = "nonce-7hQ2mVx9aL4e"


@cache
def rsa_key(name: str = "kakao") -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(*names: str, kid: str = KID) -> dict:
    """Return a JWKS publishing the public half of each named key (default: Kakao's) under ``kid``."""
    keys = []
    for index, name in enumerate(names or ("kakao",)):
        public = RSAAlgorithm.to_jwk(rsa_key(name).public_key(), as_dict=True)
        keys.append({**public, "kid": kid if index == 0 else f"{kid}-{index}", "use": "sig", "alg": "RS256"})
    return {"keys": keys}


def claims(**overrides) -> dict:
    """Return the claims of a good ID token for fixtures.USER_ME_FULL; ``None`` drops a claim."""
    now = int(time.time())
    values = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": KAKAO_ID,
        "iat": now,
        "exp": now + 21599,
        "auth_time": now,
        "nonce": NONCE,
        "nickname": "홍길동",
        "picture": "http://yyy.kakao.com/dn/img_640x640.jpg",
        "email": "sample@sample.com",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def id_token(*, key: str = "kakao", kid: str | None = KID, headers: dict | None = None, **overrides) -> str:
    """Return an RS256 ID token signed with the named key, under ``kid``."""
    header = {"kid": kid} if kid is not None else {}
    header.update(headers or {})
    return jwt.encode(claims(**overrides), rsa_key(key), algorithm="RS256", headers=header)


def stub_jwks(kakao_http: responses.RequestsMock, **answer) -> None:
    """Answer at the JWKS URL with ``answer`` (responses' keywords), by default Kakao's test JWKS."""
    kakao_http.get(JWKS_URL, **(answer or {"json": jwks()}))


def signed(header: dict, payload: bytes) -> str:
    """Return a JWT of any header and payload bytes, with a valid RS256 signature by Kakao's test key."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(payload)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), rsa_key())
    return f"{signing_input}.{_b64(signature)}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks_fetches(kakao_http: responses.RequestsMock) -> int:
    return sum(1 for call in kakao_http.calls if call.request.url == JWKS_URL)
