"""Under /api/, JSON where Django would draw an HTML page of its own."""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse

# Not 500: its traceback page is what a developer running DEBUG=1 wants to see.
REPLACED = {400, 403, 404, 413}


class JsonErrorsUnderApiMiddleware:
    """Under /api/, answer JSON where Django would draw an HTML page: its debug pages (DEBUG=1).

    A suspicious request (an unknown Host, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields) gets Django's technical page in debug mode, not handler400; rendering that page
    for 1,001 query fields even fails, a bare 500. Production answers JSON already: there this
    changes nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except SuspiciousOperation as error:  # the debug page itself failed on it
            return self.process_exception(request, error)
        if response.status_code in REPLACED and response.get("Content-Type", "").startswith("text/html"):
            from config.api import django_error  # see process_exception

            return django_error(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/") and isinstance(exception, SuspiciousOperation):
            # Imported here: config.api imports DRF's views, whose class body imports config.api's
            # parser; loaded first from MIDDLEWARE, that circle would stop the app from starting.
            from config.api import django_error

            return django_error(413 if isinstance(exception, RequestDataTooBig) else 400)
        return None
