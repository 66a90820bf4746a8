"""Record the steps of a user's last login for the flow inspector, secrets shortened.

The record of a login is kept in the state store under the user's id for 30 minutes and is only ever
shown to that user (accounts.views.flow_inspector); a failed one, in the browser's session.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext

from accounts import kakao
from accounts.kakao import KakaoError, KakaoProfile
from accounts.kakao_oidc import IdTokenRefused, VerifiedIdToken
from core import state
from tokens import keys

logger = logging.getLogger(__name__)

FLOW_TTL_SECONDS = 30 * 60
SECRET_FIELDS = {"client_secret", "code_verifier", "code", "access_token", "refresh_token", "id_token"}
# What a failed callback keeps of its query: the visitor chooses it, so only Kakao's fields, each cut short.
CALLBACK_FIELDS = ("code", "state", "error", "error_description")
CALLBACK_VALUE_MAX_CHARS = 200


@dataclass
class LoginRecord:
    """One run of the login callback as the flow inspector tells it, built beside the callback.

    The callback only hands over what it learnt (Kakao's tokens, the ID token, the profile);
    the record works out the requests it stands for and which step a failure stopped at.
    """

    request: HttpRequest
    attempt: dict[str, Any] | None
    kakao_tokens: dict[str, Any] | None = None
    id_token: VerifiedIdToken | None = None
    profile: KakaoProfile | None = None

    def save(self, *, user: AbstractBaseUser, created: bool, access_token: str) -> None:
        """Keep the steps of this successful login for ``user``, ending with our JWT."""
        endpoints = kakao.endpoints(self.request)
        steps = [
            step("authorize", url=self.attempt["authorize_url"]),
            step("callback", query=redact(self.request.GET.dict())),
            step("token_request", url=f"POST {endpoints.auth_url}{kakao.TOKEN_PATH}", form=redact(self._token_form())),
            step("token_response", json=redact(self.kakao_tokens)),
        ]
        if self.id_token:
            steps.append(step("id_token", **describe_id_token(self.id_token)))
        steps += [
            step("user_me", url=f"GET {endpoints.api_url}{kakao.USER_ME_PATH}", json=self.profile.raw),
            step(
                "local_user",
                result="created" if created else "found",
                user={"id": user.pk, "username": user.username, "nickname": user.nickname},
            ),
            step("our_jwt", **describe_jwt(access_token)),
        ]
        save(user_id=user.pk, steps=steps)

    def save_failure(self, error: KakaoError) -> None:
        """Keep, for this browser, how far the login got and what Kakao answered."""
        steps = [step("authorize", url=self.attempt["authorize_url"])] if self.attempt else []
        query = {
            key: self.request.GET[key][:CALLBACK_VALUE_MAX_CHARS] for key in CALLBACK_FIELDS if key in self.request.GET
        }
        steps.append(step("callback", query=redact(query)))
        save_failed(
            self.request.session,
            steps=steps,
            failed_step=self.failed_step(error),
            error_code=error.code,
            answer=str(error),
        )

    def failed_step(self, error: KakaoError) -> str:
        """Return the step ``error`` stopped the login at, from what the callback had learnt by then."""
        if isinstance(error, IdTokenRefused) or error.code == "kakao_jwks_unavailable":
            return "id_token"
        if error.code == "account_disabled":
            return "local_user"
        if self.kakao_tokens is not None:
            return "user_me"
        if self.attempt is None or "code" not in self.request.GET or "error" in self.request.GET:
            return "callback"
        return "token_request"

    def _token_form(self) -> dict[str, str]:
        """Return the form kakao.exchange_code posted to Kakao's token endpoint."""
        form = {
            "grant_type": "authorization_code",
            "client_id": settings.KAKAO_CLIENT_ID,
            "redirect_uri": kakao.redirect_uri(self.request),
            "code": self.request.GET.get("code", ""),
            "code_verifier": self.attempt["code_verifier"],
        }
        if settings.KAKAO_CLIENT_SECRET:
            form["client_secret"] = settings.KAKAO_CLIENT_SECRET
        return form


def shorten(value: str, keep: int = 6) -> str:
    """Return enough of a secret to recognise it, never enough to use it."""
    if len(value) <= keep * 2:
        return "…" if value else ""
    return f"{value[:keep]}…({len(value)} chars)"


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` with every secret-bearing field shortened, and the client secret down to its length."""
    return {key: _redact_value(key, str(value)) if key in SECRET_FIELDS else value for key, value in data.items()}


def _redact_value(key: str, value: str) -> str:
    # Kakao's codes and tokens are this user's own and short-lived; the client secret is the
    # site's, the same in the record of every user who logs in: nothing of it is shown.
    if key == "client_secret":
        return gettext("(sent: %(length)d characters, none shown)") % {"length": len(value)}
    return shorten(value)


def step(title: str, **details: Any) -> dict[str, Any]:
    """Return one step of the record; values must be JSON-serialisable and already redacted."""
    return {"title": title, "details": {key: _pretty(value) for key, value in details.items()}}


def _pretty(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


def describe_jwt(token: str) -> dict[str, Any]:
    """Return our JWT's header, payload (with readable times) and whether the JWKS verifies it."""
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    times = {
        claim: datetime.fromtimestamp(payload[claim], tz=UTC).astimezone().isoformat(timespec="seconds")
        for claim in ("iat", "nbf", "exp")
        if isinstance(payload.get(claim), int)
    }
    try:
        jwk = jwt.PyJWKSet.from_dict(keys.jwks())[header.get("kid", "")]
        jwt.decode(token, key=jwk.key, algorithms=["RS256"], options={"verify_aud": False})
        signature = f"valid: RS256 signature checked with kid {header.get('kid')} from /.well-known/jwks.json"
    except (jwt.PyJWTError, KeyError) as error:
        signature = f"NOT valid: {type(error).__name__}"
    return {
        "token": shorten(token, keep=12),
        "header": header,
        "payload": payload,
        "times": times,
        "signature": signature,
    }


def describe_id_token(verified: VerifiedIdToken) -> dict[str, Any]:
    """Return Kakao's verified ID token as the inspector shows it: header, claims, key and each check."""
    return {
        "header": verified.header,
        "payload": verified.claims,
        "key": gettext("kid %(kid)s from %(url)s") % {"kid": verified.header.get("kid"), "url": verified.jwks_url},
        "checks": [
            gettext("%(claim)s: %(actual)s (expected: %(expected)s)")
            % {"claim": claim, "actual": actual, "expected": expected}
            for claim, expected, actual in verified.checks
        ],
    }


def _key(user_id: int) -> str:
    return f"login-flow:{user_id}"


def save(*, user_id: int, steps: list[dict[str, Any]]) -> None:
    """Keep the record if the store can take it: an outage of the store may lose it, never the login."""
    try:
        state.put(_key(user_id), steps, ttl=FLOW_TTL_SECONDS)
    except Exception as error:  # each store fails with its own exceptions (Redis, database)
        logger.warning("Login flow record not kept, the state store is unavailable: %s", type(error).__name__)


def load(*, user_id: int) -> list[dict[str, Any]]:
    return state.get(_key(user_id)) or []


# A failed login has no user to key it on: it is kept in the browser's own session instead.
FAILED_SESSION_KEY = "login_flow_failed"
ANSWER_MAX_CHARS = 300


def save_failed(session: Any, *, steps: list[dict[str, Any]], failed_step: str, error_code: str, answer: str) -> None:
    """Keep this browser's last failed login: the steps it got through, the step that failed, Kakao's answer."""
    session[FAILED_SESSION_KEY] = {
        "steps": steps,
        "failed_step": failed_step,
        "error_code": error_code,
        # KakaoError's text names the code and a detail for logs; it never holds a token or secret.
        "answer": answer[:ANSWER_MAX_CHARS],
        "at": time.time(),
    }


def load_failed(session: Any) -> dict[str, Any] | None:
    """Return this browser's last failed login if it is less than 30 minutes old."""
    record = session.get(FAILED_SESSION_KEY)
    if not isinstance(record, dict) or time.time() - record.get("at", 0) >= FLOW_TTL_SECONDS:
        return None
    return record
