"""Verify the blog's access tokens with its public keys alone: the core both faces share.

The checks are the blog's own (tokens/tokens.py), so a token the blog refuses is refused
here too: RS256 only; a header of ``alg``, ``typ`` and ``kid`` and nothing else (no
``jku``, ``x5u`` or ``crit`` that could point us at the sender's key); ``typ`` is
``at+jwt``; ``token_type`` is ``access``; issuer, audience (when configured), expiry and
issued-at, with the same leeway.
"""

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError

from verifier.keys import JWKSClient

ALGORITHM = "RS256"
ACCESS_HEADER_TYPE = "at+jwt"
ACCESS = "access"
ALLOWED_HEADER_FIELDS = frozenset({"alg", "typ", "kid"})
REQUIRED_CLAIMS = ["iss", "sub", "iat", "exp", "jti", "token_type"]
MAX_TOKEN_LENGTH = 8192  # ours is under 1 KB
MAX_HEADER_LENGTH = 512
MAX_ROLES = 16
# Seconds of clock difference tolerated on iat, nbf and exp, as the blog's JWT_LEEWAY (default 30,
# at most 60): the blog's servers and this one never share one clock exactly.
DEFAULT_LEEWAY = 30
MAX_LEEWAY = 60
# What we put in X-User-Id and X-User-Roles must be safe in an HTTP header whatever a token says.
USER_ID = re.compile(r"[A-Za-z0-9._@:-]{1,64}")
ROLE = re.compile(r"[a-z0-9_:-]{1,32}")

NO_TOKEN = "Send the header as: Authorization: Bearer <access token>."
NOT_OURS = "This is not a token issued by this site."
BAD_HEADER = "Token header is not acceptable."
UNKNOWN_KEY = "Token is signed with a key this site does not know."
WRONG_KIND = "Wrong kind of token: send an access token."
EXPIRED = "Token has expired."
INVALID = "Token is invalid."


class MissingToken(Exception):
    """No bearer token at all: a 401 without an error code (RFC 6750, section 3.1)."""


class Refused(Exception):
    """A token we refuse; ``description`` is safe to show to the client."""

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(description)


class KeysUnavailable(Exception):
    """The blog's JWKS could not be fetched and no key set is kept from before: we cannot judge."""


@dataclass(frozen=True)
class Identity:
    user_id: str
    roles: tuple[str, ...]
    expires_at: int


class AccessTokenVerifier:
    """Verify access tokens against the keys at ``jwks_url``, for ``issuer`` (and ``audience``)."""

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str | None = None,
        leeway: int = DEFAULT_LEEWAY,
        keys: JWKSClient | None = None,
    ) -> None:
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be 0 to {MAX_LEEWAY} seconds, not {leeway}")
        self.issuer = issuer
        self.audience = audience or None
        self.leeway = leeway
        self.keys = keys or JWKSClient(jwks_url)

    def verify_authorization(self, authorization: str | None) -> Identity:
        """Return who the ``Authorization`` header's bearer token speaks for, or raise."""
        return self.verify(bearer_token(authorization))

    def verify(self, token: str) -> Identity:
        """Return who a valid access token speaks for; raise Refused or KeysUnavailable."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise Refused(NOT_OURS)
        header = unverified_header(token)
        if not header.keys() <= ALLOWED_HEADER_FIELDS or header.get("alg") != ALGORITHM:
            raise Refused(BAD_HEADER)
        key = self._public_key(header.get("kid"))
        if header.get("typ") != ACCESS_HEADER_TYPE:
            raise Refused(WRONG_KIND)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise Refused(EXPIRED) from None
        except jwt.InvalidTokenError:
            raise Refused(INVALID) from None
        if claims["token_type"] != ACCESS:
            raise Refused(WRONG_KIND)
        if claims["exp"] <= time.time() - self.leeway:
            raise Refused(EXPIRED)
        return _identity(claims)

    def _public_key(self, kid: str | None) -> rsa.RSAPublicKey:
        if not kid:
            raise Refused(UNKNOWN_KEY)
        try:
            jwk = self.keys.get_signing_key(kid)
        except PyJWKClientConnectionError:
            raise KeysUnavailable() from None
        except PyJWKClientError:
            raise Refused(UNKNOWN_KEY) from None
        # A JWKS may list other kinds of keys (an "oct" secret...): only an RSA key verifies RS256.
        if not isinstance(jwk.key, rsa.RSAPublicKey):
            raise Refused(UNKNOWN_KEY)
        return jwk.key


def bearer_token(authorization: str | None) -> str:
    """Return the token of ``Authorization: Bearer <token>``; raise MissingToken or Refused."""
    scheme, _space, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        raise MissingToken()
    token = token.strip()
    if not token or " " in token:
        raise Refused(NO_TOKEN)
    return token


def unverified_header(token: str) -> dict[str, str]:
    """Return the header as a dict of strings, only to choose the key: PyJWT parses the whole token again, strictly."""
    header_segment = token.partition(".")[0]
    if len(header_segment) > MAX_HEADER_LENGTH:
        raise Refused(NOT_OURS)
    try:
        header = json.loads(base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        raise Refused(NOT_OURS) from None
    if not isinstance(header, dict) or not all(isinstance(value, str) for value in header.values()):
        raise Refused(NOT_OURS)
    return header


def _identity(claims: dict[str, Any]) -> Identity:
    user_id, roles = claims["sub"], claims.get("roles", [])
    if not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
        raise Refused(INVALID)
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        raise Refused(INVALID)
    if not all(isinstance(role, str) and ROLE.fullmatch(role) for role in roles):
        raise Refused(INVALID)
    return Identity(user_id=user_id, roles=tuple(roles), expires_at=int(claims["exp"]))
