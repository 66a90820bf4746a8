"""The authorization server's bookkeeping: client authentication, codes and tokens.

Lifetimes and error codes follow Kakao's documentation: codes live 10 minutes and work
once, access tokens about 6 hours, refresh tokens about 2 months.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kakao_sandbox import store
from kakao_sandbox.console import registered_app
from kakao_sandbox.personas import SandboxAccount, account_get, granted_scope

AUTHORIZATION_CODE_TTL = 10 * 60
ACCESS_TOKEN_TTL = 21599
REFRESH_TOKEN_TTL = 5183999
# Kakao hands out a new refresh token only when the old one has less than a month left.
REFRESH_TOKEN_RENEW_BELOW = 30 * 24 * 60 * 60


@dataclass(frozen=True)
class AuthorizationCode:
    account_key: str
    redirect_uri: str
    code_challenge: str  # empty: the authorize request did not use PKCE
    openid: bool = False  # the authorize request's scope had openid: the token answer adds an ID token
    nonce: str = ""


@dataclass(frozen=True)
class Grant:
    """What an access or refresh token stands for: one login of one account."""

    grant_id: str
    account_key: str
    scope: str
    app_id: int  # the app the tokens were issued to (access_token_info)


class TokenError(Exception):
    """An error answer of the token endpoint, in Kakao's JSON shape."""

    def __init__(self, status: int, error: str, description: str, error_code: str = "") -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}
        if error_code:
            self.body["error_code"] = error_code


def secrets_match(given: str, expected: str) -> bool:
    """Compare a secret in constant time, so response times leak nothing about it."""
    return hmac.compare_digest(given.encode(), expected.encode())


def _shortened(value: str) -> str:
    """Return enough of a code or token to recognise it, never enough to use it."""
    return f"{value[:4]}..."


def client_authenticate(*, client_id: str, client_secret: str, basic_auth_used: bool) -> None:
    """Check the REST API key and, when the app has one, the secret sent in the form body."""
    app = registered_app()
    if client_id != app.client_id:
        raise TokenError(401, "invalid_client", "Not exist client_id", "KOE101")
    if not app.client_secret:
        return
    if not client_secret and basic_auth_used:
        raise TokenError(
            401,
            "invalid_client",
            "Bad client credentials: send client_secret in the form body (client_secret_post), "
            "not in an Authorization: Basic header",
            "KOE010",
        )
    if not secrets_match(client_secret, app.client_secret):
        raise TokenError(401, "invalid_client", "Bad client credentials", "KOE010")


def code_issue(
    *, account: SandboxAccount, redirect_uri: str, code_challenge: str, openid: bool = False, nonce: str = ""
) -> str:
    """Return a fresh one-time authorization code for ``account`` (with OIDC: remembering the nonce)."""
    code = secrets.token_urlsafe(64)
    value = AuthorizationCode(
        account_key=account.key, redirect_uri=redirect_uri, code_challenge=code_challenge, openid=openid, nonce=nonce
    )
    store.authorization_codes.put(code, value, ttl=AUTHORIZATION_CODE_TTL)
    return code


def code_redeem(*, code: str, redirect_uri: str, code_verifier: str) -> AuthorizationCode:
    """Use up ``code`` and return what it stands for, checking redirect_uri and PKCE."""
    # The code is gone from here on, even when a later check fails (RFC 6749 section 4.1.2).
    authorization_code = store.authorization_codes.pop(code)
    if authorization_code is None:
        raise TokenError(400, "invalid_grant", f"authorization code not found for code={_shortened(code)}", "KOE320")
    if redirect_uri != authorization_code.redirect_uri:
        raise TokenError(400, "invalid_grant", "redirect_uri mismatch", "KOE303")
    if not _pkce_verified(authorization_code.code_challenge, code_verifier):
        raise TokenError(400, "invalid_grant", "PKCE verification failed: code_verifier does not match", "KOE320")
    return authorization_code


