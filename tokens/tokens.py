"""Our JWTs as simplejwt's token classes, signed and read by our backend.

simplejwt stamps the claims (``exp``, ``iat``, ``jti``, ``token_type``, the user's ``sub``)
and checks them on the way back. What it lacks is filled here, one small override each:
a ``kid`` and ``typ`` header, a header allow-list, a key per ``kid`` (old keys stay valid
after a rotation), a specific reason for every refusal, lifetimes read at call time, and a
per-process cache of verified access tokens.
"""

import base64
import binascii
import json
import time
import uuid
from functools import lru_cache
from typing import Any

import jwt
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import backends, tokens
from rest_framework_simplejwt.exceptions import TokenError as SimpleJWTTokenError

from tokens import keys
from tokens.settings import jwt_settings

ACCESS = "access"
REFRESH = "refresh"
# RFC 9068: access tokens say what they are in the header, so nothing else passes for one.
HEADER_TYPES = {ACCESS: "at+jwt", REFRESH: "JWT"}
# Anything else in a header (jku, x5u, jwk, x5c, crit...) could point us at a key the
# sender controls: we only ever use our own keys, so such tokens are refused.
ALLOWED_HEADER_FIELDS = frozenset({"alg", "typ", "kid"})
REQUIRED_CLAIMS = ["iss", "sub", "iat", "exp", "jti", "token_type"]
MAX_HEADER_LENGTH = 512  # ours is about 100 characters
MAX_USER_ID = 2**63 - 1  # a 64-bit primary key, as every database stores it
# Seconds since 1970 that datetime can hold (up to the year 9999): simplejwt converts exp to one.
MAX_TIMESTAMP = 253402300799
NOT_OURS = _("This is not a token issued by this site.")
INVALID = _("Token is invalid.")
EXPIRED = _("Token has expired.")
WRONG_KIND = {
    ACCESS: _("Wrong kind of token: send an access token."),
    REFRESH: _("Wrong kind of token: send a refresh token."),
}


class TokenError(SimpleJWTTokenError):
    """A token we refuse: ``message`` is safe to show the client, ``code`` is for its code to branch on.

    Gap: simplejwt's TokenError carries a message only, and ``Token.__init__`` turns every
    backend error into "Token is invalid"; ours passes through it unchanged.
    """

    def __init__(self, message: str, code: str = "token_not_valid") -> None:
        self.message = message
        self.code = code
        super().__init__(message)


class UnknownKeyError(TokenError):
    """A token whose ``kid`` names no key of this instance: perhaps a key not yet published here.

    Another instance may already sign with a key this one has not been given (a key change
    done out of order), so such a token is not proof that its holder should be logged out.
    """


