"""Django's CommonMiddleware, less the slash-appending redirect under /api/."""

from django.http import HttpRequest
from django.middleware import common


class CommonMiddleware(common.CommonMiddleware):
    """Django's CommonMiddleware without APPEND_SLASH under /api/.

    A redirect would lose a POST's body (in debug mode Django raises instead): an API client
    that forgot the slash gets the JSON 404 of an unknown address, which is what it sent.
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not request.path_info.startswith("/api/") and super().should_redirect_with_slash(request)
