"""Pages know the user from the access cookie: no server-side session is needed."""

from collections.abc import Callable

from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from accounts import cookies
from accounts.models import User


class TokenCookieMiddleware:
    """Set ``request.user`` from our JWT cookies, renewing an expired access cookie silently.

    Goes right after AuthenticationMiddleware. The user is worked out lazily, only when a
    view or template asks; without our cookies, the session login (the admin's) still counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(lambda: page_user(request))
        response = self.get_response(request)
        cookies.update_response_cookies(request, response)
        return response


def page_user(request: HttpRequest) -> User | AnonymousUser:
    """Return the user our cookies speak for (one query for the profile), else the session's user."""
    claims = cookies.access_claims(request)
    if claims is None:
        return get_user(request)
    # Pages show the nickname and picture, so they read the account; a deactivated one is gone.
    return User.objects.filter(pk=claims["sub"], is_active=True).first() or AnonymousUser()
