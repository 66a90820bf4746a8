"""DRF authentication with our access tokens: a Bearer header, or the browser's cookie.

Both are simplejwt's ``JWTStatelessUserAuthentication``: the user is built from the
token's verified claims, without a database read. The price: a logout or a deactivation
takes effect when the access token expires (minutes), because a JWT cannot be recalled.
"""

from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from tokens import cookies
from tokens.models import TokenUser
from tokens.tokens import TokenError, verify_access_token

REALM = "api"
ERROR_ATTRIBUTE = "_bearer_error"
# RFC 6750 allows these in a URL; we do not: URLs end up in logs, histories and Referer headers.
QUERY_TOKEN_NAMES = ("access_token", "refresh_token")
ACCOUNT_GONE = _("This account no longer exists or is deactivated.")


class BearerTokenAuthentication(JWTStatelessUserAuthentication):
    """``Authorization: Bearer <access token>``, for apps and scripts.

    Gap: simplejwt refuses with one generic message, verifies every token again on every
    call, and says nothing to a client that put its token in the URL.
    """

    www_authenticate_realm = REALM

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        if request.META.get("QUERY_STRING") and any(name in request.query_params for name in QUERY_TOKEN_NAMES):
            refuse(request, _("Send tokens in the Authorization header, never in the URL."))
        raw_token = self.get_raw_token(self.get_header(request))
        if raw_token is None:
            return None  # no header, or another scheme: not ours to judge
        if not raw_token or " " in raw_token:
            refuse(request, _("Send the header as: Authorization: Bearer <access token>."))
        try:
            claims = verify_access_token(raw_token)
        except TokenError as error:
            refuse(request, error.message, error.code)
        return self.get_user(claims), claims

    def get_header(self, request: Request) -> str:
        # Gap: simplejwt encodes the header to Latin-1 bytes, which fails on other characters.
        return request.META.get("HTTP_AUTHORIZATION", "")

    def get_raw_token(self, header: str) -> str | None:
        parts = header.split(maxsplit=1)  # any whitespace after the scheme, as simplejwt splits
        if not parts or parts[0].lower() != "bearer":
            return None
        return parts[1].strip() if len(parts) == 2 else ""

    def authenticate_header(self, request: Request) -> str:
        return www_authenticate(request)


class CookieTokenAuthentication(JWTStatelessUserAuthentication):
    """The access-token cookie, for this site's own pages; unsafe methods need the CSRF token.

    Gap: simplejwt reads tokens from headers only.
    """

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        claims = cookies.verify_or_renew(request._request)
        if claims is None:
            return None
        # Browsers send cookies whoever made the page: prove the request came from ours.
        self.enforce_csrf(request)
        return self.get_user(claims), claims

    def enforce_csrf(self, request: Request) -> None:
        """Check the CSRF token the way DRF's SessionAuthentication does."""
        check = CSRFCheck(lambda _request: None)
        check.process_request(request)
        reason = check.process_view(request, None, (), {})
        if reason:
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")

    def authenticate_header(self, request: Request) -> str:
        return www_authenticate(request)


def www_authenticate(request: Request | HttpRequest) -> str:
    """Return the ``WWW-Authenticate`` value of a 401 (RFC 6750), naming a refused token."""
    if getattr(request, ERROR_ATTRIBUTE, False):
        return f'Bearer realm="{REALM}", error="invalid_token"'
    return f'Bearer realm="{REALM}"'


def account_of(request: Request) -> AbstractBaseUser:
    """Return the full account behind ``request.user`` (one query), for writes that need the row.

    Refuse with 401 when it was deleted or deactivated since its access token was issued.
    """
    if not isinstance(request.user, TokenUser):
        return request.user
    account = get_user_model().objects.filter(pk=request.user.pk, is_active=True).first()
    if account is None:
        refuse(request, ACCOUNT_GONE, "account_inactive")
    return account


def refuse(request: Request, message: str, code: str = "token_not_valid") -> NoReturn:
    """Answer 401, naming the token as the problem in ``WWW-Authenticate``."""
    setattr(request, ERROR_ATTRIBUTE, True)
    raise exceptions.AuthenticationFailed(message, code=code)
