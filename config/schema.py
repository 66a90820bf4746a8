"""The OpenAPI schema's view."""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request


class SchemaView(SpectacularAPIView):
    """Gap: drf-spectacular copies ``?version=`` into Content-Disposition unchecked (a CRLF is a 500); we have one version."""

    http_method_names = ["get", "head"]

    def _get_version_parameter(self, request: Request) -> None:
        return None
