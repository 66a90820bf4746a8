"""Pages know the user from the access cookie: no server-side session is needed."""

from collections.abc import Callable

from django.contrib.auth import get_user, get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from tokens import cookies


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


def page_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """Return the user our cookies speak for (one query for the profile), else the session's user."""
    claims = cookies.verify_or_renew(request)
    if claims is None:
        return get_user(request)
    # Pages show the nickname and picture, so they read the account; a deactivated one is gone.
    return get_user_model().objects.filter(pk=claims["sub"], is_active=True).first() or AnonymousUser()
