"""Refuse a request body whose declared charset is not a text encoding.

Python registers codecs such as rot13, base64 and zlib under ``codecs.lookup``, so Django
accepts ``Content-Type: ...; charset=rot13`` and the first read of the body then fails with a
LookupError or TypeError, a 500. Such a request is refused (415 under /api/, 400 for pages) before any view runs.
"""

import codecs
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def is_text_encoding(name: str) -> bool:
    """Return True if ``name`` is a codec that turns bytes into text (UTF-8, EUC-KR...), not rot13 or base64."""
    try:
        return codecs.lookup(name)._is_text_encoding
    except (LookupError, ValueError, TypeError):
        return False


class RequestCharsetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset")
        if charset is not None and not is_text_encoding(charset):
            return unsupported_charset(request)
        return self.get_response(request)


def unsupported_charset(request: HttpRequest) -> HttpResponse:
    """Return 415 JSON for the API; the site's "could not understand that request" page (400) otherwise."""
    if request.path.startswith("/api/"):
        detail = _("Send the body as UTF-8 text: this charset is not a text encoding.")
        return JsonResponse({"detail": detail, "code": "unsupported_charset"}, status=415)
    return render(request, "error.html", {"status": 400}, status=400)
