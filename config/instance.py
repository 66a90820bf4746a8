"""Name the app instance that answered, so a test or a person can see the load balancer work."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class InstanceHeaderMiddleware:
    """Add ``X-Instance: <INSTANCE_NAME>`` to every response when INSTANCE_NAME is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.INSTANCE_NAME:
            response["X-Instance"] = settings.INSTANCE_NAME
        return response