def _pkce_verified(code_challenge: str, code_verifier: str) -> bool:
    if not code_challenge:
        # A verifier without a challenge is a PKCE downgrade attempt (RFC 9700 section 2.1.1).
        return not code_verifier
    digest = hashlib.sha256(code_verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return bool(code_verifier) and hmac.compare_digest(expected, code_challenge.encode())


def tokens_issue(*, account: SandboxAccount, app_id: int | None = None) -> dict:
    """Return the token endpoint's success answer for a new login of ``account`` (to another app: ``app_id``)."""
    grant = Grant(
        grant_id=secrets.token_urlsafe(16),
        account_key=account.key,
        scope=granted_scope(account),
        app_id=app_id if app_id is not None else registered_app_id(),
    )
    refresh_token = secrets.token_urlsafe(40)
    store.refresh_tokens.put(refresh_token, grant, ttl=REFRESH_TOKEN_TTL)
    return {
        "token_type": "bearer",
        "access_token": _access_token_issue(grant),
        "expires_in": ACCESS_TOKEN_TTL,
        "refresh_token": refresh_token,
        "refresh_token_expires_in": REFRESH_TOKEN_TTL,
        "scope": grant.scope,
    }


def tokens_refresh(*, refresh_token: str) -> dict:
    """Return a new access token (and a new refresh token once the old one runs short)."""
    if not refresh_token:
        raise TokenError(400, "invalid_request", "refresh_token is missing", "KOE319")
    grant = store.refresh_tokens.get(refresh_token)
    if grant is None:
        raise TokenError(
            400, "invalid_grant", f"refresh token not found for refresh_token={_shortened(refresh_token)}", "KOE322"
        )
    answer = {"token_type": "bearer", "access_token": _access_token_issue(grant), "expires_in": ACCESS_TOKEN_TTL}
    if store.refresh_tokens.remaining(refresh_token) < REFRESH_TOKEN_RENEW_BELOW:
        store.refresh_tokens.pop(refresh_token)
        answer["refresh_token"] = secrets.token_urlsafe(40)
        answer["refresh_token_expires_in"] = REFRESH_TOKEN_TTL
        store.refresh_tokens.put(answer["refresh_token"], grant, ttl=REFRESH_TOKEN_TTL)
    return answer


def registered_app_id() -> int:
    """Return the registered app's numeric ID (0 when it has none)."""
    app_id = registered_app().app_id
    return int(app_id) if app_id.isdigit() else 0


def foreign_app_id() -> int:
    """Return the ID of "another app" of the same Kakao developer, for token-substitution demos."""
    return registered_app_id() + 1


def access_token_info(access_token: str) -> dict | None:
    """Return what ``/v1/user/access_token_info`` says of ``access_token``, or None if it is not live."""
    grant = access_token_grant(access_token)
    if grant is None:
        return None
    return {
        "id": account_get(grant.account_key).id,
        "expires_in": int(store.access_tokens.remaining(access_token)),
        "app_id": grant.app_id,
    }


def _access_token_issue(grant: Grant) -> str:
    access_token = secrets.token_urlsafe(40)
    store.access_tokens.put(access_token, grant, ttl=ACCESS_TOKEN_TTL)
    return access_token


def access_token_grant(access_token: str) -> Grant | None:
    """Return the live grant behind ``access_token``, or None."""
    return store.access_tokens.get(access_token) if access_token else None


def grant_revoke(grant: Grant) -> None:
    """Make every token of this login stop working (Kakao's logout)."""
    for tokens in (store.access_tokens, store.refresh_tokens):
        tokens.delete_where(lambda value: value.grant_id == grant.grant_id)


def account_revoke(account: SandboxAccount) -> None:
    """Make every code and token of ``account`` stop working (Kakao's unlink)."""
    for values in (store.authorization_codes, store.access_tokens, store.refresh_tokens):
        values.delete_where(lambda value: value.account_key == account.key)