def read_header(token: str) -> dict[str, str]:
    """Return the unverified header, only to choose the key; refuse anything we would not sign.

    Gap: simplejwt asks PyJWT for the unverified header, which parses the token a second time,
    and accepts any member (``jku``, ``x5u``...). Ours reads the first segment once, bounded,
    and keeps to ``alg``, ``typ`` and ``kid``, all strings.
    """
    header_segment = token.partition(".")[0]
    if len(header_segment) > MAX_HEADER_LENGTH:
        raise TokenError(NOT_OURS)
    try:
        header = json.loads(base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        raise TokenError(NOT_OURS) from None
    # Every member we read must be a string: a list or an object as "kid" cannot be a key.
    if not isinstance(header, dict) or not all(isinstance(value, str) for value in header.values()):
        raise TokenError(NOT_OURS)
    if not header.keys() <= ALLOWED_HEADER_FIELDS or header.get("alg") != keys.ALGORITHM:
        raise TokenError(_("Token header is not acceptable."))
    return header


class TokenBackend(backends.TokenBackend):
    """simplejwt's backend, signing with a ``kid`` and ``typ`` and verifying with the key that ``kid`` names.

    Gap: simplejwt's ``encode`` passes no headers, and its ``decode`` knows one verifying key.
    """

    def encode(self, payload: dict[str, Any]) -> str:
        signing_key = keys.signing_key()
        headers = {"kid": signing_key.kid, "typ": HEADER_TYPES[payload["token_type"]]}
        return jwt.encode(self.stamp(payload), signing_key.private_key, algorithm=self.algorithm, headers=headers)

    def stamp(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Return ``payload`` with our issuer and audience, as ``encode`` signs it."""
        stamped = {**payload, "iss": self.issuer}
        if self.audience is not None:
            stamped["aud"] = self.audience
        return stamped

    def decode(self, token: str, verify: bool = True) -> dict[str, Any]:
        header = read_header(token)
        key = keys.verification_keys().get(header.get("kid"))
        if key is None:
            raise UnknownKeyError(_("Token is signed with a key this site does not know."))
        try:
            # The audience is always checked: with none configured, a token that names one is not ours.
            claims = jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.get_leeway(),
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError(EXPIRED, "token_expired") from None
        except jwt.InvalidTokenError:
            raise TokenError(INVALID) from None
        check_claim_types(claims)
        if header.get("typ") != HEADER_TYPES.get(claims["token_type"]):
            raise TokenError(INVALID)
        return claims


def check_claim_types(claims: dict[str, Any]) -> None:
    """Refuse claims of a shape we never sign, so that nothing downstream trips on them.

    A well-signed token is not necessarily one we issued as it is (an old key, a bug): a
    list as ``sub``, an ``exp`` past the year 9999 or a user id no database stores would
    otherwise fail later, as a 500. Every claim is a string, an integer or a list of strings.
    """
    sub = claims["sub"]
    shaped = (
        all(type(claims[name]) is int and 0 <= claims[name] <= MAX_TIMESTAMP for name in ("exp", "iat"))
        and all(isinstance(claims[name], str) for name in ("jti", "token_type"))
        and isinstance(sub, str)
        and sub.isascii()
        and sub.isdigit()
        and 0 < int(sub[:20]) <= MAX_USER_ID
        and isinstance(claims.get("roles", []), list)
        and isinstance(claims.get("fam", ""), str)
        and all(_flat(value) for value in claims.values())
    )
    if not shaped:
        raise TokenError(INVALID)


def _flat(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str | int)


# One backend per settings value: building one is cheap, but PyJWT's key objects are cached inside it.
@lru_cache(maxsize=4)
def _backend(algorithm: str, issuer: str | None, audience: str | None, leeway: int) -> TokenBackend:
    return TokenBackend(algorithm, issuer=issuer, audience=audience, leeway=leeway)


def backend() -> TokenBackend:
    """Return the backend for the current ``SIMPLE_JWT`` settings."""
    conf = jwt_settings()
    return _backend(conf.ALGORITHM, conf.ISSUER, conf.AUDIENCE, conf.LEEWAY)


class Token(tokens.Token):
    """simplejwt's Token with our backend, our messages and lifetimes read at call time."""

    lifetime_setting: str

    @property
    def lifetime(self):
        # Gap: simplejwt binds ``lifetime`` when the class is created; override_settings never reaches it.
        return getattr(jwt_settings(), self.lifetime_setting)

    @property
    def token_backend(self) -> TokenBackend:
        # Gap: simplejwt's backend is a module singleton with no kid, no typ and one key.
        return backend()

    def get_token_backend(self) -> TokenBackend:
        return backend()

    def check_exp(self, claim: str = "exp", current_time=None) -> None:
        try:
            super().check_exp(claim, current_time)
        except SimpleJWTTokenError:
            raise TokenError(EXPIRED, "token_expired") from None

    def verify_token_type(self) -> None:
        if self.payload.get("token_type") != self.token_type:
            raise TokenError(WRONG_KIND[self.token_type])


class AccessToken(Token):
    token_type = ACCESS
    lifetime_setting = "ACCESS_TOKEN_LIFETIME"


class RefreshToken(Token):
    token_type = REFRESH
    lifetime_setting = "REFRESH_TOKEN_LIFETIME"


def verify_access_token(token: str) -> dict[str, Any]:
    """Return the claims of a valid access token, or raise TokenError. No database read.

    Checking the RSA signature is the costliest step of an API call, and a client sends
    the same access token with every call for minutes: each process remembers the tokens
    it has verified (as API gateways cache their authorizers' answers) and checks again
    only what time changes, the expiry. Refused tokens are never remembered.
    """
    claims = _verified_claims(token, _verification_settings())
    if claims["exp"] <= time.time() - jwt_settings().LEEWAY:
        raise TokenError(EXPIRED, "token_expired")
    # A copy a caller may change without changing what the cache holds (claims are flat: lists are the only containers).
    return {name: list(value) if isinstance(value, list) else value for name, value in claims.items()}


def verify_refresh_token(token: str) -> RefreshToken:
    """Return a well-signed, unexpired refresh token of a family (revocation is not checked here)."""
    refresh_token = RefreshToken(token)
    try:
        uuid.UUID(refresh_token.get("fam", ""))
    except ValueError:
        raise TokenError(INVALID) from None
    return refresh_token


def _verification_settings() -> tuple:
    """Return everything a verification depends on, besides the token and the clock."""
    conf = jwt_settings()
    return (conf.ISSUER, conf.AUDIENCE, conf.LEEWAY, conf.SIGNING_KEY, keys.public_pems())


# Keyed on the settings too, so a changed key, issuer or audience is never served from the cache.
@lru_cache(maxsize=1024)
def _verified_claims(token: str, verification_settings: tuple) -> dict[str, Any]:
    return AccessToken(token).payload
