"""Refresh-token families: a login's chain of refresh tokens, rotated, revoked and flushed.

A refresh token (days) buys a new pair once: every refresh replaces it, and using a
replaced one again revokes the whole family, so a stolen refresh token is found out the
moment both parties use it. Gap: simplejwt's blacklist checks and then acts (two requests
can both pass), stores every token, and fails with a 500 for a deleted user; a family keeps
one row per login and rotates with one conditional UPDATE.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tokens.models import RefreshTokenFamily
from tokens.settings import jwt_settings
from tokens.tokens import AccessToken, RefreshToken, TokenError, backend, verify_access_token, verify_refresh_token

Reason = RefreshTokenFamily.RevokeReason
INACTIVE = {"active": False}
SHOWN_CLAIMS = ("iss", "sub", "aud", "iat", "exp", "jti", "roles")


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_claims: dict[str, Any]


def issue_tokens(user: AbstractBaseUser) -> TokenPair:
    """Start a new refresh-token family for ``user`` (a login) and return its first pair."""
    refresh_token = RefreshToken.for_user(user)
    family = RefreshTokenFamily.objects.create(
        id=uuid.uuid4(), user=user, current_jti=refresh_token["jti"], expires_at=_datetime(refresh_token["exp"])
    )
    return _pair(user, family_id=family.pk, refresh_token=refresh_token)


def rotate(refresh_token: str) -> TokenPair:
    """Use up ``refresh_token`` and return a new pair from the same family.

    Raise TokenError when the token is invalid, revoked, reused after the grace period
    (which revokes the family), or its user is gone or deactivated.
    """
    token = verify_refresh_token(refresh_token)
    family = _family(token)
    if family is None or family.revoked_at is not None:
        raise TokenError(_("This refresh token was revoked. Please log in again."), "token_revoked")
    if not family.user.is_active:
        _revoke_family(family.pk, Reason.INACTIVE)
        raise TokenError(_("This account is deactivated."), "account_inactive")
    if family.current_jti == token["jti"]:
        new_token = RefreshToken.for_user(family.user)
        # The jti we read may be stale by now: the WHERE clause lets exactly one of several
        # concurrent rotations through (on SQLite and PostgreSQL alike), whatever they read.
        rotated = RefreshTokenFamily.objects.filter(
            pk=family.pk, current_jti=token["jti"], revoked_at__isnull=True
        ).update(
            current_jti=new_token["jti"],
            previous_jti=token["jti"],
            rotated_at=timezone.now(),
            expires_at=_datetime(new_token["exp"]),
        )
        if rotated == 1:
            return _pair(family.user, family_id=family.pk, refresh_token=new_token)
        # A parallel request rotated it first (see whether the grace period covers us), or the
        # account was deleted meanwhile, and the family with it.
        family = _family(token)
        if family is None:
            raise TokenError(_("This refresh token was revoked. Please log in again."), "token_revoked")
    if family.revoked_at is None and _within_grace_period(family, token["jti"]):
        current = RefreshToken.for_user(family.user)
        current["jti"], current["exp"] = family.current_jti, int(family.expires_at.timestamp())
        return _pair(family.user, family_id=family.pk, refresh_token=current)
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
    # rotated_at is the clock of the instance that rotated: another may run seconds ahead.
    return timezone.now() - family.rotated_at <= settings.JWT_REFRESH_GRACE_PERIOD + _leeway()


def revoke(refresh_token: str) -> None:
    """Revoke the family of ``refresh_token`` (logout): none of its tokens refresh any more."""
    _revoke_family(family_id(verify_refresh_token(refresh_token)), Reason.LOGOUT)


def flush_expired() -> int:
    """Delete the families whose last refresh token has expired; return how many."""
    # Past the leeway too: until then a refresh token just past its exp is still accepted.
    deleted, _by_model = RefreshTokenFamily.objects.filter(expires_at__lt=timezone.now() - _leeway()).delete()
    return deleted


def _leeway() -> timedelta:
    """Return the clock difference between instances our token checks allow (JWT_LEEWAY)."""
    return timedelta(seconds=jwt_settings().LEEWAY)


def introspect(token: str) -> dict[str, Any]:
    """Return RFC 7662's answer for ``token``: its claims if it is ours, valid and its family live; else inactive.

    Unlike verifying an access token, this reads the database (one query): a logout shows at once.
    """
    try:
        claims, token_type = verify_access_token(token), "access_token"
    except TokenError:
        try:
            claims, token_type = verify_refresh_token(token).payload, "refresh_token"
        except TokenError:
            return INACTIVE
    try:
        pk = family_id(claims)
    except (KeyError, ValueError):
        return INACTIVE  # issued before access tokens named their family: nothing to check it against
    family = RefreshTokenFamily.objects.select_related("user").filter(pk=pk, user_id=claims["sub"]).first()
    if family is None or family.revoked_at is not None or not family.user.is_active:
        return INACTIVE
    if token_type == "refresh_token" and (family.current_jti != claims["jti"] or family.expires_at <= timezone.now()):
        return INACTIVE  # replaced by a newer one: using it would be a reuse
    shown = {name: claims[name] for name in SHOWN_CLAIMS if name in claims}
    return {"active": True, "token_type": token_type, "username": family.user.username, **shown}


def roles_of(user: AbstractBaseUser) -> list[str]:
    """Return the roles an access token carries, so the API can authorize without a database read."""
    return ["staff"] if user.is_staff else []


def family_id(token: RefreshToken | dict[str, Any]) -> uuid.UUID:
    """Return the family a token belongs to (both our token types name it in ``fam``)."""
    return uuid.UUID(token["fam"])


def _family(token: RefreshToken) -> RefreshTokenFamily | None:
    return RefreshTokenFamily.objects.select_related("user").filter(pk=family_id(token), user_id=token["sub"]).first()


def _revoke_family(pk: uuid.UUID, reason: str) -> None:
    RefreshTokenFamily.objects.filter(pk=pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )


def _pair(user: AbstractBaseUser, *, family_id: uuid.UUID, refresh_token: RefreshToken) -> TokenPair:
    refresh_token["fam"] = str(family_id)
    access_token = AccessToken.for_user(user)
    access_token["roles"] = roles_of(user)
    # Which login an access token came from, so introspection can tell a revoked one (RFC 7662).
    access_token["fam"] = str(family_id)
    return TokenPair(
        access=str(access_token), refresh=str(refresh_token), access_claims=backend().stamp(access_token.payload)
    )


def _datetime(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)
