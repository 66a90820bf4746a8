"""Our own JWTs: issue, verify, rotate and revoke them.

An access token (minutes) says who the user is and which roles they have; any server
verifies it with the public JWKS alone, without a database read. A refresh token (days)
buys a new pair once: every refresh replaces it, and using a replaced one again revokes
the whole family, so a stolen refresh token is found out the moment both parties use it.
"""

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import keys
from accounts.models import RefreshTokenFamily, User

ACCESS = "access"
REFRESH = "refresh"
# RFC 9068: access tokens say what they are in the header, so nothing else passes for one.
HEADER_TYPES = {ACCESS: "at+jwt", REFRESH: "JWT"}
# Anything else in a header (jku, x5u, jwk, x5c, crit...) could point us at a key the
# sender controls: we only ever use our own keys, so such tokens are refused.
ALLOWED_HEADER_FIELDS = frozenset({"alg", "typ", "kid"})
REQUIRED_CLAIMS = ["iss", "sub", "iat", "exp", "jti", "token_type"]
MAX_HEADER_LENGTH = 512  # ours is about 100 characters
NOT_OURS = _("This is not a token issued by this site.")
EXPIRED = _("Token has expired.")
WRONG_KIND = {
    ACCESS: _("Wrong kind of token: send an access token."),
    REFRESH: _("Wrong kind of token: send a refresh token."),
}

Reason = RefreshTokenFamily.RevokeReason


class TokenError(Exception):
    """A token we refuse; ``message`` is safe to show to the client, ``code`` is for its code to branch on."""

    def __init__(self, message: str, code: str = "token_not_valid") -> None:
        self.message = message
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_claims: dict[str, Any]


def issue_tokens(user: User) -> TokenPair:
    """Start a new refresh-token family for ``user`` (a login) and return its first pair."""
    family_id, jti, expires_at = uuid.uuid4(), _new_jti(), _expiry(settings.JWT_REFRESH_TOKEN_LIFETIME)
    RefreshTokenFamily.objects.create(id=family_id, user=user, current_jti=jti, expires_at=_datetime(expires_at))
    return _pair(user, family_id=family_id, refresh_jti=jti, refresh_expires_at=expires_at)


def verify_access_token(token: str) -> dict[str, Any]:
    """Return the claims of a valid access token, or raise TokenError. No database read.

    Checking the RSA signature is the costliest step of an API call, and a client sends
    the same access token with every call for minutes: each process remembers the tokens
    it has verified (as API gateways cache their authorizers' answers) and checks again
    only what time changes, the expiry. Refused tokens are never remembered.
    """
    claims = _verified_access_claims(token, _verification_settings())
    if claims["exp"] <= time.time() - settings.JWT_LEEWAY:
        raise TokenError(EXPIRED, "token_expired")
    return dict(claims)


def verify_refresh_token(token: str) -> dict[str, Any]:
    """Return the claims of a well-signed, unexpired refresh token (revocation not checked)."""
    claims = _decode(token, token_type=REFRESH)
    try:
        claims["fam"] = uuid.UUID(str(claims.get("fam")))
    except ValueError:
        raise TokenError(_("Token is invalid.")) from None
    return claims


def rotate(refresh_token: str) -> TokenPair:
    """Use up ``refresh_token`` and return a new pair from the same family.

    Raise TokenError when the token is invalid, revoked, reused after the grace period
    (which revokes the family), or its user is gone or deactivated.
    """
    claims = verify_refresh_token(refresh_token)
    family = _family(claims)
    if family is None or family.revoked_at is not None:
        raise TokenError(_("This refresh token was revoked. Please log in again."), "token_revoked")
    if not family.user.is_active:
        _revoke_family(family.pk, Reason.INACTIVE)
        raise TokenError(_("This account is deactivated."), "account_inactive")
    if family.current_jti == claims["jti"]:
        new_jti, expires_at = _new_jti(), _expiry(settings.JWT_REFRESH_TOKEN_LIFETIME)
        # The jti we read may be stale by now: the WHERE clause lets exactly one of several
        # concurrent rotations through (on SQLite and PostgreSQL alike), whatever they read.
        rotated = RefreshTokenFamily.objects.filter(
            pk=family.pk, current_jti=claims["jti"], revoked_at__isnull=True
        ).update(
            current_jti=new_jti, previous_jti=claims["jti"], rotated_at=timezone.now(), expires_at=_datetime(expires_at)
        )
        if rotated == 1:
            return _pair(family.user, family_id=family.pk, refresh_jti=new_jti, refresh_expires_at=expires_at)
        family.refresh_from_db()  # a parallel request rotated it first: see whether the grace period covers us
    if family.revoked_at is None and _within_grace_period(family, claims["jti"]):
        return _pair(
            family.user,
            family_id=family.pk,
            refresh_jti=family.current_jti,
            refresh_expires_at=int(family.expires_at.timestamp()),
        )
    # Someone kept an old token: the thief or the user, we cannot tell. Stop both.
    _revoke_family(family.pk, Reason.REUSE)
    raise TokenError(_("This refresh token was already used. Please log in again."), "token_reused")


