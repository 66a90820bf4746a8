"""Kakao's OpenID Connect ID token: verified here, with Kakao's published keys, before we trust it.

The access token is for Kakao's API; the ID token is for us. It is a JWT signed RS256 by
Kakao, so we check it the way any server checks our own JWTs: the key by ``kid`` from
Kakao's JWKS (cached), then ``iss``, ``aud``, ``exp``, ``iat`` and our ``nonce``. No ORM here.
"""

import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import kakao, outbound
from accounts.kakao import KakaoEndpoints, KakaoError, KakaoProfile
from core import state

JWKS_PATH = "/.well-known/jwks.json"
ALGORITHMS = ["RS256"]  # what Kakao's discovery document lists; never what a token's header says
# Kakao's keys change rarely and an unknown kid refetches them (rate limited): a day is safe.
JWKS_CACHE_SECONDS = 24 * 60 * 60
# Seconds of clock difference tolerated between Kakao's servers and ours.
CLOCK_SKEW = 30
# Kakao's ID tokens are about 800 characters; anything far larger is not one.
ID_TOKEN_MAX_LENGTH = 8192
USED_ID_TOKEN_KEY = "kakao-id-token-used:"

# What each refused check tells the person or app (the API's code stays kakao_id_token_invalid).
REASONS = {
    "missing": _("Kakao sent no ID token, though this site asked for OpenID Connect (scope openid)."),
    "malformed": _("Kakao's ID token is not a well-formed JWT."),
    "algorithm": _("Kakao's ID token is not signed with RS256, the only algorithm we accept."),
    "unknown_kid": _("Kakao's ID token names a key (kid) that is not in Kakao's published keys."),
    "signature": _("The signature of Kakao's ID token is not valid: it was not signed by Kakao's key."),
    "issuer": _("Kakao's ID token was issued by someone other than Kakao (iss)."),
    "audience": _("Kakao's ID token was issued to another app, not to this site (aud)."),
    "expired": _("Kakao's ID token has expired (exp). Please log in again."),
    "issued_at": _("Kakao's ID token says it was issued in the future (iat)."),
    "nonce": _("Kakao's ID token does not carry the nonce of this login: it belongs to another login."),
    "nonce_missing": _("Kakao's ID token carries no nonce, though this login sent one."),
    "nonce_expected": _("Kakao's ID token carries a nonce: send it with the ID token."),
    "too_old": _("An ID token without a nonce must be fresh: this one was issued too long ago. Please log in again."),
    "replayed": _("This ID token was already used to log in. Please log in again."),
    "subject": _("Kakao's ID token names another user (sub) than Kakao's user info."),
}


class IdTokenRefused(KakaoError):
    """An ID token that failed a check: ``code`` is kakao_id_token_invalid, ``reason`` names the check."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__("kakao_id_token_invalid", f"{reason} {detail}".strip())
        self.reason = reason
        self.message = REASONS[reason]


@dataclass(frozen=True)
class VerifiedIdToken:
    """An ID token that passed every check, with what the flow inspector shows of it."""

    claims: dict[str, Any]
    header: dict[str, Any]
    jwks_url: str
    # (claim, what we expected, what the token says), in the order they were checked.
    checks: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return str(self.claims["sub"])


class KakaoJWKClient(jwt.PyJWKClient):
    """PyJWKClient fetching through accounts/outbound.py: a deadline for the whole call and a cap on the answer."""

    def fetch_data(self) -> Any:
        try:
            response = outbound.within(
                settings.KAKAO_TIMEOUT, lambda: outbound.request("GET", self.uri, timeout=settings.KAKAO_TIMEOUT)
            )
            response.raise_for_status()
            jwk_set = response.json()
        except (requests.RequestException, ValueError, RecursionError) as error:
            raise jwt.PyJWKClientConnectionError(type(error).__name__) from None
        jwk_set = self._as_jwk_set_payload(jwk_set)
        self.jwk_set_cache.put(jwk_set)
        self._last_successful_fetch = time.monotonic()
        return jwk_set


_clients: dict[str, KakaoJWKClient] = {}
_clients_lock = threading.Lock()


def jwks_client(jwks_url: str) -> KakaoJWKClient:
    """Return this process's cached key client for ``jwks_url``, refetching on an unknown kid at most every N seconds."""
    refetch = settings.KAKAO_OIDC_JWKS_REFETCH_SECONDS
    with _clients_lock:
        client = _clients.get(jwks_url)
        if client is None or client.cooldown_duration != refetch:
            client = KakaoJWKClient(jwks_url, lifespan=JWKS_CACHE_SECONDS, cooldown_duration=refetch)
            _clients[jwks_url] = client
        return client


def forget_keys() -> None:
    """Drop every cached JWKS (tests; a key change you want seen at once)."""
    with _clients_lock:
        _clients.clear()


def audiences() -> list[str]:
    """Return the app keys an ID token may be issued to: KAKAO_OIDC_AUDIENCES, else KAKAO_CLIENT_ID."""
    return list(settings.KAKAO_OIDC_AUDIENCES or [settings.KAKAO_CLIENT_ID])


