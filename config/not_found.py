"""A reader who follows a link to a deleted post gets the styled 404, in debug mode too."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver


class StyledNotFoundMiddleware:
    """Answer a view's Http404 with the site's 404 page even when DEBUG is on.

    Only a view raises through ``process_exception``: an address that matched no route never
    gets here, so developers still see Django's debug page listing the URL patterns (but under
    /api/, where config/urls.py's last route answers the API's JSON 404).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return get_resolver().resolve_error_handler(404)(request, exception)
        return None