def _within_grace_period(family: RefreshTokenFamily, jti: str) -> bool:
    """Return True if ``jti`` was replaced so recently that this is the same browser's parallel request.

    Tabs that load at once all send the same refresh cookie; the first rotates it, and the
    others would look like a thief. For JWT_REFRESH_GRACE_PERIOD after a rotation, the token
    just replaced gets the family's current token instead of revoking it (Auth0's "reuse
    interval", Okta's "grace period"). The price: a thief who replays within that window
    is not caught by that replay (docs/jwt.md).
    """
    if not family.previous_jti or jti != family.previous_jti or family.rotated_at is None:
        return False
    return timezone.now() - family.rotated_at <= settings.JWT_REFRESH_GRACE_PERIOD


def revoke(refresh_token: str) -> None:
    """Revoke the family of ``refresh_token`` (logout): none of its tokens refresh any more."""
    claims = verify_refresh_token(refresh_token)
    _revoke_family(claims["fam"], Reason.LOGOUT)


def flush_expired() -> int:
    """Delete the families whose last refresh token has expired; return how many."""
    deleted, _by_model = RefreshTokenFamily.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def roles_of(user: User) -> list[str]:
    """Return the roles an access token carries, so the API can authorize without a database read."""
    return ["staff"] if user.is_staff else []


def _family(claims: dict[str, Any]) -> RefreshTokenFamily | None:
    return RefreshTokenFamily.objects.select_related("user").filter(pk=claims["fam"], user_id=claims["sub"]).first()


def _revoke_family(family_id: uuid.UUID, reason: str) -> None:
    RefreshTokenFamily.objects.filter(pk=family_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )


def _pair(user: User, *, family_id: uuid.UUID, refresh_jti: str, refresh_expires_at: int) -> TokenPair:
    access_claims = _claims(user, ACCESS, jti=_new_jti(), expires_at=_expiry(settings.JWT_ACCESS_TOKEN_LIFETIME))
    access_claims["roles"] = roles_of(user)
    # The family lets introspection (apikeys/api.py) tell, in one read, that a logout revoked this token.
    access_claims["fam"] = str(family_id)
    refresh_claims = _claims(user, REFRESH, jti=refresh_jti, expires_at=refresh_expires_at)
    refresh_claims["fam"] = str(family_id)
    return TokenPair(access=_encode(access_claims), refresh=_encode(refresh_claims), access_claims=access_claims)


def _claims(user: User, token_type: str, *, jti: str, expires_at: int) -> dict[str, Any]:
    claims = {
        "iss": settings.JWT_ISSUER,
        # RFC 7519 makes "sub" a string; PyJWT refuses a number there.
        "sub": str(user.pk),
        "iat": int(time.time()),
        "exp": expires_at,
        "jti": jti,
        "token_type": token_type,
    }
    if settings.JWT_AUDIENCE:
        claims["aud"] = settings.JWT_AUDIENCE
    return claims


def _encode(claims: dict[str, Any]) -> str:
    signing_key = keys.signing_key()
    headers = {"kid": signing_key.kid, "typ": HEADER_TYPES[claims["token_type"]]}
    return jwt.encode(claims, signing_key.private_key, algorithm=keys.ALGORITHM, headers=headers)


def _verification_settings() -> tuple:
    """Return everything a verification depends on, besides the token and the clock."""
    return (
        settings.JWT_ISSUER,
        settings.JWT_AUDIENCE,
        settings.JWT_LEEWAY,
        settings.JWT_PRIVATE_KEY,
        tuple(settings.JWT_PREVIOUS_PUBLIC_KEYS),
    )


# Keyed on the settings too, so a changed key, issuer or audience is never served from the cache.
@lru_cache(maxsize=1024)
def _verified_access_claims(token: str, verification_settings: tuple) -> dict[str, Any]:
    return _decode(token, token_type=ACCESS)


def _unverified_header(token: str) -> dict[str, Any]:
    """Return the header as a dict of strings, only to choose the key: PyJWT parses the whole token again, strictly."""
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
    return header


def _decode(token: str, *, token_type: str) -> dict[str, Any]:
    header = _unverified_header(token)
    if not header.keys() <= ALLOWED_HEADER_FIELDS or header.get("alg") != keys.ALGORITHM:
        raise TokenError(_("Token header is not acceptable."))
    key = keys.verification_keys().get(header.get("kid"))
    if key is None:
        raise TokenError(_("Token is signed with a key this site does not know."))
    if header.get("typ") != HEADER_TYPES[token_type]:
        raise TokenError(WRONG_KIND[token_type])
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[keys.ALGORITHM],
            issuer=settings.JWT_ISSUER,
            audience=settings.JWT_AUDIENCE or None,
            leeway=settings.JWT_LEEWAY,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError(EXPIRED, "token_expired") from None
    except jwt.InvalidTokenError:
        raise TokenError(_("Token is invalid.")) from None
    if claims["token_type"] != token_type:
        raise TokenError(WRONG_KIND[token_type])
    return claims


def _new_jti() -> str:
    return uuid.uuid4().hex


def _expiry(lifetime: timedelta) -> int:
    return int(time.time() + lifetime.total_seconds())


def _datetime(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)
