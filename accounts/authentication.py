"""DRF authentication with our access tokens: a Bearer header, or the browser's cookie.

A valid access token is all the API needs to know who is calling: the user is built from
the token's claims, without a database read. The price: a logout or a deactivation takes
effect when the access token expires (minutes), because a JWT cannot be recalled.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.request import Request

from accounts import cookies, tokens
from accounts.models import User

REALM = "api"
ERROR_ATTRIBUTE = "_bearer_error"
# RFC 6750 allows these in a URL; we do not: URLs end up in logs, histories and Referer headers.
QUERY_TOKEN_NAMES = ("access_token", "refresh_token")
ACCOUNT_GONE = _("This account no longer exists or is deactivated.")


class TokenUser:
    """The user an access token speaks for, known from its verified claims alone."""

    is_active = True
    is_authenticated = True
    is_anonymous = False
    is_superuser = False

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.pk = self.id = User._meta.pk.to_python(claims["sub"])

    @property
    def is_staff(self) -> bool:
        return "staff" in self.claims.get("roles", ())

    def __str__(self) -> str:
        return f"user {self.pk}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(self.pk)


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <access token>``, for apps and scripts."""

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        if request.META.get("QUERY_STRING") and any(name in request.query_params for name in QUERY_TOKEN_NAMES):
            refuse(request, _("Send tokens in the Authorization header, never in the URL."))
        scheme, _space, access_token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None  # no header, or another scheme: not ours to judge
        access_token = access_token.strip()
        if not access_token or " " in access_token:
            refuse(request, _("Send the header as: Authorization: Bearer <access token>."))
        try:
            claims = tokens.verify_access_token(access_token)
        except tokens.TokenError as error:
            refuse(request, error.message, error.code)
        return TokenUser(claims), claims

    def authenticate_header(self, request: Request) -> str:
        return www_authenticate(request)


class CookieTokenAuthentication(BaseAuthentication):
    """The access-token cookie, for this site's own pages; unsafe methods need the CSRF token."""

    def authenticate(self, request: Request) -> tuple[TokenUser, dict[str, Any]] | None:
        claims = cookies.access_claims(request._request)
        if claims is None:
            return None
        # Browsers send cookies whoever made the page: prove the request came from ours.
        self.enforce_csrf(request)
        return TokenUser(claims), claims

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


def account_of(user: TokenUser | User) -> User:
    """Return the full account behind ``user`` (one query), for writes that need the row.

    Refuse with 401 when it was deleted or deactivated since its access token was issued.
    """
    if isinstance(user, User):
        return user
    account = User.objects.filter(pk=user.pk, is_active=True).first()
    if account is None:
        raise exceptions.AuthenticationFailed(ACCOUNT_GONE, code="account_inactive")
    return account


def refuse(request: Request, message: str, code: str = "token_not_valid") -> NoReturn:
    """Answer 401, naming the token as the problem in ``WWW-Authenticate``."""
    setattr(request, ERROR_ATTRIBUTE, True)
    raise exceptions.AuthenticationFailed(message, code=code)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class CookieTokenScheme(OpenApiAuthenticationExtension):
    target_class = CookieTokenAuthentication
    name = "cookie"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.JWT_ACCESS_COOKIE_NAME}
