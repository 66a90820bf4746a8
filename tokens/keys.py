"""The keys our JWTs are signed and verified with, and the JWKS that publishes them.

Only this site holds the private key (``SIMPLE_JWT["SIGNING_KEY"]``, from ``JWT_PRIVATE_KEY``). Anyone may verify a token
with the public keys at ``/.well-known/jwks.json``: the current one; during a key change the
next one (``JWT_NEXT_PUBLIC_KEYS``), published everywhere before any instance signs with it;
and the older ones (``JWT_PREVIOUS_PUBLIC_KEYS``), so tokens signed before the change stay
valid until they expire.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from jwt.algorithms import RSAAlgorithm

from tokens.settings import jwt_settings

ALGORITHM = "RS256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey


def signing_key() -> SigningKey:
    """Return the private key tokens are signed with, and its ``kid``."""
    return _load_signing_key(jwt_settings().SIGNING_KEY)


def verification_keys() -> dict[str, rsa.RSAPublicKey]:
    """Return every public key a token may be signed with, by ``kid``: current, next, previous."""
    return _load_verification_keys(jwt_settings().SIGNING_KEY, public_pems())


def public_pems() -> tuple[str, ...]:
    """Return the PEM public keys verified beside the signing key's: the next ones, then the previous ones."""
    return (*settings.JWT_NEXT_PUBLIC_KEYS, *settings.JWT_PREVIOUS_PUBLIC_KEYS)


def jwks() -> dict[str, list[dict[str, Any]]]:
    """Return the JSON Web Key Set: public parts only (``n`` and ``e``), never the private key."""
    return {"keys": [_public_jwk(kid, key) for kid, key in verification_keys().items()]}


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """Return the RFC 7638 thumbprint of a public key, used as its ``kid``."""
    jwk = _public_jwk_members(public_key)
    # RFC 7638: the required members only, sorted, no whitespace, then SHA-256.
    canonical = json.dumps({name: jwk[name] for name in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# Loading a private key checks it thoroughly and costs tens of milliseconds: do it once
# per key value, not once per token. The PEM is the cache key, so override_settings works.
@lru_cache(maxsize=4)
def _load_signing_key(pem: str) -> SigningKey:
    private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise TypeError("JWT_PRIVATE_KEY (SIMPLE_JWT['SIGNING_KEY']) must be an RSA private key (RS256).")
    return SigningKey(kid=thumbprint(private_key.public_key()), private_key=private_key)


@lru_cache(maxsize=4)
def _load_verification_keys(private_pem: str, public_pems: tuple[str, ...]) -> dict[str, rsa.RSAPublicKey]:
    current = _load_signing_key(private_pem).private_key.public_key()
    keys = {thumbprint(current): current}
    for pem in public_pems:
        public_key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise TypeError("JWT_NEXT_PUBLIC_KEYS and JWT_PREVIOUS_PUBLIC_KEYS must hold RSA public keys.")
        keys.setdefault(thumbprint(public_key), public_key)
    return keys


def _public_jwk_members(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    return RSAAlgorithm.to_jwk(public_key, as_dict=True)


def _public_jwk(kid: str, public_key: rsa.RSAPublicKey) -> dict[str, str]:
    jwk = _public_jwk_members(public_key)
    return {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "kid": kid, "n": jwk["n"], "e": jwk["e"]}