def verify_id_token(
    *, endpoints: KakaoEndpoints, id_token: str, nonce: str | None, audiences: list[str]
) -> VerifiedIdToken:
    """Return Kakao's ID token verified, or raise IdTokenRefused naming the check that failed.

    ``nonce`` None means the client sent none: then the token must carry none and be at
    most KAKAO_OIDC_NONCELESS_MAX_AGE seconds old (anyone holding a copy could replay it).
    """
    if not isinstance(id_token, str) or not id_token:
        raise IdTokenRefused("missing")
    if len(id_token) > ID_TOKEN_MAX_LENGTH:
        raise IdTokenRefused("malformed", "too long")
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise IdTokenRefused("malformed", "header") from None
    if header.get("alg") not in ALGORITHMS:
        raise IdTokenRefused("algorithm", _for_logs(header.get("alg")))
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise IdTokenRefused("unknown_kid", "no kid")
    jwks_url = endpoints.auth_url + JWKS_PATH
    signing_key = _signing_key(jwks_url, kid)
    claims = _decode(id_token, signing_key.key, issuer=endpoints.auth_url, audiences=audiences)
    # The checks as the flow inspector lists them, in the language of this login's page.
    checks = [
        ("signature", f"RS256, kid {kid}", gettext("valid")),
        ("iss", endpoints.auth_url, str(claims["iss"])),
        ("aud", " | ".join(audiences), str(claims["aud"])),
        ("exp", gettext("in the future"), _readable_time(claims["exp"])),
        ("iat", gettext("not in the future"), _readable_time(claims["iat"])),
    ]
    checks.append(_check_nonce(claims, nonce))
    return VerifiedIdToken(claims=claims, header=header, jwks_url=jwks_url, checks=checks)


def _signing_key(jwks_url: str, kid: str) -> jwt.PyJWK:
    try:
        return jwks_client(jwks_url).get_signing_key(kid)
    except jwt.PyJWKClientConnectionError as error:
        raise KakaoError("kakao_jwks_unavailable", str(error)) from None
    except jwt.PyJWKSetError as error:  # Kakao's JWKS without one usable key
        raise KakaoError("kakao_jwks_unavailable", type(error).__name__) from None
    except jwt.PyJWKClientError as error:
        if "matches" in str(error):
            raise IdTokenRefused("unknown_kid", _for_logs(kid)) from None
        raise KakaoError("kakao_jwks_unavailable", type(error).__name__) from None


def _decode(id_token: str, key: Any, *, issuer: str, audiences: list[str]) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=ALGORITHMS,
            audience=audiences,
            issuer=issuer,
            leeway=CLOCK_SKEW,
            options={"require": ["iss", "aud", "sub", "exp", "iat"], "strict_aud": False},
        )
    except jwt.InvalidSignatureError:
        raise IdTokenRefused("signature") from None
    except jwt.ExpiredSignatureError:
        raise IdTokenRefused("expired") from None
    except jwt.InvalidAudienceError:
        raise IdTokenRefused("audience") from None
    except jwt.InvalidIssuerError:
        raise IdTokenRefused("issuer") from None
    except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
        raise IdTokenRefused("issued_at") from None
    except jwt.PyJWTError as error:  # a missing claim, a claim of the wrong type, bad base64
        raise IdTokenRefused("malformed", type(error).__name__) from None
    if not isinstance(claims.get("sub"), str) or not kakao.KAKAO_ID.fullmatch(claims["sub"]):
        raise IdTokenRefused("malformed", "sub is not a Kakao id")
    return claims


def _check_nonce(claims: dict[str, Any], nonce: str | None) -> tuple[str, str, str]:
    token_nonce = claims.get("nonce")
    if nonce is not None:
        if not isinstance(token_nonce, str) or not token_nonce:
            raise IdTokenRefused("nonce_missing")
        if not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise IdTokenRefused("nonce")
        return ("nonce", gettext("the one this login sent"), gettext("the same"))
    if token_nonce is not None:
        raise IdTokenRefused("nonce_expected")
    max_age = settings.KAKAO_OIDC_NONCELESS_MAX_AGE
    if time.time() - claims["iat"] > max_age:
        raise IdTokenRefused("too_old")
    expected = gettext("none sent, so iat at most %(seconds)s s ago") % {"seconds": max_age}
    return ("nonce", expected, _readable_time(claims["iat"]))


def check_subject(verified: VerifiedIdToken, profile: KakaoProfile) -> None:
    """Refuse an ID token about another user than the one Kakao's ``/v2/user/me`` names."""
    if verified.subject != profile.id:
        raise IdTokenRefused("subject")
    verified.checks.append(("sub", f"/v2/user/me id {profile.id}", verified.subject))


def use_once(id_token: str, verified: VerifiedIdToken) -> None:
    """Refuse an ID token already traded for our tokens; remember this one until it expires."""
    lifetime = max(1, int(verified.claims["exp"] - time.time()) + CLOCK_SKEW)
    key = USED_ID_TOKEN_KEY + hashlib.sha256(id_token.encode()).hexdigest()
    if not state.add(key, ttl=lifetime):
        raise IdTokenRefused("replayed")


def profile_from_claims(verified: VerifiedIdToken) -> KakaoProfile:
    """Return the profile an ID token alone vouches for: its email is never trusted (no email_verified claim)."""
    claims = verified.claims
    account = {
        "profile": {"nickname": claims.get("nickname"), "profile_image_url": claims.get("picture")},
        "email": claims.get("email"),
        "is_email_valid": True,
        "is_email_verified": False,
    }
    return kakao.parse_profile({"id": verified.subject, "kakao_account": account})


def _for_logs(value: Any) -> str:
    """Return a header value the token's sender chose, safe for one log line."""
    return re.sub(r"[^A-Za-z0-9_.-]", "?", str(value))[:40]


def _readable_time(timestamp: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))
    except (TypeError, ValueError, OverflowError, OSError):
        return str(timestamp)[:40]
