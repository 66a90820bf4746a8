"""The sandbox as an OpenID Connect provider: its own RSA key, discovery, JWKS and signed ID tokens.

The key lives in this process only, as the codes and tokens do (store.py): a restart makes
a new one, and a client that cached the old JWKS meets an unknown ``kid``, as it would when
Kakao changes keys. A second key, never published, signs the failure accounts' bad tokens.
"""

import base64
import hashlib
import json
import threading
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kakao_sandbox import personas
from kakao_sandbox.personas import SandboxAccount

ID_TOKEN_TTL = 21599  # as long as the access token, as Kakao's
WRONG_AUDIENCE = "another-apps-rest-api-key"

_keys: dict[str, rsa.RSAPrivateKey] = {}
_keys_lock = threading.Lock()


def _key(name: str) -> rsa.RSAPrivateKey:
    # Under the lock: two first requests at once must not sign with two different keys.
    with _keys_lock:
        if name not in _keys:
            _keys[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _keys[name]


def _kid(key: rsa.RSAPrivateKey) -> str:
    """Return the key's RFC 7638 thumbprint, shortened: a kid that changes with the key."""
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    canonical = json.dumps({name: public[name] for name in ("e", "kty", "n")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()[:16]


def signing_key() -> rsa.RSAPrivateKey:
    return _key("signing")


def jwks() -> dict:
    """Return the published keys: the signing key's public half only."""
    public = RSAAlgorithm.to_jwk(signing_key().public_key(), as_dict=True)
    return {"keys": [{**public, "kid": _kid(signing_key()), "use": "sig", "alg": "RS256"}]}


def discovery(issuer: str) -> dict:
    """Return the OpenID Provider metadata, with Kakao's paths below ``issuer``."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/v1/oidc/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "request_uri_parameter_supported": False,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "aud", "sub", "auth_time", "exp", "iat", "nonce", "nickname", "picture", "email"],
    }


def id_token_issue(*, account: SandboxAccount, issuer: str, client_id: str, nonce: str, picture: str = "") -> str:
    """Return an ID token for ``account``; a failure account gets the broken token it stands for."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": client_id, "sub": str(account.id), "iat": now, "exp": now + ID_TOKEN_TTL}
    claims["auth_time"] = now
    if nonce and account.failure != personas.ID_TOKEN_NO_NONCE:
        claims["nonce"] = nonce
    claims["nickname"] = account.nickname
    if picture:
        claims["picture"] = picture
    if account.email and account.is_email_valid:
        claims["email"] = account.email
    key, kid = signing_key(), _kid(signing_key())
    if account.failure == personas.ID_TOKEN_WRONG_AUDIENCE:
        claims["aud"] = WRONG_AUDIENCE
    elif account.failure == personas.ID_TOKEN_EXPIRED:
        claims.update(iat=now - 2 * ID_TOKEN_TTL, exp=now - ID_TOKEN_TTL, auth_time=now - 2 * ID_TOKEN_TTL)
    elif account.failure == personas.ID_TOKEN_BAD_SIGNATURE:
        key = _key("forger")  # a foreign key that claims the published kid
    elif account.failure == personas.ID_TOKEN_UNKNOWN_KID:
        key = _key("forger")
        kid = _kid(key)
    elif account.failure == personas.ID_TOKEN_WRONG_SUB:
        claims["sub"] = str(account.id + 1)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
