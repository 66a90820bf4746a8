"""How our authentication classes appear in the OpenAPI schema (drf-spectacular)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from tokens.authentication import BearerTokenAuthentication, CookieTokenAuthentication


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearer"
    # drf-spectacular ships a scheme for simplejwt's classes, which ours subclass: ours wins.
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class CookieTokenScheme(OpenApiAuthenticationExtension):
    target_class = CookieTokenAuthentication
    name = "cookie"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.JWT_ACCESS_COOKIE_NAME}
