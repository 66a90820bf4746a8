"""The browser's transport for our JWTs: two HttpOnly cookies.

JavaScript cannot read HttpOnly cookies, so a script injected into a page cannot steal
the tokens. ``SameSite=Lax`` keeps them off cross-site POSTs, and the CSRF token covers
the rest. Both cookies have path "/": every page request carries the refresh token, so an
expired access token is renewed silently (tokens/middleware.py).
Gap: simplejwt has no cookie transport.
"""

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from tokens import families
from tokens.families import TokenPair
from tokens.settings import jwt_settings
from tokens.tokens import TokenError, UnknownKeyError, verify_access_token

STATE_ATTRIBUTE = "_token_cookies"


@dataclass(frozen=True)
class CookieState:
    """What the request's cookies proved, and what the response must do about them."""

    claims: dict[str, Any] | None
    renewed: TokenPair | None = None
    clear: bool = False


def set_token_cookies(response: HttpResponse, *, user: AbstractBaseUser) -> TokenPair:
    """Log the browser in: start a new refresh-token family, set both cookies and return the pair."""
    pair = families.issue_tokens(user)
    _set_cookies(response, pair)
    return pair


def clear_token_cookies(response: HttpResponse, request: HttpRequest) -> None:
    """Log the browser out: revoke its refresh token and delete both cookies."""
    refresh_token = request.COOKIES.get(settings.JWT_REFRESH_COOKIE_NAME)
    if refresh_token:
        with suppress(TokenError):  # expired or broken: nothing left to revoke
            families.revoke(refresh_token)
    _delete_cookies(response)


def verify_or_renew(request: HttpRequest) -> dict[str, Any] | None:
    """Return the verified claims of the request's access cookie, rotating the refresh token when it expired.

    The access token is checked first (no database read). When it is missing or no longer
    valid and a refresh cookie is present, the refresh token is rotated and the new pair
    is sent back with the response. Worked out once per request.
    """
    state = getattr(request, STATE_ATTRIBUTE, None)
    if state is None:
        state = _read_cookies(request)
        setattr(request, STATE_ATTRIBUTE, state)
    return state.claims


def renewed_access_token(request: HttpRequest) -> str:
    """Return the access token the browser holds after this request, renewing an expired one first."""
    verify_or_renew(request)
    state = getattr(request, STATE_ATTRIBUTE)
    if state.renewed is not None:
        return state.renewed.access
    return request.COOKIES.get(settings.JWT_ACCESS_COOKIE_NAME, "") if state.claims is not None else ""


def update_response_cookies(request: HttpRequest, response: HttpResponse) -> None:
    """Send renewed cookies (or delete dead ones), unless the view set or deleted them itself."""
    state = getattr(request, STATE_ATTRIBUTE, None)
    if state is None:
        return
    # The answer depends on who the cookies say the user is: no shared cache may reuse it.
    patch_vary_headers(response, ["Cookie"])
    names = {settings.JWT_ACCESS_COOKIE_NAME, settings.JWT_REFRESH_COOKIE_NAME}
    if names & response.cookies.keys():
        return  # a login or logout in this very response decides
    if state.renewed is not None:
        _set_cookies(response, state.renewed)
    elif state.clear:
        _delete_cookies(response)


def _read_cookies(request: HttpRequest) -> CookieState:
    access_token = request.COOKIES.get(settings.JWT_ACCESS_COOKIE_NAME)
    refresh_token = request.COOKIES.get(settings.JWT_REFRESH_COOKIE_NAME)
    if access_token:
        with suppress(TokenError):
            return CookieState(claims=verify_access_token(access_token))
    if not refresh_token:
        return CookieState(claims=None, clear=bool(access_token))
    try:
        pair = families.rotate(refresh_token)
    except UnknownKeyError:
        # Perhaps signed by an instance that already has a key this one lacks: the login may be
        # live, so the cookies stay for the next request (docs/jwt.md, changing the key).
        return CookieState(claims=None)
    except TokenError:
        return CookieState(claims=None, clear=True)
    return CookieState(claims=pair.access_claims, renewed=pair)


def _set_cookies(response: HttpResponse, pair: TokenPair) -> None:
    for name, value, lifetime in (
        (settings.JWT_ACCESS_COOKIE_NAME, pair.access, jwt_settings().ACCESS_TOKEN_LIFETIME),
        (settings.JWT_REFRESH_COOKIE_NAME, pair.refresh, jwt_settings().REFRESH_TOKEN_LIFETIME),
    ):
        response.set_cookie(
            name,
            value,
            max_age=int(lifetime.total_seconds()),
            path="/",
            secure=settings.JWT_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _delete_cookies(response: HttpResponse) -> None:
    for name in (settings.JWT_ACCESS_COOKIE_NAME, settings.JWT_REFRESH_COOKIE_NAME):
        response.delete_cookie(name, path="/", samesite="Lax")
